// Short Weierstrass curves y² = x³ + a·x + b over GF(p), as the PKA takes them: by parameters.
// When the parameters are those of NIST P-256/P-384/P-521 the arithmetic goes through
// @noble/curves (DESIGN.md decision 7); any other curve uses the bigint arithmetic below, which
// never throws on degenerate inputs (non-prime p, a zero denominator): it reports failure instead.
import { p256, p384, p521 } from '@noble/curves/nist.js';

export interface Affine { x: bigint; y: bigint }
/** `null` is the point at infinity. */
export type MaybePoint = Affine | null;

export interface CurveParams { p: bigint; a: bigint; b?: bigint }

export function mod(value: bigint, modulus: bigint): bigint {
  if (modulus <= 0n) return 0n;
  const r = value % modulus;
  return r < 0n ? r + modulus : r;
}

/** Inverse of `value` modulo `modulus`, or null when none exists. */
export function modInverse(value: bigint, modulus: bigint): bigint | null {
  if (modulus <= 1n) return null;
  let a = mod(value, modulus);
  if (a === 0n) return null;
  let m = modulus;
  let x0 = 0n;
  let x1 = 1n;
  while (a > 1n) {
    if (m === 0n) return null;
    const q = a / m;
    [a, m] = [m, a % m];
    [x0, x1] = [x1 - q * x0, x0];
  }
  return a === 1n ? mod(x1, modulus) : null;
}

export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (modulus <= 0n) return 0n;
  if (modulus === 1n) return 0n;
  let result = 1n;
  let b = mod(base, modulus);
  let e = exponent < 0n ? 0n : exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

export function bitLength(value: bigint): number {
  return value <= 0n ? 0 : value.toString(2).length;
}

/** Thrown inside the arithmetic when a denominator has no inverse; callers turn it into a status word. */
class NotInvertible extends Error {}

interface Jacobian { X: bigint; Y: bigint; Z: bigint }

/** Plain bigint arithmetic for any curve (Jacobian coordinates inside, affine outside). */
export class GenericCurve {
  constructor(readonly params: CurveParams) {}

  get p(): bigint { return this.params.p; }

  isOnCurve(point: Affine): boolean {
    const { p, a, b } = this.params;
    if (b === undefined || p <= 2n) return false;
    const { x, y } = point;
    if (x < 0n || y < 0n || x >= p || y >= p) return false;
    return mod(y * y - (x * x * x + a * x + b), p) === 0n;
  }

  add(P: MaybePoint, Q: MaybePoint): MaybePoint {
    return this.toAffine(this.addJ(this.fromAffine(P), this.fromAffine(Q)));
  }

  multiply(P: MaybePoint, k: bigint): MaybePoint {
    return this.toAffine(this.mulJ(this.fromAffine(P), k));
  }

  /** k·P + m·Q with one shared doubling chain (Shamir's trick). */
  mulAdd(P: MaybePoint, k: bigint, Q: MaybePoint, m: bigint): MaybePoint {
    const jp = this.fromAffine(P);
    const jq = this.fromAffine(Q);
    const jpq = this.addJ(jp, jq);
    let acc: Jacobian | null = null;
    const bits = Math.max(bitLength(k), bitLength(m));
    for (let i = bits - 1; i >= 0; i--) {
      acc = this.doubleJ(acc);
      const kb = (k >> BigInt(i)) & 1n;
      const mb = (m >> BigInt(i)) & 1n;
      if (kb && mb) acc = this.addJ(acc, jpq);
      else if (kb) acc = this.addJ(acc, jp);
      else if (mb) acc = this.addJ(acc, jq);
    }
    return this.toAffine(acc);
  }

  private fromAffine(P: MaybePoint): Jacobian | null {
    return P === null ? null : { X: mod(P.x, this.p), Y: mod(P.y, this.p), Z: 1n };
  }

  private toAffine(J: Jacobian | null): MaybePoint {
    if (J === null || mod(J.Z, this.p) === 0n) return null;
    const zInv = modInverse(J.Z, this.p);
    if (zInv === null) throw new NotInvertible();
    const z2 = (zInv * zInv) % this.p;
    return { x: mod(J.X * z2, this.p), y: mod(J.Y * z2 * zInv, this.p) };
  }

  private doubleJ(P: Jacobian | null): Jacobian | null {
    if (P === null) return null;
    const p = this.p;
    const { X, Y, Z } = P;
    if (mod(Y, p) === 0n || mod(Z, p) === 0n) return null;
    const YY = (Y * Y) % p;
    const S = (4n * X * YY) % p;
    const ZZ = (Z * Z) % p;
    const M = mod(3n * X * X + this.params.a * ZZ * ZZ, p);
    const X3 = mod(M * M - 2n * S, p);
    const Y3 = mod(M * (S - X3) - 8n * YY * YY, p);
    const Z3 = (2n * Y * Z) % p;
    return { X: X3, Y: Y3, Z: Z3 };
  }

