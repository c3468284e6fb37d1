/*
 * HASH block (RM0481 §35) in the order stm32h5xx_hal_hash.c uses: HAL_HASH_Init (DATATYPE, ALGO),
 * HAL_HASH_Start (MODE=hash, INIT, NBLW, data, DCAL, wait DCIS, HR), HAL_HASH_HMAC_Start (three
 * phases closed by DCAL, BUSY awaited between them), HAL_HASH_Accumulate/AccumulateLast, and
 * HAL_HASH_Suspend/Resume (IMR, STR, CR, CSR0..CSR102).
 */
#include "selftest.h"
#include "h5-crypto-registers.h"
#include <string.h>

#define HASH_IMR H5_REG(HASH_BASE + 0x20)
#define HASH_CSR(n) H5_REG(HASH_BASE + 0xF8 + 4 * (n))
#define HASH_CSR_COUNT 103u
#define HASH_CR_DMAE (1u << 3)
#define HASH_CR_DATATYPE_Msk (3u << 4)
#define HASH_CR_MDMAT (1u << 13)
#define HASH_CR_ALGO_Pos 17
#define HASH_CR_ALGO_Msk (0xFu << 17)
#define HASH_POLL_LIMIT 1000000u

static const struct {
    const char *name;
    uint32_t algo; /* CR.ALGO */
    uint8_t digest_bytes;
    uint8_t block_bytes;
} algorithms[] = {
    [HASH_SHA1] = {"sha1", 0x0, 20, 64},
    [HASH_SHA224] = {"sha224", 0x2, 28, 64},
    [HASH_SHA256] = {"sha256", 0x3, 32, 64},
    [HASH_SHA384] = {"sha384", 0xC, 48, 128},
    [HASH_SHA512_224] = {"sha512-224", 0xD, 28, 128},
    [HASH_SHA512_256] = {"sha512-256", 0xE, 32, 128},
    [HASH_SHA512] = {"sha512", 0xF, 64, 128},
};

size_t hash_digest_bytes(enum hash_algo algo)
{
    return algorithms[algo].digest_bytes;
}

static int wait_status(uint32_t mask, int set)
{
    for (unsigned n = 0; n < HASH_POLL_LIMIT; n++) {
        if (((HASH_SR & mask) != 0) == (set != 0)) {
            return 0;
        }
    }
    return -1;
}

/* HAL_HASH_Init with 8-bit data: the block swaps the bytes of each word we write in memory order. */
static void hash_init(enum hash_algo algo)
{
    HASH_CR = (HASH_CR & ~(HASH_CR_DATATYPE_Msk | HASH_CR_ALGO_Msk)) | HASH_CR_DATATYPE_BYTE |
              (algorithms[algo].algo << HASH_CR_ALGO_Pos);
}

/* HASH_WriteData: whole words, then the tail bytes zero-padded in the last word. */
static void write_data(const uint8_t *data, size_t length)
{
    size_t whole = length & ~(size_t)3;
    for (size_t i = 0; i < whole; i += 4) {
        uint32_t word;
        memcpy(&word, data + i, 4);
        HASH_DIN = word;
    }
    if (length != whole) {
        uint32_t word = 0;
        memcpy(&word, data + whole, length - whole);
        HASH_DIN = word;
    }
}

static void set_valid_bits(size_t length)
{
    HASH_STR = (HASH_STR & ~HASH_STR_NBLW_Msk) | (8u * (uint32_t)(length % 4));
}

static int read_digest(enum hash_algo algo, uint8_t *digest)
{
    if (wait_status(HASH_SR_DCIS, 1) != 0) {
        return -1;
    }
    for (unsigned i = 0; i < algorithms[algo].digest_bytes / 4u; i++) {
        uint32_t word = HASH_HR(i);
        digest[4 * i] = (uint8_t)(word >> 24);
        digest[4 * i + 1] = (uint8_t)(word >> 16);
        digest[4 * i + 2] = (uint8_t)(word >> 8);
        digest[4 * i + 3] = (uint8_t)word;
    }
    return 0;
}

/* HAL_HASH_Start (polling). */
int hash_once(enum hash_algo algo, const uint8_t *data, size_t length, uint8_t *digest)
{
    hash_init(algo);
    HASH_CR &= ~HASH_CR_MODE_HMAC;
    HASH_CR |= HASH_CR_INIT;
    set_valid_bits(length);
    write_data(data, length);
    HASH_STR |= HASH_STR_DCAL;
    return read_digest(algo, digest);
}

static int hmac_phase(const uint8_t *data, size_t length, int last)
{
    set_valid_bits(length);
    write_data(data, length);
    HASH_STR |= HASH_STR_DCAL;
    return last ? 0 : wait_status(HASH_SR_BUSY, 0);
}

/* HAL_HASH_HMAC_Start: key, message, key; LKEY when the key is longer than a block. */
static int hmac_once(enum hash_algo algo, const uint8_t *key, size_t key_length, const uint8_t *data,
                     size_t length, uint8_t *mac)
{
    hash_init(algo);
    uint32_t control = HASH_CR_MODE_HMAC | HASH_CR_INIT;
    if (key_length > algorithms[algo].block_bytes) {
        control |= HASH_CR_LKEY;
    }
    HASH_CR = (HASH_CR & ~(HASH_CR_LKEY | HASH_CR_MODE_HMAC)) | control;
    if (hmac_phase(key, key_length, 0) != 0 || hmac_phase(data, length, 0) != 0) {
        return -1;
    }
    hmac_phase(key, key_length, 1);
    return read_digest(algo, mac);
}

