import { describe, expect, it } from 'vitest';
import { ModelBench } from '../helpers/model-bench.js';
import { Timer } from '../../peripherals/timers/tim.js';
import { timRegisters } from '../../peripherals/timers/tim.regs.js';
import { ALWAYS_CLOCKED } from '../../peripherals/core/peripheral.js';
import { checkAgainstReference, reference } from '../io/reference-check.js';

const TIM6 = 0x4000_1000;
const TIM2 = 0x4000_0000;
const TIM1 = 0x4001_2c00;
const CR1 = 0x00, DIER = 0x0c, SR = 0x10, EGR = 0x14, CCMR1 = 0x18, CNT = 0x24, PSC = 0x28, ARR = 0x2c, RCR = 0x30, CCR1 = 0x34;
const CEN = 1, URS = 1 << 2, OPM = 1 << 3, DIR = 1 << 4, ARPE = 1 << 7;
const SYSCLK = 250_000_000;

function bench(kernelHz = SYSCLK) {
  let hz = kernelHz;
  const listeners: Array<() => void> = [];
  const b = new ModelBench({
    frequencyHz: SYSCLK,
    clocks: { ...ALWAYS_CLOCKED, kernelFrequency: () => hz, onChange: (l) => listeners.push(l) },
  });
  const setKernel = (value: number) => { hz = value; for (const l of listeners) l(); };
  return { b, setKernel };
}

/** Cycles at which the IRQ line rises, sampled every `step` cycles. */
function risingEdges(b: ModelBench, line: string, cycles: number, onRise?: () => void, step = 50): number[] {
  const edges: number[] = [];
  let level = b.irqLevel(line);
  for (let spent = 0; spent < cycles; spent += step) {
    b.runCycles(step);
    const now = b.irqLevel(line);
    if (now && !level) { edges.push(b.clock.now); onRise?.(); }
    level = b.irqLevel(line);
  }
  return edges;
}

describe('TIM register table', () => {
  it('matches the reference layout and field positions', () => {
    checkAgainstReference('TIM', timRegisters(16), 'TIM', ['CR1', 'DIER', 'SR', 'EGR', 'PSC', 'RCR']);
    expect(reference.irqs.TIM6).toBe(49);
    expect(reference.instances.TIM6!.base).toBe(TIM6);
  });

  it('resets ARR to the counter width', () => {
    const { b } = bench();
    b.attach(new Timer(b.context('TIM6')), TIM6);
    b.attach(new Timer(b.context('TIM2')), TIM2);
    expect(b.read32(TIM6 + ARR)).toBe(0xffff);
    expect(b.read32(TIM2 + ARR)).toBe(0xffff_ffff);
  });
});

