// RM0481 §50 USART / §51 LPUART register map (FIFO-capable USART, ST's "USART_ISR FIFO mode" layout).
import type { RegisterSpec } from '../registers/register-block.js';

export const USART_CR1 = {
  UE: 1 << 0, UESM: 1 << 1, RE: 1 << 2, TE: 1 << 3, IDLEIE: 1 << 4, RXNEIE: 1 << 5, TCIE: 1 << 6, TXEIE: 1 << 7,
  PEIE: 1 << 8, PS: 1 << 9, PCE: 1 << 10, M0: 1 << 12, CMIE: 1 << 14, OVER8: 1 << 15, RTOIE: 1 << 26, EOBIE: 1 << 27,
  M1: 1 << 28, FIFOEN: 1 << 29, TXFEIE: 1 << 30, RXFFIE: 1 << 31,
} as const;

export const USART_CR3 = {
  EIE: 1 << 0, OVRDIS: 1 << 12, TXFTIE: 1 << 23, RXFTIE: 1 << 28,
} as const;

export const USART_ISR = {
  PE: 1 << 0, FE: 1 << 1, NE: 1 << 2, ORE: 1 << 3, IDLE: 1 << 4, RXNE: 1 << 5, TC: 1 << 6, TXE: 1 << 7,
  LBDF: 1 << 8, CTSIF: 1 << 9, CTS: 1 << 10, RTOF: 1 << 11, EOBF: 1 << 12, UDR: 1 << 13, ABRE: 1 << 14, ABRF: 1 << 15,
  BUSY: 1 << 16, CMF: 1 << 17, SBKF: 1 << 18, RWU: 1 << 19, WUF: 1 << 20, TEACK: 1 << 21, REACK: 1 << 22,
  TXFE: 1 << 23, RXFF: 1 << 24, TCBGT: 1 << 25, RXFT: 1 << 26, TXFT: 1 << 27,
} as const;

export const USART_RQR = { ABRRQ: 1 << 0, SBKRQ: 1 << 1, MMRQ: 1 << 2, RXFRQ: 1 << 3, TXFRQ: 1 << 4 } as const;

/** Flags ICR clears, by ISR bit (ICR bit n clears ISR bit n for these). */
export const USART_ICR_CLEARABLE = 0x0012_3bff & ~(1 << 10) & ~(1 << 14) & ~(1 << 15);

