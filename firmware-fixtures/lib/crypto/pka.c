/*
 * PKA driver (RM0481 §36): operands go into PKA RAM as little-endian 32-bit words (least
 * significant word first) followed by two zero words; the operation's status word reads
 * PKA_STATUS_OK when it succeeded.
 */
#include "crypto.h"
#include "h5-crypto-registers.h"
#include <string.h>

#define POLL_LIMIT 100000000u
#define PKA_TIMEOUT_MS 5000u

static const uint8_t p256_p[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
__attribute__((unused)) static const uint8_t p256_b[32] = {
    0x5a, 0xc6, 0x35, 0xd8, 0xaa, 0x3a, 0x93, 0xe7, 0xb3, 0xeb, 0xbd, 0x55, 0x76, 0x98, 0x86, 0xbc,
    0x65, 0x1d, 0x06, 0xb0, 0xcc, 0x53, 0xb0, 0xf6, 0x3b, 0xce, 0x3c, 0x3e, 0x27, 0xd2, 0x60, 0x4b};
/* a = -3: the PKA takes |a| and a sign word (1 = negative). */
static const uint8_t p256_abs_a[32] = {[31] = 3};

int pka_enable(void)
{
    for (unsigned n = 0; (PKA_CR & PKA_CR_EN) == 0; n++) {
        PKA_CR = PKA_CR_EN; /* EN sticks only once the RNG feeding the PKA is running */
        if (n > 1000) {
            return -1;
        }
    }
    struct crypto_deadline deadline;
    crypto_deadline_start(&deadline);
    while ((PKA_SR & PKA_SR_INITOK) == 0) {
        if (crypto_deadline_passed(&deadline, PKA_TIMEOUT_MS, POLL_LIMIT)) {
            return -2;
        }
    }
    PKA_CLRFR = PKA_CLRFR_ALL;
    return 0;
}

static void ram_write(uint32_t offset, const uint8_t *value, size_t length)
{
    size_t words = (length + 3) / 4;
    for (size_t w = 0; w < words; w++) {
        uint32_t word = 0;
        for (unsigned b = 0; b < 4; b++) {
            size_t from_end = 4 * w + b; /* byte index counted from the least significant end */
            if (from_end < length) {
                word |= (uint32_t)value[length - 1 - from_end] << (8 * b);
            }
        }
        PKA_RAM_WORD(offset + 4 * w) = word;
    }
    PKA_RAM_WORD(offset + 4 * words) = 0;
    PKA_RAM_WORD(offset + 4 * words + 4) = 0;
}

static void ram_word(uint32_t offset, uint32_t value)
{
    PKA_RAM_WORD(offset) = value;
}

__attribute__((unused)) static void ram_read(uint32_t offset, uint8_t *value, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        uint32_t word = PKA_RAM_WORD(offset + 4 * (i / 4));
        value[length - 1 - i] = (uint8_t)(word >> (8 * (i % 4)));
    }
}

static int bit_length(const uint8_t *value, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        if (value[i] != 0) {
            int bits = (int)(8 * (length - i));
            for (uint8_t top = value[i]; (top & 0x80) == 0; top <<= 1) {
                bits--;
            }
            return bits;
        }
    }
    return 0;
}

static int run(uint32_t mode)
{
    PKA_CLRFR = PKA_CLRFR_ALL;
    PKA_CR = (PKA_CR & ~PKA_CR_MODE_Msk) | (mode << PKA_CR_MODE_Pos);
    PKA_CR |= PKA_CR_START;
    uint32_t status = 0;
    struct crypto_deadline deadline;
    crypto_deadline_start(&deadline);
    for (;;) {
        status = PKA_SR;
        if (status & (PKA_SR_PROCENDF | PKA_SR_RAMERRF | PKA_SR_ADDRERRF | PKA_SR_OPERRF)) {
            break;
        }
        if (crypto_deadline_passed(&deadline, PKA_TIMEOUT_MS, POLL_LIMIT)) {
            return -1;
        }
    }
    PKA_CLRFR = PKA_CLRFR_ALL;
    return (status & (PKA_SR_RAMERRF | PKA_SR_ADDRERRF | PKA_SR_OPERRF)) ? -2 : 0;
}

#if USE_PKA_FULL
int p256_scalar_multiply(const uint8_t scalar[32], const uint8_t point[64], uint8_t result[64])
{
    ram_word(PKA_ECCMUL_ORDER_NB_BITS, (uint32_t)bit_length(p256_order, 32));
    ram_word(PKA_ECCMUL_MOD_NB_BITS, (uint32_t)bit_length(p256_p, 32));
    ram_word(PKA_ECCMUL_A_SIGN, 1);
    ram_write(PKA_ECCMUL_A, p256_abs_a, 32);
    ram_write(PKA_ECCMUL_B, p256_b, 32);
    ram_write(PKA_ECCMUL_P, p256_p, 32);
    ram_write(PKA_ECCMUL_K, scalar, 32);
    ram_write(PKA_ECCMUL_X, point, 32);
    ram_write(PKA_ECCMUL_Y, point + 32, 32);
    ram_write(PKA_ECCMUL_N, p256_order, 32);
    if (run(PKA_MODE_ECC_MUL) != 0 || PKA_RAM_WORD(PKA_ECCMUL_STATUS) != PKA_STATUS_OK) {
        return -1;
    }
    ram_read(PKA_ECCMUL_RESULT_X, result, 32);
    ram_read(PKA_ECCMUL_RESULT_Y, result + 32, 32);
    return 0;
}

