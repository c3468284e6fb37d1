// npm run bench: speed and cost figures, printed side by side (benchmarks, not tests).
//   1. raw Unicorn MIPS on a compute loop (no h5sim hooks), h5sim MIPS on the same loop with
//      SysTick at 1 kHz and an ITM print each ms, and their ratio (target >= 0.9);
//   2. mean cost of an MMIO access (target <= 0.3 us);
//   3. wall time of 60 s virtual in a WFI idle loop with SysTick at 1 kHz (target <= 1 s);
//   4. the same compute loop on qemu-system-arm -M mps2-an505, for comparison.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Simulation } from '../emulator/harness/simulation.js';
import { runRawUnicorn } from '../emulator/core/unicorn.js';
import { Reg, type RegId } from '../emulator/core/engine.js';
import { ElfFile, SymbolTable } from '../emulator/elf/elf-file.js';
import { fixture } from '../test/helpers/fixtures.js';

const LOOP_ITERATIONS = 40_000_000;
const INSTRUCTIONS_PER_ITERATION = 4;

function line(name: string, value: string, note = ''): void {
  process.stdout.write(`${name.padEnd(48)} ${value.padStart(14)}  ${note}\n`);
}

async function runFixture(name: string): Promise<{ wall: number; instructions: number; virtual: number; skipped: number; output: string }> {
  const sim = await Simulation.load(fixture(name));
  const started = performance.now();
  const result = await sim.runFor('120s');
  const wall = (performance.now() - started) / 1000;
  const output = sim.consoleText;
  const skipped = sim.machine.core.skippedCycles;
  await sim.close();
  if (result.reason !== 'exit') throw new Error(`${name} did not exit (${result.reason})`);
  return { wall, instructions: result.cycles - skipped, virtual: result.virtualSeconds, skipped, output };
}

function rawUnicornSeconds(): number {
  const elf = new ElfFile(readFileSync(fixture('bench')));
  const symbols = new SymbolTable(elf.symbols);
  const flash = new Uint8Array(2 << 20);
  const ram = new Uint8Array(640 << 10);
  for (const segment of elf.loadSegments()) {
    if (segment.physicalAddress >= 0x0800_0000 && segment.physicalAddress < 0x0820_0000) flash.set(segment.data, segment.physicalAddress - 0x0800_0000);
  }
  // From main's loop to the store after it: the loop alone, as the firmware runs it.
  const main = symbols.lookup('main')!.value & ~1;
  const code = new DataView(flash.buffer, main - 0x0800_0000, 0x40);
  let after = -1;
  for (let offset = 0; offset < 0x30; offset += 2) {
    if ((code.getUint16(offset, true) & 0xff00) === 0xd100) { after = main + offset + 2; break; } // bne.n back into the loop
  }
  if (after < 0) throw new Error('cannot find the end of the compute loop');
  return runRawUnicorn([{ base: 0x0800_0000, data: flash, executable: true }, { base: 0x2000_0000, data: ram, executable: false }], main, 0x2009_fff0, after);
}

/**
 * Real code: lib/crypto's software P-256 scalar multiplication (bench-crypto.elf), memory- and
 * multiply-heavy, where both engines run far below their speed on the four-instruction loop. The
 * same call runs on a bare Unicorn and on h5sim's engine (with its instruction counter): the
 * ratio of the two is what a firmware's own code sees.
 */
async function p256Comparison(): Promise<void> {
  const elfBytes = readFileSync(fixture('bench-crypto'));
  const elf = new ElfFile(elfBytes);
  const symbols = new SymbolTable(elf.symbols);
  const entry = symbols.lookup('p256_soft_scalar_multiply')!.value & ~1;
  const generator = symbols.lookup('p256_generator')!.value;
  // Return into unmapped space (the EDATA area, not modelled): the engine stops on the fetch, so
  // no code hook is needed (a watched address would send every instruction down the counter's slow path).
  const returnTo = 0x0900_0000;
  const scalarAt = 0x2000_1000;
  const resultAt = 0x2000_2000;
  const stack = 0x2009_fff0;
  const args: Array<[RegId, number]> = [[Reg.R0, scalarAt], [Reg.R1, generator], [Reg.R2, resultAt], [Reg.LR, returnTo | 1]];

  // h5sim's engine: the same registers, stopped by a code hook where the call returns.
  const sim = await Simulation.load(fixture('bench-crypto'));
  const engine = sim.machine.engine;
  let executed = 0;
  let simSeconds = 0;
  const runs = 5;
  try {
    sim.writeMemory(scalarAt, new Uint8Array(32).fill(0x5a));
    for (let run = 0; run <= runs; run++) {
      for (const [id, value] of [...args, [Reg.SP, stack] as [RegId, number], [Reg.PC, entry] as [RegId, number]]) engine.writeRegister(id, value);
      const started = performance.now();
      const outcome = engine.run(1e9);
      if (run > 0) simSeconds += (performance.now() - started) / 1000; // the first run translates the code
      executed = outcome.executed;
      if (outcome.stop.kind !== 'memory-fault' || engine.readRegister(Reg.PC) !== returnTo) throw new Error('p256 comparison: the call did not return');
    }
  } finally {
    await sim.close();
  }
  const flash = new Uint8Array(2 * 1024 * 1024).fill(0xff);
  const ram = new Uint8Array(640 * 1024);
  for (const segment of elf.loadSegments()) {
    if (segment.physicalAddress >= 0x0800_0000 && segment.physicalAddress < 0x0820_0000) flash.set(segment.data, segment.physicalAddress - 0x0800_0000);
  }
  ram.fill(0x5a, scalarAt - 0x2000_0000, scalarAt - 0x2000_0000 + 32);
  let rawSeconds = 0;
  for (let run = 0; run <= runs; run++) {
    const seconds = runRawUnicorn([{ base: 0x0800_0000, data: flash, executable: true }, { base: 0x2000_0000, data: ram, executable: false }], entry, stack, returnTo, args);
    if (run > 0) rawSeconds += seconds;
  }
  const rawMips = executed * runs / rawSeconds / 1e6;
  const simMips = executed * runs / simSeconds / 1e6;
  line('raw Unicorn, software P-256 scalar mult', `${rawMips.toFixed(1)} MIPS`, `${(executed / 1e6).toFixed(2)} M instructions per call, ${runs} calls`);
  line('h5sim engine, software P-256 scalar mult', `${simMips.toFixed(1)} MIPS`, `ratio ${(simMips / rawMips).toFixed(3)} (real code; the loop above is the worst case)`);
}

