/*
 * AES-128-GCM on the H573's AES block (RM0481 §33.4.11): init phase (the block derives the hash
 * key), header phase (AAD), payload phase, final phase (lengths in, tag out). DATATYPE = 8-bit
 * so words are written as they sit in memory. Built only with USE_AES_PERIPHERAL.
 */
#ifdef USE_AES_PERIPHERAL
#include "crypto.h"
#include "h5-crypto-registers.h"
#include <string.h>

#define POLL_LIMIT 1000000u
#define AES_TIMEOUT_MS 1000u

static uint32_t load_big_endian(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t load_little_endian(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void store_little_endian(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void wait_computation_complete(void)
{
    struct crypto_deadline deadline;
    crypto_deadline_start(&deadline);
    while ((AES_ISR & AES_ISR_CCF) == 0 && !crypto_deadline_passed(&deadline, AES_TIMEOUT_MS, POLL_LIMIT)) {
    }
    AES_ICR = AES_ICR_CCF;
}

static void set_phase(uint32_t phase)
{
    AES_CR = (AES_CR & ~AES_CR_GCMPH_Msk) | (phase << AES_CR_GCMPH_Pos);
}

/* Feeds one block (zero-padded when short) and returns what DOUTR gives back. */
static void feed_block(const uint8_t *data, size_t length, uint8_t out[16])
{
    uint8_t block[16] = {0};
    memcpy(block, data, length);
    for (unsigned i = 0; i < 4; i++) {
        AES_DINR = load_little_endian(block + 4 * i);
    }
    wait_computation_complete();
    for (unsigned i = 0; i < 4; i++) {
        uint32_t word = AES_DOUTR;
        if (out) {
            store_little_endian(out + 4 * i, word);
        }
    }
}

static void gcm_run(const struct aes_gcm *gcm, int decrypt, const uint8_t nonce[12], const uint8_t *aad,
                    size_t aad_length, uint8_t *data, size_t length, uint8_t tag[16])
{
    AES_CR = 0;
    AES_CR = AES_CR_CHMOD_GCM | AES_CR_DATATYPE_BYTE | (decrypt ? AES_CR_MODE_DECRYPT : 0);
    for (unsigned i = 0; i < 4; i++) {
        AES_KEYR(3 - i) = load_big_endian(gcm->key + 4 * i);
        if (i < 3) {
            AES_IVR(3 - i) = load_big_endian(nonce + 4 * i);
        }
    }
    AES_IVR(0) = 2; /* the first counter block used for payload */
    AES_CR |= AES_CR_EN;
    wait_computation_complete(); /* init phase done; the block clears EN */

    set_phase(1);
    AES_CR |= AES_CR_EN;
    for (size_t offset = 0; offset < aad_length; offset += 16) {
        size_t take = aad_length - offset < 16 ? aad_length - offset : 16;
        uint8_t block[16] = {0};
        memcpy(block, aad + offset, take);
        for (unsigned i = 0; i < 4; i++) {
            AES_DINR = load_little_endian(block + 4 * i);
        }
        wait_computation_complete();
    }

    set_phase(2);
    AES_CR |= AES_CR_EN;
    for (size_t offset = 0; offset < length; offset += 16) {
        size_t take = length - offset < 16 ? length - offset : 16;
        uint8_t out[16];
        if (take < 16) {
            /* NPBLB tells the block how many bytes of the last block are padding (RM0481 §33.4.11). */
            AES_CR = (AES_CR & ~AES_CR_NPBLB_Msk) | ((uint32_t)(16 - take) << AES_CR_NPBLB_Pos);
        }
        feed_block(data + offset, take, out);
        memcpy(data + offset, out, take);
    }

    set_phase(3);
    uint64_t aad_bits = (uint64_t)aad_length * 8, data_bits = (uint64_t)length * 8;
    AES_DINR = (uint32_t)(aad_bits >> 32);
    AES_DINR = (uint32_t)aad_bits;
    AES_DINR = (uint32_t)(data_bits >> 32);
    AES_DINR = (uint32_t)data_bits;
    wait_computation_complete();
    for (unsigned i = 0; i < 4; i++) {
        store_little_endian(tag + 4 * i, AES_DOUTR);
    }
    AES_CR &= ~AES_CR_EN;
}

void aes_gcm_init(struct aes_gcm *gcm, const uint8_t key[16])
{
    memcpy(gcm->key, key, 16);
}

void aes_gcm_encrypt(const struct aes_gcm *gcm, const uint8_t nonce[12], const uint8_t *aad, size_t aad_length,
                     uint8_t *data, size_t length, uint8_t tag[16])
{
    gcm_run(gcm, 0, nonce, aad, aad_length, data, length, tag);
}

int aes_gcm_decrypt(const struct aes_gcm *gcm, const uint8_t nonce[12], const uint8_t *aad, size_t aad_length,
                    uint8_t *data, size_t length, const uint8_t tag[16])
{
    uint8_t expected[16];
    gcm_run(gcm, 1, nonce, aad, aad_length, data, length, expected);
    return crypto_compare(expected, tag, 16) != 0 ? -1 : 0;
}
#endif
