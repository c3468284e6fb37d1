// The Cortex-M33 as h5sim runs it: Unicorn executes instructions; this class does what Unicorn
// leaves out for M-profile — exception entry and return (basic and FP-extended frames, 8-byte
// alignment, EXC_RETURN, MSP/PSP, priorities and masking, tail-chaining), faults and their
// escalation, semihosting, WFI/sleep, and the run loop that keeps the virtual clock.
// ARMv8-M Architecture Reference Manual, B3 (exception model) and D1 (pseudocode).
import { EngineException, Reg, type Engine, type StopReason } from '../core/engine.js';
import type { Bus, BusError } from '../bus/bus.js';
import type { VirtualClock } from '../time/virtual-clock.js';
import { Exception, type MaskState, type Nvic } from './nvic.js';
import type { SystemControlSpace } from './system-control.js';
import { CFSR, HFSR } from './system-control.regs.js';
import { Semihosting } from './semihosting.js';
import { unmaskBitmap } from './unmask-watch.js';
import { FlashStores } from './flash-stores.js';
import { readStackLimits } from './stack-limits.js';
import { UnalignedTrap } from './unaligned-trap.js';
import { formatFaultReport, type FaultReport } from '../diagnostics/fault-report.js';
import { hex } from '../diagnostics/access-log.js';

const CONTROL_NPRIV = 1 << 0;
const CONTROL_SPSEL = 1 << 1;
const CONTROL_FPCA = 1 << 2;
const CONTROL_SFPA = 1 << 3;
const XPSR_ALIGN = 1 << 9;
const XPSR_T = 1 << 24;
const EXC_RETURN_PREFIX = 0xffff_ff80;
const EXC_RETURN_ES = 1 << 0;
const EXC_RETURN_SPSEL = 1 << 2;
const EXC_RETURN_MODE = 1 << 3;
const EXC_RETURN_FTYPE = 1 << 4;
const EXC_RETURN_DCRS = 1 << 5;
const EXC_RETURN_S = 1 << 6;
const XPSR_NZCVQG = 138; // Unicorn id writing flags, GE, IPSR, IT and T together
const UC_ERR_INSN_INVALID = 10;
const BASIC_FRAME = 0x20;
const EXTENDED_FRAME = 0x68;
/** The longest slice between checks for pending interrupts, in instructions. */
const MAX_SLICE = 500_000;
/** Slice length while an exception is pending but masked (PRIMASK/BASEPRI set by MSR, which we do not see). */
const MASKED_PENDING_SLICE = 64;
/** Accesses to other registers tolerated between two polls of the tracked one. */
const POLL_MAX_BETWEEN = 8;
/** Reads of the same register with the same value at the same period before a loop counts as polling. */
const POLL_CONFIRMATIONS = 6;
/** A poll older than this (cycles) is not reported as what the firmware is waiting on. */
const POLL_REPORT_WINDOW = 10_000_000;
/** A slice this long without a peripheral access makes the core look for a RAM spin loop. */
const SPIN_CANDIDATE_INSTRUCTIONS = 20_000;
/** The longest loop period (instructions) the spin probe can recognise, times three passes. */
const SPIN_PROBE_BUDGET = 3 * 2_000;
/** Known spin loops remembered, and how far (bytes) from one a PC still counts as in it. */
const KNOWN_SPINS = 8;
const KNOWN_SPIN_REACH = 32;
const MASK_REGISTERS = [Reg.PRIMASK, Reg.FAULTMASK, Reg.BASEPRI];
/** Handler mode first (privileged, MSP active), then CONTROL and both stacks in their final roles, then xPSR. */
const CORE_STATE_WRITE_ORDER = [Reg.IPSR, Reg.CONTROL, Reg.MSP, Reg.PSP, XPSR_NZCVQG];
const ENTRY_READ = [Reg.CONTROL, Reg.XPSR, Reg.SP, Reg.R0, Reg.R1, Reg.R2, Reg.R3, Reg.R12, Reg.LR];
const STACK_POINTERS = [Reg.MSP, Reg.PSP];
const FRAME_REGISTERS = [Reg.R0, Reg.R1, Reg.R2, Reg.R3, Reg.R12, Reg.LR];
const CORE_STATE_REGISTERS = [Reg.R0, Reg.R1, Reg.R2, Reg.R3, Reg.R4, Reg.R5, Reg.R6, Reg.R7, Reg.R8, Reg.R9, Reg.R10, Reg.R11, Reg.R12, Reg.SP, Reg.LR, Reg.PC, Reg.XPSR];

/** Why an instruction fetch failed, in words for fault reports. */
function fetchProblem(address: number, unmapped: boolean): string {
  if ((address >= 0x4000_0000 && address < 0x6000_0000) || address >= 0xe000_0000) return 'execute-never region of the memory map';
  return unmapped ? 'nothing is mapped there' : 'mapped without execute permission';
}

export type CoreStop =
  | { kind: 'budget' }
  | { kind: 'exit'; code: number; reason: string }
  | { kind: 'lockup'; report: FaultReport }
  | { kind: 'fault-loop'; report: FaultReport }
  | { kind: 'breakpoint'; address: number }
  | { kind: 'watchpoint'; address: number; access: 'read' | 'write' }
  | { kind: 'halted' }
  | { kind: 'sleeping-forever' }
  | { kind: 'model-error'; error: unknown };

export interface CoreOptions {
  symbolize?: (address: number) => string | undefined;
  console?: (text: string) => void;
  /** Called before a slice; returning true ends the run (the harness's stop conditions). */
  traceExceptions?: (event: { kind: 'entry' | 'return'; exception: number; cycle: number }) => void;
}

interface CoreState { xpsr: number; control: number; msp: number; psp: number }

