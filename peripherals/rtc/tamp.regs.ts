// RM0481 §48 TAMP register map (tamper detection is stored, not modelled; backup registers are).
import type { RegisterSpec } from '../registers/register-block.js';

export const TAMP_REGISTERS: RegisterSpec[] = [
  { name: 'CR1', offset: 0x00, modelled: false },
  { name: 'CR2', offset: 0x04, modelled: false },
  { name: 'CR3', offset: 0x08, modelled: false },
  { name: 'FLTCR', offset: 0x0c },
  { name: 'ATCR1', offset: 0x10 },
  { name: 'ATSEEDR', offset: 0x14, access: 'w' },
  { name: 'ATOR', offset: 0x18, access: 'r' },
  { name: 'ATCR2', offset: 0x1c },
  { name: 'SECCFGR', offset: 0x20 },
  { name: 'PRIVCFGR', offset: 0x24 },
  { name: 'IER', offset: 0x2c },
  { name: 'SR', offset: 0x30, access: 'r' },
  { name: 'MISR', offset: 0x34, access: 'r' },
  { name: 'SMISR', offset: 0x38, access: 'r' },
  { name: 'SCR', offset: 0x3c, access: 'w' },
  { name: 'COUNT1R', offset: 0x40, access: 'r' },
  { name: 'OR', offset: 0x50 },
  { name: 'ERCFGR', offset: 0x54 },
  { name: 'BKP{n}R', offset: 0x100, count: 32 },
];
