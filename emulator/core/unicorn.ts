// Unicorn 2 (Debian's libunicorn2) through koffi. The only file in h5sim that imports koffi.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeHookHandle, Engine, MemoryAccess, MmioHandler, RegId, StopReason } from './engine.js';

const require = createRequire(import.meta.url);
type Koffi = typeof import('koffi');
const koffi: Koffi = require('koffi');

const UC_ARCH_ARM = 1;
const UC_MODE_THUMB = 1 << 4;
const UC_MODE_MCLASS = 1 << 5;
const UC_CPU_ARM_CORTEX_M33 = 11;
const UC_CTL_CPU_MODEL_WRITE = 0x44000007;
const UC_CTL_TB_REMOVE_CACHE_WRITE = 0x48000009;
const UC_PROT_READ = 1, UC_PROT_WRITE = 2, UC_PROT_EXEC = 4;
const UC_HOOK_INTR = 1 << 0;
const UC_HOOK_CODE = 1 << 2;
const UC_HOOK_MEM_READ_UNMAPPED = 1 << 4, UC_HOOK_MEM_WRITE_UNMAPPED = 1 << 5, UC_HOOK_MEM_FETCH_UNMAPPED = 1 << 6;
const UC_HOOK_MEM_READ_PROT = 1 << 7, UC_HOOK_MEM_WRITE_PROT = 1 << 8, UC_HOOK_MEM_FETCH_PROT = 1 << 9;
const UC_HOOK_MEM_READ = 1 << 10, UC_HOOK_MEM_WRITE = 1 << 11;
const UC_MEM_READ = 16, UC_MEM_WRITE = 17;
const UC_MEM_READ_UNMAPPED = 19, UC_MEM_WRITE_UNMAPPED = 20, UC_MEM_FETCH_UNMAPPED = 21;
const UC_MEM_WRITE_PROT = 22, UC_MEM_READ_PROT = 23;
/** An `until` address no 32-bit PC can reach, so runs end only by count, stop or fault. */
const NO_UNTIL = 0x1_0000_0000n;

export class EngineUnavailableError extends Error {}

interface UnicornLibrary {
  uc_open: (arch: number, mode: number, out: unknown[]) => number;
  uc_close: (uc: unknown) => number;
  uc_strerror: (code: number) => string;
  uc_ctl_cpu_model: (uc: unknown, control: number, ...variadic: unknown[]) => number;
  uc_ctl_remove_cache: (uc: unknown, control: number, ...variadic: unknown[]) => number;
  uc_reg_read: (uc: unknown, id: number, value: Uint8Array) => number;
  uc_reg_write: (uc: unknown, id: number, value: Uint8Array) => number;
  uc_mem_map_ptr: (uc: unknown, address: bigint, size: number, perms: number, ptr: Uint8Array) => number;
  uc_mmio_map: (uc: unknown, address: bigint, size: number, read: unknown, readData: null, write: unknown, writeData: null) => number;
  uc_mem_protect: (uc: unknown, address: bigint, size: number, perms: number) => number;
  uc_mem_read: (uc: unknown, address: bigint, out: Uint8Array, size: number) => number;
  uc_mem_write: (uc: unknown, address: bigint, data: Uint8Array, size: number) => number;
  uc_emu_start: (uc: unknown, begin: bigint, until: bigint, timeout: bigint, count: number) => number;
  uc_emu_stop: (uc: unknown) => number;
  uc_hook_add: (uc: unknown, out: unknown[], type: number, callback: unknown, data: null, begin: bigint, end: bigint) => number;
  uc_hook_del: (uc: unknown, hook: unknown) => number;
}

