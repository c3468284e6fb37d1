/*
 * irq-masking: a pending interrupt held back by PRIMASK or BASEPRI is taken right after the
 * instruction that unmasks it, even when the unmasked window is a single instruction (the
 * `cpsid i; wfi; cpsie i; cpsid i` idle pattern, HAL-style PRIMASK restore, BASEPRI windows).
 * The SysTick handler records the return address it stacked; main prints it next to the address
 * of the instruction after the unmasking one, and the test compares them.
 */
#include "cortex-m.h"
#include "semihosting.h"

volatile uint32_t ticks;
volatile uint32_t stacked_pc;

/* Counts ticks and keeps the stacked return address (frame word 6). */
__attribute__((naked)) void SysTick_Handler(void)
{
    __asm volatile(
        "tst lr, #4\n"
        "ite eq\n"
        "mrseq r0, msp\n"
        "mrsne r0, psp\n"
        "ldr r1, [r0, #24]\n"
        "ldr r2, =stacked_pc\n"
        "str r1, [r2]\n"
        "ldr r2, =ticks\n"
        "ldr r1, [r2]\n"
        "adds r1, #1\n"
        "str r1, [r2]\n"
        "bx lr\n");
}

extern const char after_cpsie[], after_primask[], after_basepri[];

static uint32_t started;

/* One line per case: ticks counted, cycles they took (5 ticks of 6400 cycles: about 32000 when
 * each is taken on time), the last stacked return address and the one expected. */
static void report(const char *name, const char *expected, uint32_t start)
{
    sh_printf("%s ticks %u cycles %u stacked %08x expected %08x\n", name, (unsigned)(ticks - start),
              (unsigned)(DWT_CYCCNT - started), (unsigned)stacked_pc, (unsigned)(uintptr_t)expected & ~1u);
}

int main(void)
{
    DEMCR |= 1u << 24; /* TRCENA */
    DWT_CTRL |= 1u;    /* CYCCNTENA */
    SCB_SHPR3 = (SCB_SHPR3 & 0x00ffffffu) | (0x80u << 24); /* SysTick priority 0x80 */
    SYST_RVR = 6400 - 1;                                   /* 100 us at 64 MHz */
    SYST_CVR = 0;
    SYST_CSR = 7;

    /* 1. Sleep with interrupts masked; the window between cpsie and cpsid is one instruction. */
    uint32_t start = ticks;
    started = DWT_CYCCNT;
    __asm volatile("cpsid i" ::: "memory");
    while (ticks - start < 5) {
        __asm volatile("wfi\n"
                       "cpsie i\n"
                       ".global after_cpsie\n"
                       "after_cpsie: cpsid i\n" ::: "memory");
    }
    __asm volatile("cpsie i" ::: "memory");
    report("cpsie-window", after_cpsie, start);

    /* 2. A critical section longer than the tick period that restores PRIMASK with MSR, as
     *    __set_PRIMASK does: each tick becomes pending inside it and is taken after the MSR. */
    start = ticks;
    started = DWT_CYCCNT;
    while (ticks - start < 5) {
        uint32_t saved;
        __asm volatile("mrs %0, primask\n"
                       "cpsid i\n" : "=r"(saved) :: "memory");
        for (volatile int i = 0; i < 1000; i++) {
        }
        __asm volatile("msr primask, %0\n"
                       ".global after_primask\n"
                       "after_primask: nop\n" :: "r"(saved) : "memory");
    }
    report("primask-restore", after_primask, start);

    /* 3. BASEPRI 0x40 holds SysTick (priority 0x80) back; one instruction with BASEPRI 0. */
    start = ticks;
    started = DWT_CYCCNT;
    uint32_t zero = 0, mask = 0x40;
    __asm volatile("msr basepri, %0" :: "r"(mask) : "memory");
    while (ticks - start < 5) {
        __asm volatile("msr basepri, %0\n"
                       ".global after_basepri\n"
                       "after_basepri: msr basepri, %1\n"
                       "nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n" :: "r"(zero), "r"(mask) : "memory");
    }
    __asm volatile("msr basepri, %0" :: "r"(zero) : "memory");
    report("basepri-window", after_basepri, start);
    SYST_CSR = 0;
    return 0;
}
