// The STM32H5x3 memory map shared by stm32h563.ts and stm32h573.ts (DESIGN.md decision 5).
// Addresses, sizes and IRQ numbers are those of ST's CMSIS device headers (stm32h563xx.h,
// stm32h573xx.h); the block sizes are those of the RM0481 memory map (§2). test/system/machine.test.ts
// checks this table against the reference register map.
import type { MachineDescription, MemoryDescription, PeripheralDescription } from './machine-description.js';

/** A register block that lives inside a bigger block (GPDMA1_Channel3 in GPDMA1): name, type, offset. */
export interface BlockPart {
  name: string;
  type: string;
  offset: number;
}

/**
 * One line of the table. Blocks decode 1 KiB unless `size` says otherwise. Sub-instances that share a
 * block (SAI1_Block_A, HASH_DIGEST, the GPDMA channels) go in `parts` and reach the model as
 * `options.parts`; named stubs also receive their register-block type and size as `options.type`
 * and `options.size`.
 */
function block(
  name: string, type: string, base: number, model: string, irqs: Record<string, number>,
  extra: { size?: number; options?: Record<string, unknown>; parts?: Array<[string, string, number]> } = {},
): PeripheralDescription {
  const options: Record<string, unknown> = { ...extra.options };
  if (extra.parts) options.parts = extra.parts.map(([part, partType, offset]): BlockPart => ({ name: part, type: partType, offset }));
  if (model === 'stub') {
    options.type = type;
    if (extra.size) options.size = extra.size;
  }
  const description: PeripheralDescription = { name, type, base, size: extra.size ?? 0x400, model };
  if (Object.keys(irqs).length > 0) description.irqs = irqs;
  if (Object.keys(options).length > 0) description.options = options;
  return description;
}

