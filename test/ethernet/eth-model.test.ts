// ETH model at bus addresses on the ModelBench: reset, MDIO and PHY, TX/RX descriptors, filters,
// status and interrupts, and robustness against malformed frames.
import { describe, expect, it } from 'vitest';
import {
  Board, BUF1V, DMACIER, DMACSR, FD, IOC_RX, LD, MACCR_CST, MACCR_DM, MACCR_FES, MACCR_IPC, MACCR_JE, MACCR_RE, MACCR_TE, OWN, R,
  ETH, RING, STRIDE, TX_RING,
} from './eth-driver.js';
import { BOARD_MAC, BROADCAST, HOST_MAC, ipv4Frame, rfc1071, seeded, verifyIpv4, withChecksums } from './frames.js';
import { formatDescriptor } from '../../peripherals/ethernet/descriptors.js';
import { EthernetMac } from '../../peripherals/ethernet/eth.js';
import { ModelBench } from '../helpers/model-bench.js';
import { hashIndex } from '../../peripherals/ethernet/mac.js';

const CPU_HZ = 64_000_000;

describe('ETH reset and identification', () => {
  it('needs its RCC clocks: reads zero with ETHEN off, and SWR waits for ETHTXEN/ETHRXEN', () => {
    let enabled = { ETH: false, ETHTX: false, ETHRX: false } as Record<string, boolean>;
    const clocks = { isClockEnabled: (p: string) => enabled[p] ?? true, kernelFrequency: () => CPU_HZ, busFrequency: () => CPU_HZ, onChange: () => {} };
    const bench = new ModelBench({ clocks, strict: false });
    bench.attach(new EthernetMac(bench.context('ETH')), ETH);
    expect(bench.read32(R.MACVR)).toBe(0);
    enabled = { ETH: true, ETHTX: false, ETHRX: false };
    expect(bench.read32(R.MACVR)).toBe(0x3242);
    bench.write32(R.DMAMR, 1);
    bench.runSeconds(0.01);
    expect(bench.read32(R.DMAMR) & 1).toBe(1);
    expect(bench.log.records.some((r) => r.register === 'DMAMR' && /ETHTXEN/.test(r.message))).toBe(true);
    enabled = { ETH: true, ETHTX: true, ETHRX: true };
    bench.runSeconds(0.0011);
    expect(bench.read32(R.DMAMR) & 1).toBe(0);
  });

  it('DMAMR.SWR resets MAC/MTL/DMA registers and self-clears after a short delay', () => {
    const board = new Board();
    board.w(R.MACCR, MACCR_TE | MACCR_RE);
    board.w(R.DMACIER, 0xffff);
    board.w(R.DMAMR, 1);
    expect(board.r(R.DMAMR) & 1).toBe(1);
    const cycles = board.bench.pollUntil(() => (board.r(R.DMAMR) & 1) === 0, CPU_HZ / 2, 8);
    expect(cycles).toBeGreaterThan(0);
    expect(cycles).toBeLessThan(CPU_HZ / 1000);
    expect(board.r(R.MACCR)).toBe(0);
    expect(board.r(R.DMACIER)).toBe(0);
  });

  it('reports the H5 version and hardware features the HAL reads', () => {
    const board = new Board();
    expect(board.r(R.MACVR)).toBe(0x3242);
    expect(board.r(R.MACHWF0R)).toBe(0x0a0d_73f7);
    expect(board.r(R.MACHWF1R)).toBe(0x1104_1904);
    expect(board.r(R.MACHWF2R)).toBe(0x4100_0000);
    expect(board.r(R.MACA0HR)).toBe(0x8000_ffff);
    expect(board.r(R.MTLRQOMR)).toBe(0x0070_0000);
  });
});

