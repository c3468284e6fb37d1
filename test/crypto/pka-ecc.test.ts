// PKA elliptic-curve operations at bus addresses, driven like HAL_PKA, judged by OpenSSL (P-256
// ECDSA and ECDH), by noble (projective operations) and by published secp256k1 vectors.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { PkaDriver, optBits, toBytes, PROCENDF, OPERRF } from './pka-driver.js';
import { OpenSsl, decodeSignature, encodeSignature } from './pka-openssl.js';
import { PkaMode, PkaStatus, Ram } from '../../peripherals/crypto/pka-ram-layout.js';

interface Curve { p: bigint; a: bigint; b: bigint; n: bigint; Gx: bigint; Gy: bigint; size: number }

function fromNoble(c: ReturnType<typeof p256.Point.CURVE>, size: number): Curve {
  return { p: c.p, a: c.a, b: c.b, n: c.n, Gx: c.Gx, Gy: c.Gy, size };
}

const P256 = fromNoble(p256.Point.CURVE(), 32);
const P384 = fromNoble(p384.Point.CURVE(), 48);
const P521 = fromNoble(p521.Point.CURVE(), 66);
/** secp256k1 given by its SEC 2 parameters, not by name. */
const SECP256K1: Curve = {
  p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn,
  a: 0n,
  b: 7n,
  n: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
  Gx: 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n,
  Gy: 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n,
  size: 32,
};

/** |a| and its sign, as the HAL takes the a coefficient. */
function aCoefficient(c: Curve): { sign: number; magnitude: bigint } {
  return c.a > c.p / 2n ? { sign: 1, magnitude: c.p - c.a } : { sign: 0, magnitude: c.a };
}

function sha256(data: string): Uint8Array {
  return createHash('sha256').update(data).digest();
}

function hashNumber(data: string): bigint {
  return BigInt(`0x${Buffer.from(sha256(data)).toString('hex')}`);
}

/** A nonce in [1, n-1] derived from a label (tests are deterministic). */
function nonce(c: Curve, label: string): bigint {
  return (hashNumber(`k:${label}`) % (c.n - 1n)) + 1n;
}

let driver: PkaDriver;
beforeEach(() => {
  driver = new PkaDriver();
  driver.init();
});

function eccMul(c: Curve, k: bigint, x: bigint, y: bigint) {
  const L = Ram.ECC_MUL;
  const a = aCoefficient(c);
  driver.word(L.IN_EXP_NB_BITS, optBits(c.n, c.size));
  driver.word(L.IN_OP_NB_BITS, optBits(c.p, c.size));
  driver.word(L.IN_A_COEFF_SIGN, a.sign);
  driver.number(L.IN_A_COEFF, a.magnitude, c.size);
  driver.number(L.IN_B_COEFF, c.b, c.size);
  driver.number(L.IN_MOD_GF, c.p, c.size);
  driver.number(L.IN_K, k, c.size);
  driver.number(L.IN_POINT_X, x, c.size);
  driver.number(L.IN_POINT_Y, y, c.size);
  driver.number(L.IN_N_PRIME_ORDER, c.n, c.size);
  const run = driver.run(PkaMode.ECC_MUL);
  return {
    ...run,
    x: driver.result(L.OUT_RESULT_X, c.size),
    y: driver.result(L.OUT_RESULT_Y, c.size),
    status: driver.readWord(L.OUT_ERROR),
  };
}

function ecdsaSign(c: Curve, d: bigint, k: bigint, e: Uint8Array) {
  const L = Ram.ECDSA_SIGN;
  const a = aCoefficient(c);
  driver.word(L.IN_ORDER_NB_BITS, optBits(c.n, c.size));
  driver.word(L.IN_MOD_NB_BITS, optBits(c.p, c.size));
  driver.word(L.IN_A_COEFF_SIGN, a.sign);
  driver.number(L.IN_A_COEFF, a.magnitude, c.size);
  driver.number(L.IN_B_COEFF, c.b, c.size);
  driver.number(L.IN_MOD_GF, c.p, c.size);
  driver.number(L.IN_K, k, c.size);
  driver.number(L.IN_POINT_X, c.Gx, c.size);
  driver.number(L.IN_POINT_Y, c.Gy, c.size);
  driver.bytes(L.IN_HASH_E, e);
  driver.number(L.IN_PRIVATE_KEY_D, d, c.size);
  driver.number(L.IN_ORDER_N, c.n, c.size);
  const run = driver.run(PkaMode.ECDSA_SIGN);
  return {
    ...run,
    r: driver.result(L.OUT_SIGNATURE_R, c.size),
    s: driver.result(L.OUT_SIGNATURE_S, c.size),
    status: driver.readWord(L.OUT_ERROR),
    kx: driver.result(L.OUT_FINAL_POINT_X, c.size),
  };
}