interface HelperLibrary {
  h5_counter_install: (uc: unknown, counter: Uint8Array) => number;
  h5_read_registers: (uc: unknown, ids: Int32Array, values: Uint8Array, count: number) => number;
  h5_write_registers: (uc: unknown, ids: Int32Array, values: Uint8Array, count: number) => number;
  h5_counter_stop_before_current: (uc: unknown, counter: Uint8Array) => void;
  h5_counter_remove: (uc: unknown, counter: Uint8Array) => void;
  h5_counter_set_watch: (counter: Uint8Array, bitmap: Uint8Array | null, base: number, size: number) => void;
  h5_counter_set_breaks: (counter: Uint8Array, breaks: Uint32Array, onBreak: unknown) => void;
  h5_block_ring_install: (uc: unknown, capacity: number) => unknown;
  h5_block_ring_copy: (ring: unknown, out: Uint32Array, max: number) => number;
  h5_block_ring_remove: (uc: unknown, ring: unknown) => void;
}

let library: { uc: UnicornLibrary; helpers: HelperLibrary; types: Record<string, unknown> } | undefined;

/** Single-address code hooks the counter serves (more fall back to Unicorn hooks). */
const BREAK_TABLE_SIZE = 256;

const INSTALL_HINT = 'install it with: apt-get install libunicorn2 libunicorn-dev (or run scripts/setup.sh)';

function helperLibraryPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const source = join(here, 'native', 'engine-helpers.c');
  const output = join(here, 'native', 'build', 'libh5sim-engine.so');
  const stale = !existsSync(output) || statSync(output).mtimeMs < statSync(source).mtimeMs;
  if (stale) {
    // Built on first use (scripts/setup.sh builds it too) so a fresh checkout still runs.
    mkdirSync(dirname(output), { recursive: true });
    try {
      execFileSync('cc', ['-O2', '-shared', '-fPIC', '-o', output, source, '-lunicorn'], { stdio: 'pipe' });
    } catch (error) {
      const detail = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? String(error);
      throw new EngineUnavailableError(`cannot build h5sim's engine helper (${detail}); it needs a C compiler and the Unicorn headers: ${INSTALL_HINT}`);
    }
  }
  return output;
}