describe('MDIO and the LAN8742A PHY', () => {
  it('reads PHYID1/PHYID2 at address 0 with MB busy for 64 MDC cycles at the CR divider', () => {
    const board = new Board();
    const id1 = board.mdioRead(0, 2);
    expect(id1.value).toBe(0x0007);
    // CR = 0: HCLK/42; 32 preamble + 32 frame bits.
    expect(id1.cycles).toBeGreaterThanOrEqual(64 * 42);
    expect(id1.cycles).toBeLessThanOrEqual(64 * 42 + 16);
    expect(board.mdioRead(0, 3).value).toBe(0xc131);
    board.w(R.MACMDIOAR, 4 << 8); // HCLK/102
    expect(board.mdioRead(0, 2).cycles).toBeGreaterThanOrEqual(64 * 102);
    // Preamble suppression halves the frame.
    board.w(R.MACMDIOAR, (4 << 8) | (1 << 27));
    const suppressed = board.mdioRead(0, 2).cycles;
    expect(suppressed).toBeGreaterThanOrEqual(32 * 102);
    expect(suppressed).toBeLessThan(64 * 102);
    // Nothing answers at another address: MDIO reads all ones.
    expect(board.mdioRead(5, 2).value).toBe(0xffff);
  });

  it('answers the LAN8742 driver scan: SMR low bits hold the PHY address', () => {
    const board = new Board();
    expect(board.mdioRead(0, 18).value & 0x1f).toBe(0);
    expect(board.mdioRead(1, 18).value).toBe(0xffff);
  });

  it('a cold start negotiates for the configured time; BSR.LINK latches low; PHYSCSR reports 100 Mbit/s full duplex', () => {
    const board = new Board({ phyColdStart: true, phyAutonegSeconds: 0.2 });
    const bsr = () => board.mdioRead(0, 1).value;
    expect(bsr() & 0x4).toBe(0);
    expect(board.mdioRead(0, 31).value & 0x1000).toBe(0);
    board.bench.runSeconds(0.1);
    expect(bsr() & 0x24).toBe(0);
    board.bench.runSeconds(0.11);
    expect(bsr() & 0x24).toBe(0x24);
    const physcsr = board.mdioRead(0, 31).value;
    expect(physcsr & 0x1000).toBe(0x1000);
    expect(physcsr & 0x1c).toBe(0x18);
    expect(board.mdioRead(0, 0).value & 0x1000).toBe(0x1000);

    // Cable out and back in: the first BSR read after the drop still says "down" even once renegotiated.
    board.link.setLink(false);
    board.link.setLink(true);
    board.bench.runSeconds(0.25);
    expect(bsr() & 0x4).toBe(0);
    expect(bsr() & 0x4).toBe(0x4);
    // ISFR recorded the link-down and the completed negotiation, and clears on read.
    const isfr = board.mdioRead(0, 29).value;
    expect(isfr & 0x50).toBe(0x50);
    expect(board.mdioRead(0, 29).value).toBe(0);
  });

  it('a cable plugged before any virtual time passes is already negotiated; plugged later, it negotiates', () => {
    const board = new Board({ phyAutonegSeconds: 0.5 });
    board.link.setLink(false);
    board.link.setLink(true);
    board.mdioRead(0, 1);
    expect(board.mdioRead(0, 1).value & 0x24).toBe(0x24);
    board.link.setLink(false);
    board.link.setLink(true);
    board.mdioRead(0, 1);
    expect(board.mdioRead(0, 1).value & 0x24).toBe(0);
    board.bench.runSeconds(0.5);
    board.mdioRead(0, 1);
    expect(board.mdioRead(0, 1).value & 0x24).toBe(0x24);
  });

  it('a board powered with the cable in is already negotiated; restart-autoneg drops the link for the negotiation time', () => {
    const board = new Board({ phyAutonegSeconds: 0.3 });
    board.mdioRead(0, 1);
    expect(board.mdioRead(0, 1).value & 0x24).toBe(0x24);
    board.mdioWrite(0, 0, 0x3100 | (1 << 9));
    expect(board.mdioRead(0, 0).value & (1 << 9)).toBe(0);
    board.mdioRead(0, 1);
    expect(board.mdioRead(0, 1).value & 0x4).toBe(0);
    board.bench.runSeconds(0.31);
    board.mdioRead(0, 1);
    expect(board.mdioRead(0, 1).value & 0x24).toBe(0x24);
  });
});

