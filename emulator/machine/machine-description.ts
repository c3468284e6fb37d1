// The shape of a machine table (DESIGN.md decision 5). `stm32h563.ts` and `stm32h573.ts` are the
// only places where addresses, sizes and IRQ numbers are written.

export interface MemoryDescription {
  name: string;
  base: number;
  size: number;
  /** Secure alias (e.g. flash 0x0C00_0000 mirrors 0x0800_0000). */
  secureAlias?: number;
  writable: boolean;
  executable: boolean;
  /** Fills the reset contents (device-information words, erased flash). */
  initialise?: (data: Uint8Array) => void;
}

export interface PeripheralDescription {
  /** Instance name from the CMSIS header. */
  name: string;
  /** Register-block type from the CMSIS header (USART, TIM, GPIO, ...). */
  type: string;
  /** Non-secure base address. */
  base: number;
  /** Bytes decoded by the block. */
  size: number;
  /** Secure alias; by default base + 0x1000_0000 for addresses in 0x4000_0000..0x4FFF_FFFF. */
  secureAlias?: number | null;
  /** Key of the model in peripherals/registry.ts, or 'stub' for a named stub. */
  model: string;
  /** Output line name → NVIC input number. The first one is the default line. */
  irqs?: Record<string, number>;
  /** Model-specific constants (e.g. the number of channels, the timer width). */
  options?: Record<string, unknown>;
}

export interface MachineDescription {
  name: string;
  /** Number of external interrupt inputs of the NVIC. */
  externalInterrupts: number;
  priorityBits: number;
  /** SYSCLK out of reset (HSI at 64 MHz on the STM32H5: RCC_CR resets with HSIDIV = /1). */
  resetFrequencyHz: number;
  /** Where the vector table is fetched at reset (VTOR's reset value): flash on the STM32H5. */
  bootAddress?: number;
  /** CMSIS names of the external interrupts, for messages (IRQ number → name). */
  irqNames?: Record<number, string>;
  memories: MemoryDescription[];
  peripherals: PeripheralDescription[];
}
