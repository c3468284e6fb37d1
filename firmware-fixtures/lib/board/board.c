/*
 * NUCLEO-H563ZI board support for h5sim fixtures (RM0481 §7 FLASH, §10 PWR, §11 RCC, §13 GPIO,
 * §38–41 timers, §50 USART). Our own register-level code; no vendor sources.
 */
#include "board.h"

int h5_vsnprintf(char *buffer, unsigned size, const char *format, va_list args);

static volatile uint32_t tick_count;
static uint32_t tick_hz = 1000;

static const uint16_t ahb_divider[16] = {1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 8, 16, 64, 128, 256, 512};
static const uint8_t apb_shift[8] = {0, 0, 0, 0, 1, 2, 3, 4};

static void wait_set(volatile uint32_t *reg, uint32_t mask)
{
    while ((*reg & mask) == 0) {
    }
}

static void wait_clear(volatile uint32_t *reg, uint32_t mask)
{
    while ((*reg & mask) != 0) {
    }
}

void board_clock_init(void)
{
    /* Highest voltage scale first: 250 MHz needs VOS0 (RM0481 §10.4). */
    PWR_VOSCR = (PWR_VOSCR & ~PWR_VOSCR_VOS_MASK) | (3u << PWR_VOSCR_VOS_SHIFT);
    wait_set(&PWR_VOSSR, PWR_VOSSR_VOSRDY);

    /* The ST-LINK drives an 8 MHz clock into OSC_IN: HSE in bypass mode. */
    RCC_CR |= RCC_CR_HSEBYP;
    RCC_CR |= RCC_CR_HSEON;
    wait_set(&RCC_CR, RCC_CR_HSERDY);

    /* PLL1: 8 MHz / M=4 = 2 MHz reference (range 1: 2..4 MHz), x N=250 = 500 MHz VCO (wide), / P=2. */
    RCC_CR &= ~RCC_CR_PLL1ON;
    wait_clear(&RCC_CR, RCC_CR_PLL1RDY);
    RCC_PLL1CFGR = RCC_PLL1SRC_HSE | (1u << RCC_PLL1CFGR_RGE_SHIFT) | (4u << RCC_PLL1CFGR_M_SHIFT) | RCC_PLL1CFGR_PEN |
                   RCC_PLL1CFGR_QEN;
    RCC_PLL1DIVR = (250u - 1u) | ((2u - 1u) << RCC_PLL1DIVR_P_SHIFT) | ((2u - 1u) << RCC_PLL1DIVR_Q_SHIFT) |
                   ((2u - 1u) << RCC_PLL1DIVR_R_SHIFT);
    RCC_PLL1FRACR = 0;
    RCC_CR |= RCC_CR_PLL1ON;
    wait_set(&RCC_CR, RCC_CR_PLL1RDY);

    /* Flash wait states before raising the frequency: 5 WS and WRHIGHFREQ 2 at VOS0, 250 MHz. */
    FLASH_ACR = (FLASH_ACR & ~(FLASH_ACR_LATENCY_MASK | FLASH_ACR_WRHIGHFREQ_MASK)) | 5u |
                (2u << FLASH_ACR_WRHIGHFREQ_SHIFT);
    while ((FLASH_ACR & FLASH_ACR_LATENCY_MASK) != 5u) {
    }

    /* AHB, APB1, APB2, APB3 all undivided. */
    RCC_CFGR2 &= ~(RCC_CFGR2_HPRE_MASK | (7u << RCC_CFGR2_PPRE1_SHIFT) | (7u << RCC_CFGR2_PPRE2_SHIFT) |
                   (7u << RCC_CFGR2_PPRE3_SHIFT));

    RCC_CFGR1 = (RCC_CFGR1 & ~RCC_CFGR1_SW_MASK) | RCC_SOURCE_PLL1;
    while (((RCC_CFGR1 & RCC_CFGR1_SWS_MASK) >> RCC_CFGR1_SWS_SHIFT) != RCC_SOURCE_PLL1) {
    }
}

