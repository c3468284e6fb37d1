/*
 * NIST P-256 in software (SEC 1, FIPS 186-4): scalar multiplication in Jacobian coordinates and
 * ECDSA sign / verify. The STM32H563's PKA runs in limited mode — ECDSA verification only
 * (RM0481 §36.3) — so ECDHE and the client's signature need this path there; the H573 uses its
 * full PKA instead. Not constant-time: a test fixture, not a product.
 */
#include "crypto.h"
#include "bignum.h"
#include <string.h>

#define W 8

static const uint8_t p_bytes[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t b_bytes[32] = {
    0x5a, 0xc6, 0x35, 0xd8, 0xaa, 0x3a, 0x93, 0xe7, 0xb3, 0xeb, 0xbd, 0x55, 0x76, 0x98, 0x86, 0xbc,
    0x65, 0x1d, 0x06, 0xb0, 0xcc, 0x53, 0xb0, 0xf6, 0x3b, 0xce, 0x3c, 0x3e, 0x27, 0xd2, 0x60, 0x4b};

static struct {
    int ready;
    uint32_t p[W], n[W];
    struct montgomery field, order;
    uint32_t b[W];     /* Montgomery form */
    uint8_t p_minus_2[32], n_minus_2[32];
} curve;

struct point {
    uint32_t x[W], y[W], z[W]; /* Jacobian, Montgomery form; z == 0 is the point at infinity */
};

static void curve_init(void)
{
    if (curve.ready) {
        return;
    }
    bignum_from_bytes(curve.p, W, p_bytes, 32);
    bignum_from_bytes(curve.n, W, p256_order, 32);
    montgomery_init(&curve.field, curve.p, W);
    montgomery_init(&curve.order, curve.n, W);
    uint32_t b[W];
    bignum_from_bytes(b, W, b_bytes, 32);
    montgomery_to(&curve.field, curve.b, b);
    memcpy(curve.p_minus_2, p_bytes, 32);
    curve.p_minus_2[31] -= 2;
    memcpy(curve.n_minus_2, p256_order, 32);
    curve.n_minus_2[31] -= 2; /* n ends in 0x51: no borrow */
    curve.ready = 1;
}

#define F (&curve.field)
static void fmul(uint32_t *r, const uint32_t *a, const uint32_t *b) { montgomery_multiply(F, r, a, b); }
static void fadd(uint32_t *r, const uint32_t *a, const uint32_t *b) { montgomery_add(F, r, a, b); }
static void fsub(uint32_t *r, const uint32_t *a, const uint32_t *b) { montgomery_subtract(F, r, a, b); }

static void point_double(struct point *r, const struct point *a)
{
    if (bignum_is_zero(a->z, W)) {
        *r = *a;
        return;
    }
    /* dbl-2001-b (a = -3) */
    uint32_t delta[W], gamma[W], beta[W], alpha[W], t1[W], t2[W], x3[W], y3[W], z3[W];
    fmul(delta, a->z, a->z);
    fmul(gamma, a->y, a->y);
    fmul(beta, a->x, gamma);
    fsub(t1, a->x, delta);
    fadd(t2, a->x, delta);
    fmul(alpha, t1, t2);
    fadd(t1, alpha, alpha);
    fadd(alpha, t1, alpha);
    fmul(x3, alpha, alpha);
    fadd(t1, beta, beta);
    fadd(t1, t1, t1);
    fadd(t2, t1, t1); /* 8 beta */
    fsub(x3, x3, t2);
    fadd(t2, a->y, a->z);
    fmul(z3, t2, t2);
    fsub(z3, z3, gamma);
    fsub(z3, z3, delta);
    fsub(t1, t1, x3); /* 4 beta - X3 */
    fmul(y3, alpha, t1);
    fmul(t2, gamma, gamma);
    fadd(t2, t2, t2);
    fadd(t2, t2, t2);
    fadd(t2, t2, t2); /* 8 gamma^2 */
    fsub(y3, y3, t2);
    memcpy(r->x, x3, sizeof x3);
    memcpy(r->y, y3, sizeof y3);
    memcpy(r->z, z3, sizeof z3);
}

static void point_add(struct point *r, const struct point *a, const struct point *b)
{
    if (bignum_is_zero(a->z, W)) {
        *r = *b;
        return;
    }
    if (bignum_is_zero(b->z, W)) {
        *r = *a;
        return;
    }
    /* add-2007-bl */
    uint32_t z1z1[W], z2z2[W], u1[W], u2[W], s1[W], s2[W], h[W], i[W], j[W], rr[W], v[W], t[W];
    uint32_t x3[W], y3[W], z3[W];
    fmul(z1z1, a->z, a->z);
    fmul(z2z2, b->z, b->z);
    fmul(u1, a->x, z2z2);
    fmul(u2, b->x, z1z1);
    fmul(t, b->z, z2z2);
    fmul(s1, a->y, t);
    fmul(t, a->z, z1z1);
    fmul(s2, b->y, t);
    fsub(h, u2, u1);
    fsub(rr, s2, s1);
    if (bignum_is_zero(h, W)) {
        if (bignum_is_zero(rr, W)) {
            point_double(r, a);
        } else {
            memset(r, 0, sizeof *r); /* P + (-P) */
        }
        return;
    }
    fadd(rr, rr, rr);
    fadd(t, h, h);
    fmul(i, t, t);
    fmul(j, h, i);
    fmul(v, u1, i);
    fmul(x3, rr, rr);
    fsub(x3, x3, j);
    fsub(x3, x3, v);
    fsub(x3, x3, v);
    fsub(t, v, x3);
    fmul(y3, rr, t);
    fmul(t, s1, j);
    fadd(t, t, t);
    fsub(y3, y3, t);
    fadd(t, a->z, b->z);
    fmul(z3, t, t);
    fsub(z3, z3, z1z1);
    fsub(z3, z3, z2z2);
    fmul(z3, z3, h);
    memcpy(r->x, x3, sizeof x3);
    memcpy(r->y, y3, sizeof y3);
    memcpy(r->z, z3, sizeof z3);
}

static void point_multiply(struct point *r, const uint8_t scalar[32], const struct point *p)
{
    struct point result;
    memset(&result, 0, sizeof result);
    for (int i = 0; i < 32; i++) {
        for (int bit = 7; bit >= 0; bit--) {
            point_double(&result, &result);
            if ((scalar[i] >> bit) & 1) {
                point_add(&result, &result, p);
            }
        }
    }
    *r = result;
}

/* Affine x||y (plain bytes) to a Jacobian point; -1 when not on the curve. */
static int point_load(struct point *r, const uint8_t xy[64])
{
    uint32_t x[W], y[W], lhs[W], rhs[W], t[W];
    bignum_from_bytes(x, W, xy, 32);
    bignum_from_bytes(y, W, xy + 32, 32);
    if (bignum_compare(x, curve.p, W) >= 0 || bignum_compare(y, curve.p, W) >= 0) {
        return -1;
    }
    montgomery_to(F, r->x, x);
    montgomery_to(F, r->y, y);
    memcpy(r->z, curve.field.one, sizeof r->z);
    /* y^2 == x^3 - 3x + b */
    fmul(lhs, r->y, r->y);
    fmul(t, r->x, r->x);
    fmul(rhs, t, r->x);
    fsub(rhs, rhs, r->x);
    fsub(rhs, rhs, r->x);
    fsub(rhs, rhs, r->x);
    fadd(rhs, rhs, curve.b);
    return bignum_compare(lhs, rhs, W) == 0 ? 0 : -1;
}

static int point_store(const struct point *p, uint8_t xy[64])
{
    if (bignum_is_zero(p->z, W)) {
        return -1;
    }
    uint32_t inverse[W], inverse2[W], inverse3[W], t[W];
    montgomery_power(F, inverse, p->z, curve.p_minus_2, 32);
    fmul(inverse2, inverse, inverse);
    fmul(inverse3, inverse2, inverse);
    fmul(t, p->x, inverse2);
    montgomery_from(F, t, t);
    bignum_to_bytes(t, W, xy, 32);
    fmul(t, p->y, inverse3);
    montgomery_from(F, t, t);
    bignum_to_bytes(t, W, xy + 32, 32);
    return 0;
}

int p256_soft_scalar_multiply(const uint8_t scalar[32], const uint8_t point[64], uint8_t result[64])
{
    curve_init();
    struct point p, r;
    if (point_load(&p, point) != 0) {
        return -1;
    }
    point_multiply(&r, scalar, &p);
    return point_store(&r, result);
}

/* x mod n for x < 2^256 (< 2n), as words. */
static void reduce_mod_n(uint32_t *r, const uint8_t bytes[32])
{
    bignum_from_bytes(r, W, bytes, 32);
    if (bignum_compare(r, curve.n, W) >= 0) {
        bignum_subtract(r, r, curve.n, W);
    }
}

int p256_soft_ecdsa_sign(const uint8_t private_key[32], const uint8_t hash[32], uint8_t r_out[32], uint8_t s_out[32])
{
    curve_init();
    const struct montgomery *N = &curve.order;
    struct point g;
    point_load(&g, p256_generator);
    for (int attempt = 0; attempt < 16; attempt++) {
        uint8_t k_bytes[32], xy[64];
        if (crypto_random(k_bytes, 32) != 0) {
            return -2;
        }
        uint32_t k[W];
        bignum_from_bytes(k, W, k_bytes, 32);
        if (bignum_is_zero(k, W) || bignum_compare(k, curve.n, W) >= 0) {
            continue;
        }
        struct point kg;
        point_multiply(&kg, k_bytes, &g);
        if (point_store(&kg, xy) != 0) {
            continue;
        }
        uint32_t r[W], e[W], d[W], km[W], kinv[W], rm[W], dm[W], em[W], t[W], s[W];
        reduce_mod_n(r, xy);
        if (bignum_is_zero(r, W)) {
            continue;
        }
        reduce_mod_n(e, hash);
        reduce_mod_n(d, private_key);
        montgomery_to(N, km, k);
        montgomery_power(N, kinv, km, curve.n_minus_2, 32);
        montgomery_to(N, rm, r);
        montgomery_to(N, dm, d);
        montgomery_to(N, em, e);
        montgomery_multiply(N, t, rm, dm);
        montgomery_add(N, t, t, em);
        montgomery_multiply(N, t, t, kinv);
        montgomery_from(N, s, t);
        if (bignum_is_zero(s, W)) {
            continue;
        }
        bignum_to_bytes(r, W, r_out, 32);
        bignum_to_bytes(s, W, s_out, 32);
        return 0;
    }
    return -1;
}

int p256_soft_ecdsa_verify(const uint8_t public_key[64], const uint8_t hash[32], const uint8_t r_bytes[32],
                           const uint8_t s_bytes[32])
{
    curve_init();
    const struct montgomery *N = &curve.order;
    uint32_t r[W], s[W], e[W], sm[W], w[W], em[W], rm[W], u1[W], u2[W];
    bignum_from_bytes(r, W, r_bytes, 32);
    bignum_from_bytes(s, W, s_bytes, 32);
    if (bignum_is_zero(r, W) || bignum_is_zero(s, W) || bignum_compare(r, curve.n, W) >= 0 ||
        bignum_compare(s, curve.n, W) >= 0) {
        return -1;
    }
    struct point g, q, a, b, sum;
    if (point_load(&q, public_key) != 0) {
        return -1;
    }
    point_load(&g, p256_generator);
    reduce_mod_n(e, hash);
    montgomery_to(N, sm, s);
    montgomery_power(N, w, sm, curve.n_minus_2, 32);
    montgomery_to(N, em, e);
    montgomery_to(N, rm, r);
    montgomery_multiply(N, u1, em, w);
    montgomery_multiply(N, u2, rm, w);
    montgomery_from(N, u1, u1);
    montgomery_from(N, u2, u2);
    uint8_t u1_bytes[32], u2_bytes[32], xy[64];
    bignum_to_bytes(u1, W, u1_bytes, 32);
    bignum_to_bytes(u2, W, u2_bytes, 32);
    point_multiply(&a, u1_bytes, &g);
    point_multiply(&b, u2_bytes, &q);
    point_add(&sum, &a, &b);
    if (point_store(&sum, xy) != 0) {
        return -1;
    }
    uint32_t x[W];
    reduce_mod_n(x, xy);
    return bignum_compare(x, r, W) == 0 ? 0 : -1;
}

int bignum_modexp(const uint8_t *base, const uint8_t *exponent, size_t exponent_length, const uint8_t *modulus,
                  size_t modulus_length, uint8_t *result)
{
    static struct montgomery m;
    static uint32_t n[BIGNUM_MAX_WORDS], x[BIGNUM_MAX_WORDS], xm[BIGNUM_MAX_WORDS];
    size_t words = (modulus_length + 3) / 4;
    if (words > BIGNUM_MAX_WORDS || modulus_length == 0 || (modulus[modulus_length - 1] & 1) == 0) {
        return -1; /* RSA moduli are odd */
    }
    bignum_from_bytes(n, words, modulus, modulus_length);
    bignum_from_bytes(x, words, base, modulus_length);
    if (bignum_compare(x, n, words) >= 0) {
        return -1;
    }
    montgomery_init(&m, n, words);
    montgomery_to(&m, xm, x);
    montgomery_power(&m, xm, xm, exponent, exponent_length);
    montgomery_from(&m, x, xm);
    bignum_to_bytes(x, words, result, modulus_length);
    return 0;
}
