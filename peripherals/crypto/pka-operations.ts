// The PKA's operations as pure functions of its RAM: each reads its operands where the RAM layout
// puts them and returns the words to write back when the operation ends, the cycles it takes, and
// whether the hardware would flag an operation error. Nothing here throws on RAM contents: bad
// sizes, even or zero moduli, points off the curve all become the status words silicon writes.
import {
  bitLength, curveFor, guarded, mod, modInverse, modPow,
  type Affine, type CurveArithmetic, type MaybePoint,
} from './pka-curve.js';
import {
  MAX_ECC_BITS, MAX_RSA_BITS, PkaComparison, PkaMode, PkaRam, PkaStatus, Ram, wordsFor,
} from './pka-ram-layout.js';

export interface RamWrite { offset: number; value: bigint; words: number }

export interface OperationOutcome {
  writes: RamWrite[];
  /** PKA clock cycles from START to PROCENDF. */
  cycles: number;
  /** Sets SR.OPERRF (operand sizes the PKA does not accept). */
  operationError: boolean;
}

type Operation = (ram: PkaRam) => OperationOutcome;

// PKA clock cycles. They follow the shape of RM0481 §36's computation-time tables: ECC operations
// grow with (bits of n) × (words of p)², exponentiations with (exponent bits) × (words of the
// modulus)². The constants are calibrated to the order of magnitude silicon shows (a P-256 scalar
// multiplication ≈ 1.6 million cycles, an ECDSA P-256 verification ≈ 3.4 million), not copied from
// the manual's tables.
const ECC_CYCLES_PER_BIT_WORD2 = 100;
const MODEXP_CYCLES_PER_BIT_WORD2 = 10;
const SMALL_OPERATION_CYCLES = 200;

function eccCycles(scalarBits: number, pBits: number, scalars = 1): number {
  const w = wordsFor(Math.max(pBits, 32));
  return SMALL_OPERATION_CYCLES + scalars * Math.max(scalarBits, 1) * w * w * ECC_CYCLES_PER_BIT_WORD2;
}

function modexpCycles(exponentBits: number, modulusBits: number): number {
  const w = wordsFor(Math.max(modulusBits, 32));
  return SMALL_OPERATION_CYCLES + Math.max(exponentBits, 1) * w * w * MODEXP_CYCLES_PER_BIT_WORD2;
}

function linearCycles(bits: number): number {
  return SMALL_OPERATION_CYCLES + 2 * wordsFor(Math.max(bits, 32));
}

function quadraticCycles(bits: number): number {
  const w = wordsFor(Math.max(bits, 32));
  return SMALL_OPERATION_CYCLES + 4 * w * w;
}

function montgomeryParamCycles(bits: number): number {
  return SMALL_OPERATION_CYCLES + 4 * Math.max(bits, 32) * wordsFor(Math.max(bits, 32));
}

function inversionCycles(bits: number): number {
  return SMALL_OPERATION_CYCLES + 40 * Math.max(bits, 32) * wordsFor(Math.max(bits, 32));
}

function sizeOk(bits: number, max: number, min = 1): boolean {
  return Number.isInteger(bits) && bits >= min && bits <= max;
}

/** R of the Montgomery domain: 2 to the operand size rounded up to 64-bit digits. */
function montgomeryR(bits: number): bigint {
  return 1n << BigInt(64 * Math.ceil(Math.max(bits, 1) / 64));
}

function done(writes: RamWrite[], cycles: number, operationError = false): OperationOutcome {
  return { writes, cycles, operationError };
}

function status(offset: number, value: number): RamWrite {
  return { offset, value: BigInt(value), words: 1 };
}

function signedA(ram: PkaRam, signOffset: number, aOffset: number, words: number, p: bigint): bigint {
  const magnitude = ram.operand(aOffset, words);
  return (ram.word(signOffset) & 1) ? mod(-magnitude, p) : mod(magnitude, p);
}

