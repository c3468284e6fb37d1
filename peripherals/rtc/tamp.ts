// RM0481 §48 TAMP: the 32 backup registers, in the backup domain (kept across system resets),
// each published as the signal 'TAMP.BKPnR' (SAES derives its boot hardware key from them).
// Tamper inputs, monotonic counter and erase-on-tamper are stored but not modelled.
import { BackupDomainPeripheral } from './backup-domain.js';
import type { PeripheralContext, Signal } from '../core/peripheral.js';
import { TAMP_REGISTERS } from './tamp.regs.js';

export class Tamp extends BackupDomainPeripheral {
  private readonly backup: Signal[];

  constructor(ctx: PeripheralContext) {
    super(ctx, 0x400, TAMP_REGISTERS);
    ctx.signal('RCC.VSWRST').onChange((held) => { if (held) this.powerOnReset(); });
    this.backup = Array.from({ length: 32 }, (_, n) => ctx.signal(`TAMP.BKP${n}R`));
    for (let n = 0; n < 32; n++) {
      this.regs.on(`BKP${n}R`, { write: (value) => this.backup[n]!.set(value >>> 0) });
    }
    this.powerOnReset();
  }


  /** Backup-domain reset (VBAT power-on, RCC BDRST): backup registers read 0. */
  powerOnReset(): void {
    this.regs.reset();
    for (let n = 0; n < 32; n++) this.backup[n]!.set(0);
  }

  /** A system reset leaves the backup domain untouched. */
  override reset(): void {}
}
