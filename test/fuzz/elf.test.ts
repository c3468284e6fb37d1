// Bounded runs of scripts/fuzz.ts (issue #8); the full-size runs are `npm run fuzz`.
import { describe, expect, it } from 'vitest';
import { formatReport, fuzzElf, type FuzzReport } from '../../scripts/fuzz.js';

const SEED = 7;

describe('fuzz elf', () => {
  let report: FuzzReport;
  it('mutated ELF images: every rejection is a one-line ElfError/SetupError, no host exception', async () => {
    report = await fuzzElf({ count: 100, seed: SEED, hangMs: 600 });
    expect(report.count).toBe(100);
    expect(report.crashes, formatReport(report)).toEqual([]);
  }, 90_000);

  // Known finding (issue #8): an image whose reset/HardFault vectors point at 0xFFFFFFxx (a lost or
  // retyped first PT_LOAD) makes CortexM33.run loop on the fetch fault without advancing the clock,
  // so runFor never returns. When that is fixed this test fails: turn it into a plain `it`.
  it.fails('no loaded image hangs the host', () => {
    expect(report.hangs, formatReport(report)).toEqual([]);
  });
});
