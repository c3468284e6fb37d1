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

/** Running GHASH over whole blocks; `value()` reads the state without ending it. */
export class GhashState {
  private readonly ghash: GHASH;
  constructor(hashKey: Uint8Array) {
    this.ghash = new GHASH(hashKey);
  }
  absorb(block: Uint8Array): void {
    this.ghash.update(block);
  }
  value(): Uint8Array {
    const copy = Object.create(Object.getPrototypeOf(this.ghash) as object) as GHASH;
    Object.assign(copy, this.ghash);
    return copy.digest();
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
