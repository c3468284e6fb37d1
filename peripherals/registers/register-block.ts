// Declarative registers (STYLE.md): a peripheral's `*.regs.ts` lists its registers the way the
// reference manual's register map does — name, offset, reset value, fields with access modes —
// and its behaviour file hooks computed reads and write callbacks onto them. No model writes a
// read/write switch of its own.
import type { AccessDetails, ModelLog } from '../../emulator/diagnostics/access-log.js';
import type { AccessSize } from '../core/peripheral.js';

/**
 * rw: read/write · r: read-only (writes ignored) · w: write-only (reads 0) ·
 * w1c / rc_w1: cleared by writing 1 · rc_w0: cleared by writing 0 · rc_r: cleared by reading ·
 * w1s: set by writing 1 · t: toggled by writing 1.
 */
export type FieldAccess = 'rw' | 'r' | 'w' | 'w1c' | 'rc_w1' | 'rc_w0' | 'rc_r' | 'w1s' | 't';

export interface FieldSpec {
  name: string;
  bit: number;
  width?: number;
  access?: FieldAccess;
  /** false: the bit is stored but its behaviour is not modelled (writes to it are logged once). */
  modelled?: boolean;
}

export interface RegisterSpec {
  name: string;
  offset: number;
  reset?: number;
  /** Access of bits that no field covers, when `fields` is absent (default rw). With fields, uncovered bits are reserved. */
  access?: FieldAccess;
  fields?: FieldSpec[];
  /** Repeat the register `count` times, `stride` bytes apart; `{n}` in the name becomes the index. */
  count?: number;
  stride?: number;
  /** A model without any behaviour for this register: accesses are logged once as unimplemented. */
  modelled?: boolean;
  /**
   * Writing the value it was just written with again changes nothing (GPIO BSRR, BRR, ODR): a loop
   * that only repeats such a write, like ST's `while (1) BSP_LED_On(LED1);`, is skipped forward as
   * a poll loop is.
   */
  idempotent?: boolean;
}

export interface RegisterHooks {
  /** Computes the value seen by a read, from the stored value (hardware status). */
  read?: (stored: number) => number;
  /** Same as `read` but without side effects, for debugger reads; defaults to `read` when it has none. */
  peek?: (stored: number) => number;
  /** Called after the stored value changed by a CPU write. */
  write?: (value: number, previous: number, written: number) => void;
  /** Side effect of a read (pop a FIFO); runs after the value is computed. */
  afterRead?: () => void;
}

interface CompiledRegister {
  name: string;
  offset: number;
  reset: number;
  masks: Record<FieldAccess, number>;
  readableMask: number;
  fields: Array<Required<Omit<FieldSpec, 'access' | 'modelled'>> & { access: FieldAccess; modelled: boolean; mask: number }>;
  tagged: number;
  modelled: boolean;
  idempotent: boolean;
  hooks: RegisterHooks;
}

const ACCESS_KINDS: FieldAccess[] = ['rw', 'r', 'w', 'w1c', 'rc_w1', 'rc_w0', 'rc_r', 'w1s', 't'];

function fieldMask(bit: number, width: number): number {
  return width >= 32 ? 0xffffffff : (((1 << width) - 1) << bit) >>> 0;
}

/** Expands `count`/`stride` registers into one spec each. */
export function expandRegisters(specs: RegisterSpec[]): RegisterSpec[] {
  const out: RegisterSpec[] = [];
  for (const spec of specs) {
    if (!spec.count) {
      out.push(spec);
      continue;
    }
    for (let i = 0; i < spec.count; i++) {
      out.push({ ...spec, count: undefined, name: spec.name.replace('{n}', String(i)), offset: spec.offset + i * (spec.stride ?? 4) });
    }
  }
  return out;
}

export class RegisterBlock {
  private readonly byWord: Array<CompiledRegister | undefined> = [];
  private readonly byName = new Map<string, CompiledRegister>();
  private readonly stored: Uint32Array;
  readonly specs: RegisterSpec[];

