// RM0481 §7 FLASH interface: wait states (ACR), the key sequences that unlock NSCR/SECCR and OPTCR,
// status and clear registers, option-byte programming (OPTSTART copies _PRG to _CUR) and sector,
// bank and mass erase. Erase reaches the flash bytes through ctx.host.options.flashMemory (the
// Uint8Array the machine maps at 0x0800_0000) when the machine provides it. Quad-word programming
// is not modelled: the CPU cannot write the flash region, so programming writes never reach us.
import type { ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import type { IrqLine, PeripheralContext } from '../core/peripheral.js';
import { RegisterPeripheral } from '../core/register-peripheral.js';
import { FLASH_REGISTERS, OPTION_REGISTER_NAMES } from './flash.regs.js';

export const FLASH_KEY1 = 0x4567_0123;
export const FLASH_KEY2 = 0xcdef_89ab;
export const FLASH_OPTKEY1 = 0x0819_2a3b;
export const FLASH_OPTKEY2 = 0x4c5d_6e7f;

const SECTOR_SIZE = 8 * 1024;
const BANK_SIZE = 1024 * 1024;
/** Virtual time of a sector erase; RM0481's datasheet figure is milliseconds, polling firmware only needs BSY first. */
const ERASE_TIME = 50e-6;

const LOCK = 1 << 0;
const SER = 1 << 2;
const BER = 1 << 3;
const START = 1 << 5;
const MER = 1 << 15;
const EOPIE = 1 << 16;
const BSY = 1 << 0;
const EOP = 1 << 16;

/** One of the two control interfaces (non-secure NS*, secure SEC*), each with its own key sequence. */
class KeySequence {
  step = 0;
  /** A wrong key locks the register until the next reset (RM0481 §7.5.1). */
  blocked = false;
  constructor(private readonly first: number, private readonly second: number) {}
  /** Returns true when this write completes the sequence. */
  feed(value: number): boolean | 'wrong' {
    if (this.blocked) return 'wrong';
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
        const result = this.optionKeys.feed(value);
        if (result === true) this.regs.setBits('OPTCR', LOCK, false);
        else if (result === 'wrong') this.ctx.log.guestError('wrong option key: OPTCR stays locked until reset', { register: 'OPTKEYR', access: 'write', value });
      },
    });
    this.regs.on('OPTCR', { write: (value, previous) => this.optionControlWritten(value, previous) });
  }

  private unlock(side: 'NS' | 'SEC', value: number): void {
    const result = this.keys[side].feed(value);
    if (result === true) this.regs.setBits(`${side}CR`, LOCK, false);
    else if (result === 'wrong') this.ctx.log.guestError(`wrong key: ${side}CR stays locked until reset`, { register: `${side}KEYR`, access: 'write', value });
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
    this.updateIrq();
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
    const pending = (side: 'NS' | 'SEC') => (this.regs.get(`${side}SR`) & EOP) !== 0 && (this.regs.get(`${side}CR`) & EOPIE) !== 0;
    this.irq.set(pending('NS') || pending('SEC'));
  }

  protected override onReset(): void {
    for (const op of this.operations.splice(0)) op.cancel();
    this.keys.NS.reset();
    this.keys.SEC.reset();
    this.optionKeys.reset();
    this.irq.set(false);
  }
}
