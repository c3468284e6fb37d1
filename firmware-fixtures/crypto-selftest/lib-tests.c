/*
 * lib/crypto, the drivers behind the mqtt-tls fixture, on the same inputs: incremental SHA-256 on
 * the HASH block, software SHA-256, HMAC-SHA256, P-256 (PKA where the device allows it, software
 * otherwise, and the software path always), RSA signature checks and AES-128-GCM (the AES block
 * on the H573, software on the H563). Only the first curve slot is used, and only if it is P-256.
 */
#include "selftest.h"
#include "crypto.h"
#include <string.h>

static void p256_checks(const struct ec_input *curve)
{
    static uint8_t point[64], peer[64], public_key[64], signature[64], digest[32], result[64];
    if (curve->size != 32 || memcmp(curve->gx, p256_generator, 32) != 0) {
        fail("lib-p256", "the first curve is not P-256");
        return;
    }
    sha256(input_message, input_message_length, digest);
    memcpy(peer, curve->peer_x, 32);
    memcpy(peer + 32, curve->peer_y, 32);
    if (p256_public_key(curve->d, public_key) == 0) {
        print_hex("KAT", "lib-p256-public", public_key, 64);
    } else {
        fail("lib-p256-public", "error");
    }
    if (p256_soft_scalar_multiply(curve->d, p256_generator, point) == 0) {
        print_hex("KAT", "lib-p256-soft-public", point, 64);
    }
    if (p256_scalar_multiply(curve->d, peer, point) == 0) {
        print_hex("KAT", "lib-p256-ecdh", point, 32);
    } else {
        fail("lib-p256-ecdh", "error");
    }
    if (p256_soft_scalar_multiply(curve->d, peer, result) == 0) {
        print_hex("KAT", "lib-p256-soft-ecdh", result, 32);
    }
    if (p256_ecdsa_sign(curve->d, digest, signature, signature + 32) == 0) {
        print_hex("SIGNATURE", "lib-p256-sign", signature, 64);
        print_line("VERIFY", "lib-p256-own-signature",
                   p256_ecdsa_verify(public_key, digest, signature, signature + 32) == 0 ? "valid" : "invalid");
    } else {
        fail("lib-p256-sign", "error");
    }
    if (p256_soft_ecdsa_sign(curve->d, digest, signature, signature + 32) == 0) {
        print_hex("SIGNATURE", "lib-p256-soft-sign", signature, 64);
    }
    print_line("VERIFY", "lib-p256-openssl-signature",
               p256_ecdsa_verify(peer, digest, curve->sig_r, curve->sig_s) == 0 ? "valid" : "invalid");
    print_line("VERIFY", "lib-p256-soft-openssl-signature",
               p256_soft_ecdsa_verify(peer, digest, curve->sig_r, curve->sig_s) == 0 ? "valid" : "invalid");
    digest[0] ^= 1;
    print_line("VERIFY", "lib-p256-soft-openssl-signature-other-hash",
               p256_soft_ecdsa_verify(peer, digest, curve->sig_r, curve->sig_s) == 0 ? "valid" : "invalid");
}

static void rsa_checks(const struct rsa_input *rsa)
{
    static uint8_t result[RSA_BYTES_MAX];
    uint8_t digest[32];
    uint8_t exponent[3] = {(uint8_t)(rsa->exponent >> 16), (uint8_t)(rsa->exponent >> 8), (uint8_t)rsa->exponent};
    if (crypto_modexp(rsa->signature, exponent, 3, rsa->n, rsa->size, result) == 0) {
        print_hex("KAT", "lib-rsa-public", result, rsa->size);
    } else {
        fail("lib-rsa-public", "error");
    }
    sha256(input_message, input_message_length, digest);
    print_line("VERIFY", "lib-rsa-pkcs1-openssl-signature",
               rsa_pkcs1_sha256_verify(rsa->n, rsa->size, exponent, 3, digest, rsa->signature, rsa->size) == 0 ? "valid"
                                                                                                                : "invalid");
    print_line("VERIFY", "lib-rsa-pss-openssl-signature",
               rsa_pss_sha256_verify(rsa->n, rsa->size, exponent, 3, digest, rsa->pss_signature, rsa->size) == 0 ? "valid"
                                                                                                                   : "invalid");
    digest[31] ^= 1;
    print_line("VERIFY", "lib-rsa-pss-openssl-signature-other-hash",
               rsa_pss_sha256_verify(rsa->n, rsa->size, exponent, 3, digest, rsa->pss_signature, rsa->size) == 0 ? "valid"
                                                                                                                   : "invalid");
}

static void gcm_checks(void)
{
    static uint8_t data[GCM_PAYLOAD_BYTES];
    static struct aes_gcm gcm;
    uint8_t tag[16];
    aes_gcm_init(&gcm, input_aes_key);
    memcpy(data, input_aes_data, GCM_PAYLOAD_BYTES);
    aes_gcm_encrypt(&gcm, input_aes_iv, input_aes_aad, GCM_AAD_BYTES, data, GCM_PAYLOAD_BYTES, tag);
    print_hex("KAT", "lib-gcm-128-ciphertext", data, GCM_PAYLOAD_BYTES);
    print_hex("KAT", "lib-gcm-128-tag", tag, 16);
    int opened = aes_gcm_decrypt(&gcm, input_aes_iv, input_aes_aad, GCM_AAD_BYTES, data, GCM_PAYLOAD_BYTES, tag) == 0 &&
                 memcmp(data, input_aes_data, GCM_PAYLOAD_BYTES) == 0;
    print_line("VERIFY", "lib-gcm-128-decrypt", opened ? "valid" : "invalid");
    aes_gcm_encrypt(&gcm, input_aes_iv, input_aes_aad, GCM_AAD_BYTES, data, GCM_PAYLOAD_BYTES, tag);
    tag[0] ^= 1;
    print_line("VERIFY", "lib-gcm-128-decrypt-wrong-tag",
               aes_gcm_decrypt(&gcm, input_aes_iv, input_aes_aad, GCM_AAD_BYTES, data, GCM_PAYLOAD_BYTES, tag) == 0 ? "valid"
                                                                                                                    : "invalid");
}

void run_library_tests(void)
{
    uint8_t digest[32];
    struct sha256_hw hw;
    sha256_hw_begin(&hw);
    sha256_hw_update(&hw, input_message, 5);
    sha256_hw_update(&hw, input_message + 5, 600);
    sha256_hw_update(&hw, input_message + 605, input_message_length - 605);
    sha256_hw_finish(&hw, digest);
    print_hex("KAT", "lib-sha256-incremental", digest, 32);
    struct sha256_soft soft;
    sha256_soft_init(&soft);
    sha256_soft_update(&soft, input_message, input_message_length);
    sha256_soft_final(&soft, digest);
    print_hex("KAT", "lib-sha256-soft", digest, 32);
    hmac_sha256(input_short_key, input_short_key_length, input_message, input_message_length, digest);
    print_hex("KAT", "lib-hmac-sha256-short-key", digest, 32);
    hmac_sha256(input_long_key, input_long_key_length, input_message, input_message_length, digest);
    print_hex("KAT", "lib-hmac-sha256-long-key", digest, 32);
    p256_checks(&input_curves[0]);
    if (input_rsa.size != 0 && input_rsa.size <= RSA_BYTES_MAX) {
        rsa_checks(&input_rsa);
    }
    gcm_checks();
}
