// RM0481 §21 CRC: programmable polynomial (7/8/16/32 bits), input reversal by byte, half-word or
// word, output reversal; DR accepts byte, half-word and word writes, each a unit of input data.
import { RegisterPeripheral } from '../core/register-peripheral.js';
import type { AccessSize, PeripheralContext } from '../core/peripheral.js';
import { CRC_REGISTERS } from './crc.regs.js';

const POLY_BITS = [32, 16, 8, 7];

function reverseBits(value: number, width: number): number {
  let out = 0;
  for (let i = 0; i < width; i++) out = (out << 1) | ((value >>> i) & 1);
  return out >>> 0;
}

export class Crc extends RegisterPeripheral {
  /** The CRC register itself (DR reads it through REV_OUT). */
  private crc = 0xffff_ffff;

  constructor(ctx: PeripheralContext) {
    super(ctx, 0x400, CRC_REGISTERS);
    this.regs.on('DR', { read: () => this.output() });
    this.regs.on('CR', { write: (value) => {
      if (value & 1) this.crc = this.regs.get('INIT') & this.mask();
      this.regs.setBits('CR', 1, false);
    } });
    this.regs.on('INIT', { write: (value) => { this.crc = value & this.mask(); } });
  }

  override write(offset: number, size: AccessSize, value: number): void {
    if (offset !== 0) {
      super.write(offset, size, value);
      return;
    }
    this.feed(value, size * 8);
  }

  private polySize(): number {
    return POLY_BITS[this.regs.field('CR', 'POLYSIZE')]!;
  }

  private mask(): number {
    const bits = this.polySize();
    return bits === 32 ? 0xffff_ffff : (1 << bits) - 1;
  }

  private output(): number {
    const bits = this.polySize();
    return this.regs.field('CR', 'REV_OUT') ? reverseBits(this.crc, bits) : this.crc;
  }

  /** One write to DR: `width` bits of input, most significant first after the input reversal. */
  private feed(value: number, width: number): void {
    let data = width === 32 ? value >>> 0 : value & ((1 << width) - 1);
    const reversal = this.regs.field('CR', 'REV_IN');
    if (reversal !== 0) {
      const unit = Math.min(width, reversal === 1 ? 8 : reversal === 2 ? 16 : 32);
      let out = 0;
      for (let shift = 0; shift < width; shift += unit) {
        const part = (data >>> shift) & (unit === 32 ? 0xffff_ffff : (1 << unit) - 1);
        out = (out | (reverseBits(part, unit) << shift)) >>> 0;
      }
      data = out;
    }
    const bits = this.polySize();
    const mask = this.mask();
    const poly = this.regs.get('POL') & mask;
    let crc = this.crc;
    for (let i = width - 1; i >= 0; i--) {
      const feedback = ((crc >>> (bits - 1)) ^ (data >>> i)) & 1;
      crc = ((crc << 1) & mask) >>> 0;
      if (feedback) crc = (crc ^ poly) >>> 0;
    }
    this.crc = crc;
  }

  protected override onReset(): void {
    this.crc = 0xffff_ffff;
  }
}
