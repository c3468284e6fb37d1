// RM0481 §(Ethernet) DMA descriptors: typed views over the four descriptor words (TDES0-3, RDES0-3)
// in system memory, read and written through the BusMaster, with a pretty-printer for traces.
import { hex } from '../../emulator/diagnostics/access-log.js';
import type { BusMaster } from '../core/peripheral.js';

export const DESCRIPTOR_BYTES = 16;

export const TDES2_B1L = 0x0000_3fff;
export const TDES2_VTIR_SHIFT = 14;
export const TDES2_B2L_SHIFT = 16;
export const TDES2_B2L = 0x3fff_0000;
export const TDES2_TTSE = 1 << 30;
export const TDES2_IOC = 1 << 31;

export const TDES3_FL = 0x0000_7fff;
export const TDES3_CIC_SHIFT = 16;
export const TDES3_TSE = 1 << 18;
export const TDES3_SAIC_SHIFT = 23;
export const TDES3_CPC_SHIFT = 26;
export const TDES3_LD = 1 << 28;
export const TDES3_FD = 1 << 29;
export const TDES3_CTXT = 1 << 30;
export const TDES3_OWN = 1 << 31;
// Write-back status.
export const TDES3_WB_IHE = 1 << 0;
export const TDES3_WB_PCE = 1 << 12;
export const TDES3_WB_ES = 1 << 15;
// Context descriptor.
export const TDES3_CTX_VT = 0x0000_ffff;
export const TDES3_CTX_VLTV = 1 << 16;
export const TDES3_CTX_CDE = 1 << 23;
export const TDES3_CTX_TCMSSV = 1 << 26;

export const RDES3_BUF1V = 1 << 24;
export const RDES3_BUF2V = 1 << 25;
export const RDES3_IOC = 1 << 30;
export const RDES3_OWN = 1 << 31;
// Write-back.
export const RDES3_WB_PL = 0x0000_7fff;
export const RDES3_WB_ES = 1 << 15;
export const RDES3_WB_LT_SHIFT = 16;
export const RDES3_WB_DE = 1 << 19;
export const RDES3_WB_RE = 1 << 20;
export const RDES3_WB_OE = 1 << 21;
export const RDES3_WB_RWT = 1 << 22;
export const RDES3_WB_GP = 1 << 23;
export const RDES3_WB_CE = 1 << 24;
export const RDES3_WB_RS0V = 1 << 25;
export const RDES3_WB_RS1V = 1 << 26;
export const RDES3_WB_RS2V = 1 << 27;
export const RDES3_WB_LD = 1 << 28;
export const RDES3_WB_FD = 1 << 29;
export const RDES3_WB_CTXT = 1 << 30;

export const RDES1_WB_PT_MASK = 0x7;
export const RDES1_WB_IPHE = 1 << 3;
export const RDES1_WB_IPV4 = 1 << 4;
export const RDES1_WB_IPV6 = 1 << 5;
export const RDES1_WB_IPCB = 1 << 6;
export const RDES1_WB_IPCE = 1 << 7;
export const RDES1_WB_OPC_SHIFT = 16;

export const RDES2_WB_SAF = 1 << 16;
export const RDES2_WB_DAF = 1 << 17;
export const RDES2_WB_HF = 1 << 18;
export const RDES2_WB_MADRM_SHIFT = 19;

/** RDES3.LT (length/type) values. */
export const LT_LENGTH = 0;
export const LT_TYPE = 1;
export const LT_VLAN = 4;
export const LT_DOUBLE_VLAN = 5;
export const LT_MAC_CONTROL = 6;

/** The four words of one descriptor at an address, read once and written back word by word. */
export class DescriptorView {
  readonly words: [number, number, number, number];

  private constructor(private readonly bus: BusMaster, readonly address: number, words: [number, number, number, number]) {
    this.words = words;
  }

  /** Undefined when the address is not memory (the DMA then reports a fatal bus error). */
  static fetch(bus: BusMaster, address: number): DescriptorView | undefined {
    if (address % 4 !== 0 || !bus.isMemory(address, DESCRIPTOR_BYTES)) return undefined;
    return new DescriptorView(bus, address, [bus.read32(address), bus.read32(address + 4), bus.read32(address + 8), bus.read32(address + 12)]);
  }

  get des0(): number { return this.words[0]; }
  get des1(): number { return this.words[1]; }
  get des2(): number { return this.words[2]; }
  get des3(): number { return this.words[3]; }
  get own(): boolean { return (this.words[3] & TDES3_OWN) !== 0; }
  get context(): boolean { return (this.words[3] & TDES3_CTXT) !== 0; }

  write(index: 0 | 1 | 2 | 3, value: number): void {
    this.words[index] = value >>> 0;
    this.bus.write32(this.address + index * 4, value >>> 0);
  }
}

