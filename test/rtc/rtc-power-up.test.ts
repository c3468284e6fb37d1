// The RTC calendar a simulated board powers up with (Simulation option rtc, CLI --rtc): the RM0481
// reset values by default, so HAL_RTC_Init / CubeMX code that tests ICSR.INITS takes its cold-boot
// path; a preset from the simulated epoch or the host's clock only when asked; and a system reset
// (AIRCR, watchdog) that leaves the running calendar alone.
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../emulator/harness/simulation.js';
import type { Rtc } from '../../peripherals/rtc/rtc.js';
import { fixture, runCli } from '../helpers/fixtures.js';

const RTC = 0x4400_7800;
const TR = RTC + 0x00, DR = RTC + 0x04, ICSR = RTC + 0x0c;
const INITS = 1 << 4;

async function load(options: Parameters<typeof Simulation.load>[1] = {}) {
  const sim = await Simulation.load(fixture('hello'), options);
  return { sim, rtc: sim.machine.models.get('RTC') as Rtc };
}

describe('RTC at power-up', () => {
  it('by default holds the reset values of a backup-domain reset: INITS = 0, 2000-01-01, not counting without RTCCLK', async () => {
    const { sim, rtc } = await load();
    try {
      expect(sim.readWord(TR)).toBe(0);
      expect(sim.readWord(DR)).toBe(0x2101);
      expect(sim.readWord(ICSR) & INITS).toBe(0);
      sim.machine.clock.advance(sim.machine.clock.frequencyHz * 3); // RCC selects no RTC clock out of reset
      expect(rtc.calendarDate().toISOString()).toBe('2000-01-01T00:00:00.000Z');
    } finally {
      await sim.close();
    }
  });

  it("rtc: 'epoch' presets a running calendar at epochSeconds with INITS set, and a system reset keeps it", async () => {
    const { sim, rtc } = await load({ rtc: 'epoch', epochSeconds: Date.UTC(2031, 4, 17, 8, 30, 0) / 1000 });
    try {
      expect(sim.readWord(ICSR) & INITS).toBe(INITS);
      expect(sim.readWord(DR) & 0x00ff_1f3f).toBe(0x0031_0517); // year 31, May 17th
      sim.machine.clock.advance(sim.machine.clock.frequencyHz * 2);
      sim.machine.reset('system reset (test)');
      expect(sim.readWord(ICSR) & INITS).toBe(INITS);
      sim.machine.clock.advance(sim.machine.clock.frequencyHz * 2);
      expect(rtc.calendarDate().toISOString()).toBe('2031-05-17T08:30:04.000Z');
    } finally {
      await sim.close();
    }
  });

  it("rtc: 'host' resolves to the host clock once, as epochSeconds with rtc 'epoch' (what a recording stores)", async () => {
    const before = Math.floor(Date.now() / 1000);
    const { sim, rtc } = await load({ rtc: 'host' });
    const after = Math.ceil(Date.now() / 1000);
    try {
      expect(sim.options.rtc).toBe('epoch');
      const epoch = sim.options.epochSeconds!;
      expect(epoch).toBeGreaterThanOrEqual(before);
      expect(epoch).toBeLessThanOrEqual(after);
      expect(rtc.calendarDate().getTime() / 1000).toBe(epoch);
      expect(sim.readWord(ICSR) & INITS).toBe(INITS);
    } finally {
      await sim.close();
    }
  });

  it('an unknown rtc mode is a setup error naming the choices, in the API and the CLI', async () => {
    await expect(Simulation.load(fixture('hello'), { rtc: 'sometimes' as 'reset' })).rejects.toThrow(/rtc is reset, epoch or host, not "sometimes"/);
    const cli = runCli(['run', fixture('hello'), '--rtc', 'sometimes']);
    expect(cli.code).toBe(4);
    expect(cli.stderr).toContain('--rtc is reset, epoch or host');
  });
});
