/* crypto-selftest: inputs, output lines and the order of the runs (see selftest.h). */
#include "selftest.h"
#include "crypto.h"
#include "semihosting.h"

#define NOINIT __attribute__((section(".noinit"), used))

volatile uint32_t input_magic NOINIT;
uint32_t input_message_length NOINIT;
uint8_t input_message[MESSAGE_MAX] NOINIT;
uint32_t input_short_key_length NOINIT;
uint8_t input_short_key[SHORT_KEY_MAX] NOINIT;
uint32_t input_long_key_length NOINIT;
uint8_t input_long_key[LONG_KEY_MAX] NOINIT;
struct ec_input input_curves[EC_CURVES] NOINIT;
struct rsa_input input_rsa NOINIT;
uint8_t input_aes_key[32] NOINIT;
uint8_t input_aes_iv[16] NOINIT;
uint8_t input_aes_data[AES_DATA_BYTES] NOINIT;
uint8_t input_aes_aad[GCM_AAD_BYTES] NOINIT;

static int failures;

static void put(char **out, const char *text)
{
    while (*text) {
        *(*out)++ = *text++;
    }
}

void print_hex(const char *tag, const char *name, const uint8_t *bytes, size_t length)
{
    /* One semihosting write per line: tag, name and up to 4096 bits of value. */
    static char line[2 * RSA_BYTES_MAX + 96];
    static const char digits[] = "0123456789abcdef";
    char *out = line;
    put(&out, tag);
    put(&out, " ");
    put(&out, name);
    put(&out, " ");
    for (size_t i = 0; i < length && i < RSA_BYTES_MAX; i++) {
        *out++ = digits[bytes[i] >> 4];
        *out++ = digits[bytes[i] & 15];
    }
    put(&out, "\n");
    *out = 0;
    sh_write0(line);
}

void print_line(const char *tag, const char *name, const char *detail)
{
    sh_printf("%s %s %s\n", tag, name, detail);
}

void fail(const char *name, const char *reason)
{
    print_line("FAIL", name, reason);
    failures++;
}

int main(void)
{
    sh_printf("crypto-selftest start\n");
    if (input_magic != INPUT_MAGIC) {
        sh_printf("crypto-selftest: no inputs (the test writes input_* and sets input_magic first)\n");
        return 2;
    }
    if (crypto_init() != 0) {
        fail("init", "RNG or PKA did not start");
        return 1;
    }
    uint8_t random[32];
    if (crypto_random(random, sizeof random) != 0) {
        fail("rng", "seed or clock error");
    } else {
        print_hex("RNG", "words", random, sizeof random);
    }
    run_hash_tests();
    run_pka_tests();
    run_aes_tests();
    run_library_tests();
    sh_printf("DONE %d failure(s)\n", failures);
    return failures != 0;
}
