// RM0481 §(Ethernet) station management (SMA/MDIO): MACMDIOAR/MACMDIODR drive clause-22 frames to
// the PHYs on the board. MB (bit 0, "GB" in older manuals) stays set for the time the frame takes on
// MDC: 32 preamble bits (unless PSE suppresses them) plus the 32-bit frame, at HCLK / CR divider.
import type { VirtualClock, ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import type { ModelLog } from '../../emulator/diagnostics/access-log.js';

/** A device on the MDIO bus (a PHY), addressed by register number 0..31. */
export interface MdioDevice {
  read(register: number): number;
  write(register: number, value: number): void;
}

export const MDIOAR_MB = 1 << 0;
export const MDIOAR_C45E = 1 << 1;
export const MDIOAR_PSE = 1 << 27;
const MOC_WRITE = 1;
const MOC_READ = 3;

/** HCLK divider selected by MACMDIOAR.CR (0b0110 and 0b0111 are reserved). */
export function mdcDivider(cr: number): number {
  const table: Record<number, number> = { 0: 42, 1: 62, 2: 16, 3: 26, 4: 102, 5: 124, 8: 4, 9: 6, 10: 8, 11: 10, 12: 12, 13: 14, 14: 16, 15: 18 };
  return table[cr & 0xf] ?? 42;
}

export interface MdioRegisters {
  /** Reads MACMDIOAR as stored. */
  address(): number;
  setAddress(value: number): void;
  data(): number;
  setData(value: number): void;
}

export class MdioController {
  private readonly devices = new Map<number, MdioDevice>();
  private pending: ScheduledEvent | undefined;

  constructor(
    private readonly clock: VirtualClock,
    private readonly log: ModelLog,
    private readonly regs: MdioRegisters,
    private readonly hclkHz: () => number,
  ) {}

  attach(phyAddress: number, device: MdioDevice): void {
    this.devices.set(phyAddress & 0x1f, device);
  }

  get busy(): boolean {
    return this.pending?.active ?? false;
  }

  /** Seconds one management frame occupies the bus with the current settings. */
  frameSeconds(mdioar: number): number {
    const bits = mdioar & MDIOAR_PSE ? 32 : 64;
    const hz = this.hclkHz();
    return (bits * mdcDivider((mdioar >>> 8) & 0xf)) / (hz > 0 ? hz : 64_000_000);
  }

  /** Called after a CPU write to MACMDIOAR. */
  onAddressWrite(value: number, previous: number): void {
    if (this.busy) {
      this.log.guestError('MACMDIOAR written while a management frame is in progress (MB set); the write is ignored', { register: 'MACMDIOAR', value });
      this.regs.setAddress(previous);
      return;
    }
    if (!(value & MDIOAR_MB)) return;
    const phy = (value >>> 21) & 0x1f;
    const register = (value >>> 16) & 0x1f;
    const operation = (value >>> 2) & 3;
    const clause45 = (value & MDIOAR_C45E) !== 0;
    this.pending = this.clock.afterSeconds(this.frameSeconds(value), () => {
      this.pending = undefined;
      const device = this.devices.get(phy);
      if (clause45) {
        this.log.unimplemented('clause-45 MDIO frames are not modelled; reads return 0xFFFF', { register: 'MACMDIOAR', field: 'C45E' });
        if (operation !== MOC_WRITE) this.regs.setData((this.regs.data() & 0xffff0000) | 0xffff);
      } else if (operation === MOC_WRITE) {
        device?.write(register, this.regs.data() & 0xffff);
      } else if (operation === MOC_READ) {
        // No PHY at the address: MDIO is pulled up, the MAC reads all ones.
        const value16 = device ? device.read(register) & 0xffff : 0xffff;
        this.regs.setData((this.regs.data() & 0xffff0000) | value16);
      } else {
        this.log.guestError(`MACMDIOAR.MOC=${operation} is not a clause-22 operation`, { register: 'MACMDIOAR', field: 'MOC' });
      }
      this.regs.setAddress(this.regs.address() & ~MDIOAR_MB);
    }, 'ETH MDIO frame');
  }

  reset(): void {
    this.pending?.cancel();
    this.pending = undefined;
  }
}
