// What a peripheral model is and what it may see (STYLE.md: a bus master for DMA, its IRQ lines,
// the clock, the logger, and narrow queries to RCC — never the CPU, the engine or another model).
import type { VirtualClock } from '../../emulator/time/virtual-clock.js';
import type { ModelLog } from '../../emulator/diagnostics/access-log.js';
import type { SerialLink } from '../../emulator/ports/serial-link.js';
import type { EthernetLink } from '../../emulator/net/frame-port.js';

export type AccessSize = 1 | 2 | 4;

export interface Peripheral {
  /** Instance name as in the CMSIS header (USART3, RCC, ETH). */
  readonly name: string;
  /** Bytes of address space the block decodes. */
  readonly size: number;
  read(offset: number, size: AccessSize): number;
  write(offset: number, size: AccessSize, value: number): void;
  /** Debug read (GDB, traces): never pops a FIFO, never clears a flag. */
  peek(offset: number, size: AccessSize): number;
  /** Back to reset values (power-on or system reset). */
  reset(): void;
  /**
   * Told where the block sits on the bus (its first, non-secure base) once it is mapped, so log
   * lines name bus addresses whether or not the model's factory was given the base.
   */
  mappedAt?(base: number): void;
  /** Bus address of a register as log lines name it ('ICSR', '+0x3fc'), so the log can add it. */
  registerAddress?(register: string): number | undefined;
  /** Whether writing the same value to `offset` again changes nothing (RegisterSpec.idempotent). */
  idempotentWrite?(offset: number): boolean;
}

/** One interrupt output of a model, wired to an NVIC input by the machine table. */
export interface IrqLine {
  set(level: boolean): void;
  readonly level: boolean;
}

/** Direct access to system memory for DMA-capable models (no FFI per word). */
export interface BusMaster {
  /** True when [address, address+length) is plain memory the model may read or write. */
  isMemory(address: number, length: number): boolean;
  readBytes(address: number, length: number): Uint8Array;
  writeBytes(address: number, data: Uint8Array): void;
  read32(address: number): number;
  write32(address: number, value: number): void;
}

/** What models may ask RCC (DESIGN.md: a clock-enable query, a kernel frequency). */
export interface ClockQuery {
  /** Bus clock of the peripheral is enabled in RCC (xxxEN bit set, not held in reset). */
  isClockEnabled(peripheral: string): boolean;
  /** Kernel clock frequency feeding the peripheral in Hz (0 when the source is off). */
  kernelFrequency(peripheral: string): number;
  /** Frequency of the bus clock the peripheral sits on (HCLK, PCLK1, PCLK2, PCLK3). */
  busFrequency(peripheral: string): number;
  /** Notifies when any clock configuration changes (retime baud rates, timers). */
  onChange(listener: () => void): void;
}

/** A do-nothing clock query for unit tests of models that do not care about RCC. */
export const ALWAYS_CLOCKED: ClockQuery = {
  isClockEnabled: () => true,
  kernelFrequency: () => 64_000_000,
  busFrequency: () => 64_000_000,
  onChange: () => {},
};

export interface PeripheralContext {
  readonly name: string;
  readonly clock: VirtualClock;
  readonly log: ModelLog;
  readonly bus: BusMaster;
  readonly clocks: ClockQuery;
  /** The model's IRQ output called `line` in the machine table (e.g. 'ETH', 'ETH_WKUP'). */
  irq(line?: string): IrqLine;
  /** Host-side services a model may need (character ports, frame ports); keyed by name. */
  readonly host: HostServices;
  /**
   * A named wire between models (GPIO pin → EXTI line, a DMA request, TAMP backup key → SAES).
   * Names are '<INSTANCE>.<signal>', e.g. 'GPIOC.13', 'HASH.dma_request', 'TAMP.BKP0R'.
   */
  signal(name: string): Signal;
}

/** A value on a wire between models; the only way models affect each other. */
export interface Signal {
  readonly value: number;
  set(value: number): void;
  onChange(listener: (value: number) => void): void;
}

export class SignalHub {
  private readonly signals = new Map<string, Signal>();
  get(name: string): Signal {
    let signal = this.signals.get(name);
    if (!signal) {
      let current = 0;
      const listeners: Array<(value: number) => void> = [];
      signal = {
        get value() { return current; },
        set(value: number) {
          if (value === current) return;
          current = value;
          for (const listener of listeners) listener(value);
        },
        onChange(listener) { listeners.push(listener); },
      };
      this.signals.set(name, signal);
    }
    return signal;
  }
}

export interface HostServices {
  /** Entropy source for RNG when the user asked for host entropy; seeded generator otherwise. */
  readonly entropy: 'seeded' | 'host';
  readonly seed: number;
  /** Extra model-specific options from the harness (e.g. hseHz, deviceSecret). */
  readonly options: Record<string, unknown>;
  /** The host side of a UART (USART3 is the NUCLEO's virtual COM port). */
  serial(name: string): SerialLink;
  /** The host side of an Ethernet MAC. */
  ethernet(name: string): EthernetLink;
  /** A model asks for a system reset (IWDG/WWDG timeout); the machine performs it after the current instruction. */
  requestSystemReset(reason: string): void;
}

export class SimpleIrqLine implements IrqLine {
  private current = false;
  constructor(private readonly onChange: (level: boolean) => void = () => {}) {}
  get level(): boolean { return this.current; }
  set(level: boolean): void {
    if (level === this.current) return;
    this.current = level;
    this.onChange(level);
  }
}
