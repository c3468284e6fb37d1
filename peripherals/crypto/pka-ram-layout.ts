// Where each PKA operation finds its operands and leaves its results: byte offsets from the PKA
// base, as the CMSIS device header (stm32h563xx.h, PKA_*_IN_* / PKA_*_OUT_*) and RM0481 §36 give
// them. Operands are little-endian sequences of 32-bit words (least significant word first); the
// HAL ends each operand with two zero words.
import { PKA_RAM_END, PKA_RAM_OFFSET } from './pka.regs.js';

/** CR.MODE operation codes (RM0481 §36, stm32h5xx_ll_pka.h LL_PKA_MODE_*). */
export const PkaMode = {
  MODULAR_EXP: 0x00,
  MONTGOMERY_PARAM: 0x01,
  MODULAR_EXP_FAST: 0x02,
  MODULAR_EXP_PROTECT: 0x03,
  RSA_CRT_EXP: 0x07,
  MODULAR_INV: 0x08,
  ARITHMETIC_ADD: 0x09,
  ARITHMETIC_SUB: 0x0a,
  ARITHMETIC_MUL: 0x0b,
  COMPARISON: 0x0c,
  MODULAR_REDUC: 0x0d,
  MODULAR_ADD: 0x0e,
  MODULAR_SUB: 0x0f,
  MONTGOMERY_MUL: 0x10,
  ECC_MUL: 0x20,
  ECC_COMPLETE_ADD: 0x23,
  ECDSA_SIGN: 0x24,
  ECDSA_VERIFY: 0x26,
  DOUBLE_BASE_LADDER: 0x27,
  POINT_CHECK: 0x28,
  ECC_PROJECTIVE_AFF: 0x2f,
} as const;

/**
 * Status words the PKA writes into its RAM (stm32h5xx_hal_pka.h PKA_Operation_Status). Only the
 * operations whose layout below has OUT_ERROR (or ECDSA verify's OUT_RESULT) write one, as
 * stm32h563xx.h defines them: ECC scalar multiplication, point check, ECDSA sign/verify, double-base
 * ladder, projective to affine, and modular exponentiation's word at 0x1298, which HAL_PKA reads only
 * after the protected mode; the model writes it only there. Normal/fast exponentiation, RSA CRT,
 * complete addition and the arithmetic operations leave no status word.
 */
export const PkaStatus = {
  NO_ERROR: 0xd60d,
  FAILED_COMPUTATION: 0xcbc9,
  /** ECDSA sign: r = 0; also "signature invalid" / "point not on curve". */
  RPART_SIGNATURE_NULL: 0xa3b7,
  /** ECDSA sign: s = 0; also "coordinate not below p" in the point check. */
  SPART_SIGNATURE_NULL: 0xf946,
} as const;

/** Result of a comparison (mode 0x0C) at OUT_RESULT. */
export const PkaComparison = { EQUAL: 0xed2c, GREATER: 0x7af8, LESS: 0x916a } as const;

