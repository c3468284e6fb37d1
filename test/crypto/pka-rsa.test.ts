// PKA modular exponentiation (normal, fast, protected), RSA CRT and the arithmetic operations,
// checked against raw RSA done by OpenSSL (rsa_padding_mode:none) and against known values.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { PkaDriver, OPERRF } from './pka-driver.js';
import { OpenSsl } from './pka-openssl.js';
import { PkaComparison, PkaMode, PkaStatus, Ram } from '../../peripherals/crypto/pka-ram-layout.js';

const openssl = new OpenSsl();
afterAll(() => openssl.dispose());

let driver: PkaDriver;
beforeEach(() => {
  driver = new PkaDriver();
  driver.init();
});

const RSA_BITS = 2048;
const SIZE = RSA_BITS / 8;

/**
 * The raw RSA private-key operation by OpenSSL, s = m^d mod n without padding (pkeyutl's -sign
 * insists on a digest-sized input, -decrypt with padding none is the same private operation).
 */
function rawSignature(pem: string, m: bigint): bigint {
  const hex = m.toString(16).padStart(SIZE * 2, '0');
  openssl.write('m.bin', Buffer.from(hex, 'hex'));
  const s = openssl.ok(['pkeyutl', '-decrypt', '-inkey', pem, '-pkeyopt', 'rsa_padding_mode:none', '-in', 'm.bin']);
  return BigInt(`0x${s.toString('hex')}`);
}

function modExp(mode: number, base: bigint, exponent: bigint, expBytes: number, n: bigint, montgomery?: bigint): bigint {
  const L = Ram.MODULAR_EXP;
  driver.word(L.IN_OP_NB_BITS, SIZE * 8);
  driver.word(L.IN_EXP_NB_BITS, expBytes * 8);
  driver.number(L.IN_EXPONENT_BASE, base, SIZE);
  driver.number(L.IN_EXPONENT, exponent, expBytes);
  driver.number(L.IN_MODULUS, n, SIZE);
  if (montgomery !== undefined) driver.words(L.IN_MONTGOMERY_PARAM, montgomery, SIZE / 4);
  const out = driver.run(mode);
  expect(out.sr & OPERRF).toBe(0);
  return driver.result(L.OUT_RESULT, SIZE);
}

