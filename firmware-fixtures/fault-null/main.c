/*
 * A firmware with a bug: it dereferences a NULL pointer inside a function, and its HardFault
 * handler spins the way many vendor templates do. h5sim must report the fault with the symbol of
 * the faulting function, the stacked frame and CFSR in words.
 */
#include <stdint.h>
#include "semihosting.h"

struct sensor {
    uint32_t id;
    uint32_t reading;
};

void HardFault_Handler(void)
{
    for (;;) {
    }
}

__attribute__((noinline)) uint32_t read_sensor(const struct sensor *sensor)
{
    return sensor->reading * 3u;
}

static const struct sensor *volatile current_sensor; /* never set: NULL */

int main(void)
{
    sh_printf("reading sensor\n");
    uint32_t value = read_sensor(current_sensor);
    sh_printf("value %u\n", (unsigned)value);
    return 0;
}
