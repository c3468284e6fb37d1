/*
 * AES and SAES (RM0481 §32-33, STM32H573 only) the way stm32h5xx_hal_cryp.c drives them:
 * HAL_CRYP_Init (KMOD, DATATYPE, KEYSIZE, CHMOD; SAES waits for BUSY to clear first), key
 * registers from KEYR3 (KEYR7) down with the first key word most significant, IVR3..IVR0, EN, then
 * per block four DINR writes, CCF, clear CCF, four DOUTR reads. Decryption in ECB and CBC first
 * derives the decryption key (MODE=01). GCM runs its init, header, payload and final phases
 * (GCMPH), with NPBLB for the partial last block. Data type 8-bit: words in memory order.
 */
#include "selftest.h"
#include "h5-crypto-registers.h"
#include <string.h>

#if defined(USE_AES_PERIPHERAL) && USE_AES_PERIPHERAL

#define SAES_BASE 0x420C0C00u
#define RCC_AHB2ENR_SAESEN (1u << 20)
#define CRYP(base, offset) H5_REG((base) + (offset))
#define CR 0x000u
#define SR 0x004u
#define DINR 0x008u
#define DOUTR 0x00Cu
#define ISR 0x304u
#define ICR 0x308u
#define CR_MODE_Msk (3u << 3)
#define CR_MODE_KEY_DERIVATION (1u << 3)
#define CR_CHMOD_Msk ((3u << 5) | (1u << 16))
#define CR_DATATYPE_Msk (3u << 1)
#define CR_KMOD_Msk (3u << 24)
#define CR_KEYSEL_Msk (7u << 28)
#define SR_KEYVALID (1u << 7)
#define AES_POLL_LIMIT 1000000u

enum chaining { ECB = 0, CBC = 1, CTR = 2, GCM = 3 };

static int failed_wait;

static void wait(uint32_t base, uint32_t offset, uint32_t mask, int set)
{
    for (unsigned n = 0; n < AES_POLL_LIMIT; n++) {
        if (((CRYP(base, offset) & mask) != 0) == (set != 0)) {
            return;
        }
    }
    failed_wait = 1;
}

