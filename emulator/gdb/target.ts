// The narrow interface between the GDB protocol and whatever it debugs. The protocol layer knows
// registers only by number and description, memory only as bytes, and execution only as
// "run until something stops you". `machine-target.ts` implements it over a Machine; tests use
// a fake.

/** One register as GDB numbers it (the `regnum` of the target description). */
export interface RegisterInfo {
  name: string;
  bits: 32 | 64;
  /** Target-description feature the register belongs to. */
  feature: string;
  type?: 'int' | 'code_ptr' | 'data_ptr' | 'ieee_double' | 'ieee_single';
  group?: 'general' | 'float' | 'system';
}

export interface MemoryRegionInfo {
  kind: 'ram' | 'rom' | 'flash';
  start: number;
  length: number;
  /** Erase granularity of flash (GDB's `load` erases whole blocks). */
  blockSize?: number;
}

export type WatchKind = 'write' | 'read' | 'access';
export type BreakKind = 'software' | 'hardware';

/** Why the target is stopped; the protocol turns it into a stop reply. */
export type StopEvent =
  | { kind: 'signal'; signal: number } // step done (5), halted by request (2), reset (5)
  | { kind: 'breakpoint'; address: number; type: BreakKind }
  | { kind: 'watchpoint'; address: number; watch: WatchKind }
  | { kind: 'exited'; code: number }
  | { kind: 'fault'; signal: number; report: string };

export const SIGINT = 2;
export const SIGTRAP = 5;
export const SIGSEGV = 11;

export interface DebugTarget {
  /** Registers in GDB numbering; index = regnum. */
  readonly registers: readonly RegisterInfo[];
  /** GDB's name for the architecture (`<architecture>` of target.xml). */
  readonly architecture: string;
  memoryMap(): MemoryRegionInfo[];

  /** Little-endian bytes of one register; null if it cannot be read. */
  readRegister(regnum: number): Uint8Array | null;
  writeRegister(regnum: number, value: Uint8Array): boolean;
  /** Side-effect-free read; null when any byte of the range does not decode. */
  readMemory(address: number, length: number): Uint8Array | null;
  /** Debugger write; flash included (for `load`). */
  writeMemory(address: number, data: Uint8Array): boolean;
  /** Sets flash to its erased value (GDB `vFlashErase`). */
  eraseFlash(address: number, length: number): boolean;
  /** Called after a series of flash writes (GDB `vFlashDone`). */
  flashDone(): void;

  /** Executes one instruction (or takes one exception, if stepping with interrupts). */
  step(): Promise<StopEvent>;
  /** Runs until a breakpoint, a watchpoint, an exit, a fault, or `halt()`. */
  resume(): Promise<StopEvent>;
  /** Asks a running target to stop; its `resume` resolves with signal 2. No effect when halted. */
  halt(): void;
  readonly running: boolean;

  addBreakpoint(address: number, type: BreakKind): boolean;
  removeBreakpoint(address: number, type: BreakKind): boolean;
  addWatchpoint(address: number, length: number, watch: WatchKind): boolean;
  removeWatchpoint(address: number, length: number, watch: WatchKind): boolean;
  /** Removes every breakpoint and watchpoint (detach, new session). */
  clearDebugState(): void;

  /** System reset; the target is halted at the reset vector afterwards. */
  reset(): void;
  /** A debugger connects (true) or leaves (false). */
  setDebuggerAttached(attached: boolean): void;
  /** The reason the target is stopped now (for `?`). */
  currentStop(): StopEvent;
  /** Target-specific `monitor` commands; undefined when the command is unknown. */
  monitor?(command: string): string | undefined;
  /** Where the target sends text for the debugger's console (traces, fault reports); set by the session. */
  output?: (text: string) => void;
}
