/*
 * PKA (RM0481 §36) the way stm32h5xx_hal_pka.c drives it: operands into PKA RAM as little-endian
 * words followed by two zero words, CR.MODE with the interrupt enables, CLRFR, START, the end
 * taken in the PKA interrupt (the HAL's _IT functions), then the status word (0xD60D) where the
 * HAL checks one. Curves and RSA keys come from the test (OpenSSL); on the H563 every mode but ECDSA
 * verification is refused with OPERRF (limited mode), which we report as UNAVAILABLE.
 */
#include "selftest.h"
#include "crypto.h"
#include "h5-crypto-registers.h"
#include "cortex-m.h"
#include <string.h>

#define PKA_MODE_RSA_CRT_EXP 0x07u

/* RAM offsets (bytes from the PKA base) that the driver needs beyond h5-crypto-registers.h. */
#define PKA_ECCMUL_EXP_NB_BITS 0x0400u
#define PKA_RSACRT_MOD_NB_BITS 0x0408u
#define PKA_RSACRT_DP 0x0730u
#define PKA_RSACRT_DQ 0x0E78u
#define PKA_RSACRT_QINV 0x0948u
#define PKA_RSACRT_P 0x0B60u
#define PKA_RSACRT_Q 0x1088u
#define PKA_RSACRT_BASE 0x12A0u
#define PKA_RSACRT_RESULT 0x0838u
#define PKA_MODE_MODULAR_EXP_PROTECT 0x03u
#define PKA_MODEXP_PROTECT_BASE 0x16C8u
#define PKA_MODEXP_PROTECT_EXPONENT 0x14B8u
#define PKA_MODEXP_PROTECT_MODULUS 0x0838u
#define PKA_MODEXP_PROTECT_PHI 0x0C68u

enum run_result { RUN_OK, RUN_REFUSED, RUN_ERROR };

static void ram_word(uint32_t offset, uint32_t value)
{
    PKA_RAM_WORD(offset) = value;
}

/* A big-endian number of `length` bytes, least significant word first, then two zero words. */
static void ram_write(uint32_t offset, const uint8_t *value, size_t length)
{
    size_t words = (length + 3) / 4;
    for (size_t w = 0; w < words; w++) {
        uint32_t word = 0;
        for (unsigned b = 0; b < 4; b++) {
            size_t from_end = 4 * w + b;
            if (from_end < length) {
                word |= (uint32_t)value[length - 1 - from_end] << (8 * b);
            }
        }
        ram_word(offset + 4 * w, word);
    }
    ram_word(offset + 4 * words, 0);
    ram_word(offset + 4 * words + 4, 0);
}

static void ram_read(uint32_t offset, uint8_t *value, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        uint32_t word = PKA_RAM_WORD(offset + 4 * (i / 4));
        value[length - 1 - i] = (uint8_t)(word >> (8 * (i % 4)));
    }
}

static uint32_t bit_length(const uint8_t *value, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        if (value[i] != 0) {
            uint32_t bits = (uint32_t)(8 * (length - i));
            for (uint8_t top = value[i]; (top & 0x80) == 0; top <<= 1) {
                bits--;
            }
            return bits;
        }
    }
    return 0;
}

/* Interrupt mode (PKA_Process_IT and HAL_PKA_IRQHandler): the PKA interrupt records the flags and
 * the main line spins on that RAM flag, as ST's _IT examples do; no PKA register is polled while
 * the operation runs, which keeps long RSA exponentiations cheap to simulate. */
#define PKA_IRQ 118u
#define PKA_CR_ALL_IE ((1u << 17) | (1u << 19) | (1u << 20) | (1u << 21))
#define PKA_SR_ALL_FLAGS (PKA_SR_PROCENDF | PKA_SR_RAMERRF | PKA_SR_ADDRERRF | PKA_SR_OPERRF)
#define PKA_SPIN_LIMIT 2000000000u

extern void (*volatile h5_irq_handlers[131])(void);
static volatile uint32_t pka_flags;
static volatile int pka_ended;

