// A minimal driver at bus addresses, following the register sequence ST's HAL uses, for the ETH tests.
import { ModelBench, type TestEthernetLink } from '../helpers/model-bench.js';
import { EthernetMac, type EthOptions } from '../../peripherals/ethernet/eth.js';

export const ETH = 0x4002_8000;
export const R = {
  MACCR: ETH + 0x000, MACECR: ETH + 0x004, MACPFR: ETH + 0x008, MACWTR: ETH + 0x00c, MACHT0R: ETH + 0x010, MACHT1R: ETH + 0x014,
  MACISR: ETH + 0x0b0, MACIER: ETH + 0x0b4, MACHWF0R: ETH + 0x11c, MACHWF1R: ETH + 0x120, MACHWF2R: ETH + 0x124, MACVR: ETH + 0x110,
  MACMDIOAR: ETH + 0x200, MACMDIODR: ETH + 0x204, MACA0HR: ETH + 0x300, MACA0LR: ETH + 0x304, MACA1HR: ETH + 0x308, MACA1LR: ETH + 0x30c,
  MMCCR: ETH + 0x700, MMCTPCGR: ETH + 0x768, MMCRUPGR: ETH + 0x7c4,
  MTLTQOMR: ETH + 0xd00, MTLRQOMR: ETH + 0xd30, MTLRQMPOCR: ETH + 0xd34, MTLRQDR: ETH + 0xd38,
  DMAMR: ETH + 0x1000, DMASBMR: ETH + 0x1004, DMAISR: ETH + 0x1008, DMADSR: ETH + 0x100c,
  DMACCR: ETH + 0x1100, DMACTCR: ETH + 0x1104, DMACRCR: ETH + 0x1108, DMACTDLAR: ETH + 0x1114, DMACRDLAR: ETH + 0x111c,
  DMACTDTPR: ETH + 0x1120, DMACRDTPR: ETH + 0x1128, DMACTDRLR: ETH + 0x112c, DMACRDRLR: ETH + 0x1130, DMACIER: ETH + 0x1134, DMACRIWTR: ETH + 0x1138,
  DMACCATDR: ETH + 0x1144, DMACCARDR: ETH + 0x114c, DMACSR: ETH + 0x1160,
} as const;

export const MACCR_RE = 1 << 0;
export const MACCR_TE = 1 << 1;
export const MACCR_DM = 1 << 13;
export const MACCR_FES = 1 << 14;
export const MACCR_JE = 1 << 16;
export const MACCR_ACS = 1 << 20;
export const MACCR_CST = 1 << 21;
/** MACCR.SARC = 0b011: replace the source address with MACA0 (the HAL's default). */
export const MACCR_SARC_REPLACE0 = 3 << 28;
/** MACCR as ETH_MACDMAConfig leaves it, plus 100 Mbit/s full duplex from the PHY. */
export const HAL_MACCR = (1 << 13) | (1 << 14) | MACCR_ACS | MACCR_CST | (1 << 27) | MACCR_SARC_REPLACE0;
export const MACCR_IPC = 1 << 27;

export const DMACSR = { TI: 1 << 0, TPS: 1 << 1, TBU: 1 << 2, RI: 1 << 6, RBU: 1 << 7, RPS: 1 << 8, FBE: 1 << 12, AIS: 1 << 14, NIS: 1 << 15 };
export const DMACIER = { TIE: 1 << 0, RIE: 1 << 6, RBUE: 1 << 7, FBEE: 1 << 12, AIE: 1 << 14, NIE: 1 << 15 };

export const OWN = 1 << 31;
export const FD = 1 << 29;
export const LD = 1 << 28;
export const IOC_TX = 1 << 31;
export const IOC_RX = 1 << 30;
export const BUF1V = 1 << 24;

export const TX_RING = 0x2000_0000;
export const RX_RING = 0x2000_0400;
export const TX_BUFFERS = 0x2000_1000;
/** NetX hands the MAC buffers 2 bytes past word alignment so the IP header lands aligned. */
export const RX_BUFFERS = 0x2000_8002;
export const RX_BUFFER_STRIDE = 0x800;
/** DSL = 2 on a 32-bit bus: 24-byte descriptors, as the HAL's ETH_DMADescTypeDef. */
export const STRIDE = 24;
export const RING = 4;
export const RX_BUFFER_LENGTH = 1536;

export interface BoardOptions extends EthOptions {
  interrupts?: number;
  rxBufferLength?: number;
  maccr?: number;
  mtlrqomr?: number;
}

export class Board {
  readonly bench: ModelBench;
  readonly eth: EthernetMac;
  readonly link: TestEthernetLink;
  txIndex = 0;

  constructor(options: BoardOptions = {}) {
    this.bench = new ModelBench();
    this.eth = this.bench.attach(new EthernetMac(this.bench.context('ETH'), options), ETH);
    this.link = this.bench.ethernetLinks.get('ETH')!;
  }

  r(address: number): number { return this.bench.read32(address) >>> 0; }
  w(address: number, value: number): void { this.bench.write32(address, value >>> 0); }
  mem32(address: number): number { return this.bench.bus.read32(address) >>> 0; }
  setMem32(address: number, value: number): void { this.bench.bus.write32(address, value >>> 0); }
  bytes(address: number, length: number): Uint8Array { return this.bench.bus.readBytes(address, length).slice(); }
  txDesc(i: number): number { return TX_RING + i * STRIDE; }
  rxDesc(i: number): number { return RX_RING + i * STRIDE; }
  rxBuffer(i: number): number { return RX_BUFFERS + i * RX_BUFFER_STRIDE; }
  desc(address: number): number[] { return [0, 4, 8, 12].map((o) => this.mem32(address + o)); }

