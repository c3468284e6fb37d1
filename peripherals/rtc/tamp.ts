// RM0481 §48 TAMP: the 32 backup registers, in the backup domain (kept across system resets),
// each published as the signal 'TAMP.BKPnR' (SAES derives its boot hardware key from them).
// Tamper inputs, monotonic counter and erase-on-tamper are stored but not modelled.
import { RegisterPeripheral } from '../core/register-peripheral.js';
import type { AccessSize, PeripheralContext, Signal } from '../core/peripheral.js';
import { TAMP_REGISTERS } from './tamp.regs.js';

export class Tamp extends RegisterPeripheral {
  private readonly backup: Signal[];
  private readonly backupWriteEnable: Signal;
  private warnedProtected = false;

  constructor(ctx: PeripheralContext) {
    super(ctx, 0x400, TAMP_REGISTERS);
    this.backupWriteEnable = ctx.signal('PWR.DBP');
    ctx.signal('RCC.VSWRST').onChange((held) => { if (held) this.powerOnReset(); });
    this.backup = Array.from({ length: 32 }, (_, n) => ctx.signal(`TAMP.BKP${n}R`));
    for (let n = 0; n < 32; n++) {
      this.regs.on(`BKP${n}R`, { write: (value) => this.backup[n]!.set(value >>> 0) });
    }
    this.powerOnReset();
  }

  // Backup-domain registers: writes need PWR_DBPCR.DBP = 1.
  override write(offset: number, size: AccessSize, value: number): void {
    if (!this.backupWriteEnable.value) {
      if (!this.warnedProtected) {
        this.warnedProtected = true;
        this.ctx.log.guestError('write ignored: backup domain write-protected (set PWR_DBPCR.DBP first)', { register: this.regs.nameAt(offset) ?? `+0x${offset.toString(16)}`, value, access: 'write' });
      }
      return;
    }
    super.write(offset, size, value);
  }

  /** Backup-domain reset (VBAT power-on, RCC BDRST): backup registers read 0. */
  powerOnReset(): void {
    this.regs.reset();
    for (let n = 0; n < 32; n++) this.backup[n]!.set(0);
  }

  /** A system reset leaves the backup domain untouched. */
  override reset(): void {}
}
