import { describe, expect, it } from 'vitest';
import { ModelBench } from '../helpers/model-bench.js';
import { ALWAYS_CLOCKED, type ClockQuery } from '../../peripherals/core/peripheral.js';
import { RngModel } from '../../peripherals/crypto/rng.js';
import { RNG_BASE } from './hal-like.js';

const CR = RNG_BASE, SR = RNG_BASE + 4, DR = RNG_BASE + 8, NSCR = RNG_BASE + 0xc, HTCR = RNG_BASE + 0x10;
const CONDRST = 1 << 30, RNGEN = 1 << 2, IE = 1 << 3, CED = 1 << 5, ARDIS = 1 << 7;
const NIST_CR = 0x00f0_0e00;

function setup(opts: { seed?: number; clocks?: ClockQuery; entropy?: 'seeded' | 'host' } = {}) {
  const bench = new ModelBench({ seed: opts.seed, clocks: opts.clocks, entropy: opts.entropy });
  const rng = bench.attach(new RngModel(bench.context('RNG'), RNG_BASE), RNG_BASE);
  return { bench, rng };
}

/** HAL_RNG_Init: disable, CR = NIST|CONDRST|CED choice, HTCR, NSCR, clear CONDRST, wait, enable, wait DRDY. */
function halInit(bench: ModelBench, clockErrorDetection = true): { condrstCycles: number; drdyCycles: number } {
  bench.write32(CR, bench.read32(CR) & ~RNGEN);
  bench.write32(CR, NIST_CR | CONDRST | (clockErrorDetection ? 0 : CED));
  bench.write32(HTCR, 0x6a91);
  bench.write32(NSCR, 0x3af66);
  bench.write32(CR, bench.read32(CR) & ~CONDRST);
  expect(bench.read32(CR) & CONDRST).toBe(CONDRST); // still completing
  const condrstCycles = bench.pollUntil(() => (bench.read32(CR) & CONDRST) === 0, 1_000_000, 1);
  bench.write32(CR, bench.read32(CR) | RNGEN);
  expect(bench.read32(SR) & (1 << 6)).toBe(0);
  const drdyCycles = bench.pollUntil(() => (bench.read32(SR) & 1) === 1, 10_000_000, 10);
  return { condrstCycles, drdyCycles };
}

function readWords(bench: ModelBench, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    bench.pollUntil(() => (bench.read32(SR) & 1) === 1, 10_000_000, 10);
    out.push(bench.read32(DR));
  }
  return out;
}