function ecdsaVerify(c: Curve, qx: bigint, qy: bigint, r: bigint, s: bigint, e: Uint8Array) {
  const L = Ram.ECDSA_VERIFY;
  const a = aCoefficient(c);
  driver.word(L.IN_ORDER_NB_BITS, optBits(c.n, c.size));
  driver.word(L.IN_MOD_NB_BITS, optBits(c.p, c.size));
  driver.word(L.IN_A_COEFF_SIGN, a.sign);
  driver.number(L.IN_A_COEFF, a.magnitude, c.size);
  driver.number(L.IN_MOD_GF, c.p, c.size);
  driver.number(L.IN_POINT_X, c.Gx, c.size);
  driver.number(L.IN_POINT_Y, c.Gy, c.size);
  driver.number(L.IN_PUBLIC_KEY_X, qx, c.size);
  driver.number(L.IN_PUBLIC_KEY_Y, qy, c.size);
  driver.number(L.IN_SIGNATURE_R, r, c.size);
  driver.number(L.IN_SIGNATURE_S, s, c.size);
  driver.bytes(L.IN_HASH_E, e);
  driver.number(L.IN_ORDER_N, c.n, c.size);
  const run = driver.run(PkaMode.ECDSA_VERIFY);
  return { ...run, status: driver.readWord(L.OUT_RESULT) };
}

function pointCheck(c: Curve, x: bigint, y: bigint) {
  const L = Ram.POINT_CHECK;
  const a = aCoefficient(c);
  driver.word(L.IN_MOD_NB_BITS, optBits(c.p, c.size));
  driver.word(L.IN_A_COEFF_SIGN, a.sign);
  driver.number(L.IN_A_COEFF, a.magnitude, c.size);
  driver.number(L.IN_B_COEFF, c.b, c.size);
  driver.number(L.IN_MOD_GF, c.p, c.size);
  driver.number(L.IN_POINT_X, x, c.size);
  driver.number(L.IN_POINT_Y, y, c.size);
  // R² mod p from the Montgomery-parameter mode, as HAL_PKA_PointCheck requires.
  driver.words(L.IN_MONTGOMERY_PARAM, 0n, c.size / 4);
  driver.run(PkaMode.POINT_CHECK);
  return driver.readWord(L.OUT_ERROR);
}

const openssl = new OpenSsl();
afterAll(() => openssl.dispose());

