/*
 * Firmware that misbehaves on purpose, one way per build variant (see `variants`). Each fault
 * handler prints what the architecture recorded (CFSR, HFSR, MMFAR/BFAR when valid, the stacked
 * PC) and exits with a code naming the handler, so tests compare the architected outcome and
 * h5sim's host-side report. The default build runs no case and exits 2.
 */
#include <stdint.h>
#include "cortex-m.h"
#include "semihosting.h"

#define SHCSR_MEMFAULTENA (1u << 16)
#define SHCSR_BUSFAULTENA (1u << 17)
#define SHCSR_USGFAULTENA (1u << 18)
#define CFSR_MMARVALID (1u << 7)
#define CFSR_BFARVALID (1u << 15)

/* Exit codes: which handler ran. */
enum { EXIT_HARDFAULT = 10, EXIT_MEMMANAGE = 11, EXIT_BUSFAULT = 12, EXIT_USAGEFAULT = 13 };

/* r0 = the stack the frame went to (from EXC_RETURN), so handlers can print the stacked PC. */
#define FAULT_ENTRY(name, body)                                                    \
    __attribute__((naked)) void name(void)                                        \
    {                                                                              \
        __asm__ volatile("tst lr, #4\n ite eq\n mrseq r0, msp\n mrsne r0, psp\n b " \
                         body "\n");                                               \
    }

static void report(const char *handler, const uint32_t *frame, int code)
{
    uint32_t cfsr = SCB_CFSR;
    sh_printf("%s: CFSR %08x HFSR %08x", handler, (unsigned)cfsr, (unsigned)SCB_HFSR);
    if (cfsr & CFSR_MMARVALID) sh_printf(" MMFAR %08x", (unsigned)SCB_MMFAR);
    if (cfsr & CFSR_BFARVALID) sh_printf(" BFAR %08x", (unsigned)SCB_BFAR);
    sh_printf(" stacked PC %08x\n", (unsigned)frame[6]);
    sh_exit(code);
}

void hard_fault_report(const uint32_t *frame) { report("HardFault", frame, EXIT_HARDFAULT); }
void mem_manage_report(const uint32_t *frame) { report("MemManage", frame, EXIT_MEMMANAGE); }
void bus_fault_report(const uint32_t *frame) { report("BusFault", frame, EXIT_BUSFAULT); }

void usage_fault_report(const uint32_t *frame)
{
#ifdef CASE_UNALIGNED
    extern uint32_t words[4];
    sh_printf("words[1] %08x\n", (unsigned)words[1]);
#endif
#ifdef CASE_STKOF
    uint32_t limit;
    __asm__ volatile("mrs %0, psplim" : "=r"(limit));
    sh_printf("PSPLIM %08x PSP %08x\n", (unsigned)limit, (unsigned)(uintptr_t)frame);
#endif
    report("UsageFault", frame, EXIT_USAGEFAULT);
}

#ifdef SPINNING_HANDLERS
/* The way many vendor templates leave them: the debugger (or h5sim's report) has to say why. */
void UsageFault_Handler(void)
{
    for (;;) {
    }
}
FAULT_ENTRY(HardFault_Handler, "hard_fault_report")
#else
FAULT_ENTRY(HardFault_Handler, "hard_fault_report")
FAULT_ENTRY(MemManage_Handler, "mem_manage_report")
FAULT_ENTRY(BusFault_Handler, "bus_fault_report")
FAULT_ENTRY(UsageFault_Handler, "usage_fault_report")
#endif

static void enable_fault_handlers(void)
{
#ifndef NO_USAGEFAULT
    SCB_SHCSR |= SHCSR_MEMFAULTENA | SHCSR_BUSFAULTENA | SHCSR_USGFAULTENA;
#else
    SCB_SHCSR |= SHCSR_MEMFAULTENA | SHCSR_BUSFAULTENA;
#endif
    dsb_isb();
}

#if defined(CASE_VECTOR_EVEN) || defined(CASE_VECTOR_GARBAGE)
/* A copy of the vector table in RAM (VTOR needs 512-byte alignment for 147 entries). */
static uint32_t ram_vectors[16 + 131] __attribute__((aligned(1024)));
extern const void *const h5_vector_table[16 + 131];

