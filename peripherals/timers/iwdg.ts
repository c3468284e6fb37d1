// RM0481 §30 IWDG: a 12-bit down-counter on LSI (32 kHz) that resets the system when it reaches 0,
// or when it is refreshed outside the window. Counted lazily from virtual time.
import { RegisterPeripheral } from '../core/register-peripheral.js';
import type { IrqLine, PeripheralContext } from '../core/peripheral.js';
import type { ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import { IWDG_KEY, IWDG_REGISTERS, IWDG_SR } from './iwdg.regs.js';

const LSI_HZ = 32_000;
/** A register update reaches the LSI domain after a few LSI periods (PVU/RVU/WVU/EWU busy). */
const UPDATE_LSI_CYCLES = 6;

export class Iwdg extends RegisterPeripheral {
  private readonly irqLine: IrqLine;
  private running = false;
  private writable = false;
  private anchorSeconds = 0;
  private anchorCount = 0xfff;
  private timeout: ScheduledEvent | null = null;
  private earlyWakeup: ScheduledEvent | null = null;
  private readonly busy = new Map<number, ScheduledEvent>();

  constructor(ctx: PeripheralContext) {
    super(ctx, 0x400, IWDG_REGISTERS);
    this.irqLine = ctx.irq();
    this.regs.on('KR', { write: (value) => this.key(value & 0xffff) });
    this.regs.on('SR', { read: (stored) => stored | (this.running ? IWDG_SR.ONF : 0) });
    this.guard('PR', IWDG_SR.PVU);
    this.guard('RLR', IWDG_SR.RVU);
    // Writing WINR reloads the counter; the window applies from then on.
    this.guard('WINR', IWDG_SR.WVU, () => { if (this.running) this.reload(); });
    this.guard('EWCR', IWDG_SR.EWU, (value) => {
      if (value & (1 << 14)) this.regs.setBits('SR', IWDG_SR.EWIF, false);
      this.regs.setBits('EWCR', 1 << 14, false);
      this.scheduleEarlyWakeup();
      this.updateIrq();
    });
  }

  /** LSI over the prescaler (PR: /4 … /1024). */
  counterFrequency(): number {
    const lsi = this.ctx.clocks.kernelFrequency(this.name) || LSI_HZ;
    return lsi / (4 << Math.min(this.regs.field('PR', 'PR'), 8));
  }

  /** The down-counter now. */
  counter(): number {
    if (!this.running) return this.anchorCount;
    const ticks = Math.floor((this.ctx.clock.seconds - this.anchorSeconds) * this.counterFrequency() + 1e-6);
    return Math.max(0, this.anchorCount - ticks);
  }

  /** Registers behind the 0x5555 key: writes are dropped unless access is open; busy flag for a few LSI cycles. */
  private guard(name: string, flag: number, after?: (value: number) => void): void {
    this.regs.on(name, { write: (value, previous) => {
      if (!this.writable) {
        this.regs.set(name, previous);
        this.ctx.log.guestError('write ignored: write access not enabled with KR = 0x5555', { register: name, value });
        return;
      }
      this.regs.setBits('SR', flag);
      this.busy.get(flag)?.cancel();
      this.busy.set(flag, this.ctx.clock.afterSeconds(UPDATE_LSI_CYCLES / (this.ctx.clocks.kernelFrequency(this.name) || LSI_HZ), () => {
        this.busy.delete(flag);
        this.regs.setBits('SR', flag, false);
      }, `${this.name} ${name} update`));
      after?.(value);
    } });
  }

  private key(value: number): void {
    this.regs.set('KR', 0);
    this.writable = value === IWDG_KEY.ENABLE_ACCESS;
    if (value === IWDG_KEY.START) {
      if (!this.running) {
        this.running = true;
        this.reload();
      }
    } else if (value === IWDG_KEY.RELOAD) {
      this.refresh();
    }
  }

  /** Refresh (KR = 0xAAAA, or a WINR write): outside the window it resets the system. */
  private refresh(): void {
    if (!this.running) return;
    const window = this.regs.field('WINR', 'WIN');
    if (window < 0xfff && this.counter() > window) {
      this.expire('IWDG refreshed outside the window');
      return;
    }
    this.reload();
  }

  private reload(): void {
    this.anchorSeconds = this.ctx.clock.seconds;
    this.anchorCount = this.regs.field('RLR', 'RL');
    this.timeout?.cancel();
    this.timeout = this.ctx.clock.afterSeconds((this.anchorCount + 1) / this.counterFrequency(), () => {
      this.timeout = null;
      this.expire('IWDG timeout');
    }, `${this.name} timeout`);
    this.scheduleEarlyWakeup();
  }

  private scheduleEarlyWakeup(): void {
    this.earlyWakeup?.cancel();
    this.earlyWakeup = null;
    const ewcr = this.regs.get('EWCR');
    if (!this.running || !(ewcr & (1 << 15))) return;
    const threshold = ewcr & 0xfff;
    const ticks = this.anchorCount - threshold;
    const elapsed = (this.ctx.clock.seconds - this.anchorSeconds) * this.counterFrequency();
    if (ticks < elapsed) return;
    this.earlyWakeup = this.ctx.clock.afterSeconds((ticks - elapsed) / this.counterFrequency(), () => {
      this.earlyWakeup = null;
      this.regs.setBits('SR', IWDG_SR.EWIF);
      this.updateIrq();
    }, `${this.name} early wakeup`);
  }

  private expire(reason: string): void {
    this.running = false;
    this.timeout?.cancel();
    this.earlyWakeup?.cancel();
    this.timeout = this.earlyWakeup = null;
    this.ctx.host.requestSystemReset(reason);
  }

  updateIrq(): void {
    this.irqLine.set((this.regs.get('SR') & IWDG_SR.EWIF) !== 0 && (this.regs.get('EWCR') & (1 << 15)) !== 0);
  }

  protected override onReset(): void {
    this.timeout?.cancel();
    this.earlyWakeup?.cancel();
    for (const event of this.busy.values()) event.cancel();
    this.busy.clear();
    this.timeout = this.earlyWakeup = null;
    this.running = false;
    this.writable = false;
    this.anchorCount = 0xfff;
    this.updateIrq();
  }
}