describe('TIM behaviour', () => {
  it('TIM6 as a 1 kHz timebase: one update interrupt every 250000 cycles at 250 MHz', () => {
    const { b } = bench();
    b.attach(new Timer(b.context('TIM6')), TIM6);
    b.write32(TIM6 + PSC, 249);
    b.write32(TIM6 + ARR, 999);
    b.write32(TIM6 + CR1, URS | ARPE);
    b.write32(TIM6 + EGR, 1);
    expect(b.read32(TIM6 + SR)).toBe(0); // URS: UG sets no UIF
    b.write32(TIM6 + DIER, 1);
    const start = b.clock.now;
    b.write32(TIM6 + CR1, URS | ARPE | CEN);
    const edges = risingEdges(b, 'TIM6', 1_010_000, () => b.write32(TIM6 + SR, ~1 >>> 0), 10);
    expect(edges.length).toBe(4);
    edges.forEach((cycle, i) => expect(Math.abs(cycle - start - (i + 1) * 250_000)).toBeLessThanOrEqual(10));
  });

  it('counts CNT from virtual time without ticking', () => {
    const { b } = bench();
    b.attach(new Timer(b.context('TIM6')), TIM6);
    b.write32(TIM6 + PSC, 249);
    b.write32(TIM6 + ARR, 999);
    b.write32(TIM6 + EGR, 1);
    b.write32(TIM6 + SR, 0);
    b.write32(TIM6 + CR1, CEN);
    b.runCycles(250 * 123 + 10);
    expect(b.read32(TIM6 + CNT)).toBe(123);
    b.runCycles(250 * 1000);
    expect(b.read32(TIM6 + CNT)).toBe(123);
    expect(b.read32(TIM6 + SR) & 1).toBe(1); // UIF polled without an event scheduled
    expect(b.clock.pendingEvents).toBe(0);
    b.runCycles(250 * 1000 * 1000); // a thousand periods at once
    expect(b.read32(TIM6 + CNT)).toBe(123);
  });

  it('raises the IRQ line only with UIE', () => {
    const { b } = bench();
    b.attach(new Timer(b.context('TIM6')), TIM6);
    b.write32(TIM6 + ARR, 99);
    b.write32(TIM6 + CR1, CEN);
    b.runCycles(1000);
    expect(b.read32(TIM6 + SR) & 1).toBe(1);
    expect(b.irqLevel('TIM6')).toBe(false);
    b.write32(TIM6 + DIER, 1);
    expect(b.irqLevel('TIM6')).toBe(true);
  });

  it('takes a new PSC at the next update event, and ARR at once without ARPE', () => {
    const { b } = bench(1_000_000);
    b.attach(new Timer(b.context('TIM7')), 0x4000_1400);
    const T = 0x4000_1400;
    b.write32(T + ARR, 9);
    b.write32(T + DIER, 1);
    b.write32(T + CR1, CEN);
    const first = risingEdges(b, 'TIM7', 2600, () => b.write32(T + SR, 0), 10);
    expect(first.map((c) => Math.round(c / 2500))).toEqual([1]); // 10 µs = 2500 cycles
    b.write32(T + PSC, 1); // counter clock halves after the next update
    const next = risingEdges(b, 'TIM7', 10_000, () => b.write32(T + SR, 0), 10);
    expect(next.map((c) => Math.round(c / 2500))).toEqual([2, 4]);
  });

  it('one-pulse mode stops the counter at the update event', () => {
    const { b } = bench();
    b.attach(new Timer(b.context('TIM6')), TIM6);
    b.write32(TIM6 + ARR, 499);
    b.write32(TIM6 + CR1, OPM | CEN);
    b.runCycles(600);
    expect(b.read32(TIM6 + CR1) & CEN).toBe(0);
    expect(b.read32(TIM6 + SR) & 1).toBe(1);
    expect(b.read32(TIM6 + CNT)).toBe(0);
  });

  it('counts down with DIR and reloads from ARR', () => {
    const { b } = bench();
    b.attach(new Timer(b.context('TIM2')), TIM2);
    b.write32(TIM2 + ARR, 1000);
    b.write32(TIM2 + CR1, DIR);
    b.write32(TIM2 + EGR, 1);
    expect(b.read32(TIM2 + CNT)).toBe(1000);
    b.write32(TIM2 + SR, 0);
    b.write32(TIM2 + CR1, DIR | CEN);
    b.runCycles(400);
    expect(b.read32(TIM2 + CNT)).toBe(600);
    b.runCycles(601);
    expect(b.read32(TIM2 + SR) & 1).toBe(1);
    expect(b.read32(TIM2 + CNT)).toBe(1000);
  });

  it('flags compare matches (CC1IF) and interrupts with CC1IE', () => {
    const { b } = bench();
    b.attach(new Timer(b.context('TIM2')), TIM2);
    b.write32(TIM2 + ARR, 999);
    b.write32(TIM2 + CCR1, 300);
    b.write32(TIM2 + DIER, 1 << 1);
    b.write32(TIM2 + CR1, CEN);
    b.runCycles(299);
    expect(b.irqLevel('TIM2')).toBe(false);
    b.runCycles(2);
    expect(b.irqLevel('TIM2')).toBe(true);
    expect(b.read32(TIM2 + SR) & 0b10).toBe(0b10);
    b.write32(TIM2 + SR, 0);
    b.runCycles(1000);
    expect(b.irqLevel('TIM2')).toBe(true);
    b.write32(TIM2 + CCMR1, 1); // CC1 as input capture: no compare
    b.write32(TIM2 + SR, 0);
    b.runCycles(2000);
    expect(b.read32(TIM2 + SR) & 0b10).toBe(0);
  });

  it('advanced timers use the repetition counter and the _UP line', () => {
    const { b } = bench();
    b.attach(new Timer(b.context('TIM1')), TIM1);
    b.write32(TIM1 + ARR, 99);
    b.write32(TIM1 + RCR, 2);
    b.write32(TIM1 + EGR, 1);
    b.write32(TIM1 + SR, 0);
    b.write32(TIM1 + DIER, 1);
    b.write32(TIM1 + CR1, CEN);
    const edges = risingEdges(b, 'TIM1_UP', 1000, () => b.write32(TIM1 + SR, 0), 5);
    expect(edges.map((c) => Math.round(c / 100))).toEqual([3, 6, 9]);
  });

  it('retimes when the kernel clock changes', () => {
    const { b, setKernel } = bench(1_000_000);
    b.attach(new Timer(b.context('TIM6')), TIM6);
    b.write32(TIM6 + ARR, 999);
    b.write32(TIM6 + DIER, 1);
    b.write32(TIM6 + CR1, CEN);
    b.runCycles(SYSCLK / 2000); // 0.5 ms: CNT = 500
    expect(b.read32(TIM6 + CNT)).toBe(500);
    setKernel(2_000_000);
    b.runCycles(SYSCLK / 4000 - 100); // 0.25 ms at 2 MHz: 500 more ticks
    expect(b.irqLevel('TIM6')).toBe(false);
    b.runCycles(200);
    expect(b.irqLevel('TIM6')).toBe(true);
  });
});