function loadLibrary() {
  if (library) return library;
  let lib: ReturnType<Koffi['load']>;
  try {
    lib = koffi.load('libunicorn.so.2');
  } catch (error) {
    throw new EngineUnavailableError(`libunicorn2 is not installed (${(error as Error).message.split('\n')[0]}); ${INSTALL_HINT}`);
  }
  const mmioRead = koffi.proto('uint64_t h5_mmio_read(void *uc, uint64_t offset, unsigned int size, void *user)');
  const mmioWrite = koffi.proto('void h5_mmio_write(void *uc, uint64_t offset, unsigned int size, uint64_t value, void *user)');
  const hookIntr = koffi.proto('void h5_hook_intr(void *uc, uint32_t intno, void *user)');
  const hookInvalid = koffi.proto('bool h5_hook_invalid(void *uc, int type, uint64_t address, int size, int64_t value, void *user)');
  const hookMem = koffi.proto('void h5_hook_mem(void *uc, int type, uint64_t address, int size, int64_t value, void *user)');
  const hookCode = koffi.proto('void h5_hook_code(void *uc, uint64_t address, uint32_t size, void *user)');
  const breakCallback = koffi.proto('void h5_break(uint32_t address, uint32_t size)');
  const uc: UnicornLibrary = {
    uc_open: lib.func('int uc_open(int arch, int mode, _Out_ void **uc)'),
    uc_close: lib.func('int uc_close(void *uc)'),
    uc_strerror: lib.func('const char *uc_strerror(int code)'),
    uc_ctl_cpu_model: lib.func('uc_ctl', 'int', ['void *', 'int', '...']) as never,
    uc_ctl_remove_cache: lib.func('uc_ctl', 'int', ['void *', 'int', '...']) as never,
    uc_reg_read: lib.func('int uc_reg_read(void *uc, int regid, void *value)'),
    uc_reg_write: lib.func('int uc_reg_write(void *uc, int regid, void *value)'),
    uc_mem_map_ptr: lib.func('int uc_mem_map_ptr(void *uc, uint64_t address, size_t size, uint32_t perms, void *ptr)'),
    uc_mmio_map: lib.func('int uc_mmio_map(void *uc, uint64_t address, size_t size, h5_mmio_read *read_cb, void *user_read, h5_mmio_write *write_cb, void *user_write)'),
    uc_mem_protect: lib.func('int uc_mem_protect(void *uc, uint64_t address, size_t size, uint32_t perms)'),
    uc_mem_read: lib.func('int uc_mem_read(void *uc, uint64_t address, _Out_ uint8_t *bytes, size_t size)'),
    uc_mem_write: lib.func('int uc_mem_write(void *uc, uint64_t address, const uint8_t *bytes, size_t size)'),
    uc_emu_start: lib.func('int uc_emu_start(void *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)'),
    uc_emu_stop: lib.func('int uc_emu_stop(void *uc)'),
    uc_hook_add: lib.func('int uc_hook_add(void *uc, _Out_ size_t *hh, int type, void *callback, void *user_data, uint64_t begin, uint64_t end, ...)'),
    uc_hook_del: lib.func('int uc_hook_del(void *uc, size_t hh)'),
  };
  const helperLib = koffi.load(helperLibraryPath());
  const helpers: HelperLibrary = {
    h5_counter_install: helperLib.func('int h5_counter_install(void *uc, void *counter)'),
    h5_read_registers: helperLib.func('int h5_read_registers(void *uc, const int *ids, void *values, int count)'),
    h5_write_registers: helperLib.func('int h5_write_registers(void *uc, const int *ids, const void *values, int count)'),
    h5_counter_stop_before_current: helperLib.func('void h5_counter_stop_before_current(void *uc, void *counter)'),
    h5_counter_remove: helperLib.func('void h5_counter_remove(void *uc, void *counter)'),
    h5_counter_set_watch: helperLib.func('void h5_counter_set_watch(void *counter, void *bitmap, uint32_t base, uint32_t size)'),
    h5_counter_set_breaks: helperLib.func('void h5_counter_set_breaks(void *counter, void *breaks, void *onBreak)'),
    h5_block_ring_install: helperLib.func('void *h5_block_ring_install(void *uc, uint32_t capacity)'),
    h5_block_ring_copy: helperLib.func('uint32_t h5_block_ring_copy(void *ring, _Out_ uint32_t *out, uint32_t max)'),
    h5_block_ring_remove: helperLib.func('void h5_block_ring_remove(void *uc, void *ring)'),
  };
  library = { uc, helpers, types: { mmioRead, mmioWrite, hookIntr, hookInvalid, hookMem, hookCode, breakCallback } };
  return library;
}

/** Throws EngineUnavailableError with an install hint when Unicorn cannot be loaded. */
export function checkEngineAvailable(): void {
  loadLibrary();
}

export class UnicornEngine implements Engine {
  private readonly lib = loadLibrary();
  private handle: unknown;
  /** struct h5_counter { u64 executed; u64 limit; size_t hook; u64 gate (words 6-7); u32 extras (word 8); u32 unused[2];
   * u32 watch_armed (word 11); u32 watch_hit (word 12); u32 watch_base, watch_size, pad; ptr
   * watch_bitmap; u32 break_count (word 18); u32 break_filter[32] (words 19-50); u32 pad; ptr
   * breaks; ptr on_break } in memory we own (see engine-helpers.c): 224 bytes. */
  private readonly counter = new Uint8Array(224);
  /** Single-address code hooks, served by the counter's own hook (see addCodeHook). */
  private readonly breakTable = new Uint32Array(BREAK_TABLE_SIZE);
  private readonly breakHandlers = new Map<number, Set<(address: number, size: number) => void>>();
  private watchBitmap: Uint8Array | null = null;
  private readonly counterWords = new Uint32Array(this.counter.buffer);
  private blockRing: unknown = null;
  private readonly registered: unknown[] = [];
  private readonly keepAlive: Uint8Array[] = [];
  private readonly scratch = new Uint8Array(8);
  private readonly scratchView = new DataView(this.scratch.buffer);
  private interruptCallback: (intno: number) => void = () => {};
  private writeProtectedHandler: ((address: number, size: number, value: bigint) => boolean) | null = null;
  private pendingFault: StopReason | null = null;
  private stopRequested = false;

