// RM0481 §31 WWDG register map.
import type { RegisterSpec } from '../registers/register-block.js';

export const WWDG_REGISTERS: RegisterSpec[] = [
  { name: 'CR', offset: 0x00, reset: 0x7f, fields: [{ name: 'T', bit: 0, width: 7 }, { name: 'WDGA', bit: 7, access: 'w1s' }] },
  { name: 'CFR', offset: 0x04, reset: 0x7f, fields: [
    { name: 'W', bit: 0, width: 7 }, { name: 'EWI', bit: 9, access: 'w1s' }, { name: 'WDGTB', bit: 11, width: 3 },
  ] },
  { name: 'SR', offset: 0x08, fields: [{ name: 'EWIF', bit: 0, access: 'rc_w0' }] },
];