static void pka_interrupt(void)
{
    pka_flags |= PKA_SR & PKA_SR_ALL_FLAGS;
    PKA_CLRFR = PKA_CLRFR_ALL;
    pka_ended = 1;
}

static enum run_result pka_run(uint32_t mode)
{
    PKA_CR = (PKA_CR & ~PKA_CR_MODE_Msk) | (mode << PKA_CR_MODE_Pos) | PKA_CR_ALL_IE;
    PKA_CLRFR = PKA_CLRFR_ALL;
    pka_flags = 0;
    pka_ended = 0;
    PKA_CR |= PKA_CR_START;
    for (unsigned n = 0; !pka_ended; n++) {
        if (n > PKA_SPIN_LIMIT) {
            return RUN_ERROR;
        }
    }
    uint32_t status = pka_flags;
    if ((status & PKA_SR_OPERRF) && !(status & PKA_SR_PROCENDF)) {
        return RUN_REFUSED;
    }
    return (status & (PKA_SR_RAMERRF | PKA_SR_ADDRERRF | PKA_SR_OPERRF)) ? RUN_ERROR : RUN_OK;
}

/* Prints the outcome of a run that failed; 0 when it succeeded. */
static int run_checked(const char *name, uint32_t mode, uint32_t status_offset)
{
    enum run_result result = pka_run(mode);
    if (result == RUN_REFUSED) {
        print_line("UNAVAILABLE", name, "OPERRF");
        return -1;
    }
    if (result == RUN_ERROR) {
        fail(name, "PKA error flag or timeout");
        return -1;
    }
    if (status_offset != 0 && PKA_RAM_WORD(status_offset) != PKA_STATUS_OK) {
        static char reason[] = "PKA status word 0x0000";
        static const char digits[] = "0123456789abcdef";
        uint32_t word = PKA_RAM_WORD(status_offset);
        for (unsigned i = 0; i < 4; i++) {
            reason[sizeof reason - 2 - i] = digits[(word >> (4 * i)) & 15];
        }
        fail(name, reason);
        return -1;
    }
    return 0;
}

/* The PKA takes the curve coefficient a as |a| and a sign: a close to p is written as -(p - a). */
struct curve_a {
    uint8_t magnitude[EC_BYTES_MAX];
    uint32_t negative;
};

static void split_a(const struct ec_input *curve, struct curve_a *out)
{
    size_t size = curve->size;
    int borrow = 0;
    for (size_t i = size; i-- > 0;) {
        int digit = curve->p[i] - curve->a[i] - borrow;
        borrow = digit < 0;
        out->magnitude[i] = (uint8_t)(digit + (borrow ? 256 : 0));
    }
    out->negative = memcmp(curve->a, out->magnitude, size) > 0;
    if (!out->negative) {
        memcpy(out->magnitude, curve->a, size);
    }
}

static char label[48];

static const char *name_of(const char *prefix, const char *what)
{
    strcpy(label, prefix);
    strcat(label, "-");
    strcat(label, what);
    return label;
}

/* HAL_PKA_ECCMul: k * (x, y); result is x || y. */
static int ecc_multiply(const struct ec_input *curve, const struct curve_a *a, const uint8_t *k, const uint8_t *x,
                        const uint8_t *y, uint8_t *result, const char *name)
{
    size_t size = curve->size;
    ram_word(PKA_ECCMUL_EXP_NB_BITS, bit_length(curve->n, size));
    ram_word(PKA_ECCMUL_MOD_NB_BITS, bit_length(curve->p, size));
    ram_word(PKA_ECCMUL_A_SIGN, a->negative);
    ram_write(PKA_ECCMUL_A, a->magnitude, size);
    ram_write(PKA_ECCMUL_B, curve->b, size);
    ram_write(PKA_ECCMUL_P, curve->p, size);
    ram_write(PKA_ECCMUL_K, k, size);
    ram_write(PKA_ECCMUL_X, x, size);
    ram_write(PKA_ECCMUL_Y, y, size);
    ram_write(PKA_ECCMUL_N, curve->n, size);
    if (run_checked(name, PKA_MODE_ECC_MUL, PKA_ECCMUL_STATUS) != 0) {
        return -1;
    }
    ram_read(PKA_ECCMUL_RESULT_X, result, size);
    ram_read(PKA_ECCMUL_RESULT_Y, result + size, size);
    return 0;
}

