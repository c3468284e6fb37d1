/*
 * Exception-model fixture: SVC with arguments, nested and tail-chained interrupts, priorities,
 * BASEPRI and PRIMASK masking, a PendSV context switch between two threads on PSP with live FP
 * registers, faults landing in the firmware's own handlers with the CFSR bits checked, an
 * interrupt taken inside an IT block, and SYSRESETREQ. Built for the STM32H563 and for QEMU's
 * mps2-an505; the semihosting output must be identical on both (no addresses, no timings).
 */
#include <stdint.h>
#include "cortex-m.h"
#include "semihosting.h"

#define CHECK(cond, what) check((cond), (what), __LINE__)
static int failures;
static void check(int ok, const char *what, int line)
{
    sh_printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    if (!ok) {
        sh_printf("  (line %d)\n", line);
        failures++;
    }
}

/* ---- event log shared by handlers ---- */
static volatile char events[64];
static volatile unsigned event_count;
static void event(char c)
{
    if (event_count < sizeof events - 1) {
        events[event_count++] = c;
        events[event_count] = 0;
    }
}
static void reset_events(void)
{
    event_count = 0;
    events[0] = 0;
}
static int events_are(const char *expected)
{
    unsigned i = 0;
    for (; expected[i]; i++) {
        if (i >= event_count || events[i] != expected[i]) {
            return 0;
        }
    }
    return i == event_count;
}

/* ---- SVC with arguments: the handler reads the stacked frame ---- */
__attribute__((naked)) void SVC_Handler(void)
{
    __asm__ volatile(
        "tst lr, #4\n"
        "ite eq\n"
        "mrseq r0, msp\n"
        "mrsne r0, psp\n"
        "b svc_dispatch\n");
}

void svc_dispatch(uint32_t *frame)
{
    uint16_t instruction = *(uint16_t *)(frame[6] - 2);
    uint32_t number = instruction & 0xff;
    if (number == 1) {
        frame[0] = frame[0] + frame[1] * frame[2] - frame[3];
    } else if (number == 2) {
        SCB_ICSR = 1u << 28; /* PENDSVSET: yield */
    } else if (number == 3) {
        uint32_t control;
        __asm__ volatile("mrs %0, control" : "=r"(control));
        frame[0] = control; /* what the caller's CONTROL was */
        __asm__ volatile("msr control, %0" ::"r"(control & ~1u)); /* back to privileged */
    }
}

static uint32_t svc_compute(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    register uint32_t r0 __asm__("r0") = a;
    register uint32_t r1 __asm__("r1") = b;
    register uint32_t r2 __asm__("r2") = c;
    register uint32_t r3 __asm__("r3") = d;
    __asm__ volatile("svc #1" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r3) : "memory");
    return r0;
}

/* ---- external interrupt handlers ---- */
static void irq0(void)
{
    event('a');
    nvic_pend(1); /* higher priority: preempts now */
    event('A');
    nvic_pend(2); /* same priority as irq0: waits, then tail-chains */
    event('b');
}
static void irq1(void) { event('1'); }
static void irq2(void) { event('2'); }
static void irq3(void) { event('3'); }
static void irq4(void) { event('4'); }
static volatile uint32_t it_counter;
static void irq5(void) { it_counter += 100; }

/* ---- PendSV context switch between two threads (ThreadX-like: s16-s31 saved when FType=0) ---- */
static uint32_t thread_stacks[2][256] __attribute__((aligned(8)));
static uint32_t main_stack[512] __attribute__((aligned(8)));
/* Slots 0 and 1 are the worker threads, slot 2 is main once it runs on PSP. */
static uint32_t *thread_sp[3];
static volatile uint32_t current_thread;
static volatile uint32_t threads_done;
static volatile float thread_result[2];

uint32_t *pendsv_switch(uint32_t *sp)
{
    thread_sp[current_thread] = sp;
    current_thread = (current_thread + 1) % 3;
    return thread_sp[current_thread];
}

__attribute__((naked)) void PendSV_Handler(void)
{
    __asm__ volatile(
        "mrs r0, psp\n"
        "tst lr, #0x10\n"
        "it eq\n"
        "vstmdbeq r0!, {s16-s31}\n"
        "stmdb r0!, {r4-r11, lr}\n"
        "bl pendsv_switch\n"
        "ldmia r0!, {r4-r11, lr}\n"
        "tst lr, #0x10\n"
        "it eq\n"
        "vldmiaeq r0!, {s16-s31}\n"
        "msr psp, r0\n"
        "bx lr\n");
}

static float fp_work(float seed, float factor, int rounds, int yield)
{
    float a = seed, b = seed * 0.5f, c = 1.0f;
    for (int i = 0; i < rounds; i++) {
        a = a * factor + b;
        b = b * 0.75f + c;
        c = c + 0.125f;
        if (yield) {
            __asm__ volatile("svc #2" ::: "memory");
        }
    }
    return a + b + c;
}

