// One virtual clock for the whole machine, counted in CPU cycles (one instruction = one cycle, a
// documented approximation). Models schedule events on it; nothing in a model uses host timers.
// Events given in seconds keep their place in time when SYSCLK changes; events given in cycles
// keep their cycle count.

export interface ScheduledEvent {
  cancel(): void;
  readonly active: boolean;
}

interface EventEntry {
  dueCycle: number;
  sequence: number;
  label: string;
  callback: () => void;
  /** Set for events scheduled in seconds: the virtual time (s) they are due at. */
  dueSeconds: number | null;
  cancelled: boolean;
}

export class VirtualClock {
  private cycles = 0;
  private frequency: number;
  /** Seconds of virtual time at `anchorCycle`; time advances at `frequency` from there. */
  private anchorSeconds = 0;
  private anchorCycle = 0;
  private sequence = 0;
  private heap: EventEntry[] = [];
  private readonly frequencyListeners: Array<(hz: number) => void> = [];
  /** While the CPU runs a slice: where it started, how far it may go, and how far it has got. */
  private slice: { start: number; end: number; executed: () => number; onEarlierEvent: () => void } | null = null;

  constructor(frequencyHz: number) {
    this.frequency = frequencyHz;
  }

  /** CPU cycles since reset — during a slice, up to the instruction executing now. */
  get now(): number {
    return this.slice ? this.slice.start + this.slice.executed() : this.cycles;
  }

  /**
   * The CPU starts running up to `maxCycles` instructions. Until `endSlice`, `now` follows the
   * instruction count, and an event scheduled before the slice's end calls `onEarlierEvent` (the
   * core then ends the slice so the event fires on time).
   */
  beginSlice(maxCycles: number, executed: () => number, onEarlierEvent: () => void): void {
    this.slice = { start: this.cycles, end: this.cycles + maxCycles, executed, onEarlierEvent };
  }

  endSlice(): void {
    this.slice = null;
  }

  get frequencyHz(): number {
    return this.frequency;
  }

  /** Virtual seconds since reset. */
  get seconds(): number {
    return this.anchorSeconds + (this.now - this.anchorCycle) / this.frequency;
  }

  onFrequencyChange(listener: (hz: number) => void): void {
    this.frequencyListeners.push(listener);
  }

  /** SYSCLK changed (RCC switched source or prescaler): events given in seconds are retimed. */
  setFrequency(hz: number): void {
    if (!(hz > 0) || hz === this.frequency) return;
    this.anchorSeconds = this.seconds;
    this.anchorCycle = this.now;
    this.frequency = hz;
    for (const entry of this.heap) {
      if (entry.dueSeconds !== null) entry.dueCycle = this.cycleAt(entry.dueSeconds);
    }
    this.heapify();
    for (const listener of this.frequencyListeners) listener(hz);
  }

  /** Converts a virtual time in seconds to the cycle it falls on at the current frequency. */
  cycleAt(seconds: number): number {
    return Math.max(this.now, this.anchorCycle + Math.ceil((seconds - this.anchorSeconds) * this.frequency - 1e-6));
  }

  afterCycles(cycles: number, callback: () => void, label = 'event'): ScheduledEvent {
    return this.push(this.now + Math.max(0, Math.ceil(cycles)), null, callback, label);
  }

  afterSeconds(seconds: number, callback: () => void, label = 'event'): ScheduledEvent {
    const due = this.seconds + Math.max(0, seconds);
    return this.push(this.cycleAt(due), due, callback, label);
  }

  /** Cycles until the next event, or Infinity when nothing is scheduled. */
  cyclesToNextEvent(): number {
    this.dropCancelled();
    return this.heap.length === 0 ? Infinity : Math.max(0, this.heap[0]!.dueCycle - this.now);
  }

  get pendingEvents(): number {
    this.dropCancelled();
    return this.heap.filter((e) => !e.cancelled).length;
  }

  /** Moves time forward by `cycles` and fires every event that falls due, in order. */
  advance(cycles: number): void {
    const target = this.cycles + cycles;
    for (;;) {
      this.dropCancelled();
      const next = this.heap[0];
      if (!next || next.dueCycle > target) break;
      this.pop();
      this.cycles = Math.max(this.cycles, next.dueCycle);
      next.cancelled = true;
      next.callback();
    }
    this.cycles = target;
  }

  /** Fires events due now without moving time (used after a model schedules a zero delay). */
  fireDue(): void {
    this.advance(0);
  }

  reset(): void {
    this.heap = [];
  }

  private push(dueCycle: number, dueSeconds: number | null, callback: () => void, label: string): ScheduledEvent {
    const entry: EventEntry = { dueCycle, sequence: this.sequence++, label, callback, dueSeconds, cancelled: false };
    this.heap.push(entry);
    this.siftUp(this.heap.length - 1);
    if (this.slice && dueCycle < this.slice.end) this.slice.onEarlierEvent();
    return {
      cancel: () => { entry.cancelled = true; },
      get active() { return !entry.cancelled; },
    };
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
  }

  private less(a: EventEntry, b: EventEntry): boolean {
    return a.dueCycle < b.dueCycle || (a.dueCycle === b.dueCycle && a.sequence < b.sequence);
  }

  private pop(): EventEntry | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (this.heap.length > 0 && last) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private heapify(): void {
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.less(heap[index]!, heap[parent]!)) break;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && this.less(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.less(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === index) break;
      [heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!];
      index = smallest;
    }
  }
}

/** Parses "10s", "250ms", "5us", "100ns", "2m", optionally followed by the word "virtual". */
export function parseDuration(text: string): number {
  const match = /^\s*([0-9]*\.?[0-9]+)\s*(ns|us|µs|ms|s|m|min|h)?\s*(virtual)?\s*$/i.exec(text);
  if (!match) throw new Error(`cannot read "${text}" as a duration (examples: 10s, 250ms, 5us)`);
  const value = Number(match[1]);
  const unit = (match[2] ?? 's').toLowerCase();
  const scale: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, min: 60, h: 3600 };
  return value * scale[unit]!;
}
