// Costs of the guest-fault machinery (benchmarks, not tests): `node --import tsx scripts/bench-guest-faults.ts`.
//   1. runs with CCR.UNALIGN_TRP clear (no memory hook) and set (hook on every access): bench's
//      register-only loop and guest-faults-memory-loop (819 200 word loads and as many stores);
//   2. CPU stores into flash through the FLASH interface (each store re-executed with flash
//      writable): the flash-program case of the guest-faults fixture, per programmed quad-word.
import { Simulation } from '../emulator/harness/simulation.js';
import { fixture } from '../test/helpers/fixtures.js';

const CCR = 0xe000_ed14;
const UNALIGN_TRP = 1 << 3;

function line(name: string, value: string, note = ''): void {
  process.stdout.write(`${name.padEnd(52)} ${value.padStart(12)}  ${note}\n`);
}

async function timed(name: string, unalignTrap: boolean): Promise<{ wall: number; instructions: number }> {
  const sim = await Simulation.load(fixture(name));
  if (unalignTrap) {
    const ccr = sim.machine.bus.debugRead(CCR, 4)!;
    ccr[0]! |= UNALIGN_TRP;
    sim.machine.bus.debugWrite(CCR, ccr);
  }
  const started = performance.now();
  const result = await sim.runFor('120s');
  const wall = (performance.now() - started) / 1000;
  await sim.close();
  if (result.reason !== 'exit') throw new Error(`${name} did not exit (${result.reason})`);
  return { wall, instructions: result.cycles - sim.machine.core.skippedCycles };
}

for (const name of ['bench', 'guest-faults-memory-loop']) {
  const runs: Record<string, number[]> = { off: [], on: [] };
  let instructions = 0;
  for (let i = 0; i < 3; i++) {
    for (const mode of ['off', 'on'] as const) {
      const run = await timed(name, mode === 'on');
      runs[mode]!.push(run.wall);
      instructions = run.instructions;
    }
  }
  const best = (xs: number[]) => Math.min(...xs);
  line(`${name}: UNALIGN_TRP clear (best of 3)`, `${best(runs.off!).toFixed(3)} s`, `${(instructions / best(runs.off!) / 1e6).toFixed(0)} MIPS`);
  line(`${name}: UNALIGN_TRP set (best of 3)`, `${best(runs.on!).toFixed(3)} s`, `${(instructions / best(runs.on!) / 1e6).toFixed(0)} MIPS, x${(best(runs.on!) / best(runs.off!)).toFixed(1)}`);
}

{
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const sim = await Simulation.load(fixture('guest-faults-flash-program'));
    const started = performance.now();
    await sim.runFor('1s');
    samples.push((performance.now() - started) / 1000);
    await sim.close();
  }
  // The case stores 4 words of one quad-word plus two refused words: 6 stores into flash.
  line('flash-program case (6 flash stores, best of 5)', `${(Math.min(...samples) * 1000).toFixed(1)} ms`);
}