  constructor(
    readonly peripheral: string,
    specs: RegisterSpec[],
    private readonly log: ModelLog,
    /** Address of offset 0, for messages (the bus mapping sets it through `mappedAt`). */
    public baseAddress = 0,
  ) {
    this.specs = expandRegisters(specs);
    const maxOffset = this.specs.reduce((m, s) => Math.max(m, s.offset), 0);
    this.stored = new Uint32Array((maxOffset >> 2) + 1);
    for (const spec of this.specs) {
      if (spec.offset % 4 !== 0) throw new Error(`${peripheral}.${spec.name}: offset 0x${spec.offset.toString(16)} is not word aligned`);
      if (this.byWord[spec.offset >> 2]) throw new Error(`${peripheral}.${spec.name}: offset 0x${spec.offset.toString(16)} already holds ${this.byWord[spec.offset >> 2]!.name}`);
      const compiled = this.compile(spec);
      this.byWord[spec.offset >> 2] = compiled;
      this.byName.set(spec.name, compiled);
    }
    this.reset();
  }

  private compile(spec: RegisterSpec): CompiledRegister {
    const masks = Object.fromEntries(ACCESS_KINDS.map((k) => [k, 0])) as Record<FieldAccess, number>;
    const fields: CompiledRegister['fields'] = [];
    let tagged = 0;
    if (spec.fields && spec.fields.length > 0) {
      for (const field of spec.fields) {
        const width = field.width ?? 1;
        const mask = fieldMask(field.bit, width);
        const access = field.access ?? spec.access ?? 'rw';
        masks[access] = (masks[access] | mask) >>> 0;
        const modelled = field.modelled ?? true;
        if (!modelled) tagged = (tagged | mask) >>> 0;
        fields.push({ name: field.name, bit: field.bit, width, access, modelled, mask });
      }
    } else {
      masks[spec.access ?? 'rw'] = 0xffffffff;
    }
    const readableMask = (0xffffffff & ~masks.w) >>> 0;
    return {
      name: spec.name, offset: spec.offset, reset: (spec.reset ?? 0) >>> 0, masks, readableMask,
      fields, tagged, modelled: spec.modelled ?? true, idempotent: spec.idempotent ?? false, hooks: {},
    };
  }

  private lookup(name: string): CompiledRegister {
    const reg = this.byName.get(name);
    if (!reg) throw new Error(`${this.peripheral} has no register ${name}`);
    return reg;
  }

  /** Attaches behaviour to a register declared in the table. */
  on(name: string, hooks: RegisterHooks): this {
    Object.assign(this.lookup(name).hooks, hooks);
    return this;
  }

