/*
 * AES-128 (FIPS 197) and GCM (NIST SP 800-38D) in software: the H563 has no AES block. With
 * USE_AES_PERIPHERAL the GCM functions come from aes-peripheral.c instead; the block cipher
 * stays available for tests.
 */
#include "crypto.h"
#include <string.h>

static uint8_t sbox[256];

static uint8_t times_x(uint8_t a) { return (uint8_t)((a << 1) ^ ((a & 0x80) ? 0x1b : 0)); }

/* The S-box is the multiplicative inverse in GF(2^8) followed by the affine map of FIPS 197 §5.1.1. */
static void build_sbox(void)
{
    if (sbox[0] == 0x63) {
        return;
    }
    uint8_t p = 1, q = 1;
    do {
        p = (uint8_t)(p ^ times_x(p)); /* p runs through the powers of the generator 3 */
        q ^= (uint8_t)(q << 1);        /* q runs through those of its inverse */
        q ^= (uint8_t)(q << 2);
        q ^= (uint8_t)(q << 4);
        if (q & 0x80) {
            q ^= 0x09;
        }
        uint8_t affine = (uint8_t)(q ^ (q << 1 | q >> 7) ^ (q << 2 | q >> 6) ^ (q << 3 | q >> 5) ^ (q << 4 | q >> 4));
        sbox[p] = (uint8_t)(affine ^ 0x63);
    } while (p != 1);
    sbox[0] = 0x63;
}

static uint32_t sub_word(uint32_t w)
{
    return (uint32_t)sbox[w >> 24] << 24 | (uint32_t)sbox[(w >> 16) & 0xff] << 16 |
           (uint32_t)sbox[(w >> 8) & 0xff] << 8 | sbox[w & 0xff];
}

void aes128_expand_key(const uint8_t key[16], uint32_t round_keys[44])
{
    build_sbox();
    for (unsigned i = 0; i < 4; i++) {
        round_keys[i] = (uint32_t)key[4 * i] << 24 | (uint32_t)key[4 * i + 1] << 16 | (uint32_t)key[4 * i + 2] << 8 |
                        key[4 * i + 3];
    }
    uint8_t rcon = 1;
    for (unsigned i = 4; i < 44; i++) {
        uint32_t t = round_keys[i - 1];
        if (i % 4 == 0) {
            t = sub_word(t << 8 | t >> 24) ^ ((uint32_t)rcon << 24);
            rcon = times_x(rcon);
        }
        round_keys[i] = round_keys[i - 4] ^ t;
    }
}

void aes128_encrypt_block(const uint32_t round_keys[44], const uint8_t in[16], uint8_t out[16])
{
    uint8_t s[16];
    for (unsigned i = 0; i < 16; i++) {
        s[i] = (uint8_t)(in[i] ^ (round_keys[i / 4] >> (24 - 8 * (i % 4))));
    }
    for (unsigned round = 1; round <= 10; round++) {
        uint8_t t[16];
        /* SubBytes and ShiftRows: byte (row r, column c) comes from column c + r. */
        for (unsigned c = 0; c < 4; c++) {
            for (unsigned r = 0; r < 4; r++) {
                t[4 * c + r] = sbox[s[4 * ((c + r) % 4) + r]];
            }
        }
        if (round != 10) {
            for (unsigned c = 0; c < 4; c++) {
                uint8_t *col = &t[4 * c];
                uint8_t all = (uint8_t)(col[0] ^ col[1] ^ col[2] ^ col[3]);
                uint8_t first = col[0];
                col[0] ^= (uint8_t)(all ^ times_x((uint8_t)(col[0] ^ col[1])));
                col[1] ^= (uint8_t)(all ^ times_x((uint8_t)(col[1] ^ col[2])));
                col[2] ^= (uint8_t)(all ^ times_x((uint8_t)(col[2] ^ col[3])));
                col[3] ^= (uint8_t)(all ^ times_x((uint8_t)(col[3] ^ first)));
            }
        }
        for (unsigned i = 0; i < 16; i++) {
            s[i] = (uint8_t)(t[i] ^ (round_keys[4 * round + i / 4] >> (24 - 8 * (i % 4))));
        }
    }
    memcpy(out, s, 16);
}

#ifndef USE_AES_PERIPHERAL