void SVC_Handler(void)
{
    sh_printf("SVC handler ran\n");
}

static void bad_vector_table(void)
{
    for (unsigned i = 0; i < 16 + 131; i++) ram_vectors[i] = (uint32_t)(uintptr_t)h5_vector_table[i];
#ifdef CASE_VECTOR_EVEN
    /* The SVCall vector without its Thumb bit: entry sets EPSR.T = 0, the first instruction faults. */
    ram_vectors[11] &= ~1u;
#else
    /* Garbage everywhere: every handler address points into the PPB, which never executes. */
    for (unsigned i = 2; i < 16 + 131; i++) ram_vectors[i] = 0xE00FF001u;
#endif
    SCB_VTOR = (uint32_t)(uintptr_t)ram_vectors;
    dsb_isb();
    __asm__ volatile("svc #0");
    sh_printf("FAIL: came back from SVC\n");
}
#endif

#ifdef CASE_STKOF
/* The thread's stack and, below it, a guard the thread must never reach. */
static uint64_t thread_stack[128];
volatile uint32_t recursion_depth;

__attribute__((noinline)) uint32_t recurse_forever(uint32_t n)
{
    volatile uint32_t local[8];
    local[n & 7] = n;
    recursion_depth = n;
    if (n > 1000000u) return n; /* never reached: the stack limit stops it long before */
    return recurse_forever(n + 1) + local[(n + 1) & 7];
}

static void thread_stack_overflow(void)
{
    uint32_t top = (uint32_t)(uintptr_t)&thread_stack[128];
    uint32_t limit = (uint32_t)(uintptr_t)&thread_stack[32];
    sh_printf("thread stack %08x..%08x, PSPLIM %08x\n", (unsigned)(uintptr_t)thread_stack, (unsigned)top, (unsigned)limit);
    __asm__ volatile(
        "msr psplim, %1\n"
        "msr psp, %0\n"
        "mrs r0, control\n"
        "orr r0, r0, #2\n" /* SPSEL: thread mode uses PSP */
        "msr control, r0\n"
        "isb\n"
        :
        : "r"(top), "r"(limit)
        : "r0", "memory");
    recurse_forever(0);
}
#endif

#ifdef CASE_UNALIGNED
#define CCR_UNALIGN_TRP (1u << 3)
uint32_t words[4] = {0x11111111u, 0x22222222u, 0x33333333u, 0x44444444u};

__attribute__((noinline)) uint32_t load_word(const volatile uint32_t *address)
{
    return *address;
}

__attribute__((noinline)) void store_halfword(volatile uint16_t *address, uint16_t value)
{
    *address = value;
}

static void unaligned_access(void)
{
#ifndef NO_UNALIGN_TRP
    SCB_CCR |= CCR_UNALIGN_TRP;
    dsb_isb();
#endif
#ifdef UNALIGNED_LOAD
    uint32_t value = load_word((const volatile uint32_t *)((uintptr_t)words + 1));
    sh_printf("unaligned load returned %08x\n", (unsigned)value);
#ifdef NO_UNALIGN_TRP
    sh_exit(0);
#endif
#else
    store_halfword((volatile uint16_t *)((uintptr_t)words + 5), 0xBEEF);
#endif
}
#endif

#if defined(CASE_XN_PERIPHERAL) || defined(CASE_XN_SYSTEM)
typedef void (*entry_point)(void);

__attribute__((noinline)) void jump_to(uint32_t address)
{
    ((entry_point)(uintptr_t)(address | 1u))();
}
#endif

#if defined(CASE_FLASH_LOCKED) || defined(CASE_FLASH_PROGRAM)
#define FLASH_NSKEYR REG32(0x40022004)
#define FLASH_NSSR REG32(0x40022020)
#define FLASH_NSCR REG32(0x40022028)
#define FLASH_NSCCR REG32(0x40022030)
#define NSCR_LOCK (1u << 0)
#define NSCR_PG (1u << 1)
#define NSSR_BSY (1u << 0)
#define NSSR_WBNE (1u << 1)
/* The last sector of bank 2: erased (all ones) out of reset, far from the code. */
#define TARGET 0x081FE000u

