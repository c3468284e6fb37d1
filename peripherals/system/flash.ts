// RM0481 §7 FLASH interface: wait states (ACR), the key sequences that unlock NSCR/SECCR and OPTCR,
// status and clear registers, option-byte programming (OPTSTART copies _PRG to _CUR), sector,
// bank and mass erase, and quad-word programming. Erase and programming reach the flash bytes
// through ctx.host.options.flashMemory (the Uint8Array the machine maps at 0x0800_0000).
//
// Programming (RM0481 §7.3.7): with PG set, CPU writes to flash fill a 128-bit write buffer; once
// its 16 bytes are written (or FW forces it, padding with ones) the quad-word is programmed: BSY
// while it runs, then EOP. Programming only clears bits (the result is the AND of old and new).
// Errors, each with the buffer discarded and flash unchanged: a write while PG is clear sets
// PGSERR; a second write to a byte already in the buffer sets STRBERR; a write to another
// quad-word before the buffer is complete sets INCERR; a write into a sector the WRP option bytes
// protect sets WRPERR. LOCK guards the control register only (PG cannot be set while it is 1, and
// setting LOCK leaves PG as it was), so PG alone decides whether a write programs. No bus error:
// the write completes on the bus and only raises the flag, as RM0399 §4.3.9 states for the H7's
// interface of the same design; RM0481's own wording on this was not available (docs/architecture.md,
// "Flash writes"). h5sim logs a guest error with the address and PC.
//
// Keys: a wrong key, or keys written again while the register is already unlocked, keep it locked
// until the next reset. OPTLOCK guards OPTCR and every _PRG option register.
import type { ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import type { IrqLine, PeripheralContext } from '../core/peripheral.js';
import { RegisterPeripheral } from '../core/register-peripheral.js';
import { FLASH_REGISTERS, OPTION_REGISTER_NAMES } from './flash.regs.js';
import { hex } from '../../emulator/diagnostics/access-log.js';

export const FLASH_KEY1 = 0x4567_0123;
export const FLASH_KEY2 = 0xcdef_89ab;
export const FLASH_OPTKEY1 = 0x0819_2a3b;
export const FLASH_OPTKEY2 = 0x4c5d_6e7f;

const SECTOR_SIZE = 8 * 1024;
const BANK_SIZE = 1024 * 1024;
/** Virtual time of a sector erase; RM0481's datasheet figure is milliseconds, polling firmware only needs BSY first. */
const ERASE_TIME = 50e-6;
/** Virtual time of one quad-word programming (the datasheet gives tens of microseconds). */
const PROGRAM_TIME = 20e-6;
const QUAD_WORD = 16;
const FLASH_BASE = 0x0800_0000;
const SECURE_FLASH_BASE = 0x0c00_0000;

const LOCK = 1 << 0;
const PG = 1 << 1;
const FW = 1 << 4;
const SER = 1 << 2;
const BER = 1 << 3;
const START = 1 << 5;
const MER = 1 << 15;
const EOPIE = 1 << 16;
const BSY = 1 << 0;
const WBNE = 1 << 1;
const DBNE = 1 << 3;
const EOP = 1 << 16;
const WRPERR = 1 << 17;
const PGSERR = 1 << 18;
const STRBERR = 1 << 19;
const INCERR = 1 << 20;
/** Error flags whose interrupt enables sit at the same bit positions in NSCR/SECCR. */
const ERROR_FLAGS = WRPERR | PGSERR | STRBERR | INCERR;

/** The 128-bit write buffer of one control interface. */
class WriteBuffer {
  line = -1;
  readonly data = new Uint8Array(QUAD_WORD);
  written = 0; // one bit per byte
  get empty(): boolean { return this.line < 0; }
  clear(): void { this.line = -1; this.written = 0; this.data.fill(0xff); }
}

/** One of the two control interfaces (non-secure NS*, secure SEC*), each with its own key sequence. */
class KeySequence {
  step = 0;
  /** A wrong key locks the register until the next reset (RM0481 §7.5.1). */
  blocked = false;
  constructor(private readonly first: number, private readonly second: number) {}
  /** Returns true when this write completes the sequence; `unlocked` when the register already is. */
  feed(value: number, unlocked: boolean): boolean | 'wrong' {
    if (this.blocked || unlocked) { this.step = 0; this.blocked = true; return 'wrong'; }
    if (this.step === 0 && value === this.first) { this.step = 1; return false; }
    if (this.step === 1 && value === this.second) { this.step = 0; return true; }
    this.step = 0;
    this.blocked = true;
    return 'wrong';
  }
  reset(): void { this.step = 0; this.blocked = false; }
}

export class Flash extends RegisterPeripheral {
  private readonly keys = { NS: new KeySequence(FLASH_KEY1, FLASH_KEY2), SEC: new KeySequence(FLASH_KEY1, FLASH_KEY2) };
  private readonly optionKeys = new KeySequence(FLASH_OPTKEY1, FLASH_OPTKEY2);
  private readonly operations: ScheduledEvent[] = [];
  private readonly irq: IrqLine;
  private readonly memory: Uint8Array | undefined;
  private readonly buffers = { NS: new WriteBuffer(), SEC: new WriteBuffer() };

  constructor(ctx: PeripheralContext, options: Record<string, unknown> = {}) {
    super(ctx, 0x400, FLASH_REGISTERS, typeof options.base === 'number' ? options.base : 0);
    this.irq = ctx.irq('FLASH');
    const memory = ctx.host.options.flashMemory;
    this.memory = memory instanceof Uint8Array ? memory : undefined;

    for (const side of ['NS', 'SEC'] as const) {
      this.regs.on(`${side}KEYR`, { write: (value) => this.unlock(side, value) });
      this.regs.on(`${side}CR`, { write: (value, previous) => this.controlWritten(side, value, previous) });
      this.regs.on(`${side}CCR`, {
        write: (value) => {
          this.regs.setBits(`${side}SR`, value & 0x00ff_0000, false);
          this.regs.set(`${side}CCR`, 0);
          this.updateIrq();
        },
      });
    }
    this.regs.on('OPTKEYR', {
      write: (value) => {
        const unlocked = (this.regs.get('OPTCR') & LOCK) === 0;
        const result = this.optionKeys.feed(value, unlocked);
        if (result === true) this.regs.setBits('OPTCR', LOCK, false);
        else if (result === 'wrong') {
          this.regs.setBits('OPTCR', LOCK);
          this.ctx.log.guestError(`${unlocked ? 'option key written while OPTCR was already unlocked' : 'wrong option key'}: OPTCR locked until reset`, { register: 'OPTKEYR', access: 'write', value });
        }
      },
    });
    this.regs.on('OPTCR', { write: (value, previous) => this.optionControlWritten(value, previous) });
    for (const name of OPTION_REGISTER_NAMES) {
      this.regs.on(`${name}_PRG`, {
        write: (value, previous) => {
          if (!(this.regs.get('OPTCR') & LOCK)) return;
          this.regs.set(`${name}_PRG`, previous);
          this.ctx.log.guestError(`${name}_PRG written while OPTCR.OPTLOCK is set: ignored (write the keys to OPTKEYR first)`, { register: `${name}_PRG`, access: 'write', value });
        },
      });
    }
  }

  private unlock(side: 'NS' | 'SEC', value: number): void {
    const unlocked = (this.regs.get(`${side}CR`) & LOCK) === 0;
    const result = this.keys[side].feed(value, unlocked);
    if (result === true) this.regs.setBits(`${side}CR`, LOCK, false);
    else if (result === 'wrong') {
      this.regs.setBits(`${side}CR`, LOCK);
      this.ctx.log.guestError(`${unlocked ? `key written while ${side}CR was already unlocked` : 'wrong key'}: ${side}CR locked until reset`, { register: `${side}KEYR`, access: 'write', value });
    }
  }

  private controlWritten(side: 'NS' | 'SEC', value: number, previous: number): void {
    if (previous & LOCK) {
      // Locked: only the register's own LOCK bit survives; everything else keeps its value.
      this.regs.set(`${side}CR`, previous);
      if ((value & ~LOCK) !== (previous & ~LOCK)) {
        this.ctx.log.guestError(`${side}CR written while locked (write the keys to ${side}KEYR first)`, { register: `${side}CR`, access: 'write', value });
      }
      return;
    }
    if (value & START) {
      this.regs.setBits(`${side}CR`, START, false);
      this.startErase(side, value);
    }
    if (value & FW) {
      // Force write: program a partly filled buffer, the missing bytes left erased.
      this.regs.setBits(`${side}CR`, FW, false);
      if (!this.buffers[side].empty) this.program(side);
    }
    this.updateIrq();
  }

  /**
   * A CPU write to flash (the machine routes writes to the read-only flash region here). `offset`
   * is from the start of flash; `secure` when it came through the 0x0C00_0000 alias.
   */
  programWrite(offset: number, size: number, value: number, secure: boolean): void {
    const side = secure ? 'SEC' : 'NS';
    const address = (secure ? SECURE_FLASH_BASE : FLASH_BASE) + offset;
    const control = this.regs.get(`${side}CR`);
    const buffer = this.buffers[side];
    const refuse = (flag: number, why: string) => {
      buffer.clear();
      this.regs.setBits(`${side}SR`, WBNE, false);
      this.regs.setBits(`${side}SR`, flag);
      this.ctx.log.guestError(`${size}-byte write to flash memory ignored: ${why}`, { address, access: 'write', value, size });
      this.updateIrq();
    };
    if (!(control & PG)) {
      return refuse(PGSERR, control & LOCK
        ? `${side}CR is locked (write the two keys to ${side}KEYR, then set PG); PGSERR set`
        : `${side}CR.PG is clear; PGSERR set`);
    }
    if (this.writeProtected(offset)) return refuse(WRPERR, 'the sector is write-protected by the WRP option bytes; WRPERR set');
    const line = offset - (offset % QUAD_WORD);
    if (!buffer.empty && line !== buffer.line) {
      return refuse(INCERR, `the write buffer still waits for the rest of the quad-word at ${hex((secure ? SECURE_FLASH_BASE : FLASH_BASE) + buffer.line)}; INCERR set`);
    }
    if (buffer.empty) { buffer.clear(); buffer.line = line; }
    const first = offset - line;
    for (let i = 0; i < size; i++) {
      if (buffer.written & (1 << (first + i))) return refuse(STRBERR, 'that byte of the write buffer was already written; STRBERR set');
    }
    for (let i = 0; i < size; i++) {
      buffer.data[first + i] = (value >>> (8 * i)) & 0xff;
      buffer.written |= 1 << (first + i);
    }
    this.regs.setBits(`${side}SR`, WBNE);
    if (buffer.written === 0xffff) this.program(side);
  }

  /** WRP1R/WRP2R: one bit per group of four 8 KiB sectors, 0 = protected (RM0481 §7.5.2). */
  private writeProtected(offset: number): boolean {
    const bank = offset >= BANK_SIZE ? 2 : 1;
    const group = Math.floor((offset % BANK_SIZE) / SECTOR_SIZE / 4);
    return (this.regs.get(`WRP${bank}R_CUR`) & (1 << group)) === 0;
  }

  /** Programs the buffered quad-word: flash bits can only go from 1 to 0. */
  private program(side: 'NS' | 'SEC'): void {
    const buffer = this.buffers[side];
    const status = `${side}SR`;
    const line = buffer.line;
    const data = Uint8Array.from(buffer.data);
    buffer.clear();
    this.regs.setBits(status, WBNE, false);
    this.regs.setBits(status, BSY | DBNE);
    if (this.memory) {
      for (let i = 0; i < QUAD_WORD && line + i < this.memory.length; i++) this.memory[line + i]! &= data[i]!;
    } else {
      this.ctx.log.unimplemented('programming requested but the machine gave FLASH no access to the flash bytes', { register: `${side}CR` });
    }
    this.operations.push(this.ctx.clock.afterSeconds(PROGRAM_TIME, () => {
      this.regs.setBits(status, BSY | DBNE, false);
      this.regs.setBits(status, EOP);
      this.updateIrq();
    }, 'FLASH program'));
  }

  private startErase(side: 'NS' | 'SEC', control: number): void {
    if (!(control & (SER | BER | MER))) return;
    const status = `${side}SR`;
    this.regs.setBits(status, BSY);
    const bank = (control >>> 31) & 1;
    const sector = (control >>> 6) & 0x7f;
    let start = 0;
    let length = 0;
    if (control & MER) { start = 0; length = 2 * BANK_SIZE; }
    else if (control & BER) { start = bank * BANK_SIZE; length = BANK_SIZE; }
    else { start = bank * BANK_SIZE + sector * SECTOR_SIZE; length = SECTOR_SIZE; }
    const sectors = length / SECTOR_SIZE;
    this.operations.push(this.ctx.clock.afterSeconds(ERASE_TIME * Math.min(sectors, 16), () => {
      if (this.memory) this.memory.fill(0xff, start, Math.min(start + length, this.memory.length));
      else this.ctx.log.unimplemented('erase requested but the machine gave FLASH no access to the flash bytes', { register: `${side}CR` });
      this.regs.setBits(status, BSY, false);
      this.regs.setBits(status, EOP);
      this.updateIrq();
    }, 'FLASH erase'));
  }

  private optionControlWritten(value: number, previous: number): void {
    if (previous & LOCK) {
      this.regs.set('OPTCR', previous);
      if ((value & ~LOCK) !== (previous & ~LOCK)) {
        this.ctx.log.guestError('OPTCR written while locked (write the keys to OPTKEYR first)', { register: 'OPTCR', access: 'write', value });
      }
      return;
    }
    if (value & 2) {
      // OPTSTART: the programmed option bytes take effect.
      for (const name of OPTION_REGISTER_NAMES) this.regs.set(`${name}_CUR`, this.regs.get(`${name}_PRG`));
      this.regs.setBits('OPTCR', 2, false);
    }
  }

  private updateIrq(): void {
    const pending = (side: 'NS' | 'SEC') => {
      const status = this.regs.get(`${side}SR`);
      const control = this.regs.get(`${side}CR`);
      return ((status & EOP) !== 0 && (control & EOPIE) !== 0) || (status & control & ERROR_FLAGS) !== 0;
    };
    this.irq.set(pending('NS') || pending('SEC'));
  }

  protected override onReset(): void {
    for (const op of this.operations.splice(0)) op.cancel();
    this.keys.NS.reset();
    this.keys.SEC.reset();
    this.optionKeys.reset();
    this.buffers.NS.clear();
    this.buffers.SEC.clear();
    this.irq.set(false);
  }
}
