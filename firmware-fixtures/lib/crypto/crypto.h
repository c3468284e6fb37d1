/*
 * Crypto services for the h5sim TLS fixture. On the chip they run on the STM32H5's RNG, HASH and
 * PKA blocks (RM0481 §34 RNG, §35 HASH, §37 PKA) and, when USE_AES_PERIPHERAL is set (H573 only),
 * on the AES block (§33); otherwise AES-GCM runs in software (aes-gcm.c).
 *
 * Big numbers are big-endian byte strings, as they appear on the wire and in certificates.
 * The HASH block holds one context: a SHA-256 or HMAC computation runs start to finish inside
 * one call (the callers pass their data as a list of parts), so callers never interleave.
 */
#ifndef H5_CRYPTO_H
#define H5_CRYPTO_H
#include <stddef.h>
#include <stdint.h>

/* The H573's PKA runs every operation; the H563's only verifies ECDSA signatures (RM0481
 * §36.3), so there ECDHE, ECDSA signing and RSA use the software paths (p256-soft.c). The H573
 * builds (USE_AES_PERIPHERAL) use the full PKA unless told otherwise. */
#if !defined(USE_PKA_FULL)
#if defined(USE_AES_PERIPHERAL) && USE_AES_PERIPHERAL
#define USE_PKA_FULL 1
#else
#define USE_PKA_FULL 0
#endif
#endif

/* A piece of a message fed to a hash without first copying it together. */
struct crypto_part {
    const uint8_t *data;
    size_t length;
};

/* Turns on the clocks (RCC AHB2ENR, HSI48 for the RNG) and initialises RNG and PKA. 0 = ok. */
int crypto_init(void);

/* Waits on the peripherals time out after a number of milliseconds of `ms()` (a millisecond tick,
 * as HAL_GetTick), like the HAL drivers; without a clock they give up after a count of polls. */
void crypto_set_clock(uint32_t (*ms)(void));
struct crypto_deadline {
    uint32_t start;
    uint32_t polls;
};
void crypto_deadline_start(struct crypto_deadline *deadline);
/* Nonzero once `timeout_ms` passed (or, without a clock, after `poll_limit` calls). With a clock,
 * a poll loop keeps the same registers from one pass to the next until the tick moves, so the
 * simulator can tell it is only waiting. */
int crypto_deadline_passed(struct crypto_deadline *deadline, uint32_t timeout_ms, uint32_t poll_limit);

/* Fills `out` with random bytes from the RNG. 0 = ok, negative on a seed/clock error. */
int crypto_random(uint8_t *out, size_t length);

/* SHA-256 over the concatenation of `parts`. */
void crypto_sha256(const struct crypto_part *parts, unsigned count, uint8_t digest[32]);
/* HMAC-SHA256 (RFC 2104) over the concatenation of `parts`. */
void crypto_hmac_sha256(const uint8_t *key, size_t key_length, const struct crypto_part *parts, unsigned count,
                        uint8_t mac[32]);

/* Incremental SHA-256 on the HASH block. The block holds one context: nothing else may use HASH
 * between begin and finish (the TLS layer hashes its whole transcript in one go instead). */
struct sha256_hw {
    uint32_t word;    /* bytes not yet written to DIN (a word is written once it is full) */
    unsigned filled;
    size_t length;
};
void sha256_hw_begin(struct sha256_hw *context);
void sha256_hw_update(struct sha256_hw *context, const void *data, size_t length);
void sha256_hw_finish(struct sha256_hw *context, uint8_t digest[32]);

/* Convenience wrappers over the part lists. */
void sha256(const void *data, size_t length, uint8_t digest[32]);
void hmac_sha256(const uint8_t *key, size_t key_length, const void *data, size_t length, uint8_t mac[32]);

/* Software SHA-256 (sha256-soft.c): a fallback and a cross-check of the HASH block. */
struct sha256_soft {
    uint32_t state[8];
    uint64_t bytes;
    uint8_t block[64];
    unsigned used;
};
void sha256_soft_init(struct sha256_soft *context);
void sha256_soft_update(struct sha256_soft *context, const void *data, size_t length);
void sha256_soft_final(struct sha256_soft *context, uint8_t digest[32]);

