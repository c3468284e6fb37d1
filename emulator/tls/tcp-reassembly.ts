// One direction of a TCP connection turned back into a byte stream, in sequence-number order
// (RFC 9293 §3.4 arithmetic modulo 2^32). Retransmissions and overlaps are trimmed against what
// was already delivered; segments ahead of a hole wait, up to `maxBuffered` bytes, after which the
// hole is declared lost (the consumer is told, so it can stop trusting its framing).
import { seqAdd, seqDiff } from '../net/packet.js';

export interface StreamSink {
  data(bytes: Uint8Array): void;
  /** `length` bytes were never seen (capture started mid-stream, or the buffer overflowed). */
  gap(length: number): void;
}

export class TcpStreamReassembler {
  private next: number | null = null;
  private finSequence: number | null = null;
  private readonly pending = new Map<number, Uint8Array>();
  private buffered = 0;
  /** Bytes received again after delivery (retransmissions, overlaps). */
  duplicateBytes = 0;
  lostBytes = 0;
  delivered = 0;
  finished = false;

  constructor(private readonly sink: StreamSink, readonly maxBuffered = 256 * 1024) {}

  get bufferedBytes(): number { return this.buffered; }

  segment(sequence: number, syn: boolean, fin: boolean, payload: Uint8Array): void {
    if (syn) {
      if (this.next === null) this.next = seqAdd(sequence, 1);
      sequence = seqAdd(sequence, 1);
    }
    if (this.next === null) this.next = sequence; // joined mid-connection
    if (fin) this.finSequence = seqAdd(sequence, payload.length);
    if (payload.length > 0) this.accept(sequence, payload);
    this.checkFinished();
  }

  private accept(sequence: number, payload: Uint8Array): void {
    const behind = seqDiff(this.next!, sequence);
    if (behind > 0) {
      const old = Math.min(behind, payload.length);
      this.duplicateBytes += old;
      if (old === payload.length) return;
      payload = payload.subarray(old);
      sequence = seqAdd(sequence, old);
    }
    if (sequence === this.next) {
      this.deliver(payload);
      this.drain();
      return;
    }
    const existing = this.pending.get(sequence);
    if (existing && existing.length >= payload.length) { this.duplicateBytes += payload.length; return; }
    if (existing) this.buffered -= existing.length;
    this.pending.set(sequence, payload.slice());
    this.buffered += payload.length;
    if (this.buffered > this.maxBuffered) this.skipHole();
  }

  private deliver(bytes: Uint8Array): void {
    this.next = seqAdd(this.next!, bytes.length);
    this.delivered += bytes.length;
    this.sink.data(bytes);
  }

  private drain(): void {
    for (;;) {
      let progressed = false;
      for (const [sequence, bytes] of this.pending) {
        const behind = seqDiff(this.next!, sequence);
        if (behind < 0) continue;
        this.pending.delete(sequence);
        this.buffered -= bytes.length;
        if (behind >= bytes.length) { this.duplicateBytes += bytes.length; progressed = true; continue; }
        this.duplicateBytes += behind;
        this.deliver(bytes.subarray(behind));
        progressed = true;
      }
      if (!progressed) return;
    }
  }

  /** Memory bound reached: give up on the oldest hole and resume at the lowest waiting segment. */
  private skipHole(): void {
    let lowest: number | null = null;
    for (const sequence of this.pending.keys()) {
      if (lowest === null || seqDiff(sequence, lowest) < 0) lowest = sequence;
    }
    if (lowest === null) return;
    const hole = seqDiff(lowest, this.next!);
    this.lostBytes += hole;
    this.next = lowest;
    this.sink.gap(hole);
    this.drain();
  }

  /** The stream ended (FIN or RST): whatever still waits behind a hole is reported as lost. */
  flush(): void {
    while (this.pending.size > 0) this.skipHole();
    this.checkFinished();
  }

  private checkFinished(): void {
    if (this.finSequence !== null && this.next !== null && seqDiff(this.next, this.finSequence) >= 0) this.finished = true;
  }
}
