// The system bus: plain memory (host buffers shared with the engine) and peripheral blocks
// (dispatched from the engine's MMIO callbacks). It also gives models direct memory access for
// DMA and gives debuggers a side-effect-free path.
import type { Engine } from '../core/engine.js';
import type { AccessSize, BusMaster, Peripheral } from '../../peripherals/core/peripheral.js';
import { hex } from '../diagnostics/access-log.js';

export interface MemoryRegion {
  name: string;
  base: number;
  data: Uint8Array;
  /** Writable by the CPU (flash is not: its writes go to `programmer`, or fault when there is none). */
  writable: boolean;
  executable: boolean;
  /** Other addresses where the same bytes appear (secure aliases). */
  aliases?: number[];
  /** Takes CPU writes to a read-only region (the FLASH interface's write buffer); the bytes stay unchanged unless it programs them. */
  programmer?: MemoryProgrammer;
}

/** The receiving end of CPU writes to flash: the FLASH interface collects them and programs (RM0481 §7.3). */
export interface MemoryProgrammer {
  /** `offset` from the region's start; `secure` when the write went through the secure alias. */
  programWrite(offset: number, size: number, value: number, secure: boolean): void;
}

export interface PeripheralMapping {
  peripheral: Peripheral;
  base: number;
  aliases?: number[];
}

export interface BusError {
  address: number;
  access: 'read' | 'write';
  size: number;
  reason: string;
}

const SLOT_SHIFT = 10; // peripheral blocks are at least 1 KiB and 1 KiB aligned
const PAGE = 0x1000;

interface Slot { peripheral: Peripheral; base: number }

export class Bus implements BusMaster {
  readonly regions: MemoryRegion[] = [];
  readonly mappings: PeripheralMapping[] = [];
  private readonly slots = new Map<number, Slot>();
  /** Called when the CPU touches a hole inside a mapped page; the CPU model raises a BusFault. */
  onBusError: (error: BusError) => void = () => {};
  /** Called when a model throws inside an MMIO callback; the run stops and the error surfaces. */
  onModelError: (error: unknown) => void = (error) => { throw error; };
  /** The core's poll-loop detector sees every CPU access to a peripheral (cheap: no FFI). */
  onCpuAccess: (access: 'read' | 'write', address: number, value: number) => void = () => {};
  /** Observers of CPU accesses to peripherals (traces, watch). */
  private readonly accessObservers: Array<(access: 'read' | 'write', address: number, size: number, value: number, peripheral: Peripheral, offset: number) => void> = [];

  addMemory(region: MemoryRegion): void {
    this.regions.push(region);
  }

  addPeripheral(mapping: PeripheralMapping): void {
    this.mappings.push(mapping);
    mapping.peripheral.mappedAt?.(mapping.base);
    for (const base of [mapping.base, ...(mapping.aliases ?? [])]) {
      for (let a = base; a < base + mapping.peripheral.size; a += 1 << SLOT_SHIFT) {
        const key = a >>> SLOT_SHIFT;
        const existing = this.slots.get(key);
        if (existing) throw new Error(`${mapping.peripheral.name} at ${hex(a)} overlaps ${existing.peripheral.name}`);
        this.slots.set(key, { peripheral: mapping.peripheral, base });
      }
    }
  }

  observeAccesses(observer: (access: 'read' | 'write', address: number, size: number, value: number, peripheral: Peripheral, offset: number) => void): () => void {
    this.accessObservers.push(observer);
    return () => {
      const i = this.accessObservers.indexOf(observer);
      if (i >= 0) this.accessObservers.splice(i, 1);
    };
  }

  findPeripheral(address: number): { peripheral: Peripheral; offset: number } | undefined {
    const slot = this.slots.get(address >>> SLOT_SHIFT);
    return slot ? { peripheral: slot.peripheral, offset: (address - slot.base) >>> 0 } : undefined;
  }

  /** Whether a CPU write of the same value to `address` again would change nothing. */
  isIdempotentWrite(address: number): boolean {
    const found = this.findPeripheral(address);
    return found?.peripheral.idempotentWrite?.(found.offset) ?? false;
  }

  findRegion(address: number, length = 1): { region: MemoryRegion; offset: number } | undefined {
    for (const region of this.regions) {
      for (const base of [region.base, ...(region.aliases ?? [])]) {
        const offset = (address - base) >>> 0;
        if (address >= base && offset + length <= region.data.byteLength) return { region, offset };
      }
    }
    return undefined;
  }

  /** Maps every region and peripheral page into the engine. */
  attach(engine: Engine): void {
    for (const region of this.regions) {
      for (const base of [region.base, ...(region.aliases ?? [])]) {
        engine.mapMemory(base, region.data, { write: region.writable, execute: region.executable });
      }
    }
    const pages = [...new Set([...this.slots.keys()].map((slot) => (slot << SLOT_SHIFT) >>> 0).map((a) => a - (a % PAGE)))].sort((a, b) => a - b);
    // Contiguous pages become one MMIO mapping.
    let start = -1;
    let end = -1;
    const flush = () => {
      if (start < 0) return;
      const regionBase = start;
      engine.mapMmio(regionBase, end - start, {
        read: (offset, size) => this.cpuRead((regionBase + offset) >>> 0, size as AccessSize),
        write: (offset, size, value) => this.cpuWrite((regionBase + offset) >>> 0, size as AccessSize, value),
      });
    };
    for (const page of pages) {
      if (page === end) {
        end += PAGE;
        continue;
      }
      flush();
      start = page;
      end = page + PAGE;
    }
    flush();
  }