describe('PKA ECDSA on P-256 against OpenSSL', () => {
  it('signs with the firmware-supplied k; OpenSSL verifies the signature', () => {
    const key = openssl.ecKey('signer');
    for (const message of ['hello h5sim', 'TLS 1.3, server CertificateVerify']) {
      const e = sha256(message);
      const out = ecdsaSign(P256, key.d, nonce(P256, message), e);
      expect(out.sr & OPERRF).toBe(0);
      expect(out.status).toBe(PkaStatus.NO_ERROR);
      openssl.write('digest.bin', e);
      openssl.write('sig.der', encodeSignature(out.r, out.s));
      const verify = openssl.run(['pkeyutl', '-verify', '-pubin', '-inkey', key.pubPem, '-in', 'digest.bin', '-sigfile', 'sig.der']);
      expect(verify.stdout.toString()).toContain('Signature Verified Successfully');
      expect(verify.status).toBe(0);
    }
  });

  it('verifies signatures made by OpenSSL (status 0xD60D) and rejects altered ones', () => {
    const key = openssl.ecKey('peer');
    const e = sha256('signed by openssl');
    openssl.write('digest.bin', e);
    const der = openssl.ok(['pkeyutl', '-sign', '-inkey', key.pem, '-in', 'digest.bin']);
    const { r, s } = decodeSignature(der);
    expect(ecdsaVerify(P256, key.x, key.y, r, s, e).status).toBe(PkaStatus.NO_ERROR);
    // The HAL reads the verdict at PKA RAM offset 0x5D0 (0x420C_25D0).
    expect(driver.bench.read32(0x420c_25d0)).toBe(PkaStatus.NO_ERROR);

    const tampered = Uint8Array.from(e);
    tampered[5]! ^= 0x01;
    expect(ecdsaVerify(P256, key.x, key.y, r, s, tampered).status).not.toBe(PkaStatus.NO_ERROR);
    expect(ecdsaVerify(P256, key.x, key.y, r, (s + 1n) % P256.n, e).status).not.toBe(PkaStatus.NO_ERROR);
  });

  it('answers "invalid" (never throws) for r or s out of range and for a public key off the curve', () => {
    const key = openssl.ecKey('range');
    const e = sha256('range');
    const good = ecdsaSign(P256, key.d, nonce(P256, 'range'), e);
    expect(ecdsaVerify(P256, key.x, key.y, good.r, good.s, e).status).toBe(PkaStatus.NO_ERROR);
    for (const [r, s] of [[0n, good.s], [good.r, 0n], [P256.n, good.s], [good.r, P256.n], [good.r + P256.n, good.s]] as const) {
      const out = ecdsaVerify(P256, key.x, key.y, r & ((1n << 256n) - 1n), s & ((1n << 256n) - 1n), e);
      expect(out.sr & PROCENDF).toBe(PROCENDF);
      expect(out.status).not.toBe(PkaStatus.NO_ERROR);
    }
    expect(ecdsaVerify(P256, key.x, key.y + 1n, good.r, good.s, e).status).not.toBe(PkaStatus.NO_ERROR);
  });

  it('refuses a k outside [1, n-1] with an error status instead of a signature', () => {
    const key = openssl.ecKey('badk');
    const e = sha256('bad k');
    for (const k of [0n, P256.n, P256.n + 5n]) {
      const out = ecdsaSign(P256, key.d, k & ((1n << 256n) - 1n), e);
      expect(out.status).not.toBe(PkaStatus.NO_ERROR);
      expect(out.r).toBe(0n);
    }
  });

  it('takes millions of cycles with BUSY set before PROCENDF', () => {
    const key = openssl.ecKey('timing');
    const out = ecdsaSign(P256, key.d, nonce(P256, 'timing'), sha256('timing'));
    expect(out.cycles).toBeGreaterThan(1_000_000);
  });
});

describe('PKA ECDSA verification on P-384 and P-521 against OpenSSL', () => {
  for (const [curve, name, digest] of [[P384, 'secp384r1', 'sha384'], [P521, 'secp521r1', 'sha512']] as const) {
    it(`verifies an OpenSSL ${name} signature and rejects a tampered digest`, () => {
      const key = openssl.ecKey(`v-${name}`, name);
      const hash = createHash(digest).update(`message for ${name}`).digest();
      openssl.write('digest.bin', hash);
      const { r, s } = decodeSignature(openssl.ok(['pkeyutl', '-sign', '-inkey', key.pem, '-in', 'digest.bin']));
      // The HAL takes the hash in an order-sized buffer, zero-padded at the front.
      const e = new Uint8Array(curve.size);
      e.set(hash, curve.size - hash.length);
      expect(ecdsaVerify(curve, key.x, key.y, r, s, e).status).toBe(PkaStatus.NO_ERROR);
      e[curve.size - 1]! ^= 0x80;
      expect(ecdsaVerify(curve, key.x, key.y, r, s, e).status).not.toBe(PkaStatus.NO_ERROR);
    });
  }
});

