// CPU stores into flash. The engine maps flash without write permission; a store to it calls the
// engine's write-protection hook, which lets the store reach the flash bytes (so the instruction
// completes with its writeback, STM and STRD forms included) and records it here with the bytes
// it overwrote. Before the next instruction the core settles: the old bytes are put back and the
// writes go to the region's programmer (the FLASH interface), which decides what reaches flash
// (RM0481 §7.3.7: the write buffer, PG, the error flags). Regions without a programmer fault.
// (This replaced executing the store a second time with the page made writable, which cost about a
// millisecond per store in permission changes.)
import type { Bus, MemoryRegion } from '../bus/bus.js';

interface PendingStore {
  region: MemoryRegion;
  base: number;
  offset: number;
  size: number;
  value: bigint;
  old: Uint8Array;
}

export class FlashStores {
  private readonly stores: PendingStore[] = [];

  constructor(private readonly bus: Bus, private readonly invalidateCode: (begin: number, end: number) => void) {}

  get pending(): boolean {
    return this.stores.length > 0;
  }

  /** From the engine's hook, before the bytes change: true when a programmer takes stores there. */
  take(address: number, size: number, value: bigint): boolean {
    const found = this.bus.findRegion(address, size);
    const region = found?.region;
    if (!found || !region?.programmer) return false;
    const last = this.stores[this.stores.length - 1];
    // An unaligned store reaches the hook whole and then byte by byte: keep the whole one.
    if (last && last.region === region && found.offset >= last.offset && found.offset + size <= last.offset + last.size) return true;
    this.stores.push({
      region, base: address - found.offset, offset: found.offset, size, value,
      old: region.data.slice(found.offset, found.offset + size),
    });
    return true;
  }

  /** After the instruction: flash bytes back as they were, then the writes to the programmer. */
  settle(): void {
    const stores = this.stores.splice(0);
    for (const store of [...stores].reverse()) store.region.data.set(store.old, store.offset);
    for (const store of stores) {
      const secure = store.base !== store.region.base;
      if (store.size === 8) {
        store.region.programmer!.programWrite(store.offset, 4, Number(store.value & 0xffff_ffffn), secure);
        store.region.programmer!.programWrite(store.offset + 4, 4, Number(store.value >> 32n), secure);
      } else {
        store.region.programmer!.programWrite(store.offset, store.size, Number(store.value & 0xffff_ffffn), secure);
      }
      // The programmer may have changed code there.
      for (const base of [store.region.base, ...(store.region.aliases ?? [])]) {
        const line = base + store.offset - (store.offset % 16);
        this.invalidateCode(line, line + 16 + (store.size > 8 ? store.size : 0));
      }
    }
  }
}