/** A projective (homogeneous, x = X/Z, y = Y/Z) point read from RAM; Z = 0 is the point at infinity. */
function projective(ram: PkaRam, xOffset: number, yOffset: number, zOffset: number, words: number, p: bigint): MaybePoint | 'invalid' {
  const Z = mod(ram.operand(zOffset, words), p);
  if (Z === 0n) return null;
  const zInv = modInverse(Z, p);
  if (zInv === null) return 'invalid';
  return { x: mod(ram.operand(xOffset, words) * zInv, p), y: mod(ram.operand(yOffset, words) * zInv, p) };
}

// ---- Modular and RSA arithmetic -------------------------------------------------------------

const montgomeryParam: Operation = (ram) => {
  const L = Ram.MONTGOMERY_PARAM;
  const bits = ram.word(L.IN_MOD_NB_BITS);
  if (!sizeOk(bits, MAX_RSA_BITS)) return done([], SMALL_OPERATION_CYCLES, true);
  const w = wordsFor(bits);
  const n = ram.operand(L.IN_MODULUS, w);
  if (n <= 1n) return done([], SMALL_OPERATION_CYCLES, true);
  const R = montgomeryR(bits);
  return done([{ offset: L.OUT_PARAMETER, value: (R * R) % n, words: w }], montgomeryParamCycles(bits));
};

function modularExponentiation(fast: boolean): Operation {
  return (ram) => {
    const L = Ram.MODULAR_EXP;
    const expBits = ram.word(L.IN_EXP_NB_BITS);
    const opBits = ram.word(L.IN_OP_NB_BITS);
    if (!sizeOk(expBits, MAX_RSA_BITS) || !sizeOk(opBits, MAX_RSA_BITS)) return done([], SMALL_OPERATION_CYCLES, true);
    const w = wordsFor(opBits);
    const n = ram.operand(L.IN_MODULUS, w);
    if (n <= 1n) return done([], SMALL_OPERATION_CYCLES, true);
    const base = ram.operand(L.IN_EXPONENT_BASE, w);
    const exponent = ram.operand(L.IN_EXPONENT, wordsFor(expBits));
    const writes: RamWrite[] = [{ offset: L.OUT_RESULT, value: modPow(base, exponent, n), words: w }];
    // The normal mode leaves the Montgomery parameter it computed where the fast mode takes it.
    if (!fast) writes.push({ offset: L.OUT_MONTGOMERY_PARAM, value: (montgomeryR(opBits) ** 2n) % n, words: w });
    return done(writes, modexpCycles(bitLength(exponent), opBits) + (fast ? 0 : montgomeryParamCycles(opBits)));
  };
}

const modularExponentiationProtected: Operation = (ram) => {
  const L = Ram.MODULAR_EXP;
  const P = Ram.MODULAR_EXP_PROTECT;
  const expBits = ram.word(L.IN_EXP_NB_BITS);
  const opBits = ram.word(L.IN_OP_NB_BITS);
  if (!sizeOk(expBits, MAX_RSA_BITS) || !sizeOk(opBits, MAX_RSA_BITS)) {
    return done([status(L.OUT_ERROR, PkaStatus.FAILED_COMPUTATION)], SMALL_OPERATION_CYCLES, true);
  }
  const w = wordsFor(opBits);
  const n = ram.operand(P.IN_MODULUS, w);
  const phi = ram.operand(P.IN_PHI, w);
  const base = ram.operand(P.IN_EXPONENT_BASE, w);
  const exponent = ram.operand(P.IN_EXPONENT, wordsFor(expBits));
  // The protected mode blinds the exponent with phi(n); it needs an odd modulus above the base.
  if (n <= 1n || (n & 1n) === 0n || phi === 0n || base >= n) {
    return done([status(L.OUT_ERROR, PkaStatus.FAILED_COMPUTATION)], modexpCycles(expBits, opBits));
  }
  return done([
    { offset: L.OUT_RESULT, value: modPow(base, exponent, n), words: w },
    status(L.OUT_ERROR, PkaStatus.NO_ERROR),
  ], 2 * modexpCycles(expBits, opBits));
};

