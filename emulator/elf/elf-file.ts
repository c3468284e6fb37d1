// A small ELF32 little-endian reader for ARM firmware images: program headers, section headers
// and the symbol table. We write our own rather than use the npm `elf-parser` package: that
// package is a CLI for shared objects (64-bit focus, no ELF32 symbol API, unmaintained); the
// subset firmware needs is small and this keeps every error message ours and actionable.

export class ElfError extends Error {}

export interface ProgramHeader {
  type: number;
  offset: number;
  virtualAddress: number;
  physicalAddress: number;
  fileSize: number;
  memorySize: number;
  flags: number;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  type: 'function' | 'object' | 'other';
}

export interface ElfSection {
  name: string;
  type: number;
  address: number;
  offset: number;
  size: number;
  flags: number;
}

export const PT_LOAD = 1;
const EM_ARM = 40;
const SHT_SYMTAB = 2;

export class ElfFile {
  readonly entry: number;
  readonly machine: number;
  readonly programHeaders: ProgramHeader[] = [];
  readonly sections: ElfSection[] = [];
  readonly symbols: ElfSymbol[] = [];
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array, readonly path = '<memory>') {
    if (bytes.byteLength < 52) throw new ElfError(`${path}: not an ELF file (only ${bytes.byteLength} bytes)`);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
      throw new ElfError(`${path}: not an ELF file (bad magic)`);
    }
    if (bytes[4] !== 1) throw new ElfError(`${path}: a 64-bit ELF; h5sim runs 32-bit ARM (Cortex-M33) images`);
    if (bytes[5] !== 1) throw new ElfError(`${path}: a big-endian ELF; the Cortex-M33 image must be little-endian`);
    this.machine = this.u16(18);
    if (this.machine !== EM_ARM) {
      throw new ElfError(`${path}: ELF for machine ${this.machine} (${machineName(this.machine)}), not ARM (40); build it with arm-none-eabi-gcc -mcpu=cortex-m33`);
    }
    this.entry = this.u32(24);
    const phoff = this.u32(28);
    const shoff = this.u32(32);
    const phentsize = this.u16(42);
    const phnum = this.u16(44);
    const shentsize = this.u16(46);
    const shnum = this.u16(48);
    const shstrndx = this.u16(50);
    if (phnum > 0 && (phentsize < 32 || phoff + phnum * phentsize > bytes.byteLength)) {
      throw new ElfError(`${path}: truncated ELF (program headers end at ${phoff + phnum * phentsize}, file has ${bytes.byteLength} bytes)`);
    }
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * phentsize;
      const header: ProgramHeader = {
        type: this.u32(o), offset: this.u32(o + 4), virtualAddress: this.u32(o + 8), physicalAddress: this.u32(o + 12),
        fileSize: this.u32(o + 16), memorySize: this.u32(o + 20), flags: this.u32(o + 24),
      };
      if (header.type === PT_LOAD && header.offset + header.fileSize > bytes.byteLength) {
        throw new ElfError(`${path}: truncated ELF (segment ${i} needs bytes up to ${header.offset + header.fileSize}, file has ${bytes.byteLength})`);
      }
      this.programHeaders.push(header);
    }
    if (shnum > 0 && shentsize >= 40 && shoff + shnum * shentsize <= bytes.byteLength) {
      const raw: Array<ElfSection & { nameOffset: number; link: number; entsize: number }> = [];
      for (let i = 0; i < shnum; i++) {
        const o = shoff + i * shentsize;
        raw.push({
          name: '', nameOffset: this.u32(o), type: this.u32(o + 4), flags: this.u32(o + 8), address: this.u32(o + 12),
          offset: this.u32(o + 16), size: this.u32(o + 20), link: this.u32(o + 24), entsize: this.u32(o + 36),
        });
      }
      const names = raw[shstrndx];
      for (const section of raw) {
        if (names) section.name = this.string(names.offset + section.nameOffset, names.offset + names.size);
        this.sections.push({ name: section.name, type: section.type, address: section.address, offset: section.offset, size: section.size, flags: section.flags });
      }
      const symtab = raw.find((s) => s.type === SHT_SYMTAB);
      const strtab = symtab ? raw[symtab.link] : undefined;
      if (symtab && strtab && symtab.offset + symtab.size <= bytes.byteLength) {
        const count = Math.floor(symtab.size / 16);
        for (let i = 1; i < count; i++) {
          const o = symtab.offset + i * 16;
          const info = bytes[o + 12]!;
          const kind = info & 0xf;
          const shndx = this.u16(o + 14);
          if (shndx === 0) continue; // undefined
          const name = this.string(strtab.offset + this.u32(o), strtab.offset + strtab.size);
          if (!name || name.startsWith('$')) continue; // ARM mapping symbols ($t, $d)
          this.symbols.push({ name, value: this.u32(o + 4), size: this.u32(o + 8), type: kind === 2 ? 'function' : kind === 1 ? 'object' : 'other' });
        }
      }
    }
  }

  loadSegments(): Array<ProgramHeader & { data: Uint8Array }> {
    return this.programHeaders
      .filter((p) => p.type === PT_LOAD && p.memorySize > 0)
      .map((p) => ({ ...p, data: this.bytes.subarray(p.offset, p.offset + p.fileSize) }));
  }

  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  private u16(offset: number): number {
    if (offset + 2 > this.view.byteLength) throw new ElfError(`${this.path}: truncated ELF header`);
    return this.view.getUint16(offset, true);
  }

  private u32(offset: number): number {
    if (offset + 4 > this.view.byteLength) throw new ElfError(`${this.path}: truncated ELF`);
    return this.view.getUint32(offset, true);
  }

  private string(start: number, limit: number): string {
    let end = start;
    const max = Math.min(limit, this.bytes.byteLength);
    while (end < max && this.bytes[end] !== 0) end++;
    return new TextDecoder('latin1').decode(this.bytes.subarray(start, end));
  }
}