static uint32_t big_endian_word(const uint8_t *bytes)
{
    return (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[2] << 8 | bytes[3];
}

/* HAL_CRYP_Init. */
static void cryp_init(uint32_t base, enum chaining chaining, unsigned key_bits)
{
    if (base == SAES_BASE) {
        wait(base, SR, AES_SR_BUSY, 0);
    }
    uint32_t chmod = ((uint32_t)(chaining & 3) << 5) | ((chaining & 4) ? (1u << 16) : 0);
    CRYP(base, CR) = (CRYP(base, CR) & ~(CR_KMOD_Msk | CR_DATATYPE_Msk | AES_CR_KEYSIZE_256 | CR_CHMOD_Msk |
                                         CR_KEYSEL_Msk)) |
                     AES_CR_DATATYPE_BYTE | (key_bits == 256 ? AES_CR_KEYSIZE_256 : 0) | chmod;
}

/* CRYP_SetKey: KEYR3..KEYR0 (KEYR7..KEYR0 at 0x30 for 256 bits), then wait for KEYVALID. */
static void set_key(uint32_t base, const uint8_t *key, unsigned key_bits)
{
    unsigned words = key_bits / 32;
    for (unsigned i = 0; i < words; i++) {
        unsigned index = words - 1 - i;
        uint32_t offset = index < 4 ? 0x10u + 4 * index : 0x30u + 4 * (index - 4);
        CRYP(base, offset) = big_endian_word(key + 4 * i);
    }
    wait(base, SR, SR_KEYVALID, 1);
}

static void set_iv(uint32_t base, const uint8_t iv[16])
{
    for (unsigned i = 0; i < 4; i++) {
        CRYP(base, 0x2Cu - 4 * i) = big_endian_word(iv + 4 * i);
    }
}

static void set_mode(uint32_t base, uint32_t mode)
{
    CRYP(base, CR) = (CRYP(base, CR) & ~CR_MODE_Msk) | mode;
}

static void process_block(uint32_t base, const uint8_t *in, uint8_t *out)
{
    for (unsigned i = 0; i < 4; i++) {
        uint32_t word;
        memcpy(&word, in + 4 * i, 4);
        CRYP(base, DINR) = word;
    }
    wait(base, ISR, AES_ISR_CCF, 1);
    CRYP(base, ICR) = AES_ICR_CCF;
    for (unsigned i = 0; i < 4; i++) {
        uint32_t word = CRYP(base, DOUTR);
        if (out) {
            memcpy(out + 4 * i, &word, 4);
        }
    }
}

/* HAL_CRYP_Encrypt / HAL_CRYP_Decrypt for ECB, CBC and CTR. */
static void cipher(uint32_t base, enum chaining chaining, const uint8_t *key, unsigned key_bits, const uint8_t *iv,
                   int decrypt, const uint8_t *in, uint8_t *out, size_t length)
{
    cryp_init(base, chaining, key_bits);
    if (decrypt && chaining != CTR) {
        set_mode(base, CR_MODE_KEY_DERIVATION);
        set_key(base, key, key_bits);
        CRYP(base, CR) |= AES_CR_EN;
        wait(base, ISR, AES_ISR_CCF, 1);
        CRYP(base, ICR) = AES_ICR_CCF;
        set_mode(base, AES_CR_MODE_DECRYPT);
    } else {
        set_mode(base, decrypt ? AES_CR_MODE_DECRYPT : 0);
        set_key(base, key, key_bits);
    }
    if (chaining != ECB) {
        set_iv(base, iv);
    }
    CRYP(base, CR) |= AES_CR_EN;
    for (size_t offset = 0; offset < length; offset += 16) {
        process_block(base, in + offset, out + offset);
    }
    CRYP(base, CR) &= ~AES_CR_EN;
}

static void gcm_phase(uint32_t base, uint32_t phase)
{
    CRYP(base, CR) = (CRYP(base, CR) & ~AES_CR_GCMPH_Msk) | (phase << AES_CR_GCMPH_Pos);
}

/* CRYP_AESGCM_Process and HAL_CRYPEx_AESGCM_GenerateAuthTAG with a 96-bit IV (counter 2 follows). */
static void gcm(uint32_t base, const uint8_t *key, unsigned key_bits, const uint8_t iv[12], const uint8_t *aad,
                size_t aad_length, int decrypt, const uint8_t *in, uint8_t *out, size_t length, uint8_t tag[16])
{
    uint8_t block[16];
    cryp_init(base, GCM, key_bits);
    set_mode(base, decrypt ? AES_CR_MODE_DECRYPT : 0);
    gcm_phase(base, 0);
    set_key(base, key, key_bits);
    memcpy(block, iv, 12);
    block[12] = 0;
    block[13] = 0;
    block[14] = 0;
    block[15] = 2;
    set_iv(base, block);
    CRYP(base, CR) |= AES_CR_EN; /* init phase: the block computes H and clears EN itself */
    wait(base, ISR, AES_ISR_CCF, 1);
    CRYP(base, ICR) = AES_ICR_CCF;

    gcm_phase(base, 1);
    CRYP(base, CR) |= AES_CR_EN;
    for (size_t offset = 0; offset < aad_length; offset += 16) {
        memset(block, 0, sizeof block);
        memcpy(block, aad + offset, aad_length - offset < 16 ? aad_length - offset : 16);
        for (unsigned i = 0; i < 4; i++) {
            uint32_t word;
            memcpy(&word, block + 4 * i, 4);
            CRYP(base, DINR) = word;
        }
        wait(base, ISR, AES_ISR_CCF, 1);
        CRYP(base, ICR) = AES_ICR_CCF;
    }

    gcm_phase(base, 2);
    CRYP(base, CR) &= ~AES_CR_NPBLB_Msk;
    size_t whole = length & ~(size_t)15;
    for (size_t offset = 0; offset < whole; offset += 16) {
        process_block(base, in + offset, out + offset);
    }
    if (length != whole) {
        size_t rest = length - whole;
        if (!decrypt) {
            CRYP(base, CR) |= (uint32_t)(16 - rest) << AES_CR_NPBLB_Pos;
        }
        uint8_t result[16];
        memset(block, 0, sizeof block);
        memcpy(block, in + whole, rest);
        process_block(base, block, result);
        memcpy(out + whole, result, rest);
    }

    wait(base, SR, AES_SR_BUSY, 0);
    gcm_phase(base, 3);
    CRYP(base, DINR) = 0;
    CRYP(base, DINR) = (uint32_t)(8 * aad_length);
    CRYP(base, DINR) = 0;
    CRYP(base, DINR) = (uint32_t)(8 * length);
    wait(base, ISR, AES_ISR_CCF, 1);
    for (unsigned i = 0; i < 4; i++) {
        uint32_t word = CRYP(base, DOUTR);
        memcpy(tag + 4 * i, &word, 4);
    }
    CRYP(base, ICR) = AES_ICR_CCF;
    CRYP(base, CR) &= ~AES_CR_EN;
}

static uint8_t output[AES_DATA_BYTES], roundtrip[AES_DATA_BYTES];

static void report(const char *name, const uint8_t *bytes, size_t length)
{
    if (failed_wait) {
        fail(name, "AES flag never came");
        failed_wait = 0;
        return;
    }
    print_hex("KAT", name, bytes, length);
}

static void run_block_modes(uint32_t base, const char *prefix)
{
    static const struct {
        const char *name;
        enum chaining chaining;
        unsigned key_bits;
    } cases[] = {
        {"ecb-128", ECB, 128}, {"cbc-128", CBC, 128}, {"ctr-128", CTR, 128},
        {"ecb-256", ECB, 256}, {"cbc-256", CBC, 256}, {"ctr-256", CTR, 256},
    };
    char name[48];
    for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        strcpy(name, prefix);
        strcat(name, cases[c].name);
        strcat(name, "-encrypt");
        cipher(base, cases[c].chaining, input_aes_key, cases[c].key_bits, input_aes_iv, 0, input_aes_data, output,
               AES_DATA_BYTES);
        report(name, output, AES_DATA_BYTES);
        /* Decrypting the test's data (not our ciphertext) makes a second independent value. */
        strcpy(name, prefix);
        strcat(name, cases[c].name);
        strcat(name, "-decrypt");
        cipher(base, cases[c].chaining, input_aes_key, cases[c].key_bits, input_aes_iv, 1, input_aes_data, roundtrip,
               AES_DATA_BYTES);
        report(name, roundtrip, AES_DATA_BYTES);
    }
}