describe('ETH transmit', () => {
  it('sends a UDP frame with IPv4 header and UDP checksums inserted (CIC = 0b11), after its wire time, then writes back and raises TI', () => {
    const board = new Board();
    board.start();
    const payload = Array.from({ length: 37 }, (_, i) => i * 7);
    const frame = ipv4Frame('udp', payload, HOST_MAC, BOARD_MAC).bytes;
    const d = board.send([frame]);
    expect(board.link.sent).toHaveLength(0);
    // 100 Mbit/s: preamble 8 + frame + FCS 4 + IFG 12 bytes.
    const wireCycles = Math.ceil(((8 + frame.length + 4 + 12) * 8 / 100e6) * CPU_HZ);
    board.bench.runCycles(wireCycles - 2);
    expect(board.link.sent).toHaveLength(0);
    expect((board.r(R.DMADSR) >>> 12) & 0xf).toBe(2);
    board.bench.runCycles(4);
    expect(board.link.sent).toHaveLength(1);
    const sent = board.link.sent[0]!;
    expect(sent.length).toBe(frame.length);
    expect(verifyIpv4(sent)).toEqual({ header: true, payload: true });
    expect(sent.subarray(42)).toEqual(new Uint8Array(payload));
    const wb = board.desc(d);
    expect(wb[3]! & OWN).toBe(0);
    expect(wb[3]! & (FD | LD)).toBe(FD | LD);
    expect(wb[3]! & (1 << 15)).toBe(0);
    expect(board.r(R.DMACSR) & (DMACSR.TI | DMACSR.NIS)).toBe(DMACSR.TI | DMACSR.NIS);
    expect(board.irq()).toBe(true);
    expect(board.r(R.MMCTPCGR)).toBe(1);
    // The ring is empty again: the DMA suspended at the tail.
    expect((board.r(R.DMADSR) >>> 12) & 0xf).toBe(6);
    expect(board.r(R.DMACCATDR)).toBe(TX_RING + STRIDE);
  });

  it('inserts TCP and ICMP checksums; CIC = 0b01 inserts only the IP header checksum; short frames are padded to 60 bytes', () => {
    const board = new Board();
    board.start();
    board.send([ipv4Frame('tcp', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], HOST_MAC, BOARD_MAC).bytes]);
    board.bench.runSeconds(0.001);
    board.send([ipv4Frame('icmp', Array.from({ length: 32 }, (_, i) => 0x61 + (i % 23)), HOST_MAC, BOARD_MAC).bytes]);
    board.bench.runSeconds(0.001);
    const udp = ipv4Frame('udp', [9, 9, 9], HOST_MAC, BOARD_MAC).bytes;
    board.send([udp], 1);
    board.bench.runSeconds(0.001);
    expect(board.link.sent).toHaveLength(3);
    expect(verifyIpv4(board.link.sent[0]!)).toEqual({ header: true, payload: true });
    expect(verifyIpv4(board.link.sent[1]!)).toEqual({ header: true, payload: true });
    const third = board.link.sent[2]!;
    expect(third.length).toBe(60);
    expect(rfc1071(third.subarray(14, 34))).toBe(0);
    expect(third[40]! | third[41]!).toBe(0);
  });

  it('inserts UDP checksums over IPv6 with the IPv6 pseudo-header', () => {
    const board = new Board();
    board.start();
    const payload = [0xde, 0xad, 0xbe, 0xef, 1, 2, 3];
    const udpLength = 8 + payload.length;
    const src = Array.from({ length: 16 }, (_, i) => (i === 0 ? 0xfe : i === 1 ? 0x80 : i));
    const dst = Array.from({ length: 16 }, (_, i) => (i === 0 ? 0xff : i === 1 ? 0x02 : i === 15 ? 1 : 0));
    const frame = new Uint8Array([...HOST_MAC, ...BOARD_MAC, 0x86, 0xdd, 0x60, 0, 0, 0, 0, udpLength, 17, 64, ...src, ...dst,
      0x02, 0x22, 0x02, 0x23, 0, udpLength, 0, 0, ...payload]);
    board.send([frame]);
    board.bench.runSeconds(0.001);
    const sent = board.link.sent[0]!;
    const l4 = sent.subarray(54);
    expect(l4[6]! | l4[7]!).not.toBe(0);
    expect(rfc1071([...src, ...dst, 0, 0, 0, udpLength, 0, 0, 0, 17, ...l4])).toBe(0);
  });

  it('replaces the source address with MACA0 as the HAL configures MACCR.SARC; TDES3.SAIC inserts it when SARC defers', () => {
    const board = new Board();
    board.start();
    const frame = ipv4Frame('udp', [1, 2, 3], HOST_MAC, [0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]).bytes;
    board.send([frame]);
    board.bench.runSeconds(0.001);
    expect([...board.link.sent[0]!.subarray(6, 12)]).toEqual(BOARD_MAC);
    // SARC = 0: the descriptor asks for insertion of MACA0 after the destination address.
    board.w(R.MACCR, board.r(R.MACCR) & ~(7 << 28));
    const withoutSource = new Uint8Array([...frame.subarray(0, 6), ...frame.subarray(12)]);
    board.send([withoutSource], 3, true, 1 << 23);
    board.bench.runSeconds(0.001);
    const inserted = board.link.sent[1]!;
    expect(inserted.length).toBe(60); // padded (CPC = 0)
    expect([...inserted.subarray(6, 12)]).toEqual(BOARD_MAC);
    expect(inserted.subarray(42, frame.length)).toEqual(frame.subarray(42));
    expect(verifyIpv4(inserted)).toEqual({ header: true, payload: true });
  });

  it('loops frames back to the receiver in MAC loopback (MACCR.LM) instead of sending them', () => {
    const board = new Board();
    board.start();
    board.w(R.MACCR, board.r(R.MACCR) | (1 << 12));
    const frame = ipv4Frame('udp', [5, 6, 7, 8], BOARD_MAC, HOST_MAC).bytes;
    board.send([frame]);
    board.bench.runSeconds(0.001);
    expect(board.link.sent).toHaveLength(0);
    expect(board.eth.statistics.rxDelivered).toBe(1);
    expect(verifyIpv4(board.bytes(board.rxBuffer(0), frame.length))).toEqual({ header: true, payload: true });
  });

  it('gathers a frame from two buffers of one descriptor, and from two descriptors (FD, then LD)', () => {
    const board = new Board();
    board.start();
    const frame = ipv4Frame('udp', Array.from({ length: 300 }, (_, i) => i & 0xff), HOST_MAC, BOARD_MAC).bytes;
    board.send([frame.subarray(0, 42), frame.subarray(42)]);
    board.bench.runSeconds(0.001);
    expect(board.link.sent).toHaveLength(1);
    expect(verifyIpv4(board.link.sent[0]!)).toEqual({ header: true, payload: true });
    expect(board.link.sent[0]!.subarray(42)).toEqual(frame.subarray(42));

    // Two descriptors: header in the first (FD), payload in the second (LD, IOC).
    const d0 = board.txDesc(1);
    const d1 = board.txDesc(2);
    board.bench.bus.writeBytes(0x2000_3000, frame.subarray(0, 42));
    board.bench.bus.writeBytes(0x2000_3101, frame.subarray(42));
    board.setMem32(d0, 0x2000_3000);
    board.setMem32(d0 + 4, 0);
    board.setMem32(d0 + 8, 42);
    board.setMem32(d1, 0x2000_3101);
    board.setMem32(d1 + 4, 0);
    board.setMem32(d1 + 8, (frame.length - 42) | (1 << 31));
    board.setMem32(d1 + 12, OWN | LD | (frame.length - 42));
    board.setMem32(d0 + 12, OWN | FD | (3 << 16) | frame.length);
    board.w(R.DMACSR, 0xffff);
    board.w(R.DMACTDTPR, board.txDesc(3));
    board.bench.runSeconds(0.001);
    expect(board.link.sent).toHaveLength(2);
    expect(board.link.sent[1]).toEqual(board.link.sent[0]);
    expect(board.mem32(d0 + 12) & OWN).toBe(0);
    expect(board.mem32(d1 + 12) & (OWN | LD)).toBe(LD);
    expect(board.r(R.DMACSR) & DMACSR.TI).toBe(DMACSR.TI);
  });

  it('waits at a descriptor the CPU still owns (TBU, suspended) and resumes on the next tail-pointer write', () => {
    const board = new Board();
    board.start();
    // Tail moved past a descriptor whose OWN bit is not set yet.
    board.w(R.DMACTDTPR, board.txDesc(1));
    expect(board.r(R.DMACSR) & DMACSR.TBU).toBe(DMACSR.TBU);
    expect((board.r(R.DMADSR) >>> 12) & 0xf).toBe(6);
    board.txIndex = 0;
    board.send([ipv4Frame('udp', [1], HOST_MAC, BOARD_MAC).bytes]);
    board.bench.runSeconds(0.001);
    expect(board.link.sent).toHaveLength(1);
  });

  it('reports a fatal bus error for a buffer outside memory and stops the TX DMA', () => {
    const board = new Board();
    board.start();
    const d = board.txDesc(0);
    board.setMem32(d, 0x6000_0000);
    board.setMem32(d + 8, 64);
    board.setMem32(d + 12, OWN | FD | LD | 64);
    board.bench.log.strict = false;
    board.w(R.DMACTDTPR, board.txDesc(1));
    expect(board.r(R.DMACSR) & (DMACSR.FBE | DMACSR.AIS)).toBe(DMACSR.FBE | DMACSR.AIS);
    expect((board.r(R.DMADSR) >>> 12) & 0xf).toBe(0);
    expect(board.irq()).toBe(true);
    expect(board.eth.statistics.fatalBusErrors).toBe(1);
  });
});

