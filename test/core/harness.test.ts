import { describe, expect, it } from 'vitest';
import { Simulation } from '../../emulator/harness/simulation.js';
import { fixture } from '../helpers/fixtures.js';

describe('Simulation harness', () => {
  it('waitForLine matches whole lines, and waitFor sees text printed just before the firmware exits', async () => {
    const sim = await Simulation.load(fixture('boot-clock'), { strict: true });
    const line = await sim.uart('USART3').waitForLine(/^boot-clock: tick cycles=(\d+)$/, { timeout: '1s' });
    expect(Number(line[1])).toBeGreaterThan(249_000);
    expect(Number(line[1])).toBeLessThan(251_000);
    // The last UART line comes right before the firmware's semihosting exit.
    const last = await sim.uart('USART3').waitFor(/boot-clock: done\r\n/, { timeout: '1s' });
    expect(last[0]).toBe('boot-clock: done\r\n');
    expect(sim.result?.reason).toBe('exit');
    await sim.close();
  });

  it('reads peripheral registers by name without side effects, and symbols by name', async () => {
    const sim = await Simulation.load(fixture('boot-clock'));
    await sim.runFor('30ms');
    expect(sim.readRegister('RCC.CFGR1') & 0x38).toBe(0x18); // SWS = PLL1
    expect(sim.symbol('main') & 1).toBe(0);
    expect(sim.pinOutput('PB0')).not.toBeUndefined();
    expect(() => sim.readRegister('RCC.NOPE')).toThrow(/unknown register/);
    await sim.close();
  });
});
