// Bounded run of scripts/fuzz.ts --target gdb: random and mutated RSP traffic over TCP into the
// stub attached to gdb-target.elf; after every input the stub must answer `?` (after Ctrl-C).
// The full-size run is `npm run fuzz -- --target gdb` (10^5 inputs).
import { describe, expect, it } from 'vitest';
import { formatReport, fuzzGdb } from '../../scripts/fuzz.js';

describe('fuzz gdb', () => {
  it('5000 inputs (bad checksums, junk, overlong, truncated, huge m/M/X lengths, unknown commands, Ctrl-C): no crash, never wedged', async () => {
    const report = await fuzzGdb({ count: 5000, seed: 11 });
    console.log(formatReport(report)); // the summary line in CI's output (issue #8)
    expect(report.count).toBe(5000);
    expect(report.crashes, formatReport(report)).toEqual([]);
    expect(report.hangs, formatReport(report)).toEqual([]);
    expect(report.failures, formatReport(report)).toEqual([]);
    // Every kind of input was sent, and the stub answered with all kinds of replies.
    const inputs = report.notes.find((n) => n.startsWith('inputs:'))!;
    for (const kind of ['bad-checksum', 'junk', 'overlong', 'truncated', 'huge-length', 'unknown-command', 'interrupt', 'valid']) expect(inputs).toContain(kind);
    expect(report.notes.join('\n')).toMatch(/[1-9]\d* E\.\., [1-9]\d* empty \(unsupported\)/);
  }, 90_000);
});