export class CortexM33 {
  readonly semihosting: Semihosting;
  sleeping = false;
  /** Set by a debugger breakpoint or watchpoint hook: the run ends after the current instruction. */
  private debugStop: CoreStop | null = null;
  private pendingBusError: (BusError & { pc: number }) | null = null;
  private pendingModelError: unknown = null;
  private pendingStop: CoreStop | null = null;
  /** CCR.UNALIGN_TRP, which the engine ignores (unaligned-trap.ts). */
  private readonly unalignedTrap: UnalignedTrap;
  /** A stack-limit fault whose limit the report still has to name. */
  private stackLimitFault: { process: boolean; sp: number } | null = null;
  private systemResetRequested = false;
  private hardFaultEnteredAt = -1;
  /** The fault handler (HardFault, MemManage, BusFault, UsageFault) entered at hardFaultEnteredAt. */
  private faultHandlerException: number = Exception.HardFault;
  lastFault: FaultReport | null = null;
  /** Cycles executed with a stack frame or register state that cannot continue. */
  private lockedUp: FaultReport | null = null;
  /** A debugger is attached: BKPT instructions halt instead of escalating to HardFault. */
  debuggerAttached = false;
  /** Exceptions are not taken while single-stepping unless asked (GDB `monitor step-irq on`). */
  maskInterruptsWhileStepping = true;
  onSystemReset: () => void = () => {};
  /** Skip virtual time over loops that only poll a register that cannot change before the next event. */
  skipPollLoops = true;
  /** Cycles skipped over poll loops (reported by benchmarks). */
  skippedCycles = 0;
  private readonly poll = {
    address: -1, value: -1, lastCycle: -1, period: 0, count: 0, backoff: 0, snapshot: null as number[] | null, confirmedPeriod: 0,
    /** Other accesses since the tracked one (a hash of address, value and direction, and how many):
     * each pass of a loop must make the same ones. */
    between: 0, betweenCount: 0, lastBetween: 0,
  };
  /** CPU accesses to peripherals so far (a slice without any is a candidate RAM spin loop). */
  private peripheralAccesses = 0;
  /** Slices to wait before probing for a RAM spin loop again after a probe found none. */
  private spinProbeBackoff = 0;
  private spinProbeFailures = 0;
  private lastPeripheralAccess = 0;
  /** A second exception tracer, switched by the debugger (GDB `monitor trace exceptions on|off`). */
  debuggerExceptionTrace: CoreOptions['traceExceptions'] = undefined;
  /** Exception entries and returns for the harness's traces (--trace exceptions). */
  exceptionTrace: CoreOptions['traceExceptions'] = undefined;

  constructor(
    readonly engine: Engine,
    readonly bus: Bus,
    readonly clock: VirtualClock,
    readonly nvic: Nvic,
    readonly scs: SystemControlSpace,
    private readonly options: CoreOptions = {},
  ) {
    this.semihosting = new Semihosting({
      readMemory: (address, length) => this.bus.debugRead(address, length),
      writeConsole: (text) => this.options.console?.(text),
      virtualSeconds: () => this.clock.seconds,
    });
    engine.onInterrupt((intno) => this.onEngineInterrupt(intno));
    this.flashStores = new FlashStores(bus, (begin, end) => engine.invalidateCode(begin, end));
    engine.onWriteProtected((address, size, value) => this.takeFlashStore(address, size, value));
    this.unalignedTrap = new UnalignedTrap(engine, (a, n) => (bus.isMemory(a, n) ? bus.readBytes(a, n) : null), (a, bytes) => bus.writeBytes(a, bytes));
    scs.regs.on('CCR', { write: () => engine.stop() }); // UNALIGN_TRP takes effect from the next slice
    nvic.onPend = () => this.engine.stop();
    bus.onBusError = (error) => {
      if (!this.pendingBusError) this.pendingBusError = { ...error, pc: this.engine.readRegister(Reg.PC) };
      this.engine.stop();
    };
    bus.onCpuAccess = (access, address, value) => this.observeAccess(access, address, value);
    bus.onModelError = (error) => {
      if (!this.pendingModelError) this.pendingModelError = error;
      this.engine.stop();
    };
  }

  /**
   * Poll-loop detection (issue: HAL and LL drivers poll ready flags, often with no timeout). A loop
   * that reads the same register, gets the same value, at a constant period, with every core
   * register identical from one iteration to the next, does nothing until an event changes the
   * register: the run loop then skips whole iterations up to the next event. What the firmware
   * observes is unchanged (CYCCNT, timers and the final state are those of running the loop).
   */
  private observeAccess(access: 'read' | 'write', address: number, value: number): void {
    this.peripheralAccesses++;
    this.lastPeripheralAccess = this.clock.now;
    const poll = this.poll;
    // A write counts like a read when writing the same value again changes nothing (GPIO BSRR: the
    // `while (1) BSP_LED_On(LED1);` ST's examples end in); any other write is progress.
    if (!this.skipPollLoops || (access === 'write' && !this.bus.isIdempotentWrite(address))) {
      poll.address = -1;
      poll.count = 0;
      return;
    }
    if (address !== poll.address && poll.address !== -1 && poll.betweenCount < POLL_MAX_BETWEEN) {
      // Another register in the same loop (a flag read and an LED write): each pass must repeat it.
      poll.between = Math.imul(poll.between ^ address, 0x9e3779b1) ^ Math.imul(value ^ (access === 'write' ? 0x5bd1e995 : 0), 0x85ebca6b);
      poll.betweenCount++;
      return;
    }
    const now = this.clock.now;
    const period = now - poll.lastCycle;
    const between = poll.between;
    poll.between = 0;
    poll.betweenCount = 0;
    if (address !== poll.address || value !== poll.value || period !== poll.period || period <= 0 || between !== poll.lastBetween) {
      poll.address = address;
      poll.value = value;
      poll.period = poll.lastCycle >= 0 ? period : 0;
      poll.lastCycle = now;
      poll.lastBetween = between;
      poll.count = 0;
      poll.snapshot = null;
      return;
    }
    poll.lastCycle = now;
    poll.count++;
    if (poll.count < POLL_CONFIRMATIONS + poll.backoff) return;
    const state = this.engine.readRegisters(CORE_STATE_REGISTERS);
    if (poll.snapshot && state.every((v, i) => v === poll.snapshot![i])) {
      poll.confirmedPeriod = period;
      poll.backoff = 0;
      this.engine.stop();
    } else if (poll.snapshot) {
      // The loop changes a register each pass (a timeout counter): not idle. Look again later.
      poll.backoff = Math.min(Math.max(1, poll.backoff * 2), 4096);
      poll.count = 0;
      poll.snapshot = null;
      return;
    }
    poll.snapshot = state;
  }

