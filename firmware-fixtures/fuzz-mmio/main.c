/*
 * fuzz-mmio (issue #8): pseudo-random writes to random word offsets inside every modelled
 * peripheral block, to check that no register sequence takes the simulator down. Faults on
 * reserved offsets are counted and the faulting store is skipped. Watchdog writes may reset the
 * chip: progress lives in .noinit so the run resumes after the reset and the resets are counted.
 * Prints "fuzz-mmio: writes N faults F resets R" and exits 0.
 */
#include <stdint.h>
#include "semihosting.h"

#ifndef FUZZ_MMIO_WRITES
#define FUZZ_MMIO_WRITES 1000000u
#endif
#ifndef FUZZ_MMIO_SEED
#define FUZZ_MMIO_SEED 0x8c0ffee1u
#endif

struct block { const char *name; uint32_t base; uint32_t size; };

/* Modelled blocks of the STM32H563 (emulator/machine/h5-common.ts, which follows stm32h563xx.h). */
static const struct block blocks[] = {
    { "TIM2", 0x40000000u, 0x400 },   { "TIM6", 0x40001000u, 0x400 },   { "WWDG", 0x40002c00u, 0x400 },
    { "IWDG", 0x40003000u, 0x400 },   { "USART2", 0x40004400u, 0x400 }, { "USART3", 0x40004800u, 0x400 },
    { "TIM1", 0x40012c00u, 0x400 },   { "USART1", 0x40013800u, 0x400 }, { "FLASH", 0x40022000u, 0x400 },
    { "CRC", 0x40023000u, 0x400 },    { "ETH", 0x40028000u, 0x2000 },   { "ICACHE", 0x40030400u, 0x400 },
    { "GPIOA", 0x42020000u, 0x400 },  { "GPIOB", 0x42020400u, 0x400 },  { "GPIOC", 0x42020800u, 0x400 },
    { "GPIOD", 0x42020c00u, 0x400 },  { "GPIOE", 0x42021000u, 0x400 },  { "GPIOF", 0x42021400u, 0x400 },
    { "GPIOG", 0x42021800u, 0x400 },  { "GPIOH", 0x42021c00u, 0x400 },  { "GPIOI", 0x42022000u, 0x400 },
    { "HASH", 0x420c0400u, 0x400 },   { "RNG", 0x420c0800u, 0x400 },    { "PKA", 0x420c2000u, 0x2000 },
    { "SBS", 0x44000400u, 0x400 },    { "RTC", 0x44007800u, 0x400 },    { "TAMP", 0x44007c00u, 0x400 },
    { "PWR", 0x44020800u, 0x400 },    { "RCC", 0x44020c00u, 0x400 },    { "EXTI", 0x44022000u, 0x400 },
};
#define BLOCK_COUNT (sizeof blocks / sizeof blocks[0])
#define PROGRESS_MAGIC 0x465a4d4fu /* "FZMO" */

/* Survives system resets (the watchdogs); the SCS is not fuzzed, so no SYSRESETREQ. Volatile, so
 * every write's progress is in RAM before the next write: without it the compiler kept the loop's
 * state in registers, a watchdog reset lost it, and the run replayed the same writes (and the same
 * watchdog reset) forever. */
static volatile struct {
    uint32_t magic;
    uint32_t next;
    uint32_t state;
    uint32_t resets;
    uint32_t faults;
} progress __attribute__((section(".noinit")));

volatile uint32_t fuzz_last_address;

static uint32_t xorshift(uint32_t x)
{
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}

/* Called from the fault handlers with the stacked frame: skip the faulting (16- or 32-bit) store. */
void fuzz_fault_skip(uint32_t *frame)
{
    uint32_t pc = frame[6];
    uint16_t first = *(const uint16_t *)pc;
    frame[6] = pc + ((first & 0xf800u) >= 0xe800u ? 4u : 2u);
    progress.faults++;
    *(volatile uint32_t *)0xE000ED28u = 0xffffffffu; /* CFSR: write 1 to clear */
    *(volatile uint32_t *)0xE000ED2Cu = 0xffffffffu; /* HFSR */
}

__attribute__((naked)) void HardFault_Handler(void)
{
    __asm__ volatile("tst lr, #4\n ite eq\n mrseq r0, msp\n mrsne r0, psp\n b fuzz_fault_skip\n");
}

__attribute__((naked)) void BusFault_Handler(void)
{
    __asm__ volatile("tst lr, #4\n ite eq\n mrseq r0, msp\n mrsne r0, psp\n b fuzz_fault_skip\n");
}

int main(void)
{
    if (progress.magic != PROGRESS_MAGIC) {
        progress.magic = PROGRESS_MAGIC;
        progress.next = 0;
        progress.state = FUZZ_MMIO_SEED;
        progress.resets = 0;
        progress.faults = 0;
        sh_printf("fuzz-mmio: start, %u writes over %u blocks\n", (unsigned)FUZZ_MMIO_WRITES, (unsigned)BLOCK_COUNT);
    } else {
        progress.resets++;
        /* The write that reset the chip is not repeated. */
        progress.next++;
    }
    *(volatile uint32_t *)0xE000ED24u |= 1u << 17; /* SHCSR.BUSFAULTENA */
    while (progress.next < FUZZ_MMIO_WRITES) {
        uint32_t x = xorshift(progress.state);
        uint32_t y = xorshift(x);
        uint32_t z = xorshift(y);
        const struct block *b = &blocks[x % BLOCK_COUNT];
        uint32_t address = b->base + ((y % b->size) & ~3u);
        fuzz_last_address = address;
        /* Writes of the few values that mean something (keys, all-ones, zero) as well as noise. */
        uint32_t value = (z & 7u) == 0 ? 0u : (z & 7u) == 1 ? 0xffffffffu : (z & 7u) == 2 ? (1u << (z >> 27)) : xorshift(z);
        progress.state = z;
        *(volatile uint32_t *)address = value;
        progress.next++;
    }
    sh_printf("fuzz-mmio: writes %u faults %u resets %u\n", (unsigned)progress.next, (unsigned)progress.faults, (unsigned)progress.resets);
    progress.magic = 0;
    return 0;
}
