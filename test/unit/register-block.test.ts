import { describe, expect, it } from 'vitest';
import { RegisterBlock } from '../../peripherals/registers/register-block.js';
import { AccessLog, StrictAccessError } from '../../emulator/diagnostics/access-log.js';

function block(strict = false) {
  const log = new AccessLog();
  log.strict = strict;
  log.setSink(() => {});
  const regs = new RegisterBlock('TEST', [
    { name: 'CR', offset: 0x0, reset: 0x10, fields: [
      { name: 'EN', bit: 0 }, { name: 'MODE', bit: 4, width: 2 }, { name: 'KEY', bit: 8, width: 8, access: 'w' },
      { name: 'ODD', bit: 16, modelled: false },
    ] },
    { name: 'SR', offset: 0x4, reset: 0x3, fields: [
      { name: 'READY', bit: 0, access: 'r' }, { name: 'DONE', bit: 1, access: 'w1c' }, { name: 'ERR', bit: 2, access: 'rc_r' },
      { name: 'ACK', bit: 3, access: 'rc_w0' }, { name: 'SET', bit: 4, access: 'w1s' },
    ] },
    { name: 'BKP{n}R', offset: 0x100, count: 4 },
  ], log.forPeripheral('TEST'), 0x4000_0000);
  return { regs, log };
}

describe('register layer', () => {
  it('applies reset values and field access modes', () => {
    const { regs } = block();
    expect(regs.read(0, 4)).toBe(0x10);
    regs.write(0, 4, 0xffff_ffff);
    // reserved bits stay 0, write-only KEY reads 0, ODD is stored
    expect(regs.read(0, 4)).toBe(0x0001_0031);
    expect(regs.get('CR') & 0xff00).toBe(0xff00);
    regs.set('SR', 0b1111);
    regs.write(4, 4, 0b0_1010); // clear DONE (w1c), ACK written 1 stays, READY read-only
    expect(regs.read(4, 4) & 0xf).toBe(0b1101);
    // the read above cleared ERR (rc_r)
    regs.write(4, 4, 0b1_0000); // ACK written 0 clears (rc_w0), SET written 1 sets
    expect(regs.read(4, 4)).toBe(0b1_0001);
    regs.setBits('SR', 0b100);
    expect(regs.peek(4, 4)).toBe(0b1_0101);
    expect(regs.peek(4, 4)).toBe(0b1_0101); // peek has no side effect
    expect(regs.read(4, 4)).toBe(0b1_0101);
    expect(regs.read(4, 4)).toBe(0b1_0001); // ERR cleared by the previous read
  });

  it('handles byte and half-word accesses on a word register', () => {
    const { regs } = block();
    regs.write(0x104, 1, 0xab);
    regs.write(0x105, 1, 0xcd);
    expect(regs.read(0x104, 2)).toBe(0xcdab);
    expect(regs.read(0x105, 1)).toBe(0xcd);
    expect(regs.nameAt(0x10c)).toBe('BKP3R');
  });

  it('logs reserved offsets and unmodelled fields with names, and throws in strict mode', () => {
    const { regs, log } = block();
    expect(regs.read(0x40, 4)).toBe(0);
    regs.write(0, 4, 1 << 16);
    expect(log.records.map((r) => [r.kind, r.register, r.field])).toEqual([
      ['guest-error', '+0x40', undefined],
      ['unimplemented', 'CR', 'ODD'],
    ]);
    const strict = block(true);
    expect(() => strict.regs.write(0x44, 4, 1)).toThrow(StrictAccessError);
    expect(() => strict.regs.write(0x44, 4, 1)).toThrow(/TEST \+0x44 \(0x40000044\)/);
  });
});
