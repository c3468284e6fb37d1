// RM0481 §(Ethernet) MAC receive side: size checks, address filtering (perfect, hash, promiscuous,
// broadcast, pass-all-multicast, receive-all), control-packet filtering, the RX checksum engine,
// FCS stripping, and the MMC counters the H5 implements. Frames from the host carry no FCS; the
// MAC works with on-wire lengths (+4). Nothing here throws on a malformed frame: every outcome is
// counted in `EthernetStatistics`.
import type { RegisterBlock } from '../registers/register-block.js';
import { checkRxChecksums, crc32, ETHERTYPE_MAC_CONTROL, ETHERTYPE_QINQ, ETHERTYPE_VLAN, frameLayout } from './checksum.js';
import {
  LT_DOUBLE_VLAN, LT_LENGTH, LT_MAC_CONTROL, LT_TYPE, LT_VLAN,
  RDES1_WB_IPCB, RDES1_WB_IPCE, RDES1_WB_IPHE, RDES1_WB_IPV4, RDES1_WB_IPV6,
  RDES2_WB_DAF, RDES2_WB_HF, RDES2_WB_MADRM_SHIFT, RDES2_WB_SAF,
  RDES3_WB_ES, RDES3_WB_GP, RDES3_WB_LT_SHIFT, RDES3_WB_RS1V, RDES3_WB_RS2V, RDES3_WB_RWT,
} from './descriptors.js';

/** What happened to frames, beyond what the H5's few MMC registers can say. */
export interface EthernetStatistics {
  rxFrames: number;
  rxDelivered: number;
  rxDroppedReceiverOff: number;
  /** Shorter than an Ethernet header (14 bytes): dropped as a runt. */
  rxRunts: number;
  /** 14..59 bytes from the host: padded to the 60-byte minimum the far end's MAC would send. */
  rxPaddedShort: number;
  rxOversize: number;
  rxWatchdogTruncated: number;
  rxFilteredDestination: number;
  rxFilteredSource: number;
  rxFilteredControl: number;
  rxChecksumDropped: number;
  rxErrorDropped: number;
  /** Dropped because the RX FIFO was full (the DMA had no descriptor or was stopped). */
  rxFifoOverflow: number;
  rxFifoOverflowWhileNoDescriptor: number;
  txFrames: number;
  txDroppedLinkDown: number;
  txDescriptorErrors: number;
  fatalBusErrors: number;
}

export function emptyStatistics(): EthernetStatistics {
  return {
    rxFrames: 0, rxDelivered: 0, rxDroppedReceiverOff: 0, rxRunts: 0, rxPaddedShort: 0, rxOversize: 0, rxWatchdogTruncated: 0,
    rxFilteredDestination: 0, rxFilteredSource: 0, rxFilteredControl: 0, rxChecksumDropped: 0, rxErrorDropped: 0,
    rxFifoOverflow: 0, rxFifoOverflowWhileNoDescriptor: 0, txFrames: 0, txDroppedLinkDown: 0, txDescriptorErrors: 0, fatalBusErrors: 0,
  };
}

/** A frame accepted by the MAC, with the status the DMA writes back in its last descriptor. */
export interface ReceivedFrame {
  /** Bytes written to memory (FCS appended when the MAC does not strip it). */
  data: Uint8Array;
  rdes1: number;
  rdes2: number;
  /** RDES3 status bits (ES, LT, GP, RWT, RS1V, RS2V); the DMA adds PL, FD, LD. */
  rdes3: number;
  hasError: boolean;
  checksumError: boolean;
}

const MACCR_RE = 1 << 0;
const MACCR_LM = 1 << 12;
const MACCR_JE = 1 << 16;
const MACCR_WD = 1 << 19;
const MACCR_ACS = 1 << 20;
const MACCR_CST = 1 << 21;
const MACCR_S2KP = 1 << 22;
const MACCR_GPSLCE = 1 << 23;
const MACCR_IPC = 1 << 27;

