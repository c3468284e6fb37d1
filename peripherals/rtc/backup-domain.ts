// Blocks in the backup domain (RTC, TAMP): CPU writes are ignored while PWR_DBPCR.DBP = 0, seen
// here as the signal 'PWR.DBP' (RM0481 §10 PWR, backup domain write protection).
import { RegisterPeripheral } from '../core/register-peripheral.js';
import type { AccessSize, PeripheralContext, Signal } from '../core/peripheral.js';
import type { RegisterSpec } from '../registers/register-block.js';

export abstract class BackupDomainPeripheral extends RegisterPeripheral {
  private readonly backupWriteEnable: Signal;
  private warnedProtected = false;

  constructor(ctx: PeripheralContext, size: number, specs: RegisterSpec[]) {
    super(ctx, size, specs);
    this.backupWriteEnable = ctx.signal('PWR.DBP');
  }

  override write(offset: number, size: AccessSize, value: number): void {
    if (!this.backupWriteEnable.value) {
      if (!this.warnedProtected) {
        this.warnedProtected = true;
        this.ctx.log.guestError('write ignored: backup domain write-protected (set PWR_DBPCR.DBP first)',
          { register: this.regs.nameAt(offset) ?? `+0x${offset.toString(16)}`, value, access: 'write' });
      }
      return;
    }
    super.write(offset, size, value);
  }
}
