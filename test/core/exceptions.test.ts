import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { Simulation } from '../../emulator/harness/simulation.js';
import { fixture } from '../helpers/fixtures.js';

describe('Cortex-M33 exception model', () => {
  it('passes the core-exceptions fixture under --strict on the STM32H563', async () => {
    const sim = await Simulation.load(fixture('core-exceptions'), { strict: true });
    const result = await sim.runFor('1s');
    await sim.close();
    expect(sim.consoleText).not.toContain('FAIL');
    expect(sim.consoleText).toContain('ok: two threads switched by PendSV on PSP keep their FP registers');
    expect(sim.consoleText).toContain('ok: came back from SYSRESETREQ');
    expect(result).toMatchObject({ reason: 'exit', exitCode: 0 });
  });

  it('prints exactly what QEMU mps2-an505 prints for the same fixture (independent oracle)', async () => {
    const qemu = spawnSync('qemu-system-arm', ['-M', 'mps2-an505', '-nographic', '-semihosting-config', 'enable=on,target=native',
      '-kernel', fixture('core-exceptions.an505')], { encoding: 'utf8', timeout: 60_000 });
    expect(qemu.status).toBe(0);
    // QEMU writes semihosting console output to stderr when it is not on a terminal.
    const qemuConsole = qemu.stderr;
    const sim = await Simulation.load(fixture('core-exceptions'), { strict: true });
    await sim.runFor('1s');
    await sim.close();
    expect(qemuConsole.split('\n').length).toBeGreaterThan(10);
    expect(sim.consoleText).toBe(qemuConsole);
  });

  it('measures the SysTick period in DWT cycles and sleeps in WFI between ticks', async () => {
    const sim = await Simulation.load(fixture('core-timing'), { strict: true });
    const result = await sim.runFor('1s');
    await sim.close();
    expect(sim.consoleText).toContain('systick period min 64000 max 64000 cycles');
    expect(result).toMatchObject({ reason: 'exit', exitCode: 0 });
    // 11 ticks of 1 ms at 64 MHz, then a few instructions to print
    expect(result.virtualSeconds).toBeGreaterThan(0.011);
    expect(result.virtualSeconds).toBeLessThan(0.0115);
  });

  it('reports a HardFault loop with symbols, CFSR in words and the stacked frame', async () => {
    const sim = await Simulation.load(fixture('fault-null'), { traceBlocks: 8 });
    const result = await sim.runFor('1s');
    await sim.close();
    expect(result.reason).toBe('fault');
    const report = result.fault!;
    expect(report.stackedPcSymbol).toBe('read_sensor');
    expect(report.pcSymbol).toBe('HardFault_Handler');
    expect(report.bfar).toBe(4);
    expect(report.cfsr & (1 << 9)).toBeTruthy();
    expect(report.hfsr >>> 0).toBe(0x4000_0000);
    expect(report.recentBlocks?.at(-1)?.symbol).toBe('read_sensor');
  });
});

describe('guest faults that leave nothing to run', () => {
  it('ends in a lockup report, not a host hang, when PC and SP both point nowhere', async () => {
    const sim = await Simulation.load(fixture('hello'));
    const { engine } = sim.machine;
    const { Reg } = await import('../../emulator/core/engine.js');
    engine.writeRegister(Reg.SP, 0xffff_ff00);
    engine.writeRegister(Reg.PC, 0xffff_fffe | 1);
    const result = await sim.runFor('10ms');
    await sim.close();
    expect(['lockup', 'fault']).toContain(result.reason);
    expect(result.fault?.summary).toBeTruthy();
  });
});
