/*
 * bench-crypto (issues #4/#5): times lib/crypto's operations on the peripherals and in software
 * on the emulated core. scripts/bench-crypto.ts runs two builds:
 *   bench-crypto.elf       on stm32h563: HASH and PKA verification (all the H563's PKA can do,
 *                          RM0481 §36.3) and every software path (SHA-256, AES-GCM, P-256);
 *   bench-crypto-h573.elf  on stm32h573 (USE_AES_PERIPHERAL, so USE_PKA_FULL): PKA scalar
 *                          multiplication and ECDSA signing, and AES-GCM on the AES block.
 * Each operation is bracketed by semihosting lines the host timestamps:
 *   BEGIN <operation> <hw|sw>
 *   END <operation> <hw|sw> <DWT_CYCCNT delta> <ok|FAILED>
 *   RESULT <operation> <hw|sw> <hex>   (digest or last tag, compared across paths by the script)
 * "1 MiB" is 16 passes over one 64 KiB RAM buffer: one SHA-256 message of 1 MiB fed in 64 KiB
 * updates, and 16 AES-GCM messages of 64 KiB (the chip has 640 KiB of SRAM).
 */
#include "crypto.h"
#include "cortex-m.h"
#include "semihosting.h"
#include <string.h>

#define CHUNK (64u * 1024u)
#define PASSES 16u

static uint8_t buffer[CHUNK];
static uint32_t started;
static int failures;

static void begin(const char *operation, const char *path)
{
    sh_printf("BEGIN %s %s\n", operation, path);
    started = DWT_CYCCNT;
}

static void end(const char *operation, const char *path, int ok)
{
    uint32_t cycles = DWT_CYCCNT - started;
    sh_printf("END %s %s %lu %s\n", operation, path, (unsigned long)cycles, ok ? "ok" : "FAILED");
    failures += !ok;
}

static void result(const char *operation, const char *path, const uint8_t *bytes, size_t length)
{
    char hex[2 * 32 + 1];
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < length; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    hex[2 * length] = 0;
    sh_printf("RESULT %s %s %s\n", operation, path, hex);
}

static void fill_buffer(void)
{
    uint32_t x = 0x12345678u;
    for (unsigned i = 0; i < CHUNK; i++) {
        x = x * 1664525u + 1013904223u;
        buffer[i] = (uint8_t)(x >> 24);
    }
}

#if !USE_PKA_FULL
static void bench_sha256(int hardware)
{
    const char *path = hardware ? "hw" : "sw";
    uint8_t digest[32];
    fill_buffer();
    begin("sha256-1mib", path);
    if (hardware) {
        struct sha256_hw context;
        sha256_hw_begin(&context);
        for (unsigned pass = 0; pass < PASSES; pass++) {
            sha256_hw_update(&context, buffer, CHUNK);
        }
        sha256_hw_finish(&context, digest);
    } else {
        struct sha256_soft context;
        sha256_soft_init(&context);
        for (unsigned pass = 0; pass < PASSES; pass++) {
            sha256_soft_update(&context, buffer, CHUNK);
        }
        sha256_soft_final(&context, digest);
    }
    end("sha256-1mib", path, 1);
    result("sha256-1mib", path, digest, 32);
}
#endif

/* Whichever AES-GCM this build has: the AES block with USE_AES_PERIPHERAL, software otherwise. */
static void bench_aes_gcm(void)
{
#ifdef USE_AES_PERIPHERAL
    const char *path = "hw";
#else
    const char *path = "sw";
#endif
    static const uint8_t key[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
    static const uint8_t aad[13] = {'b', 'e', 'n', 'c', 'h', '-', 'c', 'r', 'y', 'p', 't', 'o', 0};
    uint8_t nonce[12] = {0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0, 0, 0, 0, 0};
    uint8_t tag[16];
    struct aes_gcm gcm;
    fill_buffer();
    begin("aes-gcm-1mib", path);
    aes_gcm_init(&gcm, key);
    for (unsigned pass = 0; pass < PASSES; pass++) {
        nonce[11] = (uint8_t)pass;
        aes_gcm_encrypt(&gcm, nonce, aad, sizeof aad, buffer, CHUNK, tag);
    }
    end("aes-gcm-1mib", path, 1);
    result("aes-gcm-1mib", path, tag, 16);
}

static void private_key(uint8_t key[32])
{
    do {
        crypto_random(key, 32);
    } while (memcmp(key, p256_order, 32) >= 0);
}

int main(void)
{
    DEMCR |= 1u << 24; /* TRCENA */
    DWT_CYCCNT = 0;
    DWT_CTRL |= 1u;    /* CYCCNTENA */
    if (crypto_init() != 0) {
        sh_printf("bench-crypto: crypto_init failed\n");
        sh_exit(2);
    }
    static const uint8_t hash[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                     0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                     0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    uint8_t key[32], pub[64], pub_sw[64], r[32], s[32];
    private_key(key);
#if USE_PKA_FULL
    begin("p256-scalar-mult", "hw");
    int rc = p256_scalar_multiply(key, p256_generator, pub);
    end("p256-scalar-mult", "hw", rc == 0);
    result("p256-scalar-mult", "hw", pub, 32);
    begin("ecdsa-sign", "hw");
    rc = p256_ecdsa_sign(key, hash, r, s);
    end("ecdsa-sign", "hw", rc == 0);
    /* Not timed: the signature made on the PKA must verify in software. */
    if (p256_soft_ecdsa_verify(pub, hash, r, s) != 0) {
        sh_printf("bench-crypto: PKA signature does not verify in software\n");
        failures++;
    }
    bench_aes_gcm();
#else
    bench_sha256(1);
    bench_sha256(0);
    bench_aes_gcm();
    begin("p256-scalar-mult", "sw");
    int rc = p256_soft_scalar_multiply(key, p256_generator, pub_sw);
    end("p256-scalar-mult", "sw", rc == 0);
    result("p256-scalar-mult", "sw", pub_sw, 32);
    memcpy(pub, pub_sw, 64);
    begin("ecdsa-sign", "sw");
    rc = p256_soft_ecdsa_sign(key, hash, r, s);
    end("ecdsa-sign", "sw", rc == 0);
    begin("ecdsa-verify", "hw");
    rc = p256_ecdsa_verify(pub, hash, r, s);
    end("ecdsa-verify", "hw", rc == 0);
    begin("ecdsa-verify", "sw");
    rc = p256_soft_ecdsa_verify(pub, hash, r, s);
    end("ecdsa-verify", "sw", rc == 0);
#endif
    (void)pub_sw;
    sh_printf("bench-crypto: %d failure(s)\n", failures);
    sh_exit(failures == 0 ? 0 : 1);
}
