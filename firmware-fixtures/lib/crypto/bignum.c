/* Multi-precision arithmetic for the software crypto paths: see bignum.h. */
#include "bignum.h"
#include <string.h>

void bignum_from_bytes(uint32_t *words, size_t count, const uint8_t *bytes, size_t length)
{
    memset(words, 0, count * 4);
    for (size_t i = 0; i < length && i < count * 4; i++) {
        words[i / 4] |= (uint32_t)bytes[length - 1 - i] << (8 * (i % 4));
    }
}

void bignum_to_bytes(const uint32_t *words, size_t count, uint8_t *bytes, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        bytes[length - 1 - i] = i / 4 < count ? (uint8_t)(words[i / 4] >> (8 * (i % 4))) : 0;
    }
}

int bignum_compare(const uint32_t *a, const uint32_t *b, size_t count)
{
    for (size_t i = count; i > 0; i--) {
        if (a[i - 1] != b[i - 1]) {
            return a[i - 1] > b[i - 1] ? 1 : -1;
        }
    }
    return 0;
}

int bignum_is_zero(const uint32_t *a, size_t count)
{
    uint32_t any = 0;
    for (size_t i = 0; i < count; i++) {
        any |= a[i];
    }
    return any == 0;
}

uint32_t bignum_subtract(uint32_t *r, const uint32_t *a, const uint32_t *b, size_t count)
{
    uint64_t borrow = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t d = (uint64_t)a[i] - b[i] - borrow;
        r[i] = (uint32_t)d;
        borrow = (d >> 32) & 1;
    }
    return (uint32_t)borrow;
}

static uint32_t add(uint32_t *r, const uint32_t *a, const uint32_t *b, size_t count)
{
    uint64_t carry = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t s = (uint64_t)a[i] + b[i] + carry;
        r[i] = (uint32_t)s;
        carry = s >> 32;
    }
    return (uint32_t)carry;
}

void montgomery_add(const struct montgomery *m, uint32_t *r, const uint32_t *a, const uint32_t *b)
{
    uint32_t carry = add(r, a, b, m->words);
    if (carry || bignum_compare(r, m->modulus, m->words) >= 0) {
        bignum_subtract(r, r, m->modulus, m->words);
    }
}

void montgomery_subtract(const struct montgomery *m, uint32_t *r, const uint32_t *a, const uint32_t *b)
{
    if (bignum_subtract(r, a, b, m->words)) {
        add(r, r, m->modulus, m->words);
    }
}

void montgomery_multiply(const struct montgomery *m, uint32_t *r, const uint32_t *a, const uint32_t *b)
{
    size_t n = m->words;
    uint32_t t[BIGNUM_MAX_WORDS + 2];
    memset(t, 0, (n + 2) * 4);
    for (size_t i = 0; i < n; i++) {
        /* t += a * b[i] */
        uint64_t carry = 0;
        for (size_t j = 0; j < n; j++) {
            uint64_t v = (uint64_t)a[j] * b[i] + t[j] + carry;
            t[j] = (uint32_t)v;
            carry = v >> 32;
        }
        uint64_t v = (uint64_t)t[n] + carry;
        t[n] = (uint32_t)v;
        t[n + 1] = (uint32_t)(v >> 32);
        /* t = (t + q * modulus) / 2^32 with q chosen to clear the low word */
        uint32_t q = t[0] * m->inverse;
        v = (uint64_t)q * m->modulus[0] + t[0];
        carry = v >> 32;
        for (size_t j = 1; j < n; j++) {
            v = (uint64_t)q * m->modulus[j] + t[j] + carry;
            t[j - 1] = (uint32_t)v;
            carry = v >> 32;
        }
        v = (uint64_t)t[n] + carry;
        t[n - 1] = (uint32_t)v;
        t[n] = t[n + 1] + (uint32_t)(v >> 32);
    }
    if (t[n] != 0 || bignum_compare(t, m->modulus, n) >= 0) {
        bignum_subtract(t, t, m->modulus, n);
    }
    memcpy(r, t, n * 4);
}

void montgomery_init(struct montgomery *m, const uint32_t *modulus, size_t words)
{
    m->words = words;
    m->modulus = modulus;
    /* Newton's iteration for modulus[0]^-1 mod 2^32 (each step doubles the correct bits). */
    uint32_t x = modulus[0];
    for (int i = 0; i < 5; i++) {
        x *= 2 - modulus[0] * x;
    }
    m->inverse = (uint32_t)0 - x;
    /* R mod modulus = 2^(32n) - modulus when the top bit of the modulus is set; in general,
     * compute it (and then R^2) by doubling with modular reduction. */
    uint32_t value[BIGNUM_MAX_WORDS];
    memset(value, 0, sizeof value);
    value[0] = 1;
    for (size_t bit = 0; bit < 64 * words; bit++) {
        if (bit == 32 * words) {
            memcpy(m->one, value, words * 4);
        }
        montgomery_add(m, value, value, value);
    }
    memcpy(m->r_squared, value, words * 4);
}

void montgomery_to(const struct montgomery *m, uint32_t *r, const uint32_t *a)
{
    montgomery_multiply(m, r, a, m->r_squared);
}

void montgomery_from(const struct montgomery *m, uint32_t *r, const uint32_t *a)
{
    uint32_t one[BIGNUM_MAX_WORDS];
    memset(one, 0, m->words * 4);
    one[0] = 1;
    montgomery_multiply(m, r, a, one);
}

void montgomery_power(const struct montgomery *m, uint32_t *r, const uint32_t *base, const uint8_t *exponent,
                      size_t exponent_length)
{
    uint32_t result[BIGNUM_MAX_WORDS];
    memcpy(result, m->one, m->words * 4);
    for (size_t i = 0; i < exponent_length; i++) {
        for (int bit = 7; bit >= 0; bit--) {
            montgomery_multiply(m, result, result, result);
            if ((exponent[i] >> bit) & 1) {
                montgomery_multiply(m, result, result, base);
            }
        }
    }
    memcpy(r, result, m->words * 4);
}
