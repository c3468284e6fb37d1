// RM0481 §13 GPIO register map and per-port reset values (PA13/PA14/PA15 and PB3/PB4 are the debug pins).
import type { RegisterSpec } from '../registers/register-block.js';

export type GpioPortName = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I';

const RESET: Record<'A' | 'B' | 'other', { MODER: number; OSPEEDR: number; PUPDR: number }> = {
  A: { MODER: 0xabff_ffff, OSPEEDR: 0x0c00_0000, PUPDR: 0x6400_0000 },
  B: { MODER: 0xffff_febf, OSPEEDR: 0x0000_00c0, PUPDR: 0x0000_0100 },
  other: { MODER: 0xffff_ffff, OSPEEDR: 0, PUPDR: 0 },
};

export function gpioRegisters(port: GpioPortName): RegisterSpec[] {
  const reset = RESET[port === 'A' || port === 'B' ? port : 'other'];
  return [
    { name: 'MODER', offset: 0x00, reset: reset.MODER },
    { name: 'OTYPER', offset: 0x04, fields: [{ name: 'OT', bit: 0, width: 16 }] },
    { name: 'OSPEEDR', offset: 0x08, reset: reset.OSPEEDR },
    { name: 'PUPDR', offset: 0x0c, reset: reset.PUPDR },
    { name: 'IDR', offset: 0x10, access: 'r' },
    { name: 'ODR', offset: 0x14, fields: [{ name: 'OD', bit: 0, width: 16 }], idempotent: true },
    { name: 'BSRR', offset: 0x18, access: 'w', idempotent: true },
    { name: 'LCKR', offset: 0x1c, fields: [{ name: 'LCK', bit: 0, width: 16 }, { name: 'LCKK', bit: 16 }] },
    { name: 'AFRL', offset: 0x20 },
    { name: 'AFRH', offset: 0x24 },
    { name: 'BRR', offset: 0x28, fields: [{ name: 'BR', bit: 0, width: 16, access: 'w' }], idempotent: true },
    { name: 'HSLVR', offset: 0x2c, fields: [{ name: 'HSLV', bit: 0, width: 16, modelled: false }] },
    { name: 'SECCFGR', offset: 0x30, reset: 0x0000_ffff, fields: [{ name: 'SEC', bit: 0, width: 16 }] },
  ];
}