  /** CPU stores into flash, handed to the FLASH interface after the instruction (flash-stores.ts). */
  private readonly flashStores: FlashStores;

  private takeFlashStore(address: number, size: number, value: bigint): boolean {
    if (!this.flashStores.take(address, size, value)) return false;
    this.engine.stop(); // before the next instruction, so nothing reads the stored bytes
    return true;
  }

  private spinProbeArmed = false;

  /**
   * RAM spin loops (delay loops on a tick counter, ThreadX's idle loop): a probe hook on the current
   * PC records the core registers at three consecutive passes. Two equal periods, identical registers
   * and no peripheral access mean the loop cannot end before an interrupt changes memory: skip whole
   * iterations up to the next event, as for poll loops.
   */
  private startSpinProbe(): { hook: { remove(): void }; budget: number; pc: number; hits: Array<{ cycle: number; state: number[] }> } | null {
    const pc = this.engine.readRegister(Reg.PC);
    if (this.clock.cyclesToNextEvent() < SPIN_PROBE_BUDGET) return null;
    const hits: Array<{ cycle: number; state: number[] }> = [];
    // (No retranslation needed: every instruction already passes the counter's hook, which serves
    // single-address hooks.)
    const hook = this.engine.addCodeHook(pc, pc, () => {
      hits.push({ cycle: this.clock.now, state: this.engine.readRegisters(CORE_STATE_REGISTERS) });
      if (hits.length === 3) this.engine.stopBeforeCurrentInstruction();
    });
    return { hook, budget: SPIN_PROBE_BUDGET, pc, hits };
  }

  /** Where a probe found a RAM spin loop (PC and the exception it ran in), most recent first:
   * returning into one (after the interrupt that ended the skip) probes at once instead of running
   * a whole slice first. */
  private readonly knownSpins: Array<{ pc: number; exception: number }> = [];

  private nearKnownSpin(pc: number): boolean {
    const exception = this.currentException;
    return this.knownSpins.some((known) => known.exception === exception && Math.abs(known.pc - pc) <= KNOWN_SPIN_REACH);
  }

  private finishSpinProbe(probe: { pc: number; hits: Array<{ cycle: number; state: number[] }> }, quiet: boolean, runEnd: number): void {
    const [a, b, c] = probe.hits;
    const same = (x: number[], y: number[]) => x.every((v, i) => v === y[i]);
    if (quiet && a && b && c && b.cycle - a.cycle === c.cycle - b.cycle && b.cycle > a.cycle && same(a.state, b.state) && same(b.state, c.state)) {
      // The core stopped before the third pass: its state is the loop head's.
      const period = c.cycle - b.cycle;
      const horizon = Math.min(this.clock.cyclesToNextEvent(), runEnd - this.clock.now);
      const skip = Number.isFinite(horizon) ? Math.floor((horizon - 1) / period) * period : 0;
      if (skip > 0 && !this.nvic.preemptsWhenUnmasked()) {
        this.clock.advance(skip);
        this.skippedCycles += skip;
      }
      this.spinProbeFailures = 0;
      const exception = this.currentException;
      if (!this.knownSpins.some((known) => known.pc === probe.pc && known.exception === exception)) {
        this.knownSpins.unshift({ pc: probe.pc, exception });
        this.knownSpins.length = Math.min(this.knownSpins.length, KNOWN_SPINS);
      }
      return;
    }
    // Not (or no longer) a spin loop here: forget it, and wait longer before the next blind probe.
    const stale = this.knownSpins.findIndex((known) => Math.abs(known.pc - probe.pc) <= KNOWN_SPIN_REACH);
    if (stale >= 0) this.knownSpins.splice(stale, 1);
    this.spinProbeFailures = Math.min(this.spinProbeFailures + 1, 10);
    this.spinProbeBackoff = 1 << this.spinProbeFailures;
  }

  symbol(address: number): string | undefined {
    return this.options.symbolize?.(address);
  }

  /**
   * When the firmware is stuck polling a register (a ready flag whose clock was never enabled, say),
   * names it: "RCC CR (0x44020c00) reads 0x00000023, polled at PC 0x08000412 <SystemClock_Config+0x2e>".
   */
  describePolling(): string | undefined {
    const poll = this.poll;
    if (poll.address < 0 || this.clock.now - poll.lastCycle > POLL_REPORT_WINDOW) return undefined;
    const found = this.bus.findPeripheral(poll.address);
    const regs = (found?.peripheral as { regs?: { nameAt(offset: number): string | undefined } } | undefined)?.regs;
    const register = found ? `${found.peripheral.name} ${regs?.nameAt(found.offset & ~3) ?? `+0x${found.offset.toString(16)}`}` : 'an unmapped address';
    const pc = this.engine.readRegister(Reg.PC);
    const symbol = this.symbol(pc);
    return `${register} (${hex(poll.address)}) reads ${hex(poll.value)}, polled at PC ${hex(pc)}${symbol ? ` <${symbol}>` : ''}`;
  }

  /** Scans the code image at `base` for instructions that may unmask interrupts (see
   * unmask-watch.ts); called on every reset, so a debugger's `load` is seen too. */
  watchUnmasking(base: number, code: Uint8Array): void {
    this.engine.setUnmaskWatch(unmaskBitmap(code), base, code.byteLength);
  }