describe('PKA RSA against OpenSSL', () => {
  const key = openssl.rsaKey('rsa', RSA_BITS);
  const m = (BigInt(`0x${'5a'.repeat(SIZE - 1)}`) % key.n);
  const s = rawSignature(key.pem, m);

  it('verifies a raw RSA signature: s^e mod n = m (normal and fast mode)', () => {
    expect(modExp(PkaMode.MODULAR_EXP, s, key.e, 4, key.n)).toBe(m);
    // The normal mode left R² mod n for the fast mode, as HAL_PKA_MontgomeryParam would give it.
    const montgomery = driver.result(Ram.MODULAR_EXP.OUT_MONTGOMERY_PARAM, SIZE);
    expect(montgomery).toBeGreaterThan(0n);
    expect(modExp(PkaMode.MODULAR_EXP_FAST, s, key.e, 4, key.n, montgomery)).toBe(m);
  });

  it('recovers the PSS encoding of an OpenSSL RSA-PSS signature (the TLS 1.3 CertificateVerify check)', () => {
    const digest = createHash('sha256').update('TLS 1.3 server CertificateVerify').digest();
    openssl.write('digest.bin', digest);
    const signature = openssl.ok(['pkeyutl', '-sign', '-inkey', key.pem, '-in', 'digest.bin', '-pkeyopt', 'digest:sha256',
      '-pkeyopt', 'rsa_padding_mode:pss', '-pkeyopt', 'rsa_pss_saltlen:32']);
    const em = modExp(PkaMode.MODULAR_EXP, BigInt(`0x${signature.toString('hex')}`), key.e, 4, key.n);
    expect(pssVerify(Buffer.from(em.toString(16).padStart(SIZE * 2, '0'), 'hex'), digest, RSA_BITS - 1)).toBe(true);
    const tampered = Buffer.from(digest);
    tampered[0]! ^= 1;
    expect(pssVerify(Buffer.from(em.toString(16).padStart(SIZE * 2, '0'), 'hex'), tampered, RSA_BITS - 1)).toBe(false);
  });

  it('signs like OpenSSL: m^d mod n with the private exponent', () => {
    expect(modExp(PkaMode.MODULAR_EXP, m, key.d, SIZE, key.n)).toBe(s);
  });

  it('signs with the protected exponentiation (phi supplied) and writes status 0xD60D', () => {
    const P = Ram.MODULAR_EXP_PROTECT;
    driver.word(Ram.MODULAR_EXP.IN_OP_NB_BITS, RSA_BITS);
    driver.word(Ram.MODULAR_EXP.IN_EXP_NB_BITS, RSA_BITS);
    driver.number(P.IN_EXPONENT_BASE, m, SIZE);
    driver.number(P.IN_EXPONENT, key.d, SIZE);
    driver.number(P.IN_MODULUS, key.n, SIZE);
    driver.number(P.IN_PHI, (key.p - 1n) * (key.q - 1n), SIZE);
    driver.run(PkaMode.MODULAR_EXP_PROTECT);
    expect(driver.readWord(Ram.MODULAR_EXP.OUT_ERROR)).toBe(PkaStatus.NO_ERROR);
    expect(driver.result(Ram.MODULAR_EXP.OUT_RESULT, SIZE)).toBe(s);
  });

  it('signs with the CRT exponentiation', () => {
    const L = Ram.RSA_CRT_EXP;
    const half = SIZE / 2;
    driver.word(L.IN_MOD_NB_BITS, RSA_BITS);
    driver.number(L.IN_DP_CRT, key.dP, half);
    driver.number(L.IN_DQ_CRT, key.dQ, half);
    driver.number(L.IN_QINV_CRT, key.qInv, half);
    driver.number(L.IN_PRIME_P, key.p, half);
    driver.number(L.IN_PRIME_Q, key.q, half);
    driver.number(L.IN_EXPONENT_BASE, m, SIZE);
    driver.run(PkaMode.RSA_CRT_EXP);
    expect(driver.result(L.OUT_RESULT, SIZE)).toBe(s);
  });
});

