/*
 * crypto-selftest: known-answer runs of the STM32H5 crypto blocks, driven in the register order of
 * ST's HAL drivers (stm32h5xx_hal_hash.c, _hal_pka.c, _hal_cryp.c), our own code. Every result is
 * printed on semihosting as one line, compared on the host with OpenSSL
 * (test/crypto/selftest-fixture.test.ts):
 *   KAT <name> <hex>            a value OpenSSL recomputes (digest, MAC, ciphertext, point, ...)
 *   VERIFY <name> <valid|invalid>
 *   UNAVAILABLE <name> <reason> the block refused the operation (the H563's PKA, RM0481 §36.3)
 *   SIGNATURE <name> <r||s>     an ECDSA signature for OpenSSL to verify
 *   FAIL <name> <reason>        a driver error (timeout, error flag); the run exits non-zero
 * The lib-* lines come from firmware-fixtures/lib/crypto, the drivers the TLS fixture uses
 * (software P-256, RSA and AES-GCM where the device lacks the block), checked the same way.
 * Inputs that OpenSSL makes (keys, signatures, curve parameters, messages) are written by the
 * test into the input_* symbols (section .noinit, so startup leaves them alone) before the run.
 */
#ifndef CRYPTO_SELFTEST_H
#define CRYPTO_SELFTEST_H
#include <stddef.h>
#include <stdint.h>

#define INPUT_MAGIC 0x4b415421u /* "KAT!" */
#define MESSAGE_MAX 1024u
#define SHORT_MESSAGE_BYTES 3u
#define SHORT_KEY_MAX 64u
#define LONG_KEY_MAX 256u
#define EC_BYTES_MAX 68u /* P-521 needs 66; a multiple of 4 keeps the layout simple */
#define EC_CURVES 3u
#define RSA_BYTES_MAX 512u
#define AES_DATA_BYTES 64u
#define GCM_PAYLOAD_BYTES 61u /* not a whole number of blocks: NPBLB and the partial last block */
#define GCM_AAD_BYTES 20u

/* One curve, all numbers big-endian and `size` bytes long. Layout (checked below): two words,
 * then eleven arrays of EC_BYTES_MAX bytes. */
struct ec_input {
    uint32_t size;      /* bytes of p (and of n, coordinates, keys); 0 = slot unused */
    uint32_t hash_bits; /* SHA-2 size hashed for ECDSA: 256, 384 or 512 */
    uint8_t p[EC_BYTES_MAX];
    uint8_t a[EC_BYTES_MAX];
    uint8_t b[EC_BYTES_MAX];
    uint8_t n[EC_BYTES_MAX];
    uint8_t gx[EC_BYTES_MAX];
    uint8_t gy[EC_BYTES_MAX];
    uint8_t d[EC_BYTES_MAX];      /* our private key (made by OpenSSL) */
    uint8_t peer_x[EC_BYTES_MAX]; /* OpenSSL's public key: ECDH peer and signer of sig_r/sig_s */
    uint8_t peer_y[EC_BYTES_MAX];
    uint8_t sig_r[EC_BYTES_MAX];  /* OpenSSL's signature of the message's hash */
    uint8_t sig_s[EC_BYTES_MAX];
};
_Static_assert(offsetof(struct ec_input, sig_s) == 8 + 10 * EC_BYTES_MAX, "ec_input layout");
_Static_assert(sizeof(struct ec_input) == 8 + 11 * EC_BYTES_MAX, "ec_input size");

struct rsa_input {
    uint32_t size; /* bytes of the modulus; 0 = no RSA case */
    uint32_t exponent; /* public exponent */
    uint8_t n[RSA_BYTES_MAX];
    uint8_t p[RSA_BYTES_MAX / 2];
    uint8_t q[RSA_BYTES_MAX / 2];
    uint8_t dp[RSA_BYTES_MAX / 2];
    uint8_t dq[RSA_BYTES_MAX / 2];
    uint8_t qinv[RSA_BYTES_MAX / 2];
    uint8_t signature[RSA_BYTES_MAX]; /* OpenSSL's PKCS#1 v1.5 signature: we recover s^e mod n */
    uint8_t message[RSA_BYTES_MAX];   /* a number below n we raise to d (CRT and protected modes) */
    uint8_t d[RSA_BYTES_MAX];         /* private exponent and phi(n) = (p-1)(q-1), protected mode */
    uint8_t phi[RSA_BYTES_MAX];
    uint8_t pss_signature[RSA_BYTES_MAX]; /* OpenSSL's RSASSA-PSS (SHA-256, 32-byte salt) signature */
};
_Static_assert(offsetof(struct rsa_input, signature) == 8 + RSA_BYTES_MAX + 5 * (RSA_BYTES_MAX / 2), "rsa_input layout");

extern volatile uint32_t input_magic;
extern uint32_t input_message_length;
extern uint8_t input_message[MESSAGE_MAX];
extern uint32_t input_short_key_length;
extern uint8_t input_short_key[SHORT_KEY_MAX];
extern uint32_t input_long_key_length;
extern uint8_t input_long_key[LONG_KEY_MAX];
extern struct ec_input input_curves[EC_CURVES];
extern struct rsa_input input_rsa;
extern uint8_t input_aes_key[32];
extern uint8_t input_aes_iv[16];
extern uint8_t input_aes_data[AES_DATA_BYTES];
extern uint8_t input_aes_aad[GCM_AAD_BYTES];

/* Output (main.c). */
void print_hex(const char *tag, const char *name, const uint8_t *bytes, size_t length);
void print_line(const char *tag, const char *name, const char *detail);
void fail(const char *name, const char *reason);

/* SHA-2 / SHA-1 on the HASH block (hash-tests.c). */
enum hash_algo { HASH_SHA1, HASH_SHA224, HASH_SHA256, HASH_SHA384, HASH_SHA512_224, HASH_SHA512_256, HASH_SHA512 };
size_t hash_digest_bytes(enum hash_algo algo);
int hash_once(enum hash_algo algo, const uint8_t *data, size_t length, uint8_t *digest);
void run_hash_tests(void);

void run_pka_tests(void);
void run_aes_tests(void);
void run_library_tests(void);

#endif
