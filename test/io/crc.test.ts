import { describe, expect, it } from 'vitest';
import { ModelBench } from '../helpers/model-bench.js';
import { Crc } from '../../peripherals/misc/crc.js';
import { CRC_REGISTERS } from '../../peripherals/misc/crc.regs.js';
import { checkAgainstReference } from './reference-check.js';

const CRC = 0x4002_3000;
const DR = CRC, CR = CRC + 0x08, INIT = CRC + 0x10, POL = CRC + 0x14;

function bench() {
  const b = new ModelBench();
  b.attach(new Crc(b.context('CRC')), CRC);
  return b;
}

const bytes = (text: string) => [...text].map((c) => c.charCodeAt(0));

describe('CRC', () => {
  it('register table matches the reference', () => {
    checkAgainstReference('CRC', CRC_REGISTERS, 'CRC', ['CR']);
  });

  it('resets to the CRC-32 Ethernet polynomial and computes crc32("123456789") = 0xCBF43926', () => {
    const b = bench();
    expect(b.read32(POL)).toBe(0x04c1_1db7);
    expect(b.read32(INIT)).toBe(0xffff_ffff);
    b.write32(CR, (1 << 5) | (1 << 7) | 1); // REV_IN by byte, REV_OUT, RESET
    for (const byte of bytes('123456789')) b.write(DR, 1, byte);
    expect((~b.read32(DR)) >>> 0).toBe(0xcbf4_3926);
  });

  it('word writes with word reversal give the same CRC-32 as byte writes', () => {
    const b = bench();
    b.write32(CR, (3 << 5) | (1 << 7) | 1);
    const data = bytes('12345678');
    b.write32(DR, data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24));
    b.write(DR, 2, data[4]! | (data[5]! << 8));
    b.write32(CR, (1 << 5) | (1 << 7)); // byte reversal for the tail bytes
    b.write(DR, 1, data[6]!);
    b.write(DR, 1, data[7]!);
    b.write(DR, 1, 0x39);
    expect((~b.read32(DR)) >>> 0).toBe(0xcbf4_3926);
  });

  it('MPEG-2 CRC-32 without reversal, and 16-bit CCITT polynomial', () => {
    const b = bench();
    b.write32(CR, 1);
    for (const byte of bytes('123456789')) b.write(DR, 1, byte);
    expect(b.read32(DR)).toBe(0x0376_e6e7); // CRC-32/MPEG-2 check value
    b.write32(POL, 0x1021);
    b.write32(INIT, 0xffff);
    b.write32(CR, (1 << 3) | 1); // POLYSIZE 16
    for (const byte of bytes('123456789')) b.write(DR, 1, byte);
    expect(b.read32(DR)).toBe(0x29b1); // CRC-16/CCITT-FALSE check value
  });

  it('IDR is a free scratch register', () => {
    const b = bench();
    b.write32(CRC + 4, 0xabcd_1234);
    expect(b.read32(CRC + 4)).toBe(0xabcd_1234);
  });
});
