// RM0481 §31 WWDG: a 7-bit down-counter on PCLK / 4096 / 2^WDGTB; the system resets when T6 clears
// (0x40 → 0x3F) or when CR is written while the counter is above the window.
import { RegisterPeripheral } from '../core/register-peripheral.js';
import type { IrqLine, PeripheralContext } from '../core/peripheral.js';
import type { ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import { WWDG_REGISTERS } from './wwdg.regs.js';

export class Wwdg extends RegisterPeripheral {
  private readonly irqLine: IrqLine;
  private anchorSeconds = 0;
  private anchorCount = 0x7f;
  private resetEvent: ScheduledEvent | null = null;
  private warningEvent: ScheduledEvent | null = null;

  constructor(ctx: PeripheralContext) {
    super(ctx, 0x400, WWDG_REGISTERS);
    this.irqLine = ctx.irq();
    this.regs.on('CR', {
      read: (stored) => (stored & 0x80) | this.counter(),
      write: (value, previous) => this.control(value, previous),
    });
    this.regs.on('CFR', { write: () => this.schedule() });
    this.regs.on('SR', { write: () => this.updateIrq() });
    ctx.clocks.onChange(() => {
      this.anchorCount = this.counter();
      this.anchorSeconds = ctx.clock.seconds;
      this.schedule();
    });
  }

  private get active(): boolean {
    return (this.regs.get('CR') & 0x80) !== 0;
  }

  counterFrequency(): number {
    return this.ctx.clocks.busFrequency(this.name) / 4096 / (1 << this.regs.field('CFR', 'WDGTB'));
  }

  counter(): number {
    if (!this.active) return this.anchorCount;
    const hz = this.counterFrequency();
    if (!(hz > 0)) return this.anchorCount;
    const ticks = Math.floor((this.ctx.clock.seconds - this.anchorSeconds) * hz + 1e-6);
    return Math.max(0x3f, this.anchorCount - ticks);
  }

  private control(value: number, previous: number): void {
    const current = this.active && previous & 0x80 ? this.counter() : this.anchorCount;
    if (previous & 0x80 && current > this.regs.field('CFR', 'W')) {
      this.expire('WWDG refreshed outside the window');
      return;
    }
    this.anchorCount = value & 0x7f;
    this.anchorSeconds = this.ctx.clock.seconds;
    if (this.active && !(this.anchorCount & 0x40)) {
      this.expire('WWDG counter written with T6 = 0');
      return;
    }
    this.schedule();
  }

  private schedule(): void {
    this.resetEvent?.cancel();
    this.warningEvent?.cancel();
    this.resetEvent = this.warningEvent = null;
    const hz = this.counterFrequency();
    if (!this.active || !(hz > 0)) return;
    const now = this.ctx.clock.seconds;
    const elapsed = (now - this.anchorSeconds) * hz;
    const toReset = this.anchorCount - 0x3f - elapsed;
    this.resetEvent = this.ctx.clock.afterSeconds(Math.max(0, toReset) / hz, () => {
      this.resetEvent = null;
      this.expire('WWDG timeout');
    }, `${this.name} timeout`);
    const toWarning = this.anchorCount - 0x40 - elapsed;
    if (this.regs.field('CFR', 'EWI') && toWarning >= 0) {
      this.warningEvent = this.ctx.clock.afterSeconds(toWarning / hz, () => {
        this.warningEvent = null;
        this.regs.setBits('SR', 1);
        this.updateIrq();
      }, `${this.name} early wakeup`);
    }
  }

  private expire(reason: string): void {
    this.resetEvent?.cancel();
    this.warningEvent?.cancel();
    this.resetEvent = this.warningEvent = null;
    this.anchorCount = 0x3f;
    this.regs.setBits('CR', 0x80, false);
    this.ctx.host.requestSystemReset(reason);
  }

  updateIrq(): void {
    this.irqLine.set((this.regs.get('SR') & 1) !== 0 && this.regs.field('CFR', 'EWI') === 1);
  }

  protected override onReset(): void {
    this.resetEvent?.cancel();
    this.warningEvent?.cancel();
    this.resetEvent = this.warningEvent = null;
    this.anchorCount = 0x7f;
    this.anchorSeconds = 0;
    this.updateIrq();
  }
}
