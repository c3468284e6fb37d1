import { describe, expect, it } from 'vitest';
import { Simulation } from '../../emulator/harness/simulation.js';
import { fixture } from '../helpers/fixtures.js';

// Where a run is cut into slices must not change what the firmware computes. bench-crypto's
// software AES is full of IT blocks (the xtime step: `it mi; eormi.w`), and a slice that ended
// between an IT and its conditional instruction once made the next instruction run
// unconditionally: a wrong GCM tag depending on the slice length. Run the same image with the
// default slicing and cut into slices of a prime length, then compare the whole state at the same
// instruction count.
const TARGET_CYCLES = 90_000_000; // well inside the software AES-GCM passes
const ODD_SLICE = 7_919;
const COMPARED = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10', 'r11', 'r12', 'sp', 'lr', 'pc', 'xpsr'];

async function runTo(sim: Simulation, target: number, slice: number): Promise<void> {
  const core = sim.machine.core;
  const clock = sim.machine.clock;
  while (clock.now < target) core.run(Math.min(slice, target - clock.now));
}

describe('slice boundaries', () => {
  it('do not change the state of a run full of IT blocks', async () => {
    const whole = await Simulation.load(fixture('bench-crypto'));
    const sliced = await Simulation.load(fixture('bench-crypto'));
    try {
      await runTo(whole, TARGET_CYCLES, TARGET_CYCLES);
      await runTo(sliced, TARGET_CYCLES, ODD_SLICE);
      // A stop asked for inside an IT block happens after it, so line the two up exactly.
      for (let i = 0; i < 10 && whole.machine.clock.now !== sliced.machine.clock.now; i++) {
        const [behind, ahead] = whole.machine.clock.now < sliced.machine.clock.now ? [whole, sliced] : [sliced, whole];
        await runTo(behind, ahead.machine.clock.now, ODD_SLICE);
      }
      expect(sliced.machine.clock.now).toBe(whole.machine.clock.now);
      expect(whole.describeAddress(whole.readRegister('pc')) ?? '').toMatch(/aes|gcm|ghash/);
      const state = (sim: Simulation) => ({
        registers: COMPARED.map((id) => sim.readRegister(id).toString(16)),
        sram: Buffer.from(sim.readMemory(0x2000_0000, 640 * 1024)).toString('base64'),
      });
      const a = state(whole);
      const b = state(sliced);
      expect(b.registers).toEqual(a.registers);
      expect(b.sram === a.sram).toBe(true);
    } finally {
      whole.close();
      sliced.close();
    }
  }, 60_000);
});
