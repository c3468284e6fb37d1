// The clock usernet's timers run on. In the simulator it is the virtual clock (so TCP
// retransmissions and DHCP leases are deterministic in virtual-time mode); a standalone gateway
// has no simulation, so it uses the host's timers.

export interface NetTimer {
  cancel(): void;
}

export interface NetClock {
  /** Seconds on this clock (any origin; only differences matter). */
  now(): number;
  after(seconds: number, callback: () => void): NetTimer;
}

/** Wraps a clock with `seconds` and `afterSeconds` (the shape of emulator/time's VirtualClock). */
export function netClockFrom(clock: { readonly seconds: number; afterSeconds(seconds: number, callback: () => void, label?: string): NetTimer }): NetClock {
  return {
    now: () => clock.seconds,
    after: (seconds, callback) => clock.afterSeconds(seconds, callback, 'usernet'),
  };
}

/** Host timers, for the standalone gateway only. Timers are unref'd so they never keep node alive. */
export function hostNetClock(): NetClock {
  const origin = performance.now();
  return {
    now: () => (performance.now() - origin) / 1000,
    after: (seconds, callback) => {
      const handle = setTimeout(callback, Math.max(0, seconds * 1000));
      handle.unref();
      return { cancel: () => clearTimeout(handle) };
    },
  };
}

/** A clock moved by hand: tests advance it and due timers fire in order. */
export class ManualNetClock implements NetClock {
  private time = 0;
  private sequence = 0;
  private timers: Array<{ due: number; sequence: number; callback: () => void; cancelled: boolean }> = [];

  now(): number {
    return this.time;
  }

  after(seconds: number, callback: () => void): NetTimer {
    const timer = { due: this.time + Math.max(0, seconds), sequence: this.sequence++, callback, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  advance(seconds: number): void {
    const target = this.time + seconds;
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: (typeof this.timers)[number] | undefined;
      for (const t of this.timers) {
        if (t.due <= target && (!next || t.due < next.due || (t.due === next.due && t.sequence < next.sequence))) next = t;
      }
      if (!next) break;
      next.cancelled = true;
      this.time = Math.max(this.time, next.due);
      next.callback();
    }
    this.time = target;
  }
}