export const USART_REGISTERS: RegisterSpec[] = [
  { name: 'CR1', offset: 0x00, fields: [
    { name: 'UE', bit: 0 }, { name: 'UESM', bit: 1, modelled: false }, { name: 'RE', bit: 2 }, { name: 'TE', bit: 3 },
    { name: 'IDLEIE', bit: 4 }, { name: 'RXNEIE', bit: 5 }, { name: 'TCIE', bit: 6 }, { name: 'TXEIE', bit: 7 },
    { name: 'PEIE', bit: 8 }, { name: 'PS', bit: 9 }, { name: 'PCE', bit: 10 }, { name: 'WAKE', bit: 11, modelled: false },
    { name: 'M0', bit: 12 }, { name: 'MME', bit: 13, modelled: false }, { name: 'CMIE', bit: 14 }, { name: 'OVER8', bit: 15 },
    { name: 'DEDT', bit: 16, width: 5 }, { name: 'DEAT', bit: 21, width: 5 }, { name: 'RTOIE', bit: 26 },
    { name: 'EOBIE', bit: 27 }, { name: 'M1', bit: 28 }, { name: 'FIFOEN', bit: 29 }, { name: 'TXFEIE', bit: 30 },
    { name: 'RXFFIE', bit: 31 },
  ] },
  { name: 'CR2', offset: 0x04, fields: [
    { name: 'SLVEN', bit: 0, modelled: false }, { name: 'DIS_NSS', bit: 3 }, { name: 'ADDM7', bit: 4 },
    { name: 'LBDL', bit: 5 }, { name: 'LBDIE', bit: 6 }, { name: 'LBCL', bit: 8 }, { name: 'CPHA', bit: 9 },
    { name: 'CPOL', bit: 10 }, { name: 'CLKEN', bit: 11 }, { name: 'STOP', bit: 12, width: 2 },
    { name: 'LINEN', bit: 14, modelled: false }, { name: 'SWAP', bit: 15 }, { name: 'RXINV', bit: 16 },
    { name: 'TXINV', bit: 17 }, { name: 'DATAINV', bit: 18, modelled: false }, { name: 'MSBFIRST', bit: 19, modelled: false },
    { name: 'ABREN', bit: 20, modelled: false }, { name: 'ABRMODE', bit: 21, width: 2 }, { name: 'RTOEN', bit: 23 },
    { name: 'ADD', bit: 24, width: 8 },
  ] },
  { name: 'CR3', offset: 0x08, fields: [
    { name: 'EIE', bit: 0 }, { name: 'IREN', bit: 1, modelled: false }, { name: 'IRLP', bit: 2 },
    { name: 'HDSEL', bit: 3 }, { name: 'NACK', bit: 4 }, { name: 'SCEN', bit: 5, modelled: false },
    { name: 'DMAR', bit: 6, modelled: false }, { name: 'DMAT', bit: 7, modelled: false }, { name: 'RTSE', bit: 8 },
    { name: 'CTSE', bit: 9 }, { name: 'CTSIE', bit: 10 }, { name: 'ONEBIT', bit: 11 }, { name: 'OVRDIS', bit: 12 },
    { name: 'DDRE', bit: 13 }, { name: 'DEM', bit: 14 }, { name: 'DEP', bit: 15 }, { name: 'SCARCNT', bit: 17, width: 3 },
    { name: 'WUS', bit: 20, width: 2 }, { name: 'WUFIE', bit: 22 }, { name: 'TXFTIE', bit: 23 },
    { name: 'TCBGTIE', bit: 24 }, { name: 'RXFTCFG', bit: 25, width: 3 }, { name: 'RXFTIE', bit: 28 },
    { name: 'TXFTCFG', bit: 29, width: 3 },
  ] },
  { name: 'BRR', offset: 0x0c, fields: [{ name: 'BRR', bit: 0, width: 20 }] },
  { name: 'GTPR', offset: 0x10, fields: [{ name: 'PSC', bit: 0, width: 8 }, { name: 'GT', bit: 8, width: 8 }] },
  { name: 'RTOR', offset: 0x14, fields: [{ name: 'RTO', bit: 0, width: 24 }, { name: 'BLEN', bit: 24, width: 8 }] },
  { name: 'RQR', offset: 0x18, fields: [
    { name: 'ABRRQ', bit: 0, access: 'w' }, { name: 'SBKRQ', bit: 1, access: 'w' }, { name: 'MMRQ', bit: 2, access: 'w' },
    { name: 'RXFRQ', bit: 3, access: 'w' }, { name: 'TXFRQ', bit: 4, access: 'w' },
  ] },
  { name: 'ISR', offset: 0x1c, reset: 0x0000_00c0, access: 'r' },
  { name: 'ICR', offset: 0x20, fields: [
    { name: 'PECF', bit: 0, access: 'w' }, { name: 'FECF', bit: 1, access: 'w' }, { name: 'NECF', bit: 2, access: 'w' },
    { name: 'ORECF', bit: 3, access: 'w' }, { name: 'IDLECF', bit: 4, access: 'w' }, { name: 'TXFECF', bit: 5, access: 'w' },
    { name: 'TCCF', bit: 6, access: 'w' }, { name: 'TCBGTCF', bit: 7, access: 'w' }, { name: 'LBDCF', bit: 8, access: 'w' },
    { name: 'CTSCF', bit: 9, access: 'w' }, { name: 'RTOCF', bit: 11, access: 'w' }, { name: 'EOBCF', bit: 12, access: 'w' },
    { name: 'UDRCF', bit: 13, access: 'w' }, { name: 'CMCF', bit: 17, access: 'w' }, { name: 'WUCF', bit: 20, access: 'w' },
  ] },
  { name: 'RDR', offset: 0x24, access: 'r' },
  { name: 'TDR', offset: 0x28, fields: [{ name: 'TDR', bit: 0, width: 9 }] },
  { name: 'PRESC', offset: 0x2c, fields: [{ name: 'PRESCALER', bit: 0, width: 4 }] },
];