int p256_ecdsa_sign(const uint8_t private_key[32], const uint8_t hash[32], uint8_t r[32], uint8_t s[32])
{
    for (int attempt = 0; attempt < 8; attempt++) {
        uint8_t k[32];
        if (crypto_random(k, sizeof k) != 0) {
            return -2;
        }
        /* Rejection sampling keeps the nonce uniform in [1, n-1]. */
        if (bit_length(k, 32) == 0 || memcmp(k, p256_order, 32) >= 0) {
            continue;
        }
        ram_word(PKA_SIGN_ORDER_NB_BITS, (uint32_t)bit_length(p256_order, 32));
        ram_word(PKA_SIGN_MOD_NB_BITS, (uint32_t)bit_length(p256_p, 32));
        ram_word(PKA_SIGN_A_SIGN, 1);
        ram_write(PKA_SIGN_A, p256_abs_a, 32);
        ram_write(PKA_SIGN_B, p256_b, 32);
        ram_write(PKA_SIGN_P, p256_p, 32);
        ram_write(PKA_SIGN_K, k, 32);
        ram_write(PKA_SIGN_GX, p256_generator, 32);
        ram_write(PKA_SIGN_GY, p256_generator + 32, 32);
        ram_write(PKA_SIGN_HASH, hash, 32);
        ram_write(PKA_SIGN_D, private_key, 32);
        ram_write(PKA_SIGN_N, p256_order, 32);
        if (run(PKA_MODE_ECDSA_SIGN) != 0) {
            return -1;
        }
        if (PKA_RAM_WORD(PKA_SIGN_STATUS) != PKA_STATUS_OK) {
            continue; /* r or s came out zero: the block asks for another nonce */
        }
        ram_read(PKA_SIGN_R, r, 32);
        ram_read(PKA_SIGN_S, s, 32);
        return 0;
    }
    return -1;
}

int crypto_modexp(const uint8_t *base, const uint8_t *exponent, size_t exponent_length, const uint8_t *modulus,
                  size_t modulus_length, uint8_t *result)
{
    if (modulus_length > 512) {
        return -3; /* the PKA handles operands up to 4160 bits */
    }
    ram_word(PKA_MODEXP_EXP_NB_BITS, (uint32_t)(8 * exponent_length));
    ram_word(PKA_MODEXP_OP_NB_BITS, (uint32_t)(8 * modulus_length));
    ram_write(PKA_MODEXP_BASE, base, modulus_length);
    ram_write(PKA_MODEXP_EXPONENT, exponent, exponent_length);
    ram_write(PKA_MODEXP_MODULUS, modulus, modulus_length);
    if (run(PKA_MODE_MODULAR_EXP) != 0) {
        return -1;
    }
    ram_read(PKA_MODEXP_RESULT, result, modulus_length);
    return 0;
}
#else
/* H563: the PKA is in limited mode (ECDSA verification only, RM0481 §36.3). */
int p256_scalar_multiply(const uint8_t scalar[32], const uint8_t point[64], uint8_t result[64])
{
    return p256_soft_scalar_multiply(scalar, point, result);
}

int p256_ecdsa_sign(const uint8_t private_key[32], const uint8_t hash[32], uint8_t r[32], uint8_t s[32])
{
    return p256_soft_ecdsa_sign(private_key, hash, r, s);
}

int crypto_modexp(const uint8_t *base, const uint8_t *exponent, size_t exponent_length, const uint8_t *modulus,
                  size_t modulus_length, uint8_t *result)
{
    return bignum_modexp(base, exponent, exponent_length, modulus, modulus_length, result);
}
#endif

int p256_ecdsa_verify(const uint8_t public_key[64], const uint8_t hash[32], const uint8_t r[32], const uint8_t s[32])
{
    ram_word(PKA_VERIFY_ORDER_NB_BITS, (uint32_t)bit_length(p256_order, 32));
    ram_word(PKA_VERIFY_MOD_NB_BITS, (uint32_t)bit_length(p256_p, 32));
    ram_word(PKA_VERIFY_A_SIGN, 1);
    ram_write(PKA_VERIFY_A, p256_abs_a, 32);
    ram_write(PKA_VERIFY_P, p256_p, 32);
    ram_write(PKA_VERIFY_GX, p256_generator, 32);
    ram_write(PKA_VERIFY_GY, p256_generator + 32, 32);
    ram_write(PKA_VERIFY_QX, public_key, 32);
    ram_write(PKA_VERIFY_QY, public_key + 32, 32);
    ram_write(PKA_VERIFY_R, r, 32);
    ram_write(PKA_VERIFY_S, s, 32);
    ram_write(PKA_VERIFY_HASH, hash, 32);
    ram_write(PKA_VERIFY_N, p256_order, 32);
    if (run(PKA_MODE_ECDSA_VERIFY) != 0) {
        return -2;
    }
    return PKA_RAM_WORD(PKA_VERIFY_RESULT) == PKA_STATUS_OK ? 0 : -1;
}
