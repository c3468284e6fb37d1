// The named stub (DESIGN.md decision 6): a block of the memory map that has no model yet. It stores
// writes, returns reset values (0), and reports each distinct access once as unimplemented with
// the register's CMSIS name ("SPI2 CR1"), so the log says what the firmware needs. In strict mode
// that report throws. Plain memories without registers (FDCAN message RAM, USB packet memory) set
// `storage` and are reported once for the whole block.
import { registerNamesByOffset } from '../../emulator/machine/register-names.js';
import type { AccessSize, Peripheral, PeripheralContext } from '../core/peripheral.js';

export interface StubOptions {
  /** Register-block type from the CMSIS header (SPI, I2C, DMA, ...). */
  type?: string;
  /** Sub-blocks at offsets inside this block (GPDMA1_Channel3 at 0x1d0). */
  parts?: Array<{ name: string; type: string; offset: number }>;
  storage?: boolean;
  /** Decoded size of the block (default 1 KiB). */
  size?: number;
  /** Bus address of offset 0, for messages. */
  base?: number;
}

export class NamedStub implements Peripheral {
  readonly name: string;
  readonly size: number;
  private readonly data: Uint8Array;
  private readonly view: DataView;
  private readonly names = new Map<number, string>();
  private readonly storage: boolean;
  private base: number;

  constructor(private readonly ctx: PeripheralContext, options: StubOptions = {}) {
    this.name = ctx.name;
    this.size = options.size ?? 0x400;
    this.data = new Uint8Array(this.size);
    this.view = new DataView(this.data.buffer);
    this.storage = options.storage ?? false;
    this.base = options.base ?? 0;
    if (options.type) for (const [offset, reg] of registerNamesByOffset(options.type)) this.names.set(offset, reg);
    for (const part of options.parts ?? []) {
      const prefix = part.name === this.name ? '' : `${part.name}.`;
      for (const [offset, reg] of registerNamesByOffset(part.type)) this.names.set(part.offset + offset, `${prefix}${reg}`);
    }
  }

  /** The register name at an offset, or the offset itself when the header names none there. */
  registerAt(offset: number): string {
    if (this.storage) return 'memory';
    return this.names.get(offset & ~3) ?? `+0x${(offset & ~3).toString(16)}`;
  }

  read(offset: number, size: AccessSize): number {
    this.ctx.log.unimplemented(`no model for ${this.name}; reads the stored value`, {
      register: this.registerAt(offset), address: this.base + offset, access: 'read', size,
    });
    return this.peek(offset, size);
  }

  peek(offset: number, size: AccessSize): number {
    if (offset + size > this.size) return 0;
    return size === 4 ? this.view.getUint32(offset, true) : size === 2 ? this.view.getUint16(offset, true) : this.view.getUint8(offset);
  }

  write(offset: number, size: AccessSize, value: number): void {
    this.ctx.log.unimplemented(`no model for ${this.name}; the value is stored`, {
      register: this.registerAt(offset), address: this.base + offset, access: 'write', size, value,
    });
    if (offset + size > this.size) return;
    if (size === 4) this.view.setUint32(offset, value >>> 0, true);
    else if (size === 2) this.view.setUint16(offset, value & 0xffff, true);
    else this.view.setUint8(offset, value & 0xff);
  }

  reset(): void {
    this.data.fill(0);
  }

  mappedAt(base: number): void {
    this.base = base;
  }
}
