/* Pieces shared by the chip drivers and the host test backend: P-256 constants and wrappers. */
#include "crypto.h"

static uint32_t (*clock_ms)(void);

void crypto_set_clock(uint32_t (*ms)(void))
{
    clock_ms = ms;
}

void crypto_deadline_start(struct crypto_deadline *deadline)
{
    deadline->start = clock_ms != 0 ? clock_ms() : 0;
    deadline->polls = 0;
}

int crypto_deadline_passed(struct crypto_deadline *deadline, uint32_t timeout_ms, uint32_t poll_limit)
{
    if (clock_ms != 0) {
        return clock_ms() - deadline->start > timeout_ms;
    }
    return ++deadline->polls > poll_limit;
}

/* SEC 2 §2.4.2 secp256r1: base point G (x || y) and order n. */
const uint8_t p256_generator[64] = {
    0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2,
    0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
    0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16,
    0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};
const uint8_t p256_order[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

int p256_public_key(const uint8_t private_key[32], uint8_t public_key[64])
{
    return p256_scalar_multiply(private_key, p256_generator, public_key);
}

void sha256(const void *data, size_t length, uint8_t digest[32])
{
    struct crypto_part part = {data, length};
    crypto_sha256(&part, 1, digest);
}

void hmac_sha256(const uint8_t *key, size_t key_length, const void *data, size_t length, uint8_t mac[32])
{
    struct crypto_part part = {data, length};
    crypto_hmac_sha256(key, key_length, &part, 1, mac);
}

int crypto_compare(const void *a, const void *b, size_t length)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t difference = 0;
    for (size_t i = 0; i < length; i++) {
        difference |= x[i] ^ y[i];
    }
    return difference != 0;
}
