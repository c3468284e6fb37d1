/*
 * Host-only backend for the crypto calls that run on the chip's RNG, HASH and PKA blocks, built on
 * OpenSSL's libcrypto so the TLS / MQTT layers can be exercised natively against a real broker.
 * Never part of a firmware image.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "crypto.h"
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static EC_GROUP *group;

int crypto_init(void)
{
    group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    return group ? 0 : -1;
}

int crypto_random(uint8_t *out, size_t length) { return RAND_bytes(out, (int)length) == 1 ? 0 : -1; }

/* The software SHA-256 (lib/crypto/sha256-soft.c) stands in for the HASH block, so it is tested
 * too; HMAC is built on it the RFC 2104 way and cross-checked against OpenSSL's HMAC. */
void crypto_sha256(const struct crypto_part *parts, unsigned count, uint8_t digest[32])
{
    struct sha256_soft context;
    sha256_soft_init(&context);
    for (unsigned i = 0; i < count; i++) {
        sha256_soft_update(&context, parts[i].data, parts[i].length);
    }
    sha256_soft_final(&context, digest);
    uint8_t check[32];
    SHA256_CTX ossl;
    SHA256_Init(&ossl);
    for (unsigned i = 0; i < count; i++) {
        SHA256_Update(&ossl, parts[i].data, parts[i].length);
    }
    SHA256_Final(check, &ossl);
    if (memcmp(check, digest, 32) != 0) {
        abort();
    }
}

void crypto_hmac_sha256(const uint8_t *key, size_t key_length, const struct crypto_part *parts, unsigned count,
                        uint8_t mac[32])
{
    uint8_t block[64] = {0}, pad[64], inner[32];
    if (key_length > 64) {
        sha256(key, key_length, block);
    } else {
        memcpy(block, key, key_length);
    }
    struct crypto_part list[16];
    for (unsigned i = 0; i < 64; i++) {
        pad[i] = block[i] ^ 0x36;
    }
    list[0].data = pad;
    list[0].length = 64;
    for (unsigned i = 0; i < count && i < 15; i++) {
        list[1 + i] = parts[i];
    }
    crypto_sha256(list, count + 1, inner);
    uint8_t outer_pad[64];
    for (unsigned i = 0; i < 64; i++) {
        outer_pad[i] = block[i] ^ 0x5c;
    }
    struct crypto_part outer[2] = {{outer_pad, 64}, {inner, 32}};
    crypto_sha256(outer, 2, mac);
    /* cross-check */
    HMAC_CTX *h = HMAC_CTX_new();
    HMAC_Init_ex(h, key, (int)key_length, EVP_sha256(), NULL);
    for (unsigned i = 0; i < count; i++) {
        HMAC_Update(h, parts[i].data, parts[i].length);
    }
    uint8_t check[32];
    unsigned check_length = 32;
    HMAC_Final(h, check, &check_length);
    HMAC_CTX_free(h);
    if (memcmp(check, mac, 32) != 0) {
        abort();
    }
}

static EC_POINT *point_from(const uint8_t xy[64])
{
    uint8_t encoded[65] = {4};
    memcpy(encoded + 1, xy, 64);
    EC_POINT *point = EC_POINT_new(group);
    if (EC_POINT_oct2point(group, point, encoded, 65, NULL) != 1) {
        EC_POINT_free(point);
        return NULL;
    }
    return point;
}

static void point_to(const EC_POINT *point, uint8_t xy[64])
{
    uint8_t encoded[65];
    EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, encoded, 65, NULL);
    memcpy(xy, encoded + 1, 64);
}

static int openssl_scalar_multiply(const uint8_t scalar[32], const uint8_t point[64], uint8_t result[64])
{
    EC_POINT *p = point_from(point);
    if (!p) {
        return -1;
    }
    BIGNUM *k = BN_bin2bn(scalar, 32, NULL);
    EC_POINT *r = EC_POINT_new(group);
    int ok = EC_POINT_mul(group, r, NULL, p, k, NULL) == 1 && !EC_POINT_is_at_infinity(group, r);
    if (ok) {
        point_to(r, result);
    }
    EC_POINT_free(p);
    EC_POINT_free(r);
    BN_free(k);
    return ok ? 0 : -1;
}

static EC_KEY *key_from_public(const uint8_t xy[64])
{
    EC_KEY *key = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
    EC_POINT *p = point_from(xy);
    if (!p || EC_KEY_set_public_key(key, p) != 1) {
        EC_POINT_free(p);
        EC_KEY_free(key);
        return NULL;
    }
    EC_POINT_free(p);
    return key;
}