const rsaCrtExponentiation: Operation = (ram) => {
  const L = Ram.RSA_CRT_EXP;
  const bits = ram.word(L.IN_MOD_NB_BITS);
  if (!sizeOk(bits, MAX_RSA_BITS, 2)) return done([], SMALL_OPERATION_CYCLES, true);
  const w = wordsFor(bits);
  const half = wordsFor(Math.ceil(bits / 2));
  const p = ram.operand(L.IN_PRIME_P, half);
  const q = ram.operand(L.IN_PRIME_Q, half);
  if (p <= 1n || q <= 1n) return done([], SMALL_OPERATION_CYCLES, true);
  const dP = ram.operand(L.IN_DP_CRT, half);
  const dQ = ram.operand(L.IN_DQ_CRT, half);
  const qInv = ram.operand(L.IN_QINV_CRT, half);
  const a = ram.operand(L.IN_EXPONENT_BASE, w);
  const m1 = modPow(a, dP, p);
  const m2 = modPow(a, dQ, q);
  const h = mod(qInv * (m1 - m2), p);
  const result = m2 + h * q;
  return done([{ offset: L.OUT_RESULT, value: result, words: w }], 2 * modexpCycles(bits / 2, bits / 2));
};

function arithmetic(compute: (a: bigint, b: bigint, n: bigint, bits: number) => { value: bigint; words: number } | null, cycles: (bits: number) => number): Operation {
  return (ram) => {
    const L = Ram.ARITHMETIC;
    const bits = ram.word(L.IN_OP_NB_BITS);
    if (!sizeOk(bits, MAX_RSA_BITS)) return done([], SMALL_OPERATION_CYCLES, true);
    const w = wordsFor(bits);
    const out = compute(ram.operand(L.IN_OP1, w), ram.operand(L.IN_OP2, w), ram.operand(L.IN_OP3, w), bits);
    if (out === null) return done([], cycles(bits), true);
    // One zero word past the result: HAL_PKA_Arithmetic_GetResult looks there for a carry.
    return done([{ offset: L.OUT_RESULT, value: out.value, words: out.words + 1 }], cycles(bits));
  };
}

const arithmeticAdd = arithmetic((a, b, _n, bits) => ({ value: a + b, words: wordsFor(bits) + 1 }), linearCycles);
const arithmeticSub = arithmetic((a, b, _n, bits) => {
  const w = wordsFor(bits);
  // A < B wraps around, as a w-word subtractor does.
  return { value: mod(a - b, 1n << BigInt(32 * w)), words: w };
}, linearCycles);
const arithmeticMul = arithmetic((a, b, _n, bits) => ({ value: a * b, words: 2 * wordsFor(bits) }), quadraticCycles);
const comparison = arithmetic((a, b) => ({
  value: BigInt(a === b ? PkaComparison.EQUAL : a > b ? PkaComparison.GREATER : PkaComparison.LESS), words: 1,
}), linearCycles);
const modularAdd = arithmetic((a, b, n, bits) => (n === 0n ? null : { value: mod(a + b, n), words: wordsFor(bits) }), linearCycles);
const modularSub = arithmetic((a, b, n, bits) => (n === 0n ? null : { value: mod(a - b, n), words: wordsFor(bits) }), linearCycles);
const montgomeryMul = arithmetic((a, b, n, bits) => {
  const rInv = modInverse(montgomeryR(bits), n);
  return rInv === null ? null : { value: mod(a * b * rInv, n), words: wordsFor(bits) };
}, quadraticCycles);

const modularInversion: Operation = (ram) => {
  const L = Ram.ARITHMETIC;
  const bits = ram.word(L.IN_OP_NB_BITS);
  if (!sizeOk(bits, MAX_RSA_BITS)) return done([], SMALL_OPERATION_CYCLES, true);
  const w = wordsFor(bits);
  const inverse = modInverse(ram.operand(L.IN_OP1, w), ram.operand(L.IN_OP2, w));
  // No inverse (gcd ≠ 1): the result reads as zero.
  return done([{ offset: L.OUT_RESULT, value: inverse ?? 0n, words: w }], inversionCycles(bits));
};

