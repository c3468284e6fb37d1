// RM0481 §7 FLASH interface: register map (offsets and fields as in stm32h563xx.h, reset values
// from the RM for a device in the Open product state with TrustZone disabled).
import type { FieldSpec, RegisterSpec } from '../registers/register-block.js';

const bit = (name: string, position: number, access: FieldSpec['access'] = 'rw'): FieldSpec => ({ name, bit: position, access });
const bits = (name: string, position: number, width: number, access: FieldSpec['access'] = 'rw'): FieldSpec => ({ name, bit: position, width, access });

const controlFields = (): FieldSpec[] => [
  bit('LOCK', 0), bit('PG', 1), bit('SER', 2), bit('BER', 3), bit('FW', 4), bit('START', 5), bits('SNB', 6, 7), bit('MER', 15),
  bit('EOPIE', 16), bit('WRPERRIE', 17), bit('PGSERRIE', 18), bit('STRBERRIE', 19), bit('INCERRIE', 20), bit('OBKERRIE', 21),
  bit('OBKWERRIE', 22), bit('OPTCHANGEERRIE', 23), bit('INV', 29), bit('BKSEL', 31),
];
const statusFields = (): FieldSpec[] => [
  bit('BSY', 0, 'r'), bit('WBNE', 1, 'r'), bit('DBNE', 3, 'r'), bit('EOP', 16, 'r'), bit('WRPERR', 17, 'r'), bit('PGSERR', 18, 'r'),
  bit('STRBERR', 19, 'r'), bit('INCERR', 20, 'r'), bit('OBKERR', 21, 'r'), bit('OBKWERR', 22, 'r'), bit('OPTCHANGEERR', 23, 'r'),
];
const clearFields = (): FieldSpec[] => [
  bit('CLR_EOP', 16, 'w'), bit('CLR_WRPERR', 17, 'w'), bit('CLR_PGSERR', 18, 'w'), bit('CLR_STRBERR', 19, 'w'),
  bit('CLR_INCERR', 20, 'w'), bit('CLR_OBKERR', 21, 'w'), bit('CLR_OBKWERR', 22, 'w'), bit('CLR_OPTCHANGEERR', 23, 'w'),
];
const optionStatusFields = (): FieldSpec[] => [
  bits('BOR_LEV', 0, 2), bit('BORH_EN', 2), bit('IWDG_SW', 3), bit('WWDG_SW', 4), bit('NRST_STOP', 6), bit('NRST_STDBY', 7),
  bits('PRODUCT_STATE', 8, 8), bit('IO_VDD_HSLV', 16), bit('IO_VDDIO2_HSLV', 17), bit('IWDG_STOP', 20), bit('IWDG_STDBY', 21),
  bits('BOOT_UBE', 22, 8), bit('SWAP_BANK', 31),
];
const optionStatus2Fields = (): FieldSpec[] => [
  bit('SRAM1_3_RST', 2), bit('SRAM2_RST', 3), bit('BKPRAM_ECC', 4), bit('SRAM3_ECC', 5), bit('SRAM2_ECC', 6), bit('USBPD_DIS', 8),
  bits('TZEN', 24, 8),
];

/** Option bytes of a fresh device: Open (PRODUCT_STATE 0xED), software watchdogs, BOOT_UBE 0xB4 (flash). */
export const OPTSR_DEFAULT = 0x2d30_edd8;
/** TZEN = 0xC3 (TrustZone disabled), SRAM ECC off, SRAM erase on reset. */
export const OPTSR2_DEFAULT = 0xc300_017c;

