// RM0481 §10 PWR: register map (offsets and fields as in stm32h563xx.h, reset values from the RM).
import type { FieldSpec, RegisterSpec } from '../registers/register-block.js';

const bit = (name: string, position: number, access: FieldSpec['access'] = 'rw'): FieldSpec => ({ name, bit: position, access });
const bits = (name: string, position: number, width: number, access: FieldSpec['access'] = 'rw'): FieldSpec => ({ name, bit: position, width, access });

export const PWR_REGISTERS: RegisterSpec[] = [
  // SVOS = 11 (scale 3 in Stop mode) out of reset.
  { name: 'PMCR', offset: 0x00, reset: 0x0000_000c, fields: [
    bit('LPMS', 0), bits('SVOS', 2, 2), bit('CSSF', 7, 'w'), bit('FLPS', 9), bit('BOOSTE', 12), bit('AVD_READY', 13),
    bit('ETHERNETSO', 16), bit('SRAM3SO', 23), bit('SRAM2_16SO', 24), bit('SRAM2_48SO', 25), bit('SRAM1SO', 26),
  ] },
  { name: 'PMSR', offset: 0x04, fields: [bit('STOPF', 5, 'r'), bit('SBF', 6, 'r')] },
  // Scale 3 out of reset. ST's SVD gives VOSSR = 0x0000_0008; we also report ACTVOSRDY, which the
  // regulator sets as soon as the boot supply settles, long before firmware reads it.
  { name: 'VOSCR', offset: 0x10, fields: [bits('VOS', 4, 2)] },
  { name: 'VOSSR', offset: 0x14, reset: 0x0000_2008, fields: [bit('VOSRDY', 3, 'r'), bit('ACTVOSRDY', 13, 'r'), bits('ACTVOS', 14, 2, 'r')] },
  { name: 'BDCR', offset: 0x20, fields: [bit('BREN', 0), bit('MONEN', 1), bit('VBE', 8), bit('VBRS', 9)] },
  { name: 'DBPCR', offset: 0x24, fields: [bit('DBP', 0)] },
  { name: 'BDSR', offset: 0x28, fields: [bit('BRRDY', 16, 'r'), bit('VBATL', 20, 'r'), bit('VBATH', 21, 'r'), bit('TEMPL', 22, 'r'), bit('TEMPH', 23, 'r')] },
  { name: 'UCPDR', offset: 0x2c, fields: [bit('UCPD_DBDIS', 0), bit('UCPD_STBY', 1)] },
  { name: 'SCCR', offset: 0x30, fields: [bit('BYPASS', 0), bit('LDOEN', 8), bit('SMPSEN', 9)] },
  { name: 'VMCR', offset: 0x34, fields: [bit('PVDEN', 0), bits('PLS', 1, 3), bit('AVDEN', 8), bits('ALS', 9, 2)] },
  { name: 'USBSCR', offset: 0x38, fields: [bit('USB33DEN', 24), bit('USB33SV', 25)] },
  { name: 'VMSR', offset: 0x3c, fields: [bit('AVDO', 19, 'r'), bit('VDDIO2RDY', 20, 'r'), bit('PVDO', 22, 'r'), bit('USB33RDY', 24, 'r')] },
  { name: 'WUSCR', offset: 0x40, fields: [bits('CWUF', 0, 8, 'w')] },
  { name: 'WUSR', offset: 0x44, access: 'r' },
  // Wakeup-pin enable, polarity and pull: configuration only (read back); the pins wake the core from Standby.
  { name: 'WUCR', offset: 0x48, fields: [
    bits('WUPEN', 0, 8),
    ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => bit(`WUPP${n}`, 7 + n)),
    ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => bits(`WUPPUPD${n}`, 14 + 2 * n, 2)),
  ] },
  { name: 'IORETR', offset: 0x50, fields: [bit('IORETEN', 0), bit('JTAGIORETEN', 16)] },
  { name: 'SECCFGR', offset: 0x100, modelled: false },
  { name: 'PRIVCFGR', offset: 0x104, fields: [bit('SPRIV', 0), bit('NSPRIV', 1)], modelled: false },
];
