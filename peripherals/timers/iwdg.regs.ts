// RM0481 §30 IWDG register map.
import type { RegisterSpec } from '../registers/register-block.js';

export const IWDG_KEY = { ENABLE_ACCESS: 0x5555, RELOAD: 0xaaaa, START: 0xcccc } as const;
export const IWDG_SR = { PVU: 1 << 0, RVU: 1 << 1, WVU: 1 << 2, EWU: 1 << 3, ONF: 1 << 8, EWIF: 1 << 14 } as const;

export const IWDG_REGISTERS: RegisterSpec[] = [
  { name: 'KR', offset: 0x00, fields: [{ name: 'KEY', bit: 0, width: 16, access: 'w' }] },
  { name: 'PR', offset: 0x04, fields: [{ name: 'PR', bit: 0, width: 4 }] },
  { name: 'RLR', offset: 0x08, reset: 0xfff, fields: [{ name: 'RL', bit: 0, width: 12 }] },
  { name: 'SR', offset: 0x0c, access: 'r' },
  { name: 'WINR', offset: 0x10, reset: 0xfff, fields: [{ name: 'WIN', bit: 0, width: 12 }] },
  { name: 'EWCR', offset: 0x14, fields: [
    { name: 'EWIT', bit: 0, width: 12 }, { name: 'EWIC', bit: 14, access: 'w' }, { name: 'EWIE', bit: 15 },
  ] },
];