/* HAL_PKA_ECDSAVerif: 1 = valid, 0 = invalid, -1 = not run. */
static int ecdsa_verify(const struct ec_input *curve, const struct curve_a *a, const uint8_t *qx, const uint8_t *qy,
                        const uint8_t *hash, const uint8_t *r, const uint8_t *s, const char *name)
{
    size_t size = curve->size;
    ram_word(PKA_VERIFY_ORDER_NB_BITS, bit_length(curve->n, size));
    ram_word(PKA_VERIFY_MOD_NB_BITS, bit_length(curve->p, size));
    ram_word(PKA_VERIFY_A_SIGN, a->negative);
    ram_write(PKA_VERIFY_A, a->magnitude, size);
    ram_write(PKA_VERIFY_P, curve->p, size);
    ram_write(PKA_VERIFY_GX, curve->gx, size);
    ram_write(PKA_VERIFY_GY, curve->gy, size);
    ram_write(PKA_VERIFY_QX, qx, size);
    ram_write(PKA_VERIFY_QY, qy, size);
    ram_write(PKA_VERIFY_R, r, size);
    ram_write(PKA_VERIFY_S, s, size);
    ram_write(PKA_VERIFY_HASH, hash, size);
    ram_write(PKA_VERIFY_N, curve->n, size);
    if (run_checked(name, PKA_MODE_ECDSA_VERIFY, 0) != 0) {
        return -1;
    }
    int valid = PKA_RAM_WORD(PKA_VERIFY_RESULT) == PKA_STATUS_OK;
    print_line("VERIFY", name, valid ? "valid" : "invalid");
    return valid;
}

/* A nonce uniform in [1, n-1] from the RNG, by rejection. */
static int random_nonce(const struct ec_input *curve, uint8_t *k)
{
    size_t size = curve->size;
    uint32_t bits = bit_length(curve->n, size);
    for (int attempt = 0; attempt < 64; attempt++) {
        if (crypto_random(k, size) != 0) {
            return -1;
        }
        uint32_t excess = 8 * (uint32_t)size - bits;
        k[0] &= (uint8_t)(0xFFu >> excess);
        if (bit_length(k, size) != 0 && memcmp(k, curve->n, size) < 0) {
            return 0;
        }
    }
    return -1;
}

/* HAL_PKA_ECDSASign with a fresh nonce; the signature is r || s. */
static int ecdsa_sign(const struct ec_input *curve, const struct curve_a *a, const uint8_t *hash,
                      uint8_t *signature, const char *name)
{
    size_t size = curve->size;
    uint8_t k[EC_BYTES_MAX];
    for (int attempt = 0; attempt < 4; attempt++) {
        if (random_nonce(curve, k) != 0) {
            fail(name, "RNG");
            return -1;
        }
        ram_word(PKA_SIGN_ORDER_NB_BITS, bit_length(curve->n, size));
        ram_word(PKA_SIGN_MOD_NB_BITS, bit_length(curve->p, size));
        ram_word(PKA_SIGN_A_SIGN, a->negative);
        ram_write(PKA_SIGN_A, a->magnitude, size);
        ram_write(PKA_SIGN_B, curve->b, size);
        ram_write(PKA_SIGN_P, curve->p, size);
        ram_write(PKA_SIGN_K, k, size);
        ram_write(PKA_SIGN_GX, curve->gx, size);
        ram_write(PKA_SIGN_GY, curve->gy, size);
        ram_write(PKA_SIGN_HASH, hash, size);
        ram_write(PKA_SIGN_D, curve->d, size);
        ram_write(PKA_SIGN_N, curve->n, size);
        enum run_result result = pka_run(PKA_MODE_ECDSA_SIGN);
        if (result == RUN_REFUSED) {
            print_line("UNAVAILABLE", name, "OPERRF");
            return -1;
        }
        if (result == RUN_ERROR) {
            fail(name, "PKA error flag or timeout");
            return -1;
        }
        if (PKA_RAM_WORD(PKA_SIGN_STATUS) == PKA_STATUS_OK) {
            ram_read(PKA_SIGN_R, signature, size);
            ram_read(PKA_SIGN_S, signature + size, size);
            return 0;
        }
        /* r or s came out zero: HAL users retry with another nonce */
    }
    fail(name, "PKA status word");
    return -1;
}