  /** The RX descriptor the DMA closed last (the one before DMACCARDR). */
  lastRx(): number {
    const index = (this.r(R.DMACCARDR) - RX_RING) / STRIDE;
    return this.rxDesc((index + RING - 1) % RING);
  }

  /** Re-arms every RX descriptor and points the tail, HAL-style, at the one before the DMA's current. */
  rearmAll(): void {
    for (let i = 0; i < RING; i++) this.armRx(i);
    this.w(R.DMACRDTPR, this.lastRx());
  }

  /** Hands RX descriptor i back to the DMA with its buffer. */
  armRx(i: number, ioc = true): void {
    const d = this.rxDesc(i);
    this.setMem32(d, this.rxBuffer(i));
    this.setMem32(d + 4, 0);
    this.setMem32(d + 8, 0);
    this.setMem32(d + 12, OWN | BUF1V | (ioc ? IOC_RX : 0));
  }

  /** HAL_ETH_Init + HAL_ETH_Start_IT, in the HAL's order. */
  start(options: BoardOptions = {}): void {
    this.w(R.DMAMR, 1);
    this.bench.pollUntil(() => (this.r(R.DMAMR) & 1) === 0, 64_000_000);
    this.w(R.MACMDIOAR, 0 << 8);
    this.w(R.MACCR, options.maccr ?? HAL_MACCR);
    this.w(R.MTLTQOMR, (this.r(R.MTLTQOMR) & ~0x72) | 0x2);
    this.w(R.MTLRQOMR, options.mtlrqomr ?? ((this.r(R.MTLRQOMR) & ~0x7f) | 0x20));
    this.w(R.DMACCR, 2 << 18);
    this.w(R.DMACRCR, (options.rxBufferLength ?? RX_BUFFER_LENGTH) << 1);
    for (let i = 0; i < RING; i++) for (let o = 0; o < STRIDE; o += 4) this.setMem32(this.txDesc(i) + o, 0);
    this.w(R.DMACTDRLR, RING - 1);
    this.w(R.DMACTDLAR, TX_RING);
    this.w(R.DMACTDTPR, TX_RING);
    this.w(R.DMACRDRLR, RING - 1);
    this.w(R.DMACRDLAR, RX_RING);
    this.w(R.MACA0HR, 0x0000_0000); // 00:80:E1:00:00:00 -> bytes 4,5 = 0x00,0x00
    this.w(R.MACA0LR, 0x00e1_8000);
    for (let i = 0; i < RING; i++) this.armRx(i);
    // The HAL points the tail at the last re-armed descriptor.
    this.w(R.DMACRDTPR, this.rxDesc(RING - 1));
    this.w(R.MACCR, this.r(R.MACCR) | MACCR_TE | MACCR_RE);
    this.w(R.MTLTQOMR, this.r(R.MTLTQOMR) | 1);
    this.w(R.DMACTCR, this.r(R.DMACTCR) | 1);
    this.w(R.DMACRCR, this.r(R.DMACRCR) | 1);
    this.w(R.DMACSR, DMACSR.TPS | DMACSR.RPS);
    this.w(R.DMACIER, options.interrupts ?? (DMACIER.NIE | DMACIER.RIE | DMACIER.TIE | DMACIER.FBEE | DMACIER.AIE | DMACIER.RBUE));
  }

  /** Queues one frame in descriptor `txIndex` (one or two buffers) and moves the tail past it. */
  send(buffers: Uint8Array[], cic = 3, ioc = true, tdes3 = 0): number {
    const d = this.txDesc(this.txIndex);
    let address = TX_BUFFERS + this.txIndex * 0x800;
    const addresses: number[] = [];
    for (const buffer of buffers) {
      this.bench.bus.writeBytes(address, buffer);
      addresses.push(address);
      address += (buffer.length + 0x43) & ~0x3f;
    }
    const total = buffers.reduce((n, b) => n + b.length, 0);
    this.setMem32(d, addresses[0]!);
    this.setMem32(d + 4, addresses[1] ?? 0);
    this.setMem32(d + 8, buffers[0]!.length | ((buffers[1]?.length ?? 0) << 16) | (ioc ? IOC_TX : 0));
    this.setMem32(d + 12, OWN | FD | LD | (cic << 16) | tdes3 | total);
    this.txIndex = (this.txIndex + 1) % RING;
    this.w(R.DMACTDTPR, this.txDesc(this.txIndex));
    return d;
  }

  mdioRead(phy: number, register: number): { value: number; cycles: number } {
    const cr = this.r(R.MACMDIOAR) & (0xf00 | (1 << 27));
    this.w(R.MACMDIOAR, cr | (phy << 21) | (register << 16) | (3 << 2) | 1);
    const cycles = this.bench.pollUntil(() => (this.r(R.MACMDIOAR) & 1) === 0, 10_000_000, 16);
    return { value: this.r(R.MACMDIODR) & 0xffff, cycles };
  }

  mdioWrite(phy: number, register: number, value: number): void {
    const cr = this.r(R.MACMDIOAR) & 0xf00;
    this.w(R.MACMDIODR, value);
    this.w(R.MACMDIOAR, cr | (phy << 21) | (register << 16) | (1 << 2) | 1);
    this.bench.pollUntil(() => (this.r(R.MACMDIOAR) & 1) === 0, 10_000_000, 16);
  }

  irq(): boolean { return this.bench.irqLevel('ETH'); }
}
