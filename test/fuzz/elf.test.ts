// Bounded runs of scripts/fuzz.ts (issue #8); the full-size runs are `npm run fuzz`.
import { describe, expect, it } from 'vitest';
import { formatReport, fuzzElf, type FuzzReport } from '../../scripts/fuzz.js';

const SEED = 7;

describe('fuzz elf', () => {
  let report: FuzzReport;
  it('mutated ELF images: every rejection is a one-line ElfError/SetupError, no host exception', async () => {
    report = await fuzzElf({ count: 100, seed: SEED, hangMs: 600 });
    console.log(formatReport(report)); // the summary line in CI's output (issue #8)
    expect(report.count).toBe(100);
    expect(report.crashes, formatReport(report)).toEqual([]);
  }, 90_000);

  // Found by this fuzzer: an image whose vectors point at 0xFFFFFFxx (a lost or retyped first
  // PT_LOAD) made CortexM33.run loop on a fetch fault that never let an instruction run. Fixed:
  // lockups raised from an engine hook now stop the engine at once.
  it('no loaded image hangs the host', () => {
    expect(report.hangs, formatReport(report)).toEqual([]);
  });
});
