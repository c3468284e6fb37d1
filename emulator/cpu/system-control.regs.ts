// System Control Space of the Cortex-M33 (ARMv8-M ARM D1.2 register index; Cortex-M33 TRM
// for identification values). Offsets from 0xE000_E000.
import type { RegisterSpec } from '../../peripherals/registers/register-block.js';

export const SCS_BASE = 0xe000_e000;

export const CFSR = {
  IACCVIOL: 1 << 0, DACCVIOL: 1 << 1, MUNSTKERR: 1 << 3, MSTKERR: 1 << 4, MLSPERR: 1 << 5, MMARVALID: 1 << 7,
  IBUSERR: 1 << 8, PRECISERR: 1 << 9, IMPRECISERR: 1 << 10, UNSTKERR: 1 << 11, STKERR: 1 << 12, LSPERR: 1 << 13, BFARVALID: 1 << 15,
  UNDEFINSTR: 1 << 16, INVSTATE: 1 << 17, INVPC: 1 << 18, NOCP: 1 << 19, STKOF: 1 << 20, UNALIGNED: 1 << 24, DIVBYZERO: 1 << 25,
} as const;

export const HFSR = { VECTTBL: 1 << 1, FORCED: 1 << 30, DEBUGEVT: 1 << 31 } as const;

/** One NVIC word register per 32 interrupts (131 lines → 5 words). */
function nvicArray(name: string, offset: number, words: number, access: RegisterSpec['access'] = 'rw'): RegisterSpec {
  return { name: `${name}{n}`, offset, count: words, access };
}