static uint32_t pll1_p_hz(void)
{
    uint32_t cfgr = RCC_PLL1CFGR;
    uint32_t divr = RCC_PLL1DIVR;
    uint32_t source;
    switch (cfgr & RCC_PLL1CFGR_SRC_MASK) {
    case RCC_PLL1SRC_HSI:
        source = BOARD_HSI_HZ >> ((RCC_CR >> RCC_CR_HSIDIV_SHIFT) & 3u);
        break;
    case RCC_PLL1SRC_CSI:
        source = BOARD_CSI_HZ;
        break;
    case RCC_PLL1SRC_HSE:
        source = BOARD_HSE_HZ;
        break;
    default:
        return 0;
    }
    uint32_t m = (cfgr & RCC_PLL1CFGR_M_MASK) >> RCC_PLL1CFGR_M_SHIFT;
    if (m == 0) {
        return 0;
    }
    uint32_t n = (divr & RCC_PLL1DIVR_N_MASK) + 1u;
    uint32_t p = ((divr >> RCC_PLL1DIVR_P_SHIFT) & 0x7Fu) + 1u;
    uint32_t frac = (cfgr & RCC_PLL1CFGR_FRACEN) ? (RCC_PLL1FRACR >> RCC_PLL1FRACR_FRACN_SHIFT) & 0x1FFFu : 0;
    /* VCO = ref x (N + FRACN / 8192); 64-bit to keep the fraction. */
    uint64_t vco = ((uint64_t)(source / m) * (((uint64_t)n << 13) + frac)) >> 13;
    return (uint32_t)(vco / p);
}

uint32_t board_sysclk_hz(void)
{
    switch ((RCC_CFGR1 & RCC_CFGR1_SWS_MASK) >> RCC_CFGR1_SWS_SHIFT) {
    case RCC_SOURCE_HSI:
        return BOARD_HSI_HZ >> ((RCC_CR >> RCC_CR_HSIDIV_SHIFT) & 3u);
    case RCC_SOURCE_CSI:
        return BOARD_CSI_HZ;
    case RCC_SOURCE_HSE:
        return BOARD_HSE_HZ;
    default:
        return pll1_p_hz();
    }
}

uint32_t board_hclk_hz(void)
{
    return board_sysclk_hz() / ahb_divider[RCC_CFGR2 & RCC_CFGR2_HPRE_MASK];
}

uint32_t board_pclk1_hz(void)
{
    return board_hclk_hz() >> apb_shift[(RCC_CFGR2 >> RCC_CFGR2_PPRE1_SHIFT) & 7u];
}

uint32_t board_apb1_timer_hz(void)
{
    uint32_t ppre = (RCC_CFGR2 >> RCC_CFGR2_PPRE1_SHIFT) & 7u;
    if (ppre < 4) {
        return board_hclk_hz();
    }
    /* TIMPRE=1 lets the timers run at up to HCLK when APB1 is divided by more than 2. */
    if ((RCC_CFGR1 & RCC_CFGR1_TIMPRE) && ppre > 4) {
        return board_pclk1_hz() * 4u;
    }
    return board_pclk1_hz() * 2u;
}

static void gpio_clock(char port)
{
    RCC_AHB2ENR |= RCC_AHB2ENR_GPIOEN(port);
    (void)RCC_AHB2ENR; /* the enable takes effect after a read back, as on silicon */
}

void board_gpio_mode(char port, unsigned pin, unsigned mode)
{
    gpio_clock(port);
    GPIO_MODER(port) = (GPIO_MODER(port) & ~(3u << (2 * pin))) | ((mode & 3u) << (2 * pin));
}

void board_gpio_alternate(char port, unsigned pin, unsigned function)
{
    unsigned index = pin / 8;
    unsigned shift = 4 * (pin % 8);
    gpio_clock(port);
    GPIO_AFR(port, index) = (GPIO_AFR(port, index) & ~(0xFu << shift)) | ((function & 0xFu) << shift);
    board_gpio_mode(port, pin, GPIO_MODE_ALTERNATE);
}

void board_gpio_write(char port, unsigned pin, int level)
{
    GPIO_BSRR(port) = level ? (1u << pin) : (1u << (pin + 16));
}

int board_gpio_read(char port, unsigned pin)
{
    return (int)((GPIO_IDR(port) >> pin) & 1u);
}

void board_led_init(void)
{
    board_gpio_write('B', 0, 0);
    board_gpio_mode('B', 0, GPIO_MODE_OUTPUT);
}

void board_led_set(int on)
{
    board_gpio_write('B', 0, on);
}

void board_led_toggle(void)
{
    board_gpio_write('B', 0, !((GPIO_ODR('B') >> 0) & 1u));
}

static uint32_t usart3_kernel_hz(void)
{
    switch ((RCC_CCIPR1 >> RCC_CCIPR1_USART3SEL_SHIFT) & 7u) {
    case 0:
        return board_pclk1_hz();
    case 3:
        return BOARD_HSI_HZ >> ((RCC_CR >> RCC_CR_HSIDIV_SHIFT) & 3u);
    case 4:
        return BOARD_CSI_HZ;
    default:
        /* PLL2Q, PLL3Q and LSE are not used by this library. */
        return board_pclk1_hz();
    }
}