const modularReduction: Operation = (ram) => {
  const L = Ram.MODULAR_REDUC;
  const opBits = ram.word(L.IN_OP_LENGTH);
  const modBits = ram.word(L.IN_MOD_LENGTH);
  if (!sizeOk(opBits, MAX_RSA_BITS) || !sizeOk(modBits, MAX_RSA_BITS)) return done([], SMALL_OPERATION_CYCLES, true);
  const n = ram.operand(L.IN_MODULUS, wordsFor(modBits));
  if (n === 0n) return done([], SMALL_OPERATION_CYCLES, true);
  const a = ram.operand(L.IN_OPERAND, wordsFor(opBits));
  return done([{ offset: L.OUT_RESULT, value: a % n, words: wordsFor(modBits) }], quadraticCycles(Math.max(opBits, modBits)));
};

// ---- Elliptic curves ------------------------------------------------------------------------

interface EccInputs { pBits: number; w: number; p: bigint; a: bigint }

/** The field of an ECC operation; 'size' when the PKA rejects the operand size (OPERRF), 'modulus' for p < 3. */
function eccField(ram: PkaRam, pBitsOffset: number, pOffset: number, signOffset: number, aOffset: number): EccInputs | 'size' | 'modulus' {
  const pBits = ram.word(pBitsOffset);
  if (!sizeOk(pBits, MAX_ECC_BITS, 2)) return 'size';
  const w = wordsFor(pBits);
  const p = ram.operand(pOffset, w);
  if (p < 3n) return 'modulus';
  return { pBits, w, p, a: signedA(ram, signOffset, aOffset, w, p) };
}

function point(x: bigint, y: bigint): Affine {
  return { x, y };
}

function inField(P: Affine, p: bigint): boolean {
  return P.x < p && P.y < p;
}

const eccScalarMultiplication: Operation = (ram) => {
  const L = Ram.ECC_MUL;
  const failed = (cycles: number, operationError = false) => done([
    { offset: L.OUT_RESULT_X, value: 0n, words: 1 }, { offset: L.OUT_RESULT_Y, value: 0n, words: 1 },
    status(L.OUT_ERROR, PkaStatus.FAILED_COMPUTATION),
  ], cycles, operationError);
  const field = eccField(ram, L.IN_OP_NB_BITS, L.IN_MOD_GF, L.IN_A_COEFF_SIGN, L.IN_A_COEFF);
  const nBits = ram.word(L.IN_EXP_NB_BITS);
  if (field === 'size' || !sizeOk(nBits, MAX_ECC_BITS)) return failed(SMALL_OPERATION_CYCLES, true);
  if (field === 'modulus') return failed(SMALL_OPERATION_CYCLES);
  const { w, p, a, pBits } = field;
  const b = ram.operand(L.IN_B_COEFF, w);
  const n = ram.operand(L.IN_N_PRIME_ORDER, wordsFor(nBits));
  const k = ram.operand(L.IN_K, wordsFor(nBits));
  const P = point(ram.operand(L.IN_POINT_X, w), ram.operand(L.IN_POINT_Y, w));
  const cycles = eccCycles(nBits, pBits);
  const curve = curveFor({ p, a, b, n: n > 0n ? n : undefined });
  if (!curve.isOnCurve(P)) return failed(cycles);
  const result = guarded(() => curve.multiply(P, k), null);
  if (result === null) return failed(cycles);
  return done([
    { offset: L.OUT_RESULT_X, value: result.x, words: w },
    { offset: L.OUT_RESULT_Y, value: result.y, words: w },
    status(L.OUT_ERROR, PkaStatus.NO_ERROR),
  ], cycles);
};

const pointCheck: Operation = (ram) => {
  const L = Ram.POINT_CHECK;
  const field = eccField(ram, L.IN_MOD_NB_BITS, L.IN_MOD_GF, L.IN_A_COEFF_SIGN, L.IN_A_COEFF);
  if (typeof field === 'string') return done([status(L.OUT_ERROR, PkaStatus.FAILED_COMPUTATION)], SMALL_OPERATION_CYCLES, field === 'size');
  const { w, p, a, pBits } = field;
  const P = point(ram.operand(L.IN_POINT_X, w), ram.operand(L.IN_POINT_Y, w));
  const cycles = quadraticCycles(pBits) * 12;
  if (!inField(P, p)) return done([status(L.OUT_ERROR, PkaStatus.SPART_SIGNATURE_NULL)], cycles);
  const curve = curveFor({ p, a, b: ram.operand(L.IN_B_COEFF, w) });
  const onCurve = curve.isOnCurve(P);
  return done([status(L.OUT_ERROR, onCurve ? PkaStatus.NO_ERROR : PkaStatus.RPART_SIGNATURE_NULL)], cycles);
};

