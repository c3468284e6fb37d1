// SysTick (ARMv8-M ARM B11): a 24-bit down-counter on the processor clock or the external
// reference (HCLK/8 on the STM32H5 unless RCC selects LSI/LSE). Counted lazily from the
// virtual clock: only the next wrap is scheduled.
import type { ScheduledEvent, VirtualClock } from '../time/virtual-clock.js';

export const SYST_CSR_ENABLE = 1 << 0;
export const SYST_CSR_TICKINT = 1 << 1;
export const SYST_CSR_CLKSOURCE = 1 << 2;
export const SYST_CSR_COUNTFLAG = 1 << 16;

export class SysTick {
  private csr = 0;
  private reload = 0;
  /** Counter value at `anchor` (cycles or seconds depending on the clock source). */
  private anchorValue = 0;
  private anchorCycle = 0;
  private anchorSeconds = 0;
  private wrapEvent: ScheduledEvent | null = null;

  constructor(
    private readonly clock: VirtualClock,
    /** Frequency of the external reference clock in Hz (0 when it is off). */
    private readonly externalHz: () => number,
    private readonly onWrap: () => void,
  ) {}

  reset(): void {
    this.wrapEvent?.cancel();
    this.wrapEvent = null;
    this.csr = 0;
    this.reload = 0;
    this.anchorValue = 0;
  }

  private get running(): boolean {
    return (this.csr & SYST_CSR_ENABLE) !== 0;
  }

  private get usesProcessorClock(): boolean {
    return (this.csr & SYST_CSR_CLKSOURCE) !== 0;
  }

  /** Ticks elapsed since the anchor. */
  private ticksSinceAnchor(): number {
    if (!this.running) return 0;
    if (this.usesProcessorClock) return this.clock.now - this.anchorCycle;
    return Math.floor((this.clock.seconds - this.anchorSeconds) * this.externalHz() + 1e-9);
  }

  private anchor(value: number): void {
    this.anchorValue = value;
    this.anchorCycle = this.clock.now;
    this.anchorSeconds = this.clock.seconds;
  }

  /** The counter after `elapsed` ticks from `anchorValue`: down to 0, then RVR is loaded on the next tick. */
  get currentValue(): number {
    if (!this.running) return this.anchorValue;
    const elapsed = this.ticksSinceAnchor();
    if (elapsed <= this.anchorValue) return this.anchorValue - elapsed;
    const phase = (elapsed - this.anchorValue) % (this.reload + 1);
    return phase === 0 ? 0 : this.reload + 1 - phase;
  }

  private schedule(): void {
    this.wrapEvent?.cancel();
    this.wrapEvent = null;
    if (!this.running || this.reload === 0) return;
    // COUNTFLAG and the interrupt come when the counter goes from 1 to 0. From 0 the next tick
    // loads RVR first, so the first interrupt after enabling with CVR = 0 comes RVR + 1 ticks later.
    const current = this.currentValue;
    const ticks = current > 0 ? current : this.reload + 1;
    if (this.usesProcessorClock) {
      this.wrapEvent = this.clock.afterCycles(ticks, () => this.wrap(), 'SysTick');
    } else {
      const hz = this.externalHz();
      if (hz <= 0) return;
      this.wrapEvent = this.clock.afterSeconds(ticks / hz, () => this.wrap(), 'SysTick');
    }
  }

  private wrap(): void {
    this.wrapEvent = null;
    this.csr |= SYST_CSR_COUNTFLAG;
    this.anchor(0);
    this.schedule();
    if (this.csr & SYST_CSR_TICKINT) this.onWrap();
  }

  readCsr(sideEffects: boolean): number {
    const value = this.csr;
    if (sideEffects) this.csr &= ~SYST_CSR_COUNTFLAG;
    return value >>> 0;
  }

  writeCsr(value: number): void {
    const current = this.currentValue;
    this.csr = (this.csr & SYST_CSR_COUNTFLAG) | (value & (SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE));
    this.anchor(current);
    this.schedule();
  }

  get reloadValue(): number {
    return this.reload;
  }

  writeReload(value: number): void {
    const current = this.currentValue;
    this.reload = value & 0x00ff_ffff;
    this.anchor(current);
    this.schedule();
  }

  /** Any write to CVR clears it and COUNTFLAG; the next tick loads RVR. */
  writeCurrent(): void {
    this.csr &= ~SYST_CSR_COUNTFLAG;
    this.anchor(0);
    this.schedule();
  }

  /** The clock source frequency changed (RCC reprogrammed): keep the count, retime the wrap. */
  retime(): void {
    if (!this.running) return;
    this.anchor(this.currentValue);
    this.schedule();
  }
}