describe('PKA ECC scalar multiplication', () => {
  it('computes the ECDH shared secret OpenSSL derives (P-256)', () => {
    const mine = openssl.ecKey('alice');
    const peer = openssl.ecKey('bob');
    const out = eccMul(P256, mine.d, peer.x, peer.y);
    expect(out.status).toBe(PkaStatus.NO_ERROR);
    const secret = openssl.ok(['pkeyutl', '-derive', '-inkey', mine.pem, '-peerkey', peer.pubPem]);
    expect(out.x).toBe(BigInt(`0x${secret.toString('hex')}`));
    // and the public key from the private scalar
    const pub = eccMul(P256, mine.d, P256.Gx, P256.Gy);
    expect([pub.x, pub.y]).toEqual([mine.x, mine.y]);
  });

  it('works on P-384 (48-byte operands)', () => {
    const key = openssl.ecKey('p384', 'secp384r1');
    const out = eccMul(P384, key.d, P384.Gx, P384.Gy);
    expect(out.status).toBe(PkaStatus.NO_ERROR);
    expect([out.x, out.y]).toEqual([key.x, key.y]);
  });

  it('reports an error status for a point off the curve and for a result at infinity', () => {
    expect(eccMul(P256, 5n, P256.Gx, P256.Gy + 1n).status).toBe(PkaStatus.FAILED_COMPUTATION);
    expect(eccMul(P256, P256.n, P256.Gx, P256.Gy).status).toBe(PkaStatus.FAILED_COMPUTATION);
  });

  it('multiplies on secp256k1 given by parameters (published vectors 2G, 3G)', () => {
    const twoG = eccMul(SECP256K1, 2n, SECP256K1.Gx, SECP256K1.Gy);
    expect(twoG.status).toBe(PkaStatus.NO_ERROR);
    expect(twoG.x).toBe(0xc6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5n);
    expect(twoG.y).toBe(0x1ae168fea63dc339a3c58419466ceaeef7f632653266d0e1236431a950cfe52an);
    const threeG = eccMul(SECP256K1, 3n, SECP256K1.Gx, SECP256K1.Gy);
    expect(threeG.x).toBe(0xf9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9n);
    expect(threeG.y).toBe(0x388f7b0f632de8140fe337e62a37f3566500a99934c2231b6cb9fd7584b8e672n);
  });

  it('signs and verifies ECDSA on secp256k1 given by parameters (checked by noble secp256k1)', () => {
    const d = hashNumber('k1 private') % SECP256K1.n;
    const e = sha256('k1 message');
    const sig = ecdsaSign(SECP256K1, d, nonce(SECP256K1, 'k1'), e);
    expect(sig.status).toBe(PkaStatus.NO_ERROR);
    const pub = secp256k1.getPublicKey(toBytes(d, 32), false);
    const compact = new Uint8Array([...toBytes(sig.r, 32), ...toBytes(sig.s, 32)]);
    expect(secp256k1.verify(compact, e, pub, { prehash: false, lowS: false })).toBe(true);
    const Q = secp256k1.Point.fromBytes(pub).toAffine();
    expect(ecdsaVerify(SECP256K1, Q.x, Q.y, sig.r, sig.s, e).status).toBe(PkaStatus.NO_ERROR);
  });
});

describe('PKA point check', () => {
  it('accepts points on the curve with 0xD60D and rejects others', () => {
    const key = openssl.ecKey('check');
    expect(pointCheck(P256, key.x, key.y)).toBe(PkaStatus.NO_ERROR);
    expect(pointCheck(P256, P256.Gx, P256.Gy)).toBe(PkaStatus.NO_ERROR);
    expect(pointCheck(P256, key.x, key.y ^ 1n)).not.toBe(PkaStatus.NO_ERROR);
    expect(pointCheck(P256, P256.p + 1n, key.y)).not.toBe(PkaStatus.NO_ERROR);
    expect(pointCheck(SECP256K1, SECP256K1.Gx, SECP256K1.Gy)).toBe(PkaStatus.NO_ERROR);
    expect(pointCheck(SECP256K1, P256.Gx, P256.Gy)).not.toBe(PkaStatus.NO_ERROR);
  });
});

