import { describe, expect, it } from 'vitest';
import { ModelBench } from '../helpers/model-bench.js';
import { Iwdg } from '../../peripherals/timers/iwdg.js';
import { IWDG_REGISTERS } from '../../peripherals/timers/iwdg.regs.js';
import { Wwdg } from '../../peripherals/timers/wwdg.js';
import { WWDG_REGISTERS } from '../../peripherals/timers/wwdg.regs.js';
import { ALWAYS_CLOCKED } from '../../peripherals/core/peripheral.js';
import { checkAgainstReference, reference } from '../io/reference-check.js';

const IWDG = 0x4000_3000, WWDG = 0x4000_2c00;
const KR = 0x00, PR = 0x04, RLR = 0x08, SR = 0x0c, WINR = 0x10, EWCR = 0x14;
const SYSCLK = 64_000_000;

function bench() {
  const b = new ModelBench({ frequencyHz: SYSCLK, clocks: { ...ALWAYS_CLOCKED, kernelFrequency: () => 32_000, busFrequency: () => 64_000_000 } });
  return b;
}

/** HAL_IWDG_Init order: start, unlock, PR, RLR, wait SR = 0, refresh. */
function startIwdg(b: ModelBench, prescaler: number, reload: number) {
  b.write32(IWDG + KR, 0xcccc);
  b.write32(IWDG + KR, 0x5555);
  b.write32(IWDG + PR, prescaler);
  b.write32(IWDG + RLR, reload);
  expect(b.read32(IWDG + SR) & 0b11).toBe(0b11);
  b.pollUntil(() => (b.read32(IWDG + SR) & 0xf) === 0, SYSCLK, 1000);
  b.write32(IWDG + KR, 0xaaaa);
}

describe('watchdog register tables', () => {
  it('match the reference layouts', () => {
    checkAgainstReference('IWDG', IWDG_REGISTERS, 'IWDG', ['PR', 'RLR', 'WINR', 'EWCR']);
    checkAgainstReference('WWDG', WWDG_REGISTERS, 'WWDG', ['CR', 'CFR', 'SR']);
    expect(reference.irqs.IWDG).toBe(35);
    expect(reference.irqs.WWDG).toBe(0);
  });
});

describe('IWDG', () => {
  it('requests a system reset when the firmware stops refreshing', () => {
    const b = bench();
    b.attach(new Iwdg(b.context('IWDG')), IWDG);
    startIwdg(b, 0, 999); // 32 kHz / 4 = 8 kHz: 1000 ticks = 125 ms
    expect(b.read32(IWDG + SR) & (1 << 8)).toBe(1 << 8);
    for (let i = 0; i < 10; i++) {
      b.runSeconds(0.1);
      b.write32(IWDG + KR, 0xaaaa);
    }
    expect(b.resets).toEqual([]);
    const before = b.clock.seconds;
    b.runSeconds(0.2);
    expect(b.resets).toEqual(['IWDG timeout']);
    expect(b.clock.seconds - before).toBeGreaterThan(0.125);
  });

  it('ignores PR/RLR writes without the 0x5555 key, and a refresh outside the window resets', () => {
    const b = bench();
    b.log.strict = false;
    b.attach(new Iwdg(b.context('IWDG')), IWDG);
    b.write32(IWDG + RLR, 10);
    expect(b.read32(IWDG + RLR)).toBe(0xfff);
    startIwdg(b, 0, 1000);
    b.write32(IWDG + KR, 0x5555);
    b.write32(IWDG + WINR, 500);
    b.pollUntil(() => (b.read32(IWDG + SR) & 0xf) === 0, SYSCLK, 1000);
    b.write32(IWDG + KR, 0xaaaa);
    expect(b.resets).toEqual(['IWDG refreshed outside the window']);
  });

  it('early wakeup interrupt at EWIT', () => {
    const b = bench();
    b.attach(new Iwdg(b.context('IWDG')), IWDG);
    startIwdg(b, 0, 999);
    b.write32(IWDG + KR, 0x5555);
    b.write32(IWDG + EWCR, (1 << 15) | 500);
    b.runSeconds(0.05);
    expect(b.irqLevel('IWDG')).toBe(false);
    b.runSeconds(0.02);
    expect(b.irqLevel('IWDG')).toBe(true);
    b.write32(IWDG + EWCR, (1 << 15) | (1 << 14) | 500);
    expect(b.irqLevel('IWDG')).toBe(false);
  });
});

describe('WWDG', () => {
  it('resets when T6 clears, early wakeup at 0x40, refresh outside the window resets', () => {
    const b = bench();
    b.attach(new Wwdg(b.context('WWDG')), WWDG);
    // 64 MHz / 4096 / 8 = 1953 Hz per tick
    b.write32(WWDG + 0x04, (3 << 11) | (1 << 9) | 0x7f);
    b.write32(WWDG + 0x00, 0x80 | 0x7f);
    const tick = 4096 * 8;
    b.runCycles(tick * 10 + 10);
    expect(b.read32(WWDG) & 0x7f).toBe(0x75);
    b.write32(WWDG, 0x80 | 0x7f); // refresh inside the window (W = 0x7F)
    b.runCycles(tick * 0x3f + 10);
    expect(b.irqLevel('WWDG')).toBe(true);
    expect(b.resets).toEqual([]);
    b.runCycles(tick);
    expect(b.resets).toEqual(['WWDG timeout']);
  });

  it('refresh above the window resets', () => {
    const b = bench();
    b.attach(new Wwdg(b.context('WWDG')), WWDG);
    b.write32(WWDG + 0x04, 0x50);
    b.write32(WWDG, 0x80 | 0x7f);
    b.write32(WWDG, 0x80 | 0x7f);
    expect(b.resets).toEqual(['WWDG refreshed outside the window']);
  });
});