describe('ETH receive', () => {
  it('writes a frame at a buffer 2 bytes off word alignment, writes back status and length, and raises RI only when enabled', () => {
    const board = new Board();
    board.start({ interrupts: 0 });
    const frame = withChecksums(ipv4Frame('udp', Array.from({ length: 50 }, (_, i) => 255 - i)));
    board.link.deliver(frame);
    expect(board.rxBuffer(0) & 3).toBe(2);
    expect(board.bytes(board.rxBuffer(0), frame.length)).toEqual(frame);
    // The byte after the frame is untouched: the FCS was stripped (MACCR.CST).
    expect(board.bytes(board.rxBuffer(0) + frame.length, 4)).toEqual(new Uint8Array(4));
    const [rdes0, rdes1, , rdes3] = board.desc(board.rxDesc(0));
    expect(rdes3! & OWN).toBe(0);
    expect(rdes3! & (FD | LD)).toBe(FD | LD);
    expect(rdes3! & 0x7fff).toBe(frame.length);
    expect(rdes3! & (1 << 15)).toBe(0);
    expect((rdes3! >>> 16) & 7).toBe(1);
    expect(rdes3! & (1 << 26)).toBe(1 << 26);
    expect(rdes1! & 0xff).toBe((1 << 4) | 1); // IPV4, PT = UDP, no IPHE/IPCE
    expect(rdes0).toBe(0);
    expect(board.r(R.DMACSR) & DMACSR.RI).toBe(DMACSR.RI);
    expect(board.r(R.DMACSR) & DMACSR.NIS).toBe(0);
    expect(board.irq()).toBe(false);
    board.w(R.DMACIER, DMACIER.RIE);
    expect(board.irq()).toBe(false);
    board.w(R.DMACIER, DMACIER.RIE | DMACIER.NIE);
    expect(board.r(R.DMACSR) & DMACSR.NIS).toBe(DMACSR.NIS);
    expect(board.irq()).toBe(true);
    expect(board.r(R.DMAISR) & 1).toBe(1);
    // W1C: clearing RI leaves the sticky NIS (and the line) until NIS is cleared too.
    board.w(R.DMACSR, DMACSR.RI);
    expect(board.r(R.DMACSR) & (DMACSR.RI | DMACSR.NIS)).toBe(DMACSR.NIS);
    expect(board.irq()).toBe(true);
    board.w(R.DMACSR, DMACSR.NIS);
    expect(board.r(R.DMACSR) & (DMACSR.RI | DMACSR.NIS)).toBe(0);
    expect(board.irq()).toBe(false);
    expect(board.r(R.MMCRUPGR)).toBe(1);
  });

  it('reports checksum errors in RDES1 and drops them in store-and-forward unless DISTCPEF', () => {
    const board = new Board();
    board.start();
    const bad = withChecksums(ipv4Frame('tcp', [1, 2, 3, 4]));
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
    board.link.deliver(bad);
    expect(board.eth.statistics.rxChecksumDropped).toBe(1);
    expect(board.mem32(board.rxDesc(0) + 12) & OWN).toBe(OWN);
    board.w(R.MTLRQOMR, board.r(R.MTLRQOMR) | (1 << 6));
    board.link.deliver(bad);
    const [, rdes1, , rdes3] = board.desc(board.rxDesc(0));
    expect(rdes3! & OWN).toBe(0);
    expect(rdes1! & 0xff).toBe((1 << 7) | (1 << 4) | 2); // IPCE, IPV4, PT = TCP
  });

  it('spreads a frame larger than one buffer over several descriptors (FD … LD, cumulative PL)', () => {
    const board = new Board();
    board.start({ rxBufferLength: 256 });
    const frame = withChecksums(ipv4Frame('udp', Array.from({ length: 560 }, (_, i) => i & 0xff)));
    board.link.deliver(frame);
    const d = [0, 1, 2].map((i) => board.desc(board.rxDesc(i))[3]!);
    expect(d.map((w) => w & (OWN | FD | LD))).toEqual([FD, 0, LD]);
    expect(d.map((w) => w & 0x7fff)).toEqual([256, 512, frame.length]);
    const joined = new Uint8Array([...board.bytes(board.rxBuffer(0), 256), ...board.bytes(board.rxBuffer(1), 256), ...board.bytes(board.rxBuffer(2), frame.length - 512)]);
    expect(joined).toEqual(frame);
  });

  it('without a descriptor: RBU, the frame waits in the MTL queue, and arrives after re-arming and a tail-pointer write', () => {
    const board = new Board();
    board.start();
    const frames = [1, 2, 3, 4, 5].map((n) => withChecksums(ipv4Frame('udp', [n, n, n])));
    // The HAL's tail points at the last armed descriptor, so three of the four take frames.
    for (const f of frames.slice(0, 4)) board.link.deliver(f);
    expect(board.eth.statistics.rxDelivered).toBe(3);
    expect(board.r(R.DMACSR) & (DMACSR.RBU | DMACSR.AIS)).toBe(DMACSR.RBU | DMACSR.AIS);
    expect(board.irq()).toBe(true);
    expect((board.r(R.DMADSR) >>> 8) & 0xf).toBe(4);
    expect((board.r(R.MTLRQDR) >>> 16) & 0x3fff).toBe(1);
    // The firmware reads the three frames back, re-arms their descriptors and moves the tail.
    for (let i = 0; i < 3; i++) board.armRx(i);
    board.w(R.DMACSR, DMACSR.RBU | DMACSR.AIS | DMACSR.RI | DMACSR.NIS);
    board.w(R.DMACRDTPR, board.rxDesc(2));
    expect(board.eth.statistics.rxDelivered).toBe(4);
    expect(board.bytes(board.rxBuffer(3), frames[3]!.length)).toEqual(frames[3]);
    board.link.deliver(frames[4]!);
    expect(board.bytes(board.rxBuffer(0), frames[4]!.length)).toEqual(frames[4]);
    expect((board.r(R.MTLRQDR) >>> 16) & 0x3fff).toBe(0);
  });

  it('counts frames dropped when the queue overflows while no descriptor is free', () => {
    const board = new Board();
    board.start();
    for (let i = 0; i < RING; i++) board.setMem32(board.rxDesc(i) + 12, 0);
    const frame = withChecksums(ipv4Frame('udp', Array.from({ length: 900 }, () => 7)));
    for (let i = 0; i < 5; i++) board.link.deliver(frame);
    expect(board.eth.statistics.rxFifoOverflow).toBe(3);
    expect(board.eth.statistics.rxFifoOverflowWhileNoDescriptor).toBe(3);
    const counters = board.r(R.MTLRQMPOCR);
    expect(counters & 0x7ff).toBe(3);
    expect((counters >>> 16) & 0x7ff).toBe(3);
    expect(board.r(R.MTLRQMPOCR)).toBe(0);
  });
});

