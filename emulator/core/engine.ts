// The CPU engine as the rest of h5sim sees it. Only emulator/core/unicorn.ts implements it (with
// koffi); everything else, including the exception model, talks to this interface.

/** Registers of the Cortex-M33 that h5sim reads and writes. Values are Unicorn's ids (arm.h). */
export const Reg = {
  R0: 66, R1: 67, R2: 68, R3: 69, R4: 70, R5: 71, R6: 72, R7: 73,
  R8: 74, R9: 75, R10: 76, R11: 77, R12: 78,
  SP: 12, LR: 10, PC: 11,
  APSR: 1, FPSCR: 6, FPEXC: 4,
  D0: 14, S0: 79,
  IPSR: 114, MSP: 115, PSP: 116, CONTROL: 117, XPSR: 120, EPSR: 121,
  PRIMASK: 123, BASEPRI: 124, FAULTMASK: 126,
} as const;
export type RegId = number;

export const CORE_REGISTERS = [
  Reg.R0, Reg.R1, Reg.R2, Reg.R3, Reg.R4, Reg.R5, Reg.R6, Reg.R7,
  Reg.R8, Reg.R9, Reg.R10, Reg.R11, Reg.R12, Reg.SP, Reg.LR, Reg.PC,
] as const;

export type MemoryAccess = 'read' | 'write' | 'fetch';

export interface MmioHandler {
  read(offset: number, size: number): number;
  write(offset: number, size: number, value: number): void;
}

/** Why `run` returned. */
export type StopReason =
  | { kind: 'limit' }                         // the instruction budget ran out
  | { kind: 'requested' }                     // stop() was called (from a hook or MMIO callback)
  | { kind: 'idle' }                          // the engine halted by itself (WFI/WFE)
  | { kind: 'memory-fault'; access: MemoryAccess; address: number; size: number; unmapped: boolean }
  | { kind: 'engine-error'; code: number; message: string };

export interface CodeHookHandle { remove(): void }

/** Interrupt numbers Unicorn passes to the interrupt hook (QEMU's EXCP_* for ARM). */
export const EngineException = {
  UDEF: 1, SWI: 2, PREFETCH_ABORT: 3, DATA_ABORT: 4, BKPT: 7, EXCEPTION_EXIT: 8,
  NOCP: 17, INVSTATE: 18, STKOF: 19, LAZYFP: 20, LSERR: 21, UNALIGNED: 22,
} as const;

export interface Engine {
  /** Maps host memory so the engine and TypeScript share it (no copy, no FFI per access). */
  mapMemory(address: number, memory: Uint8Array, permissions: { write: boolean; execute: boolean }): void;
  /** Maps a region whose accesses call back into TypeScript. */
  mapMmio(address: number, size: number, handler: MmioHandler): void;
  readRegister(id: RegId): number;
  writeRegister(id: RegId, value: number): void;
  /** Several 32-bit registers in one call, in order (exception entry and return use it). */
  readRegisters(ids: readonly RegId[], out?: number[]): number[];
  /** Writes in the order given (order matters for IPSR/CONTROL/SP banking). */
  writeRegisters(ids: readonly RegId[], values: readonly number[]): void;
  /** Double-precision view of D registers, as raw 64-bit bit patterns. */
  readRegisterBits64(id: RegId): bigint;
  writeRegisterBits64(id: RegId, value: bigint): void;
  readMemory(address: number, length: number): Uint8Array;
  writeMemory(address: number, data: Uint8Array): void;
  /** Runs from PC for at most `maxInstructions`; returns how many ran and why it stopped. */
  run(maxInstructions: number): { executed: number; stop: StopReason };
  /**
   * Ends the current `run` after the current instruction. Safe from any hook or MMIO callback.
   * `immediately` also asks the engine itself to stop, for hooks after which no instruction may
   * ever run (a fetch that keeps aborting); never from an MMIO callback.
   */
  stop(immediately?: boolean): void;
  /**
   * Marks the instructions that may unmask interrupts (one bit per halfword from `base`, `size`
   * bytes): while the watch is armed, a run ends with 'requested' right after one of them, so a
   * pending interrupt is taken at the instruction where silicon takes it. Null clears it.
   */
  setUnmaskWatch(bitmap: Uint8Array | null, base: number, size: number): void;
  armUnmaskWatch(armed: boolean): void;
  /** Instructions executed so far in the current (or last) `run`; cheap enough for every MMIO access. */
  instructionsThisRun(): number;
  /** From a code hook only: ends the run before the hooked instruction executes (breakpoints). */
  stopBeforeCurrentInstruction(): void;
  onInterrupt(callback: (intno: number) => void): void;
  /**
   * A store to memory mapped without write permission (flash): `handler` returns true to let the
   * store reach the memory buffer (the caller restores it and hands the write to the FLASH
   * interface), false to fault.
   */
  onWriteProtected(handler: ((address: number, size: number, value: bigint) => boolean) | null): void;
  /** A hook on the instructions in [begin, end] (inclusive); used for breakpoints, never patching memory. */
  addCodeHook(begin: number, end: number, callback: (address: number, size: number) => void): CodeHookHandle;
  /** Watches data accesses in [begin, end] (inclusive). */
  addMemoryHook(begin: number, end: number, callback: (access: 'read' | 'write', address: number, size: number, value: number) => void): CodeHookHandle;
  /** Recent basic-block start addresses, newest last (empty unless enabled). */
  enableBlockTrace(capacity: number): void;
  recentBlocks(): number[];
  /** Drops translated code for [begin, end) after a debugger or flash write changed it. */
  invalidateCode(begin: number, end: number): void;
  close(): void;
}