describe('PKA projective operations (homogeneous x = X/Z, y = Y/Z)', () => {
  const G = p256.Point.BASE;
  const z = 0x1234_5678_9abc_def0_1122_3344n;
  const project = (x: bigint, y: bigint) => ({ X: (x * z) % P256.p, Y: (y * z) % P256.p, Z: z });

  it('converts projective to affine', () => {
    const L = Ram.ECC_PROJECTIVE_AFF;
    const P = G.multiply(7n).toAffine();
    const q = project(P.x, P.y);
    driver.word(L.IN_MOD_NB_BITS, 256);
    driver.number(L.IN_MOD_P, P256.p, 32);
    driver.number(L.IN_POINT_X, q.X, 32);
    driver.number(L.IN_POINT_Y, q.Y, 32);
    driver.number(L.IN_POINT_Z, q.Z, 32);
    driver.words(L.IN_MONTGOMERY_PARAM, 0n, 8);
    driver.run(PkaMode.ECC_PROJECTIVE_AFF);
    expect(driver.readWord(L.OUT_ERROR)).toBe(PkaStatus.NO_ERROR);
    expect([driver.result(L.OUT_RESULT_X, 32), driver.result(L.OUT_RESULT_Y, 32)]).toEqual([P.x, P.y]);
  });

  it('adds two projective points completely (P + Q, P + P, P + (-P))', () => {
    const L = Ram.ECC_COMPLETE_ADD;
    const a = aCoefficient(P256);
    const add = (P: { x: bigint; y: bigint }, Q: { x: bigint; y: bigint }) => {
      const p1 = project(P.x, P.y);
      driver.word(L.IN_MOD_NB_BITS, 256);
      driver.word(L.IN_A_COEFF_SIGN, a.sign);
      driver.number(L.IN_MOD_P, P256.p, 32);
      driver.number(L.IN_A_COEFF, a.magnitude, 32);
      driver.number(L.IN_POINT1_X, p1.X, 32);
      driver.number(L.IN_POINT1_Y, p1.Y, 32);
      driver.number(L.IN_POINT1_Z, p1.Z, 32);
      driver.number(L.IN_POINT2_X, Q.x, 32);
      driver.number(L.IN_POINT2_Y, Q.y, 32);
      driver.number(L.IN_POINT2_Z, 1n, 32);
      driver.run(PkaMode.ECC_COMPLETE_ADD);
      const X = driver.result(L.OUT_RESULT_X, 32);
      const Y = driver.result(L.OUT_RESULT_Y, 32);
      const Z = driver.result(L.OUT_RESULT_Z, 32);
      return new p256.Point(X, Y, Z);
    };
    const P = G.multiply(3n);
    const Q = G.multiply(11n);
    expect(add(P.toAffine(), Q.toAffine()).equals(G.multiply(14n))).toBe(true);
    expect(add(P.toAffine(), P.toAffine()).equals(G.multiply(6n))).toBe(true);
    expect(add(P.toAffine(), P.negate().toAffine()).is0()).toBe(true);
  });

  it('computes k·P + m·Q with the double-base ladder', () => {
    const L = Ram.DOUBLE_BASE_LADDER;
    const a = aCoefficient(P256);
    const P = G.multiply(5n).toAffine();
    const Q = G.multiply(9n).toAffine();
    const k = hashNumber('ladder k') % P256.n;
    const m = hashNumber('ladder m') % P256.n;
    const p1 = project(P.x, P.y);
    driver.word(L.IN_PRIME_ORDER_NB_BITS, 256);
    driver.word(L.IN_MOD_NB_BITS, 256);
    driver.word(L.IN_A_COEFF_SIGN, a.sign);
    driver.number(L.IN_A_COEFF, a.magnitude, 32);
    driver.number(L.IN_MOD_P, P256.p, 32);
    driver.number(L.IN_K_INTEGER, k, 32);
    driver.number(L.IN_M_INTEGER, m, 32);
    driver.number(L.IN_POINT1_X, p1.X, 32);
    driver.number(L.IN_POINT1_Y, p1.Y, 32);
    driver.number(L.IN_POINT1_Z, p1.Z, 32);
    driver.number(L.IN_POINT2_X, Q.x, 32);
    driver.number(L.IN_POINT2_Y, Q.y, 32);
    driver.number(L.IN_POINT2_Z, 1n, 32);
    driver.run(PkaMode.DOUBLE_BASE_LADDER);
    expect(driver.readWord(L.OUT_ERROR)).toBe(PkaStatus.NO_ERROR);
    const expected = G.multiply(mod(5n * k + 9n * m, P256.n)).toAffine();
    expect([driver.result(L.OUT_RESULT_X, 32), driver.result(L.OUT_RESULT_Y, 32)]).toEqual([expected.x, expected.y]);
  });
});

function mod(a: bigint, n: bigint): bigint {
  return ((a % n) + n) % n;
}
