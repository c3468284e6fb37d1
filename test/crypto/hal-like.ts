// Drives the crypto models the way ST's HAL does (register sequences of stm32h5xx_hal_hash.c and
// stm32h5xx_hal_cryp.c, re-expressed as bench accesses), plus helpers to ask OpenSSL for answers.
import { execFileSync } from 'node:child_process';
import type { ModelBench } from '../helpers/model-bench.js';

export const HASH_BASE = 0x420c_0400;
export const RNG_BASE = 0x420c_0800;
export const AES_BASE = 0x420c_0000;
export const SAES_BASE = 0x420c_0c00;

export const ALGO = { sha1: 0x0, sha224: 0x2, sha256: 0x3, sha384: 0xc, 'sha512-224': 0xd, 'sha512-256': 0xe, sha512: 0xf } as const;
export type AlgoName = keyof typeof ALGO;
export const DIGEST_BYTES: Record<AlgoName, number> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, 'sha512-224': 28, 'sha512-256': 32, sha512: 64 };
export const BLOCK_BYTES: Record<AlgoName, number> = { sha1: 64, sha224: 64, sha256: 64, sha384: 128, 'sha512-224': 128, 'sha512-256': 128, sha512: 128 };

/** `openssl dgst` on the host: the reference neither the model nor noble wrote. */
export function opensslDigest(algo: AlgoName, data: Uint8Array, hmacKey?: Uint8Array): string {
  const name = algo === 'sha512-224' ? 'sha512-224' : algo === 'sha512-256' ? 'sha512-256' : algo;
  const args = ['dgst', `-${name}`, '-r'];
  if (hmacKey) args.push('-mac', 'HMAC', '-macopt', `hexkey:${Buffer.from(hmacKey).toString('hex')}`);
  const out = execFileSync('openssl', args, { input: data }).toString();
  return out.trim().split(/\s+/)[0]!.toLowerCase();
}

/** `openssl enc` for the non-AEAD modes. */
export function opensslEnc(mode: 'ecb' | 'cbc' | 'ctr', key: Uint8Array, iv: Uint8Array | null, data: Uint8Array, decrypt = false): Uint8Array {
  const args = ['enc', `-aes-${key.length * 8}-${mode}`, '-K', Buffer.from(key).toString('hex'), '-nopad'];
  if (iv) args.push('-iv', Buffer.from(iv).toString('hex'));
  if (decrypt) args.push('-d');
  return new Uint8Array(execFileSync('openssl', args, { input: data }));
}

