/*
 * RSA signature checks on the PKA's modular exponentiation: RSASSA-PSS with SHA-256, MGF1-SHA256
 * and a 32-byte salt (RFC 8017 §9.1.2, as RFC 8446 §4.2.3 requires for rsa_pss_rsae_sha256), and
 * RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2.2) for certificate signatures.
 */
#include "crypto.h"
#include <string.h>

#define RSA_MAX_BYTES 512

static int rsa_public(const uint8_t *modulus, size_t modulus_length, const uint8_t *exponent,
                      size_t exponent_length, const uint8_t *signature, size_t signature_length, uint8_t *message)
{
    if (modulus_length == 0 || modulus_length > RSA_MAX_BYTES || signature_length != modulus_length) {
        return -1;
    }
    if (memcmp(signature, modulus, modulus_length) >= 0) {
        return -1; /* the signature representative must be below n */
    }
    return crypto_modexp(signature, exponent, exponent_length, modulus, modulus_length, message);
}

static int top_bit_count(const uint8_t *modulus, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        if (modulus[i]) {
            int bits = (int)(8 * (length - i));
            for (uint8_t b = modulus[i]; !(b & 0x80); b <<= 1) {
                bits--;
            }
            return bits;
        }
    }
    return 0;
}

/* s^e mod n into `out` (modulus_length bytes, leading zero bytes of n and s dropped first, and
 * modulus_length updated to match): the encoded message both verifications then check. */
static int rsa_recover(const uint8_t **modulus, size_t *modulus_length, const uint8_t *exponent,
                       size_t exponent_length, const uint8_t *signature, size_t signature_length, uint8_t *out)
{
    while (*modulus_length > 0 && (*modulus)[0] == 0) {
        (*modulus)++;
        (*modulus_length)--;
    }
    while (signature_length > *modulus_length && signature[0] == 0) {
        signature++;
        signature_length--;
    }
    return rsa_public(*modulus, *modulus_length, exponent, exponent_length, signature, signature_length, out);
}

int rsa_pss_sha256_verify(const uint8_t *modulus, size_t modulus_length, const uint8_t *exponent,
                          size_t exponent_length, const uint8_t hash[32], const uint8_t *signature,
                          size_t signature_length)
{
    static uint8_t em_full[RSA_MAX_BYTES];
    if (rsa_recover(&modulus, &modulus_length, exponent, exponent_length, signature, signature_length, em_full) != 0) {
        return -1;
    }
    size_t em_bits = (size_t)top_bit_count(modulus, modulus_length) - 1;
    size_t em_length = (em_bits + 7) / 8;
    const size_t h_length = 32, salt_length = 32;
    uint8_t *em = em_full + (modulus_length - em_length);
    if (em_length < modulus_length && em_full[0] != 0) {
        return -1;
    }
    if (em_length < h_length + salt_length + 2 || em[em_length - 1] != 0xbc) {
        return -1;
    }
    size_t db_length = em_length - h_length - 1;
    uint8_t *masked_db = em;
    const uint8_t *h = em + db_length;
    unsigned unused_bits = (unsigned)(8 * em_length - em_bits);
    if (masked_db[0] & (uint8_t)(0xff << (8 - unused_bits))) {
        return -1;
    }
    /* DB = maskedDB xor MGF1(H) */
    uint8_t counter_block[36];
    memcpy(counter_block, h, h_length);
    for (uint32_t counter = 0; counter * h_length < db_length; counter++) {
        uint8_t mask[32];
        counter_block[32] = (uint8_t)(counter >> 24);
        counter_block[33] = (uint8_t)(counter >> 16);
        counter_block[34] = (uint8_t)(counter >> 8);
        counter_block[35] = (uint8_t)counter;
        sha256(counter_block, sizeof counter_block, mask);
        for (size_t i = 0; i < h_length && counter * h_length + i < db_length; i++) {
            masked_db[counter * h_length + i] ^= mask[i];
        }
    }
    masked_db[0] &= (uint8_t)(0xff >> unused_bits);
    size_t padding = db_length - salt_length - 1;
    for (size_t i = 0; i < padding; i++) {
        if (masked_db[i] != 0) {
            return -1;
        }
    }
    if (masked_db[padding] != 0x01) {
        return -1;
    }
    /* H' = SHA-256(8 zero bytes || mHash || salt) */
    static const uint8_t zeros[8] = {0};
    struct crypto_part parts[3] = {{zeros, 8}, {hash, 32}, {masked_db + padding + 1, salt_length}};
    uint8_t expected[32];
    crypto_sha256(parts, 3, expected);
    return crypto_compare(expected, h, h_length) != 0 ? -1 : 0;
}

int rsa_pkcs1_sha256_verify(const uint8_t *modulus, size_t modulus_length, const uint8_t *exponent,
                            size_t exponent_length, const uint8_t hash[32], const uint8_t *signature,
                            size_t signature_length)
{
    static uint8_t em[RSA_MAX_BYTES];
    if (rsa_recover(&modulus, &modulus_length, exponent, exponent_length, signature, signature_length, em) != 0) {
        return -1;
    }
    /* EM = 00 01 FF..FF 00 || DigestInfo(SHA-256) || hash */
    static const uint8_t digest_info[19] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                            0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    size_t t_length = sizeof digest_info + 32;
    if (modulus_length < t_length + 11 || em[0] != 0 || em[1] != 1) {
        return -1;
    }
    size_t fill_end = modulus_length - t_length - 1;
    for (size_t i = 2; i < fill_end; i++) {
        if (em[i] != 0xff) {
            return -1;
        }
    }
    if (em[fill_end] != 0 || memcmp(em + fill_end + 1, digest_info, sizeof digest_info) != 0) {
        return -1;
    }
    return crypto_compare(em + fill_end + 1 + sizeof digest_info, hash, 32) != 0 ? -1 : 0;
}
