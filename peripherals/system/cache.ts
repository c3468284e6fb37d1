// RM0481 §8 ICACHE and §9 DCACHE: the caches are transparent to the simulation (memory is always
// coherent), so the models only keep the control registers and make the maintenance operations
// (invalidate, DCACHE clean/invalidate ranges) take a little time: BUSYF first, then BSYENDF /
// CMDENDF, as HAL_ICACHE_Invalidate and HAL_DCACHE_* poll for.
import type { ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import type { IrqLine, PeripheralContext } from '../core/peripheral.js';
import { RegisterPeripheral } from '../core/register-peripheral.js';
import type { FieldSpec, RegisterSpec } from '../registers/register-block.js';

const bit = (name: string, position: number, access: FieldSpec['access'] = 'rw'): FieldSpec => ({ name, bit: position, access });
const bits = (name: string, position: number, width: number, access: FieldSpec['access'] = 'rw'): FieldSpec => ({ name, bit: position, width, access });

export const ICACHE_REGISTERS: RegisterSpec[] = [
  // WAYSEL = 1: 2-way set associative out of reset.
  { name: 'CR', offset: 0x00, reset: 0x0000_0004, fields: [
    bit('EN', 0), bit('CACHEINV', 1), bit('WAYSEL', 2), bit('HITMEN', 16), bit('MISSMEN', 17), bit('HITMRST', 18), bit('MISSMRST', 19),
  ] },
  // BUSYF out of reset: the cache invalidates itself after every reset.
  { name: 'SR', offset: 0x04, reset: 0x0000_0001, fields: [bit('BUSYF', 0, 'r'), bit('BSYENDF', 1, 'r'), bit('ERRF', 2, 'r')] },
  { name: 'IER', offset: 0x08, fields: [bit('BSYENDIE', 1), bit('ERRIE', 2)] },
  { name: 'FCR', offset: 0x0c, fields: [bit('CBSYENDF', 1, 'w'), bit('CERRF', 2, 'w')] },
  { name: 'HMONR', offset: 0x10, access: 'r' },
  { name: 'MMONR', offset: 0x14, access: 'r' },
  // Region remapping (external memories) is stored only: RSIZE = 1 (2 MiB) out of reset.
  ...[0, 1, 2, 3].map((n): RegisterSpec => ({ name: `CRR${n}`, offset: 0x20 + 4 * n, reset: 0x0000_0200, modelled: false })),
];

export const DCACHE_REGISTERS: RegisterSpec[] = [
  { name: 'CR', offset: 0x00, fields: [
    bit('EN', 0), bit('CACHEINV', 1), bits('CACHECMD', 8, 3), bit('STARTCMD', 11), bit('RHITMEN', 16), bit('RMISSMEN', 17),
    bit('RHITMRST', 18), bit('RMISSMRST', 19), bit('WHITMEN', 20), bit('WMISSMEN', 21), bit('WHITMRST', 22), bit('WMISSMRST', 23),
    bit('HBURST', 31),
  ] },
  { name: 'SR', offset: 0x04, reset: 0x0000_0001, fields: [bit('BUSYF', 0, 'r'), bit('BSYENDF', 1, 'r'), bit('ERRF', 2, 'r'), bit('BUSYCMDF', 3, 'r'), bit('CMDENDF', 4, 'r')] },
  { name: 'IER', offset: 0x08, fields: [bit('BSYENDIE', 1), bit('ERRIE', 2), bit('CMDENDIE', 4)] },
  { name: 'FCR', offset: 0x0c, fields: [bit('CBSYENDF', 1, 'w'), bit('CERRF', 2, 'w'), bit('CCMDENDF', 4, 'w')] },
  { name: 'RHMONR', offset: 0x10, access: 'r' },
  { name: 'RMMONR', offset: 0x14, access: 'r' },
  { name: 'WHMONR', offset: 0x20, access: 'r' },
  { name: 'WMMONR', offset: 0x24, access: 'r' },
  { name: 'CMDRSADDRR', offset: 0x28 },
  { name: 'CMDREADDRR', offset: 0x2c },
];

/** Full invalidation walks every line: a few microseconds of virtual time. */
const MAINTENANCE_TIME = 2e-6;
const BUSYF = 1 << 0;
const BSYENDF = 1 << 1;
const CACHEINV = 1 << 1;

abstract class Cache extends RegisterPeripheral {
  protected readonly irq: IrqLine;
  private readonly pending: ScheduledEvent[] = [];

  constructor(ctx: PeripheralContext, options: Record<string, unknown>, specs: RegisterSpec[], line: string) {
    super(ctx, 0x400, specs, typeof options.base === 'number' ? options.base : 0);
    this.irq = ctx.irq(line);
    this.regs.on('IER', { write: () => this.updateIrq() });
    this.regs.on('FCR', {
      write: (value) => {
        this.regs.setBits('SR', value & 0x16, false);
        this.regs.set('FCR', 0);
        this.updateIrq();
      },
    });
    this.finishResetInvalidation();
  }

  private finishResetInvalidation(): void {
    this.pending.push(this.ctx.clock.afterSeconds(MAINTENANCE_TIME, () => {
      this.regs.setBits('SR', BUSYF, false);
      this.regs.setBits('SR', BSYENDF);
      this.updateIrq();
    }, `${this.name} reset invalidation`));
  }

  /** Sets `busy` now and swaps it for `done` after the maintenance time. */
  protected busyThenDone(busy: number, done: number): void {
    this.regs.setBits('SR', busy);
    this.pending.push(this.ctx.clock.afterSeconds(MAINTENANCE_TIME, () => {
      this.regs.setBits('SR', busy, false);
      this.regs.setBits('SR', done);
      this.updateIrq();
    }, `${this.name} maintenance`));
  }

  protected startInvalidate(): void {
    this.regs.setBits('CR', CACHEINV, false);
    if (!(this.regs.get('SR') & BUSYF)) this.busyThenDone(BUSYF, BSYENDF);
  }

  protected updateIrq(): void {
    this.irq.set((this.regs.get('SR') & this.regs.get('IER')) !== 0);
  }

  protected override onReset(): void {
    for (const event of this.pending.splice(0)) event.cancel();
    this.irq.set(false);
    this.finishResetInvalidation();
  }
}

export class Icache extends Cache {
  constructor(ctx: PeripheralContext, options: Record<string, unknown> = {}) {
    super(ctx, options, ICACHE_REGISTERS, 'ICACHE');
    this.regs.on('CR', {
      write: (value) => {
        // The monitor reset bits act once and read back 0.
        if (value & (3 << 18)) {
          this.regs.setBits('CR', 3 << 18, false);
        }
        if (value & CACHEINV) this.startInvalidate();
      },
    });
  }
}

export class Dcache extends Cache {
  constructor(ctx: PeripheralContext, options: Record<string, unknown> = {}) {
    super(ctx, options, DCACHE_REGISTERS, 'DCACHE1');
    this.regs.on('CR', {
      write: (value) => {
        if (value & (0xf << 18)) this.regs.setBits('CR', 0xf << 18, false);
        if (value & CACHEINV) this.startInvalidate();
        if (value & (1 << 11)) {
          // STARTCMD runs the clean/invalidate range command selected by CACHECMD.
          this.regs.setBits('CR', 1 << 11, false);
          this.busyThenDone(1 << 3, 1 << 4);
        }
      },
    });
  }
}
