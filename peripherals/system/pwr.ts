// RM0481 §10 PWR: voltage scaling (VOSRDY/ACTVOSRDY after a settling delay), supply configuration,
// backup-domain write protection (published as the signal PWR.DBP for RCC, RTC and TAMP) and the
// USB/IO supply monitors, which report their supplies present.
import type { ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import type { PeripheralContext } from '../core/peripheral.js';
import { RegisterPeripheral } from '../core/register-peripheral.js';
import { PWR_REGISTERS } from './pwr.regs.js';

/** Regulator settling time after a VOS change, in virtual seconds. */
const VOS_SETTLE = 10e-6;
const VOSRDY = 1 << 3;
const ACTVOSRDY = 1 << 13;

export class Pwr extends RegisterPeripheral {
  private settling: ScheduledEvent | undefined;

  constructor(ctx: PeripheralContext, options: Record<string, unknown> = {}) {
    super(ctx, 0x400, PWR_REGISTERS, typeof options.base === 'number' ? options.base : 0);
    const dbp = ctx.signal('PWR.DBP');
    this.regs.on('DBPCR', { write: (value) => dbp.set(value & 1) });
    this.regs.on('VOSCR', { write: (value, previous) => { if ((value ^ previous) & 0x30) this.settle(); } });
    this.regs.on('SCCR', { write: (value, previous) => { if (value !== previous) this.settle(); } });
    this.regs.on('PMCR', {
      write: (value) => {
        // CSSF clears the Stop and Standby flags.
        if (value & (1 << 7)) this.regs.set('PMSR', 0);
      },
    });
    this.regs.on('WUSCR', { write: (value) => this.regs.setBits('WUSR', value & 0xff, false) });
    // VDDUSB and VDDIO2 are supplied on the board; their monitors read ready once enabled.
    this.regs.on('USBSCR', { write: (value) => this.regs.setBits('VMSR', 1 << 24, (value & (1 << 24)) !== 0) });
  }

  /** VOSRDY (and ACTVOSRDY) drop while the regulator moves to the new level, then ACTVOS follows VOS. */
  private settle(): void {
    this.regs.setBits('VOSSR', VOSRDY | ACTVOSRDY, false);
    this.settling?.cancel();
    this.settling = this.ctx.clock.afterSeconds(VOS_SETTLE, () => {
      this.settling = undefined;
      const vos = this.regs.field('VOSCR', 'VOS');
      this.regs.setField('VOSSR', 'ACTVOS', vos);
      this.regs.setBits('VOSSR', VOSRDY | ACTVOSRDY);
    }, 'PWR VOSRDY');
  }

  protected override onReset(): void {
    this.settling?.cancel();
    this.settling = undefined;
    this.ctx.signal('PWR.DBP').set(0);
  }
}