  cpuRead(address: number, size: AccessSize): number {
    const slot = this.slots.get(address >>> SLOT_SHIFT);
    if (!slot) {
      this.onBusError({ address, access: 'read', size, reason: 'no peripheral decodes this address' });
      return 0;
    }
    try {
      const offset = (address - slot.base) >>> 0;
      const value = slot.peripheral.read(offset, size) >>> 0;
      this.onCpuAccess('read', address, value);
      for (const observer of this.accessObservers) observer('read', address, size, value, slot.peripheral, offset);
      return value;
    } catch (error) {
      this.onModelError(error);
      return 0;
    }
  }

  cpuWrite(address: number, size: AccessSize, value: number): void {
    const slot = this.slots.get(address >>> SLOT_SHIFT);
    if (!slot) {
      this.onBusError({ address, access: 'write', size, reason: 'no peripheral decodes this address' });
      return;
    }
    try {
      const offset = (address - slot.base) >>> 0;
      const masked = size === 4 ? value >>> 0 : value & (size === 1 ? 0xff : 0xffff);
      slot.peripheral.write(offset, size, masked);
      this.onCpuAccess('write', address, masked);
      for (const observer of this.accessObservers) observer('write', address, size, masked, slot.peripheral, offset);
    } catch (error) {
      this.onModelError(error);
    }
  }

  // ---- BusMaster: direct memory access for DMA-capable models ----

  isMemory(address: number, length: number): boolean {
    return this.findRegion(address, Math.max(1, length)) !== undefined;
  }

  readBytes(address: number, length: number): Uint8Array {
    const found = this.findRegion(address, length);
    if (!found) throw new Error(`DMA read of ${length} bytes at ${hex(address)} is outside memory`);
    return found.region.data.subarray(found.offset, found.offset + length);
  }

  writeBytes(address: number, data: Uint8Array): void {
    const found = this.findRegion(address, data.byteLength);
    if (!found) throw new Error(`DMA write of ${data.byteLength} bytes at ${hex(address)} is outside memory`);
    found.region.data.set(data, found.offset);
  }

  read32(address: number): number {
    const found = this.findRegion(address, 4);
    if (!found) throw new Error(`DMA read at ${hex(address)} is outside memory`);
    const d = found.region.data;
    const o = found.offset;
    return (d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16) | (d[o + 3]! << 24)) >>> 0;
  }

  write32(address: number, value: number): void {
    const found = this.findRegion(address, 4);
    if (!found) throw new Error(`DMA write at ${hex(address)} is outside memory`);
    const d = found.region.data;
    const o = found.offset;
    d[o] = value & 0xff; d[o + 1] = (value >>> 8) & 0xff; d[o + 2] = (value >>> 16) & 0xff; d[o + 3] = (value >>> 24) & 0xff;
  }

  // ---- Debug path: no side effects, reaches everything ----

  /** Reads memory and peripheral registers without side effects; null where nothing decodes. */
  debugRead(address: number, length: number): Uint8Array | null {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; ) {
      const a = (address + i) >>> 0;
      const region = this.findRegion(a, 1);
      if (region) {
        const n = Math.min(length - i, region.region.data.byteLength - region.offset);
        out.set(region.region.data.subarray(region.offset, region.offset + n), i);
        i += n;
        continue;
      }
      const slot = this.slots.get(a >>> SLOT_SHIFT);
      if (!slot) return null;
      if ((a & 3) === 0 && length - i >= 4) {
        const v = slot.peripheral.peek((a - slot.base) >>> 0, 4);
        out[i] = v & 0xff; out[i + 1] = (v >>> 8) & 0xff; out[i + 2] = (v >>> 16) & 0xff; out[i + 3] = (v >>> 24) & 0xff;
        i += 4;
      } else {
        out[i] = slot.peripheral.peek((a - slot.base) >>> 0, 1) & 0xff;
        i += 1;
      }
    }
    return out;
  }

  /** Debugger writes: memory (flash included) directly; peripherals through their normal write. */
  debugWrite(address: number, data: Uint8Array): boolean {
    const region = this.findRegion(address, data.byteLength);
    if (region) {
      region.region.data.set(data, region.offset);
      return true;
    }
    const slot = this.slots.get(address >>> SLOT_SHIFT);
    if (!slot) return false;
    for (let i = 0; i < data.byteLength; i++) slot.peripheral.write((address + i - slot.base) >>> 0, 1, data[i]!);
    return true;
  }

  reset(): void {
    for (const mapping of this.mappings) mapping.peripheral.reset();
  }
}