  constructor() {
    const { uc, helpers, types } = this.lib;
    const out: unknown[] = [null];
    this.check(uc.uc_open(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS, out), 'uc_open');
    this.handle = out[0];
    this.check(uc.uc_ctl_cpu_model(this.handle, UC_CTL_CPU_MODEL_WRITE, 'int', UC_CPU_ARM_CORTEX_M33), 'select Cortex-M33');
    this.check(helpers.h5_counter_install(this.handle, this.counter), 'install the instruction counter hook');
    const onBreak = koffi.register((address: number, size: number) => this.dispatchBreak(address >>> 0, size), koffi.pointer(types.breakCallback as never));
    this.registered.push(onBreak);
    helpers.h5_counter_set_breaks(this.counter, this.breakTable, onBreak);

    const onIntr = koffi.register((_uc: unknown, intno: number) => this.interruptCallback(intno), koffi.pointer(types.hookIntr as never));
    this.addRawHook(UC_HOOK_INTR, onIntr, 1n, 0n);
    const onInvalid = koffi.register((_uc: unknown, type: number, address: number | bigint, size: number, value: number | bigint) => {
      if (type === UC_MEM_WRITE_PROT && this.writeProtectedHandler?.(Number(address) >>> 0, size, BigInt.asUintN(64, BigInt(value)))) return true;
      const unmapped = type === UC_MEM_READ_UNMAPPED || type === UC_MEM_WRITE_UNMAPPED || type === UC_MEM_FETCH_UNMAPPED;
      const access: MemoryAccess = type === UC_MEM_READ_UNMAPPED || type === UC_MEM_READ_PROT ? 'read'
        : type === UC_MEM_WRITE_UNMAPPED || type === UC_MEM_WRITE_PROT ? 'write' : 'fetch';
      this.pendingFault = { kind: 'memory-fault', access, address: Number(address) >>> 0, size, unmapped };
      return false;
    }, koffi.pointer(types.hookInvalid as never));
    this.addRawHook(UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED | UC_HOOK_MEM_FETCH_UNMAPPED
      | UC_HOOK_MEM_READ_PROT | UC_HOOK_MEM_WRITE_PROT | UC_HOOK_MEM_FETCH_PROT, onInvalid, 1n, 0n);
  }

  private check(code: number, what: string): void {
    if (code !== 0) throw new Error(`${what} failed: ${this.lib.uc.uc_strerror(code)} (uc_err ${code})`);
  }

  private dispatchBreak(address: number, size: number): void {
    const handlers = this.breakHandlers.get(address);
    if (!handlers) return;
    for (const handler of [...handlers]) handler(address, size);
  }

  /** Writes the address table, its count and its filter bits where the counter hook reads them. */
  private rebuildBreaks(): void {
    const words = this.counterWords;
    const addresses = [...this.breakHandlers.keys()];
    words[18] = 0; // nothing is checked while the table changes
    this.updateExtras();
    words.fill(0, 19, 51);
    addresses.forEach((address, i) => {
      this.breakTable[i] = address;
      const bit = (address >>> 1) & 1023;
      words[19 + (bit >>> 5)]! |= 1 << (bit & 31);
    });
    words[18] = addresses.length;
    this.updateExtras();
  }

  private addRawHook(type: number, callback: unknown, begin: bigint, end: bigint): unknown {
    const out: unknown[] = [null];
    this.registered.push(callback);
    this.check(this.lib.uc.uc_hook_add(this.handle, out, type, callback, null, begin, end), 'uc_hook_add');
    return out[0];
  }