/** Option registers that come in a _CUR (in effect, read-only) and _PRG (to program) pair. */
const OPTION_PAIRS: Array<[string, number, number, FieldSpec[] | undefined]> = [
  ['OPTSR', 0x50, OPTSR_DEFAULT, optionStatusFields()],
  ['NSEPOCHR', 0x60, 0, undefined],
  ['SECEPOCHR', 0x68, 0, undefined],
  ['OPTSR2', 0x70, OPTSR2_DEFAULT, optionStatus2Fields()],
  // Non-secure boot address 0x0800_0000 (BOOTADD in bits 31:8), NSBOOT_LOCK = 0xC3 (unlocked).
  ['NSBOOTR', 0x80, 0x0800_00c3, undefined],
  ['SECBOOTR', 0x88, 0x0c00_00c3, undefined],
  ['OTPBLR', 0x90, 0, undefined],
  // No secure area and no hide-protection area: start above end.
  ['SECWM1R', 0xe0, 0x0000_007f, undefined],
  ['WRP1R', 0xe8, 0xffff_ffff, undefined],
  ['EDATA1R', 0xf0, 0, undefined],
  ['HDP1R', 0xf8, 0x0000_007f, undefined],
  ['SECWM2R', 0x1e0, 0x0000_007f, undefined],
  ['WRP2R', 0x1e8, 0xffff_ffff, undefined],
  ['EDATA2R', 0x1f0, 0, undefined],
  ['HDP2R', 0x1f8, 0x0000_007f, undefined],
];

export const OPTION_REGISTER_NAMES = OPTION_PAIRS.map(([name]) => name);

export const FLASH_REGISTERS: RegisterSpec[] = [
  // LATENCY = 3 wait states and WRHIGHFREQ = 1 out of reset.
  { name: 'ACR', offset: 0x00, reset: 0x0000_0013, fields: [bits('LATENCY', 0, 4), bits('WRHIGHFREQ', 4, 2), bit('PRFTEN', 8)] },
  { name: 'NSKEYR', offset: 0x04, access: 'w' },
  { name: 'SECKEYR', offset: 0x08, access: 'w' },
  { name: 'OPTKEYR', offset: 0x0c, access: 'w' },
  { name: 'NSOBKKEYR', offset: 0x10, access: 'w' },
  { name: 'SECOBKKEYR', offset: 0x14, access: 'w' },
  // CODE_OP = 0: no operation was interrupted by the last reset (SystemInit reads this).
  { name: 'OPSR', offset: 0x18, access: 'r' },
  { name: 'OPTCR', offset: 0x1c, reset: 0x0000_0001, fields: [bit('OPTLOCK', 0), bit('OPTSTART', 1), bit('SWAP_BANK', 31)] },
  { name: 'NSSR', offset: 0x20, fields: statusFields() },
  { name: 'SECSR', offset: 0x24, fields: statusFields() },
  { name: 'NSCR', offset: 0x28, reset: 0x0000_0001, fields: controlFields() },
  { name: 'SECCR', offset: 0x2c, reset: 0x0000_0001, fields: controlFields() },
  { name: 'NSCCR', offset: 0x30, fields: clearFields() },
  { name: 'SECCCR', offset: 0x34, fields: clearFields() },
  { name: 'PRIVCFGR', offset: 0x3c, modelled: false },
  { name: 'NSOBKCFGR', offset: 0x40, reset: 0x01ff_0000, modelled: false },
  { name: 'SECOBKCFGR', offset: 0x44, reset: 0x01ff_0000, modelled: false },
  { name: 'HDPEXTR', offset: 0x48, modelled: false },
  ...OPTION_PAIRS.flatMap(([name, offset, reset, fields]): RegisterSpec[] => [
    { name: `${name}_CUR`, offset, reset, access: 'r', fields: fields?.map((f) => ({ ...f, access: 'r' as const })) },
    { name: `${name}_PRG`, offset: offset + 4, reset, fields },
  ]),
  ...[1, 2, 3, 4].map((n): RegisterSpec => ({ name: `SECBB1R${n}`, offset: 0xa0 + 4 * (n - 1), modelled: false })),
  ...[1, 2, 3, 4].map((n): RegisterSpec => ({ name: `PRIVBB1R${n}`, offset: 0xc0 + 4 * (n - 1), modelled: false })),
  { name: 'ECCCORR', offset: 0x100, modelled: false },
  { name: 'ECCDETR', offset: 0x104, modelled: false },
  { name: 'ECCDR', offset: 0x108, access: 'r' },
  ...[1, 2, 3, 4].map((n): RegisterSpec => ({ name: `SECBB2R${n}`, offset: 0x1a0 + 4 * (n - 1), modelled: false })),
  ...[1, 2, 3, 4].map((n): RegisterSpec => ({ name: `PRIVBB2R${n}`, offset: 0x1c0 + 4 * (n - 1), modelled: false })),
];
