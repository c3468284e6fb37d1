/*
 * Addresses and bits of the STM32H5 crypto blocks, as stm32h563xx.h / stm32h573xx.h define them
 * (non-secure aliases), and the PKA RAM operand offsets of RM0481 §36.5 (byte offsets from the
 * PKA base). Only what our drivers use.
 */
#ifndef H5_CRYPTO_REGISTERS_H
#define H5_CRYPTO_REGISTERS_H
#include <stdint.h>

#define H5_REG(address) (*(volatile uint32_t *)(address))

#define RCC_BASE 0x44020C00u
#define RCC_CR H5_REG(RCC_BASE + 0x000)
#define RCC_CR_HSI48ON (1u << 12)
#define RCC_CR_HSI48RDY (1u << 13)
#define RCC_AHB2ENR H5_REG(RCC_BASE + 0x08C)
#define RCC_AHB2ENR_AESEN (1u << 16)
#define RCC_AHB2ENR_HASHEN (1u << 17)
#define RCC_AHB2ENR_RNGEN (1u << 18)
#define RCC_AHB2ENR_PKAEN (1u << 19)

#define AES_BASE 0x420C0000u
#define AES_CR H5_REG(AES_BASE + 0x00)
#define AES_SR H5_REG(AES_BASE + 0x04)
#define AES_DINR H5_REG(AES_BASE + 0x08)
#define AES_DOUTR H5_REG(AES_BASE + 0x0C)
#define AES_KEYR(n) H5_REG(AES_BASE + 0x10 + 4 * (n)) /* KEYR0..KEYR3 */
#define AES_IVR(n) H5_REG(AES_BASE + 0x20 + 4 * (n))  /* IVR0..IVR3 */
#define AES_ISR H5_REG(AES_BASE + 0x304)
#define AES_ICR H5_REG(AES_BASE + 0x308)
#define AES_CR_EN (1u << 0)
#define AES_CR_DATATYPE_BYTE (2u << 1)
#define AES_CR_MODE_Pos 3
#define AES_CR_MODE_DECRYPT (2u << 3)
#define AES_CR_CHMOD_GCM (3u << 5) /* CHMOD[1:0] = 11, CHMOD[2] (bit 16) = 0 */
#define AES_CR_GCMPH_Pos 13
#define AES_CR_GCMPH_Msk (3u << 13)
#define AES_CR_KEYSIZE_256 (1u << 18)
#define AES_CR_NPBLB_Pos 20
#define AES_CR_NPBLB_Msk (0xFu << 20)
#define AES_CR_IPRST (1u << 31)
#define AES_SR_BUSY (1u << 3)
#define AES_ISR_CCF (1u << 0)
#define AES_ICR_CCF (1u << 0)

#define HASH_BASE 0x420C0400u
#define HASH_CR H5_REG(HASH_BASE + 0x00)
#define HASH_DIN H5_REG(HASH_BASE + 0x04)
#define HASH_STR H5_REG(HASH_BASE + 0x08)
#define HASH_SR H5_REG(HASH_BASE + 0x24)
#define HASH_HR(n) H5_REG(HASH_BASE + 0x310 + 4 * (n)) /* HASH_DIGEST->HR[0..7] */
#define HASH_CR_INIT (1u << 2)
#define HASH_CR_DATATYPE_BYTE (2u << 4)
#define HASH_CR_MODE_HMAC (1u << 6)
#define HASH_CR_LKEY (1u << 16)
#define HASH_CR_ALGO_SHA256 (3u << 17)
#define HASH_STR_NBLW_Msk 0x1Fu
#define HASH_STR_DCAL (1u << 8)
#define HASH_SR_DINIS (1u << 0)
#define HASH_SR_DCIS (1u << 1)
#define HASH_SR_BUSY (1u << 3)

#define RNG_BASE 0x420C0800u
#define RNG_CR H5_REG(RNG_BASE + 0x00)
#define RNG_SR H5_REG(RNG_BASE + 0x04)
#define RNG_DR H5_REG(RNG_BASE + 0x08)
#define RNG_NSCR H5_REG(RNG_BASE + 0x0C)
#define RNG_HTCR H5_REG(RNG_BASE + 0x10)
#define RNG_CR_RNGEN (1u << 2)
#define RNG_CR_CED (1u << 5)
#define RNG_CR_CONDRST (1u << 30)
#define RNG_CR_NIST_CONFIG 0x00F00E00u /* RNG_CONFIG1/2/3 and CLKDIV of the NIST-certified setting */
#define RNG_HTCR_NIST_CONFIG 0x6A91u
#define RNG_NSCR_NIST_CONFIG 0x3AF66u
#define RNG_SR_DRDY (1u << 0)
#define RNG_SR_CECS (1u << 1)
#define RNG_SR_SECS (1u << 2)
#define RNG_SR_CEIS (1u << 5)
#define RNG_SR_SEIS (1u << 6)

