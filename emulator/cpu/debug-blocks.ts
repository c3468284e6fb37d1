// Debug blocks of the PPB the firmware touches: ITM stimulus port 0 (printf over SWO goes to the
// console), DWT (CYCCNT, which HAL and ThreadX use for delays and profiling) and a stored FPB.
// ARMv8-M ARM D1.2 (ITM, DWT, FPB register index).
import { RegisterBlock } from '../../peripherals/registers/register-block.js';
import type { AccessSize, Peripheral } from '../../peripherals/core/peripheral.js';
import type { ModelLog } from '../diagnostics/access-log.js';
import type { VirtualClock } from '../time/virtual-clock.js';

export class Itm implements Peripheral {
  readonly name = 'ITM';
  readonly size = 0x1000;
  readonly regs: RegisterBlock;

  constructor(log: ModelLog, private readonly output: (byte: number) => void) {
    this.regs = new RegisterBlock('ITM', [
      { name: 'STIM{n}', offset: 0x000, count: 32 },
      { name: 'TER', offset: 0xe00 },
      { name: 'TPR', offset: 0xe40 },
      { name: 'TCR', offset: 0xe80 },
      { name: 'LAR', offset: 0xfb0, access: 'w' },
      { name: 'LSR', offset: 0xfb4, access: 'r' },
    ], log, 0xe000_0000);
    // Reading a stimulus port returns FIFOREADY (bit 0) = 1: the host never backs up.
    for (let n = 0; n < 32; n++) {
      this.regs.on(`STIM${n}`, {
        read: () => 1,
        write: (value) => {
          if (n === 0 && (this.regs.get('TCR') & 1) && (this.regs.get('TER') & 1)) this.output(value & 0xff);
        },
      });
    }
  }

  read(offset: number, size: AccessSize): number { return this.regs.read(offset, size); }
  write(offset: number, size: AccessSize, value: number): void {
    // Byte writes to a stimulus port carry one character; the register layer places it in lane 0.
    this.regs.write(offset, size, value);
  }
  peek(offset: number, size: AccessSize): number { return this.regs.peek(offset, size); }
  reset(): void { this.regs.reset(); }
}

export class Dwt implements Peripheral {
  readonly name = 'DWT';
  readonly size = 0x1000;
  readonly regs: RegisterBlock;
  /** CYCCNT value at `anchorCycle`, while counting. */
  private cyccntBase = 0;
  private anchorCycle = 0;
  private counting = false;

  constructor(log: ModelLog, private readonly clock: VirtualClock, private readonly traceEnabled: () => boolean) {
    this.regs = new RegisterBlock('DWT', [
      { name: 'CTRL', offset: 0x000, reset: 0x4000_0000, fields: [
        { name: 'CYCCNTENA', bit: 0 }, { name: 'POSTPRESET', bit: 1, width: 4, modelled: false }, { name: 'NUMCOMP', bit: 28, width: 4, access: 'r' },
      ] },
      { name: 'CYCCNT', offset: 0x004 },
      { name: 'CPICNT', offset: 0x008 },
      { name: 'EXCCNT', offset: 0x00c },
      { name: 'SLEEPCNT', offset: 0x010 },
      { name: 'LSUCNT', offset: 0x014 },
      { name: 'FOLDCNT', offset: 0x018 },
      { name: 'PCSR', offset: 0x01c, access: 'r' },
      { name: 'COMP{n}', offset: 0x020, count: 4, stride: 16 },
      { name: 'FUNCTION{n}', offset: 0x028, count: 4, stride: 16, modelled: false },
      { name: 'LAR', offset: 0xfb0, access: 'w' },
    ], log, 0xe000_1000);
    this.regs.on('CTRL', { write: () => this.update() });
    this.regs.on('CYCCNT', {
      read: () => this.cyccnt,
      write: (value) => { this.cyccntBase = value >>> 0; this.anchorCycle = this.clock.now; },
    });
  }

  get cyccnt(): number {
    return this.counting ? (this.cyccntBase + (this.clock.now - this.anchorCycle)) >>> 0 : this.cyccntBase;
  }

  /** Re-evaluates whether CYCCNT runs (CTRL.CYCCNTENA and DEMCR.TRCENA). */
  update(): void {
    const shouldCount = (this.regs.get('CTRL') & 1) === 1 && this.traceEnabled();
    if (shouldCount === this.counting) return;
    this.cyccntBase = this.cyccnt;
    this.anchorCycle = this.clock.now;
    this.counting = shouldCount;
  }

  read(offset: number, size: AccessSize): number { this.update(); return this.regs.read(offset, size); }
  write(offset: number, size: AccessSize, value: number): void { this.update(); this.regs.write(offset, size, value); }
  peek(offset: number, size: AccessSize): number { return this.regs.peek(offset, size); }
  reset(): void { this.regs.reset(); this.cyccntBase = 0; this.counting = false; }
}

/** Flash patch and breakpoint unit: stored only (breakpoints come from the GDB stub's engine hooks). */
export class Fpb implements Peripheral {
  readonly name = 'FPB';
  readonly size = 0x1000;
  readonly regs: RegisterBlock;
  constructor(log: ModelLog) {
    this.regs = new RegisterBlock('FPB', [
      { name: 'FP_CTRL', offset: 0x000, reset: 0x1000_0080 },
      { name: 'FP_REMAP', offset: 0x004, access: 'r' },
      { name: 'FP_COMP{n}', offset: 0x008, count: 8, modelled: false },
      { name: 'FP_LAR', offset: 0xfb0, access: 'w' },
    ], log, 0xe000_2000);
  }
  read(offset: number, size: AccessSize): number { return this.regs.read(offset, size); }
  write(offset: number, size: AccessSize, value: number): void { this.regs.write(offset, size, value); }
  peek(offset: number, size: AccessSize): number { return this.regs.peek(offset, size); }
  reset(): void { this.regs.reset(); }
}
