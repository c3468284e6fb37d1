import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fixture, runCli } from '../helpers/fixtures.js';

const scratch = mkdtempSync(join(tmpdir(), 'h5sim-cli-'));

function noHostStackTrace(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe('h5sim run', () => {
  it('prints semihosting output and exits with the firmware exit code', () => {
    const result = runCli(['run', fixture('hello')]);
    expect(result.stdout).toBe('hello from h5sim 563\n');
    expect(result.code).toBe(7);
  });

  it('says what h5sim is and lists the commands', () => {
    const result = runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('h5sim run <firmware.elf>');
    expect(result.stdout).toContain('Exit codes');
    expect(result.stdout).toContain('--net user|tap:NAME[@NETNS]|ws://H:P');
    expect(result.stdout).toMatch(/tap:NAME@NETNS creates the TAP\s+inside that existing network namespace/);
  });

  it('rejects a truncated ELF with one clear line', () => {
    const path = join(scratch, 'truncated.elf');
    writeFileSync(path, readFileSync(fixture('hello')).subarray(0, 100));
    const result = runCli(['run', path]);
    expect(result.code).toBe(4);
    expect(result.stderr.trim()).toMatch(/^h5sim: .*truncated\.elf: truncated ELF/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('rejects an ELF for another architecture', () => {
    const result = runCli(['run', process.execPath]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/64-bit ELF|not ARM/);
    noHostStackTrace(result.stderr);
  });

  it('rejects an ELF whose segments fall outside the memory map, naming the map', () => {
    const elf = join(scratch, 'outside.elf');
    execFileSync('arm-none-eabi-gcc', ['-mcpu=cortex-m33', '-mthumb', '-nostdlib', '-Wl,-Ttext=0x60000000', '-o', elf, '-x', 'c', '-'],
      { input: 'void _start(void) { for (;;); }\n' });
    const result = runCli(['run', elf]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('falls outside the memory of stm32h563');
    expect(result.stderr).toContain('FLASH 0x08000000-0x081fffff');
    noHostStackTrace(result.stderr);
  });

  it('turns a jump to 0xDEADBEEF into a guest fault reported with PC and symbol', () => {
    const dir = join(scratch, 'deadbeef');
    execFileSync('mkdir', ['-p', dir]);
    const source = join(dir, 'main.c');
    writeFileSync(source, 'void HardFault_Handler(void) { for (;;) {} }\nint main(void) { ((void (*)(void))0xDEADBEEF)(); return 0; }\n');
    const common = fixture('hello').replace(/build\/hello\.elf$/, 'common');
    const elf = join(dir, 'deadbeef.elf');
    execFileSync('arm-none-eabi-gcc', ['-mcpu=cortex-m33', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv5-sp-d16', '-O1', '--specs=nano.specs',
      '--specs=nosys.specs', '-nostartfiles', `-I${common}`, `-T${common}/h563.ld`, `-L${common}`, source,
      `${common}/startup.c`, `${common}/semihosting.c`, '-o', elf]);
    const result = runCli(['run', elf, '--timeout', '1s']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('instruction fetch from 0xdeadbeee');
    expect(result.stderr).toContain('<HardFault_Handler>');
    expect(result.stderr).toContain('IBUSERR');
    noHostStackTrace(result.stderr);
  });

  it('checks expectations for CI and writes JUnit XML', () => {
    const junit = join(scratch, 'result.xml');
    const pass = runCli(['run', fixture('boot-clock'), '--expect-text', 'sysclk=250000000', '--junit', junit, '--quiet', '--strict']);
    expect(pass.code).toBe(0);
    expect(readFileSync(junit, 'utf8')).toMatch(/<testsuite name="h5sim" tests="1" failures="0"/);
    const fail = runCli(['run', fixture('boot-clock'), '--fail-text', 'sysclk=', '--quiet']);
    expect(fail.code).toBe(1);
    const timeout = runCli(['run', fixture('boot-clock'), '--expect-text', 'never printed', '--timeout', '50ms', '--quiet']);
    expect(timeout.code).toBe(1); // the firmware exits before the timeout: expectation failed
    const symbol = runCli(['run', fixture('fault-null'), '--expect-symbol', 'read_sensor', '--quiet']);
    expect(symbol.code).toBe(0);
    const failSymbol = runCli(['run', fixture('fault-null'), '--fail-symbol', 'HardFault_Handler', '--quiet']);
    expect(failSymbol.code).toBe(1);
    expect(failSymbol.stderr).toContain('FAIL: reached HardFault_Handler');
  });

  it('names the register a hung firmware polls (a PLL whose source was never started)', () => {
    const result = runCli(['run', fixture('hang-clock'), '--timeout', '50ms', '--strict']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/waiting on RCC CR \(0x44020c00\) reads 0x[0-9a-f]{8}, polled at PC 0x[0-9a-f]{8} <wait_for_pll1\+0x[0-9a-f]+>/);
  });
});

describe('h5sim run --uart-tcp', () => {
  it('serves USART3 on a loopback TCP socket, backlog first, input back to the UART', async () => {
    const net = await import('node:net');
    const { Simulation } = await import('../../emulator/harness/simulation.js');
    const { serveUartOverTcp } = await import('../../emulator/cli/cli.js');
    const sim = await Simulation.load(fixture('boot-clock'));
    const uart = sim.uart('USART3');
    await sim.runFor('5ms');
    const server = await serveUartOverTcp(uart, '127.0.0.1:0');
    try {
      const port = (server.address() as { port: number }).port;
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (d) => { text += d.toString('latin1'); });
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write('x');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await sim.runFor('100ms');
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.destroy();
      expect(text).toContain('boot-clock: sysclk=250000000');
      expect(text).toContain('boot-clock: done');
    } finally {
      server.close();
      await sim.close();
    }
  });
});