export function systemControlRegisters(externalInterrupts: number): RegisterSpec[] {
  const words = Math.ceil(externalInterrupts / 32);
  return [
    { name: 'ICTR', offset: 0x004, access: 'r' },
    { name: 'ACTLR', offset: 0x008 },
    { name: 'SYST_CSR', offset: 0x010 },
    { name: 'SYST_RVR', offset: 0x014 },
    { name: 'SYST_CVR', offset: 0x018 },
    { name: 'SYST_CALIB', offset: 0x01c, access: 'r' },
    nvicArray('NVIC_ISER', 0x100, words),
    nvicArray('NVIC_ICER', 0x180, words),
    nvicArray('NVIC_ISPR', 0x200, words),
    nvicArray('NVIC_ICPR', 0x280, words),
    nvicArray('NVIC_IABR', 0x300, words, 'r'),
    nvicArray('NVIC_ITNS', 0x380, words),
    { name: 'NVIC_IPR{n}', offset: 0x400, count: Math.ceil(externalInterrupts / 4) },
    { name: 'CPUID', offset: 0xd00, reset: 0x410f_d214, access: 'r' },
    { name: 'ICSR', offset: 0xd04 },
    { name: 'VTOR', offset: 0xd08, fields: [{ name: 'TBLOFF', bit: 7, width: 25 }] },
    { name: 'AIRCR', offset: 0xd0c },
    { name: 'SCR', offset: 0xd10, fields: [
      { name: 'SLEEPONEXIT', bit: 1 }, { name: 'SLEEPDEEP', bit: 2 }, { name: 'SLEEPDEEPS', bit: 3, modelled: false }, { name: 'SEVONPEND', bit: 4, modelled: false },
    ] },
    { name: 'CCR', offset: 0xd14, reset: 0x0000_0201, fields: [
      { name: 'RES1', bit: 0, access: 'r' }, { name: 'USERSETMPEND', bit: 1, modelled: false }, { name: 'UNALIGN_TRP', bit: 3 },
      { name: 'DIV_0_TRP', bit: 4, modelled: false }, { name: 'BFHFNMIGN', bit: 8, modelled: false }, { name: 'STKALIGN', bit: 9, access: 'r' },
      { name: 'STKOFHFNMIGN', bit: 10, modelled: false }, { name: 'DC', bit: 16 }, { name: 'IC', bit: 17 }, { name: 'BP', bit: 18, access: 'r' },
    ] },
    { name: 'SHPR1', offset: 0xd18 },
    { name: 'SHPR2', offset: 0xd1c },
    { name: 'SHPR3', offset: 0xd20 },
    { name: 'SHCSR', offset: 0xd24 },
    { name: 'CFSR', offset: 0xd28, access: 'w1c' },
    { name: 'HFSR', offset: 0xd2c, access: 'w1c' },
    { name: 'DFSR', offset: 0xd30, access: 'w1c' },
    { name: 'MMFAR', offset: 0xd34 },
    { name: 'BFAR', offset: 0xd38 },
    { name: 'AFSR', offset: 0xd3c },
    { name: 'ID_PFR0', offset: 0xd40, reset: 0x0000_0030, access: 'r' },
    { name: 'ID_PFR1', offset: 0xd44, reset: 0x0000_0210, access: 'r' },
    { name: 'ID_DFR0', offset: 0xd48, reset: 0x0020_0000, access: 'r' },
    { name: 'ID_AFR0', offset: 0xd4c, access: 'r' },
    { name: 'ID_MMFR0', offset: 0xd50, reset: 0x0010_1f40, access: 'r' },
    { name: 'ID_MMFR1', offset: 0xd54, access: 'r' },
    { name: 'ID_MMFR2', offset: 0xd58, reset: 0x0100_0000, access: 'r' },
    { name: 'ID_MMFR3', offset: 0xd5c, access: 'r' },
    { name: 'ID_ISAR0', offset: 0xd60, reset: 0x0110_1110, access: 'r' },
    { name: 'ID_ISAR1', offset: 0xd64, reset: 0x0221_2000, access: 'r' },
    { name: 'ID_ISAR2', offset: 0xd68, reset: 0x2023_2232, access: 'r' },
    { name: 'ID_ISAR3', offset: 0xd6c, reset: 0x0111_1131, access: 'r' },
    { name: 'ID_ISAR4', offset: 0xd70, reset: 0x0131_0132, access: 'r' },
    { name: 'ID_ISAR5', offset: 0xd74, access: 'r' },
    { name: 'CLIDR', offset: 0xd78, access: 'r' },
    { name: 'CTR', offset: 0xd7c, reset: 0x8000_0000, access: 'r' },
    { name: 'CPACR', offset: 0xd88, fields: [{ name: 'CP10', bit: 20, width: 2 }, { name: 'CP11', bit: 22, width: 2 }] },
    { name: 'NSACR', offset: 0xd8c, reset: 0x0000_0c00 },
    // MPU and SAU registers are stored; protection is not enforced (docs/architecture.md).
    { name: 'MPU_TYPE', offset: 0xd90, reset: 0x0000_0800, access: 'r' },
    { name: 'MPU_CTRL', offset: 0xd94 },
    { name: 'MPU_RNR', offset: 0xd98, fields: [{ name: 'REGION', bit: 0, width: 8 }] },
    { name: 'MPU_RBAR', offset: 0xd9c },
    { name: 'MPU_RLAR', offset: 0xda0 },
    { name: 'MPU_RBAR_A{n}', offset: 0xda4, count: 3, stride: 8 },
    { name: 'MPU_RLAR_A{n}', offset: 0xda8, count: 3, stride: 8 },
    { name: 'MPU_MAIR0', offset: 0xdc0 },
    { name: 'MPU_MAIR1', offset: 0xdc4 },
    { name: 'SAU_CTRL', offset: 0xdd0 },
    { name: 'SAU_TYPE', offset: 0xdd4, reset: 0x0000_0008, access: 'r' },
    { name: 'SAU_RNR', offset: 0xdd8, fields: [{ name: 'REGION', bit: 0, width: 8 }] },
    { name: 'SAU_RBAR', offset: 0xddc },
    { name: 'SAU_RLAR', offset: 0xde0 },
    { name: 'SFSR', offset: 0xde4, access: 'w1c' },
    { name: 'SFAR', offset: 0xde8 },
    { name: 'DHCSR', offset: 0xdf0 },
    { name: 'DCRSR', offset: 0xdf4, access: 'w' },
    { name: 'DCRDR', offset: 0xdf8 },
    { name: 'DEMCR', offset: 0xdfc },
    { name: 'DAUTHCTRL', offset: 0xe04 },
    { name: 'DSCSR', offset: 0xe08 },
    { name: 'STIR', offset: 0xf00, access: 'w' },
    { name: 'FPCCR', offset: 0xf34, reset: 0xc000_0004, fields: [
      { name: 'LSPACT', bit: 0, access: 'r' }, { name: 'USER', bit: 1, access: 'r' }, { name: 'S', bit: 2, access: 'r' },
      { name: 'THREAD', bit: 3, access: 'r' }, { name: 'HFRDY', bit: 4, access: 'r' }, { name: 'MMRDY', bit: 5, access: 'r' },
      { name: 'BFRDY', bit: 6, access: 'r' }, { name: 'SFRDY', bit: 7, access: 'r' }, { name: 'MONRDY', bit: 8, access: 'r' },
      { name: 'SPLIMVIOL', bit: 9, access: 'r' }, { name: 'UFRDY', bit: 10, access: 'r' }, { name: 'TS', bit: 26, modelled: false },
      { name: 'CLRONRETS', bit: 27, modelled: false }, { name: 'CLRONRET', bit: 28, modelled: false }, { name: 'LSPENS', bit: 29, modelled: false },
      { name: 'LSPEN', bit: 30 }, { name: 'ASPEN', bit: 31 },
    ] },
    { name: 'FPCAR', offset: 0xf38, fields: [{ name: 'ADDRESS', bit: 3, width: 29 }] },
    { name: 'FPDSCR', offset: 0xf3c, fields: [{ name: 'RMode', bit: 22, width: 2 }, { name: 'FZ', bit: 24 }, { name: 'DN', bit: 25 }, { name: 'AHP', bit: 26 }] },
    { name: 'MVFR0', offset: 0xf40, reset: 0x1011_0021, access: 'r' },
    { name: 'MVFR1', offset: 0xf44, reset: 0x1100_0011, access: 'r' },
    { name: 'MVFR2', offset: 0xf48, reset: 0x0000_0040, access: 'r' },
    { name: 'PID4', offset: 0xfd0, reset: 0x04, access: 'r' },
    { name: 'PID0', offset: 0xfe0, reset: 0x0c, access: 'r' },
    { name: 'PID1', offset: 0xfe4, reset: 0xb0, access: 'r' },
    { name: 'PID2', offset: 0xfe8, reset: 0x0b, access: 'r' },
    { name: 'PID3', offset: 0xfec, access: 'r' },
    { name: 'CID0', offset: 0xff0, reset: 0x0d, access: 'r' },
    { name: 'CID1', offset: 0xff4, reset: 0xe0, access: 'r' },
    { name: 'CID2', offset: 0xff8, reset: 0x05, access: 'r' },
    { name: 'CID3', offset: 0xffc, reset: 0xb1, access: 'r' },
  ];
}