/** Blocks present on both the H563 and the H573, by address. */
export const H5_COMMON_PERIPHERALS: PeripheralDescription[] = [
  block('TIM2', 'TIM', 0x4000_0000, 'tim', { TIM2: 45 }, { options: { kind: 'general', width: 32, channels: 4 } }),
  block('TIM3', 'TIM', 0x4000_0400, 'tim', { TIM3: 46 }, { options: { kind: 'general', width: 16, channels: 4 } }),
  block('TIM4', 'TIM', 0x4000_0800, 'tim', { TIM4: 47 }, { options: { kind: 'general', width: 16, channels: 4 } }),
  block('TIM5', 'TIM', 0x4000_0c00, 'tim', { TIM5: 48 }, { options: { kind: 'general', width: 32, channels: 4 } }),
  block('TIM6', 'TIM', 0x4000_1000, 'tim', { TIM6: 49 }, { options: { kind: 'basic', width: 16, channels: 0 } }),
  block('TIM7', 'TIM', 0x4000_1400, 'tim', { TIM7: 50 }, { options: { kind: 'basic', width: 16, channels: 0 } }),
  block('TIM12', 'TIM', 0x4000_1800, 'tim', { TIM12: 120 }, { options: { kind: 'general', width: 16, channels: 2 } }),
  block('TIM13', 'TIM', 0x4000_1c00, 'tim', { TIM13: 121 }, { options: { kind: 'general', width: 16, channels: 1 } }),
  block('TIM14', 'TIM', 0x4000_2000, 'tim', { TIM14: 122 }, { options: { kind: 'general', width: 16, channels: 1 } }),
  block('WWDG', 'WWDG', 0x4000_2c00, 'wwdg', { WWDG: 0 }),
  block('IWDG', 'IWDG', 0x4000_3000, 'iwdg', { IWDG: 35 }),
  block('SPI2', 'SPI', 0x4000_3800, 'stub', { SPI2: 56 }),
  block('SPI3', 'SPI', 0x4000_3c00, 'stub', { SPI3: 57 }),
  block('USART2', 'USART', 0x4000_4400, 'usart', { USART2: 59 }, { options: { kind: 'usart' } }),
  block('USART3', 'USART', 0x4000_4800, 'usart', { USART3: 60 }, { options: { kind: 'usart' } }),
  block('UART4', 'USART', 0x4000_4c00, 'usart', { UART4: 61 }, { options: { kind: 'uart' } }),
  block('UART5', 'USART', 0x4000_5000, 'usart', { UART5: 62 }, { options: { kind: 'uart' } }),
  block('I2C1', 'I2C', 0x4000_5400, 'stub', { I2C1_EV: 51, I2C1_ER: 52 }),
  block('I2C2', 'I2C', 0x4000_5800, 'stub', { I2C2_EV: 53, I2C2_ER: 54 }),
  block('I3C1', 'I3C', 0x4000_5c00, 'stub', { I3C1_EV: 123, I3C1_ER: 124 }),
  block('CRS', 'CRS', 0x4000_6000, 'stub', { CRS: 75 }),
  block('USART6', 'USART', 0x4000_6400, 'usart', { USART6: 85 }, { options: { kind: 'usart' } }),
  block('USART10', 'USART', 0x4000_6800, 'usart', { USART10: 86 }, { options: { kind: 'usart' } }),
  block('USART11', 'USART', 0x4000_6c00, 'usart', { USART11: 87 }, { options: { kind: 'usart' } }),
  block('CEC', 'CEC', 0x4000_7000, 'stub', { CEC: 119 }),
  block('UART7', 'USART', 0x4000_7800, 'usart', { UART7: 98 }, { options: { kind: 'uart' } }),
  block('UART8', 'USART', 0x4000_7c00, 'usart', { UART8: 99 }, { options: { kind: 'uart' } }),
  block('UART9', 'USART', 0x4000_8000, 'usart', { UART9: 100 }, { options: { kind: 'uart' } }),
  block('UART12', 'USART', 0x4000_8400, 'usart', { UART12: 101 }, { options: { kind: 'uart' } }),
  block('DTS', 'DTS', 0x4000_8c00, 'stub', { DTS: 113 }),
  block('LPTIM2', 'LPTIM', 0x4000_9400, 'stub', { LPTIM2: 70 }),
  block('FDCAN1', 'FDCAN_Global', 0x4000_a400, 'stub', { FDCAN1_IT0: 39, FDCAN1_IT1: 40 }, { parts: [['FDCAN1', 'FDCAN_Global', 0x0], ['FDCAN_CONFIG', 'FDCAN_Config', 0x100]] }),
  block('FDCAN2', 'FDCAN_Global', 0x4000_a800, 'stub', { FDCAN2_IT0: 109, FDCAN2_IT1: 110 }),
  block('SRAMCAN', 'SRAMCAN', 0x4000_ac00, 'stub', {}, { size: 0x800, options: { storage: true } }),
  block('UCPD1', 'UCPD', 0x4000_dc00, 'stub', { UCPD1: 76 }),
  block('TIM1', 'TIM', 0x4001_2c00, 'tim', { TIM1_BRK: 41, TIM1_UP: 42, TIM1_TRG_COM: 43, TIM1_CC: 44 }, { options: { kind: 'advanced', width: 16, channels: 4 } }),
  block('SPI1', 'SPI', 0x4001_3000, 'stub', { SPI1: 55 }),
  block('TIM8', 'TIM', 0x4001_3400, 'tim', { TIM8_BRK: 65, TIM8_UP: 66, TIM8_TRG_COM: 67, TIM8_CC: 68 }, { options: { kind: 'advanced', width: 16, channels: 4 } }),
  block('USART1', 'USART', 0x4001_3800, 'usart', { USART1: 58 }, { options: { kind: 'usart' } }),
  block('TIM15', 'TIM', 0x4001_4000, 'tim', { TIM15: 71 }, { options: { kind: 'general', width: 16, channels: 2 } }),
  block('TIM16', 'TIM', 0x4001_4400, 'tim', { TIM16: 72 }, { options: { kind: 'general', width: 16, channels: 1 } }),
  block('TIM17', 'TIM', 0x4001_4800, 'tim', { TIM17: 73 }, { options: { kind: 'general', width: 16, channels: 1 } }),
  block('SPI4', 'SPI', 0x4001_4c00, 'stub', { SPI4: 82 }),
  block('SPI6', 'SPI', 0x4001_5000, 'stub', { SPI6: 84 }),
  block('SAI1', 'SAI', 0x4001_5400, 'stub', { SAI1: 88 }, { parts: [['SAI1_Block_A', 'SAI_Block', 0x4], ['SAI1_Block_B', 'SAI_Block', 0x24]] }),
  block('SAI2', 'SAI', 0x4001_5800, 'stub', { SAI2: 89 }, { parts: [['SAI2_Block_A', 'SAI_Block', 0x4], ['SAI2_Block_B', 'SAI_Block', 0x24]] }),
  block('USB_DRD_FS', 'USB_DRD', 0x4001_6000, 'stub', { USB_DRD_FS: 74 }),
  block('USB_DRD_PMA', 'USB_DRD_PMA', 0x4001_6400, 'stub', {}, { size: 0x800, options: { storage: true } }),
  block('GPDMA1', 'DMA', 0x4002_0000, 'stub', { GPDMA1_Channel0: 27, GPDMA1_Channel1: 28, GPDMA1_Channel2: 29, GPDMA1_Channel3: 30, GPDMA1_Channel4: 31, GPDMA1_Channel5: 32, GPDMA1_Channel6: 33, GPDMA1_Channel7: 34 }, { size: 0x1000, parts: [['GPDMA1_Channel0', 'DMA_Channel', 0x50], ['GPDMA1_Channel1', 'DMA_Channel', 0xd0], ['GPDMA1_Channel2', 'DMA_Channel', 0x150], ['GPDMA1_Channel3', 'DMA_Channel', 0x1d0], ['GPDMA1_Channel4', 'DMA_Channel', 0x250], ['GPDMA1_Channel5', 'DMA_Channel', 0x2d0], ['GPDMA1_Channel6', 'DMA_Channel', 0x350], ['GPDMA1_Channel7', 'DMA_Channel', 0x3d0]] }),
  block('GPDMA2', 'DMA', 0x4002_1000, 'stub', { GPDMA2_Channel0: 90, GPDMA2_Channel1: 91, GPDMA2_Channel2: 92, GPDMA2_Channel3: 93, GPDMA2_Channel4: 94, GPDMA2_Channel5: 95, GPDMA2_Channel6: 96, GPDMA2_Channel7: 97 }, { size: 0x1000, parts: [['GPDMA2_Channel0', 'DMA_Channel', 0x50], ['GPDMA2_Channel1', 'DMA_Channel', 0xd0], ['GPDMA2_Channel2', 'DMA_Channel', 0x150], ['GPDMA2_Channel3', 'DMA_Channel', 0x1d0], ['GPDMA2_Channel4', 'DMA_Channel', 0x250], ['GPDMA2_Channel5', 'DMA_Channel', 0x2d0], ['GPDMA2_Channel6', 'DMA_Channel', 0x350], ['GPDMA2_Channel7', 'DMA_Channel', 0x3d0]] }),
  block('FLASH', 'FLASH', 0x4002_2000, 'flash', { FLASH: 6, FLASH_S: 7 }),
  block('CRC', 'CRC', 0x4002_3000, 'crc', {}),
  block('CORDIC', 'CORDIC', 0x4002_3800, 'stub', { CORDIC: 111 }),
  block('FMAC', 'FMAC', 0x4002_3c00, 'stub', { FMAC: 112 }),
  block('RAMCFG', 'RAMCFG', 0x4002_6000, 'ramcfg', { RAMCFG: 5 }, { parts: [['RAMCFG_SRAM1', 'RAMCFG', 0x0], ['RAMCFG_SRAM2', 'RAMCFG', 0x40], ['RAMCFG_SRAM3', 'RAMCFG', 0x80], ['RAMCFG_BKPRAM', 'RAMCFG', 0x100]] }),
  block('ETH', 'ETH', 0x4002_8000, 'eth', { ETH: 106, ETH_WKUP: 107 }, { size: 0x2000, parts: [['ETH_MAC', 'ETH', 0x0]] }),
  block('ICACHE', 'ICACHE', 0x4003_0400, 'icache', { ICACHE: 104 }),
  block('DCACHE1', 'DCACHE', 0x4003_1400, 'dcache', { DCACHE1: 105 }),
  block('GTZC_TZSC1', 'GTZC_TZSC', 0x4003_2400, 'stub', {}),
  block('GTZC_TZIC1', 'GTZC_TZIC', 0x4003_2800, 'stub', { GTZC: 8 }),
  block('GTZC_MPCBB1', 'GTZC_MPCBB', 0x4003_2c00, 'stub', {}),
  block('GTZC_MPCBB2', 'GTZC_MPCBB', 0x4003_3000, 'stub', {}),
  block('GTZC_MPCBB3', 'GTZC_MPCBB', 0x4003_3400, 'stub', {}),
  block('BKPSRAM', 'BKPSRAM', 0x4003_6400, 'bkpsram', {}, { size: 0x1000 }),
  block('GPIOA', 'GPIO', 0x4202_0000, 'gpio', {}, { options: { port: 'A' } }),
  block('GPIOB', 'GPIO', 0x4202_0400, 'gpio', {}, { options: { port: 'B' } }),
  block('GPIOC', 'GPIO', 0x4202_0800, 'gpio', {}, { options: { port: 'C' } }),
  block('GPIOD', 'GPIO', 0x4202_0c00, 'gpio', {}, { options: { port: 'D' } }),
  block('GPIOE', 'GPIO', 0x4202_1000, 'gpio', {}, { options: { port: 'E' } }),
  block('GPIOF', 'GPIO', 0x4202_1400, 'gpio', {}, { options: { port: 'F' } }),
  block('GPIOG', 'GPIO', 0x4202_1800, 'gpio', {}, { options: { port: 'G' } }),
  block('GPIOH', 'GPIO', 0x4202_1c00, 'gpio', {}, { options: { port: 'H' } }),
  block('GPIOI', 'GPIO', 0x4202_2000, 'gpio', {}, { options: { port: 'I' } }),
  block('ADC12', 'ADC', 0x4202_8000, 'stub', { ADC1: 37, ADC2: 69 }, { parts: [['ADC1', 'ADC', 0x0], ['ADC2', 'ADC', 0x100], ['ADC12_COMMON', 'ADC_Common', 0x300]] }),
  block('DAC1', 'DAC', 0x4202_8400, 'stub', { DAC1: 38 }),
  block('DCMI', 'DCMI', 0x4202_c000, 'stub', { DCMI_PSSI: 108 }),
  block('PSSI', 'PSSI', 0x4202_c400, 'stub', { DCMI_PSSI: 108 }),
  block('HASH', 'HASH', 0x420c_0400, 'hash', { HASH: 117 }, { parts: [['HASH_DIGEST', 'HASH_DIGEST', 0x310]] }),
  block('RNG', 'RNG', 0x420c_0800, 'rng', { RNG: 114 }),
  block('PKA', 'PKA', 0x420c_2000, 'pka', { PKA: 118 }, { size: 0x2000 }),
  block('SBS', 'SBS', 0x4400_0400, 'sbs', {}),
  block('SPI5', 'SPI', 0x4400_2000, 'stub', { SPI5: 83 }),
  block('LPUART1', 'USART', 0x4400_2400, 'usart', { LPUART1: 63 }, { options: { kind: 'lpuart' } }),
  block('I2C3', 'I2C', 0x4400_2800, 'stub', { I2C3_EV: 80, I2C3_ER: 81 }),
  block('I2C4', 'I2C', 0x4400_2c00, 'stub', { I2C4_EV: 125, I2C4_ER: 126 }),
  block('LPTIM1', 'LPTIM', 0x4400_4400, 'stub', { LPTIM1: 64 }),
  block('LPTIM3', 'LPTIM', 0x4400_4800, 'stub', { LPTIM3: 127 }),
  block('LPTIM4', 'LPTIM', 0x4400_4c00, 'stub', { LPTIM4: 128 }),
  block('LPTIM5', 'LPTIM', 0x4400_5000, 'stub', { LPTIM5: 129 }),
  block('LPTIM6', 'LPTIM', 0x4400_5400, 'stub', { LPTIM6: 130 }),
  block('VREFBUF', 'VREFBUF', 0x4400_7400, 'stub', {}),
  block('RTC', 'RTC', 0x4400_7800, 'rtc', { RTC: 2, RTC_S: 3 }),
  block('TAMP', 'TAMP', 0x4400_7c00, 'tamp', { TAMP: 4 }),
  block('PWR', 'PWR', 0x4402_0800, 'pwr', { PVD_AVD: 1 }),
  block('RCC', 'RCC', 0x4402_0c00, 'rcc', { RCC: 9, RCC_S: 10 }),
  block('EXTI', 'EXTI', 0x4402_2000, 'exti', { EXTI0: 11, EXTI1: 12, EXTI2: 13, EXTI3: 14, EXTI4: 15, EXTI5: 16, EXTI6: 17, EXTI7: 18, EXTI8: 19, EXTI9: 20, EXTI10: 21, EXTI11: 22, EXTI12: 23, EXTI13: 24, EXTI14: 25, EXTI15: 26 }),
  block('DBGMCU', 'DBGMCU', 0x4402_4000, 'dbgmcu', {}, { size: 0x1000 }),
  block('SDMMC1', 'SDMMC', 0x4600_8000, 'stub', { SDMMC1: 79 }),
  block('DLYB_SDMMC1', 'DLYB', 0x4600_8400, 'stub', {}),
  block('DLYB_SDMMC2', 'DLYB', 0x4600_8800, 'stub', {}),
  block('SDMMC2', 'SDMMC', 0x4600_8c00, 'stub', { SDMMC2: 102 }),
  block('DLYB_OCTOSPI1', 'DLYB', 0x4600_f000, 'stub', {}),
  block('FMC', 'FMC', 0x4700_0400, 'stub', { FMC: 77 }, { parts: [['FMC_Bank1_R', 'FMC_Bank1', 0x0], ['FMC_Bank3_R', 'FMC_Bank3', 0x80], ['FMC_Bank1E_R', 'FMC_Bank1E', 0x104], ['FMC_Bank5_6_R', 'FMC_Bank5_6', 0x140]] }),
  block('OCTOSPI1', 'OCTOSPI', 0x4700_1400, 'stub', { OCTOSPI1: 78 }),
];

