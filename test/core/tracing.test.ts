import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, runCli } from '../helpers/fixtures.js';

describe('h5sim run --trace', () => {
  it('writes exceptions and RCC register accesses by name as JSON lines', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'h5sim-trace-')), 'trace.jsonl');
    const result = runCli(['run', fixture('boot-clock'), '--trace', 'exceptions,mmio:RCC', '--trace-format', 'json', '--trace-file', file, '--quiet']);
    expect(result.code).toBe(0);
    const events = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    const tim6 = events.filter((e) => e.kind === 'exception' && e.name === 'IRQ 49 (TIM6)');
    expect(tim6.length).toBeGreaterThan(30); // 1 kHz timebase, entry and return, ~20 ms
    expect(tim6.filter((e) => e.event === 'entry').length).toBe(tim6.filter((e) => e.event === 'return').length);
    const pll = events.find((e) => e.kind === 'mmio' && e.register === 'PLL1CFGR' && e.access === 'write');
    expect(pll).toMatchObject({ peripheral: 'RCC', address: 0x4402_0c28 });
    expect(events.every((e, i) => i === 0 || e.cycle >= events[i - 1].cycle)).toBe(true);
  });

  it('rejects an unknown trace with one clear line', () => {
    const result = runCli(['run', fixture('hello'), '--trace', 'mmio:NOPE']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('--trace mmio:NOPE: no peripheral NOPE');
  });
});
