/*
 * HASH driver (RM0481 §35): SHA-256 and HMAC-SHA256 with byte-swapped input (DATATYPE = 8-bit),
 * NBLW for the valid bits of the last word, DCAL to close each phase. HMAC uses the block's own
 * HMAC mode: key, message, key again, each phase closed with DCAL.
 */
#include "crypto.h"
#include "h5-crypto-registers.h"

#define POLL_LIMIT 10000000u
#define HASH_TIMEOUT_MS 1000u

/* Bytes go into DIN four at a time; up to three wait for the next call (or the closing DCAL). */
static void feed(struct sha256_hw *context, const uint8_t *data, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        context->word |= (uint32_t)data[i] << (8 * context->filled);
        if (++context->filled == 4) {
            HASH_DIN = context->word;
            context->word = 0;
            context->filled = 0;
        }
    }
    context->length += length;
}

static void flush_partial_word(struct sha256_hw *context)
{
    if (context->filled != 0) {
        HASH_DIN = context->word;
    }
    context->word = 0;
    context->filled = 0;
}

static size_t hash_feed(const struct crypto_part *parts, unsigned count)
{
    struct sha256_hw context = {0, 0, 0};
    for (unsigned p = 0; p < count; p++) {
        feed(&context, parts[p].data, parts[p].length);
    }
    flush_partial_word(&context);
    return context.length;
}

static void hash_close_phase(size_t length)
{
    HASH_STR = 8u * (uint32_t)(length % 4);
    HASH_STR = 8u * (uint32_t)(length % 4) | HASH_STR_DCAL;
}

static void wait_while_busy(void)
{
    struct crypto_deadline deadline;
    crypto_deadline_start(&deadline);
    while ((HASH_SR & HASH_SR_BUSY) && !crypto_deadline_passed(&deadline, HASH_TIMEOUT_MS, POLL_LIMIT)) {
    }
}

static void read_digest(uint8_t digest[32])
{
    struct crypto_deadline deadline;
    crypto_deadline_start(&deadline);
    while ((HASH_SR & HASH_SR_DCIS) == 0 && !crypto_deadline_passed(&deadline, HASH_TIMEOUT_MS, POLL_LIMIT)) {
    }
    for (unsigned i = 0; i < 8; i++) {
        uint32_t word = HASH_HR(i);
        digest[4 * i] = (uint8_t)(word >> 24);
        digest[4 * i + 1] = (uint8_t)(word >> 16);
        digest[4 * i + 2] = (uint8_t)(word >> 8);
        digest[4 * i + 3] = (uint8_t)word;
    }
}

void sha256_hw_begin(struct sha256_hw *context)
{
    context->word = 0;
    context->filled = 0;
    context->length = 0;
    HASH_CR = HASH_CR_ALGO_SHA256 | HASH_CR_DATATYPE_BYTE | HASH_CR_INIT;
}

void sha256_hw_update(struct sha256_hw *context, const void *data, size_t length)
{
    feed(context, data, length);
}

void sha256_hw_finish(struct sha256_hw *context, uint8_t digest[32])
{
    flush_partial_word(context);
    hash_close_phase(context->length);
    read_digest(digest);
}

void crypto_sha256(const struct crypto_part *parts, unsigned count, uint8_t digest[32])
{
    HASH_CR = HASH_CR_ALGO_SHA256 | HASH_CR_DATATYPE_BYTE | HASH_CR_INIT;
    size_t length = hash_feed(parts, count);
    hash_close_phase(length);
    read_digest(digest);
}

void crypto_hmac_sha256(const uint8_t *key, size_t key_length, const struct crypto_part *parts, unsigned count,
                        uint8_t mac[32])
{
    uint32_t control = HASH_CR_ALGO_SHA256 | HASH_CR_DATATYPE_BYTE | HASH_CR_MODE_HMAC | HASH_CR_INIT;
    if (key_length > 64) {
        control |= HASH_CR_LKEY;
    }
    HASH_CR = control;
    struct crypto_part key_part = {key, key_length};
    hash_feed(&key_part, 1);
    hash_close_phase(key_length);
    wait_while_busy();
    size_t length = hash_feed(parts, count);
    hash_close_phase(length);
    wait_while_busy();
    hash_feed(&key_part, 1);
    hash_close_phase(key_length);
    read_digest(mac);
}