  /** Power-on or system reset of the core: registers, SCS, vector fetch. */
  reset(): void {
    this.nvic.reset();
    this.scs.reset();
    this.sleeping = false;
    this.lockedUp = null;
    this.lastFault = null;
    this.hardFaultEnteredAt = -1;
    this.pendingBusError = null;
    this.pendingStop = null;
    for (const reg of [Reg.R0, Reg.R1, Reg.R2, Reg.R3, Reg.R4, Reg.R5, Reg.R6, Reg.R7, Reg.R8, Reg.R9, Reg.R10, Reg.R11, Reg.R12]) {
      this.engine.writeRegister(reg, 0);
    }
    this.engine.writeRegister(Reg.PRIMASK, 0);
    this.engine.writeRegister(Reg.FAULTMASK, 0);
    this.engine.writeRegister(Reg.BASEPRI, 0);
    this.engine.writeRegister(Reg.FPSCR, 0);
    for (let i = 0; i < 16; i++) this.engine.writeRegisterBits64(Reg.D0 + i, 0n);
    const vtor = this.scs.vtor;
    const sp = this.readWord(vtor);
    const entry = this.readWord(vtor + 4);
    this.applyCoreState({ xpsr: XPSR_T, control: 0, msp: (sp ?? 0) & ~3, psp: 0 });
    this.engine.writeRegister(Reg.LR, 0xffff_ffff);
    if (sp === undefined || entry === undefined) {
      this.lockedUp = this.makeReport('lockup', `the vector table at ${hex(vtor)} cannot be read (nothing is mapped there)`);
      return;
    }
    this.engine.writeRegister(Reg.PC, entry | 1);
    if ((entry & 1) === 0) this.raiseUsageFault(CFSR.INVSTATE, entry);
  }

