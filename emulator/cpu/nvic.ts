// Exception state of the Cortex-M33 (ARMv8-M ARM, B3.9 and D1.2.x): pending/active/enable and
// priorities of the system exceptions and the NVIC's external interrupts, priority grouping,
// and the selection of the exception to take. Execution-priority boosting by PRIMASK, BASEPRI
// and FAULTMASK is computed from the core registers the caller passes in.

export const Exception = {
  Reset: 1, NMI: 2, HardFault: 3, MemManage: 4, BusFault: 5, UsageFault: 6, SecureFault: 7,
  SVCall: 11, DebugMonitor: 12, PendSV: 14, SysTick: 15, External0: 16,
} as const;

export const EXCEPTION_NAMES: Record<number, string> = {
  1: 'Reset', 2: 'NMI', 3: 'HardFault', 4: 'MemManage', 5: 'BusFault', 6: 'UsageFault', 7: 'SecureFault',
  11: 'SVCall', 12: 'DebugMonitor', 14: 'PendSV', 15: 'SysTick',
};

export interface MaskState { primask: number; faultmask: number; basepri: number }

/** Priority of thread mode with nothing active and no boosting (lower numbers win). */
export const THREAD_PRIORITY = 256;
const NO_MASKS: MaskState = { primask: 0, faultmask: 0, basepri: 0 };

export class Nvic {
  readonly count: number;
  readonly enabled: Uint8Array;
  readonly pending: Uint8Array;
  readonly active: Uint8Array;
  /** Raw 8-bit priority registers per exception number (only the top `priorityBits` are kept). */
  readonly priority: Uint8Array;
  readonly lineLevel: Uint8Array;
  /** ITNS: stored only (single security state firmware never sets it). */
  readonly targetNonSecure: Uint8Array;
  prigroup = 0;
  /** SHCSR enables for MemManage, BusFault, UsageFault, SecureFault. */
  faultEnabled = { memManage: false, busFault: false, usageFault: false, secureFault: false };
  /** Called when an exception becomes pending, so the core can end the current slice. */
  onPend: (exception: number) => void = () => {};
  private readonly implementedMask: number;
  /** Names for messages (IRQ number → CMSIS name), filled by the machine. */
  irqNames: Record<number, string> = {};

  constructor(readonly externalInterrupts: number, readonly priorityBits: number) {
    this.count = 16 + externalInterrupts;
    this.enabled = new Uint8Array(this.count);
    this.pending = new Uint8Array(this.count);
    this.active = new Uint8Array(this.count);
    this.priority = new Uint8Array(this.count);
    this.lineLevel = new Uint8Array(externalInterrupts);
    this.targetNonSecure = new Uint8Array(externalInterrupts);
    this.implementedMask = (0xff << (8 - priorityBits)) & 0xff;
  }

  reset(): void {
    for (const a of [this.enabled, this.pending, this.active, this.priority, this.targetNonSecure]) a.fill(0);
    // Interrupt lines are driven by the models; they keep their level across a core reset.
    this.prigroup = 0;
    this.faultEnabled = { memManage: false, busFault: false, usageFault: false, secureFault: false };
  }

  exceptionName(exception: number): string {
    if (exception >= 16) {
      const irq = exception - 16;
      return this.irqNames[irq] ? `IRQ ${irq} (${this.irqNames[irq]})` : `IRQ ${irq}`;
    }
    return EXCEPTION_NAMES[exception] ?? `exception ${exception}`;
  }

  setPriority(exception: number, value: number): void {
    if (exception < 4 || exception >= this.count) return;
    this.priority[exception] = value & this.implementedMask;
  }

  /** Group (preemption) priority: negative for the fixed-priority exceptions. */
  groupPriority(exception: number): number {
    if (exception === Exception.Reset) return -3;
    if (exception === Exception.NMI) return -2;
    if (exception === Exception.HardFault) return -1;
    const groupMask = (0xff << (this.prigroup + 1)) & 0xff;
    return this.priority[exception]! & groupMask;
  }

