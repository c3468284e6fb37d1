import { describe, expect, it } from 'vitest';
import { Simulation } from '../../emulator/harness/simulation.js';
import { fixture } from '../helpers/fixtures.js';

// Skipping a loop that only waits must not change what the firmware computes or when: the same
// image with the skipper off gives the same output at the same cycle. The success loop ST's
// examples end in (a flag read and the same GPIO BSRR write each pass) is skipped; a toggle loop is
// progress and runs pass by pass.
async function run(skip: boolean): Promise<{ output: string; cycles: number; skipped: number }> {
  const sim = await Simulation.load(fixture('poll-loops'), { strict: true });
  try {
    sim.machine.core.skipPollLoops = skip;
    const result = await sim.runFor('2s');
    expect(result.reason).toBe('exit');
    return { output: sim.consoleText, cycles: sim.machine.clock.now, skipped: sim.machine.core.skippedCycles };
  } finally {
    await sim.close();
  }
}

describe('poll-loop skipping', () => {
  it('skips an idempotent-write wait loop and leaves the result and the timing unchanged', async () => {
    const skipped = await run(true);
    const executed = await run(false);
    expect(skipped.output).toMatch(/^led-on loop: ticks 200, hse passes 0, PB0 1\ntoggle loop: \d+ passes, PB0 0\n$/);
    expect(skipped.output).toBe(executed.output); // the toggle loop's pass count too
    expect(skipped.cycles).toBe(executed.cycles);
    expect(executed.skipped).toBe(0);
    // most of the 200 ms (12.8 M cycles at 64 MHz) of the LED loop was skipped, none of the toggle loop
    expect(skipped.skipped).toBeGreaterThan(10_000_000);
    expect(skipped.skipped).toBeLessThan(12_800_000);
  });
});