static void run_curve(const struct ec_input *curve)
{
    static uint8_t point[2 * EC_BYTES_MAX], signature[2 * EC_BYTES_MAX], hash[EC_BYTES_MAX], digest[64];
    static uint8_t corrupted[EC_BYTES_MAX];
    size_t size = curve->size;
    char prefix[12];
    uint32_t bits = bit_length(curve->p, size);
    strcpy(prefix, "ec");
    prefix[2] = (char)('0' + bits / 100);
    prefix[3] = (char)('0' + bits / 10 % 10);
    prefix[4] = (char)('0' + bits % 10);
    prefix[5] = 0;

    enum hash_algo algo = curve->hash_bits == 512 ? HASH_SHA512 : curve->hash_bits == 384 ? HASH_SHA384 : HASH_SHA256;
    size_t digest_bytes = hash_digest_bytes(algo);
    if (digest_bytes > size || hash_once(algo, input_message, input_message_length, digest) != 0) {
        fail(name_of(prefix, "hash"), "HASH timeout or digest longer than the order");
        return;
    }
    /* The hash as a number of the order's size (ECDSA takes the leftmost bits; ours all fit). */
    memset(hash, 0, size);
    memcpy(hash + size - digest_bytes, digest, digest_bytes);

    struct curve_a a;
    split_a(curve, &a);

    /* Our public key d*G and the ECDH secret d*Q(peer). */
    static uint8_t public_key[2 * EC_BYTES_MAX];
    int have_public = ecc_multiply(curve, &a, curve->d, curve->gx, curve->gy, public_key, name_of(prefix, "public")) == 0;
    if (have_public) {
        print_hex("KAT", name_of(prefix, "public"), public_key, 2 * size);
    }
    if (ecc_multiply(curve, &a, curve->d, curve->peer_x, curve->peer_y, point, name_of(prefix, "ecdh")) == 0) {
        print_hex("KAT", name_of(prefix, "ecdh"), point, size);
    }
    /* Our signature, for OpenSSL to verify; and checked on the PKA with our public key. */
    if (ecdsa_sign(curve, &a, hash, signature, name_of(prefix, "sign")) == 0) {
        print_hex("SIGNATURE", name_of(prefix, "sign"), signature, 2 * size);
        if (have_public) {
            ecdsa_verify(curve, &a, public_key, public_key + size, hash, signature, signature + size,
                         name_of(prefix, "own-signature"));
        }
    }
    /* OpenSSL's signature: good, with s corrupted, and over another hash. */
    ecdsa_verify(curve, &a, curve->peer_x, curve->peer_y, hash, curve->sig_r, curve->sig_s,
                 name_of(prefix, "openssl-signature"));
    memcpy(corrupted, curve->sig_s, size);
    corrupted[size - 1] ^= 0x01;
    ecdsa_verify(curve, &a, curve->peer_x, curve->peer_y, hash, curve->sig_r, corrupted,
                 name_of(prefix, "openssl-signature-corrupted"));
    memcpy(corrupted, hash, size);
    corrupted[size - 1] ^= 0x80;
    ecdsa_verify(curve, &a, curve->peer_x, curve->peer_y, corrupted, curve->sig_r, curve->sig_s,
                 name_of(prefix, "openssl-signature-other-hash"));
}

