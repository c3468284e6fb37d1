// RM0481 §33 True random number generator (RNG). The noise source and conditioning are replaced by
// a hash-based DRBG: SHA-256 over (seed, instance, counter), deterministic for a given
// ctx.host.seed, or node:crypto when the harness asks for host entropy. What firmware can observe is
// kept: the conditioning reset (CONDRST reads 1 for a moment after it is cleared), DRDY per 4-word
// block after a delay counted in RNG kernel clocks, DR reading 0 while DRDY is clear, clock errors
// (CECS/CEIS) and seed errors (SECS/SEIS) with the recovery sequence of §33.3.
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { RegisterPeripheral } from '../core/register-peripheral.js';
import type { IrqLine, PeripheralContext } from '../core/peripheral.js';
import type { ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import { RNG_CR, RNG_REGISTERS, RNG_SIZE, RNG_SR } from './rng.regs.js';
import { bytesToWord } from './data-swap.js';

/** A 128-bit block takes 256 RNG clocks but at least 412 AHB clocks (the figures ST gives for this RNG generation). */
const BLOCK_RNG_CLOCKS = 256;
const BLOCK_MIN_HCLK_CYCLES = 412;
/** The first block after enable or a conditioning reset also runs the start-up health tests: two blocks' time (approximate). */
const STARTUP_BLOCKS = 2;
/** Conditioning reset: 2 AHB clocks plus a few RNG clocks after CONDRST is cleared. */
const CONDRST_RNG_CLOCKS = 8;

export class RngModel extends RegisterPeripheral {
  private readonly irq: IrqLine;
  private fifo: number[] = [];
  private generation: ScheduledEvent | null = null;
  private conditioning: ScheduledEvent | null = null;
  private counter = 0;
  private seedFaultPersistent = false;
  private readonly seedMaterial: Uint8Array;

  constructor(ctx: PeripheralContext, baseAddress = 0) {
    super(ctx, RNG_SIZE, RNG_REGISTERS, baseAddress);
    this.irq = ctx.irq();
    const text = new TextEncoder().encode(`h5sim-rng/${ctx.name}/${ctx.host.seed >>> 0}`);
    this.seedMaterial = sha256(text);
    this.regs.on('CR', { write: (value, previous) => this.controlWritten(value, previous) });
    this.regs.on('SR', { write: () => this.updateIrq() });
    this.regs.on('DR', {
      read: () => (this.regs.get('SR') & RNG_SR.DRDY ? this.fifo[0] ?? 0 : 0),
      peek: () => (this.regs.get('SR') & RNG_SR.DRDY ? this.fifo[0] ?? 0 : 0),
      afterRead: () => this.popWord(),
    });
    ctx.clocks.onChange(() => this.checkClock());
  }

  protected override onReset(): void {
    this.generation?.cancel();
    this.conditioning?.cancel();
    this.generation = null;
    this.conditioning = null;
    this.fifo = [];
    this.seedFaultPersistent = false;
    this.irq.set(false);
  }

  /**
   * Harness fault injection: a seed error as the health tests would report it. With ARDIS=0 the
   * RNG resets itself (SECS clears after a conditioning reset, SEIS stays for firmware to clear);
   * with ARDIS=1, or `persistent`, firmware must run CONDRST 1→0 itself (RM0481 §33.3.7).
   */
  injectSeedError(options: { persistent?: boolean } = {}): void {
    this.seedFaultPersistent = options.persistent ?? false;
    this.fifo = [];
    this.cancelGeneration();
    this.regs.setBits('SR', RNG_SR.DRDY, false);
    this.regs.setBits('SR', RNG_SR.SECS | RNG_SR.SEIS, true);
    this.updateIrq();
    if (!(this.regs.get('CR') & RNG_CR.ARDIS) && !this.seedFaultPersistent) {
      this.conditioning = this.ctx.clock.afterCycles(this.conditioningCycles(), () => this.conditioningDone(), 'RNG auto reset');
    }
  }

  private controlWritten(value: number, previous: number): void {
    if (previous & RNG_CR.CONFIGLOCK) {
      // Configuration is frozen until the next reset; only RNGEN, IE and CONDRST still act.
      const frozen = RNG_CR.CONFIG | RNG_CR.CONFIGLOCK;
      if ((value ^ previous) & frozen & ~RNG_CR.CONDRST) this.ctx.log.guestError('CR configuration written while CONFIGLOCK is set; ignored', { register: 'CR' });
      value = ((value & ~frozen) | (previous & frozen)) >>> 0;
    } else if (!(value & RNG_CR.CONDRST) && !(previous & RNG_CR.CONDRST) && (value ^ previous) & RNG_CR.CONFIG) {
      this.ctx.log.guestError('CR configuration changed without CONDRST=1; the RNG ignores it', { register: 'CR' });
      value = ((value & ~RNG_CR.CONFIG) | (previous & RNG_CR.CONFIG)) >>> 0;
    }
    this.regs.set('CR', value);
    if (value & RNG_CR.CONDRST && !(previous & RNG_CR.CONDRST)) {
      // Conditioning reset held: output buffer flushed, nothing generated until it is released.
      this.conditioning?.cancel();
      this.conditioning = null;
      this.fifo = [];
      this.cancelGeneration();
      this.regs.setBits('SR', RNG_SR.DRDY, false);
    } else if (!(this.regs.get('CR') & RNG_CR.CONDRST) && previous & RNG_CR.CONDRST) {
      // Firmware cleared CONDRST: the bit keeps reading 1 until the reset completes.
      this.regs.setBits('CR', RNG_CR.CONDRST, true);
      this.conditioning?.cancel();
      this.conditioning = this.ctx.clock.afterCycles(this.conditioningCycles(), () => this.conditioningDone(), 'RNG conditioning reset');
    }
    if (!(value & RNG_CR.RNGEN)) {
      this.cancelGeneration();
      this.fifo = [];
      this.regs.setBits('SR', RNG_SR.DRDY, false);
    }
    this.checkClock();
    this.schedule(STARTUP_BLOCKS);
    this.updateIrq();
  }

  private conditioningDone(): void {
    this.conditioning = null;
    this.regs.setBits('CR', RNG_CR.CONDRST, false);
    this.seedFaultPersistent = false;
    this.regs.setBits('SR', RNG_SR.SECS, false);
    this.checkClock();
    this.schedule(STARTUP_BLOCKS);
    this.updateIrq();
  }

  private rngHz(): number {
    const divider = 2 ** ((this.regs.get('CR') >>> 16) & 0xf);
    return this.ctx.clocks.kernelFrequency(this.ctx.name) / divider;
  }

  private conditioningCycles(): number {
    const hz = this.rngHz();
    const rngClocks = hz > 0 ? Math.ceil((CONDRST_RNG_CLOCKS * this.ctx.clock.frequencyHz) / hz) : 0;
    return 2 + rngClocks;
  }

  /** RM0481 §33.3.8: with CED=0 a kernel clock below HCLK/32 is a clock error. */
  private checkClock(): void {
    const hz = this.rngHz();
    const hclk = this.ctx.clocks.busFrequency(this.ctx.name) || this.ctx.clock.frequencyHz;
    const detect = !(this.regs.get('CR') & RNG_CR.CED);
    const error = detect && (this.regs.get('CR') & RNG_CR.RNGEN) !== 0 && hz < hclk / 32;
    const was = (this.regs.get('SR') & RNG_SR.CECS) !== 0;
    if (error && !was) {
      this.regs.setBits('SR', RNG_SR.CECS | RNG_SR.CEIS, true);
      this.cancelGeneration();
    } else if (!error && was) {
      this.regs.setBits('SR', RNG_SR.CECS, false);
      this.schedule(STARTUP_BLOCKS);
    }
    this.updateIrq();
  }

  private canGenerate(): boolean {
    const cr = this.regs.get('CR');
    const sr = this.regs.get('SR');
    return (cr & RNG_CR.RNGEN) !== 0 && !(cr & RNG_CR.CONDRST) && !(sr & (RNG_SR.SECS | RNG_SR.CECS)) && this.rngHz() > 0;
  }

  private schedule(blocks: number): void {
    if (this.generation || this.fifo.length > 0 || !this.canGenerate()) return;
    const perBlock = Math.max(BLOCK_MIN_HCLK_CYCLES, (BLOCK_RNG_CLOCKS * this.ctx.clock.frequencyHz) / this.rngHz());
    const cycles = Math.ceil(blocks * perBlock);
    this.generation = this.ctx.clock.afterCycles(cycles, () => {
      this.generation = null;
      if (!this.canGenerate()) return;
      const block = this.nextBlock();
      this.fifo = [0, 4, 8, 12].map((i) => bytesToWord(block, i));
      this.regs.setBits('SR', RNG_SR.DRDY, true);
      this.updateIrq();
    }, 'RNG block');
  }

  private cancelGeneration(): void {
    this.generation?.cancel();
    this.generation = null;
  }

  private nextBlock(): Uint8Array {
    if (this.ctx.host.entropy === 'host') return new Uint8Array(randomBytes(16));
    const input = new Uint8Array(this.seedMaterial.length + 8);
    input.set(this.seedMaterial);
    new DataView(input.buffer).setUint32(this.seedMaterial.length, Math.floor(this.counter / 0x1_0000_0000));
    new DataView(input.buffer).setUint32(this.seedMaterial.length + 4, this.counter >>> 0);
    this.counter++;
    return sha256(input).subarray(0, 16);
  }

  private popWord(): void {
    if (!(this.regs.get('SR') & RNG_SR.DRDY)) return;
    this.fifo.shift();
    if (this.fifo.length === 0) {
      this.regs.setBits('SR', RNG_SR.DRDY, false);
      this.schedule(1);
    }
    this.updateIrq();
  }

  private updateIrq(): void {
    const sr = this.regs.get('SR');
    const ie = (this.regs.get('CR') & RNG_CR.IE) !== 0;
    this.irq.set(ie && (sr & (RNG_SR.DRDY | RNG_SR.CEIS | RNG_SR.SEIS)) !== 0);
  }
}