void console_init(uint32_t baud)
{
    board_gpio_alternate('D', 8, 7);
    board_gpio_alternate('D', 9, 7);
    RCC_APB1LENR |= RCC_APB1LENR_USART3EN;
    (void)RCC_APB1LENR;
    USART_CR1(USART3_BASE) = 0;
    USART_PRESC(USART3_BASE) = 0;
    /* Oversampling by 16: BRR = kernel clock / baud, rounded. */
    USART_BRR(USART3_BASE) = (usart3_kernel_hz() + baud / 2u) / baud;
    USART_CR2(USART3_BASE) = 0;
    USART_CR3(USART3_BASE) = 0;
    /* FIFO mode: TXE reads as TXFNF, so up to eight bytes queue while the line is busy. */
    USART_CR1(USART3_BASE) = USART_CR1_FIFOEN | USART_CR1_TE | USART_CR1_RE | USART_CR1_UE;
    wait_set(&USART_ISR(USART3_BASE), USART_ISR_TEACK | USART_ISR_REACK);
    while ((USART_ISR(USART3_BASE) & (USART_ISR_TEACK | USART_ISR_REACK)) != (USART_ISR_TEACK | USART_ISR_REACK)) {
    }
}

void console_putc(char c)
{
    wait_set(&USART_ISR(USART3_BASE), USART_ISR_TXE);
    USART_TDR(USART3_BASE) = (uint8_t)c;
}

void console_flush(void)
{
    wait_set(&USART_ISR(USART3_BASE), USART_ISR_TC);
}

void console_write(const char *data, unsigned length)
{
    for (unsigned i = 0; i < length; i++) {
        if (data[i] == '\n') {
            console_putc('\r');
        }
        console_putc(data[i]);
    }
    console_flush();
}

void console_puts(const char *text)
{
    unsigned length = 0;
    while (text[length] != '\0') {
        length++;
    }
    console_write(text, length);
}

void console_vprintf(const char *format, va_list args)
{
    char buffer[256];
    int length = h5_vsnprintf(buffer, sizeof buffer, format, args);
    console_write(buffer, (unsigned)length);
}

void console_printf(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    console_vprintf(format, args);
    va_end(args);
}

int console_getc(void)
{
    uint32_t isr = USART_ISR(USART3_BASE);
    if (isr & USART_ISR_ORE) {
        USART_ICR(USART3_BASE) = USART_ICR_ORECF;
    }
    if (isr & USART_ISR_RXNE) {
        return (int)(USART_RDR(USART3_BASE) & 0xFFu);
    }
    return -1;
}

__attribute__((weak)) void board_tick_hook(void)
{
}

static void tim6_interrupt(void)
{
    if (TIM_SR(TIM6_BASE) & TIM_SR_UIF) {
        TIM_SR(TIM6_BASE) = ~TIM_SR_UIF;
        tick_count++;
        board_tick_hook();
    }
}

void board_timebase_init(uint32_t hz)
{
    RCC_APB1LENR |= RCC_APB1LENR_TIM6EN;
    (void)RCC_APB1LENR;
    tick_hz = hz;
    /* 1 MHz counter clock, then ARR for the tick rate. */
    uint32_t timer_hz = board_apb1_timer_hz();
    TIM_CR1(TIM6_BASE) = 0;
    TIM_PSC(TIM6_BASE) = timer_hz / 1000000u - 1u;
    TIM_ARR(TIM6_BASE) = 1000000u / hz - 1u;
    /* UG loads PSC and ARR; URS keeps that forced update from setting UIF. */
    TIM_CR1(TIM6_BASE) = TIM_CR1_URS | TIM_CR1_ARPE;
    TIM_EGR(TIM6_BASE) = TIM_EGR_UG;
    TIM_SR(TIM6_BASE) = 0;
    TIM_DIER(TIM6_BASE) = TIM_DIER_UIE;
    h5_irq_handlers[TIM6_IRQn] = tim6_interrupt;
    nvic_priority(TIM6_IRQn, 0x10);
    nvic_enable(TIM6_IRQn);
    TIM_CR1(TIM6_BASE) |= TIM_CR1_CEN;
    enable_irq();
}

uint32_t board_ticks(void)
{
    return tick_count;
}

void board_delay_ms(uint32_t ms)
{
    uint32_t start = tick_count;
    uint32_t wait = (uint32_t)(((uint64_t)ms * tick_hz + 999u) / 1000u);
    while (tick_count - start < wait) {
        __asm__ volatile("wfi");
    }
}

void board_cycle_counter_init(void)
{
    DEMCR |= 1u << 24; /* TRCENA */
    DWT_CYCCNT = 0;
    DWT_CTRL |= 1u; /* CYCCNTENA */
}

void board_init(void)
{
    board_clock_init();
    board_cycle_counter_init();
    board_led_init();
    console_init(BOARD_CONSOLE_BAUD);
    board_timebase_init(1000);
}