async function main(): Promise<void> {
  process.stdout.write('h5sim benchmarks (one run each; wall times on this machine)\n\n');
  const loopInstructions = LOOP_ITERATIONS * INSTRUCTIONS_PER_ITERATION;
  const raw = rawUnicornSeconds();
  const rawMips = loopInstructions / raw / 1e6;
  line('raw Unicorn, compute loop', `${rawMips.toFixed(1)} MIPS`, `${loopInstructions / 1e6} M instructions in ${raw.toFixed(3)} s`);

  const plain = await runFixture('bench');
  line('h5sim, compute loop', `${(plain.instructions / plain.wall / 1e6).toFixed(1)} MIPS`, `${(plain.instructions / 1e6).toFixed(1)} M instructions in ${plain.wall.toFixed(3)} s`);
  const tick = await runFixture('bench-tick');
  const tickMips = tick.instructions / tick.wall / 1e6;
  line('h5sim, compute + SysTick 1 kHz + ITM print/ms', `${tickMips.toFixed(1)} MIPS`, `${tick.output.split('.').length - 1} ITM prints, ${tick.virtual.toFixed(2)} s virtual`);
  line('ratio h5sim (SysTick+ITM) / raw Unicorn', (tickMips / rawMips).toFixed(3), 'target >= 0.9');
  await p256Comparison();

  const mmio = await runFixture('bench-mmio');
  // Each loop iteration: 2 MMIO reads plus about 6 other instructions.
  const reads = 2_000_000;
  const otherSeconds = (mmio.instructions - reads) / (rawMips * 1e6);
  const perAccess = (mmio.wall - otherSeconds) / reads * 1e6;
  line('MMIO access, mean cost', `${perAccess.toFixed(3)} us`, 'target <= 0.3 us');

  const idle = await runFixture('bench-idle');
  line('60 s virtual WFI idle, SysTick 1 kHz', `${idle.wall.toFixed(3)} s wall`, `target <= 1 s (${idle.virtual.toFixed(1)} s virtual)`);

  {
    const started = performance.now();
    const sim = await Simulation.load(fixture('boot-clock'));
    await sim.uart('USART3').waitForLine(/./, { timeout: '1s' });
    line('boot-clock fixture: reset to first USART3 line', `${((performance.now() - started) / 1000).toFixed(3)} s wall`, `${(sim.virtualSeconds * 1000).toFixed(3)} ms virtual (clock to 250 MHz, USART3 115200)`);
    await sim.close();
  }

  const qemuStart = performance.now();
  const qemu = spawnSync('qemu-system-arm', ['-M', 'mps2-an505', '-display', 'none', '-serial', 'null', '-monitor', 'none',
    '-semihosting-config', 'enable=on,target=native', '-kernel', fixture('bench.an505')], { encoding: 'utf8', timeout: 120_000 });
  const qemuWall = (performance.now() - qemuStart) / 1000;
  if (qemu.status === 0) {
    line('QEMU mps2-an505, compute loop (incl. start-up)', `${(plain.instructions / qemuWall / 1e6).toFixed(1)} MIPS`, `${qemuWall.toFixed(3)} s for the same program`);
  } else {
    line('QEMU mps2-an505, compute loop', 'failed', qemu.stderr.slice(0, 200));
  }

  // Issues #4/#5: crypto and network benchmarks, then reset→CONNACK (bench-mqtt.ts runs only as a
  // script, so it runs as a child process with its output passed through).
  await (await import('./bench-crypto.js')).benchCrypto();
  await (await import('./bench-net.js')).benchNet();
  process.stdout.write('\nmqtt: scripts/bench-mqtt.ts\n');
  const mqtt = spawnSync(process.execPath, ['--import', 'tsx', new URL('./bench-mqtt.ts', import.meta.url).pathname], { encoding: 'utf8', timeout: 300_000 });
  process.stdout.write(mqtt.stdout);
  if (mqtt.status === 1) line('bench-mqtt', 'exit 1', 'reset→CONNACK over its 2 s wall target');
  else if (mqtt.status !== 0) line('bench-mqtt', `exit ${String(mqtt.status)}`, (mqtt.stderr || String(mqtt.error ?? '')).trim().slice(0, 300));
}

await main();