static void thread_entry(uint32_t index)
{
    thread_result[index] = fp_work(index ? 2.0f : 1.0f, index ? 0.5f : 0.25f, 20, 1);
    threads_done |= 1u << index;
    for (;;) {
        __asm__ volatile("svc #2" ::: "memory");
    }
}

static uint32_t *prepare_thread(uint32_t index)
{
    uint32_t *sp = &thread_stacks[index][256];
    *--sp = 1u << 24;                 /* xPSR: Thumb */
    *--sp = (uint32_t)thread_entry;   /* PC */
    *--sp = 0xfffffffd;               /* LR */
    for (int i = 0; i < 4; i++) {
        *--sp = 0;                    /* R12, R3, R2, R1 */
    }
    *--sp = index;                    /* R0 */
    *--sp = 0xfffffffd;               /* EXC_RETURN as saved by PendSV: thread, PSP, basic frame */
    for (int i = 0; i < 8; i++) {
        *--sp = 0;                    /* R4-R11 */
    }
    return sp;
}

/* ---- faults ---- */
static volatile uint32_t last_cfsr, last_hfsr, last_bfar, fault_hits;

void fault_common(uint32_t *frame, uint32_t kind)
{
    last_cfsr = SCB_CFSR;
    last_hfsr = SCB_HFSR;
    last_bfar = SCB_BFAR;
    fault_hits = fault_hits * 10 + kind;
    SCB_CFSR = last_cfsr; /* write one to clear */
    SCB_HFSR = last_hfsr;
    uint16_t instruction = *(uint16_t *)(frame[6] & ~1u);
    int wide = (instruction & 0xe000) == 0xe000 && (instruction & 0x1800) != 0;
    frame[6] += wide ? 4 : 2; /* skip the faulting instruction */
}

#define FAULT_ENTRY(name, kind)                    \
    __attribute__((naked)) void name(void)         \
    {                                              \
        __asm__ volatile("tst lr, #4\n"            \
                         "ite eq\n"                \
                         "mrseq r0, msp\n"         \
                         "mrsne r0, psp\n"         \
                         "movs r1, #" #kind "\n"   \
                         "b fault_common\n");      \
    }
FAULT_ENTRY(HardFault_Handler, 1)
FAULT_ENTRY(UsageFault_Handler, 2)
FAULT_ENTRY(BusFault_Handler, 3)
FAULT_ENTRY(MemManage_Handler, 5)

__attribute__((section(".noinit"))) static volatile uint32_t reset_magic;

