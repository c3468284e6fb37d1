// Bounded fuzz: 10^4 random and mutated chunks of RSP traffic against a session on the fake target
// and, fewer, on the real machine target. Afterwards the server must still answer `?`.
// The long run (10^5 and more) is scripts/fuzz-gdb.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture } from '../helpers/fixtures.js';
import { encodePacket, PacketDecoder } from '../../emulator/gdb/framing.js';
import { GdbSession } from '../../emulator/gdb/protocol.js';
import { MachineTarget } from '../../emulator/gdb/machine-target.js';
import type { DebugTarget } from '../../emulator/gdb/target.js';
import { Machine } from '../../emulator/machine/machine.js';
import { stm32h563 } from '../../emulator/machine/stm32h563.js';
import { FakeTarget } from './fake-target.js';
import { RspFuzzer } from './rsp-fuzz.js';

const elf = fixture('gdb-target');


async function fuzzSession(target: DebugTarget & { running: boolean }, count: number, seed: number) {
  const replies: string[] = [];
  const errors: string[] = [];
  const client = new PacketDecoder(() => {});
  client.noAck = true;
  const session = new GdbSession(target, (data) => {
    for (const e of client.feed(data)) if (e.kind === 'packet') replies.push(Buffer.from(e.payload).toString('latin1'));
  }, { log: (line) => { if (!line.includes('while running')) errors.push(line); } });
  session.start();
  const fuzzer = new RspFuzzer(seed);
  for (let i = 0; i < count; i++) {
    session.receive(fuzzer.next());
    if (session.isRunning && i % 7 === 0) session.receive(Uint8Array.of(0x03));
    if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  // Stop whatever runs, then ask.
  for (let tries = 0; session.isRunning && tries < 500; tries++) {
    session.receive(Uint8Array.of(0x03));
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  expect(session.isRunning).toBe(false);
  const before = replies.length;
  session.receive(encodePacket('?'));
  expect(replies.length).toBe(before + 1);
  expect(replies[before]).toMatch(/^(T[0-9a-f]{2}|W[0-9a-f]{2})/);
  // A handler that throws is a bug even though the session survives it.
  expect(errors.slice(0, 3)).toEqual([]);
  return { session, replies };
}

describe('gdb fuzz', () => {
  it('10^4 random/mutated packets against the fake target: no crash, `?` still answered', async () => {
    const { session } = await fuzzSession(new FakeTarget(), 10_000, 20261125);
    const stats = session.framingStats;
    expect(stats.packets).toBeGreaterThan(3000);
    expect(stats.badChecksums).toBeGreaterThan(300);
  });

  it('2000 random/mutated packets against the machine target running gdb-target.elf', async () => {
    const machine = new Machine(stm32h563, { console: () => {}, logSink: () => {} });
    try {
      machine.loadElf(readFileSync(elf), elf);
      machine.reset();
      const target = new MachineTarget(machine, { chunkCycles: 200_000 });
      target.setDebuggerAttached(true);
      await fuzzSession(target, 2_000, 7);
      target.clearDebugState();
    } finally {
      machine.close();
    }
  });
});