describe('PKA status words of the RSA operations (stm32h563xx.h PKA_*_OUT_ERROR, HAL_PKA checks)', () => {
  // The header defines one status word for modular exponentiation (0x1298) and none for RSA CRT;
  // HAL_PKA reads that word only after the protected mode. Normal, fast and CRT leave it alone.
  const key = openssl.rsaKey('rsa-status', RSA_BITS);
  const m = (BigInt(`0x${'3c'.repeat(SIZE - 1)}`) % key.n);
  const s = rawSignature(key.pem, m);
  const SENTINEL = 0x5a5a_1234;

  function runCrt(): bigint {
    const L = Ram.RSA_CRT_EXP;
    const half = SIZE / 2;
    driver.word(L.IN_MOD_NB_BITS, RSA_BITS);
    driver.number(L.IN_DP_CRT, key.dP, half);
    driver.number(L.IN_DQ_CRT, key.dQ, half);
    driver.number(L.IN_QINV_CRT, key.qInv, half);
    driver.number(L.IN_PRIME_P, key.p, half);
    driver.number(L.IN_PRIME_Q, key.q, half);
    driver.number(L.IN_EXPONENT_BASE, m, SIZE);
    driver.run(PkaMode.RSA_CRT_EXP);
    return driver.result(L.OUT_RESULT, SIZE);
  }

  function runProtected(phi: bigint): number {
    const P = Ram.MODULAR_EXP_PROTECT;
    driver.word(Ram.MODULAR_EXP.IN_OP_NB_BITS, RSA_BITS);
    driver.word(Ram.MODULAR_EXP.IN_EXP_NB_BITS, RSA_BITS);
    driver.number(P.IN_EXPONENT_BASE, m, SIZE);
    driver.number(P.IN_EXPONENT, key.d, SIZE);
    driver.number(P.IN_MODULUS, key.n, SIZE);
    driver.number(P.IN_PHI, phi, SIZE);
    driver.run(PkaMode.MODULAR_EXP_PROTECT);
    return driver.readWord(Ram.MODULAR_EXP.OUT_ERROR);
  }

  it('normal and fast exponentiation and RSA CRT write no status word at 0x1298', () => {
    driver.word(Ram.MODULAR_EXP.OUT_ERROR, SENTINEL);
    expect(modExp(PkaMode.MODULAR_EXP, m, key.d, SIZE, key.n)).toBe(s);
    expect(driver.readWord(Ram.MODULAR_EXP.OUT_ERROR)).toBe(SENTINEL);
    const montgomery = driver.result(Ram.MODULAR_EXP.OUT_MONTGOMERY_PARAM, SIZE);
    expect(modExp(PkaMode.MODULAR_EXP_FAST, s, key.e, 4, key.n, montgomery)).toBe(m);
    expect(driver.readWord(Ram.MODULAR_EXP.OUT_ERROR)).toBe(SENTINEL);
    expect(runCrt()).toBe(s);
    expect(driver.readWord(Ram.MODULAR_EXP.OUT_ERROR)).toBe(SENTINEL);
  });

  it('the protected exponentiation overwrites the word: 0xD60D on success, 0xCBC9 when phi is missing', () => {
    driver.word(Ram.MODULAR_EXP.OUT_ERROR, SENTINEL);
    expect(runProtected((key.p - 1n) * (key.q - 1n))).toBe(PkaStatus.NO_ERROR);
    expect(driver.result(Ram.MODULAR_EXP.OUT_RESULT, SIZE)).toBe(s);
    expect(runProtected(0n)).toBe(PkaStatus.FAILED_COMPUTATION);
  });
});