  private subPriority(exception: number): number {
    if (exception < 4) return 0;
    const subMask = ~((0xff << (this.prigroup + 1)) & 0xff) & 0xff;
    return this.priority[exception]! & subMask;
  }

  isEnabled(exception: number): boolean {
    if (exception >= 16) return this.enabled[exception]! === 1;
    switch (exception) {
      case Exception.MemManage: return this.faultEnabled.memManage;
      case Exception.BusFault: return this.faultEnabled.busFault;
      case Exception.UsageFault: return this.faultEnabled.usageFault;
      case Exception.SecureFault: return this.faultEnabled.secureFault;
      case 8: case 9: case 10: case 13: return false;
      default: return exception > 0;
    }
  }

  setPending(exception: number, pending = true): void {
    if (exception <= 0 || exception >= this.count) return;
    const was = this.pending[exception];
    this.pending[exception] = pending ? 1 : 0;
    if (pending && !was) this.onPend(exception);
  }

  /** A peripheral's IRQ line changed level: a high line pends the interrupt (level-sensitive). */
  setLine(irq: number, level: boolean): void {
    if (irq < 0 || irq >= this.externalInterrupts) return;
    this.lineLevel[irq] = level ? 1 : 0;
    if (level) this.setPending(16 + irq);
  }

  /** Priority the core currently runs at (THREAD_PRIORITY when nothing is active or boosted). */
  executionPriority(masks: MaskState, ignorePrimask = false): number {
    let priority = THREAD_PRIORITY;
    for (let e = 1; e < this.count; e++) {
      if (this.active[e]) priority = Math.min(priority, this.groupPriority(e));
    }
    if (masks.basepri & this.implementedMask) {
      const groupMask = (0xff << (this.prigroup + 1)) & 0xff;
      priority = Math.min(priority, masks.basepri & this.implementedMask & groupMask);
    }
    if (masks.primask & 1 && !ignorePrimask) priority = Math.min(priority, 0);
    if (masks.faultmask & 1) priority = Math.min(priority, -1);
    return priority;
  }

  /** Highest-priority pending and enabled exception, or 0. */
  highestPending(): number {
    let best = 0;
    let bestGroup = Infinity;
    let bestSub = Infinity;
    for (let e = 1; e < this.count; e++) {
      if (!this.pending[e] || !this.isEnabled(e)) continue;
      const group = this.groupPriority(e);
      const sub = this.subPriority(e);
      if (group < bestGroup || (group === bestGroup && sub < bestSub)) {
        best = e;
        bestGroup = group;
        bestSub = sub;
      }
    }
    return best;
  }

  /** The pending exception that preempts now, or 0. */
  exceptionToTake(masks: MaskState): number {
    const candidate = this.highestPending();
    if (!candidate) return 0;
    return this.groupPriority(candidate) < this.executionPriority(masks) ? candidate : 0;
  }

  /** True when WFI should wake: a pending exception would preempt with PRIMASK ignored. */
  wakeUpPending(masks: MaskState): boolean {
    const candidate = this.highestPending();
    return candidate !== 0 && this.groupPriority(candidate) < this.executionPriority(masks, true);
  }

  /** True when the highest pending exception would preempt were PRIMASK, BASEPRI and FAULTMASK
   * all clear. When it would not, only the active exceptions' priorities hold it back, and those
   * change only at exception entry or return or through an SCS write, never by CPSIE or MSR. */
  preemptsWhenUnmasked(): boolean {
    const candidate = this.highestPending();
    return candidate !== 0 && this.groupPriority(candidate) < this.executionPriority(NO_MASKS);
  }

  activeCount(): number {
    let n = 0;
    for (let e = 1; e < this.count; e++) n += this.active[e]!;
    return n;
  }

  activate(exception: number): void {
    this.active[exception] = 1;
    this.pending[exception] = 0;
  }

  /** Exception return: the handler is no longer active; a still-asserted line pends again. */
  deactivate(exception: number): void {
    this.active[exception] = 0;
    if (exception >= 16 && this.lineLevel[exception - 16]) this.pending[exception] = 1;
  }
}