static int openssl_ecdsa_verify(const uint8_t public_key[64], const uint8_t hash[32], const uint8_t r[32], const uint8_t s[32])
{
    EC_KEY *key = key_from_public(public_key);
    if (!key) {
        return -2;
    }
    ECDSA_SIG *sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(r, 32, NULL), BN_bin2bn(s, 32, NULL));
    int ok = ECDSA_do_verify(hash, 32, sig, key) == 1;
    ECDSA_SIG_free(sig);
    EC_KEY_free(key);
    return ok ? 0 : -1;
}

static int openssl_ecdsa_sign(const uint8_t private_key[32], const uint8_t hash[32], uint8_t r[32], uint8_t s[32])
{
    EC_KEY *key = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *d = BN_bin2bn(private_key, 32, NULL);
    EC_KEY_set_private_key(key, d);
    ECDSA_SIG *sig = ECDSA_do_sign(hash, 32, key);
    int ok = sig != NULL;
    if (ok) {
        const BIGNUM *br, *bs;
        ECDSA_SIG_get0(sig, &br, &bs);
        BN_bn2binpad(br, r, 32);
        BN_bn2binpad(bs, s, 32);
    }
    ECDSA_SIG_free(sig);
    BN_free(d);
    EC_KEY_free(key);
    return ok ? 0 : -1;
}

static int openssl_modexp(const uint8_t *base, const uint8_t *exponent, size_t exponent_length, const uint8_t *modulus,
                          size_t modulus_length, uint8_t *result)
{
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *b = BN_bin2bn(base, (int)modulus_length, NULL), *e = BN_bin2bn(exponent, (int)exponent_length, NULL);
    BIGNUM *m = BN_bin2bn(modulus, (int)modulus_length, NULL), *r = BN_new();
    int ok = BN_mod_exp(r, b, e, m, ctx) == 1 && BN_bn2binpad(r, result, (int)modulus_length) > 0;
    BN_free(b);
    BN_free(e);
    BN_free(m);
    BN_free(r);
    BN_CTX_free(ctx);
    return ok ? 0 : -1;
}

/* The PKA operations: the firmware's own software P-256 / modexp (what the H563 build runs),
 * each result cross-checked against libcrypto; a disagreement aborts the test. */
int p256_scalar_multiply(const uint8_t scalar[32], const uint8_t point[64], uint8_t result[64])
{
    uint8_t check[64];
    int ours = p256_soft_scalar_multiply(scalar, point, result);
    int theirs = openssl_scalar_multiply(scalar, point, check);
    if ((ours == 0) != (theirs == 0) || (ours == 0 && memcmp(result, check, 64) != 0)) {
        fprintf(stderr, "software P-256 scalar multiplication disagrees with libcrypto\n");
        abort();
    }
    return ours;
}

int p256_ecdsa_verify(const uint8_t public_key[64], const uint8_t hash[32], const uint8_t r[32], const uint8_t s[32])
{
    int ours = p256_soft_ecdsa_verify(public_key, hash, r, s);
    int theirs = openssl_ecdsa_verify(public_key, hash, r, s);
    if ((ours == 0) != (theirs == 0)) {
        fprintf(stderr, "software ECDSA verify disagrees with libcrypto\n");
        abort();
    }
    return ours;
}

int p256_ecdsa_sign(const uint8_t private_key[32], const uint8_t hash[32], uint8_t r[32], uint8_t s[32])
{
    int ours = p256_soft_ecdsa_sign(private_key, hash, r, s);
    uint8_t public_key[64];
    if (ours != 0 || openssl_scalar_multiply(private_key, p256_generator, public_key) != 0 ||
        openssl_ecdsa_verify(public_key, hash, r, s) != 0) {
        fprintf(stderr, "software ECDSA signature rejected by libcrypto\n");
        abort();
    }
    (void)openssl_ecdsa_sign;
    return ours;
}

int crypto_modexp(const uint8_t *base, const uint8_t *exponent, size_t exponent_length, const uint8_t *modulus,
                  size_t modulus_length, uint8_t *result)
{
    uint8_t check[512];
    int ours = bignum_modexp(base, exponent, exponent_length, modulus, modulus_length, result);
    int theirs = openssl_modexp(base, exponent, exponent_length, modulus, modulus_length, check);
    if ((ours == 0) != (theirs == 0) || (ours == 0 && memcmp(result, check, modulus_length) != 0)) {
        fprintf(stderr, "software modexp disagrees with libcrypto\n");
        abort();
    }
    return ours;
}
