// RM0481 §22 EXTI register map (lines 0–15 come from GPIO pins, selected by EXTICR1–4).
import type { RegisterSpec } from '../registers/register-block.js';

export const EXTI_REGISTERS: RegisterSpec[] = [
  { name: 'RTSR1', offset: 0x00 },
  { name: 'FTSR1', offset: 0x04 },
  { name: 'SWIER1', offset: 0x08, access: 'w' },
  { name: 'RPR1', offset: 0x0c, access: 'rc_w1' },
  { name: 'FPR1', offset: 0x10, access: 'rc_w1' },
  { name: 'SECCFGR1', offset: 0x14 },
  { name: 'PRIVCFGR1', offset: 0x18 },
  { name: 'RTSR2', offset: 0x20 },
  { name: 'FTSR2', offset: 0x24 },
  { name: 'SWIER2', offset: 0x28, access: 'w' },
  { name: 'RPR2', offset: 0x2c, access: 'rc_w1' },
  { name: 'FPR2', offset: 0x30, access: 'rc_w1' },
  { name: 'SECCFGR2', offset: 0x34 },
  { name: 'PRIVCFGR2', offset: 0x38 },
  { name: 'EXTICR1', offset: 0x60 },
  { name: 'EXTICR2', offset: 0x64 },
  { name: 'EXTICR3', offset: 0x68 },
  { name: 'EXTICR4', offset: 0x6c },
  { name: 'LOCKR', offset: 0x70, fields: [{ name: 'LOCK', bit: 0 }] },
  { name: 'IMR1', offset: 0x80 },
  { name: 'EMR1', offset: 0x84 },
  { name: 'IMR2', offset: 0x90 },
  { name: 'EMR2', offset: 0x94 },
];
