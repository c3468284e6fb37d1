/*
 * poll-loops: loops that only wait, which the simulator skips forward to the next event, next to
 * one that must not be skipped. The test runs it with skipping on and off and compares the output.
 *   1. ST's success loop: a status flag read and the same GPIO BSRR write each pass (an
 *      idempotent write), until the SysTick count reaches 200;
 *   2. a toggle loop (BSRR then BRR) for 10 ticks: progress, never skipped; it counts its passes.
 */
#include "cortex-m.h"
#include "semihosting.h"

#define RCC_CR REG32(0x44020C00)
#define RCC_AHB2ENR REG32(0x44020C8C)
#define GPIOB_MODER REG32(0x42020400)
#define GPIOB_ODR REG32(0x42020414)
#define GPIOB_BSRR REG32(0x42020418)
#define GPIOB_BRR REG32(0x42020428)
#define RCC_CR_HSERDY (1u << 17)

static volatile uint32_t ticks;

void SysTick_Handler(void)
{
    ticks++;
}

int main(void)
{
    RCC_AHB2ENR |= 1u << 1; /* GPIOB */
    (void)RCC_AHB2ENR;
    GPIOB_MODER = (GPIOB_MODER & ~3u) | 1u; /* PB0 output */
    SYST_RVR = 64000 - 1;                   /* 1 ms at 64 MHz */
    SYST_CVR = 0;
    SYST_CSR = 7;

    uint32_t passes_with_hse = 0;
    while (ticks < 200) {
        if (RCC_CR & RCC_CR_HSERDY) {
            passes_with_hse++;
        } else {
            GPIOB_BSRR = 1; /* LED on */
        }
    }
    sh_printf("led-on loop: ticks %u, hse passes %u, PB0 %u\n", (unsigned)ticks, (unsigned)passes_with_hse,
              (unsigned)(GPIOB_ODR & 1));

    uint32_t toggles = 0;
    uint32_t end = ticks + 10;
    while (ticks < end) {
        GPIOB_BSRR = 1;
        GPIOB_BRR = 1;
        toggles++;
    }
    sh_printf("toggle loop: %u passes, PB0 %u\n", (unsigned)toggles, (unsigned)(GPIOB_ODR & 1));
    SYST_CSR = 0;
    return 0;
}
