// End to end with the real debugger: gdb-multiarch in batch mode against the server on a Machine.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, requireInstalled } from '../helpers/fixtures.js';
import * as net from 'node:net';
import WebSocket from 'ws';
import { startGdbServer, type GdbServer } from '../../emulator/gdb/server.js';
import { encodePacket, PacketDecoder } from '../../emulator/gdb/framing.js';
import { Machine } from '../../emulator/machine/machine.js';
import { stm32h563 } from '../../emulator/machine/stm32h563.js';

const GDB = requireInstalled('/usr/bin/gdb-multiarch', 'gdb-multiarch');
for (const name of ['gdb-target', 'hello', 'core-exceptions']) fixture(name);

interface Board { machine: Machine; server: GdbServer; console: () => string }
const boards: Board[] = [];

async function board(elfName: string, transport: 'tcp' | 'ws' = 'tcp'): Promise<Board> {
  let text = '';
  const machine = new Machine(stm32h563, { console: (t) => { text += t; }, logSink: () => {} });
  const elf = fixture(elfName);
  machine.loadElf(readFileSync(elf), elf);
  machine.reset();
  const server = await startGdbServer({ machine, listen: '127.0.0.1:0', transport, wait: true });
  const b = { machine, server, console: () => text };
  boards.push(b);
  return b;
}

afterEach(async () => {
  for (const b of boards.splice(0)) {
    await b.server.close();
    b.machine.close();
  }
});

/** Runs gdb in batch mode; optionally sends it SIGINT (Ctrl-C) after a delay. Never blocks the event loop. */
function gdb(elf: string, port: number, commands: string[], options: { sigintAfterMs?: number; timeoutMs?: number } = {}): Promise<string> {
  const args = ['-nx', '-batch', '-ex', 'set pagination off', '-ex', 'set confirm off', '-ex', `target remote 127.0.0.1:${port}`];
  for (const c of commands) args.push('-ex', c);
  args.push(elf);
  return new Promise((resolve, reject) => {
    const child = spawn(GDB, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const timers: NodeJS.Timeout[] = [];
    if (options.sigintAfterMs !== undefined) timers.push(setTimeout(() => child.kill('SIGINT'), options.sigintAfterMs));
    timers.push(setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`gdb timed out:\n${out}`)); }, options.timeoutMs ?? 30_000));
    child.on('close', () => { timers.forEach(clearTimeout); resolve(out); });
    child.on('error', reject);
  });
}

