// RM0481 §35.7 HASH registers. The block decodes 0x400 bytes: HASH_DIGEST (HR0–HR15) sits at +0x310.
import type { RegisterSpec } from '../registers/register-block.js';

export const HASH_SIZE = 0x400;
export const HASH_CSR_COUNT = 103;

export const HASH_CR = { INIT: 1 << 2, DMAE: 1 << 3, MODE: 1 << 6, MDMAT: 1 << 13, LKEY: 1 << 16 } as const;
export const HASH_STR = { NBLW_MASK: 0x1f, DCAL: 1 << 8 } as const;
export const HASH_IMR = { DINIE: 1 << 0, DCIE: 1 << 1 } as const;
export const HASH_SR = { DINIS: 1 << 0, DCIS: 1 << 1, DMAS: 1 << 2, BUSY: 1 << 3, DINNE: 1 << 15 } as const;

export const HASH_REGISTERS: RegisterSpec[] = [
  { name: 'CR', offset: 0x000, reset: 0, fields: [
    { name: 'INIT', bit: 2, access: 'w' },
    { name: 'DMAE', bit: 3 },
    { name: 'DATATYPE', bit: 4, width: 2 },
    { name: 'MODE', bit: 6 },
    { name: 'NBW', bit: 8, width: 4, access: 'r' },
    { name: 'DINNE', bit: 12, access: 'r' },
    { name: 'MDMAT', bit: 13 },
    { name: 'LKEY', bit: 16 },
    { name: 'ALGO', bit: 17, width: 4 },
  ] },
  { name: 'DIN', offset: 0x004, access: 'w' },
  { name: 'STR', offset: 0x008, fields: [
    { name: 'NBLW', bit: 0, width: 5 },
    { name: 'DCAL', bit: 8, access: 'w' },
  ] },
  { name: 'HRA{n}', offset: 0x00c, count: 5, access: 'r' },
  { name: 'IMR', offset: 0x020, fields: [{ name: 'DINIE', bit: 0 }, { name: 'DCIE', bit: 1 }] },
  // Reset 0x0011_0001: FIFO empty (DINIS) and 17 words expected before the first block runs.
  { name: 'SR', offset: 0x024, reset: 0x0011_0001, fields: [
    { name: 'DINIS', bit: 0, access: 'rc_w0' },
    { name: 'DCIS', bit: 1, access: 'rc_w0' },
    { name: 'DMAS', bit: 2, access: 'r' },
    { name: 'BUSY', bit: 3, access: 'r' },
    { name: 'NBWP', bit: 9, width: 5, access: 'r' },
    { name: 'DINNE', bit: 15, access: 'r' },
    { name: 'NBWE', bit: 16, width: 5, access: 'r' },
  ] },
  { name: 'CSR{n}', offset: 0x0f8, count: HASH_CSR_COUNT },
  { name: 'HR{n}', offset: 0x310, count: 16, access: 'r' },
];