/** TX normal descriptor, read format (what the driver hands to the DMA). */
export interface TxNormalDescriptor {
  buffer1: number;
  buffer2: number;
  buffer1Length: number;
  buffer2Length: number;
  vlanTagInsertion: number;
  timestampEnable: boolean;
  interruptOnCompletion: boolean;
  frameLength: number;
  checksumInsertion: number;
  tcpSegmentation: boolean;
  sourceAddressControl: number;
  crcPadControl: number;
  lastDescriptor: boolean;
  firstDescriptor: boolean;
}

export function decodeTxNormal(view: DescriptorView): TxNormalDescriptor {
  const [d0, d1, d2, d3] = view.words;
  return {
    buffer1: d0,
    buffer2: d1,
    buffer1Length: d2 & TDES2_B1L,
    buffer2Length: (d2 & TDES2_B2L) >>> TDES2_B2L_SHIFT,
    vlanTagInsertion: (d2 >>> TDES2_VTIR_SHIFT) & 3,
    timestampEnable: (d2 & TDES2_TTSE) !== 0,
    interruptOnCompletion: (d2 & TDES2_IOC) !== 0,
    frameLength: d3 & TDES3_FL,
    checksumInsertion: (d3 >>> TDES3_CIC_SHIFT) & 3,
    tcpSegmentation: (d3 & TDES3_TSE) !== 0,
    sourceAddressControl: (d3 >>> TDES3_SAIC_SHIFT) & 7,
    crcPadControl: (d3 >>> TDES3_CPC_SHIFT) & 3,
    lastDescriptor: (d3 & TDES3_LD) !== 0,
    firstDescriptor: (d3 & TDES3_FD) !== 0,
  };
}

/** RX normal descriptor, read format. */
export interface RxNormalDescriptor {
  buffer1: number;
  buffer2: number;
  buffer1Valid: boolean;
  buffer2Valid: boolean;
  interruptOnCompletion: boolean;
}

export function decodeRxNormal(view: DescriptorView): RxNormalDescriptor {
  const [d0, , d2, d3] = view.words;
  return {
    buffer1: d0,
    buffer2: d2,
    buffer1Valid: (d3 & RDES3_BUF1V) !== 0,
    buffer2Valid: (d3 & RDES3_BUF2V) !== 0,
    interruptOnCompletion: (d3 & RDES3_IOC) !== 0,
  };
}

function flags(word: number, names: Array<[number, string]>): string {
  return names.filter(([bit]) => word & (1 << bit)).map(([, n]) => n).join('|') || '-';
}

/** One line describing a descriptor in the format its OWN/CTXT bits and `side` imply. */
export function formatDescriptor(side: 'tx' | 'rx', address: number, words: readonly number[], writeBack = false): string {
  const [d0 = 0, d1 = 0, d2 = 0, d3 = 0] = words;
  const head = `${side.toUpperCase()} desc @${hex(address)} [${words.map(hex).join(' ')}]`;
  const own = d3 & TDES3_OWN ? 'OWN=DMA' : 'OWN=CPU';
  if (d3 & TDES3_CTXT && (side === 'tx' || writeBack)) return `${head} ${own} context${side === 'tx' ? ` VT=0x${(d3 & 0xffff).toString(16)} VLTV=${(d3 >>> 16) & 1}` : ''}`;
  if (side === 'tx') {
    if (!writeBack) {
      return `${head} ${own} ${flags(d3, [[29, 'FD'], [28, 'LD']])} B1=${hex(d0)}+${d2 & TDES2_B1L} B2=${hex(d1)}+${(d2 & TDES2_B2L) >>> 16} FL=${d3 & TDES3_FL} CIC=${(d3 >>> 16) & 3} CPC=${(d3 >>> 26) & 3}${d2 & TDES2_IOC ? ' IOC' : ''}`;
    }
    return `${head} ${own} ${flags(d3, [[29, 'FD'], [28, 'LD'], [15, 'ES'], [12, 'PCE'], [0, 'IHE'], [17, 'TTSS']])}`;
  }
  if (!writeBack) {
    return `${head} ${own} B1=${hex(d0)}${d3 & RDES3_BUF1V ? '(valid)' : ''} B2=${hex(d2)}${d3 & RDES3_BUF2V ? '(valid)' : ''}${d3 & RDES3_IOC ? ' IOC' : ''}`;
  }
  const rdes1 = flags(d1, [[3, 'IPHE'], [4, 'IPV4'], [5, 'IPV6'], [6, 'IPCB'], [7, 'IPCE']]);
  return `${head} ${own} ${flags(d3, [[29, 'FD'], [28, 'LD'], [15, 'ES'], [23, 'GP'], [24, 'CE'], [22, 'RWT'], [21, 'OE'], [25, 'RS0V'], [26, 'RS1V'], [27, 'RS2V']])} PL=${d3 & RDES3_WB_PL} LT=${(d3 >>> 16) & 7} PT=${d1 & 7} ${rdes1} ${flags(d2, [[16, 'SAF'], [17, 'DAF'], [18, 'HF']])} OVT=0x${(d0 & 0xffff).toString(16)}`;
}
