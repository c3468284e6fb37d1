// RM0481 §(Ethernet) DMA channel 0 as an explicit state machine per direction.
// TX: stopped → (ST=1) → suspended until a tail-pointer write; running walks descriptors owned by
// the DMA from DMACCATDR up to (not including) the tail pointer, gathers a frame's buffers, inserts
// checksums, keeps the wire busy for the frame's time at the MACCR.FES rate, then hands the frame to
// the link, writes the descriptors back and raises TI when IOC asks. No owned descriptor → TBU,
// suspended. RX: frames queued in the MTL are written into DMA-owned descriptors' buffers at their
// exact addresses; no descriptor → RBU, suspended, the frame waits (or is dropped and counted when
// the queue is full) until a tail-pointer write. Descriptor stride is 16 + DMACCR.DSL × 4 bytes
// (32-bit AHB). PTP timestamps and TSO are not modelled (TTSS/TSA never set).
import type { BusMaster } from '../core/peripheral.js';
import type { RegisterBlock } from '../registers/register-block.js';
import type { VirtualClock, ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import type { ModelLog } from '../../emulator/diagnostics/access-log.js';
import { insertTxChecksums } from './checksum.js';
import {
  DescriptorView, decodeRxNormal, decodeTxNormal, formatDescriptor,
  RDES3_OWN, RDES3_WB_ES, RDES3_WB_FD, RDES3_WB_LD, RDES3_WB_PL,
  TDES2_IOC, TDES3_CTX_TCMSSV, TDES3_FD, TDES3_LD, TDES3_OWN, TDES3_WB_ES, TDES3_WB_IHE, TDES3_WB_PCE,
} from './descriptors.js';
import type { EthernetStatistics, ReceivedFrame } from './mac.js';
import type { Mtl } from './mtl.js';

export type DmaState = 'stopped' | 'running' | 'suspended';

export const DMACSR_TI = 1 << 0;
export const DMACSR_TPS = 1 << 1;
export const DMACSR_TBU = 1 << 2;
export const DMACSR_RI = 1 << 6;
export const DMACSR_RBU = 1 << 7;
export const DMACSR_RPS = 1 << 8;
export const DMACSR_RWT = 1 << 9;
export const DMACSR_ETI = 1 << 10;
export const DMACSR_ERI = 1 << 11;
export const DMACSR_FBE = 1 << 12;
export const DMACSR_CDE = 1 << 13;
export const DMACSR_AIS = 1 << 14;
export const DMACSR_NIS = 1 << 15;
const NORMAL_SOURCES = DMACSR_TI | DMACSR_TBU | DMACSR_RI | DMACSR_ERI;
const ABNORMAL_SOURCES = DMACSR_TPS | DMACSR_RBU | DMACSR_RPS | DMACSR_RWT | DMACSR_ETI | DMACSR_FBE | DMACSR_CDE;
/** DMACIER bits line up with DMACSR bits except TXSE (1) ↔ TPS and RSE (8) ↔ RPS, which also line up. */
const IER_NIE = 1 << 15;
const IER_AIE = 1 << 14;

/** DMADSR.TPS / RPS encodings. */
const TPS_STOPPED = 0;
const TPS_WAITING_STATUS = 2;
const TPS_SUSPENDED = 6;
const RPS_STOPPED = 0;
const RPS_WAITING = 3;
const RPS_SUSPENDED = 4;

/** Largest frame the TX DMA assembles (TDES3.FL is 15 bits). */
const MAX_TX_FRAME = 0x7fff;

export interface DmaPorts {
  /** The frame leaves the MAC (to the link, or looped back). */
  transmit(frame: Uint8Array): void;
  /** Line rate for the wire time of a frame. */
  bitsPerSecond(): number;
  transmitterEnabled(): boolean;
  /** MMC count of a good transmitted frame. */
  countTransmitted(): void;
  /** Source-address insertion/replacement (MACCR.SARC, TDES3.SAIC). */
  applySourceAddress(frame: Uint8Array, saic: number): Uint8Array;
  hclkHz(): number;
  updateIrq(): void;
}

interface RxProgress {
  frame: ReceivedFrame;
  offset: number;
  first: boolean;
}

export class Dma {
  txState: DmaState = 'stopped';
  rxState: DmaState = 'stopped';
  private txCurrent = 0;
  private rxCurrent = 0;
  private txBuffer = 0;
  private rxBuffer = 0;
  private txInFlight: ScheduledEvent | undefined;
  private rxProgress: RxProgress | undefined;
  private rxWatchdog: ScheduledEvent | undefined;
  /** Receives one pretty-printed line per descriptor the DMA closes (debugging aid; off by default). */
  trace: ((line: string) => void) | undefined;

  constructor(
    private readonly regs: RegisterBlock,
    private readonly bus: BusMaster,
    private readonly clock: VirtualClock,
    private readonly log: ModelLog,
    private readonly mtl: Mtl,
    private readonly stats: EthernetStatistics,
    private readonly ports: DmaPorts,
  ) {
    regs.on('DMACTCR', { write: (value, previous) => {
      if (value & 1 && !(previous & 1)) this.startTx();
      else if (!(value & 1) && previous & 1) this.stopTx();
    } });
    regs.on('DMACRCR', { write: (value, previous) => {
      if (value & 1 && !(previous & 1)) this.startRx();
      else if (!(value & 1) && previous & 1) this.stopRx();
    } });
    regs.on('DMACTDLAR', { write: (value) => {
      if (this.txState !== 'stopped') this.log.guestError('DMACTDLAR written while the TX DMA runs', { register: 'DMACTDLAR', value });
      this.txCurrent = value & ~3;
    } });
    regs.on('DMACRDLAR', { write: (value) => {
      if (this.rxState !== 'stopped') this.log.guestError('DMACRDLAR written while the RX DMA runs', { register: 'DMACRDLAR', value });
      this.rxCurrent = value & ~3;
    } });
    regs.on('DMACTDTPR', { write: () => this.kickTx() });
    regs.on('DMACRDTPR', { write: () => this.kickRx() });
    regs.on('DMACSR', { write: () => this.updateSummary() });
    regs.on('DMACIER', { write: () => this.updateSummary() });
    regs.on('DMACCATDR', { read: () => this.txCurrent });
    regs.on('DMACCARDR', { read: () => this.rxCurrent });
    regs.on('DMACCATBR', { read: () => this.txBuffer });
    regs.on('DMACCARBR', { read: () => this.rxBuffer });
    regs.on('DMADSR', { read: () => (this.rps() << 8) | (this.tps() << 12) });
  }

  private tps(): number {
    if (this.txState === 'stopped') return TPS_STOPPED;
    if (this.txInFlight) return TPS_WAITING_STATUS;
    return TPS_SUSPENDED;
  }

  private rps(): number {
    if (this.rxState === 'stopped') return RPS_STOPPED;
    return this.rxState === 'suspended' ? RPS_SUSPENDED : RPS_WAITING;
  }

  /** The channel's interrupt output: NIS & NIE or AIS & AIE (summary bits are sticky, cleared by W1C). */
  get interruptPending(): boolean {
    const sr = this.regs.get('DMACSR');
    const ier = this.regs.get('DMACIER');
    return ((sr & DMACSR_NIS) !== 0 && (ier & IER_NIE) !== 0) || ((sr & DMACSR_AIS) !== 0 && (ier & IER_AIE) !== 0);
  }

  private raise(bits: number): void {
    this.regs.setBits('DMACSR', bits);
    this.updateSummary();
  }

  private updateSummary(): void {
    const sr = this.regs.get('DMACSR');
    const ier = this.regs.get('DMACIER');
    let summary = 0;
    if (sr & ier & NORMAL_SOURCES) summary |= DMACSR_NIS;
    if (sr & ier & ABNORMAL_SOURCES) summary |= DMACSR_AIS;
    if (summary) this.regs.setBits('DMACSR', summary);
    this.ports.updateIrq();
  }

  private stride(): number {
    return 16 + ((this.regs.get('DMACCR') >>> 18) & 7) * 4;
  }

  private next(current: number, baseRegister: string, lengthRegister: string): number {
    const base = this.regs.get(baseRegister) & ~3;
    const stride = this.stride();
    const index = Math.floor((current - base) / stride);
    const last = this.regs.get(lengthRegister) & 0x3ff;
    if (index < 0 || index >= last) return base;
    return (base + (index + 1) * stride) >>> 0;
  }

  private fatalBusError(direction: 'tx' | 'rx', code: number, address: number): void {
    this.stats.fatalBusErrors++;
    this.log.guestError(`ETH ${direction.toUpperCase()} DMA accessed 0x${(address >>> 0).toString(16)}, which is not memory: fatal bus error, the DMA stops`);
    const field = direction === 'tx' ? 16 : 19;
    this.regs.set('DMACSR', (this.regs.get('DMACSR') & ~(7 << field)) | (code << field));
    if (direction === 'tx') this.txState = 'stopped';
    else this.rxState = 'stopped';
    this.raise(DMACSR_FBE);
  }

  // ---- Transmit ----

  private startTx(): void {
    // Restarted while a frame is still on the wire: the completion carries on walking the ring.
    this.txState = this.txInFlight ? 'running' : 'suspended';
    this.kickTx();
  }

  private stopTx(): void {
    this.txState = 'stopped';
    this.raise(DMACSR_TPS);
  }

  /** Tail-pointer write, ST set, or MACCR.TE set: walk the ring if the DMA is idle. */
  kickTx(): void {
    if (this.txState === 'stopped' || this.txInFlight) return;
    this.txState = 'running';
    this.processTx();
  }

  private processTx(): void {
    const tail = this.regs.get('DMACTDTPR') & ~3;
    const ringLength = (this.regs.get('DMACTDRLR') & 0x3ff) + 1;
    const descriptors: DescriptorView[] = [];
    const parts: Uint8Array[] = [];
    let bytes = 0;
    let frameStart = this.txCurrent;
    let guard = ringLength + 2;
    // Suspending inside a frame rewinds to its first descriptor: the frame is taken whole or not at all.
    const suspend = () => {
      if (descriptors.length > 0) this.txCurrent = frameStart;
      this.txState = 'suspended';
      this.raise(DMACSR_TBU);
    };
    while (this.txState === 'running' && guard-- > 0) {
      if (!this.ports.transmitterEnabled()) {
        if (descriptors.length > 0) this.txCurrent = frameStart;
        this.txState = 'suspended';
        return;
      }
      if (this.txCurrent === tail) {
        suspend();
        return;
      }
      const view = DescriptorView.fetch(this.bus, this.txCurrent);
      if (!view) {
        this.fatalBusError('tx', 0b010, this.txCurrent);
        return;
      }
      if (!view.own) {
        suspend();
        return;
      }
      if (view.context) {
        if (view.des3 & TDES3_CTX_TCMSSV) this.log.unimplemented('TX context descriptor with MSS/timestamp correction: TSO and PTP are not modelled');
        view.write(3, view.des3 & ~TDES3_OWN);
        this.txCurrent = this.next(this.txCurrent, 'DMACTDLAR', 'DMACTDRLR');
        continue;
      }
      const desc = decodeTxNormal(view);
      if (descriptors.length === 0) frameStart = this.txCurrent;
      if (descriptors.length === 0 && !desc.firstDescriptor) {
        this.log.guestError('TX descriptor owned by the DMA without FD where a frame should start; it is closed unsent', { register: 'TDES3' });
        this.stats.txDescriptorErrors++;
        view.write(3, (view.des3 & ~TDES3_OWN) | TDES3_WB_ES);
        this.txCurrent = this.next(this.txCurrent, 'DMACTDLAR', 'DMACTDRLR');
        continue;
      }
      for (const [address, length] of [[desc.buffer1, desc.buffer1Length], [desc.buffer2, desc.buffer2Length]] as const) {
        if (length === 0) continue;
        if (!this.bus.isMemory(address, length)) {
          this.fatalBusError('tx', 0b000, address);
          return;
        }
        this.txBuffer = address;
        if (bytes + length <= MAX_TX_FRAME) parts.push(this.bus.readBytes(address, length).slice());
        bytes += length;
      }
      descriptors.push(view);
      this.txCurrent = this.next(this.txCurrent, 'DMACTDLAR', 'DMACTDRLR');
      if (desc.lastDescriptor) {
        this.sendFrame(descriptors, parts, bytes);
        return;
      }
      if (descriptors.length > ringLength) break;
    }
    if (descriptors.length > 0) {
      // No LD within the whole ring: close what was taken as an errored frame.
      this.stats.txDescriptorErrors++;
      for (const view of descriptors) view.write(3, (view.des3 & ~TDES3_OWN) | TDES3_WB_ES);
      this.raise(DMACSR_TI);
    }
    if (this.txState === 'running') this.txState = 'suspended';
  }

  private sendFrame(descriptors: DescriptorView[], parts: Uint8Array[], bytes: number): void {
    const first = decodeTxNormal(descriptors[0]!);
    const gathered = new Uint8Array(Math.min(bytes, MAX_TX_FRAME));
    let offset = 0;
    for (const part of parts) {
      gathered.set(part.subarray(0, gathered.length - offset), offset);
      offset += part.length;
      if (offset >= gathered.length) break;
    }
    const frame = this.ports.applySourceAddress(gathered, first.sourceAddressControl);
    if (first.vlanTagInsertion) this.log.unimplemented('TDES2.VTIR VLAN tag insertion is not modelled; the frame is sent as given');
    if (first.tcpSegmentation) this.log.unimplemented('TDES3.TSE TCP segmentation is not modelled; the buffer is sent as one frame');
    let status = 0;
    const checksum = insertTxChecksums(frame, first.checksumInsertion);
    if (checksum.ipHeaderError) status |= TDES3_WB_IHE | TDES3_WB_ES;
    if (checksum.payloadError) status |= TDES3_WB_PCE | TDES3_WB_ES;
    // CPC = 0: the MAC pads short frames to 60 bytes (plus the FCS the link does not carry).
    const wire = first.crcPadControl === 0 && frame.length < 60 ? padTo60(frame) : frame;
    const ioc = descriptors.some((view) => (view.des2 & TDES2_IOC) !== 0);
    const wireBytes = 8 + Math.max(wire.length, 60) + 4 + 12;
    const seconds = (wireBytes * 8) / this.ports.bitsPerSecond();
    this.txInFlight = this.clock.afterSeconds(seconds, () => {
      this.txInFlight = undefined;
      this.ports.transmit(wire);
      this.stats.txFrames++;
      if (!(status & TDES3_WB_ES)) this.ports.countTransmitted();
      const last = descriptors.length - 1;
      descriptors.forEach((view, index) => {
        if (index < last) view.write(3, view.des3 & ~TDES3_OWN);
        else view.write(3, (view.des3 & (TDES3_FD | TDES3_LD)) | TDES3_LD | status);
        this.trace?.(formatDescriptor('tx', view.address, view.words, true));
      });
      if (ioc) this.raise(DMACSR_TI);
      if (this.txState === 'running') this.processTx();
      else this.ports.updateIrq();
    }, 'ETH TX frame on the wire');
  }

  // ---- Receive ----

  private startRx(): void {
    this.rxState = 'running';
    this.kickRx();
  }

  private stopRx(): void {
    this.rxState = 'stopped';
    this.raise(DMACSR_RPS);
  }

  get rxAvailable(): boolean {
    return this.rxState === 'running';
  }

  /** Tail-pointer write, SR set, or a new frame in the MTL queue. */
  kickRx(): void {
    if (this.rxState === 'stopped') return;
    this.rxState = 'running';
    this.processRx();
  }

  private processRx(): void {
    const tail = this.regs.get('DMACRDTPR') & ~3;
    let guard = 4096;
    while (this.rxState === 'running' && guard-- > 0) {
      if (!this.rxProgress) {
        const frame = this.mtl.peek();
        if (!frame) return;
        this.rxProgress = { frame, offset: 0, first: true };
      }
      const progress = this.rxProgress;
      if (this.rxCurrent === tail) {
        this.suspendRx();
        return;
      }
      const view = DescriptorView.fetch(this.bus, this.rxCurrent);
      if (!view) {
        this.fatalBusError('rx', 0b010, this.rxCurrent);
        return;
      }
      if (!view.own) {
        this.suspendRx();
        return;
      }
      const desc = decodeRxNormal(view);
      const size = (this.regs.get('DMACRCR') >>> 1) & 0x3ffc;
      const buffers: Array<[number, number]> = [];
      if (desc.buffer1Valid && size > 0) buffers.push([desc.buffer1, size]);
      if (desc.buffer2Valid && size > 0) buffers.push([desc.buffer2, size]);
      if (buffers.length === 0) {
        this.log.guestError('RX descriptor owned by the DMA has no valid buffer (BUF1V/BUF2V clear or DMACRCR.RBSZ = 0); it is closed empty', { register: 'RDES3' });
        view.write(3, 0);
        this.rxCurrent = this.next(this.rxCurrent, 'DMACRDLAR', 'DMACRDRLR');
        continue;
      }
      const data = progress.frame.data;
      for (const [address, capacity] of buffers) {
        if (progress.offset >= data.length) break;
        const length = Math.min(capacity, data.length - progress.offset);
        if (!this.bus.isMemory(address, length)) {
          this.fatalBusError('rx', 0b001, address);
          return;
        }
        this.rxBuffer = address;
        this.bus.writeBytes(address, data.subarray(progress.offset, progress.offset + length));
        progress.offset += length;
      }
      const done = progress.offset >= data.length;
      const firstFlag = progress.first ? RDES3_WB_FD : 0;
      progress.first = false;
      if (done) {
        view.write(0, 0);
        view.write(1, progress.frame.rdes1);
        view.write(2, progress.frame.rdes2);
        view.write(3, firstFlag | RDES3_WB_LD | progress.frame.rdes3 | (data.length & RDES3_WB_PL) | (progress.frame.hasError ? RDES3_WB_ES : 0));
      } else {
        view.write(0, 0);
        view.write(1, 0);
        view.write(2, 0);
        view.write(3, firstFlag | (progress.offset & RDES3_WB_PL));
      }
      this.trace?.(formatDescriptor('rx', view.address, view.words, true));
      this.rxCurrent = this.next(this.rxCurrent, 'DMACRDLAR', 'DMACRDRLR');
      if (done) {
        this.rxProgress = undefined;
        this.mtl.shift();
        this.stats.rxDelivered++;
        if (desc.interruptOnCompletion) this.raise(DMACSR_RI);
        else this.armRxWatchdog();
      }
    }
  }

  private suspendRx(): void {
    this.rxState = 'suspended';
    this.raise(DMACSR_RBU);
  }

  /** DMACRIWTR: RI after RWT × (256 << RWTU) system clocks for frames closed without IOC. */
  private armRxWatchdog(): void {
    const riwtr = this.regs.get('DMACRIWTR');
    const count = riwtr & 0xff;
    if (count === 0 || this.rxWatchdog?.active) return;
    const cycles = count * (256 << ((riwtr >>> 16) & 3));
    this.rxWatchdog = this.clock.afterSeconds(cycles / Math.max(1, this.ports.hclkHz()), () => {
      this.rxWatchdog = undefined;
      this.raise(DMACSR_RI);
    }, 'ETH RX interrupt watchdog');
  }

  /** The registers were reset (SWR or system reset): forget all progress. */
  reset(): void {
    this.txInFlight?.cancel();
    this.txInFlight = undefined;
    this.rxWatchdog?.cancel();
    this.rxWatchdog = undefined;
    this.rxProgress = undefined;
    this.txState = 'stopped';
    this.rxState = 'stopped';
    this.txCurrent = 0;
    this.rxCurrent = 0;
    this.txBuffer = 0;
    this.rxBuffer = 0;
  }
}

function padTo60(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(60);
  out.set(frame);
  return out;
}
