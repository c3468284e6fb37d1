// RM0481 §33.7 RNG registers.
import type { RegisterSpec } from '../registers/register-block.js';

export const RNG_SIZE = 0x400;

export const RNG_CR = {
  RNGEN: 1 << 2, IE: 1 << 3, CED: 1 << 5, ARDIS: 1 << 7, CONDRST: 1 << 30, CONFIGLOCK: 1 << 31,
  /** Bits that only change while CONDRST is being written (and CONFIGLOCK is clear). */
  CONFIG: (0x3f << 20) | (0xf << 16) | (0x7 << 13) | (1 << 12) | (0xf << 8) | (1 << 7) | (1 << 5),
} as const;
export const RNG_SR = { DRDY: 1 << 0, CECS: 1 << 1, SECS: 1 << 2, CEIS: 1 << 5, SEIS: 1 << 6 } as const;

export const RNG_REGISTERS: RegisterSpec[] = [
  // Reset values of CR/NSCR/HTCR from our reading of RM0481 (not checked on silicon); the HAL and
  // our fixtures overwrite all three with the NIST values before use.
  { name: 'CR', offset: 0x00, reset: 0x0080_0d00, fields: [
    { name: 'RNGEN', bit: 2 },
    { name: 'IE', bit: 3 },
    { name: 'CED', bit: 5 },
    { name: 'ARDIS', bit: 7 },
    { name: 'RNG_CONFIG3', bit: 8, width: 4 },
    { name: 'NISTC', bit: 12 },
    { name: 'RNG_CONFIG2', bit: 13, width: 3 },
    { name: 'CLKDIV', bit: 16, width: 4 },
    { name: 'RNG_CONFIG1', bit: 20, width: 6 },
    { name: 'CONDRST', bit: 30 },
    { name: 'CONFIGLOCK', bit: 31 },
  ] },
  { name: 'SR', offset: 0x04, fields: [
    { name: 'DRDY', bit: 0, access: 'r' },
    { name: 'CECS', bit: 1, access: 'r' },
    { name: 'SECS', bit: 2, access: 'r' },
    { name: 'CEIS', bit: 5, access: 'rc_w0' },
    { name: 'SEIS', bit: 6, access: 'rc_w0' },
  ] },
  { name: 'DR', offset: 0x08, access: 'r' },
  { name: 'NSCR', offset: 0x0c, reset: 0x0003_ffff, fields: [
    { name: 'EN_OSC1', bit: 0, width: 3 }, { name: 'EN_OSC2', bit: 3, width: 3 }, { name: 'EN_OSC3', bit: 6, width: 3 },
    { name: 'EN_OSC4', bit: 9, width: 3 }, { name: 'EN_OSC5', bit: 12, width: 3 }, { name: 'EN_OSC6', bit: 15, width: 3 },
  ] },
  { name: 'HTCR', offset: 0x10, reset: 0x0000_72ac, fields: [{ name: 'HTCFG', bit: 0, width: 32 }] },
];
