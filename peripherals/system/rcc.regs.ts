// RM0481 §11 RCC: register map. Offsets and field positions as in stm32h563xx.h; reset values from
// the RM's register descriptions. Bits of the H573 only (AES, SAES, OTFDEC1) are declared on both
// parts: on the H563 they are reserved and nothing reads them.
import type { FieldSpec, RegisterSpec } from '../registers/register-block.js';

const bit = (name: string, position: number, access: FieldSpec['access'] = 'rw'): FieldSpec => ({ name, bit: position, access });
const bits = (name: string, position: number, width: number, access: FieldSpec['access'] = 'rw'): FieldSpec => ({ name, bit: position, width, access });

/** Peripheral enable bits by bus: [name without the EN/RST/LPEN suffix, bit]. */
export const BUS_BITS: Record<'AHB1' | 'AHB2' | 'AHB4' | 'APB1L' | 'APB1H' | 'APB2' | 'APB3', Array<[string, number]>> = {
  AHB1: [['GPDMA1', 0], ['GPDMA2', 1], ['FLITF', 8], ['CRC', 12], ['CORDIC', 14], ['FMAC', 15], ['RAMCFG', 17],
    ['ETH', 19], ['ETHTX', 20], ['ETHRX', 21], ['TZSC1', 24], ['BKPRAM', 28], ['ICACHE', 29], ['DCACHE1', 30], ['SRAM1', 31]],
  AHB2: [['GPIOA', 0], ['GPIOB', 1], ['GPIOC', 2], ['GPIOD', 3], ['GPIOE', 4], ['GPIOF', 5], ['GPIOG', 6], ['GPIOH', 7],
    ['GPIOI', 8], ['ADC', 10], ['DAC1', 11], ['DCMI_PSSI', 12], ['AES', 16], ['HASH', 17], ['RNG', 18], ['PKA', 19],
    ['SAES', 20], ['SRAM2', 30], ['SRAM3', 31]],
  AHB4: [['OTFDEC1', 7], ['SDMMC1', 11], ['SDMMC2', 12], ['FMC', 16], ['OCTOSPI1', 20]],
  APB1L: [['TIM2', 0], ['TIM3', 1], ['TIM4', 2], ['TIM5', 3], ['TIM6', 4], ['TIM7', 5], ['TIM12', 6], ['TIM13', 7],
    ['TIM14', 8], ['WWDG', 11], ['SPI2', 14], ['SPI3', 15], ['USART2', 17], ['USART3', 18], ['UART4', 19], ['UART5', 20],
    ['I2C1', 21], ['I2C2', 22], ['I3C1', 23], ['CRS', 24], ['USART6', 25], ['USART10', 26], ['USART11', 27], ['CEC', 28],
    ['UART7', 30], ['UART8', 31]],
  APB1H: [['UART9', 0], ['UART12', 1], ['DTS', 3], ['LPTIM2', 5], ['FDCAN', 9], ['UCPD1', 23]],
  APB2: [['TIM1', 11], ['SPI1', 12], ['TIM8', 13], ['USART1', 14], ['TIM15', 16], ['TIM16', 17], ['TIM17', 18],
    ['SPI4', 19], ['SPI6', 20], ['SAI1', 21], ['SAI2', 22], ['USB', 24]],
  APB3: [['SBS', 1], ['SPI5', 5], ['LPUART1', 6], ['I2C3', 7], ['I2C4', 8], ['LPTIM1', 11], ['LPTIM3', 12],
    ['LPTIM4', 13], ['LPTIM5', 14], ['LPTIM6', 15], ['VREF', 20], ['RTCAPB', 21]],
};

/** Blocks with a sleep-mode enable but no enable or reset bit (the cache and flash are always clocked). */
const NO_ENABLE = new Set(['ICACHE']);
const NO_RESET = new Set(['FLITF', 'ICACHE', 'DCACHE1', 'BKPRAM', 'SRAM1', 'SRAM2', 'SRAM3', 'ETHTX', 'ETHRX', 'SBS', 'RTCAPB', 'WWDG']);