/* HAL_PKA_ModExp (s^e mod n), HAL_PKA_RSACRTExp (m^d mod n from p, q, dP, dQ, qInv) and
 * HAL_PKA_ModExpProtectMode (m^d mod n blinded with phi). As in the HAL, only the protected mode's
 * status word is checked: the other two modes have none. */
static void run_rsa(const struct rsa_input *rsa)
{
    static uint8_t result[RSA_BYTES_MAX];
    size_t size = rsa->size, half = rsa->size / 2;
    uint8_t exponent[4] = {(uint8_t)(rsa->exponent >> 24), (uint8_t)(rsa->exponent >> 16), (uint8_t)(rsa->exponent >> 8),
                           (uint8_t)rsa->exponent};
    ram_word(PKA_MODEXP_EXP_NB_BITS, bit_length(exponent, 4));
    ram_word(PKA_MODEXP_OP_NB_BITS, bit_length(rsa->n, size));
    ram_write(PKA_MODEXP_BASE, rsa->signature, size);
    ram_write(PKA_MODEXP_EXPONENT, exponent, 4);
    ram_write(PKA_MODEXP_MODULUS, rsa->n, size);
    if (run_checked("rsa-public", PKA_MODE_MODULAR_EXP, 0) == 0) {
        ram_read(PKA_MODEXP_RESULT, result, size);
        print_hex("KAT", "rsa-public", result, size);
    }
    ram_word(PKA_RSACRT_MOD_NB_BITS, bit_length(rsa->n, size));
    ram_write(PKA_RSACRT_DP, rsa->dp, half);
    ram_write(PKA_RSACRT_DQ, rsa->dq, half);
    ram_write(PKA_RSACRT_QINV, rsa->qinv, half);
    ram_write(PKA_RSACRT_P, rsa->p, half);
    ram_write(PKA_RSACRT_Q, rsa->q, half);
    ram_write(PKA_RSACRT_BASE, rsa->message, size);
    if (run_checked("rsa-crt-private", PKA_MODE_RSA_CRT_EXP, 0) == 0) {
        ram_read(PKA_RSACRT_RESULT, result, size);
        print_hex("KAT", "rsa-crt-private", result, size);
    }
    ram_word(PKA_MODEXP_EXP_NB_BITS, bit_length(rsa->d, size));
    ram_word(PKA_MODEXP_OP_NB_BITS, bit_length(rsa->n, size));
    ram_write(PKA_MODEXP_PROTECT_BASE, rsa->message, size);
    ram_write(PKA_MODEXP_PROTECT_EXPONENT, rsa->d, size);
    ram_write(PKA_MODEXP_PROTECT_MODULUS, rsa->n, size);
    ram_write(PKA_MODEXP_PROTECT_PHI, rsa->phi, size);
    if (run_checked("rsa-protected-private", PKA_MODE_MODULAR_EXP_PROTECT, PKA_MODEXP_STATUS) == 0) {
        ram_read(PKA_MODEXP_RESULT, result, size);
        print_hex("KAT", "rsa-protected-private", result, size);
    }
}

void run_pka_tests(void)
{
    h5_irq_handlers[PKA_IRQ] = pka_interrupt;
    NVIC_ISER(PKA_IRQ / 32) = 1u << (PKA_IRQ % 32);
    for (unsigned c = 0; c < EC_CURVES; c++) {
        const struct ec_input *curve = &input_curves[c];
        if (curve->size == 0) {
            continue;
        }
        if (curve->size > 66) {
            fail("ec", "curve size out of range");
            continue;
        }
        run_curve(curve);
    }
    if (input_rsa.size != 0) {
        if (input_rsa.size > RSA_BYTES_MAX || input_rsa.size % 8 != 0) {
            fail("rsa", "modulus size out of range");
        } else {
            run_rsa(&input_rsa);
        }
    }    /* Back to polling for lib/crypto's driver, which runs next. */
    PKA_CR &= ~PKA_CR_ALL_IE;
    NVIC_ICER(PKA_IRQ / 32) = 1u << (PKA_IRQ % 32);
    h5_irq_handlers[PKA_IRQ] = 0;
}
