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

  /** HAL_HASH_HMAC_Start: key, DCAL, wait !BUSY; message, DCAL, wait !BUSY; key, DCAL, wait DCIS.
   *  CR.LKEY is set as the HAL sets it (key longer than a block) unless `lkey` says otherwise. */
  hmac(algo: AlgoName, key: Uint8Array, data: Uint8Array, lkey = key.length > BLOCK_BYTES[algo]): Uint8Array {
    this.modify(0x00, (1 << 16) | (1 << 6) | (1 << 2), (1 << 6) | (lkey ? 1 << 16 : 0) | (1 << 2));
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

/** Words as a HAL user holds them: `dataType` 0 (32-bit) means uint32 values read big-endian from the bytes; 2 (8-bit) means memory order. */
export function toWords(bytes: Uint8Array, dataType: number): number[] {
  if (dataType === 2) return memoryWords(bytes);
  const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
  padded.set(bytes);
  const view = new DataView(padded.buffer);
  return Array.from({ length: padded.length / 4 }, (_, i) => view.getUint32(i * 4, false));
}

export function fromWords(words: number[], dataType: number): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setUint32(i * 4, w >>> 0, dataType === 2));
  return out;
}

export const CHMOD = { ecb: 0, cbc: 1, ctr: 2, gcm: 3, ccm: 4 } as const;
export type Chaining = keyof typeof CHMOD;
const CR_EN = 1, ISR = 0x304, ICR = 0x308, SR = 0x04, DINR = 0x08, DOUTR = 0x0c;

export class HalCryp {
  constructor(private readonly bench: ModelBench, readonly base = AES_BASE) {}
  reg(offset: number): number { return this.bench.read32(this.base + offset); }
  set(offset: number, value: number): void { this.bench.write32(this.base + offset, value >>> 0); }
  modify(offset: number, clear: number, set: number): void { this.set(offset, (this.reg(offset) & ~clear) | set); }
  chmodBits(chain: Chaining): number { const c = CHMOD[chain]; return ((c & 3) << 5) | (c & 4 ? 1 << 16 : 0); }
  waitCcf(): void { this.bench.pollUntil(() => (this.reg(ISR) & 1) === 1, 1_000_000, 4); }
  waitBusyClear(): void { this.bench.pollUntil(() => (this.reg(SR) & 8) === 0, 1_000_000, 4); }
  waitKeyValid(): void { this.bench.pollUntil(() => (this.reg(SR) & 0x80) !== 0, 1_000_000, 4); }
  clearCcf(): void { this.set(ICR, 1); }

  /** HAL_CRYP_Init: MODIFY_REG(CR, KMOD|DATATYPE|KEYSIZE|CHMOD[|KEYSEL|KEYPROT]). SAES waits BUSY first. */
  init(chain: Chaining, keyBits: 128 | 256, dataType: number, keySelect = 0): void {
    this.waitBusyClear();
    const mask = (3 << 24) | (3 << 1) | (1 << 18) | (3 << 5) | (1 << 16) | (7 << 28) | (1 << 19);
    this.modify(0x00, mask, (dataType << 1) | (keyBits === 256 ? 1 << 18 : 0) | this.chmodBits(chain) | (keySelect << 28));
  }

  /** CRYP_SetKey: KEYR3..KEYR0 (KEYR7..KEYR0), first word most significant. */
  setKey(key: Uint8Array): void {
    const words = toWords(key, 0);
    const top = words.length - 1;
    words.forEach((w, i) => this.set(top - i < 4 ? 0x10 + (top - i) * 4 : 0x30 + (top - i - 4) * 4, w));
  }

  setIv(iv: Uint8Array): void {
    toWords(iv, 0).forEach((w, i) => this.set(0x2c - i * 4, w));
  }

  /** Four words in, CCF, clear, four words out (CRYP_AES_ProcessData). */
  block(words: number[]): number[] {
    for (const w of words) this.set(DINR, w);
    this.waitCcf();
    this.clearCcf();
    return [0, 1, 2, 3].map(() => this.reg(DOUTR));
  }

  /** HAL_CRYP_Encrypt/Decrypt for ECB, CBC, CTR (sizes a multiple of 16 bytes). */
  run(chain: 'ecb' | 'cbc' | 'ctr', key: Uint8Array, iv: Uint8Array | null, data: Uint8Array, dataType: number, decrypt: boolean): Uint8Array {
    this.modify(0x00, 3 << 3, 0);
    if (decrypt && chain !== 'ctr') {
      this.modify(0x00, (3 << 24) | (3 << 3), 1 << 3); // key derivation
      if (key.length) this.setKey(key);
      this.modify(0x00, 0, CR_EN);
      this.waitCcf();
      this.clearCcf();
      this.modify(0x00, 3 << 3, 2 << 3);
    } else {
      if (decrypt) this.modify(0x00, 3 << 3, 2 << 3);
      if (key.length) this.setKey(key);
    }
    if (iv) this.setIv(iv);
    this.modify(0x00, 0, CR_EN);
    const words = toWords(data, dataType);
    const out: number[] = [];
    for (let i = 0; i < words.length; i += 4) out.push(...this.block(words.slice(i, i + 4)));
    this.modify(0x00, CR_EN, 0);
    return fromWords(out, dataType);
  }

  phase(ph: number): void { this.modify(0x00, 3 << 13, ph << 13); }

