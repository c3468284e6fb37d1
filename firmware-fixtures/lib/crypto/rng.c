/* RNG driver (RM0481 §34): conditioning reset with the NIST configuration, then words from DR. */
#include "crypto.h"
#include "h5-crypto-registers.h"

#define POLL_LIMIT 1000000u

static int rng_start(void)
{
    RNG_CR = RNG_CR_NIST_CONFIG | RNG_CR_CONDRST;
    RNG_HTCR = RNG_HTCR_NIST_CONFIG;
    RNG_NSCR = RNG_NSCR_NIST_CONFIG;
    RNG_CR &= ~RNG_CR_CONDRST;
    unsigned n = 0;
    while ((RNG_CR & RNG_CR_CONDRST) != 0) {
        if (++n > POLL_LIMIT) {
            return -1;
        }
    }
    RNG_CR |= RNG_CR_RNGEN;
    return 0;
}

int crypto_init(void)
{
    RCC_CR |= RCC_CR_HSI48ON;
    for (unsigned n = 0; (RCC_CR & RCC_CR_HSI48RDY) == 0 && n < POLL_LIMIT; n++) {
    }
    uint32_t enables = RCC_AHB2ENR_HASHEN | RCC_AHB2ENR_RNGEN | RCC_AHB2ENR_PKAEN;
#ifdef USE_AES_PERIPHERAL
    enables |= RCC_AHB2ENR_AESEN;
#endif
    RCC_AHB2ENR |= enables;
    (void)RCC_AHB2ENR; /* the read-back lets the enable take effect before the first access */
    if (rng_start() != 0) {
        return -1;
    }
    extern int pka_enable(void);
    return pka_enable();
}

static int rng_word(uint32_t *word)
{
    for (unsigned n = 0; n < POLL_LIMIT; n++) {
        uint32_t status = RNG_SR;
        if (status & RNG_SR_SECS) {
            /* Seed error: a new conditioning reset recovers the block (RM0481 §34.3.7). */
            if (rng_start() != 0) {
                return -1;
            }
            continue;
        }
        if (status & RNG_SR_DRDY) {
            uint32_t value = RNG_DR;
            if (value == 0) {
                continue; /* a zero word is what DR reads after a seed error: discard it */
            }
            *word = value;
            return 0;
        }
    }
    return -2;
}

int crypto_random(uint8_t *out, size_t length)
{
    while (length > 0) {
        uint32_t word;
        if (rng_word(&word) != 0) {
            return -1;
        }
        for (unsigned i = 0; i < 4 && length > 0; i++, length--) {
            *out++ = (uint8_t)(word >> (8 * i));
        }
    }
    return 0;
}
