// Bounded runs of scripts/fuzz.ts (issue #8); the full-size runs are `npm run fuzz`.
import { describe, expect, it } from 'vitest';
import { formatReport, fuzzFrames } from '../../scripts/fuzz.js';

const SEED = 7;

describe('fuzz frames', () => {
  it('20 000 frames into the MAC while net-echo runs: no crash, no hang, every frame counted, firmware alive', async () => {
    const report = await fuzzFrames({ count: 20_000, seed: SEED });
    console.log(formatReport(report)); // the summary line in CI's output (issue #8)
    expect(report.count).toBe(20_000);
    expect(report.crashes, formatReport(report)).toEqual([]);
    expect(report.hangs, formatReport(report)).toEqual([]);
    expect(report.failures, formatReport(report)).toEqual([]);
  }, 90_000);
});