int main(void)
{
    if (reset_magic == 0x5ee5c0de) {
        reset_magic = 0;
        sh_printf("ok: came back from SYSRESETREQ with a fresh core (VTOR reset, CONTROL=%u)\n", 0u);
        return failures;
    }

    CHECK(((SCB_CPUID >> 4) & 0xfff) == 0xd21, "CPUID part number is Cortex-M33");
    CHECK(svc_compute(5, 6, 7, 2) == 5 + 42 - 2, "SVC #1 reads R0-R3 from the stacked frame and returns in R0");

    h5_irq_handlers[0] = irq0;
    h5_irq_handlers[1] = irq1;
    h5_irq_handlers[2] = irq2;
    h5_irq_handlers[3] = irq3;
    h5_irq_handlers[4] = irq4;
    h5_irq_handlers[5] = irq5;
    nvic_priority(0, 0x80);
    nvic_priority(1, 0x40);
    nvic_priority(2, 0x80);
    nvic_priority(3, 0xc0);
    nvic_priority(4, 0xc0);
    nvic_priority(5, 0x20);
    for (unsigned i = 0; i <= 5; i++) {
        nvic_enable(i);
    }

    reset_events();
    nvic_pend(0);
    dsb_isb();
    CHECK(events_are("a1Ab2"), "IRQ1 (0x40) preempts IRQ0 (0x80); IRQ2 (0x80) waits and tail-chains");

    reset_events();
    set_basepri(0x80);
    nvic_pend(0);
    dsb_isb();
    CHECK(event_count == 0, "BASEPRI 0x80 masks an interrupt of priority 0x80");
    nvic_pend(1);
    dsb_isb();
    CHECK(events_are("1"), "BASEPRI 0x80 lets priority 0x40 through");
    set_basepri(0);
    dsb_isb();
    CHECK(events_are("1a1Ab2"), "clearing BASEPRI takes the masked interrupt");

    reset_events();
    disable_irq();
    nvic_pend(4);
    nvic_pend(3);
    dsb_isb();
    CHECK(event_count == 0 && (NVIC_ISPR(0) & 0x18) == 0x18, "PRIMASK holds IRQ3 and IRQ4 pending");
    enable_irq();
    event('t');
    CHECK(events_are("34t"), "same-priority IRQ3 then IRQ4 tail-chain before thread code resumes");

    it_counter = 0;
    uint32_t a = 1, b = 2;
    __asm__ volatile(
        "cmp %[x], #1\n"
        "ittt eq\n"
        "streq %[irq], [%[stir]]\n"
        "addeq %[a], %[a], #10\n"
        "addeq %[b], %[b], #20\n"
        : [a] "+r"(a), [b] "+r"(b)
        : [x] "r"(1u), [irq] "r"(5u), [stir] "r"(&NVIC_STIR)
        : "memory", "cc");
    dsb_isb();
    CHECK(it_counter == 100 && a == 11 && b == 22, "an interrupt taken inside an IT block keeps the block's state");
    __asm__ volatile(
        "cmp %[x], #1\n"
        "itte ne\n"
        "strne %[irq], [%[stir]]\n"
        "addne %[a], %[a], #10\n"
        "addeq %[b], %[b], #20\n"
        : [a] "+r"(a), [b] "+r"(b)
        : [x] "r"(1u), [irq] "r"(5u), [stir] "r"(&NVIC_STIR)
        : "memory", "cc");
    CHECK(it_counter == 100 && a == 11 && b == 42, "IT block with a false condition skips and else-executes");

    /* PendSV context switch with live FP state */
    float expected0 = fp_work(1.0f, 0.25f, 20, 0);
    float expected1 = fp_work(2.0f, 0.5f, 20, 0);
    SCB_SHPR3 = (SCB_SHPR3 & 0xff00ffffu) | (0xffu << 16); /* PendSV lowest */
    thread_sp[0] = prepare_thread(0);
    thread_sp[1] = prepare_thread(1);
    current_thread = 2;
    threads_done = 0;
    /* main keeps its stack but reaches it through PSP and becomes slot 2; handlers get their own
     * main stack. The first yield switches to thread 0. */
    __asm__ volatile(
        "mov r0, sp\n"
        "msr psp, r0\n"
        "movs r0, #2\n"
        "msr control, r0\n"
        "isb\n"
        "msr msp, %0\n" ::"r"(&main_stack[512]) : "r0", "memory");
    while (threads_done != 3) {
        __asm__ volatile("svc #2" ::: "memory");
    }
    CHECK(thread_result[0] == expected0 && thread_result[1] == expected1,
          "two threads switched by PendSV on PSP keep their FP registers (extended frames round-trip)");

    /* unprivileged thread mode on PSP: the SVC frame must land on the process stack */
    {
        uint32_t psp_before, psp_after, result;
        __asm__ volatile("mrs %0, psp" : "=r"(psp_before));
        __asm__ volatile("mrs r0, control\n orr r0, r0, #1\n msr control, r0\n isb" ::: "r0", "memory");
        register uint32_t r0 __asm__("r0") = 0;
        __asm__ volatile("svc #3" : "+r"(r0) :: "memory");
        result = r0;
        __asm__ volatile("mrs %0, psp" : "=r"(psp_after));
        uint32_t control;
        __asm__ volatile("mrs %0, control" : "=r"(control));
        CHECK((result & 1u) == 1u && (control & 1u) == 0 && psp_after == psp_before,
              "SVC from unprivileged thread mode on PSP stacks on PSP and the handler can restore privilege");
    }

    /* faults */
    SCB_SHCSR |= (1u << 16) | (1u << 17) | (1u << 18);
    fault_hits = 0;
    __asm__ volatile(".short 0xde00" ::: "memory"); /* UDF #0 */
    CHECK(fault_hits == 2 && (last_cfsr & (1u << 16)), "UDF lands in UsageFault with CFSR.UNDEFINSTR");

    fault_hits = 0;
    volatile uint32_t sink = *(volatile uint32_t *)0xf0000000;
    (void)sink;
    CHECK(fault_hits == 3 && (last_cfsr & (1u << 9)) && (last_cfsr & (1u << 15)) && last_bfar == 0xf0000000,
          "a read of unmapped 0xF0000000 lands in BusFault with PRECISERR, BFARVALID and BFAR");

    SCB_SHCSR &= ~(1u << 18);
    fault_hits = 0;
    __asm__ volatile(".short 0xde01" ::: "memory");
    CHECK(fault_hits == 1 && (last_hfsr & (1u << 30)) && (last_cfsr & (1u << 16)),
          "with UsageFault disabled, UDF escalates to HardFault with HFSR.FORCED");

    if (failures == 0) {
        sh_printf("ok: all checks passed, requesting SYSRESETREQ\n");
        reset_magic = 0x5ee5c0de;
        SCB_AIRCR = AIRCR_VECTKEY | (1u << 2);
        for (;;) {
        }
    }
    return failures;
}