  mapMemory(address: number, memory: Uint8Array, permissions: { write: boolean; execute: boolean }): void {
    const perms = UC_PROT_READ | (permissions.write ? UC_PROT_WRITE : 0) | (permissions.execute ? UC_PROT_EXEC : 0);
    this.keepAlive.push(memory);
    this.check(this.lib.uc.uc_mem_map_ptr(this.handle, BigInt(address), memory.byteLength, perms, memory),
      `map memory at 0x${address.toString(16)}`);
  }

  mapMmio(address: number, size: number, handler: MmioHandler): void {
    const { types } = this.lib;
    // koffi hands 64-bit integers over as numbers when they fit, which they always do here.
    const read = koffi.register((_uc: unknown, offset: number, width: number) =>
      handler.read(offset, width) >>> 0, koffi.pointer(types.mmioRead as never));
    const write = koffi.register((_uc: unknown, offset: number, width: number, value: number | bigint) =>
      handler.write(offset, width, typeof value === 'number' ? value >>> 0 : Number(value & 0xffff_ffffn)), koffi.pointer(types.mmioWrite as never));
    this.registered.push(read, write);
    this.check(this.lib.uc.uc_mmio_map(this.handle, BigInt(address), size, read, null, write, null),
      `map MMIO at 0x${address.toString(16)}`);
  }

  readRegister(id: RegId): number {
    this.lib.uc.uc_reg_read(this.handle, id, this.scratch);
    return this.scratchView.getUint32(0, true);
  }

  writeRegister(id: RegId, value: number): void {
    this.scratchView.setUint32(0, value >>> 0, true);
    this.scratchView.setUint32(4, 0, true);
    this.lib.uc.uc_reg_write(this.handle, id, this.scratch);
  }

  private readonly batchIds = new Int32Array(64);
  private readonly batchValues = new Uint8Array(64 * 8);
  private readonly batchWords = new Uint32Array(this.batchValues.buffer);

  readRegisters(ids: readonly RegId[], out: number[] = []): number[] {
    const n = ids.length;
    for (let i = 0; i < n; i++) this.batchIds[i] = ids[i]!;
    this.lib.helpers.h5_read_registers(this.handle, this.batchIds, this.batchValues, n);
    for (let i = 0; i < n; i++) out[i] = this.batchWords[i * 2]!;
    out.length = n;
    return out;
  }

  writeRegisters(ids: readonly RegId[], values: readonly number[]): void {
    const n = ids.length;
    for (let i = 0; i < n; i++) {
      this.batchIds[i] = ids[i]!;
      this.batchWords[i * 2] = values[i]! >>> 0;
      this.batchWords[i * 2 + 1] = 0;
    }
    this.lib.helpers.h5_write_registers(this.handle, this.batchIds, this.batchValues, n);
  }

  readRegisterBits64(id: RegId): bigint {
    this.lib.uc.uc_reg_read(this.handle, id, this.scratch);
    return this.scratchView.getBigUint64(0, true);
  }

  writeRegisterBits64(id: RegId, value: bigint): void {
    this.scratchView.setBigUint64(0, BigInt.asUintN(64, value), true);
    this.lib.uc.uc_reg_write(this.handle, id, this.scratch);
  }

  readMemory(address: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.check(this.lib.uc.uc_mem_read(this.handle, BigInt(address), out, length), `read 0x${address.toString(16)}`);
    return out;
  }

  writeMemory(address: number, data: Uint8Array): void {
    this.check(this.lib.uc.uc_mem_write(this.handle, BigInt(address), data, data.byteLength), `write 0x${address.toString(16)}`);
  }

  run(maxInstructions: number): { executed: number; stop: StopReason } {
    const { uc, helpers } = this.lib;
    this.pendingFault = null;
    this.stopRequested = false;
    const words = this.counterWords;
    words[0] = 0; words[1] = 0;
    words[2] = maxInstructions >>> 0; words[3] = Math.floor(maxInstructions / 0x1_0000_0000);
    this.updateGate();
    words[12] = 0;
    const pc = this.readRegister(11);
    const code = uc.uc_emu_start(this.handle, BigInt((pc | 1) >>> 0), NO_UNTIL, 0n, 0);
    const executed = words[0]! + words[1]! * 0x1_0000_0000;
    void helpers;
    let stop: StopReason;
    if (this.pendingFault) stop = this.pendingFault;
    else if (code !== 0) stop = { kind: 'engine-error', code, message: uc.uc_strerror(code) };
    else if (this.stopRequested || words[12]) stop = { kind: 'requested' };
    else if (executed >= maxInstructions) stop = { kind: 'limit' };
    else stop = { kind: 'idle' };
    return { executed, stop };
  }