const PFR_PR = 1 << 0;
const PFR_HUC = 1 << 1;
const PFR_HMC = 1 << 2;
const PFR_DAIF = 1 << 3;
const PFR_PM = 1 << 4;
const PFR_DBF = 1 << 5;
const PFR_SAIF = 1 << 8;
const PFR_SAF = 1 << 9;
const PFR_HPF = 1 << 10;
const PFR_RA = 1 << 31;

function bitReverse32(value: number): number {
  let v = value >>> 0;
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return ((v >>> 16) | (v << 16)) >>> 0;
}

/** Index into the 64-bit hash table (MACHT1R:MACHT0R): top 6 bits of the bit-reversed FCS of the address. */
export function hashIndex(address: Uint8Array): number {
  return bitReverse32(crc32(address, 0, 6)) >>> 26;
}

const MMC_COUNTERS = ['MMCTSCGPR', 'MMCTMCGPR', 'MMCTPCGR', 'MMCRCRCEPR', 'MMCRAEPR', 'MMCRUPGR', 'MMCTLPIMSTR', 'MMCTLPITCR', 'MMCRLPIMSTR', 'MMCRLPITCR'];

export class Mac {
  constructor(private readonly regs: RegisterBlock, readonly stats: EthernetStatistics) {
    regs.on('MMCCR', {
      write: (value) => {
        if (value & 1) {
          for (const name of MMC_COUNTERS) regs.set(name, 0);
          regs.setBits('MMCCR', 1, false);
        }
      },
    });
    for (const name of MMC_COUNTERS) {
      regs.on(name, { afterRead: () => { if (regs.get('MMCCR') & (1 << 2)) regs.set(name, 0); } });
    }
  }

  get receiverEnabled(): boolean { return (this.regs.get('MACCR') & MACCR_RE) !== 0; }
  get transmitterEnabled(): boolean { return (this.regs.get('MACCR') & 2) !== 0; }
  get loopback(): boolean { return (this.regs.get('MACCR') & MACCR_LM) !== 0; }
  /** Line rate selected by MACCR.FES. */
  get bitsPerSecond(): number { return this.regs.get('MACCR') & (1 << 14) ? 100_000_000 : 10_000_000; }

  /** Adds one to an MMC counter, honouring freeze and stop-at-rollover. */
  count(name: string): void {
    const mmccr = this.regs.get('MMCCR');
    if (mmccr & (1 << 3)) return;
    const value = this.regs.get(name);
    if (value === 0xffffffff && mmccr & (1 << 1)) return;
    this.regs.set(name, (value + 1) >>> 0);
  }

  private addressRegister(n: number): { bytes: number[]; hr: number } {
    const hr = this.regs.get(`MACA${n}HR`);
    const lr = this.regs.get(`MACA${n}LR`);
    return { hr, bytes: [lr & 0xff, (lr >>> 8) & 0xff, (lr >>> 16) & 0xff, lr >>> 24, hr & 0xff, (hr >>> 8) & 0xff] };
  }

  /** Index of the MACAn register matching `frame[offset..offset+6]` as destination (sa=false) or source. */
  private perfectMatch(frame: Uint8Array, offset: number, source: boolean): number {
    for (let n = 0; n < 4; n++) {
      const { hr, bytes } = this.addressRegister(n);
      if (n > 0 && !(hr & (1 << 31))) continue;
      if (n > 0 && ((hr >>> 30) & 1) !== (source ? 1 : 0)) continue;
      if (n === 0 && source) continue;
      const mask = n > 0 ? (hr >>> 24) & 0x3f : 0;
      let match = true;
      for (let i = 0; i < 6 && match; i++) if (!(mask & (1 << i)) && frame[offset + i] !== bytes[i]) match = false;
      if (match) return n;
    }
    return -1;
  }

  private hashMatch(frame: Uint8Array): boolean {
    const index = hashIndex(frame.subarray(0, 6));
    const table = this.regs.get(index & 0x20 ? 'MACHT1R' : 'MACHT0R');
    return ((table >>> (index & 0x1f)) & 1) !== 0;
  }

