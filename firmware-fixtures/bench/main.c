/*
 * Benchmark firmware (npm run bench): a compute loop, optionally with SysTick at 1 kHz printing
 * through ITM each millisecond (variant tick), a WFI idle loop over 60 s of SysTick (variant idle),
 * and a loop of peripheral register reads (variant mmio).
 */
#include <stdint.h>
#include "cortex-m.h"
#include "semihosting.h"

#define CORE_HZ 64000000u
volatile uint32_t result;
static volatile uint32_t ticks;

void SysTick_Handler(void)
{
    ticks++;
#ifdef WITH_TICK
    while (ITM_STIM0 == 0) {
    }
    REG8(0xE0000000) = '.';
#endif
}

static __attribute__((unused)) void start_systick(void)
{
    SYST_RVR = CORE_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 0x7;
}

int main(void)
{
#if defined(IDLE)
    start_systick();
    while (ticks < 60000u) {
        __asm__ volatile("wfi");
    }
    SYST_CSR = 0;
    sh_printf("idle: %u ticks\n", (unsigned)ticks);
#elif defined(MMIO)
    uint32_t sum = 0;
    for (uint32_t i = 0; i < 1000000u; i++) {
        sum += SCB_CPUID;
        sum += REG32(0xE000E004); /* ICTR: alternating registers, so this is no poll loop */
    }
    result = sum;
    sh_printf("mmio: 2000000 reads\n");
#else
#ifdef WITH_TICK
    ITM_TCR = 1;
    ITM_TER = 1;
    start_systick();
#endif
    uint32_t x = 1;
    for (uint32_t i = 0; i < 40000000u; i++) {
        x = x * 1664525u + 1013904223u;
        x ^= x >> 13;
    }
    result = x;
    sh_printf("compute: %x\n", (unsigned)x);
#endif
    return 0;
}