// Found by fuzz-mmio at 10^6 writes: on the 32-bit TIM2, ARR = 0xFFFFFFFF (its reset value) was
// masked to -1 by an update event, the period became 0 and the counter's time NaN, and every
// access then spun a million rounds in the catch-up loop.
describe('TIM2 with the full 32-bit reload', () => {
  it('counts through ARR = 0xFFFFFFFF after an update event, and a fast timer with UIF pending schedules nothing', () => {
    const { b } = bench();
    b.attach(new Timer(b.context('TIM2')), TIM2);
    b.write32(TIM2 + EGR, 1); // UG: ARR reloaded through the update path
    b.write32(TIM2 + SR, 0);
    b.write32(TIM2 + CR1, CEN);
    b.runCycles(1000);
    const count = b.read32(TIM2 + CNT);
    expect(count).toBeGreaterThanOrEqual(999);
    expect(count).toBeLessThanOrEqual(1001);
    expect(b.read32(TIM2 + SR) & 1).toBe(0);
    b.write32(TIM2 + CNT, 0xffff_fff0);
    b.runCycles(32);
    expect(b.read32(TIM2 + SR) & 1).toBe(1); // wrapped once
    expect(b.read32(TIM2 + CNT)).toBeLessThan(32);

    // ARR = 1 with UIE: the line rises and stays up; with UIF pending no event is scheduled per
    // overflow (the clock would otherwise stop every two cycles).
    b.write32(TIM2 + ARR, 1);
    b.write32(TIM2 + DIER, 1);
    expect(b.irqLevel('TIM2')).toBe(true);
    const before = b.clock.now;
    b.runCycles(1_000_000);
    expect(b.clock.now - before).toBe(1_000_000);
    expect(b.irqLevel('TIM2')).toBe(true);
    expect(b.clock.pendingEvents).toBe(0);
  });
});
