// Bounded runs of scripts/fuzz.ts (issue #8); the full-size runs are `npm run fuzz`.
import { describe, expect, it } from 'vitest';
import { formatReport, fuzzUsernet } from '../../scripts/fuzz.js';

const SEED = 7;

describe('fuzz usernet', () => {
  it('1000 malformed DHCP/DNS/TCP frames and 1000 WebSocket messages: no throw, ARP and DHCP still answered', async () => {
    const report = await fuzzUsernet({ count: 1000, websocketCount: 1000, seed: SEED });
    console.log(formatReport(report)); // the summary line in CI's output (issue #8)
    expect(report.count).toBe(2000);
    expect(report.crashes, formatReport(report)).toEqual([]);
    expect(report.hangs, formatReport(report)).toEqual([]);
    expect(report.failures, formatReport(report)).toEqual([]);
  });
});