/** Blocks of the H573 only (the cryptographic accelerators and on-the-fly decryption). */
export const H573_ONLY_PERIPHERALS: PeripheralDescription[] = [
  block('AES', 'AES', 0x420c_0000, 'aes', { AES: 116 }),
  block('SAES', 'AES', 0x420c_0c00, 'saes', { SAES: 36 }),
  block('OTFDEC1', 'OTFDEC', 0x4600_5000, 'stub', { OTFDEC1: 115 }, { parts: [['OTFDEC1_REGION1', 'OTFDEC_Region', 0x20], ['OTFDEC1_REGION2', 'OTFDEC_Region', 0x50], ['OTFDEC1_REGION3', 'OTFDEC_Region', 0x80], ['OTFDEC1_REGION4', 'OTFDEC_Region', 0xb0]] }),
];

export const FLASH_SIZE = 2 * 1024 * 1024;
/** Device-information words in the read-only area after the OTP (RM0481 device electronic signature: UID, flash size, package). */
export const UID_BASE = 0x08ff_f800;
export const FLASHSIZE_BASE = 0x08ff_f80c;
export const PACKAGE_BASE = 0x08ff_f80e;
/** A fixed, plausible 96-bit unique ID (wafer X/Y in BCD, wafer number and lot number in ASCII). */
export const DEVICE_UID = [0x0035_0021, 0x3133_5108, 0x3233_3732] as const;
/** NUCLEO-H563ZI carries the LQFP144 package (LL_UTILS_PACKAGETYPE_LQFP144). */
export const DEVICE_PACKAGE = 0x0004;

