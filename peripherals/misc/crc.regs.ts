// RM0481 §21 CRC register map.
import type { RegisterSpec } from '../registers/register-block.js';

export const CRC_REGISTERS: RegisterSpec[] = [
  { name: 'DR', offset: 0x00, reset: 0xffff_ffff },
  { name: 'IDR', offset: 0x04 },
  { name: 'CR', offset: 0x08, fields: [
    { name: 'RESET', bit: 0, access: 'w1s' }, { name: 'POLYSIZE', bit: 3, width: 2 }, { name: 'REV_IN', bit: 5, width: 2 },
    { name: 'REV_OUT', bit: 7 },
  ] },
  { name: 'INIT', offset: 0x10, reset: 0xffff_ffff },
  { name: 'POL', offset: 0x14, reset: 0x04c1_1db7 },
];
