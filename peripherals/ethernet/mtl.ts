// RM0481 §(Ethernet) MTL: the receive queue between the MAC and the RX DMA. Frames wait here while
// the DMA has no descriptor or is stopped; when the queue is full, new frames are dropped and
// counted in MTLRQMPOCR (overflow, and missed-by-DMA when the DMA was not available).
import type { RegisterBlock } from '../registers/register-block.js';
import type { EthernetStatistics, ReceivedFrame } from './mac.js';

const RQOMR_FEP = 1 << 4;
const RQOMR_RSF = 1 << 5;
const RQOMR_DISTCPEF = 1 << 6;
const QICSR_TXUNFIS = 1 << 0;
const QICSR_TXUIE = 1 << 8;
const QICSR_RXOVFIS = 1 << 16;
const QICSR_RXOIE = 1 << 24;

export class Mtl {
  private readonly queue: ReceivedFrame[] = [];
  private queuedBytes = 0;
  /** Receive FIFO size from MACHWF1R.RXFIFOSIZE (2^(n+7) bytes). */
  readonly rxFifoBytes: number;

  constructor(private readonly regs: RegisterBlock, private readonly stats: EthernetStatistics, private readonly onInterrupt: () => void) {
    this.rxFifoBytes = 1 << ((regs.get('MACHWF1R') & 0x1f) + 7);
    // FTQ self-clears once the (always empty, store-and-forward) TX queue is flushed.
    regs.on('MTLTQOMR', { write: () => regs.setBits('MTLTQOMR', 1, false) });
    regs.on('MTLQICSR', { write: () => onInterrupt() });
    regs.on('MTLISR', { read: (stored) => (stored & ~1) | (this.interruptPending ? 1 : 0) });
    regs.on('MTLRQDR', {
      read: () => {
        const fill = this.queuedBytes === 0 ? 0 : this.queuedBytes >= this.rxFifoBytes ? 3 : this.queuedBytes > this.rxFifoBytes / 2 ? 2 : 1;
        return (Math.min(this.queue.length, 0x3fff) << 16) | (fill << 4);
      },
    });
  }

  get interruptPending(): boolean {
    const q = this.regs.get('MTLQICSR');
    return ((q & QICSR_RXOVFIS) !== 0 && (q & QICSR_RXOIE) !== 0) || ((q & QICSR_TXUNFIS) !== 0 && (q & QICSR_TXUIE) !== 0);
  }

  get pending(): number { return this.queue.length; }
  peek(): ReceivedFrame | undefined { return this.queue[0]; }

  shift(): void {
    const frame = this.queue.shift();
    if (frame) this.queuedBytes -= frame.data.length;
  }

  /** Applies the queue's drop rules and queues the frame; `dmaAvailable` tells why an overflow happened. */
  push(frame: ReceivedFrame, dmaAvailable: boolean): void {
    const rqomr = this.regs.get('MTLRQOMR');
    const storeAndForward = (rqomr & RQOMR_RSF) !== 0;
    if (frame.hasError && !(rqomr & RQOMR_FEP)) {
      this.stats.rxErrorDropped++;
      return;
    }
    if (frame.checksumError && storeAndForward && !(rqomr & RQOMR_DISTCPEF)) {
      this.stats.rxChecksumDropped++;
      return;
    }
    // An empty queue always takes a frame: larger frames stream through to the DMA in cut-through.
    if (this.queue.length > 0 && this.queuedBytes + frame.data.length > this.rxFifoBytes) {
      this.stats.rxFifoOverflow++;
      let counters = this.regs.get('MTLRQMPOCR');
      counters = incrementField(counters, 0, 0x7ff, 1 << 11);
      if (!dmaAvailable) {
        this.stats.rxFifoOverflowWhileNoDescriptor++;
        counters = incrementField(counters, 16, 0x7ff, 1 << 27);
      }
      this.regs.set('MTLRQMPOCR', counters);
      this.regs.setBits('MTLQICSR', QICSR_RXOVFIS);
      this.onInterrupt();
      return;
    }
    this.queue.push(frame);
    this.queuedBytes += frame.data.length;
  }

  reset(): void {
    this.queue.length = 0;
    this.queuedBytes = 0;
  }
}

function incrementField(value: number, shift: number, max: number, overflowBit: number): number {
  const current = (value >>> shift) & max;
  if (current === max) return (value | overflowBit) >>> 0;
  return ((value & ~(max << shift)) | ((current + 1) << shift)) >>> 0;
}
