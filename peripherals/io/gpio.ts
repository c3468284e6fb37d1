// RM0481 §13 GPIO: pin configuration, output data through ODR/BSRR/BRR, input data from the pins,
// the configuration lock sequence, and each pin's level published as the signal 'GPIOx.n'.
import { RegisterPeripheral } from '../core/register-peripheral.js';
import type { Peripheral, PeripheralContext, Signal } from '../core/peripheral.js';
import { gpioRegisters, type GpioPortName } from './gpio.regs.js';

export type PinMode = 'input' | 'output' | 'alternate' | 'analog';
const MODES: PinMode[] = ['input', 'output', 'alternate', 'analog'];

/** What the host (harness, --expect-pin) sees of a port. */
export interface GpioPort {
  readonly port: GpioPortName;
  pinMode(pin: number): PinMode;
  /** The level the port drives: 0 or 1 in output mode, undefined otherwise. */
  outputLevel(pin: number): 0 | 1 | undefined;
  /** The level on the pin as IDR would read it. */
  inputLevel(pin: number): 0 | 1;
  /** An external driver on the pin (a button, a test): 0, 1, or null to release it. */
  drive(pin: number, level: 0 | 1 | null): void;
}

export function isGpioPort(peripheral: Peripheral): peripheral is Peripheral & GpioPort {
  return peripheral instanceof Gpio;
}

export interface GpioOptions {
  port?: GpioPortName;
}

const CONFIG_REGISTERS = ['MODER', 'OTYPER', 'OSPEEDR', 'PUPDR', 'AFRL', 'AFRH'] as const;

export class Gpio extends RegisterPeripheral implements GpioPort {
  readonly port: GpioPortName;
  private readonly pins: Signal[];
  /** External drivers: bit set in `drivenMask` means the pin is driven to the bit in `drivenLevel`. */
  private drivenMask = 0;
  private drivenLevel = 0;
  private lockStep = 0;
  private locked = 0;

  constructor(ctx: PeripheralContext, options: GpioOptions = {}) {
    const port = options.port ?? (ctx.name.replace(/^GPIO/, '') as GpioPortName);
    super(ctx, 0x400, gpioRegisters(port));
    this.port = port;
    this.pins = Array.from({ length: 16 }, (_, pin) => ctx.signal(`GPIO${port}.${pin}`));

    this.regs.on('IDR', { read: () => this.pinLevels() });
    this.regs.on('ODR', { write: () => this.publish() });
    this.regs.on('BSRR', { write: (value) => {
      const set = value & 0xffff;
      const clear = (value >>> 16) & ~set;
      this.regs.set('ODR', (this.regs.get('ODR') | set) & ~clear & 0xffff);
      this.regs.set('BSRR', 0);
      this.publish();
    } });
    this.regs.on('BRR', { write: (value) => {
      this.regs.set('ODR', this.regs.get('ODR') & ~value & 0xffff);
      this.regs.set('BRR', 0);
      this.publish();
    } });
    this.regs.on('LCKR', { write: (value, previous) => this.lockWrite(value, previous), afterRead: () => this.lockRead() });
    for (const name of CONFIG_REGISTERS) {
      this.regs.on(name, { write: (value, previous) => {
        if (this.locked) this.regs.set(name, (value & ~this.lockedMask(name)) | (previous & this.lockedMask(name)));
        this.publish();
      } });
    }
    this.publish();
  }

  pinMode(pin: number): PinMode {
    return MODES[(this.regs.get('MODER') >>> (2 * pin)) & 3]!;
  }

  outputLevel(pin: number): 0 | 1 | undefined {
    if (this.pinMode(pin) !== 'output') return undefined;
    return ((this.regs.get('ODR') >>> pin) & 1) as 0 | 1;
  }

  inputLevel(pin: number): 0 | 1 {
    return ((this.pinLevels() >>> pin) & 1) as 0 | 1;
  }

  drive(pin: number, level: 0 | 1 | null): void {
    const bit = 1 << pin;
    if (level === null) {
      this.drivenMask &= ~bit;
    } else {
      this.drivenMask |= bit;
      this.drivenLevel = level ? this.drivenLevel | bit : this.drivenLevel & ~bit;
    }
    this.publish();
  }

  /** Level of every pin: what the port drives, else an external driver, else the pull resistor. */
  private pinLevels(): number {
    const moder = this.regs.get('MODER');
    const otyper = this.regs.get('OTYPER');
    const odr = this.regs.get('ODR');
    const pupdr = this.regs.get('PUPDR');
    let levels = 0;
    for (let pin = 0; pin < 16; pin++) {
      const bit = 1 << pin;
      const mode = (moder >>> (2 * pin)) & 3;
      const pull = (pupdr >>> (2 * pin)) & 3;
      const external = this.drivenMask & bit ? this.drivenLevel & bit : pull === 1 ? bit : 0;
      let level: number;
      if (mode === 3) level = 0; // analog: the Schmitt trigger is off, IDR reads 0
      else if (mode === 1) level = otyper & bit && odr & bit ? external : odr & bit; // open drain releases on 1
      else level = external;
      levels |= level ? bit : 0;
    }
    return levels;
  }

  private publish(): void {
    const levels = this.pinLevels();
    for (let pin = 0; pin < 16; pin++) this.pins[pin]!.set((levels >>> pin) & 1);
  }

  private lockedMask(register: (typeof CONFIG_REGISTERS)[number]): number {
    let mask = 0;
    for (let pin = 0; pin < 16; pin++) {
      if (!(this.locked & (1 << pin))) continue;
      if (register === 'OTYPER') mask |= 1 << pin;
      else if (register === 'AFRL') { if (pin < 8) mask |= 0xf << (4 * pin); }
      else if (register === 'AFRH') { if (pin >= 8) mask |= 0xf << (4 * (pin - 8)); }
      else mask |= 3 << (2 * pin);
    }
    return mask >>> 0;
  }

  // Lock key sequence: LCKK=1, LCKK=0, LCKK=1 with the same LCK[15:0], then a read.
  private lockWrite(value: number, previous: number): void {
    if (this.locked) {
      this.regs.set('LCKR', previous);
      return;
    }
    const lckk = (value >>> 16) & 1;
    const sameBits = this.lockStep === 0 || (value & 0xffff) === (previous & 0xffff);
    const expected = this.lockStep === 1 ? 0 : 1;
    if (sameBits && lckk === expected && this.lockStep < 3) {
      this.lockStep++;
    } else {
      this.lockStep = lckk === 1 ? 1 : 0;
    }
    this.regs.set('LCKR', value & 0xffff);
  }

  private lockRead(): void {
    if (this.lockStep === 3) {
      this.lockStep = 0;
      this.locked = this.regs.get('LCKR') & 0xffff;
      this.regs.set('LCKR', this.locked | 0x1_0000);
    }
  }

  protected override onReset(): void {
    this.lockStep = 0;
    this.locked = 0;
    this.publish();
  }
}
