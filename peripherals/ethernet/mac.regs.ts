// RM0481 §(Ethernet) MAC and MMC register map (ETH base + 0x000..0xBFF), names as the CMSIS header
// spells them. PTP, PMT, LPI, L3/L4 filters, VLAN insertion and ARP offload are declared unmodelled.
import type { FieldSpec, RegisterSpec } from '../registers/register-block.js';

const UNMODELLED = { modelled: false } as const;

function bits(names: Array<[string, number, number?]>, extra: Partial<FieldSpec> = {}): FieldSpec[] {
  return names.map(([name, bit, width]) => ({ name, bit, width: width ?? 1, ...extra }));
}

export const macRegisters: RegisterSpec[] = [
  { name: 'MACCR', offset: 0x000, fields: [
    ...bits([['RE', 0], ['TE', 1], ['PRELEN', 2, 2], ['DC', 4], ['BL', 5, 2], ['DR', 8], ['DCRS', 9], ['DO', 10], ['ECRSFD', 11],
      ['LM', 12], ['DM', 13], ['FES', 14], ['JE', 16], ['JD', 17], ['WD', 19], ['ACS', 20], ['CST', 21], ['S2KP', 22], ['GPSLCE', 23],
      ['IPG', 24, 3], ['IPC', 27]]),
    { name: 'SARC', bit: 28, width: 3 },
    { name: 'ARP', bit: 31, modelled: false },
  ] },
  { name: 'MACECR', offset: 0x004, fields: [
    { name: 'GPSL', bit: 0, width: 14 }, { name: 'DCRCC', bit: 16 },
    { name: 'SPEN', bit: 17, modelled: false }, { name: 'USP', bit: 18, modelled: false },
    { name: 'EIPGEN', bit: 24 }, { name: 'EIPG', bit: 25, width: 5 },
  ] },
  { name: 'MACPFR', offset: 0x008, fields: [
    ...bits([['PR', 0], ['HUC', 1], ['HMC', 2], ['DAIF', 3], ['PM', 4], ['DBF', 5]]),
    { name: 'PCF', bit: 6, width: 2 },
    ...bits([['SAIF', 8], ['SAF', 9], ['HPF', 10]]),
    { name: 'VTFE', bit: 16, modelled: false }, { name: 'IPFE', bit: 20, modelled: false }, { name: 'DNTU', bit: 21, modelled: false },
    { name: 'RA', bit: 31 },
  ] },
  { name: 'MACWTR', offset: 0x00c, fields: [{ name: 'WTO', bit: 0, width: 4 }, { name: 'PWE', bit: 8 }] },
  { name: 'MACHT0R', offset: 0x010 },
  { name: 'MACHT1R', offset: 0x014 },
  { name: 'MACVTR', offset: 0x050, ...UNMODELLED },
  { name: 'MACVHTR', offset: 0x058, ...UNMODELLED },
  { name: 'MACVIR', offset: 0x060, ...UNMODELLED },
  { name: 'MACIVIR', offset: 0x064, ...UNMODELLED },
  // Flow control: pause frames are neither sent nor honoured on the simulated link.
  { name: 'MACTFCR', offset: 0x070, fields: [
    { name: 'FCB', bit: 0, modelled: false }, { name: 'TFE', bit: 1, modelled: false },
    { name: 'PLT', bit: 4, width: 3 }, { name: 'DZPQ', bit: 7 }, { name: 'PT', bit: 16, width: 16 },
  ] },
  { name: 'MACRFCR', offset: 0x090, fields: [{ name: 'RFE', bit: 0, modelled: false }, { name: 'UP', bit: 1, modelled: false }] },
  { name: 'MACISR', offset: 0x0b0, fields: bits([['PHYIS', 3], ['PMTIS', 4], ['LPIIS', 5], ['MMCIS', 8], ['MMCRXIS', 9], ['MMCTXIS', 10],
    ['TSIS', 12], ['TXSTSIS', 13], ['RXSTSIS', 14]], { access: 'r' }) },
  { name: 'MACIER', offset: 0x0b4, fields: bits([['PHYIE', 3], ['PMTIE', 4], ['LPIIE', 5], ['TSIE', 12], ['TXSTSIE', 13], ['RXSTSIE', 14]]) },
  { name: 'MACRXTXSR', offset: 0x0b8, fields: bits([['TJT', 0], ['NCARR', 1], ['LCARR', 2], ['EXDEF', 3], ['LCOL', 4], ['EXCOL', 5], ['RWT', 8]], { access: 'rc_r' }) },
  { name: 'MACPCSR', offset: 0x0c0, ...UNMODELLED },
  { name: 'MACRWKPFR', offset: 0x0c4, ...UNMODELLED },
  { name: 'MACLCSR', offset: 0x0d0, ...UNMODELLED },
  { name: 'MACLTCR', offset: 0x0d4, reset: 0x03e8_0000, ...UNMODELLED },
  { name: 'MACLETR', offset: 0x0d8, ...UNMODELLED },
  // Only the LPI logic uses the 1 µs tick; the HAL always programs it.
  { name: 'MAC1USTCR', offset: 0x0dc, fields: [{ name: 'TIC1USCNTR', bit: 0, width: 12 }] },
  { name: 'MACVR', offset: 0x110, reset: 0x0000_3242, fields: [{ name: 'SNPSVER', bit: 0, width: 8, access: 'r' }, { name: 'USERVER', bit: 8, width: 8, access: 'r' }] },
  { name: 'MACDR', offset: 0x114, access: 'r' },
  // Hardware features as the H5 reports them (the HAL and drivers read these).
  { name: 'MACHWF0R', offset: 0x11c, reset: 0x0a0d_73f7, access: 'r' },
  { name: 'MACHWF1R', offset: 0x120, reset: 0x1104_1904, access: 'r' },
  { name: 'MACHWF2R', offset: 0x124, reset: 0x4100_0000, access: 'r' },
  { name: 'MACHWF3R', offset: 0x128, reset: 0x0000_0020, access: 'r' },
  { name: 'MACMDIOAR', offset: 0x200, fields: [
    { name: 'MB', bit: 0 }, { name: 'C45E', bit: 1 }, { name: 'MOC', bit: 2, width: 2 }, { name: 'SKAP', bit: 4, modelled: false },
    { name: 'CR', bit: 8, width: 4 }, { name: 'NTC', bit: 12, width: 3 }, { name: 'RDA', bit: 16, width: 5 }, { name: 'PA', bit: 21, width: 5 },
    { name: 'BTB', bit: 26, modelled: false }, { name: 'PSE', bit: 27 },
  ] },
  { name: 'MACMDIODR', offset: 0x204, fields: [{ name: 'MD', bit: 0, width: 16 }, { name: 'RA', bit: 16, width: 16 }] },
  { name: 'MACARPAR', offset: 0x210, ...UNMODELLED },
  { name: 'MACA0HR', offset: 0x300, reset: 0x8000_ffff, fields: [{ name: 'ADDRHI', bit: 0, width: 16 }, { name: 'AE', bit: 31, access: 'r' }] },
  { name: 'MACA0LR', offset: 0x304, reset: 0xffff_ffff },
  ...[1, 2, 3].flatMap((n): RegisterSpec[] => [
    { name: `MACA${n}HR`, offset: 0x300 + n * 8, reset: 0x0000_ffff, fields: [
      { name: 'ADDRHI', bit: 0, width: 16 }, { name: 'MBC', bit: 24, width: 6 }, { name: 'SA', bit: 30 }, { name: 'AE', bit: 31 },
    ] },
    { name: `MACA${n}LR`, offset: 0x304 + n * 8, reset: 0xffff_ffff },
  ]),
  // MMC: the H5 implements only these counters (RM0481 register map).
  { name: 'MMCCR', offset: 0x700, fields: [
    { name: 'CNTRST', bit: 0 }, { name: 'CNTSTOPRO', bit: 1 }, { name: 'RSTONRD', bit: 2 }, { name: 'CNTFREEZ', bit: 3 },
    { name: 'CNTPRST', bit: 4, modelled: false }, { name: 'CNTPRSTLVL', bit: 5, modelled: false }, { name: 'UCDBC', bit: 8 },
  ] },
  { name: 'MMCRIR', offset: 0x704, fields: bits([['RXCRCERPIS', 5], ['RXALGNERPIS', 6], ['RXUCGPIS', 17], ['RXLPIUSCIS', 26], ['RXLPITRCIS', 27]], { access: 'rc_r' }) },
  { name: 'MMCTIR', offset: 0x708, fields: bits([['TXSCOLGPIS', 14], ['TXMCOLGPIS', 15], ['TXGPKTIS', 21], ['TXLPIUSCIS', 26], ['TXLPITRCIS', 27]], { access: 'rc_r' }) },
  { name: 'MMCRIMR', offset: 0x70c, fields: bits([['RXCRCERPIM', 5], ['RXALGNERPIM', 6], ['RXUCGPIM', 17], ['RXLPIUSCIM', 26], ['RXLPITRCIM', 27]]) },
  { name: 'MMCTIMR', offset: 0x710, fields: bits([['TXSCOLGPIM', 14], ['TXMCOLGPIM', 15], ['TXGPKTIM', 21], ['TXLPIUSCIM', 26], ['TXLPITRCIM', 27]]) },
  { name: 'MMCTSCGPR', offset: 0x74c, access: 'r' },
  { name: 'MMCTMCGPR', offset: 0x750, access: 'r' },
  { name: 'MMCTPCGR', offset: 0x768, access: 'r' },
  { name: 'MMCRCRCEPR', offset: 0x794, access: 'r' },
  { name: 'MMCRAEPR', offset: 0x798, access: 'r' },
  { name: 'MMCRUPGR', offset: 0x7c4, access: 'r' },
  { name: 'MMCTLPIMSTR', offset: 0x7ec, access: 'r' },
  { name: 'MMCTLPITCR', offset: 0x7f0, access: 'r' },
  { name: 'MMCRLPIMSTR', offset: 0x7f4, access: 'r' },
  { name: 'MMCRLPITCR', offset: 0x7f8, access: 'r' },
  // Layer 3/4 filters.
  ...['MACL3L4C0R:0x900', 'MACL4A0R:0x904', 'MACL3A0R0R:0x910', 'MACL3A1R0R:0x914', 'MACL3A2R0R:0x918', 'MACL3A3R0R:0x91c',
    'MACL3L4C1R:0x930', 'MACL4A1R:0x934', 'MACL3A0R1R:0x940', 'MACL3A1R1R:0x944', 'MACL3A2R1R:0x948', 'MACL3A3R1R:0x94c']
    .map((entry): RegisterSpec => { const [name, offset] = entry.split(':'); return { name: name!, offset: Number(offset), ...UNMODELLED }; }),
  // IEEE 1588 timestamping and PPS: PTP is not modelled.
  ...['MACTSCR:0xb00', 'MACSSIR:0xb04', 'MACSTSR:0xb08', 'MACSTNR:0xb0c', 'MACSTSUR:0xb10', 'MACSTNUR:0xb14', 'MACTSAR:0xb18',
    'MACTSSR:0xb20', 'MACTTSSNR:0xb30', 'MACTTSSSR:0xb34', 'MACACR:0xb40', 'MACATSNR:0xb48', 'MACATSSR:0xb4c', 'MACTSIACR:0xb50',
    'MACTSEACR:0xb54', 'MACTSICNR:0xb58', 'MACTSECNR:0xb5c', 'MACPPSCR:0xb70', 'MACPPSTTSR:0xb80', 'MACPPSTTNR:0xb84',
    'MACPPSIR:0xb88', 'MACPPSWR:0xb8c', 'MACPOCR:0xbc0', 'MACSPI0R:0xbc4', 'MACSPI1R:0xbc8', 'MACSPI2R:0xbcc', 'MACLMIR:0xbd0']
    .map((entry): RegisterSpec => {
      const [name, offset] = entry.split(':');
      return { name: name!, offset: Number(offset), reset: name === 'MACTSCR' ? 0x2000 : 0, ...UNMODELLED };
    }),
];