describe('PKA arithmetic on known values', () => {
  const A = 0xffff_ffff_0000_0001_2345_6789_abcd_ef01n;
  const B = 0x8000_0000_0000_0000_0000_0000_0000_0003n;
  const N = 0xffff_ffff_ffff_ffff_ffff_ffff_ffff_ff61n; // 2^128 - 159, prime

  /** PKA_ARI_Set: size in words, op1/op2 as uint32_t arrays, op3 as bytes. */
  function arithmetic(mode: number, op1: bigint, op2: bigint, op3?: bigint, words = 4): void {
    const L = Ram.ARITHMETIC;
    driver.word(L.IN_OP_NB_BITS, words * 32);
    driver.words(L.IN_OP1, op1, words);
    driver.words(L.IN_OP2, op2, words);
    if (op3 !== undefined) driver.number(L.IN_OP3, op3, words * 4);
    expect(driver.run(mode, { step: 50 }).sr & OPERRF).toBe(0);
  }

  const out = (words: number) => driver.result(Ram.ARITHMETIC.OUT_RESULT, words * 4);

  it('adds with the carry in the extra word, subtracts, multiplies', () => {
    arithmetic(PkaMode.ARITHMETIC_ADD, A, B);
    expect(out(5)).toBe(A + B);
    expect(driver.readWord(Ram.ARITHMETIC.OUT_RESULT + 16)).toBe(1);
    arithmetic(PkaMode.ARITHMETIC_SUB, A, B);
    expect(out(4)).toBe(A - B);
    arithmetic(PkaMode.ARITHMETIC_MUL, A, B);
    expect(out(8)).toBe(A * B);
  });

  it('compares', () => {
    arithmetic(PkaMode.COMPARISON, A, B);
    expect(driver.readWord(Ram.ARITHMETIC.OUT_RESULT)).toBe(PkaComparison.GREATER);
    arithmetic(PkaMode.COMPARISON, B, A);
    expect(driver.readWord(Ram.ARITHMETIC.OUT_RESULT)).toBe(PkaComparison.LESS);
    arithmetic(PkaMode.COMPARISON, A, A);
    expect(driver.readWord(Ram.ARITHMETIC.OUT_RESULT)).toBe(PkaComparison.EQUAL);
  });

  it('adds, subtracts and inverts modulo n', () => {
    arithmetic(PkaMode.MODULAR_ADD, A, B, N);
    expect(out(4)).toBe((A + B) % N);
    arithmetic(PkaMode.MODULAR_SUB, B, A, N);
    expect(out(4)).toBe((((B - A) % N) + N) % N);
    // 3 · 3⁻¹ ≡ 1 (mod 7): 3⁻¹ = 5
    const L = Ram.ARITHMETIC;
    driver.word(L.IN_OP_NB_BITS, 32);
    driver.words(L.IN_OP1, 3n, 1);
    driver.number(L.IN_OP2, 7n, 4);
    driver.run(PkaMode.MODULAR_INV, { step: 50 });
    expect(driver.readWord(L.OUT_RESULT)).toBe(5);
    arithmetic(PkaMode.MODULAR_INV, A, 0n); // no inverse: the result reads 0
    expect(out(4)).toBe(0n);
    driver.word(L.IN_OP_NB_BITS, 128);
    driver.words(L.IN_OP1, A, 4);
    driver.number(L.IN_OP2, N, 16);
    driver.run(PkaMode.MODULAR_INV, { step: 50 });
    expect((out(4) * A) % N).toBe(1n);
  });

  it('reduces an operand modulo n', () => {
    const L = Ram.MODULAR_REDUC;
    const big = A * B * 12345n;
    driver.word(L.IN_OP_LENGTH, 9 * 32);
    driver.word(L.IN_MOD_LENGTH, 128);
    driver.words(L.IN_OPERAND, big, 9);
    driver.number(L.IN_MODULUS, N, 16);
    driver.run(PkaMode.MODULAR_REDUC, { step: 50 });
    expect(driver.result(L.OUT_RESULT, 16)).toBe(big % N);
  });

  it('computes the Montgomery parameter and multiplies in the Montgomery domain consistently', () => {
    const M = Ram.MONTGOMERY_PARAM;
    driver.word(M.IN_MOD_NB_BITS, 128);
    driver.number(M.IN_MODULUS, N, 16);
    driver.run(PkaMode.MONTGOMERY_PARAM, { step: 50 });
    const r2 = driver.result(M.OUT_PARAMETER, 16);
    expect(r2).toBe((1n << 256n) % N);
    // to Montgomery form: A·R = MontMul(A, R²); product: MontMul(AR, BR) = ABR; back: MontMul(ABR, 1)
    arithmetic(PkaMode.MONTGOMERY_MUL, A, r2, N);
    const aR = out(4);
    arithmetic(PkaMode.MONTGOMERY_MUL, B, r2, N);
    const bR = out(4);
    arithmetic(PkaMode.MONTGOMERY_MUL, aR, bR, N);
    arithmetic(PkaMode.MONTGOMERY_MUL, out(4), 1n, N);
    expect(out(4)).toBe((A * B) % N);
  });
});

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2) with SHA-256 and MGF1-SHA-256. */
function pssVerify(em: Buffer, mHash: Uint8Array, emBits: number): boolean {
  const hLen = 32;
  if (em[em.length - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, em.length - hLen - 1);
  const h = em.subarray(em.length - hLen - 1, em.length - 1);
  const mask = Buffer.alloc(maskedDb.length);
  for (let counter = 0, filled = 0; filled < mask.length; counter++) {
    const block = createHash('sha256').update(h).update(Buffer.from([counter >>> 24, counter >>> 16 & 0xff, counter >>> 8 & 0xff, counter & 0xff])).digest();
    block.copy(mask, filled);
    filled += block.length;
  }
  const db = Buffer.from(maskedDb.map((b, i) => b ^ mask[i]!));
  db[0]! &= 0xff >>> (8 * em.length - emBits);
  const one = db.indexOf(1);
  if (one < 0 || db.subarray(0, one).some((b) => b !== 0)) return false;
  const salt = db.subarray(one + 1);
  const hPrime = createHash('sha256').update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  return hPrime.equals(h);
}