describe('RNG', () => {
  it('runs the HAL init sequence: CONDRST reads 1 briefly after clearing, DRDY after the startup time', () => {
    const { bench } = setup();
    const { condrstCycles, drdyCycles } = halInit(bench);
    expect(condrstCycles).toBeGreaterThan(0);
    expect(condrstCycles).toBeLessThan(100);
    // two blocks of max(412 AHB clocks, 256 RNG clocks) with HCLK = RNG clock = 64 MHz
    expect(drdyCycles).toBeGreaterThanOrEqual(820);
    expect(drdyCycles).toBeLessThan(900);
    expect(bench.read32(CR) & 0xffff_ff00).toBe(NIST_CR);
    expect(bench.read32(NSCR)).toBe(0x3af66);
  });

  it('delivers 4 words per block; DR reads 0 while DRDY is clear', () => {
    const { bench } = setup();
    halInit(bench);
    const block = [0, 1, 2, 3].map(() => bench.read32(DR));
    expect(new Set(block).size).toBe(4);
    expect(bench.read32(SR) & 1).toBe(0);
    expect(bench.read32(DR)).toBe(0);
    const wait = bench.pollUntil(() => (bench.read32(SR) & 1) === 1, 1_000_000, 1);
    expect(wait).toBeGreaterThanOrEqual(412);
    expect(wait).toBeLessThan(450);
    expect(bench.read32(DR)).not.toBe(0);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = setup({ seed: 42 }), b = setup({ seed: 42 }), c = setup({ seed: 43 });
    for (const s of [a, b, c]) halInit(s.bench);
    const wa = readWords(a.bench, 12), wb = readWords(b.bench, 12), wc = readWords(c.bench, 12);
    expect(wa).toEqual(wb);
    expect(wa).not.toEqual(wc);
  });

  it('uses host entropy when asked', () => {
    const a = setup({ entropy: 'host' }), b = setup({ entropy: 'host' });
    for (const s of [a, b]) halInit(s.bench);
    expect(readWords(a.bench, 8)).not.toEqual(readWords(b.bench, 8));
  });

  it('reports a clock error (CECS/CEIS + IRQ) when the RNG kernel clock is off, and recovers', () => {
    let kernel = 0;
    const clocks: ClockQuery = { ...ALWAYS_CLOCKED, kernelFrequency: (p) => (p === 'RNG' ? kernel : 64_000_000), onChange: (l) => { listeners.push(l); } };
    const listeners: Array<() => void> = [];
    const { bench } = setup({ clocks });
    bench.write32(CR, NIST_CR | CONDRST);
    bench.write32(CR, NIST_CR);
    bench.runCycles(100);
    bench.write32(CR, NIST_CR | RNGEN | IE);
    expect(bench.read32(SR) & 0x22).toBe(0x22); // CECS | CEIS
    expect(bench.irqLevel('RNG')).toBe(true);
    bench.runCycles(100_000);
    expect(bench.read32(SR) & 1).toBe(0);
    // too slow against HCLK counts as well
    kernel = 1_000_000;
    for (const l of listeners) l();
    expect(bench.read32(SR) & 2).toBe(2);
    kernel = 48_000_000;
    for (const l of listeners) l();
    expect(bench.read32(SR) & 2).toBe(0);
    bench.write32(SR, ~(1 << 5) >>> 0); // clear CEIS by writing 0
    expect(bench.read32(SR) & 0x20).toBe(0);
    bench.pollUntil(() => (bench.read32(SR) & 1) === 1, 1_000_000, 10);
    expect(bench.read32(DR)).not.toBe(0);
  });

  it('CONFIGLOCK freezes the configuration until reset', () => {
    const { bench, rng } = setup({ seed: 3 });
    bench.write32(CR, NIST_CR | CONDRST | (1 << 31));
    bench.write32(CR, (NIST_CR | (1 << 31)) >>> 0);
    bench.pollUntil(() => (bench.read32(CR) & CONDRST) === 0, 10_000, 1);
    const strictOff = bench.log.strict;
    bench.log.strict = false;
    bench.write32(CR, (0x0080_0d00 | CONDRST | (1 << 31)) >>> 0);
    bench.log.strict = strictOff;
    expect(bench.read32(CR) & 0x3fff_ff00).toBe(NIST_CR);
    expect(bench.log.records.some((r) => r.kind === 'guest-error' && r.register === 'CR')).toBe(true);
    rng.reset();
    expect(bench.read32(CR) >>> 0).toBe(0x0080_0d00);
  });

  it('CED=1 disables clock error detection', () => {
    const clocks: ClockQuery = { ...ALWAYS_CLOCKED, kernelFrequency: () => 1_000_000 };
    const { bench } = setup({ clocks });
    halInit(bench, false);
    expect(bench.read32(SR) & 0x22).toBe(0);
  });

  it('injected seed error with ARDIS=1: SECS/SEIS + IRQ, recovered by the HAL sequence', () => {
    const { bench, rng } = setup();
    halInit(bench);
    bench.write32(CR, bench.read32(CR) | IE);
    bench.write32(CR, (bench.read32(CR) | CONDRST | ARDIS));
    bench.write32(CR, bench.read32(CR) & ~CONDRST);
    bench.pollUntil(() => (bench.read32(CR) & CONDRST) === 0, 10_000, 1);
    bench.pollUntil(() => (bench.read32(SR) & 1) === 1, 1_000_000, 10);
    rng.injectSeedError();
    expect(bench.read32(SR) & 0x45).toBe(0x44); // SECS | SEIS, DRDY clear
    expect(bench.irqLevel('RNG')).toBe(true);
    expect(bench.read32(DR)).toBe(0);
    bench.runCycles(100_000);
    expect(bench.read32(SR) & 4).toBe(4); // stays until firmware recovers
    // RNG_RecoverSeedError: CONDRST 1 then 0, wait, clear SEIS, wait SECS clear
    bench.write32(CR, bench.read32(CR) | CONDRST);
    bench.write32(CR, bench.read32(CR) & ~CONDRST);
    bench.pollUntil(() => (bench.read32(CR) & CONDRST) === 0, 10_000, 1);
    bench.write32(SR, bench.read32(SR) & ~(1 << 6));
    bench.pollUntil(() => (bench.read32(SR) & 4) === 0, 10_000, 1);
    expect(bench.irqLevel('RNG')).toBe(false);
    bench.pollUntil(() => (bench.read32(SR) & 1) === 1, 1_000_000, 10);
    expect(bench.read32(DR)).not.toBe(0);
  });

  it('injected seed error with ARDIS=0 resets itself; SEIS waits for firmware', () => {
    const { bench, rng } = setup();
    halInit(bench);
    rng.injectSeedError();
    expect(bench.read32(SR) & 4).toBe(4);
    bench.runCycles(1000);
    expect(bench.read32(SR) & 0x44).toBe(0x40);
    bench.write32(SR, 0);
    expect(bench.read32(SR) & 0x40).toBe(0);
    bench.pollUntil(() => (bench.read32(SR) & 1) === 1, 1_000_000, 10);
  });
});