describe('gdb-multiarch against h5sim', () => {
  it('break, step, next, finish; core, FP and system registers; memory and register writes; watchpoints; exit code', async () => {
    const b = await board('gdb-target');
    const out = await gdb(fixture('gdb-target'), b.server.port, [
      'break main', 'continue',
      'step', 'info frame', 'finish',
      'watch watched', 'continue', 'continue', 'delete',
      'next',
      'p fp_result', 'p $s0', 'p $d0', 'p $s1',
      'info registers',
      'info all-registers',
      'p/x $msp', 'p/x $psp', 'p $control', 'p $primask', 'p $basepri', 'p $faultmask', 'p $msplim',
      'set var $r7 = 0x1234abcd', 'p/x $r7',
      'set var counter = 77', 'p counter', 'x/1xw &counter',
      'set {unsigned char}&counter = 5', 'p counter',
      'x/2xw 0x08fff800',
      'p/x *(unsigned int *)0xe000ed00',
      'set var release = 9', 'continue',
    ]);
    expect(out).toMatch(/Breakpoint 1, main \(\) at .*main\.c:25/);
    expect(out).toMatch(/add_numbers \(a=a@entry=40, b=b@entry=2\) at .*main\.c:15/);
    expect(out).toMatch(/Value returned is \$\d+ = 42/);
    expect(out).toMatch(/\$\d+ = 3\.75\n\$\d+ = 3\.75/); // fp_result and $s0
    expect(out).toMatch(/^s15\s+2\.5\s/m);
    expect(out).toMatch(/^r0\s+0x/m);
    expect(out).toMatch(/^xpsr\s+0x[0-9a-f]+/m);
    expect(out).toMatch(/^d15\s/m);
    expect(out).toMatch(/^s31\s/m);
    expect(out).toMatch(/^fpscr\s/m);
    expect(out).toMatch(/^msp\s+0x2009ff/m);
    expect(out).toMatch(/^control\s+0x[0-9a-f]+/m);
    // msp, psp, control (FPCA after FP use), primask, basepri, faultmask, msplim (reported as 0)
    expect(out).toMatch(/\$\d+ = 0x2009ff[0-9a-f]{2}\n\$\d+ = 0x0\n\$\d+ = (4|12)\n\$\d+ = 0\n\$\d+ = 0\n\$\d+ = 0\n\$\d+ = 0\n/);
    expect(out).toMatch(/\$\d+ = 0x1234abcd/);
    expect(out).toMatch(/\$\d+ = 77\n0x20000[0-9a-f]+ <counter>:\s+0x0000004d/);
    expect(out).toMatch(/\$\d+ = 5\n/);
    expect(out).toMatch(/0x8fff800:\s+0x00350021\s+0x31335108/); // device UID words through the debug path
    expect(out).toMatch(/\$\d+ = 0x410fd21\d/); // CPUID through peek
    expect(out).toMatch(/Hardware watchpoint 2: watched\n\nOld value = 0\nNew value = 42/);
    expect(out).toMatch(/Old value = 42\nNew value = 43/);
    expect(out).toContain('exited with code 011');
    expect(b.console()).toContain('gdb-target: sum 42');
    expect(await b.server.done).toEqual({ kind: 'exit', code: 9 });
  });

  it('Ctrl-C interrupts a running target (SIGINT)', async () => {
    const b = await board('gdb-target');
    const out = await gdb(fixture('gdb-target'), b.server.port, ['continue', 'p counter > 0', 'p $pc'], { sigintAfterMs: 2500 });
    expect(out).toContain('Program received signal SIGINT, Interrupt.');
    expect(out).toMatch(/\$1 = 1\n\$2 = .*<main\+\d+>/);
  });

  it('monitor commands, and load of a second ELF (flash through vFlash packets) that then runs', async () => {
    const b = await board('gdb-target');
    const out = await gdb(fixture('hello'), b.server.port, [
      'monitor help', 'monitor step-irq on', 'monitor step-irq off', 'monitor bogus',
      'load', 'monitor reset', 'maint flush register-cache', 'p $pc',
      'break main', 'continue', 'continue',
    ]);
    expect(out).toContain('step-irq on: interrupts are taken while stepping');
    expect(out).toContain('unknown monitor command "bogus"');
    expect(out).toMatch(/Loading section \.text/);
    expect(out).toMatch(/reset: halted at 0x0800/);
    expect(out).toMatch(/Breakpoint 1, main \(\) at .*hello\/main\.c/);
    expect(out).toContain('exited with code 07');
    expect(b.console()).toContain('hello from h5sim 563');
  });

  it('core-exceptions runs to completion under gdb with exception tracing on', async () => {
    const b = await board('core-exceptions');
    const out = await gdb(fixture('core-exceptions'), b.server.port, ['monitor trace exceptions on', 'break SVC_Handler', 'continue', 'bt', 'delete', 'continue']);
    expect(out).toMatch(/Breakpoint 1, .*SVC_Handler/);
    expect(out).toMatch(/exception entry SVCall/);
    expect(out).toContain('exited normally');
    expect(b.console()).toContain('ok: all checks passed');
  });

  it('TCP: one client at a time; after the debugger detaches the target runs on to its exit', async () => {
    const b = await board('hello');
    const first = net.connect(b.server.port, '127.0.0.1');
    await new Promise((resolve) => first.once('connect', resolve));
    const second = net.connect(b.server.port, '127.0.0.1');
    await new Promise((resolve) => second.once('close', resolve)); // refused: closed by the server
    let answer = '';
    first.on('data', (d: Buffer) => { answer += d.toString('latin1'); });
    first.write(encodePacket('?'));
    for (let i = 0; i < 200 && !answer.includes('#'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(answer).toMatch(/\$T05/);
    first.write(encodePacket('D'));
    expect(await b.server.done).toEqual({ kind: 'exit', code: 7 });
    expect(b.console()).toContain('hello from h5sim 563');
    first.destroy();
  });

  it('WebSocket transport: one RSP stream over binary messages', async () => {
    const b = await board('gdb-target', 'ws');
    const ws = new WebSocket(`ws://127.0.0.1:${b.server.port}`);
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    const replies: string[] = [];
    const decoder = new PacketDecoder(() => {});
    ws.on('message', (data: Buffer) => { for (const e of decoder.feed(new Uint8Array(data))) if (e.kind === 'packet') replies.push(Buffer.from(e.payload).toString()); });
    const packet = encodePacket('?');
    ws.send(packet.subarray(0, 2));
    ws.send(packet.subarray(2));
    for (let i = 0; i < 200 && replies.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(replies[0]).toMatch(/^T05/);
    ws.close();
  });
});