  /** Stops before the next instruction by lowering the limit the counter hook checks. From an MMIO
   * callback this is the only safe way: uc_emu_stop there restarts the current load or store. */
  stop(immediately = false): void {
    this.stopRequested = true;
    const words = this.counterWords;
    words[2] = words[0]!;
    words[3] = words[1]!;
    words[6] = 0; words[7] = 0; // the gate: stop at the next instruction
    if (immediately) this.lib.uc.uc_emu_stop(this.handle);
  }

  setUnmaskWatch(bitmap: Uint8Array | null, base: number, size: number): void {
    this.watchBitmap = bitmap;
    this.lib.helpers.h5_counter_set_watch(this.counter, bitmap, base >>> 0, Math.min(size, (bitmap?.byteLength ?? 0) * 16));
  }

  armUnmaskWatch(armed: boolean): void {
    if (this.watchBitmap) this.counterWords[11] = armed ? 1 : 0;
    this.updateExtras();
  }

  /** The one word the counter hook tests on every instruction: is there a watched address or an
   * armed unmask watch (engine-helpers.c, after_count)? */
  private updateExtras(): void {
    const words = this.counterWords;
    words[8] = (words[18] ? 1 : 0) | (words[11] ? 2 : 0);
    this.updateGate();
  }

  /** The counter's gate (word 6-7): its limit, or 0 while extras need every instruction. */
  private updateGate(): void {
    const words = this.counterWords;
    if (words[8]) { words[6] = 0; words[7] = 0; } else { words[6] = words[2]!; words[7] = words[3]!; }
  }

  instructionsThisRun(): number {
    return this.counterWords[0]! + this.counterWords[1]! * 0x1_0000_0000;
  }

  stopBeforeCurrentInstruction(): void {
    this.stopRequested = true;
    this.lib.helpers.h5_counter_stop_before_current(this.handle, this.counter);
  }

  onWriteProtected(handler: ((address: number, size: number, value: bigint) => boolean) | null): void {
    this.writeProtectedHandler = handler;
  }

  onInterrupt(callback: (intno: number) => void): void {
    this.interruptCallback = callback;
  }

  addCodeHook(begin: number, end: number, callback: (address: number, size: number) => void): CodeHookHandle {
    const address = begin >>> 0;
    if (address === end >>> 0 && (this.breakHandlers.has(address) || this.breakHandlers.size < BREAK_TABLE_SIZE)) {
      // One address (breakpoints, probes, function entries): checked by the counter's hook, because
      // every extra Unicorn code hook costs every instruction (engine-helpers.c, break_count).
      let handlers = this.breakHandlers.get(address);
      if (!handlers) {
        handlers = new Set();
        this.breakHandlers.set(address, handlers);
      }
      const handler = (at: number, size: number) => callback(at, size);
      handlers.add(handler);
      this.rebuildBreaks();
      return {
        remove: () => {
          const set = this.breakHandlers.get(address);
          if (!set?.delete(handler)) return;
          if (set.size === 0) this.breakHandlers.delete(address);
          this.rebuildBreaks();
        },
      };
    }
    const cb = koffi.register((_uc: unknown, address: number | bigint, size: number) => callback(Number(address) >>> 0, size),
      koffi.pointer(this.lib.types.hookCode as never));
    const hook = this.addRawHook(UC_HOOK_CODE, cb, BigInt(begin), BigInt(end));
    return { remove: () => this.removeHook(hook, cb) };
  }

