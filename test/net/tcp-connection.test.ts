// Two usernet TCP endpoints talking to each other over a channel that loses, duplicates and
// reorders segments, on a manual clock: both byte streams must arrive intact and both ends close.
import { describe, expect, it } from 'vitest';
import { ManualNetClock } from '../../emulator/net/net-clock.js';
import type { TcpSegment } from '../../emulator/net/packet.js';
import { DEFAULT_TCP_TUNING, TcpConnection, type TcpConnectionCallbacks } from '../../emulator/net/usernet/tcp-connection.js';

interface End {
  connection: TcpConnection | null;
  received: number[];
  finished: boolean;
  closed: boolean;
  reset: string | null;
}

function run(seed: number, loss: number): { a: End; b: End; sentA: Buffer; sentB: Buffer; clock: ManualNetClock } {
  let state = seed;
  const random = (): number => { state = (Math.imul(state, 1103515245) + 12345) >>> 0; return (state >>> 8) / 0x1000000; };
  const clock = new ManualNetClock();
  const a: End = { connection: null, received: [], finished: false, closed: false, reset: null };
  const b: End = { connection: null, received: [], finished: false, closed: false, reset: null };
  const sentA = Buffer.from(Array.from({ length: 20_000 + (seed % 7) * 1000 }, (_, i) => (i * 31 + seed) & 0xff));
  const sentB = Buffer.from(Array.from({ length: 9_000 + (seed % 5) * 700 }, (_, i) => (i * 17 + seed) & 0xff));
  const tuning = { ...DEFAULT_TCP_TUNING, receiveWindow: 8192, mss: 1000 };

  const channel = (to: End, createOnSyn: boolean) => (fields: Omit<Parameters<TcpConnectionCallbacks['emit']>[0], never>): void => {
    const segment: TcpSegment = {
      sourcePort: 1, destinationPort: 2, sequence: fields.sequence >>> 0, acknowledgment: fields.acknowledgment >>> 0,
      flags: fields.flags, window: fields.window, mss: fields.mss ?? null, checksumOk: true,
      payload: Uint8Array.from(fields.payload ?? []),
    };
    const copies = random() < loss ? 0 : random() < 0.05 ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      clock.after(0.001 + random() * 0.05, () => {
        if (!to.connection && createOnSyn && segment.flags === 0x02) {
          to.connection = new TcpConnection(clock, callbacks(to, channel(a, false)), tuning, 0x9000_0000 + seed, segment);
          return;
        }
        to.connection?.receive(segment);
      });
    }
  };
  const callbacks = (end: End, emit: TcpConnectionCallbacks['emit']): TcpConnectionCallbacks => ({
    emit,
    onData: (data) => { end.received.push(...data); },
    onPeerFinished: () => { end.finished = true; },
    onEstablished: () => {},
    onReset: (reason) => { end.reset = reason; },
    onClosed: () => { end.closed = true; },
    hostBacklog: () => 0,
  });
  a.connection = new TcpConnection(clock, callbacks(a, channel(b, true)), tuning, 0xfffff000 + seed); // wraps the sequence space
  a.connection.write(sentA.subarray(0, 5000));
  clock.advance(0.2);
  a.connection.write(sentA.subarray(5000));
  a.connection.finish();
  let bWrote = false;
  for (let t = 0; t < 6000 && !(a.closed && b.closed); t++) {
    clock.advance(0.05);
    if (b.connection?.isEstablished && !bWrote) {
      bWrote = true;
      b.connection.write(sentB);
      b.connection.finish();
    }
  }
  return { a, b, sentA, sentB, clock };
}

describe('usernet TCP endpoint against itself over a bad channel', () => {
  const cases = Array.from({ length: 40 }, (_, i) => [i + 1, (i % 7) * 0.05] as const);
  for (const [seed, loss] of cases) {
    it(`seed ${seed}, ${Math.round(loss * 100)}% loss, 5% duplicates, reordering`, () => {
      const { a, b, sentA, sentB } = run(seed, loss);
      expect(a.reset).toBeNull();
      expect(b.reset).toBeNull();
      expect(Buffer.from(b.received).equals(sentA)).toBe(true);
      expect(Buffer.from(a.received).equals(sentB)).toBe(true);
      expect(a.finished && b.finished).toBe(true);
      expect(a.closed && b.closed).toBe(true);
    });
  }
});