  private addJ(P: Jacobian | null, Q: Jacobian | null): Jacobian | null {
    if (P === null) return Q;
    if (Q === null) return P;
    const p = this.p;
    const Z1Z1 = (P.Z * P.Z) % p;
    const Z2Z2 = (Q.Z * Q.Z) % p;
    const U1 = (P.X * Z2Z2) % p;
    const U2 = (Q.X * Z1Z1) % p;
    const S1 = (P.Y * Q.Z * Z2Z2) % p;
    const S2 = (Q.Y * P.Z * Z1Z1) % p;
    if (U1 === U2) return S1 === S2 ? this.doubleJ(P) : null;
    const H = mod(U2 - U1, p);
    const R = mod(S2 - S1, p);
    const HH = (H * H) % p;
    const HHH = (H * HH) % p;
    const V = (U1 * HH) % p;
    const X3 = mod(R * R - HHH - 2n * V, p);
    const Y3 = mod(R * (V - X3) - S1 * HHH, p);
    const Z3 = (P.Z * Q.Z * H) % p;
    return { X: X3, Y: Y3, Z: Z3 };
  }

  private mulJ(P: Jacobian | null, k: bigint): Jacobian | null {
    let acc: Jacobian | null = null;
    for (let i = bitLength(k) - 1; i >= 0; i--) {
      acc = this.doubleJ(acc);
      if ((k >> BigInt(i)) & 1n) acc = this.addJ(acc, P);
    }
    return acc;
  }
}

/** The operations the PKA model needs, whichever arithmetic backs them. */
export interface CurveArithmetic {
  readonly name: string;
  isOnCurve(point: Affine): boolean;
  add(P: MaybePoint, Q: MaybePoint): MaybePoint;
  multiply(P: MaybePoint, k: bigint): MaybePoint;
  mulAdd(P: MaybePoint, k: bigint, Q: MaybePoint, m: bigint): MaybePoint;
}

type NoblePoint = typeof p256.Point;

/** A named curve through @noble/curves; inputs must already be on the curve for its point type. */
class NobleCurve implements CurveArithmetic {
  private readonly generic: GenericCurve;
  constructor(readonly name: string, private readonly Point: NoblePoint) {
    const c = Point.CURVE();
    this.generic = new GenericCurve({ p: c.p, a: c.a, b: c.b });
  }

  private order(): bigint { return this.Point.CURVE().n; }

  private toNoble(P: MaybePoint): InstanceType<NoblePoint> {
    if (P === null) return this.Point.ZERO;
    const point = this.Point.fromAffine(P);
    point.assertValidity();
    return point;
  }

  private fromNoble(P: InstanceType<NoblePoint>): MaybePoint {
    if (P.is0()) return null;
    const { x, y } = P.toAffine();
    return { x, y };
  }

  isOnCurve(point: Affine): boolean {
    return this.generic.isOnCurve(point);
  }

  add(P: MaybePoint, Q: MaybePoint): MaybePoint {
    if (!this.allValid(P, Q)) return this.generic.add(P, Q);
    return this.fromNoble(this.toNoble(P).add(this.toNoble(Q)));
  }

  multiply(P: MaybePoint, k: bigint): MaybePoint {
    // Every point of these prime-order curves has order n, so k may be reduced.
    if (!this.allValid(P)) return this.generic.multiply(P, k);
    return this.fromNoble(this.toNoble(P).multiplyUnsafe(mod(k, this.order())));
  }

  mulAdd(P: MaybePoint, k: bigint, Q: MaybePoint, m: bigint): MaybePoint {
    if (!this.allValid(P, Q)) return this.generic.mulAdd(P, k, Q, m);
    const n = this.order();
    const a = this.toNoble(P).multiplyUnsafe(mod(k, n));
    const b = this.toNoble(Q).multiplyUnsafe(mod(m, n));
    return this.fromNoble(a.add(b));
  }

  private allValid(...points: MaybePoint[]): boolean {
    return points.every((P) => P === null || this.generic.isOnCurve(P));
  }
}

const NAMED: Array<{ name: string; Point: NoblePoint }> = [
  { name: 'P-256', Point: p256.Point },
  { name: 'P-384', Point: p384.Point },
  { name: 'P-521', Point: p521.Point },
];

/**
 * Picks the arithmetic for the curve the firmware loaded: noble's when p and a (and b, n, G
 * where the operation supplies them) match a NIST curve, our own otherwise.
 */
export function curveFor(params: CurveParams & { n?: bigint; G?: Affine }): CurveArithmetic {
  for (const { name, Point } of NAMED) {
    const c = Point.CURVE();
    if (params.p !== c.p || mod(params.a, c.p) !== c.a) continue;
    if (params.b !== undefined && params.b !== c.b) continue;
    if (params.n !== undefined && params.n !== c.n) continue;
    if (params.G !== undefined && (params.G.x !== c.Gx || params.G.y !== c.Gy)) continue;
    return new NobleCurve(name, Point);
  }
  const generic = new GenericCurve(params);
  return {
    name: 'generic',
    isOnCurve: (P) => generic.isOnCurve(P),
    add: (P, Q) => generic.add(P, Q),
    multiply: (P, k) => generic.multiply(P, k),
    mulAdd: (P, k, Q, m) => generic.mulAdd(P, k, Q, m),
  };
}

/** Runs curve arithmetic; a denominator without inverse (p not prime) yields `failed`. */
export function guarded<T>(compute: () => T, failed: T): T {
  try {
    return compute();
  } catch (error) {
    if (error instanceof NotInvertible) return failed;
    throw error;
  }
}