  /** Bytes after which the receive watchdog cuts a frame (MACCR.WD, JE; MACWTR). */
  private watchdogLimit(maccr: number): number {
    if (maccr & MACCR_WD) return 16383;
    const wtr = this.regs.get('MACWTR');
    if (wtr & (1 << 8)) return Math.min(16383, ((wtr & 0xf) + 2) * 1024);
    return maccr & MACCR_JE ? 10240 : 2048;
  }

  private giantLimit(maccr: number, tagged: boolean): number {
    if (maccr & MACCR_JE) return 9018 + (tagged ? 4 : 0);
    if (maccr & MACCR_S2KP) return 2000;
    if (maccr & MACCR_GPSLCE) return this.regs.get('MACECR') & 0x3fff;
    return 1518 + (tagged ? 4 : 0);
  }

  /**
   * Source-address insertion or replacement on transmit. MACCR.SARC overrides the descriptor's
   * TDES3.SAIC when its bit 1 is set (0b010/0b110 insert, 0b011/0b111 replace; bit 2 picks MACA1).
   * The HAL's default configuration replaces the source address with MACA0.
   */
  applySourceAddress(frame: Uint8Array, saic: number): Uint8Array {
    const sarc = (this.regs.get('MACCR') >>> 28) & 7;
    let control: number;
    let register: number;
    if (sarc & 0b010) {
      control = sarc & 1 ? 2 : 1;
      register = sarc >>> 2;
    } else {
      control = saic & 3;
      register = (saic >>> 2) & 1;
    }
    if (control === 0 || control === 3 || frame.length < 12) return frame;
    const address = this.addressRegister(register).bytes;
    if (control === 2) {
      frame.set(address, 6);
      return frame;
    }
    const out = new Uint8Array(frame.length + 6);
    out.set(frame.subarray(0, 6));
    out.set(address, 6);
    out.set(frame.subarray(6), 12);
    return out;
  }

