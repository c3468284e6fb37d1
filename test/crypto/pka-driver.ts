// Drives the PKA model at bus addresses the way STM32CubeH5's HAL_PKA does: operands copied into
// PKA RAM as little-endian words followed by two zero words, MODE + START, poll PROCENDF, read back.
import { ModelBench } from '../helpers/model-bench.js';
import { Pka } from '../../peripherals/crypto/pka.js';

export const PKA_BASE = 0x420c_2000;
export const CR = PKA_BASE + 0x00;
export const SR = PKA_BASE + 0x04;
export const CLRFR = PKA_BASE + 0x08;

export const EN = 1 << 0;
export const START = 1 << 1;
export const PROCENDIE = 1 << 17;
export const RAMERRIE = 1 << 19;
export const ADDRERRIE = 1 << 20;
export const OPERRIE = 1 << 21;
export const INITOK = 1 << 0;
export const BUSY = 1 << 16;
export const PROCENDF = 1 << 17;
export const RAMERRF = 1 << 19;
export const ADDRERRF = 1 << 20;
export const OPERRF = 1 << 21;
export const ALL_FLAGS = PROCENDF | RAMERRF | ADDRERRF | OPERRF;

export interface RunResult { cycles: number; sr: number }

export class PkaDriver {
  readonly bench: ModelBench;
  readonly pka: Pka;

  constructor(options: { strict?: boolean; limited?: boolean } = {}) {
    this.bench = new ModelBench({ strict: options.strict ?? true });
    this.pka = this.bench.attach(new Pka(this.bench.context('PKA'), { baseAddress: PKA_BASE, limited: options.limited }), PKA_BASE);
  }

  /** HAL_PKA_Init: write EN until it sticks (RAM erase after reset), then wait for INITOK. */
  init(): void {
    this.bench.pollUntil(() => {
      this.bench.write32(CR, EN);
      return (this.bench.read32(CR) & EN) !== 0;
    }, 1_000_000, 50);
    this.bench.pollUntil(() => (this.bench.read32(SR) & INITOK) !== 0, 1_000_000, 10);
    this.bench.write32(CLRFR, ALL_FLAGS);
  }

  word(offset: number, value: number): void {
    this.bench.write32(PKA_BASE + offset, value >>> 0);
  }

  readWord(offset: number): number {
    return this.bench.read32(PKA_BASE + offset);
  }

  /** PKA_Memcpy_u8_to_u32 + __PKA_RAM_PARAM_END: big-endian bytes in, little-endian words out. */
  bytes(offset: number, data: Uint8Array): void {
    const words = Math.ceil(data.length / 4);
    for (let i = 0; i < words; i++) {
      let w = 0;
      for (let j = 0; j < 4; j++) {
        const index = data.length - 1 - (i * 4 + j);
        if (index >= 0) w |= data[index]! << (8 * j);
      }
      this.word(offset + i * 4, w >>> 0);
    }
    this.word(offset + words * 4, 0);
    this.word(offset + words * 4 + 4, 0);
  }

  /** A number as `length` big-endian bytes, written the HAL's way. */
  number(offset: number, value: bigint, length: number): void {
    this.bytes(offset, toBytes(value, length));
  }

  /** PKA_Memcpy_u32_to_u32 + param end: `words` little-endian words (the HAL's uint32_t arrays). */
  words(offset: number, value: bigint, words: number): void {
    let v = value;
    for (let i = 0; i < words; i++) {
      this.word(offset + i * 4, Number(v & 0xffffffffn));
      v >>= 32n;
    }
    this.word(offset + words * 4, 0);
    this.word(offset + words * 4 + 4, 0);
  }

  /** Reads `length` bytes' worth of result (PKA_Memcpy_u32_to_u8) as a number. */
  result(offset: number, length: number): bigint {
    let value = 0n;
    for (let i = Math.ceil(length / 4) - 1; i >= 0; i--) value = (value << 32n) | BigInt(this.readWord(offset + i * 4));
    return value & ((1n << BigInt(8 * length)) - 1n);
  }

  /** PKA_Process: MODE (interrupts per `interrupts`), START, poll PROCENDF, return SR, clear flags. */
  run(mode: number, options: { interrupts?: number; step?: number; maxCycles?: number } = {}): RunResult {
    const cr = this.bench.read32(CR);
    const cleared = cr & ~(0x3f << 8 | PROCENDIE | RAMERRIE | ADDRERRIE | OPERRIE);
    this.bench.write32(CR, (cleared | (mode << 8) | (options.interrupts ?? 0)) >>> 0);
    this.bench.write32(CR, this.bench.read32(CR) | START);
    const cycles = this.bench.pollUntil(() => (this.bench.read32(SR) & PROCENDF) !== 0, options.maxCycles ?? 500_000_000, options.step ?? 10_000);
    const sr = this.bench.read32(SR);
    this.bench.write32(CLRFR, ALL_FLAGS);
    return { cycles, sr };
  }
}

export function toBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function fromBytes(data: Uint8Array): bigint {
  let value = 0n;
  for (const byte of data) value = (value << 8n) | BigInt(byte);
  return value;
}

/** PKA_GetOptBitSize_u8: bit length of a `length`-byte number whose first byte is `msb`. */
export function optBits(value: bigint, length: number): number {
  const msb = Number((value >> BigInt(8 * (length - 1))) & 0xffn);
  return (length - 1) * 8 + (msb === 0 ? 0 : 32 - Math.clz32(msb));
}
