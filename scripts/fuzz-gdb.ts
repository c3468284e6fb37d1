// Long fuzz run of the GDB stub: random and mutated RSP traffic over TCP into a real server
// (startGdbServer on gdb-target.elf), or straight into a session on the fake target.
//   node --import tsx scripts/fuzz-gdb.ts [count=100000] [--seed N] [--target machine|fake]
// Exits 0 when the server still answers `?` at the end, 1 otherwise. `npm run fuzz -- --target gdb`
// is the run with per-input liveness checks, counts and the slowest input.
// Found here once: seed 3 drove the firmware to PC 0xFFFFFFFE with SP outside memory and
// CortexM33.run never returned; since lockups stop the engine at once (534906f), seed 3 runs
// 20 000 chunks and the server still answers.
import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as net from 'node:net';
import { encodePacket, PacketDecoder } from '../emulator/gdb/framing.js';
import { GdbSession } from '../emulator/gdb/protocol.js';
import { startGdbServer } from '../emulator/gdb/server.js';
import { Machine } from '../emulator/machine/machine.js';
import { stm32h563 } from '../emulator/machine/stm32h563.js';
import { FakeTarget } from '../test/gdb/fake-target.js';
import { RspFuzzer } from '../test/gdb/rsp-fuzz.js';

const args = process.argv.slice(2);
const option = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const seed = Number(option('--seed') ?? 1);
const targetKind = option('--target') ?? 'machine';
const root = new URL('..', import.meta.url).pathname;

async function fuzzFake(): Promise<boolean> {
  const replies: string[] = [];
  const client = new PacketDecoder(() => {});
  client.noAck = true;
  const session = new GdbSession(new FakeTarget(), (data) => {
    for (const e of client.feed(data)) if (e.kind === 'packet') replies.push(Buffer.from(e.payload).toString('latin1'));
  });
  session.start();
  const fuzzer = new RspFuzzer(seed, { allowSessionEnd: false });
  for (let i = 0; i < count; i++) {
    session.receive(fuzzer.next());
    if (session.isRunning && i % 7 === 0) session.receive(Uint8Array.of(0x03));
    if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    if (i % 1000 === 0) process.stdout.write(`\r${i}/${count}`);
  }
  while (session.isRunning) { session.receive(Uint8Array.of(0x03)); await new Promise((resolve) => setTimeout(resolve, 5)); }
  const before = replies.length;
  session.receive(encodePacket('?'));
  console.log(`\nframing: ${JSON.stringify(session.framingStats)}; last reply ${replies[before]}`);
  return /^[TW]/.test(replies[before] ?? '');
}

async function fuzzMachine(): Promise<boolean> {
  const elf = `${root}firmware-fixtures/build/gdb-target.elf`;
  if (!existsSync(elf)) execFileSync(`${root}scripts/build-fixtures.sh`, ['gdb-target'], { stdio: 'inherit' });
  const machine = new Machine(stm32h563, { console: () => {}, logSink: () => {} });
  machine.loadElf(readFileSync(elf), elf);
  machine.reset();
  const server = await startGdbServer({ machine, listen: 0, chunkCycles: 200_000, log: (line) => { if (process.env.FUZZ_VERBOSE) console.error(line); } });
  const socket = net.connect(server.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => { socket.once('connect', () => resolve()); socket.once('error', reject); });
  const replies: string[] = [];
  const client = new PacketDecoder(() => {});
  socket.on('data', (data: Buffer) => {
    for (const e of client.feed(new Uint8Array(data))) if (e.kind === 'packet') replies.push(Buffer.from(e.payload).toString('latin1'));
  });
  const fuzzer = new RspFuzzer(seed);
  for (let i = 0; i < count; i++) {
    const chunk = fuzzer.next();
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
    if (i % 20 === 0) socket.write(Uint8Array.of(0x03));
    if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    if (i % 1000 === 0) process.stdout.write(`\r${i}/${count}`);
  }
  // Settle: interrupt whatever runs, then ask until answered.
  let answer: string | undefined;
  for (let tries = 0; tries < 100 && !answer; tries++) {
    const before = replies.length;
    socket.write(Uint8Array.of(0x03));
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.write(encodePacket('?'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    answer = replies.slice(before).find((r) => /^[TW][0-9a-f]{2}/.test(r));
  }
  console.log(`\nlast stop reply: ${answer ?? '(none)'}`);
  socket.destroy();
  await server.close();
  machine.close();
  return answer !== undefined;
}

const ok = targetKind === 'fake' ? await fuzzFake() : await fuzzMachine();
console.log(ok ? `fuzz-gdb: ${count} chunks, seed ${seed}: server alive` : 'fuzz-gdb: FAILED, no stop reply at the end');
process.exit(ok ? 0 : 1);