static void run_gcm(uint32_t base, const char *prefix, unsigned key_bits)
{
    uint8_t tag[16], check_tag[16];
    char name[48];
    strcpy(name, prefix);
    strcat(name, key_bits == 256 ? "gcm-256" : "gcm-128");
    size_t stem = strlen(name);
    gcm(base, input_aes_key, key_bits, input_aes_iv, input_aes_aad, GCM_AAD_BYTES, 0, input_aes_data, output,
        GCM_PAYLOAD_BYTES, tag);
    strcpy(name + stem, "-ciphertext");
    report(name, output, GCM_PAYLOAD_BYTES);
    strcpy(name + stem, "-tag");
    report(name, tag, 16);
    /* Decrypting our ciphertext must give the plaintext back and the same tag. */
    gcm(base, input_aes_key, key_bits, input_aes_iv, input_aes_aad, GCM_AAD_BYTES, 1, output, roundtrip,
        GCM_PAYLOAD_BYTES, check_tag);
    strcpy(name + stem, "-decrypt");
    int same = memcmp(roundtrip, input_aes_data, GCM_PAYLOAD_BYTES) == 0 && memcmp(tag, check_tag, 16) == 0;
    print_line("VERIFY", name, same ? "valid" : "invalid");
}

void run_aes_tests(void)
{
    RCC_AHB2ENR |= RCC_AHB2ENR_AESEN | RCC_AHB2ENR_SAESEN;
    (void)RCC_AHB2ENR;
    run_block_modes(AES_BASE, "aes-");
    run_gcm(AES_BASE, "aes-", 128);
    run_gcm(AES_BASE, "aes-", 256);
    /* SAES with a key from the CPU (KEYSEL = 0): the same answers as AES. */
    run_block_modes(SAES_BASE, "saes-");
    run_gcm(SAES_BASE, "saes-", 128);
}

#else

void run_aes_tests(void)
{
    print_line("UNAVAILABLE", "aes", "no AES on this device (STM32H563)");
}

#endif
