// CCR.UNALIGN_TRP (ARMv8-M B3.x, UsageFault UNALIGNED): libunicorn2 2.0.1 performs unaligned
// halfword and word accesses instead of trapping, and CCR cannot reach the engine. While the
// firmware has UNALIGN_TRP set, a memory hook over the whole address space checks every data
// access; the first unaligned one is undone (core registers as before the instruction, bytes it
// stored put back) and reported, and the core raises the UsageFault at that instruction. The hook
// slows every access, so it exists only while UNALIGN_TRP is set: normal runs pay nothing.
// Not undone: FP registers a VLDM changed, and side effects of an unaligned store to a peripheral.
import { Reg, type CodeHookHandle, type Engine } from '../core/engine.js';

export const CCR_UNALIGN_TRP = 1 << 3;
const SAVED_REGISTERS = [Reg.R0, Reg.R1, Reg.R2, Reg.R3, Reg.R4, Reg.R5, Reg.R6, Reg.R7, Reg.R8, Reg.R9, Reg.R10, Reg.R11, Reg.R12, Reg.SP, Reg.LR, Reg.PC];

export interface UnalignedAccess { pc: number; address: number; size: number; access: 'read' | 'write' }

export class UnalignedTrap {
  private hook: CodeHookHandle | null = null;
  private pending: (UnalignedAccess & { registers: number[] }) | null = null;
  private readonly undo: Array<{ address: number; bytes: Uint8Array }> = [];

  constructor(private readonly engine: Engine, private readonly readBytes: (address: number, length: number) => Uint8Array | null,
    private readonly writeBytes: (address: number, bytes: Uint8Array) => void) {}

  get installed(): boolean { return this.hook !== null; }

  /** Installs or removes the hook to follow CCR (called between slices). */
  follow(ccr: number): void {
    const wanted = (ccr & CCR_UNALIGN_TRP) !== 0;
    if (wanted === this.installed) return;
    if (wanted) {
      this.hook = this.engine.addMemoryHook(0, 0xffff_ffff, (access, address, size) => this.check(access, address, size));
    } else {
      this.hook!.remove();
      this.hook = null;
      this.pending = null;
    }
    // Code translated without (or with) the hook must be translated again.
    this.engine.invalidateCode(0, 0xffff_ffff);
  }

  private check(access: 'read' | 'write', address: number, size: number): void {
    if (this.pending) {
      // Later accesses of the instruction being undone: remember what its stores overwrite.
      if (access === 'write') this.remember(address, size);
      return;
    }
    if ((size === 2 && (address & 1) === 0) || (size >= 4 && (address & 3) === 0) || size === 1) return;
    const registers = this.engine.readRegisters(SAVED_REGISTERS);
    this.pending = { pc: registers[15]! >>> 0, address, size, access, registers };
    if (access === 'write') this.remember(address, size);
    this.engine.stop();
  }

  private remember(address: number, size: number): void {
    const bytes = this.readBytes(address, size);
    if (bytes) this.undo.push({ address, bytes: Uint8Array.from(bytes) });
  }

  /** After a slice: the unaligned access it stopped at, with the instruction's effects undone. */
  take(): UnalignedAccess | null {
    const pending = this.pending;
    if (!pending) return null;
    this.pending = null;
    for (const { address, bytes } of this.undo.splice(0).reverse()) this.writeBytes(address, bytes);
    const registers = pending.registers.slice();
    registers[15] = pending.pc | 1;
    this.engine.writeRegisters(SAVED_REGISTERS, registers);
    return { pc: pending.pc, address: pending.address, size: pending.size, access: pending.access };
  }
}
