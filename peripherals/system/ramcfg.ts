// RM0481 §6 RAMCFG: one control set per SRAM (SRAM1 at +0x00, SRAM2 +0x40, SRAM3 +0x80, BKPSRAM
// +0x100). ECC is not modelled (memory never fails); the software erase (ERKEYR keys 0xCA, 0x53,
// then CR.SRAMER) zeroes the SRAM through the bus and shows SRAMBUSY meanwhile.
import type { ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import type { PeripheralContext } from '../core/peripheral.js';
import { RegisterPeripheral } from '../core/register-peripheral.js';
import type { FieldSpec, RegisterSpec } from '../registers/register-block.js';

const bit = (name: string, position: number, access: FieldSpec['access'] = 'rw'): FieldSpec => ({ name, bit: position, access });
const bits = (name: string, position: number, width: number, access: FieldSpec['access'] = 'rw'): FieldSpec => ({ name, bit: position, width, access });

/** The controlled memories: register-name prefix, offset of its register set, memory it controls. */
export const RAMCFG_PARTS = [
  { prefix: 'SRAM1', offset: 0x00, base: 0x2000_0000, size: 0x4_0000 },
  { prefix: 'SRAM2', offset: 0x40, base: 0x2004_0000, size: 0x1_0000 },
  { prefix: 'SRAM3', offset: 0x80, base: 0x2005_0000, size: 0x5_0000 },
  { prefix: 'BKPRAM', offset: 0x100, base: 0x4003_6400, size: 0x1000 },
] as const;

const ERASE_KEYS = [0xca, 0x53];
const ERASE_TIME = 20e-6;

export const RAMCFG_REGISTERS: RegisterSpec[] = RAMCFG_PARTS.flatMap(({ prefix, offset }): RegisterSpec[] => [
  { name: `${prefix}_CR`, offset: offset + 0x00, fields: [bit('ECCE', 0), bit('ALE', 4), bit('SRAMER', 8)] },
  { name: `${prefix}_IER`, offset: offset + 0x04, fields: [bit('SEIE', 0), bit('DEIE', 1), bit('ECCNMI', 3)] },
  { name: `${prefix}_ISR`, offset: offset + 0x08, fields: [bit('SEDC', 0, 'r'), bit('DED', 1, 'r'), bit('SRAMBUSY', 8, 'r')] },
  { name: `${prefix}_SEAR`, offset: offset + 0x0c, access: 'r' },
  { name: `${prefix}_DEAR`, offset: offset + 0x10, access: 'r' },
  { name: `${prefix}_ICR`, offset: offset + 0x14, fields: [bit('CSEDC', 0, 'w'), bit('CDED', 1, 'w')] },
  { name: `${prefix}_WPR1`, offset: offset + 0x18, modelled: false },
  { name: `${prefix}_WPR2`, offset: offset + 0x1c, modelled: false },
  { name: `${prefix}_ECCKEY`, offset: offset + 0x24, fields: [bits('ECCKEY', 0, 8, 'w')] },
  { name: `${prefix}_ERKEYR`, offset: offset + 0x28, fields: [bits('ERASEKEY', 0, 8, 'w')] },
]);

export class Ramcfg extends RegisterPeripheral {
  private readonly keyStep = new Map<string, number>();
  private readonly erasing: ScheduledEvent[] = [];

  constructor(ctx: PeripheralContext, options: Record<string, unknown> = {}) {
    super(ctx, 0x400, RAMCFG_REGISTERS, typeof options.base === 'number' ? options.base : 0);
    for (const part of RAMCFG_PARTS) {
      const { prefix } = part;
      this.regs.on(`${prefix}_ERKEYR`, {
        write: (value) => {
          const step = this.keyStep.get(prefix) ?? 0;
          this.keyStep.set(prefix, (value & 0xff) === ERASE_KEYS[step] ? step + 1 : 0);
        },
      });
      this.regs.on(`${prefix}_CR`, {
        write: (value, previous) => {
          if (!(value & (1 << 8)) || (previous & (1 << 8))) return;
          if ((this.keyStep.get(prefix) ?? 0) < 2) {
            // SRAMER is write-protected until the erase keys were written.
            this.regs.setBits(`${prefix}_CR`, 1 << 8, false);
            this.ctx.log.guestError('SRAMER set without the erase key sequence', { register: `${prefix}_CR`, access: 'write', value });
            return;
          }
          this.keyStep.set(prefix, 0);
          this.regs.setBits(`${prefix}_ISR`, 1 << 8);
          this.erasing.push(this.ctx.clock.afterSeconds(ERASE_TIME, () => {
            if (this.ctx.bus.isMemory(part.base, part.size)) this.ctx.bus.writeBytes(part.base, new Uint8Array(part.size));
            this.regs.setBits(`${prefix}_ISR`, 1 << 8, false);
            this.regs.setBits(`${prefix}_CR`, 1 << 8, false);
          }, `RAMCFG ${prefix} erase`));
        },
      });
    }
  }

  protected override onReset(): void {
    for (const event of this.erasing.splice(0)) event.cancel();
    this.keyStep.clear();
  }
}
