// RM0481 §(Ethernet): the ETH peripheral at 0x4002_8000 — MAC (0x000), MTL (0xC00) and DMA (0x1000)
// in one 8 KiB block, the MDIO bus with the board's LAN8742A PHY, and the host side as an
// EthernetLink. This file composes the parts; each part owns the behaviour of its registers.
import type { AccessSize, IrqLine, Peripheral, PeripheralContext } from '../core/peripheral.js';
import { RegisterBlock } from '../registers/register-block.js';
import type { EthernetLink } from '../../emulator/net/frame-port.js';
import type { ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import { macRegisters } from './mac.regs.js';
import { mtlRegisters } from './mtl.regs.js';
import { dmaRegisters } from './dma.regs.js';
import { Mac, emptyStatistics, type EthernetStatistics } from './mac.js';
import { Mtl } from './mtl.js';
import { Dma } from './dma.js';
import { MdioController } from './mdio.js';
import { Lan8742 } from './lan8742.js';

export const ETH_SIZE = 0x2000;
/** DMAMR.SWR stays set this long; the HAL polls it for up to 500 ms. */
export const SOFTWARE_RESET_SECONDS = 2e-6;

export interface EthOptions {
  /** Base address, for messages only. */
  baseAddress?: number;
  /** Name of the host link (default 'ETH'). */
  link?: string;
  phyAddress?: number;
  phyAutonegSeconds?: number;
  phyColdStart?: boolean;
}

export class EthernetMac implements Peripheral {
  readonly name: string;
  readonly size = ETH_SIZE;
  readonly regs: RegisterBlock;
  readonly statistics: EthernetStatistics = emptyStatistics();
  readonly mac: Mac;
  readonly mtl: Mtl;
  readonly dma: Dma;
  readonly mdio: MdioController;
  readonly phy: Lan8742;
  readonly link: EthernetLink;
  private readonly irq: IrqLine;
  private readonly wakeupIrq: IrqLine;
  private softwareReset: ScheduledEvent | undefined;

  constructor(private readonly ctx: PeripheralContext, options: EthOptions = {}) {
    this.name = ctx.name;
    this.regs = new RegisterBlock(ctx.name, [...macRegisters, ...mtlRegisters, ...dmaRegisters], ctx.log, options.baseAddress ?? 0x4002_8000);
    this.irq = ctx.irq('ETH');
    this.wakeupIrq = ctx.irq('ETH_WKUP');
    this.link = ctx.host.ethernet(options.link ?? 'ETH');
    const hclkHz = () => ctx.clocks.busFrequency(ctx.name) || ctx.clock.frequencyHz;

    this.mac = new Mac(this.regs, this.statistics);
    this.mtl = new Mtl(this.regs, this.statistics, () => this.updateIrq());
    this.dma = new Dma(this.regs, ctx.bus, ctx.clock, ctx.log, this.mtl, this.statistics, {
      transmit: (frame) => this.transmit(frame),
      bitsPerSecond: () => this.mac.bitsPerSecond,
      transmitterEnabled: () => this.mac.transmitterEnabled,
      countTransmitted: () => this.mac.count('MMCTPCGR'),
      applySourceAddress: (frame, saic) => this.mac.applySourceAddress(frame, saic),
      hclkHz,
      updateIrq: () => this.updateIrq(),
    });
    this.mdio = new MdioController(ctx.clock, ctx.log, {
      address: () => this.regs.get('MACMDIOAR'),
      setAddress: (value) => this.regs.set('MACMDIOAR', value),
      data: () => this.regs.get('MACMDIODR'),
      setData: (value) => this.regs.set('MACMDIODR', value),
    }, hclkHz);
    this.phy = new Lan8742(ctx.clock, ctx.log, this.link, {
      phyAddress: options.phyAddress,
      autonegSeconds: options.phyAutonegSeconds,
      coldStart: options.phyColdStart,
    });
    this.mdio.attach(this.phy.address, this.phy);

    this.regs.on('MACMDIOAR', { write: (value, previous) => this.mdio.onAddressWrite(value, previous) });
    this.regs.on('MACCR', { write: (value, previous) => {
      if (value & 2 && !(previous & 2)) this.dma.kickTx();
    } });
    this.regs.on('MACIER', { write: () => this.updateIrq() });
    this.regs.on('DMAMR', { write: (value) => { if (value & 1) this.startSoftwareReset(); } });
    this.regs.on('DMAISR', { read: () => (this.dma.interruptPending ? 1 : 0) | (this.mtl.interruptPending ? 1 << 16 : 0) | (this.macInterruptPending ? 1 << 17 : 0) });

    this.link.setReceiver((frame) => this.receiveFromHost(frame));
    this.wakeupIrq.set(false);
  }

  /** MACISR bits enabled in MACIER (MMC summary bits have no enable there). */
  private get macInterruptPending(): boolean {
    const isr = this.regs.get('MACISR');
    const ier = this.regs.get('MACIER');
    return (isr & ier & 0x7038) !== 0;
  }

  private updateIrq(): void {
    this.irq.set(this.dma.interruptPending || this.mtl.interruptPending || this.macInterruptPending);
  }

  private transmit(frame: Uint8Array): void {
    if (this.mac.loopback) {
      this.receiveFromHost(frame);
      return;
    }
    if (!this.link.linkUp) {
      this.statistics.txDroppedLinkDown++;
      return;
    }
    this.link.transmit(frame);
  }

  /** The host delivers a frame (no FCS). Never throws: malformed frames are counted and dropped. */
  receiveFromHost(frame: Uint8Array): void {
    const accepted = this.mac.receive(frame);
    if (!accepted) return;
    this.mtl.push(accepted, this.dma.rxAvailable);
    this.dma.kickRx();
  }

  private startSoftwareReset(): void {
    if (this.softwareReset?.active) return;
    // All MAC, MTL and DMA registers and logic go back to reset; the PHY is a separate chip.
    this.resetLogic();
    this.regs.setBits('DMAMR', 1);
    this.softwareReset = this.ctx.clock.afterSeconds(SOFTWARE_RESET_SECONDS, () => this.finishSoftwareReset(), 'ETH software reset');
  }

  // On silicon the reset needs the MAC's TX and RX clocks: with RCC ETHTXEN/ETHRXEN off, SWR never
  // clears and the HAL times out after 500 ms. The model keeps SWR set and checks again every 1 ms.
  private finishSoftwareReset(): void {
    const clocks = this.ctx.clocks;
    if (!clocks.isClockEnabled('ETHTX') || !clocks.isClockEnabled('ETHRX')) {
      this.ctx.log.guestError('DMAMR.SWR cannot complete: the MAC TX/RX clocks are off (RCC AHB1ENR ETHTXEN/ETHRXEN)', { register: 'DMAMR', field: 'SWR' });
      this.softwareReset = this.ctx.clock.afterSeconds(0.001, () => this.finishSoftwareReset(), 'ETH software reset');
      return;
    }
    this.softwareReset = undefined;
    this.regs.setBits('DMAMR', 1, false);
  }

  private resetLogic(): void {
    this.regs.reset();
    this.dma.reset();
    this.mtl.reset();
    this.mdio.reset();
    this.updateIrq();
  }

  // With its bus clock off (RCC AHB1ENR.ETHEN) the block reads as zero and ignores writes.
  read(offset: number, size: AccessSize): number {
    if (!this.ctx.clocks.isClockEnabled(this.name)) return 0;
    return this.regs.read(offset, size);
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (!this.ctx.clocks.isClockEnabled(this.name)) return;
    this.regs.write(offset, size, value);
  }
  peek(offset: number, size: AccessSize): number { return this.regs.peek(offset, size); }

  mappedAt(base: number): void {
    this.regs.baseAddress = base;
  }

  registerAddress(register: string): number | undefined {
    return this.regs.addressOf(register);
  }

  reset(): void {
    this.softwareReset?.cancel();
    this.softwareReset = undefined;
    this.resetLogic();
  }
}
