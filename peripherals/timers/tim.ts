// RM0481 §38–41 timers as time bases: the counter is computed from virtual time when read, and an
// event is scheduled only for the next moment an enabled interrupt needs (update or compare match).
import { RegisterPeripheral } from '../core/register-peripheral.js';
import type { AccessSize, IrqLine, PeripheralContext } from '../core/peripheral.js';
import type { ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import { TIM_CR1, TIM_DIER, TIM_EGR, TIM_SR, ccFlag, timRegisters } from './tim.regs.js';

export type TimerKind = 'advanced' | 'general' | 'basic';

export interface TimerOptions {
  kind?: TimerKind;
  width?: 16 | 32;
  channels?: number;
}

/** Defaults per instance (RM0481 §38–41), used when the machine table gives no options. */
export function timerDefaults(name: string): Required<TimerOptions> {
  const n = Number(/\d+/.exec(name)?.[0] ?? 0);
  if (n === 1 || n === 8) return { kind: 'advanced', width: 16, channels: 6 };
  if (n === 6 || n === 7) return { kind: 'basic', width: 16, channels: 0 };
  if (n === 2 || n === 5) return { kind: 'general', width: 32, channels: 4 };
  if (n === 3 || n === 4) return { kind: 'general', width: 16, channels: 4 };
  if (n === 12 || n === 15) return { kind: 'general', width: 16, channels: 2 };
  return { kind: 'general', width: 16, channels: 1 };
}

/** Tolerance in counter ticks for floating-point time arithmetic. */
const EPSILON_TICKS = 1e-6;

export class Timer extends RegisterPeripheral {
  readonly kind: TimerKind;
  readonly width: 16 | 32;
  readonly channels: number;
  private readonly counterMask: number;
  private readonly updateLine: IrqLine;
  private readonly compareLine: IrqLine;
  private readonly breakLine: IrqLine;
  private readonly triggerLine: IrqLine;

  private running = false;
  /** Virtual time (s) at which the counter held `anchorCount`, exactly on a tick. */
  private anchorSeconds = 0;
  private anchorCount = 0;
  /** Center-aligned modes: counting down in the current half period. */
  private countingDown = false;
  private activePrescaler = 0;
  private activeReload = 0;
  private repetition = 0;
  private kernelHz = 0;
  /** Compare matches are flagged once per crossing: time (s) up to which they were checked. */
  private comparedUntil = 0;
  private event: ScheduledEvent | null = null;

  constructor(ctx: PeripheralContext, options: TimerOptions = {}) {
    const defaults = timerDefaults(ctx.name);
    const width = options.width ?? defaults.width;
    super(ctx, 0x400, timRegisters(width));
    this.kind = options.kind ?? defaults.kind;
    this.width = width;
    this.channels = options.channels ?? defaults.channels;
    this.counterMask = width === 32 ? 0xffff_ffff : 0xffff;
    if (this.kind === 'advanced') {
      this.updateLine = ctx.irq(`${ctx.name}_UP`);
      this.compareLine = ctx.irq(`${ctx.name}_CC`);
      this.breakLine = ctx.irq(`${ctx.name}_BRK`);
      this.triggerLine = ctx.irq(`${ctx.name}_TRG_COM`);
    } else {
      this.updateLine = this.compareLine = this.breakLine = this.triggerLine = ctx.irq();
    }
    this.activeReload = this.regs.get('ARR');

    this.regs.on('CR1', { write: (value, previous) => this.controlWritten(value, previous) });
    this.regs.on('DIER', { write: () => this.changed() });
    this.regs.on('SR', { write: () => this.changed() });
    this.regs.on('EGR', { write: (value) => this.generate(value) });
    this.regs.on('CNT', {
      read: () => this.counterValue(),
      write: (value) => this.counterWritten(value),
    });
    this.regs.on('ARR', { write: (value) => {
      if (!(this.regs.get('CR1') & TIM_CR1.ARPE)) this.retime(() => { this.activeReload = this.masked(value); });
    } });
    for (const name of ['CCR1', 'CCR2', 'CCR3', 'CCR4', 'CCR5', 'CCR6', 'CCMR1', 'CCMR2', 'CCMR3']) {
      this.regs.on(name, { write: () => this.changed() });
    }
    ctx.clocks.onChange(() => this.retime(() => { this.kernelHz = ctx.clocks.kernelFrequency(this.name); }));
  }

  // Every access first brings the counter and flags up to the present.
  override read(offset: number, size: AccessSize): number {
    this.catchUp();
    return super.read(offset, size);
  }

  override write(offset: number, size: AccessSize, value: number): void {
    this.catchUp();
    super.write(offset, size, value);
  }

  override peek(offset: number, size: AccessSize): number {
    this.catchUp();
    return super.peek(offset, size);
  }

  /** A value in the counter's width, unsigned: `& 0xffff_ffff` alone gives -1 for ARR = 0xFFFFFFFF
   *  (TIM2's reset value), and a period of 0 then turned the counter's time into NaN. */
  private masked(value: number): number {
    return (value & this.counterMask) >>> 0;
  }

  /** Counter clock (Hz): timer kernel clock over PSC + 1. */
  counterFrequency(): number {
    return this.kernelHz / (this.activePrescaler + 1);
  }

  private get centerAligned(): boolean {
    return (this.regs.get('CR1') & TIM_CR1.CMS) !== 0;
  }

  private get down(): boolean {
    return this.centerAligned ? this.countingDown : (this.regs.get('CR1') & TIM_CR1.DIR) !== 0;
  }

  /** Ticks from the anchor to the next overflow/underflow. */
  private ticksToUpdate(): number {
    const arr = this.activeReload;
    const count = this.anchorCount;
    if (this.centerAligned) return this.countingDown ? count : Math.max(arr - count, 1);
    if (this.down) return count + 1;
    return count <= arr ? arr - count + 1 : this.counterMask - count + 1;
  }

  private ticksSinceAnchor(seconds: number): number {
    return Math.floor((seconds - this.anchorSeconds) * this.counterFrequency() + EPSILON_TICKS);
  }

  private counterValue(): number {
    let count = this.anchorCount;
    if (this.running && this.counterFrequency() > 0) {
      const ticks = this.ticksSinceAnchor(this.ctx.clock.seconds);
      count = this.down ? count - ticks : count + ticks;
    }
    count = this.masked(count);
    const cr1 = this.regs.get('CR1');
    if (this.width === 16 && cr1 & TIM_CR1.UIFREMAP && this.regs.get('SR') & TIM_SR.UIF) count |= 0x8000_0000;
    return count >>> 0;
  }

  /** Processes every update event and compare match due up to now. */
  private catchUp(): void {
    if (!this.running) return;
    const now = this.ctx.clock.seconds;
    for (let guard = 0; this.running && guard < 1_000_000; guard++) {
      const hz = this.counterFrequency();
      if (!(hz > 0)) return;
      const ticks = this.ticksToUpdate();
      const due = this.anchorSeconds + ticks / hz;
      if ((due - now) * hz > EPSILON_TICKS) break;
      this.flagCompares(this.anchorSeconds, due);
      this.overflow(due);
      this.skipWholePeriods(now);
    }
    this.flagCompares(this.anchorSeconds, now);
  }

  /** A counter overflow/underflow at `at` (s): reload, repetition counter, update event. */
  private overflow(at: number): void {
    const arr = this.activeReload;
    this.anchorSeconds = at;
    if (this.centerAligned) {
      this.countingDown = !this.countingDown;
      this.anchorCount = this.countingDown ? arr : 0;
    } else {
      this.anchorCount = this.down ? arr : 0;
    }
    if (this.repetition > 0) {
      this.repetition--;
      return;
    }
    this.updateEvent(false);
    if (this.regs.get('CR1') & TIM_CR1.OPM) {
      this.regs.setBits('CR1', TIM_CR1.CEN, false);
      this.running = false;
    }
  }

  /** UEV: preloaded registers take effect, UIF unless UDIS (or URS for software updates). */
  private updateEvent(software: boolean): void {
    const cr1 = this.regs.get('CR1');
    if (cr1 & TIM_CR1.UDIS) return;
    this.activePrescaler = this.regs.field('PSC', 'PSC');
    this.activeReload = this.masked(this.regs.get('ARR'));
    this.repetition = this.regs.field('RCR', 'REP');
    if (!(software && cr1 & TIM_CR1.URS)) this.regs.setBits('SR', TIM_SR.UIF);
  }

  /** With nothing to change from one period to the next, jump over whole periods at once. */
  private skipWholePeriods(now: number): void {
    if (!this.running || this.centerAligned || this.repetition !== 0) return;
    if (this.activePrescaler !== this.regs.field('PSC', 'PSC') || this.activeReload !== this.masked(this.regs.get('ARR'))) return;
    if (this.regs.get('CR1') & (TIM_CR1.OPM | TIM_CR1.UDIS)) return;
    if (this.regs.field('RCR', 'REP') !== 0) return;
    const hz = this.counterFrequency();
    const period = this.activeReload + 1;
    const periods = Math.floor(((now - this.anchorSeconds) * hz + EPSILON_TICKS) / period) - 1;
    if (periods <= 0) return;
    this.anchorSeconds += (periods * period) / hz;
    this.comparedUntil = this.anchorSeconds;
    this.regs.setBits('SR', TIM_SR.UIF);
    for (let channel = 1; channel <= this.channels; channel++) {
      const ccr = this.compareValue(channel);
      if (ccr !== null && ccr <= this.activeReload && ccr > 0) this.regs.setBits('SR', ccFlag(channel));
    }
  }

  /** CCRx of an output-compare channel (CCxS = 00), or null. */
  private compareValue(channel: number): number | null {
    if (channel > this.channels) return null;
    const ccmr = channel <= 2 ? 'CCMR1' : channel <= 4 ? 'CCMR2' : 'CCMR3';
    if (channel <= 4 && (this.regs.get(ccmr) >>> (((channel - 1) & 1) * 8)) & 3) return null;
    return this.masked(this.regs.get(`CCR${channel}`));
  }

  /** Time (s) at which the counter reaches `ccr` after the anchor in this half period, or null. */
  private compareTime(ccr: number): number | null {
    const ticks = this.down ? this.anchorCount - ccr : ccr - this.anchorCount;
    if (ticks < 1 || ticks > this.ticksToUpdate()) return null;
    return this.anchorSeconds + ticks / this.counterFrequency();
  }

  private flagCompares(from: number, until: number): void {
    const start = Math.max(from, this.comparedUntil);
    for (let channel = 1; channel <= this.channels; channel++) {
      const ccr = this.compareValue(channel);
      if (ccr === null) continue;
      const at = this.compareTime(ccr);
      if (at !== null && at > start + 1e-15 && (at - until) * this.counterFrequency() <= EPSILON_TICKS) {
        this.regs.setBits('SR', ccFlag(channel));
      }
    }
    this.comparedUntil = Math.max(this.comparedUntil, until);
  }

  private controlWritten(value: number, previous: number): void {
    const start = (value & TIM_CR1.CEN) !== 0;
    if (start && !this.running) {
      this.kernelHz = this.ctx.clocks.kernelFrequency(this.name);
      this.running = true;
      this.anchorSeconds = this.comparedUntil = this.ctx.clock.seconds;
    } else if (!start && this.running) {
      this.anchorCount = this.masked(this.counterValue());
      this.running = false;
    }
    if ((value ^ previous) & (TIM_CR1.DIR | TIM_CR1.CMS)) this.retime(() => {});
    this.changed();
  }

  private counterWritten(value: number): void {
    this.retime(() => { this.anchorCount = this.masked(value); });
  }

  /** Re-anchors the counter at the present tick around a change of its parameters. */
  private retime(change: () => void): void {
    if (this.running) {
      this.anchorCount = this.masked(this.counterValue());
      this.anchorSeconds = this.comparedUntil = this.ctx.clock.seconds;
    }
    change();
    this.changed();
  }

  private generate(value: number): void {
    this.regs.set('EGR', 0);
    if (value & TIM_EGR.UG) {
      // UG re-initialises the counter and the prescaler, then generates an update event.
      const down = this.down && !this.centerAligned;
      const cr1 = this.regs.get('CR1');
      if (!(cr1 & TIM_CR1.UDIS)) {
        this.activePrescaler = this.regs.field('PSC', 'PSC');
        this.activeReload = this.masked(this.regs.get('ARR'));
      }
      this.anchorCount = down ? this.activeReload : 0;
      this.countingDown = false;
      this.anchorSeconds = this.comparedUntil = this.ctx.clock.seconds;
      this.updateEvent(true);
    }
    for (let channel = 1; channel <= Math.min(this.channels, 4); channel++) {
      if (value & (1 << channel)) this.regs.setBits('SR', ccFlag(channel));
    }
    if (value & TIM_EGR.COMG) this.regs.setBits('SR', TIM_SR.COMIF);
    if (value & TIM_EGR.TG) this.regs.setBits('SR', TIM_SR.TIF);
    if (value & TIM_EGR.BG) this.regs.setBits('SR', TIM_SR.BIF);
    if (value & TIM_EGR.B2G) this.regs.setBits('SR', TIM_SR.B2IF);
    this.changed();
  }

  private changed(): void {
    this.updateIrq();
    this.schedule();
  }

  updateIrq(): void {
    const sr = this.regs.get('SR');
    const dier = this.regs.get('DIER');
    let compare = false;
    for (let channel = 1; channel <= this.channels; channel++) {
      if (sr & dier & ccFlag(channel) & 0x1e) compare = true;
    }
    const update = (sr & dier & TIM_SR.UIF) !== 0;
    const trigger = (sr & dier & (TIM_SR.TIF | TIM_SR.COMIF)) !== 0;
    const brk = (sr & (TIM_SR.BIF | TIM_SR.B2IF)) !== 0 && (dier & TIM_DIER.BIE) !== 0;
    if (this.kind === 'advanced') {
      this.updateLine.set(update);
      this.compareLine.set(compare);
      this.triggerLine.set(trigger);
      this.breakLine.set(brk);
    } else {
      this.updateLine.set(update || compare || trigger || brk);
    }
  }

  /** Schedules the next moment an enabled interrupt flag will rise. */
  private schedule(): void {
    this.event?.cancel();
    this.event = null;
    if (!this.running) return;
    const hz = this.counterFrequency();
    if (!(hz > 0)) return;
    const dier = this.regs.get('DIER');
    const sr = this.regs.get('SR');
    let due = Infinity;
    // The next overflow matters while UIF is clear: then it raises the line. While UIF is
    // pending the line is already high (updateIrq ran just before), and the write that clears
    // UIF reschedules; an event at every overflow regardless cut the CPU into slices of a few
    // instructions under a fast timer whose flag nobody cleared (found by fuzz-mmio: ARR = 1).
    if (dier & TIM_DIER.UIE && !(sr & TIM_SR.UIF)) due = this.anchorSeconds + this.ticksToUpdate() / hz;
    for (let channel = 1; channel <= Math.min(this.channels, 4); channel++) {
      const flag = ccFlag(channel);
      if (!(dier & flag) || sr & flag) continue;
      const ccr = this.compareValue(channel);
      const at = ccr === null ? null : this.compareTime(ccr);
      // No match left in this half period: wake at the next overflow to look again.
      const pending = at !== null && at > this.comparedUntil + 1e-15;
      due = Math.min(due, pending ? at : this.anchorSeconds + this.ticksToUpdate() / hz);
    }
    if (!Number.isFinite(due)) return;
    this.event = this.ctx.clock.afterSeconds(Math.max(0, due - this.ctx.clock.seconds), () => {
      this.event = null;
      this.catchUp();
      this.changed();
    }, `${this.name} update`);
  }

  protected override onReset(): void {
    this.event?.cancel();
    this.event = null;
    this.running = false;
    this.anchorSeconds = this.anchorCount = this.comparedUntil = 0;
    this.countingDown = false;
    this.activePrescaler = 0;
    this.activeReload = this.regs.get('ARR');
    this.repetition = 0;
    this.updateIrq();
  }
}