/* NIST P-256 (secp256r1): verification always on the PKA; scalar multiplication and signing on
 * the PKA when USE_PKA_FULL, else in software. Points are x||y, 32 bytes each. 0 = success. */
int p256_scalar_multiply(const uint8_t scalar[32], const uint8_t point[64], uint8_t result[64]);
int p256_public_key(const uint8_t private_key[32], uint8_t public_key[64]);
/* 0 = signature (r, s) on the 32-byte hash is valid for public_key; non-zero otherwise. */
int p256_ecdsa_verify(const uint8_t public_key[64], const uint8_t hash[32], const uint8_t r[32], const uint8_t s[32]);
/* Signs `hash` with a fresh random nonce from the RNG. */
int p256_ecdsa_sign(const uint8_t private_key[32], const uint8_t hash[32], uint8_t r[32], uint8_t s[32]);
extern const uint8_t p256_generator[64];
extern const uint8_t p256_order[32];

/* The software P-256 and modular exponentiation (p256-soft.c, bignum.c), always built. */
int p256_soft_scalar_multiply(const uint8_t scalar[32], const uint8_t point[64], uint8_t result[64]);
int p256_soft_ecdsa_sign(const uint8_t private_key[32], const uint8_t hash[32], uint8_t r[32], uint8_t s[32]);
int p256_soft_ecdsa_verify(const uint8_t public_key[64], const uint8_t hash[32], const uint8_t r[32],
                           const uint8_t s[32]);
int bignum_modexp(const uint8_t *base, const uint8_t *exponent, size_t exponent_length, const uint8_t *modulus,
                  size_t modulus_length, uint8_t *result);

/* result = base^exponent mod modulus (PKA on the H573, software on the H563); base and result are
 * modulus_length bytes. */
int crypto_modexp(const uint8_t *base, const uint8_t *exponent, size_t exponent_length, const uint8_t *modulus,
                  size_t modulus_length, uint8_t *result);

/* RSA signatures on top of crypto_modexp (rsa.c). 0 = valid. */
int rsa_pss_sha256_verify(const uint8_t *modulus, size_t modulus_length, const uint8_t *exponent,
                          size_t exponent_length, const uint8_t hash[32], const uint8_t *signature,
                          size_t signature_length);
int rsa_pkcs1_sha256_verify(const uint8_t *modulus, size_t modulus_length, const uint8_t *exponent,
                            size_t exponent_length, const uint8_t hash[32], const uint8_t *signature,
                            size_t signature_length);

/* AES-128-GCM with a 12-byte nonce and 16-byte tag (NIST SP 800-38D). */
struct aes_gcm {
    uint8_t key[16];
#ifndef USE_AES_PERIPHERAL
    uint32_t round_keys[44];
    uint8_t hash_key[16];
#endif
};
void aes_gcm_init(struct aes_gcm *gcm, const uint8_t key[16]);
/* Encrypts `length` bytes in place and writes the tag. */
void aes_gcm_encrypt(const struct aes_gcm *gcm, const uint8_t nonce[12], const uint8_t *aad, size_t aad_length,
                     uint8_t *data, size_t length, uint8_t tag[16]);
/* Decrypts in place; 0 when the tag matches, -1 otherwise (data is then garbage). */
int aes_gcm_decrypt(const struct aes_gcm *gcm, const uint8_t nonce[12], const uint8_t *aad, size_t aad_length,
                    uint8_t *data, size_t length, const uint8_t tag[16]);
/* AES-128 single block (software path); used by tests of the GCM code. */
void aes128_expand_key(const uint8_t key[16], uint32_t round_keys[44]);
void aes128_encrypt_block(const uint32_t round_keys[44], const uint8_t in[16], uint8_t out[16]);

/* Constant-time comparison: 0 when equal. */
int crypto_compare(const void *a, const void *b, size_t length);

#endif