describe('ETH MMC counters and RX interrupt watchdog', () => {
  it('counts good unicast RX and good TX frames; freeze, reset-on-read and counter reset', () => {
    const board = new Board();
    board.start();
    const frame = () => withChecksums(ipv4Frame('udp', [1, 2, 3]));
    board.link.deliver(frame());
    board.w(R.MMCCR, 1 << 3); // CNTFREEZ
    board.link.deliver(frame());
    expect(board.r(R.MMCRUPGR)).toBe(1);
    board.w(R.MMCCR, 1 << 2); // RSTONRD
    board.rearmAll();
    board.link.deliver(frame());
    expect(board.r(R.MMCRUPGR)).toBe(2);
    expect(board.r(R.MMCRUPGR)).toBe(0);
    board.w(R.MMCCR, 0);
    board.send([ipv4Frame('udp', [1], HOST_MAC, BOARD_MAC).bytes]);
    board.bench.runSeconds(0.001);
    expect(board.r(R.MMCTPCGR)).toBe(1);
    board.w(R.MMCCR, 1); // CNTRST self-clears
    expect(board.r(R.MMCTPCGR)).toBe(0);
    expect(board.r(R.MMCCR) & 1).toBe(0);
  });

  it('raises RI from DMACRIWTR for frames closed without IOC, and traces closed descriptors', () => {
    const board = new Board();
    board.start();
    for (let i = 0; i < RING; i++) board.armRx(i, false);
    const lines: string[] = [];
    board.eth.dma.trace = (line) => lines.push(line);
    board.w(R.DMACRIWTR, 10 | (1 << 16)); // 10 × 512 HCLK cycles
    board.link.deliver(withChecksums(ipv4Frame('udp', [1, 2, 3])));
    expect(board.r(R.DMACSR) & DMACSR.RI).toBe(0);
    board.bench.runCycles(5120 + 2);
    expect(board.r(R.DMACSR) & DMACSR.RI).toBe(DMACSR.RI);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^RX desc @0x20000400 .* OWN=CPU FD\|LD\|RS1V\|RS2V PL=60 LT=1 PT=1 IPV4/);
  });
});

