// A DebugTarget without a CPU, for protocol tests: 16 core registers + xpsr + one 64-bit register,
// 64 KiB of RAM and 64 KiB of "flash", execution that advances PC by 2 per step and, when resumed,
// stops at the first breakpoint above PC or runs until halted.
import {
  SIGINT, SIGTRAP,
  type BreakKind, type DebugTarget, type MemoryRegionInfo, type RegisterInfo, type StopEvent, type WatchKind,
} from '../../emulator/gdb/target.js';

export const RAM_BASE = 0x2000_0000;
export const FLASH_BASE = 0x0800_0000;
const SIZE = 0x1_0000;

export class FakeTarget implements DebugTarget {
  readonly architecture = 'armv8-m.main';
  readonly registers: RegisterInfo[] = [
    ...Array.from({ length: 13 }, (_, i): RegisterInfo => ({ name: `r${i}`, bits: 32, feature: 'org.gnu.gdb.arm.m-profile' })),
    { name: 'sp', bits: 32, feature: 'org.gnu.gdb.arm.m-profile', type: 'data_ptr' },
    { name: 'lr', bits: 32, feature: 'org.gnu.gdb.arm.m-profile' },
    { name: 'pc', bits: 32, feature: 'org.gnu.gdb.arm.m-profile', type: 'code_ptr' },
    { name: 'xpsr', bits: 32, feature: 'org.gnu.gdb.arm.m-profile' },
    { name: 'd0', bits: 64, feature: 'org.gnu.gdb.arm.vfp', type: 'ieee_double' },
  ];
  regs = new Map<number, Uint8Array>();
  ram = new Uint8Array(SIZE);
  flash = new Uint8Array(SIZE).fill(0xff);
  breakpoints = new Set<number>();
  watchpoints: Array<{ address: number; length: number; watch: WatchKind }> = [];
  running = false;
  attached = false;
  resets = 0;
  flashDoneCalls = 0;
  exitOnResume: number | null = null;
  output?: (text: string) => void;
  private haltRequested = false;
  private last: StopEvent = { kind: 'signal', signal: SIGTRAP };

  constructor() {
    this.registers.forEach((r, i) => this.regs.set(i, new Uint8Array(r.bits / 8)));
    this.setPc(FLASH_BASE);
  }

  pc(): number {
    return new DataView(this.regs.get(15)!.buffer).getUint32(0, true);
  }

  setPc(value: number): void {
    new DataView(this.regs.get(15)!.buffer).setUint32(0, value >>> 0, true);
  }

  memoryMap(): MemoryRegionInfo[] {
    return [{ kind: 'flash', start: FLASH_BASE, length: SIZE, blockSize: 0x800 }, { kind: 'ram', start: RAM_BASE, length: SIZE }];
  }

  readRegister(regnum: number): Uint8Array | null {
    const v = this.regs.get(regnum);
    return v ? v.slice() : null;
  }

  writeRegister(regnum: number, value: Uint8Array): boolean {
    const v = this.regs.get(regnum);
    if (!v || v.length !== value.length) return false;
    v.set(value);
    return true;
  }

  private locate(address: number, length: number): { buffer: Uint8Array; offset: number } | null {
    for (const [base, buffer] of [[RAM_BASE, this.ram], [FLASH_BASE, this.flash]] as const) {
      if (address >= base && address + length <= base + SIZE) return { buffer, offset: address - base };
    }
    return null;
  }

  readMemory(address: number, length: number): Uint8Array | null {
    const at = this.locate(address, length);
    return at ? at.buffer.slice(at.offset, at.offset + length) : null;
  }

  writeMemory(address: number, data: Uint8Array): boolean {
    const at = this.locate(address, data.length);
    if (!at) return false;
    at.buffer.set(data, at.offset);
    return true;
  }

  eraseFlash(address: number, length: number): boolean {
    const at = this.locate(address, length);
    if (!at || at.buffer !== this.flash) return false;
    at.buffer.fill(0xff, at.offset, at.offset + length);
    return true;
  }

  flashDone(): void {
    this.flashDoneCalls++;
  }

  async step(): Promise<StopEvent> {
    this.setPc(this.pc() + 2);
    this.last = { kind: 'signal', signal: SIGTRAP };
    return this.last;
  }

  async resume(): Promise<StopEvent> {
    if (this.exitOnResume !== null) return { kind: 'exited', code: this.exitOnResume };
    this.running = true;
    this.haltRequested = false;
    const targets = [...this.breakpoints].filter((a) => a > this.pc()).sort((a, b) => a - b);
    if (targets.length) {
      await new Promise((resolve) => setImmediate(resolve));
      this.setPc(targets[0]!);
      this.running = false;
      this.last = { kind: 'breakpoint', address: targets[0]!, type: 'software' };
      return this.last;
    }
    while (!this.haltRequested) await new Promise((resolve) => setTimeout(resolve, 1));
    this.running = false;
    this.last = { kind: 'signal', signal: SIGINT };
    return this.last;
  }

  halt(): void {
    this.haltRequested = true;
  }

  addBreakpoint(address: number, _type: BreakKind): boolean {
    this.breakpoints.add(address);
    return true;
  }

  removeBreakpoint(address: number, _type: BreakKind): boolean {
    this.breakpoints.delete(address);
    return true;
  }

  addWatchpoint(address: number, length: number, watch: WatchKind): boolean {
    this.watchpoints.push({ address, length, watch });
    return true;
  }

  removeWatchpoint(address: number, length: number, watch: WatchKind): boolean {
    this.watchpoints = this.watchpoints.filter((w) => !(w.address === address && w.length === length && w.watch === watch));
    return true;
  }

  clearDebugState(): void {
    this.breakpoints.clear();
    this.watchpoints = [];
  }

  reset(): void {
    this.resets++;
    this.setPc(FLASH_BASE);
  }

  setDebuggerAttached(attached: boolean): void {
    this.attached = attached;
  }

  currentStop(): StopEvent {
    return this.last;
  }

  monitor(command: string): string | undefined {
    return command === 'ping' ? 'pong\n' : undefined;
  }
}
