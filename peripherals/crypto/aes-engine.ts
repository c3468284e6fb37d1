// The AES block cipher and GHASH behind the AES/SAES peripherals (RM0481 §36/§37), from
// @noble/ciphers. The chaining modes are built here from single blocks because the peripheral
// exposes them block by block (GCM/CCM phases, IV registers that carry the running counter).
import { unsafe } from '@noble/ciphers/aes.js';
import { GHASH } from '@noble/ciphers/_polyval.js';

export class AesBlockCipher {
  private readonly encKey: Uint32Array;
  private decKey: Uint32Array | null = null;
  constructor(private readonly key: Uint8Array) {
    this.encKey = unsafe.expandKeyLE(key);
  }
  encrypt(block: Uint8Array): Uint8Array {
    return unsafe.encryptBlock(this.encKey, block.slice()) as Uint8Array;
  }
  decrypt(block: Uint8Array): Uint8Array {
    this.decKey ??= unsafe.expandKeyDecLE(this.key);
    return unsafe.decryptBlock(this.decKey, block.slice()) as Uint8Array;
  }
}

/** GHASH's accumulator words, which noble keeps protected; host-endian u32 views of the state bytes. */
interface GhashInternals { s0: number; s1: number; s2: number; s3: number }

/** Running GHASH over whole blocks; the state can be read (tag, SUSPxR) and loaded (resume). */
export class GhashState {
  private readonly ghash: GHASH;
  constructor(hashKey: Uint8Array) {
    this.ghash = new GHASH(hashKey);
  }
  absorb(block: Uint8Array): void {
    this.ghash.update(block);
  }
  value(): Uint8Array {
    const g = this.ghash as unknown as GhashInternals;
    return new Uint8Array(Uint32Array.of(g.s0, g.s1, g.s2, g.s3).buffer);
  }
  load(state: Uint8Array): void {
    const words = new Uint32Array(state.slice().buffer);
    const g = this.ghash as unknown as GhashInternals;
    [g.s0, g.s1, g.s2, g.s3] = [words[0]! | 0, words[1]! | 0, words[2]! | 0, words[3]! | 0];
  }
}

export function xorBlocks(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Increments the last 32 bits of a counter block (the AES peripheral's counter width). */
export function incrementCounter32(block: Uint8Array): Uint8Array {
  const out = block.slice();
  const view = new DataView(out.buffer);
  view.setUint32(12, (view.getUint32(12) + 1) >>> 0);
  return out;
}
