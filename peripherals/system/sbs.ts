// RM0481 SBS chapter (system configuration, boot and security): stored configuration plus the I/O
// compensation cells, whose ready flags follow their enables after a short delay. PMCR.ETH_SEL_PHY
// is published as the signal SBS.ETH_SEL_PHY (MII or RMII) for the Ethernet model.
import type { PeripheralContext } from '../core/peripheral.js';
import { RegisterPeripheral } from '../core/register-peripheral.js';
import type { FieldSpec, RegisterSpec } from '../registers/register-block.js';

const bit = (name: string, position: number, access: FieldSpec['access'] = 'rw'): FieldSpec => ({ name, bit: position, access });
const bits = (name: string, position: number, width: number, access: FieldSpec['access'] = 'rw'): FieldSpec => ({ name, bit: position, width, access });

/** HDPL1 (0x51 in HDPLSR) would follow an OEMiROT; a device booting user flash directly reports 0xB4. */
const HDPL_AT_USER_BOOT = 0xb4;

export const SBS_REGISTERS: RegisterSpec[] = [
  { name: 'HDPLCR', offset: 0x10, fields: [bits('INCR_HDPL', 0, 8)], modelled: false },
  { name: 'HDPLSR', offset: 0x14, reset: HDPL_AT_USER_BOOT, fields: [bits('HDPL', 0, 8, 'r')] },
  { name: 'NEXTHDPLCR', offset: 0x18, fields: [bits('NEXTHDPL', 0, 2)], modelled: false },
  { name: 'DBGCR', offset: 0x20, fields: [bits('AP_UNLOCK', 0, 8), bits('DBG_UNLOCK', 8, 8), bits('DBG_AUTH_HDPL', 16, 8), bits('DBG_AUTH_SEC', 24, 8)] },
  { name: 'DBGLOCKR', offset: 0x24, fields: [bits('DBGCFG_LOCK', 0, 8)] },
  { name: 'RSSCMDR', offset: 0x34, fields: [bits('RSSCMD', 0, 16)] },
  { name: 'EPOCHSELCR', offset: 0xa0, fields: [bits('EPOCH_SEL', 0, 2)] },
  { name: 'SECCFGR', offset: 0xc0, fields: [bit('SBSSEC', 0), bit('CLASSBSEC', 1), bit('FPUSEC', 3)], modelled: false },
  { name: 'PMCR', offset: 0x100, fields: [bit('PB6_FMP', 16), bit('PB7_FMP', 17), bit('PB8_FMP', 18), bit('PB9_FMP', 19), bits('ETH_SEL_PHY', 21, 3)] },
  // All FPU exception interrupts enabled out of reset.
  { name: 'FPUIMR', offset: 0x104, reset: 0x0000_001f, fields: [bits('FPU_IE', 0, 6)] },
  { name: 'MESR', offset: 0x108, fields: [bit('MCLR', 0, 'w1c'), bit('IPMEE', 16, 'w1c')] },
  { name: 'CCCSR', offset: 0x110, fields: [bit('EN1', 0), bit('CS1', 1), bit('EN2', 2), bit('CS2', 3), bit('RDY1', 8, 'r'), bit('RDY2', 9, 'r')] },
  // Mid-range compensation codes, as the cells settle to on a typical part.
  { name: 'CCVALR', offset: 0x114, reset: 0x0000_7777, fields: [bits('ANSRC1', 0, 4, 'r'), bits('APSRC1', 4, 4, 'r'), bits('ANSRC2', 8, 4, 'r'), bits('APSRC2', 12, 4, 'r')] },
  { name: 'CCSWCR', offset: 0x118, reset: 0x0000_7878, fields: [bits('SW_ANSRC1', 0, 4), bits('SW_APSRC1', 4, 4), bits('SW_ANSRC2', 8, 4), bits('SW_APSRC2', 12, 4)] },
  { name: 'CFGR2', offset: 0x120, fields: [bit('CLL', 0, 'w1s'), bit('SEL', 1, 'w1s'), bit('PVDL', 2, 'w1s'), bit('ECCL', 3, 'w1s')] },
  { name: 'CNSLCKR', offset: 0x144, fields: [bit('LOCKNSVTOR', 0, 'w1s'), bit('LOCKNSMPU', 1, 'w1s')] },
  { name: 'CSLCKR', offset: 0x148, fields: [bit('LOCKSVTAIRCR', 0, 'w1s'), bit('LOCKSMPU', 1, 'w1s'), bit('LOCKSAU', 2, 'w1s')] },
  { name: 'ECCNMIR', offset: 0x14c, fields: [bit('ECCNMI_MASK_EN', 0)] },
];

const CELL_SETTLE = 2e-6;

export class Sbs extends RegisterPeripheral {
  constructor(ctx: PeripheralContext, options: Record<string, unknown> = {}) {
    super(ctx, 0x400, SBS_REGISTERS, typeof options.base === 'number' ? options.base : 0);
    const phy = ctx.signal('SBS.ETH_SEL_PHY');
    this.regs.on('PMCR', { write: () => phy.set(this.regs.field('PMCR', 'ETH_SEL_PHY')) });
    this.regs.on('CCCSR', {
      write: (value) => {
        for (const [enable, ready] of [[0, 8], [2, 9]] as const) {
          if (!(value & (1 << enable))) this.regs.setBits('CCCSR', 1 << ready, false);
          else if (!(value & (1 << ready))) {
            this.ctx.clock.afterSeconds(CELL_SETTLE, () => {
              if (this.regs.get('CCCSR') & (1 << enable)) this.regs.setBits('CCCSR', 1 << ready);
            }, 'SBS compensation cell');
          }
        }
      },
    });
  }

  protected override onReset(): void {
    this.ctx.signal('SBS.ETH_SEL_PHY').set(0);
  }
}
