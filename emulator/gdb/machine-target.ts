// The debug target over a running Machine. Execution runs in chunks with the event loop turning
// between them (sockets, Ctrl-C, host network frames). Breakpoints and watchpoints are engine
// hooks: flash is never patched. Memory goes through the bus's debug path (peek, no side effects).
import { Reg } from '../core/engine.js';
import type { CodeHookHandle } from '../core/engine.js';
import type { CoreStop } from '../cpu/cortex-m33.js';
import type { Machine } from '../machine/machine.js';
import { formatFaultReport } from '../diagnostics/fault-report.js';
import {
  SIGINT, SIGSEGV, SIGTRAP,
  type BreakKind, type DebugTarget, type MemoryRegionInfo, type RegisterInfo, type StopEvent, type WatchKind,
} from './target.js';

const M_PROFILE = 'org.gnu.gdb.arm.m-profile';
const VFP = 'org.gnu.gdb.arm.vfp';
const M_SYSTEM = 'org.gnu.gdb.arm.m-system';
/** Registers GDB has no standard feature for; it shows them as plain registers. */
const H5SIM_SYSTEM = 'org.h5sim.arm.m-system-extra';

type RegisterAccess =
  | { kind: 'core'; id: number }
  | { kind: 'pc' }
  | { kind: 'xpsr' }
  | { kind: 'double'; index: number }
  | { kind: 'zero' };

interface RegisterEntry { info: RegisterInfo; access: RegisterAccess }

const CORE_IDS = [Reg.R0, Reg.R1, Reg.R2, Reg.R3, Reg.R4, Reg.R5, Reg.R6, Reg.R7, Reg.R8, Reg.R9, Reg.R10, Reg.R11, Reg.R12];
/** Unicorn's id that writes NZCVQ, GE, IPSR, IT and T together (see cortex-m33.ts). */
const XPSR_WRITE_ID = 138;
const XPSR_T = 1 << 24;
/** Flash erase granularity of the STM32H5 (8 KiB sectors, RM0481 §7.3.3). */
const FLASH_BLOCK = 0x2000;

function registerTable(): RegisterEntry[] {
  const table: RegisterEntry[] = [];
  CORE_IDS.forEach((id, i) => table.push({ info: { name: `r${i}`, bits: 32, feature: M_PROFILE, type: 'int', group: 'general' }, access: { kind: 'core', id } }));
  table.push({ info: { name: 'sp', bits: 32, feature: M_PROFILE, type: 'data_ptr', group: 'general' }, access: { kind: 'core', id: Reg.SP } });
  table.push({ info: { name: 'lr', bits: 32, feature: M_PROFILE, type: 'int', group: 'general' }, access: { kind: 'core', id: Reg.LR } });
  table.push({ info: { name: 'pc', bits: 32, feature: M_PROFILE, type: 'code_ptr', group: 'general' }, access: { kind: 'pc' } });
  table.push({ info: { name: 'xpsr', bits: 32, feature: M_PROFILE, type: 'int', group: 'general' }, access: { kind: 'xpsr' } });
  for (let i = 0; i < 16; i++) {
    table.push({ info: { name: `d${i}`, bits: 64, feature: VFP, type: 'ieee_double', group: 'float' }, access: { kind: 'double', index: i } });
  }
  table.push({ info: { name: 'fpscr', bits: 32, feature: VFP, type: 'int', group: 'float' }, access: { kind: 'core', id: Reg.FPSCR } });
  table.push({ info: { name: 'msp', bits: 32, feature: M_SYSTEM, type: 'data_ptr', group: 'system' }, access: { kind: 'core', id: Reg.MSP } });
  table.push({ info: { name: 'psp', bits: 32, feature: M_SYSTEM, type: 'data_ptr', group: 'system' }, access: { kind: 'core', id: Reg.PSP } });
  const extra: Array<[string, RegisterAccess]> = [
    ['primask', { kind: 'core', id: Reg.PRIMASK }],
    ['basepri', { kind: 'core', id: Reg.BASEPRI }],
    ['faultmask', { kind: 'core', id: Reg.FAULTMASK }],
    ['control', { kind: 'core', id: Reg.CONTROL }],
    // Unicorn 2.0.1 exposes no register id for the stack limits: reported as 0, writes ignored.
    ['msplim', { kind: 'zero' }],
    ['psplim', { kind: 'zero' }],
  ];
  for (const [name, access] of extra) table.push({ info: { name, bits: 32, feature: H5SIM_SYSTEM, type: 'int', group: 'system' }, access });
  return table;
}

