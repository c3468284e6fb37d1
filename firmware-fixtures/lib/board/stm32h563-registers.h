/*
 * Register addresses and bits of the STM32H563 blocks the board library touches (RM0481: §7 FLASH,
 * §10 PWR, §11 RCC, §13 GPIO, §38–41 timers, §50 USART). Non-secure aliases.
 */
#ifndef BOARD_STM32H563_REGISTERS_H
#define BOARD_STM32H563_REGISTERS_H
#include "cortex-m.h"

#define FLASH_R_BASE 0x40022000u
#define PWR_BASE 0x44020800u
#define RCC_BASE 0x44020C00u
#define GPIO_BASE(port) (0x42020000u + 0x400u * (unsigned)((port) - 'A'))
#define USART3_BASE 0x40004800u
#define TIM6_BASE 0x40001000u

#define FLASH_ACR REG32(FLASH_R_BASE + 0x00)
#define FLASH_ACR_LATENCY_MASK 0xFu
#define FLASH_ACR_WRHIGHFREQ_SHIFT 4
#define FLASH_ACR_WRHIGHFREQ_MASK (3u << 4)

#define PWR_VOSCR REG32(PWR_BASE + 0x10)
#define PWR_VOSSR REG32(PWR_BASE + 0x14)
#define PWR_VOSCR_VOS_SHIFT 4
#define PWR_VOSCR_VOS_MASK (3u << 4)
#define PWR_VOSSR_VOSRDY (1u << 3)

#define RCC_CR REG32(RCC_BASE + 0x00)
#define RCC_CFGR1 REG32(RCC_BASE + 0x1C)
#define RCC_CFGR2 REG32(RCC_BASE + 0x20)
#define RCC_PLL1CFGR REG32(RCC_BASE + 0x28)
#define RCC_PLL1DIVR REG32(RCC_BASE + 0x34)
#define RCC_PLL1FRACR REG32(RCC_BASE + 0x38)
#define RCC_AHB2ENR REG32(RCC_BASE + 0x8C)
#define RCC_APB1LENR REG32(RCC_BASE + 0x9C)
#define RCC_CCIPR1 REG32(RCC_BASE + 0xD8)

#define RCC_CR_HSION (1u << 0)
#define RCC_CR_HSIRDY (1u << 1)
#define RCC_CR_HSIDIV_SHIFT 3
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_HSEBYP (1u << 18)
#define RCC_CR_PLL1ON (1u << 24)
#define RCC_CR_PLL1RDY (1u << 25)

#define RCC_CFGR1_SW_MASK 3u
#define RCC_CFGR1_SWS_SHIFT 3
#define RCC_CFGR1_SWS_MASK (3u << 3)
#define RCC_CFGR1_TIMPRE (1u << 15)
#define RCC_SOURCE_HSI 0u
#define RCC_SOURCE_CSI 1u
#define RCC_SOURCE_HSE 2u
#define RCC_SOURCE_PLL1 3u

#define RCC_CFGR2_HPRE_MASK 0xFu
#define RCC_CFGR2_PPRE1_SHIFT 4
#define RCC_CFGR2_PPRE2_SHIFT 8
#define RCC_CFGR2_PPRE3_SHIFT 12

#define RCC_PLL1CFGR_SRC_MASK 3u
#define RCC_PLL1SRC_HSI 1u
#define RCC_PLL1SRC_CSI 2u
#define RCC_PLL1SRC_HSE 3u
#define RCC_PLL1CFGR_RGE_SHIFT 2
#define RCC_PLL1CFGR_VCOSEL (1u << 5)
#define RCC_PLL1CFGR_FRACEN (1u << 4)
#define RCC_PLL1CFGR_M_SHIFT 8
#define RCC_PLL1CFGR_M_MASK (0x3Fu << 8)
#define RCC_PLL1CFGR_PEN (1u << 16)
#define RCC_PLL1CFGR_QEN (1u << 17)
#define RCC_PLL1CFGR_REN (1u << 18)
#define RCC_PLL1DIVR_N_MASK 0x1FFu
#define RCC_PLL1DIVR_P_SHIFT 9
#define RCC_PLL1DIVR_Q_SHIFT 16
#define RCC_PLL1DIVR_R_SHIFT 24
#define RCC_PLL1FRACR_FRACN_SHIFT 3

#define RCC_AHB2ENR_GPIOEN(port) (1u << ((port) - 'A'))
#define RCC_APB1LENR_TIM6EN (1u << 4)
#define RCC_APB1LENR_USART3EN (1u << 18)
#define RCC_CCIPR1_USART3SEL_SHIFT 6

#define GPIO_MODER(port) REG32(GPIO_BASE(port) + 0x00)
#define GPIO_OTYPER(port) REG32(GPIO_BASE(port) + 0x04)
#define GPIO_OSPEEDR(port) REG32(GPIO_BASE(port) + 0x08)
#define GPIO_PUPDR(port) REG32(GPIO_BASE(port) + 0x0C)
#define GPIO_IDR(port) REG32(GPIO_BASE(port) + 0x10)
#define GPIO_ODR(port) REG32(GPIO_BASE(port) + 0x14)
#define GPIO_BSRR(port) REG32(GPIO_BASE(port) + 0x18)
#define GPIO_AFR(port, n) REG32(GPIO_BASE(port) + 0x20 + 4 * (n))
#define GPIO_BRR(port) REG32(GPIO_BASE(port) + 0x28)
#define GPIO_MODE_INPUT 0u
#define GPIO_MODE_OUTPUT 1u
#define GPIO_MODE_ALTERNATE 2u
#define GPIO_MODE_ANALOG 3u

#define USART_CR1(base) REG32((base) + 0x00)
#define USART_CR2(base) REG32((base) + 0x04)
#define USART_CR3(base) REG32((base) + 0x08)
#define USART_BRR(base) REG32((base) + 0x0C)
#define USART_ISR(base) REG32((base) + 0x1C)
#define USART_ICR(base) REG32((base) + 0x20)
#define USART_RDR(base) REG32((base) + 0x24)
#define USART_TDR(base) REG32((base) + 0x28)
#define USART_PRESC(base) REG32((base) + 0x2C)
#define USART_CR1_UE (1u << 0)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_FIFOEN (1u << 29)
#define USART_ISR_ORE (1u << 3)
#define USART_ISR_RXNE (1u << 5)
#define USART_ISR_TC (1u << 6)
#define USART_ISR_TXE (1u << 7)
#define USART_ISR_TEACK (1u << 21)
#define USART_ISR_REACK (1u << 22)
#define USART_ICR_ORECF (1u << 3)

#define TIM_CR1(base) REG32((base) + 0x00)
#define TIM_DIER(base) REG32((base) + 0x0C)
#define TIM_SR(base) REG32((base) + 0x10)
#define TIM_EGR(base) REG32((base) + 0x14)
#define TIM_CNT(base) REG32((base) + 0x24)
#define TIM_PSC(base) REG32((base) + 0x28)
#define TIM_ARR(base) REG32((base) + 0x2C)
#define TIM_CR1_CEN (1u << 0)
#define TIM_CR1_URS (1u << 2)
#define TIM_CR1_ARPE (1u << 7)
#define TIM_DIER_UIE (1u << 0)
#define TIM_SR_UIF (1u << 0)
#define TIM_EGR_UG (1u << 0)

#define TIM6_IRQn 49u
#define USART3_IRQn 60u

#endif
