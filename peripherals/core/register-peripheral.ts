// Base for models built on a declarative register table: reads and writes go to the table,
// behaviour hangs on it with `regs.on(...)`.
import { RegisterBlock, type RegisterSpec } from '../registers/register-block.js';
import type { AccessSize, Peripheral, PeripheralContext } from './peripheral.js';

export abstract class RegisterPeripheral implements Peripheral {
  readonly name: string;
  readonly regs: RegisterBlock;

  constructor(protected readonly ctx: PeripheralContext, readonly size: number, specs: RegisterSpec[], baseAddress = 0) {
    this.name = ctx.name;
    this.regs = new RegisterBlock(ctx.name, specs, ctx.log, baseAddress);
  }

  read(offset: number, size: AccessSize): number {
    return this.regs.read(offset, size);
  }

  write(offset: number, size: AccessSize, value: number): void {
    this.regs.write(offset, size, value);
  }

  peek(offset: number, size: AccessSize): number {
    return this.regs.peek(offset, size);
  }

  idempotentWrite(offset: number): boolean {
    return this.regs.isIdempotent(offset);
  }

  reset(): void {
    this.regs.reset();
    this.onReset();
  }

  mappedAt(base: number): void {
    this.regs.baseAddress = base;
  }

  registerAddress(register: string): number | undefined {
    return this.regs.addressOf(register);
  }

  /** Model state beyond the registers goes back to reset here. */
  protected onReset(): void {}
}