describe('ETH address filters', () => {
  function delivered(board: Board): number { return board.eth.statistics.rxDelivered; }
  function rearm(board: Board): void { board.rearmAll(); }

  it('drops unicast for another MAC unless promiscuous; takes broadcast unless DBF; multicast by PM or hash', () => {
    const board = new Board();
    board.start();
    const other = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
    const multicast = [0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb];
    const frame = (dst: number[]) => withChecksums(ipv4Frame('udp', [1, 2, 3], dst));
    board.link.deliver(frame(other));
    expect(delivered(board)).toBe(0);
    expect(board.eth.statistics.rxFilteredDestination).toBe(1);
    board.link.deliver(frame(BOARD_MAC));
    board.link.deliver(frame(BROADCAST));
    expect(delivered(board)).toBe(2);
    rearm(board);
    board.w(R.MACPFR, 1 << 5); // DBF
    board.link.deliver(frame(BROADCAST));
    expect(delivered(board)).toBe(2);
    board.link.deliver(frame(multicast));
    expect(delivered(board)).toBe(2);
    board.w(R.MACPFR, 1 << 4); // PM
    board.link.deliver(frame(multicast));
    expect(delivered(board)).toBe(3);
    rearm(board);
    // Hash filter: set exactly the bit the address hashes to.
    const index = hashIndex(new Uint8Array(multicast));
    board.w(index & 0x20 ? R.MACHT1R : R.MACHT0R, 1 << (index & 31));
    board.w(R.MACPFR, 1 << 2); // HMC
    board.link.deliver(frame(multicast));
    expect(delivered(board)).toBe(4);
    const rdes2 = board.desc(board.lastRx())[2]!;
    expect(rdes2 & (1 << 18)).toBe(1 << 18); // HF
    board.link.deliver(frame([0x01, 0x00, 0x5e, 0x00, 0x00, 0x01]));
    board.w(R.MACPFR, 1); // PR
    board.link.deliver(frame(other));
    expect(delivered(board)).toBe(5);
    // A second perfect filter (MACA1, AE) for another unicast address.
    rearm(board);
    board.w(R.MACPFR, 0);
    board.w(R.MACA1LR, 0x3322_1102);
    board.w(R.MACA1HR, (1 << 31) | 0x5544);
    board.link.deliver(frame(other));
    expect(delivered(board)).toBe(6);
    expect((board.desc(board.lastRx())[2]! >>> 19) & 0xff).toBe(1);
  });
});

