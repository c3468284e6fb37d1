// RM0481 §36 PKA (public key accelerator). The firmware writes operands into the PKA RAM, selects
// an operation in CR.MODE and sets START; the PKA is BUSY for a number of cycles that grows with
// the operand sizes, then writes its results (and a status word where the operation has one) and
// raises PROCENDF. The CPU may not touch the RAM while BUSY (RAMERRF), nor decode addresses the
// block does not have (ADDRERRF); an unknown MODE raises OPERRF and nothing starts.
// RM0481 §36.3: the STM32H563 (and H523/H562) PKA runs in limited mode, where ECDSA verification is
// the only operation; the machine table says so with the option `limited: true`.
import type { AccessSize, IrqLine, PeripheralContext } from '../core/peripheral.js';
import { RegisterPeripheral } from '../core/register-peripheral.js';
import type { ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import {
  CR_ADDRERRIE, CR_EN, CR_MODE_MASK, CR_MODE_SHIFT, CR_OPERRIE, CR_PROCENDIE, CR_RAMERRIE, CR_START,
  PKA_BLOCK_SIZE, PKA_RAM_END, PKA_RAM_OFFSET, PKA_REGISTERS,
  SR_ADDRERRF, SR_BUSY, SR_FLAGS, SR_INITOK, SR_OPERRF, SR_PROCENDF, SR_RAMERRF,
} from './pka.regs.js';
import { PkaMode, PkaRam } from './pka-ram-layout.js';
import { runOperation, type OperationOutcome } from './pka-operations.js';

/** After reset the PKA erases its RAM, one word per cycle; EN cannot be set meanwhile. */
const RAM_ERASE_CYCLES = 1334;
/** From EN set to INITOK (the PKA initialises its RAM scrambling). */
const INIT_CYCLES = 64;
/** An operation whose operand sizes are rejected still takes a few cycles before PROCENDF. */
const REJECT_CYCLES = 20;

const REGISTERS_END = 0x0c;

export interface PkaOptions {
  /** Address of the block, for messages. */
  baseAddress?: number;
  /** ECDSA verification only (STM32H523/H562/H563, RM0481 §36.3). */
  limited?: boolean;
}

export class Pka extends RegisterPeripheral {
  readonly ram = new PkaRam();
  private readonly irq: IrqLine;
  private eraseUntil = 0;
  private initEvent: ScheduledEvent | null = null;
  private operation: ScheduledEvent | null = null;
  private initialised = false;
  private readonly baseAddress: number;

  private readonly limited: boolean;

  constructor(ctx: PeripheralContext, options: PkaOptions = {}) {
    const baseAddress = options.baseAddress ?? 0;
    super(ctx, PKA_BLOCK_SIZE, PKA_REGISTERS, baseAddress);
    this.baseAddress = baseAddress;
    this.limited = options.limited ?? false;
    this.irq = ctx.irq();
    this.regs.on('CR', { write: (value, previous) => this.onControlWrite(value, previous) });
    this.regs.on('SR', { read: () => this.status(), peek: () => this.status() });
    this.regs.on('CLRFR', {
      write: (value) => {
        this.regs.setBits('SR', value & SR_FLAGS, false);
        this.regs.set('CLRFR', 0);
        this.updateIrq();
      },
    });
    this.onReset();
  }

  get busy(): boolean {
    return this.operation !== null;
  }

  override read(offset: number, size: AccessSize): number {
    if (offset < REGISTERS_END) return super.read(offset, size);
    if (!this.ramAccess(offset, size, 'read')) return 0;
    const word = this.ram.word(offset & ~3);
    return size === 4 ? word : (word >>> ((offset & 3) * 8)) & (size === 1 ? 0xff : 0xffff);
  }

  override write(offset: number, size: AccessSize, value: number): void {
    if (offset < REGISTERS_END) return super.write(offset, size, value);
    // Only single 32-bit accesses reach the RAM: narrower writes are ignored (an AHB error on silicon).
    if (!this.ramAccess(offset, size, 'write', value) || size !== 4) return;
    this.ram.setWord(offset, value);
  }

  override peek(offset: number, size: AccessSize): number {
    if (offset < REGISTERS_END) return super.peek(offset, size);
    if (offset < PKA_RAM_OFFSET || offset >= PKA_RAM_END) return 0;
    const word = this.ram.word(offset & ~3);
    return size === 4 ? word : (word >>> ((offset & 3) * 8)) & (size === 1 ? 0xff : 0xffff);
  }

  protected override onReset(): void {
    this.initEvent?.cancel();
    this.operation?.cancel();
    this.initEvent = null;
    this.operation = null;
    this.initialised = false;
    this.ram.clear();
    this.eraseUntil = this.ctx.clock.now + RAM_ERASE_CYCLES;
    this.updateIrq();
  }

  /** Access checks for everything past CLRFR: reserved space and RAM while busy. */
  private ramAccess(offset: number, size: AccessSize, access: 'read' | 'write', value?: number): boolean {
    const address = this.baseAddress + offset;
    if (offset < PKA_RAM_OFFSET || offset >= PKA_RAM_END) {
      this.raise(SR_ADDRERRF);
      this.ctx.log.guestError('access to an address the PKA does not decode', { address, size, access, value, register: `+0x${offset.toString(16)}` });
      return false;
    }
    if (this.busy) {
      this.raise(SR_RAMERRF);
      this.ctx.log.guestError('PKA RAM accessed while the PKA is busy', { address, size, access, value, register: 'RAM' });
      return false;
    }
    if (size !== 4) this.ctx.log.guestError('PKA RAM takes only 32-bit accesses (narrower writes are ignored)', { address, size, access, value, register: 'RAM' });
    return true;
  }

  private status(): number {
    let sr = this.regs.get('SR') & SR_FLAGS;
    if (this.initialised) sr |= SR_INITOK;
    if (this.busy) sr |= SR_BUSY;
    return sr >>> 0;
  }

  private onControlWrite(value: number, previous: number): void {
    // EN cannot be set while the RAM erase that follows a reset is in progress.
    if ((value & CR_EN) && !(previous & CR_EN) && this.ctx.clock.now < this.eraseUntil) {
      this.regs.setBits('CR', CR_EN, false);
    }
    const cr = this.regs.get('CR');
    if (!(cr & CR_EN)) {
      // Clearing EN aborts any operation; the RAM contents are then undefined (we keep them).
      this.operation?.cancel();
      this.operation = null;
      this.initEvent?.cancel();
      this.initEvent = null;
      this.initialised = false;
    } else if (!(previous & CR_EN) && !this.initialised && !this.initEvent) {
      this.initEvent = this.ctx.clock.afterCycles(INIT_CYCLES, () => {
        this.initEvent = null;
        this.initialised = true;
      }, 'PKA INITOK');
    }
    if (value & CR_START) {
      this.regs.setBits('CR', CR_START, false);
      this.start();
    }
    this.updateIrq();
  }

  private start(): void {
    const cr = this.regs.get('CR');
    // START is ignored while disabled, before initialisation and while an operation runs.
    if (!(cr & CR_EN) || !this.initialised || this.busy) return;
    const mode = (cr & CR_MODE_MASK) >>> CR_MODE_SHIFT;
    if (this.limited && mode !== PkaMode.ECDSA_VERIFY) {
      this.ctx.log.guestError(`PKA mode 0x${mode.toString(16)} is not available: this device's PKA only verifies ECDSA signatures (RM0481 §36.3)`, { register: 'CR', field: 'MODE', value: cr });
      this.raise(SR_OPERRF);
      return;
    }
    let outcome: OperationOutcome | null;
    try {
      outcome = runOperation(mode, this.ram);
    } catch (error) {
      // A fault in our arithmetic must not take the simulation down: report it, fail the operation.
      this.ctx.log.unimplemented(`PKA mode 0x${mode.toString(16)} failed in the model: ${String(error)}`, { register: 'CR', field: 'MODE' });
      outcome = { writes: [], cycles: REJECT_CYCLES, operationError: true };
    }
    if (outcome === null) {
      this.ctx.log.guestError(`PKA mode 0x${mode.toString(16)} does not exist`, { register: 'CR', field: 'MODE', value: cr });
      this.raise(SR_OPERRF);
      return;
    }
    const result = outcome;
    const label = `PKA mode 0x${mode.toString(16)}`;
    // The PKA counts AHB clock cycles; with an AHB prescaler HCLK runs slower than the CPU clock.
    const hclk = this.ctx.clocks.busFrequency(this.name);
    const cycles = Math.max(1, result.cycles);
    this.operation = hclk > 0
      ? this.ctx.clock.afterSeconds(cycles / hclk, () => this.finish(result), label)
      : this.ctx.clock.afterCycles(cycles, () => this.finish(result), label);
  }

  private finish(outcome: OperationOutcome): void {
    this.operation = null;
    for (const write of outcome.writes) this.ram.setOperand(write.offset, write.value, write.words);
    let flags = SR_PROCENDF;
    if (outcome.operationError) flags |= SR_OPERRF;
    this.raise(flags);
  }

  private raise(flags: number): void {
    this.regs.setBits('SR', flags);
    this.updateIrq();
  }

  private updateIrq(): void {
    const cr = this.regs.get('CR');
    const sr = this.regs.get('SR');
    const level = ((cr & CR_PROCENDIE) && (sr & SR_PROCENDF))
      || ((cr & CR_RAMERRIE) && (sr & SR_RAMERRF))
      || ((cr & CR_ADDRERRIE) && (sr & SR_ADDRERRF))
      || ((cr & CR_OPERRIE) && (sr & SR_OPERRF));
    this.irq.set(Boolean(level));
  }
}
