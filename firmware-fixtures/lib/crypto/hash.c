/*
 * HASH driver (RM0481 §35): SHA-256 and HMAC-SHA256 with byte-swapped input (DATATYPE = 8-bit),
 * NBLW for the valid bits of the last word, DCAL to close each phase. HMAC uses the block's own
 * HMAC mode: key, message, key again, each phase closed with DCAL.
 */
#include "crypto.h"
#include "h5-crypto-registers.h"

#define POLL_LIMIT 10000000u

/* Streams the concatenation of parts into DIN and returns the byte count. */
static size_t hash_feed(const struct crypto_part *parts, unsigned count)
{
    uint32_t word = 0;
    unsigned filled = 0;
    size_t total = 0;
    for (unsigned p = 0; p < count; p++) {
        const uint8_t *data = parts[p].data;
        for (size_t i = 0; i < parts[p].length; i++) {
            word |= (uint32_t)data[i] << (8 * filled);
            if (++filled == 4) {
                HASH_DIN = word;
                word = 0;
                filled = 0;
            }
        }
        total += parts[p].length;
    }
    if (filled != 0) {
        HASH_DIN = word;
    }
    return total;
}

static void hash_close_phase(size_t length)
{
    HASH_STR = 8u * (uint32_t)(length % 4);
    HASH_STR = 8u * (uint32_t)(length % 4) | HASH_STR_DCAL;
}

static void wait_while_busy(void)
{
    for (unsigned n = 0; (HASH_SR & HASH_SR_BUSY) && n < POLL_LIMIT; n++) {
    }
}

static void read_digest(uint8_t digest[32])
{
    for (unsigned n = 0; (HASH_SR & HASH_SR_DCIS) == 0 && n < POLL_LIMIT; n++) {
    }
    for (unsigned i = 0; i < 8; i++) {
        uint32_t word = HASH_HR(i);
        digest[4 * i] = (uint8_t)(word >> 24);
        digest[4 * i + 1] = (uint8_t)(word >> 16);
        digest[4 * i + 2] = (uint8_t)(word >> 8);
        digest[4 * i + 3] = (uint8_t)word;
    }
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