  /** Whether the register at `offset` is declared idempotent for writes (RegisterSpec.idempotent). */
  isIdempotent(offset: number): boolean {
    return this.byWord[offset >> 2]?.idempotent ?? false;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  offsetOf(name: string): number {
    return this.lookup(name).offset;
  }

  nameAt(offset: number): string | undefined {
    return this.byWord[offset >> 2]?.name;
  }

  /** Hardware-side read of the stored value (no hooks, no side effects). */
  get(name: string): number {
    return this.stored[this.lookup(name).offset >> 2]!;
  }

  /** Hardware-side write of the stored value (no access modes, no hooks). */
  set(name: string, value: number): void {
    this.stored[this.lookup(name).offset >> 2] = value >>> 0;
  }

  /** Sets or clears bits from the hardware side. */
  setBits(name: string, mask: number, on = true): void {
    const index = this.lookup(name).offset >> 2;
    this.stored[index] = on ? (this.stored[index]! | mask) >>> 0 : (this.stored[index]! & ~mask) >>> 0;
  }

  field(name: string, fieldName: string): number {
    const reg = this.lookup(name);
    const field = reg.fields.find((f) => f.name === fieldName);
    if (!field) throw new Error(`${this.peripheral}.${name} has no field ${fieldName}`);
    return (this.stored[reg.offset >> 2]! & field.mask) >>> field.bit;
  }

  setField(name: string, fieldName: string, value: number): void {
    const reg = this.lookup(name);
    const field = reg.fields.find((f) => f.name === fieldName);
    if (!field) throw new Error(`${this.peripheral}.${name} has no field ${fieldName}`);
    const index = reg.offset >> 2;
    this.stored[index] = ((this.stored[index]! & ~field.mask) | ((value << field.bit) & field.mask)) >>> 0;
  }

  reset(): void {
    for (const spec of this.specs) this.stored[spec.offset >> 2] = (spec.reset ?? 0) >>> 0;
  }

  /**
   * Bus address of a register named in a log line: a table name ('ICSR', 'CR.ADD1H') or an offset
   * the table does not decode ('+0x3fc'); undefined for anything else.
   */
  addressOf(register: string): number | undefined {
    const offset = /^\+0x([0-9a-f]+)$/i.exec(register);
    if (offset) return (this.baseAddress + parseInt(offset[1]!, 16)) >>> 0;
    const name = register.split('.')[0]!;
    return this.has(name) ? (this.baseAddress + this.offsetOf(name)) >>> 0 : undefined;
  }

  /** True when a register decodes this offset. */
  decodes(offset: number): boolean {
    return this.byWord[offset >> 2] !== undefined;
  }

  read(offset: number, size: AccessSize): number {
    const reg = this.byWord[offset >> 2];
    if (!reg) {
      this.log.guestError('read of a reserved offset returns 0', { address: this.baseAddress + offset, size, access: 'read', register: `+0x${offset.toString(16)}` });
      return 0;
    }
    if (!reg.modelled) this.log.unimplemented('register not modelled; returns the stored value', this.details(reg, 'read', size));
    const index = offset >> 2;
    const stored = this.stored[index]!;
    const value = (reg.hooks.read ? reg.hooks.read(stored) : stored) & reg.readableMask;
    if (reg.masks.rc_r) this.stored[index] = (this.stored[index]! & ~reg.masks.rc_r) >>> 0;
    reg.hooks.afterRead?.();
    return extract(value >>> 0, offset, size);
  }

  peek(offset: number, size: AccessSize): number {
    const reg = this.byWord[offset >> 2];
    if (!reg) return 0;
    const stored = this.stored[offset >> 2]!;
    const compute = reg.hooks.peek ?? reg.hooks.read;
    return extract(((compute ? compute(stored) : stored) & reg.readableMask) >>> 0, offset, size);
  }

  write(offset: number, size: AccessSize, value: number): void {
    const reg = this.byWord[offset >> 2];
    if (!reg) {
      this.log.guestError('write to a reserved offset ignored', { address: this.baseAddress + offset, size, access: 'write', value, register: `+0x${offset.toString(16)}` });
      return;
    }
    if (!reg.modelled) this.log.unimplemented('register not modelled; the value is stored', this.details(reg, 'write', size, value));
    const shift = (offset & 3) * 8;
    const laneMask = size === 4 ? 0xffffffff : (fieldMask(0, size * 8) << shift) >>> 0;
    const written = size === 4 ? value >>> 0 : ((value << shift) & laneMask) >>> 0;
    const index = offset >> 2;
    const previous = this.stored[index]!;
    const m = reg.masks;
    let next = previous;
    const rwMask = ((m.rw | m.w) & laneMask) >>> 0;
    next = (next & ~rwMask) | (written & rwMask);
    next &= ~(written & (m.w1c | m.rc_w1) & laneMask);
    next &= ~(~written & m.rc_w0 & laneMask);
    next |= written & m.w1s & laneMask;
    next ^= written & m.t & laneMask;
    next >>>= 0;
    if (reg.tagged && ((next ^ previous) & reg.tagged)) {
      for (const field of reg.fields) {
        if (!field.modelled && ((next ^ previous) & field.mask)) {
          this.log.unimplemented('field behaviour not modelled; the value is stored', { ...this.details(reg, 'write', size, value), field: field.name });
        }
      }
    }
    this.stored[index] = next;
    reg.hooks.write?.(next, previous, written);
  }

  private details(reg: CompiledRegister, access: 'read' | 'write', size: number, value?: number): AccessDetails {
    return { register: reg.name, address: this.baseAddress + reg.offset, access, size, value };
  }
}

function extract(value: number, offset: number, size: AccessSize): number {
  if (size === 4) return value;
  const shift = (offset & 3) * 8;
  return (value >>> shift) & (size === 1 ? 0xff : 0xffff);
}