describe('ETH robustness', () => {
  it('counts runts, pads short frames, flags oversize frames, and never throws on random frames', () => {
    const board = new Board();
    board.start();
    board.link.deliver(new Uint8Array(0));
    board.link.deliver(new Uint8Array(10));
    expect(board.eth.statistics.rxRunts).toBe(2);
    const arp = new Uint8Array([...BROADCAST, ...HOST_MAC, 0x08, 0x06, ...new Array(28).fill(1)]);
    board.link.deliver(arp);
    expect(board.eth.statistics.rxPaddedShort).toBe(1);
    expect(board.desc(board.rxDesc(0))[3]! & 0x7fff).toBe(60);
    const big = new Uint8Array(1600);
    big.set(BOARD_MAC);
    big.set([0x88, 0xb5], 12); // local experimental EtherType: no IP checksum to judge
    board.link.deliver(big);
    expect(board.eth.statistics.rxOversize).toBe(1);
    expect(board.eth.statistics.rxErrorDropped).toBe(1);
    board.w(R.MACCR, board.r(R.MACCR) | MACCR_JE);
    board.link.deliver(big);
    expect(board.eth.statistics.rxDelivered).toBe(2);
  });

  it('survives 10^4 random frames with the firmware re-arming descriptors', () => {
    const board = new Board();
    board.start({ maccr: MACCR_DM | MACCR_FES | MACCR_CST | MACCR_IPC });
    board.w(R.MACPFR, 1); // promiscuous: every frame goes the whole way through the MAC and DMA
    const random = seeded(0x5eed);
    const count = 10_000;
    for (let n = 0; n < count; n++) {
      const kind = random();
      let length = Math.floor(random() * 1600);
      if (kind < 0.05) length = Math.floor(random() * 20);
      if (kind > 0.98) length = 1600 + Math.floor(random() * 12000);
      const frame = new Uint8Array(length);
      for (let i = 0; i < length; i++) frame[i] = Math.floor(random() * 256);
      if (kind > 0.5 && length >= 15) {
        frame.set(BOARD_MAC);
        frame.set(random() < 0.5 ? [0x08, 0x00, 0x45] : [0x86, 0xdd, 0x60], 12);
      }
      expect(() => board.link.deliver(frame)).not.toThrow();
      if ((board.r(R.DMACSR) & DMACSR.RBU) !== 0 || n % 3 === 0) {
        board.w(R.DMACSR, 0xffff);
        board.rearmAll();
      }
    }
    // Every frame is accounted for exactly once.
    const s = board.eth.statistics;
    expect(s.rxFrames).toBe(count);
    expect(s.rxDelivered + s.rxRunts + s.rxErrorDropped + s.rxChecksumDropped + s.rxFifoOverflow + s.rxFilteredControl + board.eth.mtl.pending).toBe(count);
    expect(s.rxDelivered).toBeGreaterThan(count / 4);
    expect(s.rxOversize).toBeGreaterThan(0);
    expect(s.rxWatchdogTruncated).toBeGreaterThan(0);
  });
});

describe('ETH descriptor pretty-printer', () => {
  it('prints read and write-back formats with their flags', () => {
    expect(formatDescriptor('tx', 0x2000_0000, [0x2000_1000, 0, 0x8000_0040, OWN | FD | LD | (3 << 16) | 64]))
      .toMatch(/TX desc @0x20000000 .* OWN=DMA FD\|LD B1=0x20001000\+64 .* FL=64 CIC=3 CPC=0 IOC/);
    expect(formatDescriptor('rx', 0x2000_0400, [0x2000_8002, 0, 0, OWN | BUF1V | IOC_RX])).toMatch(/B1=0x20008002\(valid\).*IOC/);
    expect(formatDescriptor('rx', 0x2000_0400, [0, 0x11, 0, FD | LD | (1 << 16) | 98], true)).toMatch(/OWN=CPU FD\|LD PL=98 LT=1 PT=1 IPV4/);
  });
});

void MACCR_RE; void MACCR_TE; void STRIDE;