  /** Header phase as CRYP_GCMCCM_SetHeaderPhase (header already formatted by the caller for CCM). */
  header(header: Uint8Array, dataType: number): void {
    this.phase(1);
    this.modify(0x00, 0, CR_EN);
    const words = toWords(header, dataType);
    while (words.length % 4) words.push(0);
    for (let i = 0; i < words.length; i += 4) {
      for (const w of words.slice(i, i + 4)) this.set(DINR, w);
      this.waitCcf();
      this.clearCcf();
    }
  }

  /** Payload phase with the HAL's last-block handling (NPBLB, zero-masked partial word, zero words). */
  payload(data: Uint8Array, dataType: number, setNpblb: boolean): Uint8Array {
    this.phase(2);
    this.modify(0x00, 0xf << 20, 0);
    const out: number[] = [];
    const full = Math.floor(data.length / 16) * 16;
    const words = toWords(data.subarray(0, full), dataType);
    for (let i = 0; i < words.length; i += 4) out.push(...this.block(words.slice(i, i + 4)));
    if (data.length % 16) {
      const npblb = 16 - (data.length % 16);
      if (setNpblb) this.modify(0x00, 0xf << 20, npblb << 20);
      const last = toWords(data.subarray(full), dataType);
      while (last.length < 4) last.push(0);
      out.push(...this.block(last));
    }
    return fromWords(out, dataType).subarray(0, data.length);
  }

  /** CRYP_AESGCM_Process + HAL_CRYPEx_AESGCM_GenerateAuthTAG. `iv` is the 12-byte IV; the HAL user appends counter 2. */
  gcm(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, data: Uint8Array, dataType: number, decrypt: boolean): { data: Uint8Array; tag: Uint8Array } {
    this.modify(0x00, 3 << 3, decrypt ? 2 << 3 : 0);
    this.phase(0);
    this.setKey(key);
    const icb = new Uint8Array(16);
    icb.set(iv);
    icb[15] = 2;
    this.setIv(icb);
    this.modify(0x00, 0, CR_EN);
    this.waitCcf();
    this.clearCcf();
    if (aad.length) this.header(aad, dataType);
    else { this.phase(1); this.modify(0x00, 0, CR_EN); }
    const out = this.payload(data, dataType, !decrypt);
    return { data: out, tag: this.gcmFinal(aad.length, data.length, dataType) };
  }

  /** HAL_CRYPEx_AESGCM_GenerateAuthTAG: wait !BUSY, GCMPH=11, write 0, AAD bits, 0, payload bits, wait CCF, read 4 words. */
  gcmFinal(aadBytes: number, dataBytes: number, dataType: number): Uint8Array {
    this.waitBusyClear();
    this.phase(3);
    this.set(DINR, 0);
    this.set(DINR, aadBytes * 8);
    this.set(DINR, 0);
    this.set(DINR, dataBytes * 8);
    this.waitCcf();
    const tag = fromWords([0, 1, 2, 3].map(() => this.reg(DOUTR)), dataType);
    this.clearCcf();
    this.modify(0x00, CR_EN, 0);
    return tag;
  }

  /** HAL_CRYP_Suspend for GCM/CCM: SUSP7R..SUSP0R, IVR3..IVR0, CR, then EN=0. */
  suspend(): { susp: number[]; iv: number[]; cr: number } {
    this.waitBusyClear();
    const susp = [7, 6, 5, 4, 3, 2, 1, 0].map((n) => this.reg(0x40 + n * 4));
    const iv = [3, 2, 1, 0].map((n) => this.reg(0x20 + n * 4));
    this.modify(0x00, CR_EN, 0);
    return { susp, iv, cr: this.reg(0x00) };
  }

  /** HAL_CRYP_Resume for GCM/CCM: EN=0, SUSP7R..SUSP0R, CR, key (from the caller's copy), IVR3..IVR0, EN=1. */
  resume(saved: { susp: number[]; iv: number[]; cr: number }, key: Uint8Array): void {
    this.modify(0x00, CR_EN, 0);
    [7, 6, 5, 4, 3, 2, 1, 0].forEach((n, i) => this.set(0x40 + n * 4, saved.susp[i]!));
    this.set(0x00, saved.cr);
    this.setKey(key);
    [3, 2, 1, 0].forEach((n, i) => this.set(0x20 + n * 4, saved.iv[i]!));
    this.modify(0x00, 0, CR_EN);
  }

  /** CRYP_AESCCM_Process + HAL_CRYPEx_AESCCM_GenerateAuthTAG: B0 into IVR, header blocks as given. */
  ccm(key: Uint8Array, b0: Uint8Array, header: Uint8Array, data: Uint8Array, dataType: number, decrypt: boolean): { data: Uint8Array; tag: Uint8Array } {
    this.modify(0x00, 3 << 3, decrypt ? 2 << 3 : 0);
    this.phase(0);
    this.setKey(key);
    this.setIv(b0);
    this.modify(0x00, 0, CR_EN);
    this.waitCcf();
    this.clearCcf();
    if (header.length) this.header(header, dataType);
    else { this.phase(1); this.modify(0x00, 0, CR_EN); }
    const out = this.payload(data, dataType, decrypt);
    this.phase(3);
    this.waitCcf();
    const tag = fromWords([0, 1, 2, 3].map(() => this.reg(DOUTR)), dataType);
    this.clearCcf();
    this.modify(0x00, CR_EN, 0);
    return { data: out, tag };
  }
}
