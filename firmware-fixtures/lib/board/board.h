/*
 * Board library for h5sim fixtures on the NUCLEO-H563ZI, written at register level from RM0481:
 * clocks as CubeMX configures them (250 MHz from PLL1 fed by the ST-LINK's 8 MHz HSE bypass),
 * the USART3 virtual COM port, a TIM6 1 kHz tick and the LD1 LED.
 */
#ifndef BOARD_H
#define BOARD_H
#include <stdarg.h>
#include <stdint.h>
#include "stm32h563-registers.h"

#define BOARD_HSE_HZ 8000000u
#define BOARD_HSI_HZ 64000000u
#define BOARD_CSI_HZ 4000000u
#define BOARD_CONSOLE_BAUD 115200u

/* Everything below, in CubeMX's order: clocks, LED, console, tick. */
void board_init(void);

/* SYSCLK to 250 MHz: VOS0, HSE bypass, PLL1 (M=4 N=250 P=2), flash latency 5, switch to PLL1. */
void board_clock_init(void);

/* Clock frequencies computed from the RCC registers, as HAL_RCC_GetSysClockFreq does. */
uint32_t board_sysclk_hz(void);
uint32_t board_hclk_hz(void);
uint32_t board_pclk1_hz(void);
/* Kernel clock of the APB1 timers (TIM2..7, TIM12..14): PCLK1, doubled when APB1 is divided. */
uint32_t board_apb1_timer_hz(void);

/* GPIO helpers: mode 0 input, 1 output, 2 alternate, 3 analog. Enables the port clock. */
void board_gpio_mode(char port, unsigned pin, unsigned mode);
void board_gpio_alternate(char port, unsigned pin, unsigned function);
void board_gpio_write(char port, unsigned pin, int level);
int board_gpio_read(char port, unsigned pin);

/* LD1 (green) on PB0. */
void board_led_init(void);
void board_led_set(int on);
void board_led_toggle(void);

/* USART3 on PD8 (TX) / PD9 (RX), AF7, 8N1: the ST-LINK virtual COM port. */
void console_init(uint32_t baud);
void console_putc(char c);
void console_write(const char *data, unsigned length);
void console_puts(const char *text);
void console_printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
void console_vprintf(const char *format, va_list args);
/* Waits until the last byte has left the shift register (TC). */
void console_flush(void);
/* A received byte, or -1 when none is waiting (clears an overrun). */
int console_getc(void);

/* TIM6 update interrupt at `hz` (IRQ 49); board_ticks() counts the interrupts. */
void board_timebase_init(uint32_t hz);
uint32_t board_ticks(void);
void board_delay_ms(uint32_t ms);
/* Called from the TIM6 interrupt after the tick counter moved; weak, does nothing by default. */
void board_tick_hook(void);

/* DWT cycle counter (enabled by board_init). */
void board_cycle_counter_init(void);
static inline uint32_t board_cycles(void) { return DWT_CYCCNT; }

#endif
