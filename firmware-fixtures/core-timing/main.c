/*
 * SysTick at a known period measured with DWT CYCCNT, and a WFI idle loop: the core sleeps between
 * ticks and virtual time skips to the next SysTick event.
 */
#include <stdint.h>
#include "cortex-m.h"
#include "semihosting.h"

#define TICKS 10
static volatile uint32_t ticks;
static volatile uint32_t stamps[TICKS + 1];

void SysTick_Handler(void)
{
    if (ticks <= TICKS) {
        stamps[ticks] = DWT_CYCCNT;
    }
    ticks++;
}

int main(void)
{
    DEMCR |= 1u << 24;      /* TRCENA */
    DWT_CYCCNT = 0;
    DWT_CTRL |= 1u;         /* CYCCNTENA */
    SYST_RVR = 64000 - 1;   /* 1 ms at the 64 MHz reset clock */
    SYST_CVR = 0;
    SYST_CSR = 0x7;         /* processor clock, interrupt, enable */
    while (ticks <= TICKS) {
        __asm__ volatile("wfi");
    }
    SYST_CSR = 0;
    uint32_t min = 0xffffffffu, max = 0;
    for (int i = 1; i <= TICKS; i++) {
        uint32_t delta = stamps[i] - stamps[i - 1];
        min = delta < min ? delta : min;
        max = delta > max ? delta : max;
    }
    sh_printf("systick period min %u max %u cycles\n", (unsigned)min, (unsigned)max);
    sh_printf("cyccnt after %u ticks: %u\n", TICKS + 1, (unsigned)stamps[TICKS]);
    return (min == 64000 && max == 64000) ? 0 : 1;
}
