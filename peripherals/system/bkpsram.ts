// RM0481 §2 memory map: the 4 KiB backup SRAM at 0x4003_6400. It is not 4 KiB aligned, so the
// engine cannot map it as memory; this model serves it as a RAM-backed block. Writes need the
// backup domain unlocked (PWR_DBPCR.DBP, seen as the signal PWR.DBP); contents survive reset.
import type { AccessSize, Peripheral, PeripheralContext, Signal } from '../core/peripheral.js';

export class BackupSram implements Peripheral {
  readonly name: string;
  readonly size = 0x1000;
  readonly data = new Uint8Array(this.size);
  private readonly view = new DataView(this.data.buffer);
  private readonly writeEnable: Signal;

  constructor(private readonly ctx: PeripheralContext) {
    this.name = ctx.name;
    this.writeEnable = ctx.signal('PWR.DBP');
  }

  read(offset: number, size: AccessSize): number {
    return this.peek(offset, size);
  }

  peek(offset: number, size: AccessSize): number {
    if (offset + size > this.size) return 0;
    return size === 4 ? this.view.getUint32(offset, true) : size === 2 ? this.view.getUint16(offset, true) : this.view.getUint8(offset);
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (offset + size > this.size) return;
    if (!this.writeEnable.value) {
      this.ctx.log.guestError('backup SRAM written while the backup domain is write-protected (PWR_DBPCR.DBP = 0)', { register: 'BKPSRAM', access: 'write', value, size });
      return;
    }
    if (size === 4) this.view.setUint32(offset, value >>> 0, true);
    else if (size === 2) this.view.setUint16(offset, value & 0xffff, true);
    else this.view.setUint8(offset, value & 0xff);
  }

  reset(): void {}
}