  /**
   * A frame arrives from the cable. Returns what the MAC hands to the MTL, or undefined when it drops it.
   * `fromHost` frames are copied first; the caller's buffer is never modified.
   */
  receive(input: Uint8Array): ReceivedFrame | undefined {
    const stats = this.stats;
    stats.rxFrames++;
    const maccr = this.regs.get('MACCR');
    if (!(maccr & MACCR_RE)) {
      stats.rxDroppedReceiverOff++;
      return undefined;
    }
    if (input.length < 14) {
      stats.rxRunts++;
      return undefined;
    }
    let frame: Uint8Array;
    if (input.length < 60) {
      stats.rxPaddedShort++;
      frame = new Uint8Array(60);
      frame.set(input);
    } else {
      frame = new Uint8Array(input);
    }
    let rdes3 = 0;
    let hasError = false;
    const watchdog = this.watchdogLimit(maccr);
    if (frame.length + 4 > watchdog) {
      stats.rxWatchdogTruncated++;
      frame = frame.slice(0, Math.max(14, watchdog - 4));
      rdes3 |= RDES3_WB_RWT;
      this.regs.setBits('MACRXTXSR', 1 << 8);
      hasError = true;
    }
    const layout = frameLayout(frame);
    const etherType = layout?.etherType ?? 0;
    const outerType = (frame[12]! << 8) | frame[13]!;
    const tagged = outerType === ETHERTYPE_VLAN || outerType === ETHERTYPE_QINQ;
    if (frame.length + 4 > this.giantLimit(maccr, tagged)) {
      stats.rxOversize++;
      rdes3 |= RDES3_WB_GP;
      hasError = true;
    }

    // Destination and source address filtering.
    const pfr = this.regs.get('MACPFR');
    const broadcast = frame[0] === 0xff && frame[1] === 0xff && frame[2] === 0xff && frame[3] === 0xff && frame[4] === 0xff && frame[5] === 0xff;
    const multicast = !broadcast && (frame[0]! & 1) === 1;
    let perfect = -1;
    let hashHit = false;
    let daPass: boolean;
    if (broadcast) {
      daPass = !(pfr & PFR_DBF);
    } else {
      const useHash = multicast ? (pfr & PFR_HMC) !== 0 : (pfr & PFR_HUC) !== 0;
      perfect = this.perfectMatch(frame, 0, false);
      if (useHash) hashHit = this.hashMatch(frame);
      if (multicast && pfr & PFR_PM) daPass = true;
      else if (useHash) daPass = hashHit || ((pfr & PFR_HPF) !== 0 && perfect >= 0);
      else daPass = perfect >= 0;
      if (pfr & PFR_DAIF && !(multicast && pfr & PFR_PM)) daPass = !daPass;
    }
    let saPass = true;
    if (pfr & PFR_SAF) {
      saPass = this.perfectMatch(frame, 6, true) >= 0;
      if (pfr & PFR_SAIF) saPass = !saPass;
    }
    const promiscuous = (pfr & PFR_PR) !== 0;
    const receiveAll = (pfr & PFR_RA) !== 0;
    if (!promiscuous && !receiveAll) {
      if (!daPass) {
        stats.rxFilteredDestination++;
        return undefined;
      }
      if (!saPass) {
        stats.rxFilteredSource++;
        return undefined;
      }
    }
    if (etherType === ETHERTYPE_MAC_CONTROL && !receiveAll) {
      const pcf = (pfr >>> 6) & 3;
      const pause = frame.length >= 16 && frame[14] === 0x00 && frame[15] === 0x01;
      if (pcf === 0 || (pcf === 1 && pause) || (pcf === 3 && !daPass)) {
        stats.rxFilteredControl++;
        return undefined;
      }
    }
    let rdes2 = 0;
    if (!daPass) rdes2 |= RDES2_WB_DAF;
    if (!saPass) rdes2 |= RDES2_WB_SAF;
    if (hashHit) rdes2 |= RDES2_WB_HF | (hashIndex(frame.subarray(0, 6)) << RDES2_WB_MADRM_SHIFT);
    else if (perfect >= 0) rdes2 |= perfect << RDES2_WB_MADRM_SHIFT;
    if (rdes2 !== 0 || perfect >= 0) rdes3 |= RDES3_WB_RS2V;

    // Length/type classification.
    let lengthType = LT_TYPE;
    if (outerType <= 1500) lengthType = LT_LENGTH;
    else if (etherType === ETHERTYPE_MAC_CONTROL) lengthType = LT_MAC_CONTROL;
    else if (layout && layout.vlanTags >= 2) lengthType = LT_DOUBLE_VLAN;
    else if (tagged) lengthType = LT_VLAN;
    rdes3 |= lengthType << RDES3_WB_LT_SHIFT;

    // Receive checksum offload (MACCR.IPC).
    let rdes1 = 0;
    let checksumError = false;
    if (maccr & MACCR_IPC) {
      const status = checkRxChecksums(frame);
      if (status.ipv4 || status.ipv6) {
        rdes1 = status.payloadType | (status.ipv4 ? RDES1_WB_IPV4 : 0) | (status.ipv6 ? RDES1_WB_IPV6 : 0)
          | (status.ipHeaderError ? RDES1_WB_IPHE : 0) | (status.payloadError ? RDES1_WB_IPCE : 0) | (status.bypassed ? RDES1_WB_IPCB : 0);
        rdes3 |= RDES3_WB_RS1V;
        checksumError = status.ipHeaderError || status.payloadError;
      }
    }

    // FCS (and pad) stripping: type packets when CST, length packets when ACS.
    let data = frame;
    if (lengthType === LT_LENGTH) {
      if (maccr & MACCR_ACS) data = frame.subarray(0, Math.min(frame.length, 14 + outerType));
      else data = appendFcs(frame);
    } else if (!(maccr & MACCR_CST)) {
      data = appendFcs(frame);
    }
    if (hasError) rdes3 |= RDES3_WB_ES;
    if (!multicast && !broadcast && !hasError) this.count('MMCRUPGR');
    return { data, rdes1, rdes2, rdes3, hasError, checksumError };
  }
}

function appendFcs(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(frame.length + 4);
  out.set(frame);
  const fcs = crc32(frame);
  out[frame.length] = fcs & 0xff;
  out[frame.length + 1] = (fcs >>> 8) & 0xff;
  out[frame.length + 2] = (fcs >>> 16) & 0xff;
  out[frame.length + 3] = fcs >>> 24;
  return out;
}
