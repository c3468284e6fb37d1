// RM0481 §36 PKA register map: CR, SR, CLRFR, then the PKA RAM (not a register table: see pka.ts).
import type { RegisterSpec } from '../registers/register-block.js';

export const PKA_BLOCK_SIZE = 0x2000;
/** PKA RAM: 1334 words from offset 0x400 (stm32h563xx.h, PKA_TypeDef.RAM[1334]). */
export const PKA_RAM_OFFSET = 0x400;
export const PKA_RAM_WORDS = 1334;
export const PKA_RAM_END = PKA_RAM_OFFSET + PKA_RAM_WORDS * 4;

export const CR_EN = 1 << 0;
export const CR_START = 1 << 1;
export const CR_MODE_SHIFT = 8;
export const CR_MODE_MASK = 0x3f << CR_MODE_SHIFT;
export const CR_PROCENDIE = 1 << 17;
export const CR_RAMERRIE = 1 << 19;
export const CR_ADDRERRIE = 1 << 20;
export const CR_OPERRIE = 1 << 21;

export const SR_INITOK = 1 << 0;
export const SR_BUSY = 1 << 16;
export const SR_PROCENDF = 1 << 17;
export const SR_RAMERRF = 1 << 19;
export const SR_ADDRERRF = 1 << 20;
export const SR_OPERRF = 1 << 21;
/** Flags that CLRFR clears (same bit positions as in SR). */
export const SR_FLAGS = SR_PROCENDF | SR_RAMERRF | SR_ADDRERRF | SR_OPERRF;

export const PKA_REGISTERS: RegisterSpec[] = [
  {
    name: 'CR', offset: 0x00, reset: 0, fields: [
      { name: 'EN', bit: 0 },
      { name: 'START', bit: 1, access: 'w' },
      { name: 'MODE', bit: 8, width: 6 },
      { name: 'PROCENDIE', bit: 17 },
      { name: 'RAMERRIE', bit: 19 },
      { name: 'ADDRERRIE', bit: 20 },
      { name: 'OPERRIE', bit: 21 },
    ],
  },
  {
    name: 'SR', offset: 0x04, reset: 0, fields: [
      { name: 'INITOK', bit: 0, access: 'r' },
      { name: 'BUSY', bit: 16, access: 'r' },
      { name: 'PROCENDF', bit: 17, access: 'r' },
      { name: 'RAMERRF', bit: 19, access: 'r' },
      { name: 'ADDRERRF', bit: 20, access: 'r' },
      { name: 'OPERRF', bit: 21, access: 'r' },
    ],
  },
  {
    name: 'CLRFR', offset: 0x08, reset: 0, fields: [
      { name: 'PROCENDFC', bit: 17, access: 'w' },
      { name: 'RAMERRFC', bit: 19, access: 'w' },
      { name: 'ADDRERRFC', bit: 20, access: 'w' },
      { name: 'OPERRFC', bit: 21, access: 'w' },
    ],
  },
];