const ecdsaSign: Operation = (ram) => {
  const L = Ram.ECDSA_SIGN;
  const field = eccField(ram, L.IN_MOD_NB_BITS, L.IN_MOD_GF, L.IN_A_COEFF_SIGN, L.IN_A_COEFF);
  const nBits = ram.word(L.IN_ORDER_NB_BITS);
  if (typeof field === 'string' || !sizeOk(nBits, MAX_ECC_BITS, 2)) {
    return done([status(L.OUT_ERROR, PkaStatus.FAILED_COMPUTATION)], SMALL_OPERATION_CYCLES, field === 'size' || !sizeOk(nBits, MAX_ECC_BITS, 2));
  }
  const { w, p, a, pBits } = field;
  const nw = wordsFor(nBits);
  const b = ram.operand(L.IN_B_COEFF, w);
  const n = ram.operand(L.IN_ORDER_N, nw);
  const G = point(ram.operand(L.IN_POINT_X, w), ram.operand(L.IN_POINT_Y, w));
  const k = ram.operand(L.IN_K, nw);
  const d = ram.operand(L.IN_PRIVATE_KEY_D, nw);
  const e = ram.operand(L.IN_HASH_E, nw);
  const cycles = eccCycles(nBits, pBits) + inversionCycles(nBits);
  const fail = (code: number) => done([
    { offset: L.OUT_SIGNATURE_R, value: 0n, words: nw }, { offset: L.OUT_SIGNATURE_S, value: 0n, words: nw },
    status(L.OUT_ERROR, code),
  ], cycles);
  if (n < 2n || k === 0n || k >= n || d === 0n || d >= n) return fail(PkaStatus.FAILED_COMPUTATION);
  const curve = curveFor({ p, a, b, n, G });
  if (!curve.isOnCurve(G)) return fail(PkaStatus.FAILED_COMPUTATION);
  const R = guarded(() => curve.multiply(G, k), null);
  if (R === null) return fail(PkaStatus.FAILED_COMPUTATION);
  const r = R.x % n;
  if (r === 0n) return fail(PkaStatus.RPART_SIGNATURE_NULL);
  const kInv = modInverse(k, n);
  if (kInv === null) return fail(PkaStatus.FAILED_COMPUTATION);
  const s = mod(kInv * (e + r * d), n);
  if (s === 0n) return fail(PkaStatus.SPART_SIGNATURE_NULL);
  return done([
    { offset: L.OUT_SIGNATURE_R, value: r, words: nw },
    { offset: L.OUT_SIGNATURE_S, value: s, words: nw },
    { offset: L.OUT_FINAL_POINT_X, value: R.x, words: w },
    { offset: L.OUT_FINAL_POINT_Y, value: R.y, words: w },
    status(L.OUT_ERROR, PkaStatus.NO_ERROR),
  ], cycles);
};

