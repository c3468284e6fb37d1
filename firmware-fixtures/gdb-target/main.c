/*
 * Debugger fixture: globals to watch and change from GDB, FP registers with known values, a
 * function to break in, and a loop that runs until GDB sets `release` (for Ctrl-C tests).
 */
#include <stdint.h>
#include "semihosting.h"

volatile uint32_t counter;
volatile uint32_t watched;
volatile uint32_t release;
volatile float fp_result;

__attribute__((noinline)) uint32_t add_numbers(uint32_t a, uint32_t b)
{
    return a + b;
}

__attribute__((noinline)) float scale(float x)
{
    return x * 2.5f;
}

int main(void)
{
    uint32_t sum = add_numbers(40, 2);
    fp_result = scale(1.5f);
    watched = sum;
    watched = sum + 1;
    sh_printf("gdb-target: sum %u\n", (unsigned)sum);
    while (!release) {
        counter++;
    }
    sh_printf("gdb-target: released after %s\n", counter > 0 ? "looping" : "no loop");
    return (int)(release & 0x7f);
}
