/*
 * The default millisecond clock of lib/net: SysTick at 1 kHz from the core clock, used only when
 * the application gave no clock with net_set_clock() (fixtures with lib/board pass board_ticks).
 */
#include "cortex-m.h"
#include "net-internal.h"

static volatile uint32_t milliseconds;

/* Strong on purpose: startup.c aliases it weakly to Default_Handler, and two weak definitions
 * would leave the choice to link order. */
void SysTick_Handler(void) { milliseconds++; }

uint32_t net_default_clock_start(uint32_t core_hz)
{
    if (!(SYST_CSR & 1u)) {
        SYST_RVR = core_hz / 1000u - 1u;
        SYST_CVR = 0;
        SCB_SHPR3 = (SCB_SHPR3 & 0x00FFFFFFu) | (0x20u << 24);
        SYST_CSR = 7u; /* processor clock, interrupt, enable */
    }
    return milliseconds;
}

uint32_t net_default_clock_ms(void) { return milliseconds; }
