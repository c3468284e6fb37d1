// RM0481 §47 RTC register map.
import type { RegisterSpec } from '../registers/register-block.js';

export const RTC_ICSR = { WUTWF: 1 << 2, SHPF: 1 << 3, INITS: 1 << 4, RSF: 1 << 5, INITF: 1 << 6, INIT: 1 << 7 } as const;
export const RTC_CR = { WUCKSEL: 7, FMT: 1 << 6, ALRAE: 1 << 8, ALRBE: 1 << 9, WUTE: 1 << 10, ALRAIE: 1 << 12, ALRBIE: 1 << 13, WUTIE: 1 << 14 } as const;
export const RTC_SR = { ALRAF: 1 << 0, ALRBF: 1 << 1, WUTF: 1 << 2 } as const;

export const RTC_REGISTERS: RegisterSpec[] = [
  { name: 'TR', offset: 0x00, fields: [
    { name: 'SU', bit: 0, width: 4 }, { name: 'ST', bit: 4, width: 3 }, { name: 'MNU', bit: 8, width: 4 },
    { name: 'MNT', bit: 12, width: 3 }, { name: 'HU', bit: 16, width: 4 }, { name: 'HT', bit: 20, width: 2 }, { name: 'PM', bit: 22 },
  ] },
  { name: 'DR', offset: 0x04, reset: 0x0000_2101, fields: [
    { name: 'DU', bit: 0, width: 4 }, { name: 'DT', bit: 4, width: 2 }, { name: 'MU', bit: 8, width: 4 }, { name: 'MT', bit: 12 },
    { name: 'WDU', bit: 13, width: 3 }, { name: 'YU', bit: 16, width: 4 }, { name: 'YT', bit: 20, width: 4 },
  ] },
  { name: 'SSR', offset: 0x08, access: 'r' },
  { name: 'ICSR', offset: 0x0c, reset: 0x0000_0007, fields: [
    { name: 'ALRAWF', bit: 0, access: 'r' }, { name: 'ALRBWF', bit: 1, access: 'r' }, { name: 'WUTWF', bit: 2, access: 'r' },
    { name: 'SHPF', bit: 3, access: 'r' }, { name: 'INITS', bit: 4, access: 'r' }, { name: 'RSF', bit: 5, access: 'rc_w0' },
    { name: 'INITF', bit: 6, access: 'r' }, { name: 'INIT', bit: 7 }, { name: 'BIN', bit: 8, width: 2, modelled: false },
    { name: 'BCDU', bit: 10, width: 3 }, { name: 'RECALPF', bit: 16, access: 'r' },
  ] },
  { name: 'PRER', offset: 0x10, reset: 0x007f_00ff, fields: [{ name: 'PREDIV_S', bit: 0, width: 15 }, { name: 'PREDIV_A', bit: 16, width: 7 }] },
  { name: 'WUTR', offset: 0x14, reset: 0x0000_ffff, fields: [{ name: 'WUT', bit: 0, width: 16 }, { name: 'WUTOCLR', bit: 16, width: 16 }] },
  { name: 'CR', offset: 0x18, fields: [
    { name: 'WUCKSEL', bit: 0, width: 3 }, { name: 'TSEDGE', bit: 3 }, { name: 'REFCKON', bit: 4, modelled: false },
    { name: 'BYPSHAD', bit: 5 }, { name: 'FMT', bit: 6 }, { name: 'SSRUIE', bit: 7 }, { name: 'ALRAE', bit: 8 },
    { name: 'ALRBE', bit: 9 }, { name: 'WUTE', bit: 10 }, { name: 'TSE', bit: 11, modelled: false }, { name: 'ALRAIE', bit: 12 },
    { name: 'ALRBIE', bit: 13 }, { name: 'WUTIE', bit: 14 }, { name: 'TSIE', bit: 15 }, { name: 'ADD1H', bit: 16, access: 'w' },
    { name: 'SUB1H', bit: 17, access: 'w' }, { name: 'BKP', bit: 18 }, { name: 'COSEL', bit: 19 }, { name: 'POL', bit: 20 },
    { name: 'OSEL', bit: 21, width: 2 }, { name: 'COE', bit: 23 }, { name: 'ITSE', bit: 24 }, { name: 'TAMPTS', bit: 25 },
    { name: 'TAMPOE', bit: 26 }, { name: 'ALRAFCLR', bit: 27 }, { name: 'ALRBFCLR', bit: 28 }, { name: 'TAMPALRM_PU', bit: 29 },
    { name: 'TAMPALRM_TYPE', bit: 30 }, { name: 'OUT2EN', bit: 31 },
  ] },
  { name: 'PRIVCFGR', offset: 0x1c },
  { name: 'SECCFGR', offset: 0x20 },
  { name: 'WPR', offset: 0x24, fields: [{ name: 'KEY', bit: 0, width: 8, access: 'w' }] },
  { name: 'CALR', offset: 0x28 },
  { name: 'SHIFTR', offset: 0x2c, access: 'w', modelled: false },
  { name: 'TSTR', offset: 0x30, access: 'r' },
  { name: 'TSDR', offset: 0x34, access: 'r' },
  { name: 'TSSSR', offset: 0x38, access: 'r' },
  { name: 'ALRMAR', offset: 0x40, fields: [
    { name: 'SU', bit: 0, width: 4 }, { name: 'ST', bit: 4, width: 3 }, { name: 'MSK1', bit: 7 }, { name: 'MNU', bit: 8, width: 4 },
    { name: 'MNT', bit: 12, width: 3 }, { name: 'MSK2', bit: 15 }, { name: 'HU', bit: 16, width: 4 }, { name: 'HT', bit: 20, width: 2 },
    { name: 'PM', bit: 22 }, { name: 'MSK3', bit: 23 }, { name: 'DU', bit: 24, width: 4 }, { name: 'DT', bit: 28, width: 2 },
    { name: 'WDSEL', bit: 30 }, { name: 'MSK4', bit: 31 },
  ] },
  { name: 'ALRMASSR', offset: 0x44 },
  { name: 'ALRMBR', offset: 0x48 },
  { name: 'ALRMBSSR', offset: 0x4c },
  { name: 'SR', offset: 0x50, access: 'r' },
  { name: 'MISR', offset: 0x54, access: 'r' },
  { name: 'SMISR', offset: 0x58, access: 'r' },
  { name: 'SCR', offset: 0x5c, access: 'w' },
  { name: 'OR', offset: 0x60 },
  { name: 'ALRABINR', offset: 0x70 },
  { name: 'ALRBBINR', offset: 0x74 },
];