const ecdsaVerify: Operation = (ram) => {
  const L = Ram.ECDSA_VERIFY;
  const invalid = (cycles: number, operationError = false) =>
    done([status(L.OUT_RESULT, PkaStatus.RPART_SIGNATURE_NULL)], cycles, operationError);
  const field = eccField(ram, L.IN_MOD_NB_BITS, L.IN_MOD_GF, L.IN_A_COEFF_SIGN, L.IN_A_COEFF);
  const nBits = ram.word(L.IN_ORDER_NB_BITS);
  const sizeError = field === 'size' || !sizeOk(nBits, MAX_ECC_BITS, 2);
  if (typeof field === 'string' || sizeError) return invalid(SMALL_OPERATION_CYCLES, sizeError);
  const { w, p, a, pBits } = field;
  const nw = wordsFor(nBits);
  const n = ram.operand(L.IN_ORDER_N, nw);
  const G = point(ram.operand(L.IN_POINT_X, w), ram.operand(L.IN_POINT_Y, w));
  const Q = point(ram.operand(L.IN_PUBLIC_KEY_X, w), ram.operand(L.IN_PUBLIC_KEY_Y, w));
  const r = ram.operand(L.IN_SIGNATURE_R, nw);
  const s = ram.operand(L.IN_SIGNATURE_S, nw);
  const e = ram.operand(L.IN_HASH_E, nw);
  const cycles = eccCycles(nBits, pBits, 2) + inversionCycles(nBits);
  if (n < 2n || r === 0n || r >= n || s === 0n || s >= n) return invalid(cycles);
  if (!inField(G, p) || !inField(Q, p)) return invalid(cycles);
  // The operation takes no b: the curve is the one through G with the given p and a.
  const b = mod(G.y * G.y - G.x * G.x * G.x - a * G.x, p);
  const curve: CurveArithmetic = curveFor({ p, a, b, n, G });
  if (!curve.isOnCurve(Q)) return invalid(cycles);
  const sInv = modInverse(s, n);
  if (sInv === null) return invalid(cycles);
  const u1 = mod(e * sInv, n);
  const u2 = mod(r * sInv, n);
  const X = guarded(() => curve.mulAdd(G, u1, Q, u2), null);
  if (X === null) return invalid(cycles);
  return done([status(L.OUT_RESULT, X.x % n === r ? PkaStatus.NO_ERROR : PkaStatus.RPART_SIGNATURE_NULL)], cycles);
};

const eccCompleteAddition: Operation = (ram) => {
  const L = Ram.ECC_COMPLETE_ADD;
  const field = eccField(ram, L.IN_MOD_NB_BITS, L.IN_MOD_P, L.IN_A_COEFF_SIGN, L.IN_A_COEFF);
  if (typeof field === 'string') return done([], SMALL_OPERATION_CYCLES, field === 'size');
  const { w, p, a, pBits } = field;
  const P = projective(ram, L.IN_POINT1_X, L.IN_POINT1_Y, L.IN_POINT1_Z, w, p);
  const Q = projective(ram, L.IN_POINT2_X, L.IN_POINT2_Y, L.IN_POINT2_Z, w, p);
  const cycles = quadraticCycles(pBits) * 14;
  const curve = curveFor({ p, a });
  const sum = P === 'invalid' || Q === 'invalid' ? null : guarded(() => curve.add(P, Q), null);
  // The result is given with Z = 1 (any representative of the class is a valid projective point);
  // the point at infinity is (0 : 1 : 0).
  const [X, Y, Z] = sum === null ? [0n, 1n, 0n] : [sum.x, sum.y, 1n];
  return done([
    { offset: L.OUT_RESULT_X, value: X, words: w },
    { offset: L.OUT_RESULT_Y, value: Y, words: w },
    { offset: L.OUT_RESULT_Z, value: Z, words: w },
  ], cycles);
};

const doubleBaseLadder: Operation = (ram) => {
  const L = Ram.DOUBLE_BASE_LADDER;
  const failed = (cycles: number, operationError = false) => done([
    { offset: L.OUT_RESULT_X, value: 0n, words: 1 }, { offset: L.OUT_RESULT_Y, value: 0n, words: 1 },
    status(L.OUT_ERROR, PkaStatus.FAILED_COMPUTATION),
  ], cycles, operationError);
  const field = eccField(ram, L.IN_MOD_NB_BITS, L.IN_MOD_P, L.IN_A_COEFF_SIGN, L.IN_A_COEFF);
  const nBits = ram.word(L.IN_PRIME_ORDER_NB_BITS);
  const sizeError = field === 'size' || !sizeOk(nBits, MAX_ECC_BITS);
  if (typeof field === 'string' || sizeError) return failed(SMALL_OPERATION_CYCLES, sizeError);
  const { w, p, a, pBits } = field;
  const scalarWords = Math.max(w, wordsFor(nBits));
  const k = ram.operand(L.IN_K_INTEGER, scalarWords);
  const m = ram.operand(L.IN_M_INTEGER, scalarWords);
  const P = projective(ram, L.IN_POINT1_X, L.IN_POINT1_Y, L.IN_POINT1_Z, w, p);
  const Q = projective(ram, L.IN_POINT2_X, L.IN_POINT2_Y, L.IN_POINT2_Z, w, p);
  const cycles = eccCycles(nBits, pBits, 2);
  if (P === 'invalid' || Q === 'invalid') return failed(cycles);
  const curve = curveFor({ p, a });
  const result = guarded(() => curve.mulAdd(P, k, Q, m), null);
  if (result === null) return failed(cycles);
  return done([
    { offset: L.OUT_RESULT_X, value: result.x, words: w },
    { offset: L.OUT_RESULT_Y, value: result.y, words: w },
    status(L.OUT_ERROR, PkaStatus.NO_ERROR),
  ], cycles);
};

