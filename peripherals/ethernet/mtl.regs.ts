// RM0481 §(Ethernet) MTL register map (ETH base + 0xC00..0xD3F): one TX and one RX queue.
import type { RegisterSpec } from '../registers/register-block.js';

export const mtlRegisters: RegisterSpec[] = [
  { name: 'MTLOMR', offset: 0xc00, fields: [{ name: 'DTXSTS', bit: 1 }, { name: 'CNTPRST', bit: 8, modelled: false }, { name: 'CNTCLR', bit: 9, modelled: false }] },
  { name: 'MTLISR', offset: 0xc20, fields: [{ name: 'QIS', bit: 0, access: 'r' }, { name: 'MACIS', bit: 16, access: 'r' }] },
  { name: 'MTLTQOMR', offset: 0xd00, reset: 0x0007_0008, fields: [
    { name: 'FTQ', bit: 0 }, { name: 'TSF', bit: 1 }, { name: 'TXQEN', bit: 2, width: 2, access: 'r' },
    { name: 'TTC', bit: 4, width: 3 }, { name: 'TQS', bit: 16, width: 9 },
  ] },
  { name: 'MTLTQUR', offset: 0xd04, fields: [{ name: 'UFPKTCNT', bit: 0, width: 11, access: 'rc_r' }, { name: 'UFCNTOVF', bit: 11, access: 'rc_r' }] },
  { name: 'MTLTQDR', offset: 0xd08, access: 'r' },
  { name: 'MTLQICSR', offset: 0xd2c, fields: [
    { name: 'TXUNFIS', bit: 0, access: 'w1c' }, { name: 'TXUIE', bit: 8 }, { name: 'RXOVFIS', bit: 16, access: 'w1c' }, { name: 'RXOIE', bit: 24 },
  ] },
  { name: 'MTLRQOMR', offset: 0xd30, reset: 0x0070_0000, fields: [
    { name: 'RTC', bit: 0, width: 2 }, { name: 'FUP', bit: 3 }, { name: 'FEP', bit: 4 }, { name: 'RSF', bit: 5 }, { name: 'DISTCPEF', bit: 6 },
    { name: 'EHFC', bit: 7, modelled: false }, { name: 'RFA', bit: 8, width: 3 }, { name: 'RFD', bit: 14, width: 3 }, { name: 'RQS', bit: 20, width: 3, access: 'r' },
  ] },
  { name: 'MTLRQMPOCR', offset: 0xd34, fields: [
    { name: 'OVFPKTCNT', bit: 0, width: 11, access: 'rc_r' }, { name: 'OVFCNTOVF', bit: 11, access: 'rc_r' },
    { name: 'MISPKTCNT', bit: 16, width: 11, access: 'rc_r' }, { name: 'MISCNTOVF', bit: 27, access: 'rc_r' },
  ] },
  { name: 'MTLRQDR', offset: 0xd38, fields: [
    { name: 'RWCSTS', bit: 0, access: 'r' }, { name: 'RRCSTS', bit: 1, width: 2, access: 'r' }, { name: 'RXQSTS', bit: 4, width: 2, access: 'r' },
    { name: 'PRXQ', bit: 16, width: 14, access: 'r' },
  ] },
];