function le32(value: number): Uint8Array {
  return Uint8Array.of(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
}

function readLe32(bytes: Uint8Array): number {
  return (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
}

interface Breakpoint { hook: CodeHookHandle; types: Set<BreakKind> }
interface Watchpoint { address: number; length: number; watch: WatchKind; hook: CodeHookHandle }

export interface MachineTargetOptions {
  /** Cycles per execution chunk between event-loop turns (default 4 million). */
  chunkCycles?: number;
  /** Called before each chunk (e.g. to deliver host network frames). */
  beforeChunk?: () => void;
}

export class MachineTarget implements DebugTarget {
  readonly architecture = 'armv8-m.main';
  readonly registers: readonly RegisterInfo[];
  output?: (text: string) => void;
  beforeChunk?: () => void;
  chunkCycles: number;
  private readonly table = registerTable();
  private readonly breakpoints = new Map<number, Breakpoint>();
  private readonly watchpoints: Watchpoint[] = [];
  /** The breakpoint hook ignores this address once: resuming from a breakpoint must not re-trigger it. */
  private skipBreakpointAt: number | null = null;
  private watchHit: { address: number; watch: WatchKind } | null = null;
  private haltRequested = false;
  private active = false;
  private lastStop: StopEvent = { kind: 'signal', signal: SIGTRAP };
  private exitCode: number | null = null;
  private exceptionTrace = false;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(readonly machine: Machine, options: MachineTargetOptions = {}) {
    this.registers = this.table.map((entry) => entry.info);
    this.chunkCycles = options.chunkCycles ?? 4_000_000;
    this.beforeChunk = options.beforeChunk;
  }

  get running(): boolean {
    return this.active;
  }

  get exited(): number | null {
    return this.exitCode;
  }

  memoryMap(): MemoryRegionInfo[] {
    const out: MemoryRegionInfo[] = [];
    for (const region of this.machine.bus.regions) {
      const kind = region.writable ? 'ram' : region.executable ? 'flash' : 'rom';
      for (const base of [region.base, ...(region.aliases ?? [])]) {
        out.push({ kind, start: base, length: region.data.byteLength, ...(kind === 'flash' ? { blockSize: FLASH_BLOCK } : {}) });
      }
    }
    return out;
  }

  private get engine() {
    return this.machine.engine;
  }

  private pc(): number {
    return this.engine.readRegister(Reg.PC) & ~1;
  }

  readRegister(regnum: number): Uint8Array | null {
    const entry = this.table[regnum];
    if (!entry) return null;
    const access = entry.access;
    switch (access.kind) {
      case 'core': return le32(this.engine.readRegister(access.id));
      case 'pc': return le32(this.pc());
      case 'xpsr': return le32(this.engine.readRegister(Reg.XPSR));
      case 'zero': return le32(0);
      case 'double': {
        const bits = this.engine.readRegisterBits64(Reg.D0 + access.index);
        const out = new Uint8Array(8);
        new DataView(out.buffer).setBigUint64(0, bits, true);
        return out;
      }
    }
  }

  writeRegister(regnum: number, value: Uint8Array): boolean {
    const entry = this.table[regnum];
    if (!entry || value.length !== entry.info.bits / 8) return false;
    const access = entry.access;
    switch (access.kind) {
      case 'core':
        this.engine.writeRegister(access.id, readLe32(value));
        return true;
      case 'pc': {
        const pc = readLe32(value);
        // 0xE000_0000 and up is execute-never system space (and 0xFFxx_xxxx the EXC_RETURN
        // range): Unicorn 2.0.1 can loop inside one run there, so the debugger may not jump in.
        if (pc >= 0xe000_0000) return false;
        // Bit 0 selects Thumb state in Unicorn: an even PC would fault with INVSTATE.
        this.engine.writeRegister(Reg.PC, (pc | 1) >>> 0);
        return true;
      }
      case 'xpsr': {
        // Flags, GE and IT from the debugger; IPSR stays (changing it would switch stacks behind our back).
        const ipsr = this.engine.readRegister(Reg.XPSR) & 0x1ff;
        this.engine.writeRegister(XPSR_WRITE_ID, ((readLe32(value) & ~0x1ff) | ipsr | XPSR_T) >>> 0);
        return true;
      }
      case 'double':
        this.engine.writeRegisterBits64(Reg.D0 + access.index, new DataView(value.buffer, value.byteOffset, 8).getBigUint64(0, true));
        return true;
      case 'zero':
        return true;
    }
  }

  readMemory(address: number, length: number): Uint8Array | null {
    if (length <= 0 || address + length > 0x1_0000_0000) return null;
    return this.machine.bus.debugRead(address >>> 0, length);
  }

  writeMemory(address: number, data: Uint8Array): boolean {
    if (data.length === 0) return true;
    if (address + data.length > 0x1_0000_0000) return false;
    const bus = this.machine.bus;
    const region = bus.findRegion(address, data.length);
    if (region) {
      region.region.data.set(data, region.offset);
      if (region.region.executable) this.engine.invalidateCode(address, address + data.length);
      return true;
    }
    // A register write of one aligned access goes through the model as one access of that size.
    const peripheral = bus.findPeripheral(address);
    if (peripheral && (data.length === 4 || data.length === 2) && address % data.length === 0) {
      const value = data.length === 4 ? readLe32(data) : data[0]! | (data[1]! << 8);
      peripheral.peripheral.write(peripheral.offset, data.length, value);
      return true;
    }
    // Spans several regions: byte by byte through the debug path.
    for (let i = 0; i < data.length; i++) {
      if (!bus.debugWrite((address + i) >>> 0, data.subarray(i, i + 1))) return false;
    }
    this.engine.invalidateCode(address, address + data.length);
    return true;
  }

  eraseFlash(address: number, length: number): boolean {
    const found = this.machine.bus.findRegion(address, length);
    if (!found || found.region.writable) return false;
    found.region.data.fill(0xff, found.offset, found.offset + length);
    this.engine.invalidateCode(address, address + length);
    return true;
  }

  flashDone(): void {
    this.engine.invalidateCode(0, 0xffff_ffff);
  }

  // ---- execution ----

  private translate(stop: CoreStop): StopEvent | null {
    switch (stop.kind) {
      case 'budget':
      case 'sleeping-forever':
        return null;
      case 'exit':
        this.exitCode = stop.code;
        return { kind: 'exited', code: stop.code };
      case 'lockup':
      case 'fault-loop':
        return { kind: 'fault', signal: SIGSEGV, report: formatFaultReport(stop.report) };
      case 'model-error': {
        const error = stop.error;
        return { kind: 'fault', signal: SIGSEGV, report: `h5sim: a peripheral model failed: ${error instanceof Error ? error.message : String(error)}` };
      }
      case 'breakpoint': {
        const bp = this.breakpoints.get(stop.address);
        if (!bp) return { kind: 'signal', signal: SIGTRAP }; // a BKPT instruction in the firmware
        return { kind: 'breakpoint', address: stop.address, type: bp.types.has('software') ? 'software' : 'hardware' };
      }
      case 'watchpoint': {
        const hit = this.watchHit ?? { address: stop.address, watch: stop.access === 'read' ? 'read' : 'write' };
        this.watchHit = null;
        return { kind: 'watchpoint', address: hit.address, watch: hit.watch };
      }
      case 'halted':
        return { kind: 'signal', signal: SIGINT };
    }
  }

  /**
   * One instruction; drains any stop the core recorded during it (semihosting exit, watchpoint).
   * A sleeping core (WFI) may use the whole budget without executing anything: `sleeping` tells.
   */
  private stepOnce(maskInterrupts: boolean): StopEvent | null {
    const core = this.machine.core;
    const saved = core.maskInterruptsWhileStepping;
    if (maskInterrupts) core.maskInterruptsWhileStepping = true;
    this.skipBreakpointAt = this.pc();
    try {
      const first = this.translate(core.run(this.chunkCycles, { singleStep: true }).stop);
      if (first) return first;
      return this.translate(core.run(0).stop);
    } finally {
      this.skipBreakpointAt = null;
      core.maskInterruptsWhileStepping = saved;
    }
  }

  private finish(stop: StopEvent): StopEvent {
    this.lastStop = stop;
    this.active = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
    return stop;
  }

  /** Resolves once no step or resume is in progress. */
  whenIdle(): Promise<void> {
    if (!this.active) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async step(): Promise<StopEvent> {
    if (this.exitCode !== null) return { kind: 'exited', code: this.exitCode };
    this.active = true;
    this.haltRequested = false;
    this.watchHit = null;
    try {
      let stop = this.stepOnce(false);
      // Stepping a WFI waits, like the hardware, until an interrupt wakes the core (or GDB interrupts).
      while (!stop && this.machine.core.sleeping) {
        if (this.haltRequested) return this.finish({ kind: 'signal', signal: SIGINT });
        const idle = !Number.isFinite(this.machine.clock.cyclesToNextEvent());
        await new Promise((resolve) => (idle ? setTimeout(resolve, 5) : setImmediate(resolve)));
        this.beforeChunk?.();
        stop = this.stepOnce(false);
      }
      return this.finish(stop ?? { kind: 'signal', signal: SIGTRAP });
    } catch (error) {
      return this.finish({ kind: 'fault', signal: SIGSEGV, report: `h5sim: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  async resume(): Promise<StopEvent> {
    if (this.exitCode !== null) return { kind: 'exited', code: this.exitCode };
    this.active = true;
    this.haltRequested = false;
    this.watchHit = null;
    try {
      if (this.breakpoints.has(this.pc())) {
        const stop = this.stepOnce(true);
        if (stop) return this.finish(stop);
      }
      for (;;) {
        if (this.haltRequested) return this.finish({ kind: 'signal', signal: SIGINT });
        this.beforeChunk?.();
        const { stop } = this.machine.core.run(this.chunkCycles);
        const event = this.translate(stop);
        if (event) return this.finish(event);
        if (stop.kind === 'sleeping-forever') await new Promise((resolve) => setTimeout(resolve, 5));
        else await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      return this.finish({ kind: 'fault', signal: SIGSEGV, report: `h5sim: ${error instanceof Error ? error.stack : String(error)}` });
    }
  }

  halt(): void {
    if (this.active) this.haltRequested = true;
  }

  currentStop(): StopEvent {
    return this.exitCode !== null ? { kind: 'exited', code: this.exitCode } : this.lastStop;
  }

  // ---- breakpoints and watchpoints: engine hooks ----

  addBreakpoint(address: number, type: BreakKind): boolean {
    const at = address & ~1;
    const existing = this.breakpoints.get(at);
    if (existing) {
      existing.types.add(type);
      return true;
    }
    const hook = this.engine.addCodeHook(at, at, (hit) => {
      if (hit === this.skipBreakpointAt) return;
      this.machine.core.requestStop({ kind: 'breakpoint', address: hit });
      this.engine.stopBeforeCurrentInstruction();
    });
    this.breakpoints.set(at, { hook, types: new Set([type]) });
    this.engine.invalidateCode(at, at + 4);
    return true;
  }

  removeBreakpoint(address: number, type: BreakKind): boolean {
    const at = address & ~1;
    const bp = this.breakpoints.get(at);
    if (!bp) return true;
    bp.types.delete(type);
    if (bp.types.size === 0) {
      bp.hook.remove();
      this.breakpoints.delete(at);
      this.engine.invalidateCode(at, at + 4);
    }
    return true;
  }

  addWatchpoint(address: number, length: number, watch: WatchKind): boolean {
    if (this.watchpoints.some((w) => w.address === address && w.length === length && w.watch === watch)) return true;
    const end = address + length; // exclusive
    // The hook range starts 7 bytes early so that a wider access beginning before the range is seen.
    const hook = this.engine.addMemoryHook(Math.max(0, address - 7), end - 1, (access, at, size) => {
      if (at + size <= address || at >= end) return;
      if ((watch === 'write' && access !== 'write') || (watch === 'read' && access !== 'read')) return;
      if (this.watchHit) return;
      this.watchHit = { address: Math.max(at, address), watch };
      this.machine.core.requestStop({ kind: 'watchpoint', address: this.watchHit.address, access });
      this.engine.stopBeforeCurrentInstruction();
    });
    this.watchpoints.push({ address, length, watch, hook });
    this.engine.invalidateCode(0, 0xffff_ffff);
    return true;
  }

  removeWatchpoint(address: number, length: number, watch: WatchKind): boolean {
    const index = this.watchpoints.findIndex((w) => w.address === address && w.length === length && w.watch === watch);
    if (index < 0) return true;
    this.watchpoints[index]!.hook.remove();
    this.watchpoints.splice(index, 1);
    this.engine.invalidateCode(0, 0xffff_ffff);
    return true;
  }

  clearDebugState(): void {
    for (const bp of this.breakpoints.values()) bp.hook.remove();
    this.breakpoints.clear();
    for (const w of this.watchpoints) w.hook.remove();
    this.watchpoints.length = 0;
    this.engine.invalidateCode(0, 0xffff_ffff);
  }

  reset(): void {
    this.machine.reset('debugger reset');
    this.exitCode = null;
    this.watchHit = null;
    this.lastStop = { kind: 'signal', signal: SIGTRAP };
  }

  setDebuggerAttached(attached: boolean): void {
    this.machine.core.debuggerAttached = attached;
  }

  monitor(command: string): string | undefined {
    const [verb, ...args] = command.split(/\s+/);
    const core = this.machine.core;
    switch (verb) {
      case 'help':
        return ['  step-irq on|off    take interrupts while single-stepping (default off)',
          '  trace exceptions on|off   print exception entries and returns while running',
          '  fault              the last fault report, if any', ''].join('\n');
      case 'step-irq':
        if (args[0] === 'on' || args[0] === 'off') core.maskInterruptsWhileStepping = args[0] === 'off';
        return `step-irq ${core.maskInterruptsWhileStepping ? 'off' : 'on'}: interrupts are ${core.maskInterruptsWhileStepping ? 'not ' : ''}taken while stepping\n`;
      case 'trace':
        if (args[0] === 'exceptions' && (args[1] === 'on' || args[1] === 'off')) {
          this.setExceptionTrace(args[1] === 'on');
          return `trace exceptions ${args[1]}\n`;
        }
        return 'usage: monitor trace exceptions on|off\n';
      case 'fault':
        return `${core.formatLastFault() ?? 'no fault recorded'}\n`;
      default:
        return undefined;
    }
  }

  private setExceptionTrace(on: boolean): void {
    this.exceptionTrace = on;
    const core = this.machine.core;
    core.debuggerExceptionTrace = on ? (event) => {
      const name = this.machine.nvic.exceptionName(event.exception);
      this.output?.(`[cycle ${event.cycle}] exception ${event.kind} ${name}\n`);
    } : undefined;
  }
}
