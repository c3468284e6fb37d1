// The board's PHY: Microchip LAN8742A on the NUCLEO-H563ZI, MDIO address 0 (RM0481 §(Ethernet) talks
// to it through MDIO; the register facts come from the LAN8742A datasheet). The copper side is the
// host EthernetLink: its link state drives BSR.LINK (latching low) and auto-negotiation.
//
// Decisions: the board is taken to have been powered with the cable plugged in before the firmware
// runs, so a link that is up at power-on, or plugged before any virtual time has passed, is already
// negotiated (option `coldStart` negotiates from t = 0 instead). Auto-negotiation takes
// `autonegSeconds` (default 1.0 s; real parts take 1.5-3 s). The MCU's system reset does not reset
// the PHY. The nINT pin is not wired.
import type { VirtualClock, ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import type { ModelLog } from '../../emulator/diagnostics/access-log.js';
import type { EthernetLink } from '../../emulator/net/frame-port.js';
import type { MdioDevice } from './mdio.js';

export const PHY_BCR = 0;
export const PHY_BSR = 1;
export const PHY_ID1 = 2;
export const PHY_ID2 = 3;
export const PHY_ANAR = 4;
export const PHY_ANLPAR = 5;
export const PHY_ANER = 6;
export const PHY_MCSR = 17;
export const PHY_SMR = 18;
export const PHY_SECR = 26;
export const PHY_CSIR = 27;
export const PHY_ISFR = 29;
export const PHY_IMR = 30;
export const PHY_PHYSCSR = 31;

export const BCR_SOFT_RESET = 1 << 15;
export const BCR_LOOPBACK = 1 << 14;
export const BCR_SPEED_100 = 1 << 13;
export const BCR_AUTONEG_ENABLE = 1 << 12;
export const BCR_POWER_DOWN = 1 << 11;
export const BCR_ISOLATE = 1 << 10;
export const BCR_RESTART_AUTONEG = 1 << 9;
export const BCR_FULL_DUPLEX = 1 << 8;

export const BSR_CAPABILITIES = 0x7809; // 100TX FD/HD, 10T FD/HD, AN able, extended capabilities
export const BSR_AUTONEG_COMPLETE = 1 << 5;
export const BSR_LINK = 1 << 2;

export const ISFR_AUTONEG_COMPLETE = 1 << 6;
export const ISFR_LINK_DOWN = 1 << 4;
export const ISFR_ENERGYON = 1 << 7;

export const PHYSCSR_AUTODONE = 1 << 12;
/** PHYSCSR bits 4:2 speed indication. */
export const SPEED_10_HALF = 0b001;
export const SPEED_100_HALF = 0b010;
export const SPEED_10_FULL = 0b101;
export const SPEED_100_FULL = 0b110;

const BCR_RESET = BCR_SPEED_100 | BCR_AUTONEG_ENABLE | BCR_FULL_DUPLEX;
const ANAR_RESET = 0x01e1;
/** What the far end advertises: 100/10 full/half, pause, acknowledge. */
const LINK_PARTNER_ABILITY = 0x45e1;

export interface Lan8742Options {
  phyAddress?: number;
  autonegSeconds?: number;
  coldStart?: boolean;
}

export class Lan8742 implements MdioDevice {
  readonly address: number;
  private readonly autonegSeconds: number;
  private bcr = BCR_RESET;
  private anar = ANAR_RESET;
  private imr = 0;
  private isfr = 0;
  private mcsr = 0x0002;
  private csir = 0;
  /** Copper link as the PHY reports it (after negotiation). */
  private linkUp = false;
  private negotiated = false;
  /** BSR.LINK latches low until BSR is read. */
  private linkLatchedLow = true;
  private timer: ScheduledEvent | undefined;
  private resetTimer: ScheduledEvent | undefined;
  private resetting = false;

  private readonly coldStart: boolean;

  constructor(
    private readonly clock: VirtualClock,
    private readonly log: ModelLog,
    private readonly link: EthernetLink,
    options: Lan8742Options = {},
  ) {
    this.address = (options.phyAddress ?? 0) & 0x1f;
    this.autonegSeconds = options.autonegSeconds ?? 1.0;
    this.coldStart = options.coldStart ?? false;
    link.onLinkChange((up) => this.onCableChange(up));
    if (link.linkUp) {
      if (options.coldStart) this.startNegotiation();
      else this.establish();
    }
  }

  /** Link up as far as the MAC side can tell (negotiated, not powered down or isolated). */
  get up(): boolean { return this.linkUp; }
  get fullDuplex(): boolean { return (this.speedIndication() & 0b100) !== 0; }
  get speed100(): boolean { return (this.speedIndication() & 0b010) !== 0; }

  private speedIndication(): number {
    if (this.bcr & BCR_AUTONEG_ENABLE) {
      // Both ends advertise 100BASE-TX full duplex unless the firmware narrowed ANAR.
      const common = this.anar & LINK_PARTNER_ABILITY;
      if (common & 0x0100) return SPEED_100_FULL;
      if (common & 0x0080) return SPEED_100_HALF;
      if (common & 0x0040) return SPEED_10_FULL;
      return SPEED_10_HALF;
    }
    return (this.bcr & BCR_SPEED_100 ? 0b010 : 0b001) | (this.bcr & BCR_FULL_DUPLEX ? 0b100 : 0);
  }

  private onCableChange(up: boolean): void {
    if (!up) this.dropLink();
    else if (this.clock.now === 0 && !this.coldStart && !(this.bcr & (BCR_POWER_DOWN | BCR_ISOLATE))) this.establish();
    else this.startNegotiation();
  }

  private dropLink(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.linkUp) this.isfr |= ISFR_LINK_DOWN;
    this.linkUp = false;
    this.negotiated = false;
    this.linkLatchedLow = true;
  }

  private startNegotiation(): void {
    this.dropLink();
    if (!this.link.linkUp || this.bcr & (BCR_POWER_DOWN | BCR_ISOLATE)) return;
    // Forced mode brings the link up after the link-pulse detection time, far shorter than negotiation.
    const seconds = this.bcr & BCR_AUTONEG_ENABLE ? this.autonegSeconds : 0.05;
    this.timer = this.clock.afterSeconds(seconds, () => this.establish(), 'LAN8742 auto-negotiation');
  }

  private establish(): void {
    this.timer = undefined;
    if (!this.link.linkUp) return;
    this.linkUp = true;
    this.negotiated = (this.bcr & BCR_AUTONEG_ENABLE) !== 0;
    if (this.negotiated) this.isfr |= ISFR_AUTONEG_COMPLETE;
    this.isfr |= ISFR_ENERGYON;
  }

  read(register: number): number {
    switch (register) {
      case PHY_BCR: return this.bcr;
      case PHY_BSR: {
        const linkBit = this.linkUp && !this.linkLatchedLow ? BSR_LINK : 0;
        this.linkLatchedLow = false;
        return BSR_CAPABILITIES | linkBit | (this.negotiated ? BSR_AUTONEG_COMPLETE : 0);
      }
      case PHY_ID1: return 0x0007;
      case PHY_ID2: return 0xc131;
      case PHY_ANAR: return this.anar;
      case PHY_ANLPAR: return this.negotiated ? LINK_PARTNER_ABILITY : 0;
      case PHY_ANER: return this.negotiated ? 0x0003 : 0x0000;
      case PHY_MCSR: return this.mcsr | (this.link.linkUp ? 0x0002 : 0);
      case PHY_SMR: return 0x60e0 | this.address;
      case PHY_SECR: return 0;
      case PHY_CSIR: return this.csir;
      case PHY_ISFR: {
        const value = this.isfr;
        this.isfr = 0;
        return value;
      }
      case PHY_IMR: return this.imr;
      case PHY_PHYSCSR: {
        const done = this.negotiated ? PHYSCSR_AUTODONE : 0;
        const speed = this.linkUp || this.negotiated ? this.speedIndication() : 0;
        return done | 0x0040 | (speed << 2);
      }
      default:
        this.log.unimplemented(`LAN8742 register ${register} is not modelled; reads 0`, { register: `PHY reg ${register}` });
        return 0;
    }
  }

  write(register: number, value: number): void {
    switch (register) {
      case PHY_BCR: {
        if (value & BCR_SOFT_RESET) {
          this.softReset();
          return;
        }
        const previous = this.bcr;
        this.bcr = value & ~BCR_RESTART_AUTONEG & 0xffff;
        if (value & BCR_LOOPBACK) this.log.unimplemented('PHY loopback is not modelled', { register: 'PHY BCR', field: 'LOOPBACK' });
        const changed = (previous ^ this.bcr) & (BCR_AUTONEG_ENABLE | BCR_POWER_DOWN | BCR_ISOLATE | BCR_SPEED_100 | BCR_FULL_DUPLEX);
        if (value & BCR_RESTART_AUTONEG || changed) this.startNegotiation();
        return;
      }
      case PHY_ANAR: this.anar = (value & 0x3fe0) | 0x0001; return;
      case PHY_IMR: this.imr = value & 0x00fe; return;
      case PHY_MCSR: this.mcsr = value & 0x2000; return;
      case PHY_CSIR: this.csir = value & 0xffff; return;
      case PHY_SMR:
        this.log.unimplemented('LAN8742 SMR writes (PHYAD/MODE strap override) are not modelled', { register: 'PHY SMR' });
        return;
      default:
        this.log.unimplemented(`LAN8742 register ${register} write is not modelled`, { register: `PHY reg ${register}` });
    }
  }

  private softReset(): void {
    if (this.resetting) return;
    this.resetting = true;
    this.bcr = BCR_RESET | BCR_SOFT_RESET;
    this.anar = ANAR_RESET;
    this.imr = 0;
    this.isfr = 0;
    this.dropLink();
    // The reset bit self-clears after the PHY's internal reset (datasheet: < 0.5 ms).
    this.resetTimer = this.clock.afterSeconds(0.0005, () => {
      this.resetting = false;
      this.resetTimer = undefined;
      this.bcr &= ~BCR_SOFT_RESET;
      this.startNegotiation();
    }, 'LAN8742 soft reset');
  }

  /** Cancels pending events (the machine is torn down). */
  dispose(): void {
    this.timer?.cancel();
    this.resetTimer?.cancel();
  }
}
