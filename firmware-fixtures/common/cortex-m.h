/* Cortex-M33 System Control Space registers used by fixtures (ARMv8-M ARM, B3 / D1). */
#ifndef H5_CORTEX_M_H
#define H5_CORTEX_M_H
#include <stdint.h>

#define REG32(address) (*(volatile uint32_t *)(address))
#define REG8(address) (*(volatile uint8_t *)(address))

#define SCB_CPUID REG32(0xE000ED00)
#define SCB_ICSR REG32(0xE000ED04)
#define SCB_VTOR REG32(0xE000ED08)
#define SCB_AIRCR REG32(0xE000ED0C)
#define SCB_SCR REG32(0xE000ED10)
#define SCB_CCR REG32(0xE000ED14)
#define SCB_SHPR1 REG32(0xE000ED18)
#define SCB_SHPR2 REG32(0xE000ED1C)
#define SCB_SHPR3 REG32(0xE000ED20)
#define SCB_SHCSR REG32(0xE000ED24)
#define SCB_CFSR REG32(0xE000ED28)
#define SCB_HFSR REG32(0xE000ED2C)
#define SCB_MMFAR REG32(0xE000ED34)
#define SCB_BFAR REG32(0xE000ED38)
#define SCB_CPACR REG32(0xE000ED88)
#define FPU_FPCCR REG32(0xE000EF34)

#define SYST_CSR REG32(0xE000E010)
#define SYST_RVR REG32(0xE000E014)
#define SYST_CVR REG32(0xE000E018)
#define SYST_CALIB REG32(0xE000E01C)

#define NVIC_ISER(n) REG32(0xE000E100 + 4 * (n))
#define NVIC_ICER(n) REG32(0xE000E180 + 4 * (n))
#define NVIC_ISPR(n) REG32(0xE000E200 + 4 * (n))
#define NVIC_ICPR(n) REG32(0xE000E280 + 4 * (n))
#define NVIC_IABR(n) REG32(0xE000E300 + 4 * (n))
#define NVIC_IPR8(n) REG8(0xE000E400 + (n))
#define NVIC_STIR REG32(0xE000EF00)

#define DEMCR REG32(0xE000EDFC)
#define DWT_CTRL REG32(0xE0001000)
#define DWT_CYCCNT REG32(0xE0001004)
#define ITM_STIM0 REG32(0xE0000000)
#define ITM_TER REG32(0xE0000E00)
#define ITM_TCR REG32(0xE0000E80)

#define AIRCR_VECTKEY (0x05FAu << 16)

static inline void nvic_enable(unsigned irq) { NVIC_ISER(irq / 32) = 1u << (irq % 32); }
static inline void nvic_pend(unsigned irq) { NVIC_ISPR(irq / 32) = 1u << (irq % 32); }
static inline void nvic_priority(unsigned irq, uint8_t priority) { NVIC_IPR8(irq) = priority; }
static inline void enable_irq(void) { __asm__ volatile("cpsie i" ::: "memory"); }
static inline void disable_irq(void) { __asm__ volatile("cpsid i" ::: "memory"); }
static inline void set_basepri(uint32_t value) { __asm__ volatile("msr basepri, %0" ::"r"(value) : "memory"); }
static inline void dsb_isb(void) { __asm__ volatile("dsb\n isb" ::: "memory"); }

extern void (*volatile h5_irq_handlers[131])(void);

#endif