  private readWord(address: number): number | undefined {
    const bytes = this.bus.debugRead(address, 4);
    if (!bytes) return undefined;
    return (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
  }

  private readonly maskValues: number[] = [];
  private readonly entryValues: number[] = [];
  private readonly stackValues: number[] = [];

  private masks(): MaskState {
    const [primask, faultmask, basepri] = this.engine.readRegisters(MASK_REGISTERS, this.maskValues);
    return { primask: primask!, faultmask: faultmask!, basepri: basepri! };
  }

  get currentException(): number {
    return this.engine.readRegister(Reg.IPSR) & 0x1ff;
  }

  /**
   * Writes IPSR, CONTROL and both stack pointers consistently. The engine banks SP by mode: a write
   * of IPSR swaps the active and the stored stack pointer when the mode change changes which one is
   * active. So we first enter handler mode (privileged, MSP active, every register writable), write
   * CONTROL and both stack pointers by name, then write the final xPSR, which makes the right one
   * active. (Checked against the engine in test/core/engine-banking.test.ts.)
   */
  private applyCoreState(state: CoreState): void {
    this.engine.writeRegisters(CORE_STATE_WRITE_ORDER, [1, state.control, state.msp, state.psp, state.xpsr | XPSR_T]);
  }

  private writeWords(address: number, words: number[]): boolean {
    if (!this.bus.isMemory(address, words.length * 4)) return false;
    for (let i = 0; i < words.length; i++) this.bus.write32(address + i * 4, words[i]! >>> 0);
    return true;
  }

  private readWords(address: number, count: number): number[] | null {
    if (!this.bus.isMemory(address, count * 4)) return null;
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(this.bus.read32(address + i * 4));
    return out;
  }

  /** Exception entry: push the frame, select the handler. Returns false on a stacking failure. */
  private enterException(exception: number, returnAddress: number): void {
    const e = this.engine;
    const [control, xpsr, sp0, r0, r1, r2, r3, r12, lr] = e.readRegisters(ENTRY_READ, this.entryValues) as number[] as [number, number, number, number, number, number, number, number, number];
    const ipsr = xpsr & 0x1ff;
    // Unicorn refuses MSP/PSP reads from unprivileged thread mode (they read 0). Entering handler
    // mode first (the engine banks SP as it does) makes both readable whatever CONTROL.nPRIV says.
    void sp0;
    if (ipsr === 0) e.writeRegister(Reg.IPSR, 1);
    const [msp, psp] = e.readRegisters(STACK_POINTERS, this.stackValues) as [number, number];
    const threadMode = ipsr === 0;
    const onProcessStack = threadMode && (control & CONTROL_SPSEL) !== 0;
    const fpContext = (control & CONTROL_FPCA) !== 0;
    const sp = onProcessStack ? psp : msp;
    const frameSize = fpContext ? EXTENDED_FRAME : BASIC_FRAME;
    const realign = (sp & 4) !== 0;
    const frame = ((sp - frameSize) & ~7) >>> 0;
    const words = [r0, r1, r2, r3, r12, lr, returnAddress & ~1, (xpsr & ~XPSR_ALIGN) | (realign ? XPSR_ALIGN : 0)];
    if (fpContext) {
      for (let i = 0; i < 8; i++) {
        const d = e.readRegisterBits64(Reg.D0 + i);
        words.push(Number(d & 0xffff_ffffn), Number(d >> 32n));
      }
      words.push(e.readRegister(Reg.FPSCR), 0);
      this.scs.regs.set('FPCAR', frame + 0x20);
    }
    if (!this.writeWords(frame, words)) {
      // A stacking failure (stack pointer outside memory) escalates; if it happens while entering
      // HardFault itself, the core locks up.
      if (exception === Exception.HardFault || this.currentException === Exception.HardFault) {
        this.lockedUp = this.makeReport('lockup', `exception entry to ${this.nvic.exceptionName(exception)} could not push its frame at ${hex(frame)}: the stack pointer is outside memory`);
        e.stop(true);
        return;
      }
      this.scs.recordFault(CFSR.STKERR, HFSR.FORCED);
      this.nvic.setPending(Exception.HardFault);
      this.enterFrameless(Exception.HardFault, control, msp, psp, onProcessStack, fpContext);
      return;
    }
    const excReturn = (EXC_RETURN_PREFIX | EXC_RETURN_S | EXC_RETURN_DCRS | EXC_RETURN_ES
      | (fpContext ? 0 : EXC_RETURN_FTYPE) | (threadMode ? EXC_RETURN_MODE : 0) | (onProcessStack ? EXC_RETURN_SPSEL : 0)) >>> 0;
    this.nvic.activate(exception);
    this.applyCoreState({
      xpsr: (xpsr & 0xf80f_0000) | exception,
      control: control & ~(CONTROL_SPSEL | CONTROL_FPCA | CONTROL_SFPA),
      msp: onProcessStack ? msp : frame,
      psp: onProcessStack ? frame : psp,
    });
    e.writeRegister(Reg.LR, excReturn);
    this.jumpToVector(exception);
    this.options.traceExceptions?.({ kind: 'entry', exception, cycle: this.clock.now });
    this.debuggerExceptionTrace?.({ kind: 'entry', exception, cycle: this.clock.now });
    this.exceptionTrace?.({ kind: 'entry', exception, cycle: this.clock.now });
  }

  /** Enters a handler without pushing (after a stacking fault): the frame is lost, as on silicon. */
  private enterFrameless(exception: number, control: number, msp: number, psp: number, onProcessStack: boolean, fpContext: boolean): void {
    const excReturn = (EXC_RETURN_PREFIX | EXC_RETURN_S | EXC_RETURN_DCRS | EXC_RETURN_ES | (fpContext ? 0 : EXC_RETURN_FTYPE)
      | EXC_RETURN_MODE | (onProcessStack ? EXC_RETURN_SPSEL : 0)) >>> 0;
    this.nvic.activate(exception);
    this.applyCoreState({ xpsr: exception, control: control & ~(CONTROL_SPSEL | CONTROL_FPCA), msp, psp });
    this.engine.writeRegister(Reg.LR, excReturn);
    this.jumpToVector(exception);
  }

  private jumpToVector(exception: number): void {
    if (exception >= Exception.HardFault && exception <= Exception.UsageFault) {
      this.hardFaultEnteredAt = this.clock.now;
      this.faultHandlerException = exception;
    }
    const vector = this.readWord(this.scs.vtor + exception * 4);
    if (vector === undefined) {
      this.lockedUp = this.makeReport('lockup', `vector ${exception} (${this.nvic.exceptionName(exception)}) cannot be read from the table at ${hex(this.scs.vtor)}`);
      this.engine.stop(true);
      return;
    }
    this.engine.writeRegister(Reg.PC, vector | 1);
    if ((vector & 1) === 0) {
      // Branching to a vector with bit 0 clear is an INVSTATE UsageFault on the first instruction.
      this.raiseUsageFault(CFSR.INVSTATE, vector);
    }
  }

  /** Exception return through EXC_RETURN (Unicorn stops with PC = EXC_RETURN & ~1). */
  private returnFromException(excReturn: number): void {
    const e = this.engine;
    const current = this.currentException;
    if (current === 0 || (excReturn & 0xff00_0000) >>> 0 !== 0xff00_0000) {
      this.raiseUsageFault(CFSR.INVPC, excReturn);
      return;
    }
    const toThread = (excReturn & EXC_RETURN_MODE) !== 0;
    const useProcessStack = toThread && (excReturn & EXC_RETURN_SPSEL) !== 0;
    const fpFrame = (excReturn & EXC_RETURN_FTYPE) === 0;
    this.nvic.deactivate(current);
    this.options.traceExceptions?.({ kind: 'return', exception: current, cycle: this.clock.now });
    this.exceptionTrace?.({ kind: 'return', exception: current, cycle: this.clock.now });
    this.debuggerExceptionTrace?.({ kind: 'return', exception: current, cycle: this.clock.now });
    if (current === this.faultHandlerException) this.hardFaultEnteredAt = -1;
    const msp = e.readRegister(Reg.MSP);
    const psp = e.readRegister(Reg.PSP);
    const sp = useProcessStack ? psp : msp;
    const words = this.readWords(sp, fpFrame ? EXTENDED_FRAME / 4 : BASIC_FRAME / 4);
    if (!words) {
      this.lockedUp = this.makeReport('lockup', `exception return could not pop the frame at ${hex(sp)}: the stack pointer is outside memory`);
      e.stop(true);
      return;
    }
    const stackedXpsr = words[7]!;
    const newSp = (sp + (fpFrame ? EXTENDED_FRAME : BASIC_FRAME) + (stackedXpsr & XPSR_ALIGN ? 4 : 0)) >>> 0;
    const returnIpsr = stackedXpsr & 0x1ff;
    if (toThread !== (returnIpsr === 0)) {
      // Integrity check: returning to thread mode with a non-zero IPSR (or the reverse).
      this.nvic.active[current] = 1;
      this.raiseUsageFault(CFSR.INVPC, excReturn);
      return;
    }
    e.writeRegisters(FRAME_REGISTERS, words);
    if (fpFrame) {
      for (let i = 0; i < 8; i++) {
        e.writeRegisterBits64(Reg.D0 + i, BigInt(words[8 + i * 2]!) | (BigInt(words[9 + i * 2]!) << 32n));
      }
      e.writeRegister(Reg.FPSCR, words[24]!);
    }
    let control = e.readRegister(Reg.CONTROL);
    control = toThread ? (control & ~CONTROL_SPSEL) | (useProcessStack ? CONTROL_SPSEL : 0) : control & ~CONTROL_SPSEL;
    control = (control & ~CONTROL_FPCA) | (fpFrame ? CONTROL_FPCA : 0);
    this.applyCoreState({
      xpsr: stackedXpsr & ~XPSR_ALIGN,
      control,
      msp: useProcessStack ? msp : newSp,
      psp: useProcessStack ? newSp : psp,
    });
    e.writeRegister(Reg.PC, (words[6]! & ~1) | 1);
    if (toThread && this.scs.sleepOnExit && this.nvic.activeCount() === 0) {
      this.sleeping = true;
      e.stop();
    }
  }

  private onEngineInterrupt(intno: number): void {
    const e = this.engine;
    switch (intno) {
      case EngineException.EXCEPTION_EXIT:
        this.returnFromException((e.readRegister(Reg.PC) | 1) >>> 0);
        this.takePendingException();
        // What the returned-from handler held back may now wait only on PRIMASK or BASEPRI: end
        // the slice so the next one watches for the instruction that unmasks it.
        if (this.nvic.preemptsWhenUnmasked()) e.stop();
        // Back into code a probe wants to look at (a remembered spin loop, or a probe is due): end
        // the slice here so the next one probes at the interrupted instruction.
        else if (this.skipPollLoops && (this.spinProbeArmed || this.knownSpins.length > 0)) e.stop();
        return;
      case EngineException.SWI: {
        // SVC is synchronous: taken now, or escalated to HardFault if it cannot preempt.
        const pc = e.readRegister(Reg.PC);
        this.nvic.setPending(Exception.SVCall);
        if (this.nvic.groupPriority(Exception.SVCall) >= this.nvic.executionPriority(this.masks())) {
          this.nvic.pending[Exception.SVCall] = 0;
          this.escalate(HFSR.FORCED, pc, 'SVC executed where SVCall cannot preempt (priority or masking)');
          return;
        }
        this.nvic.pending[Exception.SVCall] = 0;
        this.enterException(Exception.SVCall, pc);
        return;
      }
      case EngineException.BKPT: {
        const pc = e.readRegister(Reg.PC);
        const instruction = this.bus.debugRead(pc, 2);
        const imm = instruction ? instruction[0]! : -1;
        if (instruction && instruction[1] === 0xbe && imm === 0xab) {
          const result = this.semihosting.call(e.readRegister(Reg.R0), e.readRegister(Reg.R1));
          e.writeRegister(Reg.PC, (pc + 2) | 1);
          if (result.kind === 'exit') {
            this.pendingStop = { kind: 'exit', code: result.code, reason: result.reason };
            e.stop();
          } else {
            e.writeRegister(Reg.R0, result.r0);
          }
          return;
        }
        if (this.debuggerAttached) {
          this.debugStop = { kind: 'breakpoint', address: pc };
          e.stop();
          return;
        }
        this.escalate(HFSR.DEBUGEVT, pc, `BKPT #${imm} with no debugger attached`);
        return;
      }
      case EngineException.UDEF:
        this.raiseUsageFault(CFSR.UNDEFINSTR, e.readRegister(Reg.PC));
        return;
      case EngineException.PREFETCH_ABORT: {
        // Unicorn reports a fetch from nowhere (a jump to 0xDEADBEEF) as a prefetch abort at PC.
        const pc = e.readRegister(Reg.PC);
        this.instructionFetchFault(pc, true);
        if (this.lastFault) this.lastFault.summary = `instruction fetch from ${hex(pc)} (${fetchProblem(pc, true)}): ${this.lastFault.summary}`;
        return;
      }
      case EngineException.INVSTATE:
        this.raiseUsageFault(CFSR.INVSTATE, e.readRegister(Reg.PC));
        return;
      case EngineException.NOCP:
        this.raiseUsageFault(CFSR.NOCP, e.readRegister(Reg.PC));
        return;
      case EngineException.STKOF: {
        // Which limit was hit, and SP then; the limit's value is read after the slice (stack-limits.ts).
        const [control, ipsr, sp] = e.readRegisters([Reg.CONTROL, Reg.IPSR, Reg.SP]);
        this.stackLimitFault = { process: (ipsr! & 0x1ff) === 0 && (control! & CONTROL_SPSEL) !== 0, sp: sp! >>> 0 };
        this.raiseUsageFault(CFSR.STKOF, e.readRegister(Reg.PC));
        e.stop();
        return;
      }
      case EngineException.UNALIGNED:
        this.raiseUsageFault(CFSR.UNALIGNED, e.readRegister(Reg.PC));
        return;
      default:
        this.lockedUp = this.makeReport('lockup', `the engine raised exception ${intno}, which h5sim does not model`);
        e.stop(true);
    }
  }

  /** A configurable fault: taken as itself if enabled and able to preempt, else escalated to HardFault. */
  private raiseConfigurableFault(exception: number, cfsr: number, returnAddress: number, address?: { bfar?: number; mmfar?: number }): void {
    this.scs.recordFault(cfsr, 0, address);
    const canTake = this.nvic.isEnabled(exception)
      && this.nvic.groupPriority(exception) < this.nvic.executionPriority(this.masks());
    if (canTake) {
      this.lastFault = this.makeReport(this.nvic.exceptionName(exception), this.describeFault(cfsr), returnAddress);
      this.enterException(exception, returnAddress);
      return;
    }
    this.escalate(HFSR.FORCED, returnAddress, this.describeFault(cfsr));
  }

  private raiseUsageFault(cfsr: number, returnAddress: number): void {
    this.raiseConfigurableFault(Exception.UsageFault, cfsr, returnAddress);
  }

  /** HardFault, or lockup when the core is already at HardFault/NMI priority. */
  private escalate(hfsr: number, returnAddress: number, why: string): void {
    if (this.nvic.executionPriority(this.masks()) <= -1) {
      this.scs.recordFault(0, hfsr);
      this.lockedUp = this.makeReport('lockup', `fault while at HardFault/NMI priority (${why})`, returnAddress);
      this.engine.stop(true);
      return;
    }
    this.scs.recordFault(0, hfsr);
    this.lastFault = this.makeReport('HardFault', why, returnAddress);
    this.enterException(Exception.HardFault, returnAddress);
  }

  private describeFault(cfsr: number): string {
    const names = Object.entries(CFSR).filter(([, bit]) => cfsr & bit).map(([name]) => name);
    return names.join(', ') || 'fault';
  }

  /** Execute-never regions of the default memory map give MemManage; nothing mapped gives BusFault. */
  private instructionFetchFault(address: number, unmapped: boolean): void {
    const executeNever = (address >= 0x4000_0000 && address < 0x6000_0000) || address >= 0xe000_0000;
    if (!unmapped || executeNever) {
      this.raiseConfigurableFault(Exception.MemManage, CFSR.IACCVIOL, address);
    } else {
      this.raiseConfigurableFault(Exception.BusFault, CFSR.IBUSERR, address);
    }
  }

  private handleMemoryFault(stop: Extract<StopReason, { kind: 'memory-fault' }>): void {
    const pc = this.engine.readRegister(Reg.PC);
    if (stop.access === 'fetch') {
      const before = this.lastFault;
      this.instructionFetchFault(stop.address, stop.unmapped);
      if (this.lastFault && this.lastFault !== before) {
        this.lastFault.summary = `instruction fetch from ${hex(stop.address)} (${fetchProblem(stop.address, stop.unmapped)}): ${this.lastFault.summary}`;
      }
      return;
    }
    this.raiseConfigurableFault(Exception.BusFault, CFSR.PRECISERR | CFSR.BFARVALID, pc, { bfar: stop.address });
    if (this.lastFault) this.lastFault.summary = `${stop.access} of ${hex(stop.address)} (${stop.unmapped ? 'nothing is mapped there' : 'write-protected: flash is written through the FLASH interface'}): ${this.lastFault.summary}`;
  }

  /** Takes the highest pending exception if it may preempt now. */
  private takePendingException(): boolean {
    if (this.lockedUp) return false;
    const exception = this.nvic.exceptionToTake(this.masks());
    if (!exception) return false;
    this.sleeping = false;
    this.enterException(exception, this.engine.readRegister(Reg.PC));
    return true;
  }

  requestSystemReset(): void {
    this.systemResetRequested = true;
    this.engine.stop();
  }

  /** Ends the current run as soon as possible (debugger interrupt, harness stop). */
  requestStop(stop: CoreStop): void {
    this.debugStop = stop;
    this.engine.stop();
  }

  makeReport(kind: string, summary: string, pc = this.engine.readRegister(Reg.PC)): FaultReport {
    const lr = this.engine.readRegister(Reg.LR);
    const report: FaultReport = {
      kind, summary, pc, pcSymbol: this.symbol(pc), lr, lrSymbol: this.symbol(lr),
      cfsr: this.scs.regs.get('CFSR'), hfsr: this.scs.regs.get('HFSR'),
    };
    if (report.cfsr & CFSR.BFARVALID) report.bfar = this.scs.regs.get('BFAR');
    if (report.cfsr & CFSR.MMARVALID) report.mmfar = this.scs.regs.get('MMFAR');
    const blocks = this.engine.recentBlocks();
    if (blocks.length) report.recentBlocks = blocks.map((address) => ({ address, symbol: this.symbol(address) }));
    return report;
  }

  /** Report for a fault handler the firmware is stuck in: the frame it stacked tells where it came from. */
  private hardFaultLoopReport(): FaultReport {
    const name = this.nvic.exceptionName(this.faultHandlerException);
    const report = this.lastFault ? { ...this.lastFault } : this.makeReport(name, name);
    report.kind = name;
    const lr = this.engine.readRegister(Reg.LR);
    const sp = (lr & EXC_RETURN_SPSEL) && (lr & EXC_RETURN_MODE) ? this.engine.readRegister(Reg.PSP) : this.engine.readRegister(Reg.MSP);
    const frame = this.readWords(sp, 8);
    if (frame) {
      report.stackedFrame = { r0: frame[0]!, r1: frame[1]!, r2: frame[2]!, r3: frame[3]!, r12: frame[4]!, lr: frame[5]!, pc: frame[6]!, xpsr: frame[7]! };
      report.stackedPcSymbol = this.symbol(frame[6]!);
    }
    report.cfsr = this.scs.regs.get('CFSR');
    report.hfsr = this.scs.regs.get('HFSR');
    const pc = this.engine.readRegister(Reg.PC);
    report.pc = pc;
    report.pcSymbol = this.symbol(pc);
    report.lr = lr;
    report.lrSymbol = this.symbol(lr);
    report.summary = `firmware is looping in its ${name} handler at ${hex(pc)}${this.symbol(pc) ? ` <${this.symbol(pc)}>` : ''}; ${report.summary}`;
    return report;
  }

  /**
   * Runs for up to `budget` cycles. Ends early on exit, lockup, breakpoint, a model error, or a
   * stop request. Interrupts are taken between slices; slices end at the next clock event.
   */
  run(budget: number, options: { singleStep?: boolean } = {}): { cycles: number; stop: CoreStop } {
    const start = this.clock.now;
    const finish = (stop: CoreStop) => ({ cycles: this.clock.now - start, stop });
    for (;;) {
      if (this.lockedUp) return finish({ kind: 'lockup', report: this.lockedUp });
      if (this.pendingStop) { const s = this.pendingStop; this.pendingStop = null; return finish(s); }
      if (this.debugStop) { const s = this.debugStop; this.debugStop = null; return finish(s); }
      if (this.systemResetRequested) {
        this.systemResetRequested = false;
        this.onSystemReset();
        continue;
      }
      const remaining = start + budget - this.clock.now;
      if (remaining <= 0) return finish({ kind: 'budget' });

      const entered = (!options.singleStep || !this.maskInterruptsWhileStepping) && this.takePendingException();
      if (this.lockedUp) continue;

      if (this.sleeping) {
        if (this.nvic.wakeUpPending(this.masks())) {
          this.sleeping = false;
          continue;
        }
        const toEvent = this.clock.cyclesToNextEvent();
        if (!Number.isFinite(toEvent)) return finish({ kind: 'sleeping-forever' });
        this.clock.advance(Math.max(1, Math.min(toEvent, remaining)));
        continue;
      }

      // A masked pending interrupt is taken right after the instruction that unmasks it (when
      // that instruction is in the scanned image; short slices catch the rest). One that the
      // active handlers' priorities hold back needs neither: a ThreadX idle loop runs inside
      // PendSV at the lowest priority while the HAL's TIM6 tick, at the same priority, stays
      // pending; in short slices that loop ran about 27 times slower.
      const masked = this.nvic.preemptsWhenUnmasked();
      let slice = Math.min(remaining, MAX_SLICE, Math.max(1, this.clock.cyclesToNextEvent()));
      this.engine.armUnmaskWatch(masked);
      if (masked) slice = Math.min(slice, MASKED_PENDING_SLICE);
      if (options.singleStep) slice = 1;
      const accessesBefore = this.peripheralAccesses;
      // Not while an interrupt waits to be let in: the probe would end at the CPSIE that takes it.
      // Nor at a handler's first instruction (it runs once; its loop, if any, is further on).
      // And only with room for three passes (the end of a run's budget is no place to judge a loop).
      const probeNow = !masked && !entered && !options.singleStep && slice >= SPIN_PROBE_BUDGET && (this.spinProbeArmed
        || (this.skipPollLoops && this.knownSpins.length > 0 && this.nearKnownSpin(this.engine.readRegister(Reg.PC))));
      const probe = probeNow ? this.startSpinProbe() : null;
      if (probe) slice = Math.min(slice, probe.budget);
      this.clock.beginSlice(slice, () => this.engine.instructionsThisRun(), () => this.engine.stop());
      let outcome;
      try {
        outcome = this.engine.run(slice);
      } finally {
        this.clock.endSlice();
        probe?.hook.remove();
      }
      const { executed, stop } = outcome;
      if (this.flashStores.pending) this.flashStores.settle();
      this.clock.advance(executed);
      if (probe) this.spinProbeArmed = false; // (kept until a slice can use it)
      if (probe) {
        this.finishSpinProbe(probe, stop.kind === 'requested' && this.peripheralAccesses === accessesBefore, start + budget);
      } else if (this.skipPollLoops && stop.kind !== 'memory-fault' && !this.sleeping && !this.lockedUp
        && this.clock.now - this.lastPeripheralAccess >= SPIN_CANDIDATE_INSTRUCTIONS && executed >= SPIN_CANDIDATE_INSTRUCTIONS) {
        // A long stretch without touching a peripheral: maybe a loop waiting on RAM an interrupt writes.
        if (this.spinProbeBackoff > 0) this.spinProbeBackoff--;
        else this.spinProbeArmed = true;
      }
      if (this.poll.confirmedPeriod > 0) {
        const period = this.poll.confirmedPeriod;
        this.poll.confirmedPeriod = 0;
        this.poll.count = 0;
        this.poll.snapshot = null;
        const horizon = Math.min(this.clock.cyclesToNextEvent(), start + budget - this.clock.now);
        const skip = Number.isFinite(horizon) ? Math.floor((horizon - 1) / period) * period : 0;
        if (skip > 0 && !this.nvic.preemptsWhenUnmasked()) {
          this.clock.advance(skip);
          this.skippedCycles += skip;
          this.poll.lastCycle = this.clock.now - period;
        }
      }

      if (this.pendingModelError) {
        const error = this.pendingModelError;
        this.pendingModelError = null;
        return finish({ kind: 'model-error', error });
      }
      if (this.pendingBusError) {
        const error = this.pendingBusError;
        this.pendingBusError = null;
        this.raiseConfigurableFault(Exception.BusFault, CFSR.PRECISERR | CFSR.BFARVALID, error.pc, { bfar: error.address });
        if (this.lastFault) this.lastFault.summary = `${error.access} of ${hex(error.address)}: ${error.reason}; ${this.lastFault.summary}`;
      }
      const unaligned = this.unalignedTrap.take();
      if (unaligned) {
        this.raiseUsageFault(CFSR.UNALIGNED, unaligned.pc);
        if (this.lastFault) this.lastFault.summary = `unaligned ${unaligned.size}-byte ${unaligned.access} of ${hex(unaligned.address)} with CCR.UNALIGN_TRP set: ${this.lastFault.summary}`;
      }
      this.unalignedTrap.follow(this.scs.regs.get('CCR'));
      switch (stop.kind) {
        case 'memory-fault':
          this.handleMemoryFault(stop);
          break;
        case 'idle':
          // WFI/WFE: sleep until an interrupt would wake the core.
          if (!this.pendingStop && !this.debugStop && !this.lockedUp) this.sleeping = true;
          break;
        case 'engine-error':
          if (stop.code === UC_ERR_INSN_INVALID) {
            // Unicorn ends the run on an undefined instruction instead of reporting EXCP_UDEF.
            this.raiseUsageFault(CFSR.UNDEFINSTR, this.engine.readRegister(Reg.PC));
            break;
          }
          if (!this.lockedUp && !this.pendingStop) {
            const pc = this.engine.readRegister(Reg.PC);
            this.lockedUp = this.makeReport('lockup', `the engine stopped: ${stop.message} (uc_err ${stop.code})`, pc);
          }
          break;
        default:
          break;
      }
      if (this.stackLimitFault) this.nameStackLimit();
      if (this.hardFaultEnteredAt >= 0 && this.clock.now > this.hardFaultEnteredAt && this.currentException === this.faultHandlerException && !this.pendingStop) {
        const pc = this.engine.readRegister(Reg.PC);
        const instruction = this.bus.debugRead(pc, 2);
        const selfLoop = instruction !== null && instruction[0] === 0xfe && instruction[1] === 0xe7;
        if (selfLoop || this.clock.now - this.hardFaultEnteredAt > 50_000_000) {
          return finish({ kind: 'fault-loop', report: this.hardFaultLoopReport() });
        }
      }
      if (options.singleStep && executed > 0) return finish({ kind: 'budget' });
    }
  }

  private nameStackLimit(): void {
    const fault = this.stackLimitFault!;
    this.stackLimitFault = null;
    const limits = readStackLimits(this.engine, this.bus);
    if (!limits || !this.lastFault) return;
    const name = fault.process ? 'PSP' : 'MSP';
    const limit = fault.process ? limits.psplim : limits.msplim;
    this.lastFault.summary += `; ${name}LIM ${hex(limit)}, ${name} ${hex(fault.sp)}${this.symbol(limit) ? ` (limit at <${this.symbol(limit)}>)` : ''}`;
  }

  formatLastFault(): string | undefined {
    return this.lastFault ? formatFaultReport(this.lastFault) : undefined;
  }
}