/* x = x * y in GF(2^128) with GCM's bit order (SP 800-38D §6.3). */
static void gf_multiply(uint8_t x[16], const uint8_t y[16])
{
    uint8_t z[16] = {0}, v[16];
    memcpy(v, y, 16);
    for (unsigned i = 0; i < 128; i++) {
        if (x[i / 8] & (0x80 >> (i % 8))) {
            for (unsigned j = 0; j < 16; j++) {
                z[j] ^= v[j];
            }
        }
        uint8_t carry = v[15] & 1;
        for (int j = 15; j > 0; j--) {
            v[j] = (uint8_t)(v[j] >> 1 | v[j - 1] << 7);
        }
        v[0] >>= 1;
        if (carry) {
            v[0] ^= 0xe1;
        }
    }
    memcpy(x, z, 16);
}

static void ghash_update(uint8_t state[16], const uint8_t hash_key[16], const uint8_t *data, size_t length)
{
    while (length > 0) {
        size_t take = length < 16 ? length : 16;
        for (size_t i = 0; i < take; i++) {
            state[i] ^= data[i];
        }
        gf_multiply(state, hash_key);
        data += take;
        length -= take;
    }
}

void aes_gcm_init(struct aes_gcm *gcm, const uint8_t key[16])
{
    memcpy(gcm->key, key, 16);
    aes128_expand_key(key, gcm->round_keys);
    uint8_t zero[16] = {0};
    aes128_encrypt_block(gcm->round_keys, zero, gcm->hash_key);
}

static void counter_block(const uint8_t nonce[12], uint32_t counter, uint8_t block[16])
{
    memcpy(block, nonce, 12);
    block[12] = (uint8_t)(counter >> 24);
    block[13] = (uint8_t)(counter >> 16);
    block[14] = (uint8_t)(counter >> 8);
    block[15] = (uint8_t)counter;
}

static void ctr_crypt(const struct aes_gcm *gcm, const uint8_t nonce[12], uint8_t *data, size_t length)
{
    uint32_t counter = 2;
    while (length > 0) {
        uint8_t block[16], stream[16];
        counter_block(nonce, counter++, block);
        aes128_encrypt_block(gcm->round_keys, block, stream);
        size_t take = length < 16 ? length : 16;
        for (size_t i = 0; i < take; i++) {
            data[i] ^= stream[i];
        }
        data += take;
        length -= take;
    }
}

static void compute_tag(const struct aes_gcm *gcm, const uint8_t nonce[12], const uint8_t *aad, size_t aad_length,
                        const uint8_t *ciphertext, size_t length, uint8_t tag[16])
{
    uint8_t state[16] = {0}, lengths[16], block[16], mask[16];
    ghash_update(state, gcm->hash_key, aad, aad_length);
    ghash_update(state, gcm->hash_key, ciphertext, length);
    uint64_t aad_bits = (uint64_t)aad_length * 8, data_bits = (uint64_t)length * 8;
    for (unsigned i = 0; i < 8; i++) {
        lengths[i] = (uint8_t)(aad_bits >> (56 - 8 * i));
        lengths[8 + i] = (uint8_t)(data_bits >> (56 - 8 * i));
    }
    ghash_update(state, gcm->hash_key, lengths, 16);
    counter_block(nonce, 1, block);
    aes128_encrypt_block(gcm->round_keys, block, mask);
    for (unsigned i = 0; i < 16; i++) {
        tag[i] = state[i] ^ mask[i];
    }
}

void aes_gcm_encrypt(const struct aes_gcm *gcm, const uint8_t nonce[12], const uint8_t *aad, size_t aad_length,
                     uint8_t *data, size_t length, uint8_t tag[16])
{
    ctr_crypt(gcm, nonce, data, length);
    compute_tag(gcm, nonce, aad, aad_length, data, length, tag);
}

int aes_gcm_decrypt(const struct aes_gcm *gcm, const uint8_t nonce[12], const uint8_t *aad, size_t aad_length,
                    uint8_t *data, size_t length, const uint8_t tag[16])
{
    uint8_t expected[16];
    compute_tag(gcm, nonce, aad, aad_length, data, length, expected);
    if (crypto_compare(expected, tag, 16) != 0) {
        return -1;
    }
    ctr_crypt(gcm, nonce, data, length);
    return 0;
}

#endif