export function hex(bytes: Uint8Array): string { return Buffer.from(bytes).toString('hex'); }
export function unhex(text: string): Uint8Array { return new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex')); }

/** Little-endian words of a byte buffer, as `*(uint32_t *)p` reads them on the Cortex-M. */
export function memoryWords(bytes: Uint8Array): number[] {
  const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
  padded.set(bytes);
  const view = new DataView(padded.buffer);
  return Array.from({ length: padded.length / 4 }, (_, i) => view.getUint32(i * 4, true));
}

export class HalHash {
  constructor(private readonly bench: ModelBench, readonly base = HASH_BASE) {}
  reg(offset: number): number { return this.bench.read32(this.base + offset); }
  set(offset: number, value: number): void { this.bench.write32(this.base + offset, value); }
  modify(offset: number, clear: number, set: number): void { this.set(offset, (this.reg(offset) & ~clear) | set); }

  /** HAL_HASH_Init with DataType = 8-bit (byte swap), as ST's examples use for byte strings. */
  init(algo: AlgoName, dataType = 2): void {
    this.modify(0x00, (3 << 4) | (0xf << 17) | (1 << 2), (dataType << 4) | (ALGO[algo] << 17));
  }

  /** HASH_WriteData: whole words, then the last partial word the way the HAL packs it for 8-bit data. */
  writeData(data: Uint8Array): void {
    const words = memoryWords(data);
    for (const w of words) this.set(0x04, w);
  }

  waitFlag(mask: number, until: boolean, timeout = 1_000_000): number {
    return this.bench.pollUntil(() => ((this.reg(0x24) & mask) !== 0) === until, timeout, 4);
  }

  digest(algo: AlgoName): Uint8Array {
    const out = new Uint8Array(DIGEST_BYTES[algo]);
    const view = new DataView(out.buffer);
    for (let i = 0; i < out.length / 4; i++) view.setUint32(i * 4, this.bench.read32(this.base + 0x310 + i * 4));
    return out;
  }

  /** HAL_HASH_Start (polling). */
  start(algo: AlgoName, data: Uint8Array): Uint8Array {
    this.modify(0x00, 1 << 6, 0);
    this.modify(0x00, 1 << 2, 1 << 2);
    this.modify(0x08, 0x1f, 8 * (data.length % 4));
    this.writeData(data);
    this.modify(0x08, 0, 1 << 8);
    this.waitFlag(1 << 1, true);
    return this.digest(algo);
  }

  /** HAL_HASH_Accumulate: Size a multiple of 4; `first` issues INIT. Waits for BUSY to clear. */
  accumulate(data: Uint8Array, first: boolean): void {
    if (first) {
      this.modify(0x00, 1 << 6, 0);
      this.modify(0x00, 1 << 2, 1 << 2);
    }
    this.writeData(data);
    this.waitFlag(1 << 3, false);
  }

  /** HAL_HASH_AccumulateLast. */
  accumulateLast(algo: AlgoName, data: Uint8Array): Uint8Array {
    this.modify(0x08, 0x1f, 8 * (data.length % 4));
    this.writeData(data);
    this.modify(0x08, 0, 1 << 8);
    this.waitFlag(1 << 1, true);
    return this.digest(algo);
  }

  /** HAL_HASH_HMAC_Start: key, DCAL, wait !BUSY; message, DCAL, wait !BUSY; key, DCAL, wait DCIS. */
  hmac(algo: AlgoName, key: Uint8Array, data: Uint8Array): Uint8Array {
    const long = key.length > BLOCK_BYTES[algo];
    this.modify(0x00, (1 << 16) | (1 << 6) | (1 << 2), (1 << 6) | (long ? 1 << 16 : 0) | (1 << 2));
    this.modify(0x08, 0x1f, 8 * (key.length % 4));
    this.writeData(key);
    this.modify(0x08, 0, 1 << 8);
    this.waitFlag(1 << 3, false);
    this.modify(0x08, 0x1f, 8 * (data.length % 4));
    this.writeData(data);
    this.modify(0x08, 0, 1 << 8);
    this.waitFlag(1 << 3, false);
    this.modify(0x08, 0x1f, 8 * (key.length % 4));
    this.writeData(key);
    this.modify(0x08, 0, 1 << 8);
    this.waitFlag(1 << 1, true);
    return this.digest(algo);
  }

  /** HAL_HASH_Suspend: IMR, STR, CR, then CSR0..CSR102. */
  suspend(): number[] {
    const saved = [this.reg(0x20) & 3, this.reg(0x08) & 0x1f, this.reg(0x00) & ((1 << 3) | (3 << 4) | (1 << 6) | (0xf << 17) | (1 << 16) | (1 << 13))];
    for (let i = 0; i < 103; i++) saved.push(this.reg(0xf8 + i * 4));
    return saved;
  }

  /** HAL_HASH_Resume: IMR, STR, CR, INIT, then the CSRs. */
  resume(saved: number[]): void {
    this.set(0x20, saved[0]!);
    this.set(0x08, saved[1]!);
    this.set(0x00, saved[2]!);
    this.modify(0x00, 0, 1 << 2);
    for (let i = 0; i < 103; i++) this.set(0xf8 + i * 4, saved[3 + i]!);
  }
}
