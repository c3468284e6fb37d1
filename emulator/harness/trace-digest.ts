// A running FNV-1a 64 hash of what a run did, cheap enough to leave on: every CPU write to a
// peripheral (cycle, address, size, value), every Ethernet frame in both directions (cycle,
// direction, bytes), every byte a UART sent (cycle, UART, byte), and how the run ended. Two runs
// with the same digest did the same observable things at the same virtual cycles (DESIGN.md
// decision 4); the hex string also folds in the cycle it was read at.
import type { Machine } from '../machine/machine.js';

const enum Tag { Write = 1, FrameTx = 2, FrameRx = 3, Uart = 4, Finish = 5, ReadAt = 6 }

/** FNV-1a over 64 bits kept as two 32-bit halves (no BigInt on the hot path). */
export class Fnv1a64 {
  hi = 0xcbf29ce4;
  lo = 0x84222325;

  byte(value: number): void {
    const lo = (this.lo ^ (value & 0xff)) >>> 0;
    // h * 0x100000001b3 mod 2^64 = h * 0x1b3 + (lo << 40)
    const product = lo * 0x1b3;
    const carry = Math.floor(product / 0x1_0000_0000);
    this.lo = product >>> 0;
    this.hi = (Math.imul(this.hi, 0x1b3) + carry + (lo << 8)) >>> 0;
  }

  word(value: number): void {
    this.byte(value); this.byte(value >>> 8); this.byte(value >>> 16); this.byte(value >>> 24);
  }

  /** A non-negative integer below 2^53 (cycle counts), as 8 bytes. */
  integer(value: number): void {
    this.word(value >>> 0);
    this.word(Math.floor(value / 0x1_0000_0000) >>> 0);
  }

  bytes(data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) this.byte(data[i]!);
  }

  copy(): Fnv1a64 {
    const other = new Fnv1a64();
    other.hi = this.hi;
    other.lo = this.lo;
    return other;
  }

  hex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}

export interface TraceCounts {
  writes: number;
  framesTx: number;
  framesRx: number;
  uartBytes: number;
}

export class TraceDigest {
  private readonly hash = new Fnv1a64();
  readonly counts: TraceCounts = { writes: 0, framesTx: 0, framesRx: 0, uartBytes: 0 };
  private finished = false;
  private readonly detach: () => void;

  constructor(private readonly machine: Machine) {
    const clock = machine.clock;
    const hash = this.hash;
    this.detach = machine.bus.observeAccesses((access, address, size, value) => {
      if (access !== 'write') return;
      this.counts.writes++;
      hash.byte(Tag.Write);
      hash.integer(clock.now);
      hash.word(address);
      hash.byte(size);
      hash.word(value);
    });
    for (const link of machine.ethernet.values()) {
      const linkId = [...link.name].reduce((sum, c) => (sum * 31 + c.charCodeAt(0)) >>> 0, 0);
      link.tap((direction, frame) => {
        if (direction === 'tx') this.counts.framesTx++; else this.counts.framesRx++;
        hash.byte(direction === 'tx' ? Tag.FrameTx : Tag.FrameRx);
        hash.integer(clock.now);
        hash.word(linkId);
        hash.word(frame.length);
        hash.bytes(frame);
      });
    }
    for (const name of machine.serial.names()) {
      const uartId = [...name].reduce((sum, c) => (sum * 31 + c.charCodeAt(0)) >>> 0, 0);
      machine.serial.link(name).onData((bytes) => {
        for (const byte of bytes) {
          this.counts.uartBytes++;
          hash.byte(Tag.Uart);
          hash.integer(clock.now);
          hash.word(uartId);
          hash.byte(byte);
        }
      });
    }
  }

  /** The run ended (exit, fault, lockup...): folded in once. */
  finish(reason: string, exitCode: number | undefined, cycle: number): void {
    if (this.finished) return;
    this.finished = true;
    this.hash.byte(Tag.Finish);
    this.hash.integer(cycle);
    for (let i = 0; i < reason.length; i++) this.hash.byte(reason.charCodeAt(i));
    this.hash.word(exitCode ?? 0xffff_ffff);
  }

  /** The digest so far, with the current cycle folded in (the running state is not changed). */
  hex(): string {
    const view = this.hash.copy();
    view.byte(Tag.ReadAt);
    view.integer(this.machine.clock.now);
    return view.hex();
  }

  close(): void {
    this.detach();
  }
}
