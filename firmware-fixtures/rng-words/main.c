/*
 * Draws words from the RNG (our lib/crypto driver) and stores them in the TAMP backup registers, so
 * that what the generator produced shows up as peripheral writes in the trace digest.
 */
#include <stdint.h>
#include "cortex-m.h"
#include "crypto.h"
#include "semihosting.h"

#define PWR_DBPCR REG32(0x44020824u)
#define TAMP_BKPR(n) REG32(0x44007D00u + 4u * (n))

int main(void)
{
    uint32_t words[8];
    PWR_DBPCR = 1; /* backup domain writable */
    if (crypto_init() != 0 || crypto_random((uint8_t *)words, sizeof words) != 0) {
        sh_printf("rng-words: RNG failed\n");
        return 1;
    }
    for (unsigned i = 0; i < 8; i++) {
        TAMP_BKPR(i) = words[i];
    }
    sh_printf("rng-words: %08x %08x\n", (unsigned)words[0], (unsigned)words[1]);
    return 0;
}
