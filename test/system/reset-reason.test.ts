// Machine.lastResetReason / resetHistory: a reset a watchdog asks for is recorded once, under the
// watchdog's reason (it used to be recorded by the model's request and again, as
// "AIRCR.SYSRESETREQ", when the core carried it out).
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../emulator/harness/simulation.js';
import { fixture } from '../helpers/fixtures.js';

const WWDG_CR = 0x4000_2c00;
const RCC_APB1LENR = 0x4402_0c9c;
const SCB_AIRCR = 0xe000_ed0c;

describe('reset reasons', () => {
  it('a WWDG reset is recorded once, as the WWDG reset', async () => {
    const sim = await Simulation.load(fixture('hello'));
    try {
      const before = sim.machine.resetHistory.length;
      sim.machine.bus.cpuWrite(RCC_APB1LENR, 4, 1 << 11); // WWDGEN
      // WDGA with T6 = 0: RM0481 §31 resets the system at once.
      sim.machine.bus.cpuWrite(WWDG_CR, 4, 0x80 | 0x3f);
      const result = await sim.runFor('1s');
      expect(result.reason).toBe('exit');
      expect(sim.machine.resetHistory.slice(before)).toEqual(['WWDG counter written with T6 = 0']);
      expect(sim.machine.lastResetReason).toBe('WWDG counter written with T6 = 0');
      expect(sim.machine.resetCount).toBe(before + 1);
    } finally {
      await sim.close();
    }
  });

  it('a reset the firmware requests through AIRCR keeps its own name', async () => {
    const sim = await Simulation.load(fixture('hello'));
    try {
      const before = sim.machine.resetHistory.length;
      sim.machine.bus.cpuWrite(SCB_AIRCR, 4, 0x05fa_0004); // VECTKEY | SYSRESETREQ
      await sim.runFor('1s');
      expect(sim.machine.resetHistory.slice(before)).toEqual(['system reset (AIRCR.SYSRESETREQ)']);
    } finally {
      await sim.close();
    }
  });
});