export const Ram = {
  MONTGOMERY_PARAM: { IN_MOD_NB_BITS: 0x408, IN_MODULUS: 0x1088, OUT_PARAMETER: 0x620 },
  MODULAR_EXP: {
    IN_EXP_NB_BITS: 0x400, IN_OP_NB_BITS: 0x408, IN_MONTGOMERY_PARAM: 0x620, IN_EXPONENT_BASE: 0xc68,
    IN_EXPONENT: 0xe78, IN_MODULUS: 0x1088, OUT_RESULT: 0x838, OUT_ERROR: 0x1298, OUT_MONTGOMERY_PARAM: 0x620,
  },
  MODULAR_EXP_PROTECT: { IN_EXPONENT_BASE: 0x16c8, IN_EXPONENT: 0x14b8, IN_MODULUS: 0x838, IN_PHI: 0xc68 },
  ECC_MUL: {
    IN_EXP_NB_BITS: 0x400, IN_OP_NB_BITS: 0x408, IN_A_COEFF_SIGN: 0x410, IN_A_COEFF: 0x418, IN_B_COEFF: 0x520,
    IN_MOD_GF: 0x1088, IN_K: 0x12a0, IN_POINT_X: 0x578, IN_POINT_Y: 0x470, IN_N_PRIME_ORDER: 0xf88,
    OUT_RESULT_X: 0x578, OUT_RESULT_Y: 0x5d0, OUT_ERROR: 0x680,
  },
  POINT_CHECK: {
    IN_MOD_NB_BITS: 0x408, IN_A_COEFF_SIGN: 0x410, IN_A_COEFF: 0x418, IN_B_COEFF: 0x520, IN_MOD_GF: 0x470,
    IN_POINT_X: 0x578, IN_POINT_Y: 0x5d0, IN_MONTGOMERY_PARAM: 0x4c8, OUT_ERROR: 0x680,
  },
  ECDSA_SIGN: {
    IN_ORDER_NB_BITS: 0x400, IN_MOD_NB_BITS: 0x408, IN_A_COEFF_SIGN: 0x410, IN_A_COEFF: 0x418, IN_B_COEFF: 0x520,
    IN_MOD_GF: 0x1088, IN_K: 0x12a0, IN_POINT_X: 0x578, IN_POINT_Y: 0x470, IN_HASH_E: 0xfe8,
    IN_PRIVATE_KEY_D: 0xf28, IN_ORDER_N: 0xf88,
    OUT_ERROR: 0xfe0, OUT_SIGNATURE_R: 0x730, OUT_SIGNATURE_S: 0x788, OUT_FINAL_POINT_X: 0x1400, OUT_FINAL_POINT_Y: 0x1458,
  },
  ECDSA_VERIFY: {
    IN_ORDER_NB_BITS: 0x408, IN_MOD_NB_BITS: 0x4c8, IN_A_COEFF_SIGN: 0x468, IN_A_COEFF: 0x470, IN_MOD_GF: 0x4d0,
    IN_POINT_X: 0x678, IN_POINT_Y: 0x6d0, IN_PUBLIC_KEY_X: 0x12f8, IN_PUBLIC_KEY_Y: 0x1350,
    IN_SIGNATURE_R: 0x10e0, IN_SIGNATURE_S: 0xc68, IN_HASH_E: 0x13a8, IN_ORDER_N: 0x1088,
    OUT_RESULT: 0x5d0,
  },
  RSA_CRT_EXP: {
    IN_MOD_NB_BITS: 0x408, IN_DP_CRT: 0x730, IN_DQ_CRT: 0xe78, IN_QINV_CRT: 0x948, IN_PRIME_P: 0xb60,
    IN_PRIME_Q: 0x1088, IN_EXPONENT_BASE: 0x12a0, OUT_RESULT: 0x838,
  },
  MODULAR_REDUC: { IN_OP_LENGTH: 0x400, IN_MOD_LENGTH: 0x408, IN_OPERAND: 0xa50, IN_MODULUS: 0xc68, OUT_RESULT: 0xe78 },
  /** Arithmetic and modular add/sub/mul/compare/inversion, Montgomery multiplication. */
  ARITHMETIC: { IN_OP_NB_BITS: 0x408, IN_OP1: 0xa50, IN_OP2: 0xc68, IN_OP3: 0x1088, OUT_RESULT: 0xe78 },
  ECC_COMPLETE_ADD: {
    IN_MOD_NB_BITS: 0x408, IN_A_COEFF_SIGN: 0x410, IN_A_COEFF: 0x418, IN_MOD_P: 0x470,
    IN_POINT1_X: 0x628, IN_POINT1_Y: 0x680, IN_POINT1_Z: 0x6d8, IN_POINT2_X: 0x730, IN_POINT2_Y: 0x788, IN_POINT2_Z: 0x7e0,
    OUT_RESULT_X: 0xd60, OUT_RESULT_Y: 0xdb8, OUT_RESULT_Z: 0xe10,
  },
  DOUBLE_BASE_LADDER: {
    IN_PRIME_ORDER_NB_BITS: 0x400, IN_MOD_NB_BITS: 0x408, IN_A_COEFF_SIGN: 0x410, IN_A_COEFF: 0x418, IN_MOD_P: 0x470,
    IN_K_INTEGER: 0x520, IN_M_INTEGER: 0x578,
    IN_POINT1_X: 0x628, IN_POINT1_Y: 0x680, IN_POINT1_Z: 0x6d8, IN_POINT2_X: 0x730, IN_POINT2_Y: 0x788, IN_POINT2_Z: 0x7e0,
    OUT_RESULT_X: 0x578, OUT_RESULT_Y: 0x5d0, OUT_ERROR: 0x520,
  },
  ECC_PROJECTIVE_AFF: {
    IN_MOD_NB_BITS: 0x408, IN_MOD_P: 0x470, IN_POINT_X: 0xd60, IN_POINT_Y: 0xdb8, IN_POINT_Z: 0xe10,
    IN_MONTGOMERY_PARAM: 0x4c8, OUT_RESULT_X: 0x578, OUT_RESULT_Y: 0x5d0, OUT_ERROR: 0x680,
  },
} as const;

/** Largest operands the PKA accepts (RM0481 §36: 4160-bit RSA operands, 640-bit ECC operands). */
export const MAX_RSA_BITS = 4160;
export const MAX_ECC_BITS = 640;

export function wordsFor(bits: number): number {
  return Math.ceil(bits / 32);
}

/** The PKA RAM as the operations see it: word access by block offset, bigint operands. */
export class PkaRam {
  readonly words = new Uint32Array((PKA_RAM_END - PKA_RAM_OFFSET) / 4);

  static contains(offset: number, words = 1): boolean {
    return offset >= PKA_RAM_OFFSET && offset + words * 4 <= PKA_RAM_END && offset % 4 === 0;
  }

  word(offset: number): number {
    return PkaRam.contains(offset) ? this.words[(offset - PKA_RAM_OFFSET) >> 2]! : 0;
  }

  setWord(offset: number, value: number): void {
    if (PkaRam.contains(offset)) this.words[(offset - PKA_RAM_OFFSET) >> 2] = value >>> 0;
  }

  /** Reads `count` words from `offset` as one little-endian number (words past the RAM read 0). */
  operand(offset: number, count: number): bigint {
    let value = 0n;
    for (let i = count - 1; i >= 0; i--) value = (value << 32n) | BigInt(this.word(offset + i * 4));
    return value;
  }

  /** Writes `value` as exactly `count` little-endian words (truncated to them). */
  setOperand(offset: number, value: bigint, count: number): void {
    let v = value < 0n ? 0n : value;
    for (let i = 0; i < count; i++) {
      this.setWord(offset + i * 4, Number(v & 0xffffffffn));
      v >>= 32n;
    }
  }

  clear(): void {
    this.words.fill(0);
  }
}