type Bus = keyof typeof BUS_BITS;

function busRegister(bus: Bus, kind: 'RSTR' | 'ENR' | 'LPENR', offset: number, reset?: number): RegisterSpec {
  const suffix = kind === 'RSTR' ? 'RST' : kind === 'ENR' ? 'EN' : 'LPEN';
  const fields = BUS_BITS[bus]
    .filter(([name]) => (kind === 'ENR' ? !NO_ENABLE.has(name) : kind === 'RSTR' ? !NO_RESET.has(name) && !NO_ENABLE.has(name) : true))
    .map(([name, position]) => bit(`${name}${suffix}`, position));
  // Sleep-mode enables reset to 1 (RM0481 §11.8: every xxxLPEN bit resets set).
  const allSet = fields.reduce((mask, f) => (mask | (1 << f.bit)) >>> 0, 0);
  return { name: `${bus}${kind}`, offset, reset: reset ?? (kind === 'LPENR' ? allSet : 0), fields };
}

function pllRegisters(n: 1 | 2 | 3, cfgOffset: number, divOffset: number): RegisterSpec[] {
  return [
    { name: `PLL${n}CFGR`, offset: cfgOffset, fields: [
      bits(`PLL${n}SRC`, 0, 2), bits(`PLL${n}RGE`, 2, 2), bit(`PLL${n}FRACEN`, 4), bit(`PLL${n}VCOSEL`, 5),
      bits(`PLL${n}M`, 8, 6), bit(`PLL${n}PEN`, 16), bit(`PLL${n}QEN`, 17), bit(`PLL${n}REN`, 18),
    ] },
    // Dividers hold value - 1: the reset value 0x0101_0280 is N = 129, P = Q = R = 2.
    { name: `PLL${n}DIVR`, offset: divOffset, reset: 0x0101_0280, fields: [
      bits(`PLL${n}N`, 0, 9), bits(`PLL${n}P`, 9, 7), bits(`PLL${n}Q`, 16, 7), bits(`PLL${n}R`, 24, 7),
    ] },
    { name: `PLL${n}FRACR`, offset: divOffset + 4, fields: [bits(`PLL${n}FRACN`, 3, 13)] },
  ];
}

const READY_NAMES = ['LSIRDY', 'LSERDY', 'CSIRDY', 'HSIRDY', 'HSERDY', 'HSI48RDY', 'PLL1RDY', 'PLL2RDY', 'PLL3RDY'];

