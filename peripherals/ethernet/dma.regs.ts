// RM0481 §(Ethernet) DMA register map (ETH base + 0x1000..): the common block and channel 0.
import type { RegisterSpec } from '../registers/register-block.js';

export const dmaRegisters: RegisterSpec[] = [
  { name: 'DMAMR', offset: 0x1000, fields: [
    { name: 'SWR', bit: 0 }, { name: 'DA', bit: 1 }, { name: 'TXPR', bit: 11 }, { name: 'PR', bit: 12, width: 3 }, { name: 'INTM', bit: 16, width: 2 },
  ] },
  { name: 'DMASBMR', offset: 0x1004, fields: [{ name: 'FB', bit: 0 }, { name: 'AAL', bit: 12 }, { name: 'MB', bit: 14 }, { name: 'RB', bit: 15 }] },
  { name: 'DMAISR', offset: 0x1008, fields: [{ name: 'DMACIS', bit: 0, access: 'r' }, { name: 'MTLIS', bit: 16, access: 'r' }, { name: 'MACIS', bit: 17, access: 'r' }] },
  { name: 'DMADSR', offset: 0x100c, fields: [{ name: 'AXWHSTS', bit: 0, access: 'r' }, { name: 'RPS', bit: 8, width: 4, access: 'r' }, { name: 'TPS', bit: 12, width: 4, access: 'r' }] },
  { name: 'DMACCR', offset: 0x1100, fields: [{ name: 'MSS', bit: 0, width: 14 }, { name: 'PBLX8', bit: 16 }, { name: 'DSL', bit: 18, width: 3 }] },
  { name: 'DMACTCR', offset: 0x1104, fields: [
    { name: 'ST', bit: 0 }, { name: 'OSP', bit: 4 }, { name: 'TSE', bit: 12, modelled: false }, { name: 'TPBL', bit: 16, width: 6 },
  ] },
  { name: 'DMACRCR', offset: 0x1108, fields: [
    { name: 'SR', bit: 0 }, { name: 'RBSZ', bit: 1, width: 14 }, { name: 'RPBL', bit: 16, width: 6 }, { name: 'RPF', bit: 31, modelled: false },
  ] },
  { name: 'DMACTDLAR', offset: 0x1114, fields: [{ name: 'TDESLA', bit: 2, width: 30 }] },
  { name: 'DMACRDLAR', offset: 0x111c, fields: [{ name: 'RDESLA', bit: 2, width: 30 }] },
  { name: 'DMACTDTPR', offset: 0x1120, fields: [{ name: 'TDT', bit: 2, width: 30 }] },
  { name: 'DMACRDTPR', offset: 0x1128, fields: [{ name: 'RDT', bit: 2, width: 30 }] },
  { name: 'DMACTDRLR', offset: 0x112c, fields: [{ name: 'TDRL', bit: 0, width: 10 }] },
  { name: 'DMACRDRLR', offset: 0x1130, fields: [{ name: 'RDRL', bit: 0, width: 10 }] },
  { name: 'DMACIER', offset: 0x1134, fields: [
    { name: 'TIE', bit: 0 }, { name: 'TXSE', bit: 1 }, { name: 'TBUE', bit: 2 }, { name: 'RIE', bit: 6 }, { name: 'RBUE', bit: 7 }, { name: 'RSE', bit: 8 },
    { name: 'RWTE', bit: 9 }, { name: 'ETIE', bit: 10 }, { name: 'ERIE', bit: 11 }, { name: 'FBEE', bit: 12 }, { name: 'CDEE', bit: 13 },
    { name: 'AIE', bit: 14 }, { name: 'NIE', bit: 15 },
  ] },
  { name: 'DMACRIWTR', offset: 0x1138, fields: [{ name: 'RWT', bit: 0, width: 8 }, { name: 'RWTU', bit: 16, width: 2 }] },
  { name: 'DMACSFCSR', offset: 0x113c, modelled: false },
  { name: 'DMACCATDR', offset: 0x1144, access: 'r' },
  { name: 'DMACCARDR', offset: 0x114c, access: 'r' },
  { name: 'DMACCATBR', offset: 0x1154, access: 'r' },
  { name: 'DMACCARBR', offset: 0x115c, access: 'r' },
  { name: 'DMACSR', offset: 0x1160, fields: [
    { name: 'TI', bit: 0, access: 'w1c' }, { name: 'TPS', bit: 1, access: 'w1c' }, { name: 'TBU', bit: 2, access: 'w1c' },
    { name: 'RI', bit: 6, access: 'w1c' }, { name: 'RBU', bit: 7, access: 'w1c' }, { name: 'RPS', bit: 8, access: 'w1c' },
    { name: 'RWT', bit: 9, access: 'w1c' }, { name: 'ETI', bit: 10, access: 'w1c' }, { name: 'ERI', bit: 11, access: 'w1c' },
    { name: 'FBE', bit: 12, access: 'w1c' }, { name: 'CDE', bit: 13, access: 'w1c' }, { name: 'AIS', bit: 14, access: 'w1c' },
    { name: 'NIS', bit: 15, access: 'w1c' }, { name: 'TEB', bit: 16, width: 3, access: 'r' }, { name: 'REB', bit: 19, width: 3, access: 'r' },
  ] },
  { name: 'DMACMFCR', offset: 0x116c, fields: [{ name: 'MFC', bit: 0, width: 11, access: 'rc_r' }, { name: 'MFCO', bit: 15, access: 'rc_r' }] },
];
