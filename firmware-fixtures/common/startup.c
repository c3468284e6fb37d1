/*
 * Common startup for h5sim fixtures on the STM32H563 (and on QEMU's mps2-an505 for the
 * exception cross-check): vector table, .data copy, .bss clear, FPU enable, main(), exit.
 * Handlers are weak aliases of Default_Handler, so a fixture defines only those it uses.
 */
#include <stdint.h>
#include "semihosting.h"

extern uint32_t __stack_top, __data_start, __data_end, __data_load, __bss_start, __bss_end;
int main(void);

void Reset_Handler(void);
void Default_Handler(void);

#define WEAK_HANDLER(name) void name(void) __attribute__((weak, alias("Default_Handler")))
WEAK_HANDLER(NMI_Handler);
WEAK_HANDLER(HardFault_Handler);
WEAK_HANDLER(MemManage_Handler);
WEAK_HANDLER(BusFault_Handler);
WEAK_HANDLER(UsageFault_Handler);
WEAK_HANDLER(SecureFault_Handler);
WEAK_HANDLER(SVC_Handler);
WEAK_HANDLER(DebugMon_Handler);
WEAK_HANDLER(PendSV_Handler);
WEAK_HANDLER(SysTick_Handler);
WEAK_HANDLER(IRQ_Handler);

/* External interrupts use one handler that fixtures may override per line through this table. */
void (*volatile h5_irq_handlers[131])(void);

void IRQ_Dispatch(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    uint32_t line = ipsr - 16;
    if (line < 131 && h5_irq_handlers[line]) {
        h5_irq_handlers[line]();
    } else {
        IRQ_Handler();
    }
}

__attribute__((section(".isr_vector"), used))
const void *const h5_vector_table[16 + 131] = {
    [0] = &__stack_top,
    [1] = Reset_Handler,
    [2] = NMI_Handler,
    [3] = HardFault_Handler,
    [4] = MemManage_Handler,
    [5] = BusFault_Handler,
    [6] = UsageFault_Handler,
    [7] = SecureFault_Handler,
    [11] = SVC_Handler,
    [12] = DebugMon_Handler,
    [14] = PendSV_Handler,
    [15] = SysTick_Handler,
    [16 ... 146] = IRQ_Dispatch,
};

void Default_Handler(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    sh_printf("unexpected exception %u\n", (unsigned)ipsr);
    sh_exit(100 + (int)ipsr);
}

void Reset_Handler(void)
{
    uint32_t *src = &__data_load;
    for (uint32_t *dst = &__data_start; dst < &__data_end;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = &__bss_start; dst < &__bss_end;) {
        *dst++ = 0;
    }
    /* CPACR: full access to CP10/CP11 (the FPU), as SystemInit does. */
    *(volatile uint32_t *)0xE000ED88 |= (0xFu << 20);
    __asm__ volatile("dsb\n isb");
    sh_exit(main());
}