  addMemoryHook(begin: number, end: number, callback: (access: 'read' | 'write', address: number, size: number, value: number) => void): CodeHookHandle {
    const cb = koffi.register((_uc: unknown, type: number, address: number | bigint, size: number, value: number | bigint) =>
      callback(type === UC_MEM_WRITE ? 'write' : 'read', Number(address) >>> 0, size, Number(BigInt.asUintN(32, BigInt(value)))),
    koffi.pointer(this.lib.types.hookMem as never));
    void UC_MEM_READ;
    const hook = this.addRawHook(UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, cb, BigInt(begin), BigInt(end));
    return { remove: () => this.removeHook(hook, cb) };
  }

  private removeHook(hook: unknown, callback: unknown): void {
    this.lib.uc.uc_hook_del(this.handle, hook);
    const index = this.registered.indexOf(callback);
    if (index >= 0) this.registered.splice(index, 1);
    koffi.unregister(callback as never);
  }

  enableBlockTrace(capacity: number): void {
    if (this.blockRing) this.lib.helpers.h5_block_ring_remove(this.handle, this.blockRing);
    this.blockRing = capacity > 0 ? this.lib.helpers.h5_block_ring_install(this.handle, capacity) : null;
  }

  recentBlocks(): number[] {
    if (!this.blockRing) return [];
    const out = new Uint32Array(4096);
    const count = this.lib.helpers.h5_block_ring_copy(this.blockRing, out, out.length);
    return Array.from(out.subarray(0, count));
  }

  invalidateCode(begin: number, end: number): void {
    this.lib.uc.uc_ctl_remove_cache(this.handle, UC_CTL_TB_REMOVE_CACHE_WRITE, 'uint64_t', BigInt(begin), 'uint64_t', BigInt(end));
  }

  close(): void {
    if (!this.handle) return;
    if (this.blockRing) this.lib.helpers.h5_block_ring_remove(this.handle, this.blockRing);
    this.lib.helpers.h5_counter_remove(this.handle, this.counter);
    this.lib.uc.uc_close(this.handle);
    this.handle = null;
    for (const cb of this.registered) koffi.unregister(cb as never);
    this.registered.length = 0;
    this.keepAlive.length = 0;
  }
}

/**
 * Runs an image on a bare Unicorn instance — no h5sim hooks, no instruction counter — from
 * `entry` until PC reaches `until`, and returns the wall time. `npm run bench` compares h5sim's
 * speed with this.
 */
export function runRawUnicorn(regions: Array<{ base: number; data: Uint8Array; executable: boolean }>, entry: number, stackPointer: number, until: number,
  registers: Array<[RegId, number]> = []): number {
  const { uc } = loadLibrary();
  const out: unknown[] = [null];
  if (uc.uc_open(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS, out) !== 0) throw new Error('uc_open failed');
  const handle = out[0];
  try {
    uc.uc_ctl_cpu_model(handle, UC_CTL_CPU_MODEL_WRITE, 'int', UC_CPU_ARM_CORTEX_M33);
    for (const region of regions) {
      const perms = UC_PROT_READ | UC_PROT_WRITE | (region.executable ? UC_PROT_EXEC : 0);
      if (uc.uc_mem_map_ptr(handle, BigInt(region.base), region.data.byteLength, perms, region.data) !== 0) throw new Error('uc_mem_map_ptr failed');
    }
    const value = new Uint8Array(8);
    new DataView(value.buffer).setUint32(0, stackPointer, true);
    uc.uc_reg_write(handle, 12, value);
    for (const [id, registerValue] of registers) {
      new DataView(value.buffer).setUint32(0, registerValue >>> 0, true);
      uc.uc_reg_write(handle, id, value);
    }
    const started = performance.now();
    const code = uc.uc_emu_start(handle, BigInt((entry | 1) >>> 0), BigInt(until >>> 0), 0n, 0);
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`raw run failed: ${uc.uc_strerror(code)}`);
    return seconds;
  } finally {
    uc.uc_close(handle);
  }
}
