/*
 * boot-clock: brings the NUCLEO-H563ZI up as CubeMX does, then reports what the clock tree and the
 * timers measure, so a test can check RCC, PWR, FLASH, TIM6, DWT, GPIO and USART3 together.
 * Output on USART3 (and the exit code through semihosting):
 *   boot-clock: sysclk=250000000 hclk=250000000 pclk1=250000000
 *   boot-clock: tick cycles=250000
 *   boot-clock: led=1 ... led=0
 *   boot-clock: done
 */
#include "board.h"
#include "semihosting.h"

static uint32_t cycles_between_ticks(void)
{
    uint32_t tick = board_ticks();
    while (board_ticks() == tick) {
    }
    uint32_t start = board_cycles();
    tick = board_ticks();
    while (board_ticks() == tick) {
    }
    return board_cycles() - start;
}

int main(void)
{
    board_init();
    uint32_t sysclk = board_sysclk_hz();
    console_printf("boot-clock: sysclk=%u hclk=%u pclk1=%u\n", (unsigned)sysclk, (unsigned)board_hclk_hz(),
                   (unsigned)board_pclk1_hz());
    uint32_t cycles = cycles_between_ticks();
    console_printf("boot-clock: tick cycles=%u\n", (unsigned)cycles);

    for (int i = 0; i < 4; i++) {
        board_led_toggle();
        console_printf("boot-clock: led=%d\n", (int)((GPIO_ODR('B') >> 0) & 1u));
        board_delay_ms(1);
    }
    board_led_set(1);
    console_printf("boot-clock: ticks=%u\n", (unsigned)board_ticks());
    console_puts("boot-clock: done\n");

    int ok = sysclk == 250000000u && cycles > 200000u && cycles < 300000u;
    sh_printf("boot-clock: sysclk=%u cycles=%u %s\n", (unsigned)sysclk, (unsigned)cycles, ok ? "ok" : "FAIL");
    sh_exit(ok ? 0 : 1);
}