const erased = (data: Uint8Array): void => { data.fill(0xff); };

export const H5_MEMORIES: MemoryDescription[] = [
  { name: 'FLASH', base: 0x0800_0000, size: FLASH_SIZE, secureAlias: 0x0c00_0000, writable: false, executable: true, initialise: erased },
  {
    // 0x08FF_F000: 2 KiB of OTP (erased) followed by the read-only device information.
    name: 'OTP_INFO', base: 0x08ff_f000, size: 0x1000, writable: false, executable: false,
    initialise: (data) => {
      data.fill(0xff);
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      DEVICE_UID.forEach((word, i) => view.setUint32(UID_BASE - 0x08ff_f000 + 4 * i, word, true));
      view.setUint16(FLASHSIZE_BASE - 0x08ff_f000, FLASH_SIZE / 1024, true);
      view.setUint16(PACKAGE_BASE - 0x08ff_f000, DEVICE_PACKAGE, true);
    },
  },
  // System flash (ST bootloader, RSS library): present but blank, since its contents are ST's.
  { name: 'SYSTEM_FLASH', base: 0x0bf8_0000, size: 0x1_0000, secureAlias: 0x0ff8_0000, writable: false, executable: true, initialise: erased },
  { name: 'SRAM1', base: 0x2000_0000, size: 0x4_0000, secureAlias: 0x3000_0000, writable: true, executable: true },
  { name: 'SRAM2', base: 0x2004_0000, size: 0x1_0000, secureAlias: 0x3004_0000, writable: true, executable: true },
  { name: 'SRAM3', base: 0x2005_0000, size: 0x5_0000, secureAlias: 0x3005_0000, writable: true, executable: true },
];

/**
 * The machine description shared by both parts; the H573 adds its own blocks. `options` adds model
 * options per instance (the H563's PKA runs in limited mode, RM0481 §36.3).
 */
export function h5Machine(name: string, extra: PeripheralDescription[], options: Record<string, Record<string, unknown>> = {}): MachineDescription {
  const peripherals = [...H5_COMMON_PERIPHERALS, ...extra]
    .map((p) => (options[p.name] ? { ...p, options: { ...p.options, ...options[p.name] } } : p))
    .sort((a, b) => a.base - b.base);
  const irqNames: Record<number, string> = {};
  for (const p of peripherals) for (const [line, number] of Object.entries(p.irqs ?? {})) irqNames[number] ??= line;
  return {
    name,
    bootAddress: 0x0800_0000,
    irqNames,
    externalInterrupts: 131,
    priorityBits: 4,
    // RCC_CR resets to 0x0000_0023: HSI on and ready, HSIDIV = /1, so SYSCLK = 64 MHz (ST's SVD reset
    // value; HAL_RCC_DeInit also restores HSIDIV = 0 and SystemCoreClock = HSI_VALUE).
    resetFrequencyHz: 64_000_000,
    memories: H5_MEMORIES,
    peripherals,
  };
}
