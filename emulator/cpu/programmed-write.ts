// CPU stores into flash. The engine maps flash read-only (a stray store must not change it), so a
// store faults before it happens. When the region has a programmer (the FLASH interface), the
// store instruction is executed once more with the region writable and a write hook recording
// every byte it stores; the old bytes are put back and the recorded writes go to the programmer,
// which decides what reaches flash (RM0481 §7.3.7: the write buffer, PG, the error flags). This
// costs nothing until firmware writes to flash, and handles every store form (STR, STRD, STM,
// writeback) because the engine itself executes the instruction.
import type { Engine } from '../core/engine.js';
import type { Bus, MemoryRegion } from '../bus/bus.js';

/** Granule of the permission change around a store (Unicorn protects whole 4 KiB pages). */
const OPEN_PAGE = 4096;

export interface ProgrammedWrite { executed: number; region: MemoryRegion; offsets: number[] }

/** Executes the store at PC that faulted on `address`; null when no programmer takes writes there. */
export function executeStoreIntoProgrammer(engine: Engine, bus: Bus, address: number): ProgrammedWrite | null {
  const found = bus.findRegion(address, 1);
  const region = found?.region;
  const programmer = region?.programmer;
  if (!region || !programmer) return null;
  const length = region.data.byteLength;
  const base = [region.base, ...(region.aliases ?? [])].find((b) => address - b >= 0 && address - b < length) ?? region.base;
  // Only the pages the store can reach are opened (an STM writes at most 64 bytes): changing the
  // permissions of the whole 2 MiB also drops every translated block in it, which made a firmware
  // storing to locked flash in a loop take seconds per virtual millisecond.
  const windowStart = Math.max(0, Math.floor((address - base) / OPEN_PAGE) * OPEN_PAGE);
  const windowLength = Math.min(length - windowStart, 2 * OPEN_PAGE);
  const writes: Array<{ offset: number; size: number; value: number; secure: boolean }> = [];
  const saved: Array<{ offset: number; bytes: Uint8Array }> = [];
  const hook = engine.addMemoryHook(base + windowStart, base + windowStart + windowLength - 1, (access, at, size, value) => {
    if (access !== 'write') return;
    const offset = (at - base) >>> 0;
    saved.push({ offset, bytes: region.data.slice(offset, offset + size) });
    writes.push({ offset, size, value, secure: base !== region.base });
  });
  engine.protectMemory(base + windowStart, windowLength, { write: true, execute: region.executable });
  let executed = 0;
  try {
    executed = engine.run(1).executed;
  } finally {
    engine.protectMemory(base + windowStart, windowLength, { write: false, execute: region.executable });
    hook.remove();
    for (const { offset, bytes } of saved.reverse()) region.data.set(bytes, offset);
  }
  // The store did not complete (a breakpoint before it, or a second fault, e.g. an STM running past
  // the end of flash): nothing reaches the programmer and the caller reports a bus fault, so the
  // core never spins re-executing it.
  if (executed === 0) return null;
  for (const write of writes) programmer.programWrite(write.offset, write.size, write.value, write.secure);
  return { executed, region, offsets: writes.map((w) => w.offset) };
}