function machineName(machine: number): string {
  const names: Record<number, string> = { 3: 'x86', 8: 'MIPS', 62: 'x86-64', 183: 'AArch64', 243: 'RISC-V', 83: 'AVR', 94: 'Xtensa' };
  return names[machine] ?? 'unknown';
}

/** Address → "function+offset" using the ELF's function and object symbols. */
export class SymbolTable {
  private readonly sorted: ElfSymbol[];
  private readonly byName = new Map<string, ElfSymbol>();

  constructor(symbols: ElfSymbol[]) {
    this.sorted = symbols.filter((s) => s.type !== 'other' || s.size > 0).sort((a, b) => a.value - b.value);
    for (const s of symbols) if (!this.byName.has(s.name) || s.type === 'function') this.byName.set(s.name, s);
  }

  lookup(name: string): ElfSymbol | undefined {
    return this.byName.get(name);
  }

  /** The symbol containing `address` (Thumb bit ignored), e.g. "HAL_ETH_Init+0x54". */
  describe(address: number): string | undefined {
    const a = address & ~1;
    let lo = 0;
    let hi = this.sorted.length - 1;
    let best: ElfSymbol | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.sorted[mid]!;
      if ((s.value & ~1) <= a) { best = s; lo = mid + 1; } else hi = mid - 1;
    }
    // walk back over zero-size or non-containing entries at the same address
    for (let i = this.sorted.indexOf(best!); best && i >= 0; i--) {
      const s = this.sorted[i]!;
      const start = s.value & ~1;
      if (start > a) continue;
      if (a < start + Math.max(s.size, 1) || (s.size === 0 && a === start)) {
        const offset = a - start;
        return offset === 0 ? s.name : `${s.name}+0x${offset.toString(16)}`;
      }
      if (a - start > 0x10000) break;
    }
    return undefined;
  }
}
