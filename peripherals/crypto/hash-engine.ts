// The algorithms behind the HASH peripheral (RM0481 §35), computed with @noble/hashes, plus a
// serialisation of a running hash so the CSR context-swap registers can hold it.
import { sha1 } from '@noble/hashes/legacy.js';
import { sha224, sha256, sha384, sha512, sha512_224, sha512_256 } from '@noble/hashes/sha2.js';

export interface Hasher {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
  clone(): Hasher;
  readonly blockLen: number;
  readonly outputLen: number;
}

export interface HashAlgorithm {
  name: string;
  /** HASH_CR.ALGO value. */
  code: number;
  blockLen: number;
  outputLen: number;
  /** Core cycles per block (RM0481 §35: SHA-1 82, SHA-2-256 family 66, SHA-2-512 family 98 — approximate). */
  cyclesPerBlock: number;
  create(): Hasher;
}

function algorithm(name: string, code: number, cyclesPerBlock: number, fn: { create(): unknown; blockLen: number; outputLen: number }): HashAlgorithm {
  return { name, code, blockLen: fn.blockLen, outputLen: fn.outputLen, cyclesPerBlock, create: () => fn.create() as Hasher };
}

export const HASH_ALGORITHMS: readonly HashAlgorithm[] = [
  algorithm('SHA-1', 0x0, 82, sha1),
  algorithm('SHA-224', 0x2, 66, sha224),
  algorithm('SHA-256', 0x3, 66, sha256),
  algorithm('SHA-384', 0xc, 98, sha384),
  algorithm('SHA-512/224', 0xd, 98, sha512_224),
  algorithm('SHA-512/256', 0xe, 98, sha512_256),
  algorithm('SHA-512', 0xf, 98, sha512),
];

export function hashAlgorithm(code: number): HashAlgorithm | undefined {
  return HASH_ALGORITHMS.find((a) => a.code === code);
}

/** The Merkle–Damgård internals noble keeps protected; reading them is how we swap contexts. */
interface MdInternals {
  get(): number[];
  set(...words: number[]): void;
  buffer: Uint8Array;
  length: number;
  pos: number;
}

/** Byte writer/reader for our own CSR encoding. */
export class ContextWriter {
  private readonly bytes: number[] = [];
  u32(value: number): this {
    this.bytes.push(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
    return this;
  }
  blob(data: Uint8Array): this {
    this.u32(data.length);
    for (const b of data) this.bytes.push(b);
    while (this.bytes.length % 4) this.bytes.push(0);
    return this;
  }
  hasher(h: Hasher): this {
    const md = h as unknown as MdInternals;
    const words = md.get();
    this.u32(words.length);
    for (const w of words) this.u32(w);
    this.u32(md.length % 0x1_0000_0000).u32(Math.floor(md.length / 0x1_0000_0000));
    return this.blob(md.buffer.subarray(0, md.pos));
  }
  get byteLength(): number { return this.bytes.length; }
  words(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.bytes.length; i += 4) {
      out.push(((this.bytes[i]! << 24) | (this.bytes[i + 1]! << 16) | (this.bytes[i + 2]! << 8) | this.bytes[i + 3]!) >>> 0);
    }
    return out;
  }
}

export class ContextReader {
  private index = 0;
  constructor(private readonly wordsIn: ArrayLike<number>) {}
  u32(): number {
    if (this.index >= this.wordsIn.length) throw new Error('context truncated');
    return this.wordsIn[this.index++]! >>> 0;
  }
  blob(): Uint8Array {
    const length = this.u32();
    if (length > this.wordsIn.length * 4) throw new Error('context blob too long');
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      const w = this.u32();
      for (let b = 0; b < 4 && i + b < length; b++) out[i + b] = (w >>> (24 - 8 * b)) & 0xff;
    }
    return out;
  }
  hasher(algo: HashAlgorithm): Hasher {
    const h = algo.create();
    const md = h as unknown as MdInternals;
    const count = this.u32();
    if (count !== md.get().length) throw new Error('context does not match the algorithm');
    const words: number[] = [];
    for (let i = 0; i < count; i++) words.push(this.u32() | 0);
    md.set(...words);
    md.length = this.u32() + this.u32() * 0x1_0000_0000;
    const buffered = this.blob();
    if (buffered.length >= algo.blockLen) throw new Error('context buffer too long');
    md.buffer.set(buffered);
    md.pos = buffered.length;
    return h;
  }
}