const projectiveToAffine: Operation = (ram) => {
  const L = Ram.ECC_PROJECTIVE_AFF;
  const pBits = ram.word(L.IN_MOD_NB_BITS);
  const failed = (cycles: number, operationError = false) => done([
    { offset: L.OUT_RESULT_X, value: 0n, words: 1 }, { offset: L.OUT_RESULT_Y, value: 0n, words: 1 },
    status(L.OUT_ERROR, PkaStatus.FAILED_COMPUTATION),
  ], cycles, operationError);
  if (!sizeOk(pBits, MAX_ECC_BITS, 2)) return failed(SMALL_OPERATION_CYCLES, true);
  const w = wordsFor(pBits);
  const p = ram.operand(L.IN_MOD_P, w);
  if (p < 3n) return failed(SMALL_OPERATION_CYCLES);
  const P = projective(ram, L.IN_POINT_X, L.IN_POINT_Y, L.IN_POINT_Z, w, p);
  const cycles = inversionCycles(pBits);
  if (P === null || P === 'invalid') return failed(cycles);
  return done([
    { offset: L.OUT_RESULT_X, value: P.x, words: w },
    { offset: L.OUT_RESULT_Y, value: P.y, words: w },
    status(L.OUT_ERROR, PkaStatus.NO_ERROR),
  ], cycles);
};

const OPERATIONS: ReadonlyMap<number, Operation> = new Map<number, Operation>([
  [PkaMode.MODULAR_EXP, modularExponentiation(false)],
  [PkaMode.MONTGOMERY_PARAM, montgomeryParam],
  [PkaMode.MODULAR_EXP_FAST, modularExponentiation(true)],
  [PkaMode.MODULAR_EXP_PROTECT, modularExponentiationProtected],
  [PkaMode.RSA_CRT_EXP, rsaCrtExponentiation],
  [PkaMode.MODULAR_INV, modularInversion],
  [PkaMode.ARITHMETIC_ADD, arithmeticAdd],
  [PkaMode.ARITHMETIC_SUB, arithmeticSub],
  [PkaMode.ARITHMETIC_MUL, arithmeticMul],
  [PkaMode.COMPARISON, comparison],
  [PkaMode.MODULAR_REDUC, modularReduction],
  [PkaMode.MODULAR_ADD, modularAdd],
  [PkaMode.MODULAR_SUB, modularSub],
  [PkaMode.MONTGOMERY_MUL, montgomeryMul],
  [PkaMode.ECC_MUL, eccScalarMultiplication],
  [PkaMode.ECC_COMPLETE_ADD, eccCompleteAddition],
  [PkaMode.ECDSA_SIGN, ecdsaSign],
  [PkaMode.ECDSA_VERIFY, ecdsaVerify],
  [PkaMode.DOUBLE_BASE_LADDER, doubleBaseLadder],
  [PkaMode.POINT_CHECK, pointCheck],
  [PkaMode.ECC_PROJECTIVE_AFF, projectiveToAffine],
]);

export function isKnownMode(mode: number): boolean {
  return OPERATIONS.has(mode);
}

/** Runs the operation `mode` on the RAM contents; null for a mode the PKA does not have. */
export function runOperation(mode: number, ram: PkaRam): OperationOutcome | null {
  const operation = OPERATIONS.get(mode);
  return operation ? operation(ram) : null;
}