#define PKA_BASE 0x420C2000u
#define PKA_CR H5_REG(PKA_BASE + 0x00)
#define PKA_SR H5_REG(PKA_BASE + 0x04)
#define PKA_CLRFR H5_REG(PKA_BASE + 0x08)
#define PKA_RAM_WORD(byte_offset) H5_REG(PKA_BASE + (byte_offset))
#define PKA_CR_EN (1u << 0)
#define PKA_CR_START (1u << 1)
#define PKA_CR_MODE_Pos 8
#define PKA_CR_MODE_Msk (0x3Fu << 8)
#define PKA_SR_INITOK (1u << 0)
#define PKA_SR_BUSY (1u << 16)
#define PKA_SR_PROCENDF (1u << 17)
#define PKA_SR_RAMERRF (1u << 19)
#define PKA_SR_ADDRERRF (1u << 20)
#define PKA_SR_OPERRF (1u << 21)
#define PKA_CLRFR_ALL ((1u << 17) | (1u << 19) | (1u << 20) | (1u << 21))

#define PKA_MODE_MODULAR_EXP 0x00u
#define PKA_MODE_ECC_MUL 0x20u
#define PKA_MODE_ECDSA_SIGN 0x24u
#define PKA_MODE_ECDSA_VERIFY 0x26u
/* Written by the PKA to an operation's status word when it succeeded (and for a valid signature). */
#define PKA_STATUS_OK 0xD60Du

/* Modular exponentiation (mode 0x00) */
#define PKA_MODEXP_EXP_NB_BITS 0x0400u
#define PKA_MODEXP_OP_NB_BITS 0x0408u
#define PKA_MODEXP_BASE 0x0C68u
#define PKA_MODEXP_EXPONENT 0x0E78u
#define PKA_MODEXP_MODULUS 0x1088u
#define PKA_MODEXP_RESULT 0x0838u
#define PKA_MODEXP_STATUS 0x1298u
/* ECC scalar multiplication (mode 0x20) */
#define PKA_ECCMUL_ORDER_NB_BITS 0x0400u
#define PKA_ECCMUL_MOD_NB_BITS 0x0408u
#define PKA_ECCMUL_A_SIGN 0x0410u
#define PKA_ECCMUL_A 0x0418u
#define PKA_ECCMUL_B 0x0520u
#define PKA_ECCMUL_P 0x1088u
#define PKA_ECCMUL_K 0x12A0u
#define PKA_ECCMUL_X 0x0578u
#define PKA_ECCMUL_Y 0x0470u
#define PKA_ECCMUL_N 0x0F88u
#define PKA_ECCMUL_RESULT_X 0x0578u
#define PKA_ECCMUL_RESULT_Y 0x05D0u
#define PKA_ECCMUL_STATUS 0x0680u
/* ECDSA signature (mode 0x24) */
#define PKA_SIGN_ORDER_NB_BITS 0x0400u
#define PKA_SIGN_MOD_NB_BITS 0x0408u
#define PKA_SIGN_A_SIGN 0x0410u
#define PKA_SIGN_A 0x0418u
#define PKA_SIGN_B 0x0520u
#define PKA_SIGN_P 0x1088u
#define PKA_SIGN_K 0x12A0u
#define PKA_SIGN_GX 0x0578u
#define PKA_SIGN_GY 0x0470u
#define PKA_SIGN_HASH 0x0FE8u
#define PKA_SIGN_D 0x0F28u
#define PKA_SIGN_N 0x0F88u
#define PKA_SIGN_STATUS 0x0FE0u
#define PKA_SIGN_R 0x0730u
#define PKA_SIGN_S 0x0788u
/* ECDSA verification (mode 0x26) */
#define PKA_VERIFY_ORDER_NB_BITS 0x0408u
#define PKA_VERIFY_MOD_NB_BITS 0x04C8u
#define PKA_VERIFY_A_SIGN 0x0468u
#define PKA_VERIFY_A 0x0470u
#define PKA_VERIFY_P 0x04D0u
#define PKA_VERIFY_GX 0x0678u
#define PKA_VERIFY_GY 0x06D0u
#define PKA_VERIFY_QX 0x12F8u
#define PKA_VERIFY_QY 0x1350u
#define PKA_VERIFY_R 0x10E0u
#define PKA_VERIFY_S 0x0C68u
#define PKA_VERIFY_HASH 0x13A8u
#define PKA_VERIFY_N 0x1088u
#define PKA_VERIFY_RESULT 0x05D0u

#endif
