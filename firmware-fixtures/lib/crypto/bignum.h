/*
 * Multi-precision integers for the software paths (P-256 and RSA where the PKA cannot help):
 * little-endian arrays of 32-bit words, Montgomery multiplication (CIOS) for any odd modulus.
 */
#ifndef H5_BIGNUM_H
#define H5_BIGNUM_H
#include <stddef.h>
#include <stdint.h>

#define BIGNUM_MAX_WORDS 128 /* 4096 bits */

/* A Montgomery context for an odd modulus of `words` words: R = 2^(32*words). */
struct montgomery {
    size_t words;
    const uint32_t *modulus;
    uint32_t inverse; /* -modulus^-1 mod 2^32 */
    uint32_t r_squared[BIGNUM_MAX_WORDS]; /* R^2 mod modulus */
    uint32_t one[BIGNUM_MAX_WORDS];       /* R mod modulus: 1 in Montgomery form */
};

void bignum_from_bytes(uint32_t *words, size_t count, const uint8_t *bytes, size_t length);
void bignum_to_bytes(const uint32_t *words, size_t count, uint8_t *bytes, size_t length);
int bignum_compare(const uint32_t *a, const uint32_t *b, size_t count);
int bignum_is_zero(const uint32_t *a, size_t count);
/* r = a - b, returns the borrow. */
uint32_t bignum_subtract(uint32_t *r, const uint32_t *a, const uint32_t *b, size_t count);

void montgomery_init(struct montgomery *m, const uint32_t *modulus, size_t words);
/* r = a * b / R mod modulus (inputs below the modulus; r may alias them). */
void montgomery_multiply(const struct montgomery *m, uint32_t *r, const uint32_t *a, const uint32_t *b);
void montgomery_to(const struct montgomery *m, uint32_t *r, const uint32_t *a);
void montgomery_from(const struct montgomery *m, uint32_t *r, const uint32_t *a);
/* Modular addition / subtraction of values below the modulus. */
void montgomery_add(const struct montgomery *m, uint32_t *r, const uint32_t *a, const uint32_t *b);
void montgomery_subtract(const struct montgomery *m, uint32_t *r, const uint32_t *a, const uint32_t *b);
/* r = base^exponent in Montgomery form (base in Montgomery form; exponent big-endian bytes). */
void montgomery_power(const struct montgomery *m, uint32_t *r, const uint32_t *base, const uint8_t *exponent,
                      size_t exponent_length);

#endif
