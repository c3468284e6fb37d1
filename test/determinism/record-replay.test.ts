import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Simulation } from '../../emulator/harness/simulation.js';
import { connect } from 'node:net';
import { parseRecording, replay, replayUnderDebugger, startRecording } from '../../emulator/harness/record-replay.js';
import { startGdbServer, type GdbServer } from '../../emulator/gdb/index.js';
import { SetupError } from '../../emulator/machine/machine.js';
import { fixture, runCli } from '../helpers/fixtures.js';

const scratch = mkdtempSync(join(tmpdir(), 'h5sim-replay-'));

describe('record and replay', () => {
  // net-echo over usernet in virtual time: DHCP, ARP, a ping of the gateway, DNS and SNTP answers are
  // the host inputs; 1.1 s virtual is past SNTP.
  it('replays net-echo-bounded offline with the same digest and UART output', async () => {
    const elf = fixture('net-echo-bounded');
    const sim = await Simulation.load(elf, { net: 'user', timeMode: 'virtual' });
    const recorder = startRecording(sim, elf);
    let text: string;
    let original: { digest: string; uart: string; frames: number };
    try {
      await sim.runFor('1.1s');
      sim.uart().send('typed by the host\r\n');
      await sim.runFor('0.05s');
      original = { digest: sim.digest, uart: sim.uart().text(), frames: sim.trace!.counts.framesRx + sim.trace!.counts.framesTx };
      text = recorder.finish();
    } finally {
      await sim.close();
    }
    expect(original.uart).toContain('SNTP');
    const recording = parseRecording(text);
    const frames = recording.entries.filter((e) => e.t === 'frame');
    expect(frames.length).toBeGreaterThan(4);
    expect(recording.entries.some((e) => e.t === 'uart')).toBe(true);
    expect(recording.end?.digest).toBe(original.digest);

    const replayed = await replay(text);
    expect(replayed.lateInputs).toBe(0);
    expect(replayed.digest).toBe(original.digest);
    expect(replayed.matches).toBe(true);
    expect(replayed.uart.USART3).toBe(original.uart);
    expect(replayed.uartMatches).toBe(true);
    expect(replayed.simulation.trace!.counts.framesRx + replayed.simulation.trace!.counts.framesTx).toBe(original.frames);

    // Another DNS answer (the last byte of broker.local's address) is another input: another digest.
    const dns = frames.find((e) => e.t === 'frame' && e.data.includes('62726f6b6572'))!; // "broker"
    expect(dns).toBeDefined();
    if (dns.t !== 'frame') throw new Error('unreachable');
    const tampered = text.replace(dns.data, `${dns.data.slice(0, -2)}${dns.data.endsWith('77') ? '78' : '77'}`);
    const diverged = await replay(tampered);
    expect(diverged.digest).not.toBe(original.digest);
    expect(diverged.matches).toBe(false);
  });

  it('refuses a recording of another ELF', async () => {
    const elf = fixture('boot-clock');
    const sim = await Simulation.load(elf);
    const recorder = startRecording(sim, elf);
    await sim.runFor('1s');
    const text = recorder.finish();
    await sim.close();
    await expect(replay(text, { elf: fixture('hello') })).rejects.toThrow(SetupError);
    await expect(replay(text, { elf: fixture('hello') })).rejects.toThrow(/not the recorded firmware/);
  });

  it('h5sim run --record and h5sim replay print the same trace digest', () => {
    const path = join(scratch, 'boot.h5rec');
    const run = runCli(['run', fixture('boot-clock'), '--quiet', '--record', path]);
    expect(run.code).toBe(0);
    const digest = /h5sim: trace digest ([0-9a-f]{16})/.exec(run.stderr)?.[1];
    expect(digest).toBeDefined();
    expect(readFileSync(path, 'utf8').split('\n')[0]).toContain('"format":"h5rec"');
    const again = runCli(['replay', path, '--quiet']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`h5sim: trace digest ${digest}`);
    expect(again.stderr).toContain('firmware exited with code 0');
  });
});

describe('replay under a debugger', () => {
  async function rsp(port: number, packets: string[], until: RegExp): Promise<string> {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (data) => { received += data.toString('latin1'); });
    await new Promise((resolve) => socket.once('connect', resolve));
    for (const body of packets) {
      const sum = [...body].reduce((total, c) => (total + c.charCodeAt(0)) & 0xff, 0);
      socket.write(`$${body}#${sum.toString(16).padStart(2, '0')}`);
    }
    const start = performance.now();
    while (!until.test(received) && performance.now() - start < 20_000) await new Promise((resolve) => setTimeout(resolve, 10));
    socket.write('+');
    socket.destroy();
    return received;
  }

  it('replays boot-clock to a cycle, then GDB continues it to the recorded exit', async () => {
    const elf = fixture('boot-clock');
    const sim = await Simulation.load(elf);
    const recorder = startRecording(sim, elf);
    await sim.runFor('1s');
    const text = recorder.finish();
    const recorded = parseRecording(text);
    await sim.close();
    let server: GdbServer | undefined;
    const { simulation } = await replayUnderDebugger(text, {
      atCycle: 1_000_000,
      startDebugger: async (s, hooks) => {
        server = await startGdbServer({
          machine: s.machine, listen: 0, wait: true, chunkCycles: hooks.chunkCycles(),
          beforeChunk: () => { hooks.beforeChunk(); if (server) server.target.chunkCycles = hooks.chunkCycles(); },
          onExit: (code) => s.trace?.finish('exit', code, s.machine.clock.now),
        });
      },
    });
    try {
      expect(simulation.machine.clock.now).toBe(1_000_000);
      const reply = await rsp(server!.port, ['?', 'c'], /\$W00#/);
      expect(reply).toMatch(/\$W00#/);
      expect(simulation.machine.clock.now).toBe(recorded.end!.cycle);
      // No inputs here, so the debugger's own chunking leaves the trace as recorded.
      expect(simulation.digest).toBe(recorded.end!.digest);
    } finally {
      await server?.close();
      await simulation.close();
    }
  });
});
