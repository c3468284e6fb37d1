/*
 * A boot bug seen on real boards: the firmware waits for PLL1 to lock, but PLL1 was never given a
 * source that runs (HSE selected, HSE never turned on). It hangs, as on silicon; h5sim says which
 * register it polls.
 */
#include <stdint.h>
#include "cortex-m.h"

#define RCC_CR REG32(0x44020C00u)
#define RCC_PLL1CFGR REG32(0x44020C28u)

__attribute__((noinline)) void wait_for_pll1(void)
{
    while ((RCC_CR & (1u << 25)) == 0) { /* PLL1RDY */
    }
}

int main(void)
{
    RCC_PLL1CFGR = (RCC_PLL1CFGR & ~3u) | 3u; /* PLL1SRC = HSE, but HSEON is never set */
    RCC_CR |= 1u << 24;                       /* PLL1ON */
    wait_for_pll1();
    return 0;
}