__attribute__((noinline)) void write_flash_word(uint32_t address, uint32_t value)
{
    *(volatile uint32_t *)address = value;
    dsb_isb();
}

static void flash_cases(void)
{
    volatile uint32_t *target = (volatile uint32_t *)TARGET;
    sh_printf("NSCR %08x NSSR %08x\n", (unsigned)FLASH_NSCR, (unsigned)FLASH_NSSR);
#ifdef CASE_FLASH_LOCKED
    write_flash_word(TARGET, 0x12345678u);
    sh_printf("after a write while locked: NSSR %08x word %08x\n", (unsigned)FLASH_NSSR, (unsigned)target[0]);
    FLASH_NSCCR = 0x00ff0000u;
    sh_printf("after NSCCR: NSSR %08x\n", (unsigned)FLASH_NSSR);
#else
    FLASH_NSKEYR = 0x45670123u;
    FLASH_NSKEYR = 0xCDEF89ABu;
    FLASH_NSCR = NSCR_PG;
    dsb_isb();
    static const uint32_t data[4] = {0xA1A2A3A4u, 0xB1B2B3B4u, 0xC1C2C3C4u, 0xD1D2D3D4u};
    for (unsigned i = 0; i < 4; i++) {
        target[i] = data[i];
        if (i == 1) sh_printf("after two words: NSSR %08x word0 %08x\n", (unsigned)FLASH_NSSR, (unsigned)target[0]);
    }
    dsb_isb();
    while (FLASH_NSSR & NSSR_BSY) {
    }
    sh_printf("programmed: NSSR %08x words %08x %08x %08x %08x\n", (unsigned)FLASH_NSSR,
              (unsigned)target[0], (unsigned)target[1], (unsigned)target[2], (unsigned)target[3]);
    /* The same quad-word again, one word only, then a word of another quad-word: INCERR. */
    target[4] = 0x01020304u;
    target[9] = 0x05060708u;
    dsb_isb();
    sh_printf("inconsistent: NSSR %08x word4 %08x\n", (unsigned)FLASH_NSSR, (unsigned)target[4]);
    FLASH_NSCCR = 0x00ff0000u;
    FLASH_NSCR = 0;
    FLASH_NSCR = NSCR_LOCK;
    sh_printf("locked again: NSCR %08x NSSR %08x\n", (unsigned)FLASH_NSCR, (unsigned)FLASH_NSSR);
#endif
}
#endif

#ifdef CASE_MEMORY_LOOP
/* No fault: a load/store-heavy loop for scripts/bench-guest-faults.ts (UNALIGN_TRP hook cost). */
static uint32_t source[4096], destination[4096];

static uint32_t memory_loop(void)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i < 4096; i++) source[i] = i * 2654435761u;
    for (uint32_t pass = 0; pass < 200; pass++) {
        for (uint32_t i = 0; i < 4096; i++) destination[i] = source[(i + pass) & 4095] ^ pass;
        sum += destination[pass & 4095];
    }
    return sum;
}
#endif

int main(void)
{
    enable_fault_handlers();
#if defined(CASE_VECTOR_EVEN) || defined(CASE_VECTOR_GARBAGE)
    bad_vector_table();
#elif defined(CASE_STKOF)
    thread_stack_overflow();
#elif defined(CASE_UNALIGNED)
    unaligned_access();
#elif defined(CASE_MEMORY_LOOP)
    sh_printf("memory loop %08x\n", (unsigned)memory_loop());
    return 0;
#elif defined(CASE_XN_PERIPHERAL)
    jump_to(0x40000000u); /* TIM2: peripheral space is execute-never */
#elif defined(CASE_XN_SYSTEM)
    jump_to(0xE0001000u); /* DWT in the PPB: system space is execute-never */
#elif defined(CASE_FLASH_LOCKED) || defined(CASE_FLASH_PROGRAM)
    flash_cases();
    return 0;
#else
    sh_printf("guest-faults: build a variant to run a case\n");
    return 2;
#endif
    sh_printf("FAIL: no fault\n");
    return 1;
}