export const RCC_REGISTERS: RegisterSpec[] = [
  // HSI on and ready, undivided (HSIDIV = 00, HSIDIVF = 1): SYSCLK = 64 MHz out of reset.
  { name: 'CR', offset: 0x00, reset: 0x0000_0023, fields: [
    bit('HSION', 0), bit('HSIRDY', 1, 'r'), bit('HSIKERON', 2), bits('HSIDIV', 3, 2), bit('HSIDIVF', 5, 'r'),
    bit('CSION', 8), bit('CSIRDY', 9, 'r'), bit('CSIKERON', 10), bit('HSI48ON', 12), bit('HSI48RDY', 13, 'r'),
    bit('HSEON', 16), bit('HSERDY', 17, 'r'), bit('HSEBYP', 18), bit('HSECSSON', 19, 'w1s'), bit('HSEEXT', 20),
    bit('PLL1ON', 24), bit('PLL1RDY', 25, 'r'), bit('PLL2ON', 26), bit('PLL2RDY', 27, 'r'), bit('PLL3ON', 28), bit('PLL3RDY', 29, 'r'),
  ] },
  // Calibration values are factory trimmed; we report mid-scale trims and zero calibration.
  { name: 'HSICFGR', offset: 0x10, reset: 0x0040_0000, fields: [bits('HSICAL', 0, 12, 'r'), bits('HSITRIM', 16, 7)] },
  { name: 'CRRCR', offset: 0x14, reset: 0x0000_0200, fields: [bits('HSI48CAL', 0, 10, 'r')] },
  { name: 'CSICFGR', offset: 0x18, reset: 0x0020_0000, fields: [bits('CSICAL', 0, 8, 'r'), bits('CSITRIM', 16, 6)] },
  { name: 'CFGR1', offset: 0x1c, fields: [
    bits('SW', 0, 2), bits('SWS', 3, 2, 'r'), bit('STOPWUCK', 6), bit('STOPKERWUCK', 7), bits('RTCPRE', 8, 6), bit('TIMPRE', 15),
    bits('MCO1PRE', 18, 4), bits('MCO1SEL', 22, 3), bits('MCO2PRE', 25, 4), bits('MCO2SEL', 29, 3),
  ] },
  { name: 'CFGR2', offset: 0x20, fields: [
    bits('HPRE', 0, 4), bits('PPRE1', 4, 3), bits('PPRE2', 8, 3), bits('PPRE3', 12, 3),
    bit('AHB1DIS', 16), bit('AHB2DIS', 17), bit('AHB4DIS', 19), bit('APB1DIS', 20), bit('APB2DIS', 21), bit('APB3DIS', 22),
  ] },
  ...pllRegisters(1, 0x28, 0x34).slice(0, 1),
  ...pllRegisters(2, 0x2c, 0x3c).slice(0, 1),
  ...pllRegisters(3, 0x30, 0x44).slice(0, 1),
  ...pllRegisters(1, 0x28, 0x34).slice(1),
  ...pllRegisters(2, 0x2c, 0x3c).slice(1),
  ...pllRegisters(3, 0x30, 0x44).slice(1),
  { name: 'CIER', offset: 0x50, fields: READY_NAMES.map((name, i) => bit(`${name}IE`, i)) },
  { name: 'CIFR', offset: 0x54, fields: [...READY_NAMES.map((name, i) => bit(`${name}F`, i, 'r')), bit('HSECSSF', 10, 'r')] },
  { name: 'CICR', offset: 0x58, fields: [...READY_NAMES.map((name, i) => bit(`${name}C`, i, 'w')), bit('HSECSSC', 10, 'w')] },
  busRegister('AHB1', 'RSTR', 0x60),
  busRegister('AHB2', 'RSTR', 0x64),
  busRegister('AHB4', 'RSTR', 0x6c),
  busRegister('APB1L', 'RSTR', 0x74),
  busRegister('APB1H', 'RSTR', 0x78),
  busRegister('APB2', 'RSTR', 0x7c),
  busRegister('APB3', 'RSTR', 0x80),
  // Flash interface, DCACHE1, BKPSRAM and SRAM1..3 are clocked out of reset.
  busRegister('AHB1', 'ENR', 0x88, 0xd000_0100),
  busRegister('AHB2', 'ENR', 0x8c, 0xc000_0000),
  busRegister('AHB4', 'ENR', 0x94),
  busRegister('APB1L', 'ENR', 0x9c),
  busRegister('APB1H', 'ENR', 0xa0),
  busRegister('APB2', 'ENR', 0xa4),
  busRegister('APB3', 'ENR', 0xa8),
  busRegister('AHB1', 'LPENR', 0xb0),
  busRegister('AHB2', 'LPENR', 0xb4),
  busRegister('AHB4', 'LPENR', 0xbc),
  busRegister('APB1L', 'LPENR', 0xc4),
  busRegister('APB1H', 'LPENR', 0xc8),
  busRegister('APB2', 'LPENR', 0xcc),
  busRegister('APB3', 'LPENR', 0xd0),
  { name: 'CCIPR1', offset: 0xd8, fields: [
    bits('USART1SEL', 0, 3), bits('USART2SEL', 3, 3), bits('USART3SEL', 6, 3), bits('UART4SEL', 9, 3), bits('UART5SEL', 12, 3),
    bits('USART6SEL', 15, 3), bits('UART7SEL', 18, 3), bits('UART8SEL', 21, 3), bits('UART9SEL', 24, 3), bits('USART10SEL', 27, 3),
    bit('TIMICSEL', 31),
  ] },
  { name: 'CCIPR2', offset: 0xdc, fields: [
    bits('USART11SEL', 0, 3), bits('UART12SEL', 4, 3), bits('LPTIM1SEL', 8, 3), bits('LPTIM2SEL', 12, 3),
    bits('LPTIM3SEL', 16, 3), bits('LPTIM4SEL', 20, 3), bits('LPTIM5SEL', 24, 3), bits('LPTIM6SEL', 28, 3),
  ] },
  { name: 'CCIPR3', offset: 0xe0, fields: [
    bits('SPI1SEL', 0, 3), bits('SPI2SEL', 3, 3), bits('SPI3SEL', 6, 3), bits('SPI4SEL', 9, 3), bits('SPI5SEL', 12, 3),
    bits('SPI6SEL', 15, 3), bits('LPUART1SEL', 24, 3),
  ] },
  { name: 'CCIPR4', offset: 0xe4, fields: [
    bits('OCTOSPISEL', 0, 2), bits('SYSTICKSEL', 2, 2), bits('USBSEL', 4, 2), bit('SDMMC1SEL', 6), bit('SDMMC2SEL', 7),
    bits('I2C1SEL', 16, 2), bits('I2C2SEL', 18, 2), bits('I2C3SEL', 20, 2), bits('I2C4SEL', 22, 2), bits('I3C1SEL', 24, 2),
  ] },
  // CKERPSEL is the header's spelling of RM0481's CKPERSEL (per_ck source).
  { name: 'CCIPR5', offset: 0xe8, fields: [
    bits('ADCDACSEL', 0, 3), bit('DACSEL', 3), bits('RNGSEL', 4, 2), bits('CECSEL', 6, 2), bits('FDCANSEL', 8, 2),
    bits('SAI1SEL', 16, 3), bits('SAI2SEL', 19, 3), bits('CKERPSEL', 30, 2),
  ] },
  { name: 'BDCR', offset: 0xf0, fields: [
    bit('LSEON', 0), bit('LSERDY', 1, 'r'), bit('LSEBYP', 2), bits('LSEDRV', 3, 2), bit('LSECSSON', 5), bit('LSECSSD', 6, 'r'),
    bit('LSEEXT', 7), bits('RTCSEL', 8, 2), bit('RTCEN', 15), bit('VSWRST', 16), bit('LSCOEN', 24), bit('LSCOSEL', 25),
    bit('LSION', 26), bit('LSIRDY', 27, 'r'),
  ] },
  // Power-on reset: pin and brown-out reset flags set.
  { name: 'RSR', offset: 0xf4, reset: 0x0c00_0000, fields: [
    bit('RMVF', 23), bit('PINRSTF', 26, 'r'), bit('BORRSTF', 27, 'r'), bit('SFTRSTF', 28, 'r'), bit('IWDGRSTF', 29, 'r'),
    bit('WWDGRSTF', 30, 'r'), bit('LPWRRSTF', 31, 'r'),
  ] },
  { name: 'SECCFGR', offset: 0x110, fields: [
    bit('HSISEC', 0), bit('HSESEC', 1), bit('CSISEC', 2), bit('LSISEC', 3), bit('LSESEC', 4), bit('SYSCLKSEC', 5), bit('PRESCSEC', 6),
    bit('PLL1SEC', 7), bit('PLL2SEC', 8), bit('PLL3SEC', 9), bit('HSI48SEC', 11), bit('RMVFSEC', 12), bit('CKPERSELSEC', 13),
  ], modelled: false },
  { name: 'PRIVCFGR', offset: 0x114, fields: [bit('SPRIV', 0), bit('NSPRIV', 1)], modelled: false },
];
