// RM0481 §36.7 AES and §37.7 SAES registers (one layout; KEYSEL, KEYPROT and KMOD=01 are SAES only).
import type { RegisterSpec } from '../registers/register-block.js';

export const AES_SIZE = 0x400;

export const AES_CR = {
  EN: 1 << 0, DMAINEN: 1 << 11, DMAOUTEN: 1 << 12, CHMOD2: 1 << 16, KEYSIZE: 1 << 18, KEYPROT: 1 << 19, IPRST: 1 << 31,
} as const;
export const AES_SR = { RDERR: 1 << 1, WRERR: 1 << 2, BUSY: 1 << 3, KEYVALID: 1 << 7 } as const;
export const AES_ISR = { CCF: 1 << 0, RWEIF: 1 << 1, KEIF: 1 << 2, RNGEIF: 1 << 3 } as const;

const flags = (suffix: string) => [
  { name: `CCF${suffix}`, bit: 0 }, { name: `RWE${suffix}`, bit: 1 }, { name: `KE${suffix}`, bit: 2 }, { name: `RNGE${suffix}`, bit: 3 },
];

export const AES_REGISTERS: RegisterSpec[] = [
  { name: 'CR', offset: 0x000, fields: [
    { name: 'EN', bit: 0 },
    { name: 'DATATYPE', bit: 1, width: 2 },
    { name: 'MODE', bit: 3, width: 2 },
    // CHMOD[1:0] at bits 5–6 and CHMOD[2] at bit 16 (the header's mask 0x0001_0060).
    { name: 'CHMOD', bit: 5, width: 2 },
    { name: 'DMAINEN', bit: 11 },
    { name: 'DMAOUTEN', bit: 12 },
    { name: 'GCMPH', bit: 13, width: 2 },
    { name: 'CHMOD2', bit: 16 },
    { name: 'KEYSIZE', bit: 18 },
    { name: 'KEYPROT', bit: 19 },
    { name: 'NPBLB', bit: 20, width: 4 },
    { name: 'KMOD', bit: 24, width: 2 },
    { name: 'KSHAREID', bit: 26, width: 2 },
    { name: 'KEYSEL', bit: 28, width: 3 },
    { name: 'IPRST', bit: 31 },
  ] },
  { name: 'SR', offset: 0x004, fields: [
    { name: 'RDERR', bit: 1, access: 'r' },
    { name: 'WRERR', bit: 2, access: 'r' },
    { name: 'BUSY', bit: 3, access: 'r' },
    { name: 'KEYVALID', bit: 7, access: 'r' },
  ] },
  { name: 'DINR', offset: 0x008, access: 'w' },
  { name: 'DOUTR', offset: 0x00c, access: 'r' },
  { name: 'KEYR{n}', offset: 0x010, count: 4, access: 'w' },
  { name: 'IVR{n}', offset: 0x020, count: 4 },
  ...[4, 5, 6, 7].map((n) => ({ name: `KEYR${n}`, offset: 0x030 + (n - 4) * 4, access: 'w' as const })),
  { name: 'SUSP{n}R', offset: 0x040, count: 8 },
  { name: 'IER', offset: 0x300, fields: flags('IE') },
  { name: 'ISR', offset: 0x304, fields: flags('IF').map((f) => ({ ...f, name: f.name === 'CCFIF' ? 'CCF' : f.name, access: 'r' as const })) },
  { name: 'ICR', offset: 0x308, fields: flags('IF').map((f) => ({ ...f, name: f.name === 'CCFIF' ? 'CCF' : f.name, access: 'w' as const })) },
];