struct hash_context {
    uint32_t imr, str, cr;
    uint32_t csr[HASH_CSR_COUNT];
};

/* HAL_HASH_Suspend once a block is in: DINIS set, BUSY clear; then IMR, STR, CR, CSRs. */
static int suspend(struct hash_context *saved)
{
    if (wait_status(HASH_SR_DINIS, 1) != 0 || wait_status(HASH_SR_BUSY, 0) != 0) {
        return -1;
    }
    saved->imr = HASH_IMR & 3u;
    saved->str = HASH_STR & HASH_STR_NBLW_Msk;
    saved->cr = HASH_CR & (HASH_CR_DMAE | HASH_CR_DATATYPE_Msk | HASH_CR_MODE_HMAC | HASH_CR_ALGO_Msk |
                           HASH_CR_LKEY | HASH_CR_MDMAT);
    for (unsigned i = 0; i < HASH_CSR_COUNT; i++) {
        saved->csr[i] = HASH_CSR(i);
    }
    return 0;
}

/* HAL_HASH_Resume: IMR, STR, CR, INIT, then the CSRs. */
static void resume(const struct hash_context *saved)
{
    HASH_IMR = saved->imr;
    HASH_STR = saved->str;
    HASH_CR = saved->cr;
    HASH_CR |= HASH_CR_INIT;
    for (unsigned i = 0; i < HASH_CSR_COUNT; i++) {
        HASH_CSR(i) = saved->csr[i];
    }
}

static uint8_t digest[64];
static struct hash_context saved;

static void report(const char *name, enum hash_algo algo, int status)
{
    if (status != 0) {
        fail(name, "HASH timeout");
    } else {
        print_hex("KAT", name, digest, algorithms[algo].digest_bytes);
    }
}

/* A message hashed in three parts with another hash run in between (context swap). */
static void swap_hash(enum hash_algo algo, const char *name)
{
    const uint8_t *message = input_message;
    size_t length = input_message_length;
    hash_init(algo);
    HASH_CR &= ~HASH_CR_MODE_HMAC;
    HASH_CR |= HASH_CR_INIT;
    write_data(message, 300); /* HAL_HASH_Accumulate: whole words */
    if (suspend(&saved) != 0) {
        fail(name, "HASH not ready to suspend");
        return;
    }
    char other[40];
    strcpy(other, name);
    strcat(other, "-interleaved"); /* SHA-224 of the short message */
    report(other, HASH_SHA224, hash_once(HASH_SHA224, message, SHORT_MESSAGE_BYTES, digest));
    resume(&saved);
    write_data(message + 300, 400);
    if (wait_status(HASH_SR_BUSY, 0) != 0) {
        fail(name, "HASH busy");
        return;
    }
    set_valid_bits(length - 700); /* HAL_HASH_AccumulateLast */
    write_data(message + 700, length - 700);
    HASH_STR |= HASH_STR_DCAL;
    report(name, algo, read_digest(algo, digest));
}

/* HMAC-SHA256 suspended in its message phase, after 128 message bytes. */
static void swap_hmac(void)
{
    const char *name = "swap-hmac-sha256";
    hash_init(HASH_SHA256);
    HASH_CR = (HASH_CR & ~(HASH_CR_LKEY | HASH_CR_MODE_HMAC)) | HASH_CR_MODE_HMAC | HASH_CR_INIT;
    if (hmac_phase(input_short_key, input_short_key_length, 0) != 0) {
        fail(name, "HASH busy");
        return;
    }
    write_data(input_message, 128);
    if (suspend(&saved) != 0) {
        fail(name, "HASH not ready to suspend");
        return;
    }
    report("swap-interleaved-sha1", HASH_SHA1, hash_once(HASH_SHA1, input_message, SHORT_MESSAGE_BYTES, digest));
    resume(&saved);
    if (hmac_phase(input_message + 128, input_message_length - 128, 0) != 0) {
        fail(name, "HASH busy");
        return;
    }
    hmac_phase(input_short_key, input_short_key_length, 1);
    report(name, HASH_SHA256, read_digest(HASH_SHA256, digest));
}

void run_hash_tests(void)
{
    if (input_message_length > MESSAGE_MAX || input_message_length < 701 || input_short_key_length > SHORT_KEY_MAX ||
        input_long_key_length > LONG_KEY_MAX) {
        fail("hash", "input lengths out of range");
        return;
    }
    char name[48];
    for (unsigned a = 0; a < sizeof algorithms / sizeof algorithms[0]; a++) {
        enum hash_algo algo = (enum hash_algo)a;
        const char *algo_name = algorithms[a].name;
        strcpy(name, algo_name);
        strcat(name, "-short");
        report(name, algo, hash_once(algo, input_message, SHORT_MESSAGE_BYTES, digest));
        strcpy(name, algo_name);
        strcat(name, "-long");
        report(name, algo, hash_once(algo, input_message, input_message_length, digest));
        strcpy(name, "hmac-");
        strcat(name, algo_name);
        strcat(name, "-short-key");
        report(name, algo, hmac_once(algo, input_short_key, input_short_key_length, input_message,
                                     input_message_length, digest));
        strcpy(name, "hmac-");
        strcat(name, algo_name);
        strcat(name, "-long-key");
        report(name, algo, hmac_once(algo, input_long_key, input_long_key_length, input_message,
                                     SHORT_MESSAGE_BYTES, digest));
    }
    swap_hash(HASH_SHA256, "swap-sha256");
    swap_hash(HASH_SHA512, "swap-sha512");
    swap_hmac();
}
