// Fuzzers for issue #8: malformed inputs at every boundary the host feeds (Ethernet frames into the
// MAC, ELF images into the loader, frames and WebSocket messages into usernet, register writes from
// firmware, RSP packets into the GDB stub). Each target reports its inputs, crashes (host exceptions), hangs (one input over a wall
// time bound) and its slowest input; every input is reproducible from (seed, input number).
//
//   node --import tsx scripts/fuzz.ts [--target frames|elf|usernet|mmio|gdb|all] [--count N] [--seed S] [--hang-ms MS]
import { createServer, connect, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';
import { Simulation } from '../emulator/harness/simulation.js';
import { SetupError } from '../emulator/machine/machine.js';
import { ElfError } from '../emulator/elf/elf-file.js';
import { ManualNetClock } from '../emulator/net/net-clock.js';
import { UserNet } from '../emulator/net/usernet/usernet.js';
import { WebSocketSwitch } from '../emulator/net/websocket.js';
import {
  ETHERTYPE_ARP, ETHERTYPE_IPV4, IP_PROTO_ICMP, IP_PROTO_TCP, IP_PROTO_UDP, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN,
  buildArp, buildEthernet, buildIcmp, buildIpv4, buildTcp, buildUdp, parseArp, parseEthernet, parseIcmp, parseIp, parseIpv4, parseMac, parseUdp,
} from '../emulator/net/packet.js';
import { RegisterBlock } from '../peripherals/registers/register-block.js';
import type { EthernetMac } from '../peripherals/ethernet/eth.js';
import type { AccessRecord } from '../emulator/diagnostics/access-log.js';
import { fixture } from '../test/helpers/fixtures.js';
import { Machine } from '../emulator/machine/machine.js';
import { stm32h563 } from '../emulator/machine/stm32h563.js';
import { startGdbServer } from '../emulator/gdb/server.js';
import { PacketDecoder, encodePacket } from '../emulator/gdb/framing.js';
import { RspFuzzer, type ChunkKind } from '../test/gdb/rsp-fuzz.js';

// ---------------------------------------------------------------------------------------------
// Seeded generator: mulberry32. Input i of a run depends only on (seed, i), so one input replays alone.

export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  static forInput(seed: number, index: number): Random {
    return new Random(Math.imul(seed ^ 0x9e37_79b9, 0x85eb_ca6b) ^ Math.imul(index + 1, 0xc2b2_ae35));
  }

  next(): number {
    let t = (this.state = (this.state + 0x6d2b_79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.next() / 0x1_0000_0000) * n);
  }

  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Reports

export interface Finding {
  input: number;
  message: string;
}

export interface FuzzReport {
  target: string;
  seed: number;
  count: number;
  crashes: Finding[];
  hangs: Finding[];
  slowestMs: number;
  slowestInput: number;
  /** Checks after the run (accounting, liveness, invariants); each failed check is one line. */
  failures: string[];
  /** Numbers worth printing beside the summary. */
  notes: string[];
}

function newReport(target: string, seed: number): FuzzReport {
  return { target, seed, count: 0, crashes: [], hangs: [], slowestMs: 0, slowestInput: -1, failures: [], notes: [] };
}

/** Times one input; a host exception is a crash, a wall time over `hangMs` a hang. */
async function measure(report: FuzzReport, index: number, hangMs: number, body: () => void | Promise<void>): Promise<boolean> {
  const start = performance.now();
  let ok = true;
  try {
    await body();
  } catch (error) {
    ok = false;
    if (report.crashes.length < 20) report.crashes.push({ input: index, message: describeError(error) });
    else report.crashes.length++;
  }
  const elapsed = performance.now() - start;
  if (elapsed > report.slowestMs) {
    report.slowestMs = elapsed;
    report.slowestInput = index;
  }
  if (elapsed > hangMs) report.hangs.push({ input: index, message: `${elapsed.toFixed(0)} ms (bound ${hangMs} ms)` });
  return ok;
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

export function formatReport(report: FuzzReport): string {
  const slowest = report.slowestInput >= 0 ? `slowest ${report.slowestMs.toFixed(report.slowestMs < 10 ? 2 : 0)} ms (seed ${report.seed}, input #${report.slowestInput})` : 'no inputs';
  const lines = [`fuzz ${report.target}: ${report.count} inputs, ${report.crashes.length} crashes, ${report.hangs.length} hangs, ${slowest}`];
  for (const note of report.notes) lines.push(`  ${note}`);
  for (const crash of report.crashes.slice(0, 5)) lines.push(`  CRASH input #${crash.input}: ${crash.message.split('\n').slice(0, 8).join('\n    ')}`);
  for (const hang of report.hangs.slice(0, 5)) lines.push(`  HANG input #${hang.input}: ${hang.message}`);
  for (const failure of report.failures) lines.push(`  FAILED: ${failure}`);
  return lines.join('\n');
}

export function reportFailed(report: FuzzReport): boolean {
  return report.crashes.length > 0 || report.hangs.length > 0 || report.failures.length > 0;
}

export interface FuzzOptions {
  count: number;
  seed: number;
  /** Wall-time bound of one input. */
  hangMs?: number;
}

// ---------------------------------------------------------------------------------------------
// Frames: what the host can build, for the frames and usernet targets.

const GATEWAY_MAC = parseMac('52:55:0a:00:02:02');
const GATEWAY_IP = parseIp('10.0.2.2');
const DNS_IP = parseIp('10.0.2.3');
const GUEST_IP = parseIp('10.0.2.15');
const BROADCAST = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
const ETHERTYPE_IPV6 = 0x86dd;

function ipv4Frame(destination: Uint8Array, source: Uint8Array, from: number, to: number, protocol: number, payload: Uint8Array, id: number): Uint8Array {
  return buildEthernet(destination, source, ETHERTYPE_IPV4, buildIpv4(from, to, protocol, payload, id));
}

/** A BOOTP message with DHCP options (RFC 2131); `op` 1 = request, 2 = reply. */
function dhcpMessage(random: Random, op: number, type: number, clientMac: Uint8Array): Uint8Array {
  const options: number[] = [53, 1, type];
  const extra = random.below(4);
  for (let i = 0; i < extra; i++) {
    const code = random.pick([1, 3, 6, 12, 50, 51, 54, 55, 61, 255, 0, random.below(256)]);
    const length = random.below(12);
    options.push(code, length, ...random.bytes(length));
  }
  options.push(255);
  const message = new Uint8Array(240 + options.length);
  const view = new DataView(message.buffer);
  message[0] = op;
  message[1] = 1;
  message[2] = 6;
  view.setUint32(4, random.next());
  message.set(clientMac, 28);
  view.setUint32(236, 0x6382_5363);
  message.set(options, 240);
  return message;
}

function dnsQuery(random: Random): Uint8Array {
  const name = random.pick(['broker.local', 'example.com', 'a', '', 'x'.repeat(63), `${'y'.repeat(70)}.z`]);
  const labels: number[] = [];
  for (const label of name.split('.')) {
    if (label.length === 0) continue;
    labels.push(label.length & 0xff, ...Buffer.from(label));
  }
  // Compression pointers and loops: a query name pointing at itself or past the end.
  if (random.chance(0.2)) labels.push(0xc0, random.pick([12, 0, 0xff]));
  else labels.push(0);
  const message = new Uint8Array(12 + labels.length + 4);
  const view = new DataView(message.buffer);
  view.setUint16(0, random.next() & 0xffff);
  view.setUint16(2, random.chance(0.9) ? 0x0100 : random.next() & 0xffff);
  view.setUint16(4, random.chance(0.8) ? 1 : random.below(0x10000));
  view.setUint16(6, random.chance(0.8) ? 0 : random.below(0x10000));
  message.set(labels, 12);
  view.setUint16(12 + labels.length, random.pick([1, 28, 255, random.below(0x10000)]));
  view.setUint16(14 + labels.length, 1);
  return message;
}

function flipBit(random: Random, bytes: Uint8Array): void {
  const at = random.below(bytes.length);
  bytes[at] = bytes[at]! ^ (1 << random.below(8));
}

/** Damages a frame in one of the ways a broken or hostile network would. */
function mutateFrame(random: Random, frame: Uint8Array): Uint8Array {
  const kind = random.below(10);
  let out = new Uint8Array(frame);
  switch (kind) {
    case 0: // one byte changed (the commonest case: a valid frame with one bit of damage)
      if (out.length > 0) out[random.below(out.length)] = random.next() & 0xff;
      break;
    case 1: // truncated anywhere, including inside the IP or TCP header
      out = out.slice(0, random.below(out.length + 1));
      break;
    case 2: { // a VLAN stack of 1-4 tags (802.1Q and 802.1ad)
      const tags = 1 + random.below(4);
      const stack = new Uint8Array(tags * 4);
      for (let i = 0; i < tags; i++) {
        const tpid = random.pick([0x8100, 0x88a8, 0x9100]);
        stack[i * 4] = tpid >> 8;
        stack[i * 4 + 1] = tpid & 0xff;
        stack[i * 4 + 2] = random.next() & 0xff;
        stack[i * 4 + 3] = random.next() & 0xff;
      }
      const tagged = new Uint8Array(out.length + stack.length);
      tagged.set(out.subarray(0, 12));
      tagged.set(stack, 12);
      tagged.set(out.subarray(12), 12 + stack.length);
      out = tagged;
      break;
    }
    case 3: // IP version/IHL and total length garbage
      if (out.length > 18) {
        out[14] = random.chance(0.5) ? 0x40 | random.below(16) : random.next() & 0xff;
        out[16] = random.next() & 0xff;
        out[17] = random.next() & 0xff;
      }
      break;
    case 4: // checksum garbage in the IP header and in the L4 header
      if (out.length > 26) { out[24] = random.next() & 0xff; out[25] = random.next() & 0xff; }
      if (out.length > 51) { const at = 34 + random.pick([6, 16, 2]); out[at] = random.next() & 0xff; }
      break;
    case 5: { // giants: beyond 1518 bytes, jumbo sizes, the watchdog's 2048 and 16 KiB limits
      const length = random.pick([1515, 1518, 1519, 1522, 1523, 2000, 2048, 2049, 9018, 9023, 16384, 16400]);
      const giant = new Uint8Array(length);
      giant.set(out.subarray(0, Math.min(out.length, length)));
      giant.set(random.bytes(Math.max(0, length - out.length)), Math.min(out.length, length));
      out = giant;
      break;
    }
    case 6: // destination: broadcast, multicast, someone else
      if (out.length >= 6) out.set(random.pick([BROADCAST, new Uint8Array([0x01, 0x00, 0x5e, 0, 0, 1]), new Uint8Array([0x33, 0x33, 0, 0, 0, 1]), random.bytes(6)]), 0);
      break;
    case 7: // the 802.3 length/type field: a length (≤ 1500), MAC control, or anything
      if (out.length >= 14) {
        const type = random.pick([random.below(1501), 0x8808, 0x88cc, random.below(0x10000), 1536]);
        out[12] = type >> 8;
        out[13] = type & 0xff;
      }
      break;
    case 8: // several bytes flipped
      for (let i = random.below(8) + 1; i > 0 && out.length > 0; i--) flipBit(random, out);
      break;
    default: // runts and short frames
      out = out.slice(0, random.below(64));
  }
  return out;
}

/** A well-formed frame from the gateway to the firmware, of a random kind. */
function templateFrame(random: Random, guestMac: Uint8Array, id: number): Uint8Array {
  const kind = random.below(8);
  const port = 1024 + random.below(60000);
  switch (kind) {
    case 0: return buildEthernet(BROADCAST, GATEWAY_MAC, ETHERTYPE_ARP, buildArp(random.pick([1, 2]), GATEWAY_MAC, GATEWAY_IP, random.chance(0.5) ? guestMac : new Uint8Array(6), GUEST_IP));
    case 1: {
      const body = new Uint8Array(4 + random.below(64));
      body.set(random.bytes(body.length));
      return ipv4Frame(guestMac, GATEWAY_MAC, GATEWAY_IP, GUEST_IP, IP_PROTO_ICMP, buildIcmp(random.pick([8, 0, 3, 11, 13]), random.below(4), body), id);
    }
    case 2: return ipv4Frame(guestMac, GATEWAY_MAC, GATEWAY_IP, GUEST_IP, IP_PROTO_UDP, buildUdp(GATEWAY_IP, GUEST_IP, port, random.chance(0.7) ? 7 : random.below(0x10000), random.bytes(random.below(1400))), id);
    case 3: case 4: return ipv4Frame(guestMac, GATEWAY_MAC, GATEWAY_IP, GUEST_IP, IP_PROTO_TCP, buildTcp(GATEWAY_IP, GUEST_IP, {
      sourcePort: port, destinationPort: random.chance(0.8) ? 7 : random.below(0x10000), sequence: random.next(), acknowledgment: random.next(),
      flags: random.pick([TCP_SYN, TCP_ACK, TCP_ACK | TCP_PSH, TCP_FIN | TCP_ACK, TCP_RST, random.below(256)]),
      window: random.below(0x10000), mss: random.chance(0.3) ? random.below(0x10000) : undefined, payload: random.bytes(random.chance(0.5) ? 0 : random.below(1400)),
    }), id);
    case 5: return ipv4Frame(random.chance(0.5) ? BROADCAST : guestMac, GATEWAY_MAC, GATEWAY_IP, random.chance(0.5) ? GUEST_IP : 0xffff_ffff, IP_PROTO_UDP,
      buildUdp(GATEWAY_IP, GUEST_IP, 67, 68, dhcpMessage(random, 2, random.pick([2, 5, 6]), guestMac)), id);
    case 6: return ipv4Frame(guestMac, GATEWAY_MAC, DNS_IP, GUEST_IP, IP_PROTO_UDP, buildUdp(DNS_IP, GUEST_IP, 53, port, dnsQuery(random)), id);
    default: { // IPv6 with a random next header
      const payload = random.bytes(40 + random.below(200));
      payload[0] = 0x60;
      payload[4] = (payload.length - 40) >> 8;
      payload[5] = (payload.length - 40) & 0xff;
      payload[6] = random.pick([6, 17, 58, 0, 44]);
      return buildEthernet(random.chance(0.5) ? guestMac : new Uint8Array([0x33, 0x33, 0, 0, 0, 1]), GATEWAY_MAC, ETHERTYPE_IPV6, payload);
    }
  }
}

/** Input i of the frames target. */
export function fuzzFrame(seed: number, index: number, guestMac: Uint8Array): Uint8Array {
  const random = Random.forInput(seed, index);
  const roll = random.below(100);
  if (roll < 5) return random.bytes(random.below(14)); // runts
  if (roll < 15) return random.bytes(random.below(1600)); // noise
  const frame = templateFrame(random, guestMac, index & 0xffff);
  if (roll < 25) return frame; // valid
  return mutateFrame(random, frame);
}

// ---------------------------------------------------------------------------------------------
// Target 1: frames into the MAC's receive path while net-echo runs.
//
// net-echo boots on usernet (it needs DHCP), then we inject frames straight into the board's
// cable (HostEthernetLink.inject + deliverPending) between short runs of the CPU, so the firmware's
// driver and stack process what the MAC accepts. usernet stays attached (the firmware's replies
// and retransmissions go there) with an allow list that reaches no host service.

export async function fuzzFrames(options: FuzzOptions): Promise<FuzzReport> {
  const report = newReport('frames', options.seed);
  const hangMs = options.hangMs ?? 250;
  const sim = await Simulation.load(fixture('net-echo'), { net: 'user', timeMode: 'virtual', allow: ['127.255.255.254/32'] });
  try {
    const link = sim.machine.ethernet.get('ETH');
    const eth = sim.machine.models.get('ETH') as EthernetMac | undefined;
    if (!link || !eth) throw new Error('net-echo has no ETH link');
    let delivered = 0;
    let guestMac: Uint8Array | null = null;
    const replies: Uint8Array[] = [];
    link.tap((direction, frame) => {
      if (direction === 'rx') delivered++;
      else {
        guestMac ??= frame.slice(6, 12);
        if (frame.length >= 42 && frame[12] === 0x08 && frame[13] === 0x00 && frame[23] === IP_PROTO_ICMP && frame[34] === 0) replies.push(frame);
      }
    });
    await sim.uart().waitFor(/ECHO: ready/, { timeout: '30s' });
    if (!guestMac) throw new Error('net-echo sent nothing');
    const mac: Uint8Array = guestMac;
    const batch = 4;
    for (let index = 0; index < options.count; index++) {
      const frame = fuzzFrame(options.seed, index, mac);
      await measure(report, index, hangMs, () => {
        link.inject(frame);
        link.deliverPending();
      });
      report.count++;
      if (index % batch === batch - 1 || index === options.count - 1) {
        const start = performance.now();
        const result = await sim.runFor(0.0002);
        const elapsed = performance.now() - start;
        if (elapsed > hangMs * 4) report.hangs.push({ input: index, message: `the firmware's run after input #${index} took ${elapsed.toFixed(0)} ms` });
        if (result.reason !== 'timeout') {
          report.failures.push(`the firmware stopped after input #${index}: ${result.reason}${result.error ? ` ${describeError(result.error)}` : ''}`);
          break;
        }
      }
    }

    // Liveness: the firmware still answers a ping.
    const ping = new Uint8Array(4 + 16);
    ping.set([0x42, 0x42, 0x00, 0x01], 0);
    ping.set(Buffer.from('h5sim fuzz alive'), 4);
    replies.length = 0;
    link.inject(ipv4Frame(mac, GATEWAY_MAC, GATEWAY_IP, GUEST_IP, IP_PROTO_ICMP, buildIcmp(8, 0, ping), 0x4242));
    await sim.runUntil(() => replies.some((r) => r[38] === 0x42 && r[39] === 0x42), { timeout: '1s' });
    if (!replies.some((r) => r[38] === 0x42 && r[39] === 0x42)) report.failures.push('the firmware did not answer a ping after the fuzzing');

    // Accounting: every frame that reached the MAC is in exactly one bucket.
    const s = eth.statistics;
    const buckets = s.rxDroppedReceiverOff + s.rxRunts + s.rxFilteredDestination + s.rxFilteredSource + s.rxFilteredControl
      + s.rxErrorDropped + s.rxChecksumDropped + s.rxFifoOverflow + s.rxDelivered + eth.mtl.pending;
    if (s.rxFrames !== delivered) report.failures.push(`MAC counted ${s.rxFrames} frames, the link delivered ${delivered}`);
    if (buckets !== s.rxFrames) report.failures.push(`MAC buckets add up to ${buckets}, not rxFrames ${s.rxFrames}: ${JSON.stringify(s)}`);
    const overflow = sim.readRegister('ETH.MTLRQMPOCR');
    const expectedOverflow = Math.min(s.rxFifoOverflow, 0x7ff) | (s.rxFifoOverflow > 0x7ff ? 1 << 11 : 0);
    if ((overflow & 0xfff) !== expectedOverflow) report.failures.push(`MTLRQMPOCR.OVFPKTCNT ${overflow & 0xfff} but ${s.rxFifoOverflow} overflows`);
    const unicastGood = sim.readRegister('ETH.MMCRUPGR');
    const accepted = s.rxFrames - s.rxDroppedReceiverOff - s.rxRunts - s.rxFilteredDestination - s.rxFilteredSource - s.rxFilteredControl;
    if (unicastGood > accepted) report.failures.push(`MMCRUPGR ${unicastGood} exceeds the ${accepted} frames the filters accepted`);
    report.notes.push(`MAC: rx ${s.rxFrames} = delivered ${s.rxDelivered} + runts ${s.rxRunts} + filtered ${s.rxFilteredDestination}/${s.rxFilteredSource}/${s.rxFilteredControl}`
      + ` + error ${s.rxErrorDropped} + checksum ${s.rxChecksumDropped} + overflow ${s.rxFifoOverflow} + receiver off ${s.rxDroppedReceiverOff} + queued ${eth.mtl.pending}`
      + `; padded ${s.rxPaddedShort}, giants ${s.rxOversize}, watchdog-cut ${s.rxWatchdogTruncated}; MMCRUPGR ${unicastGood}, MTLRQMPOCR ${hex32(overflow)}`);
    report.notes.push(`firmware alive (answered a ping at ${sim.virtualSeconds.toFixed(2)} s virtual)`);
  } finally {
    await sim.close();
  }
  return report;
}

function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}

// ---------------------------------------------------------------------------------------------
// Target 2: mutated ELF images through Simulation.load, and a short run of those that load.

interface ElfLayout { phoff: number; phnum: number; shoff: number; shnum: number }

function elfLayout(bytes: Uint8Array): ElfLayout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { phoff: view.getUint32(28, true), phnum: view.getUint16(44, true), shoff: view.getUint32(32, true), shnum: view.getUint16(48, true) };
}

const HUGE = [0xffff_ffff, 0x8000_0000, 0x7fff_ffff, 0x1000_0000, 0x0100_0000, 0xffff_fff0, 0];

export function mutateElf(seed: number, index: number, base: Uint8Array): Uint8Array {
  const random = Random.forInput(seed, index);
  const layout = elfLayout(base);
  let out = new Uint8Array(base);
  const view = () => new DataView(out.buffer, out.byteOffset, out.byteLength);
  const rounds = 1 + random.below(3);
  for (let round = 0; round < rounds; round++) {
    const kind = random.below(9);
    if (kind === 0) {
      out = out.slice(0, random.below(out.length + 1));
    } else if (kind === 1 && out.length >= 52) { // ELF header bytes
      for (let i = 1 + random.below(3); i > 0; i--) out[random.below(52)] = random.next() & 0xff;
    } else if (kind === 2) { // a program header field
      const entry = layout.phoff + 32 * random.below(Math.max(1, layout.phnum)) + 4 * random.below(8);
      if (entry + 4 <= out.length) view().setUint32(entry, random.chance(0.5) ? random.pick(HUGE) : random.next(), true);
    } else if (kind === 3) { // a section header field
      const entry = layout.shoff + 40 * random.below(Math.max(1, layout.shnum)) + 4 * random.below(10);
      if (entry + 4 <= out.length) view().setUint32(entry, random.chance(0.5) ? random.pick(HUGE) : random.next(), true);
    } else if (kind === 4 && out.length >= 52) { // header counts, offsets and the string table index
      const field = random.pick([[28, 4], [32, 4], [42, 2], [44, 2], [46, 2], [48, 2], [50, 2], [24, 4]] as const);
      const value = random.pick([0, 1, 0xffff, 0xffff_ffff, random.next(), out.length, out.length - 1]);
      if (field[1] === 4) view().setUint32(field[0], value, true);
      else view().setUint16(field[0], value & 0xffff, true);
    } else if (kind === 5 && layout.phnum >= 2) { // overlapping segments: one segment's addresses copied onto another
      const a = layout.phoff + 32 * random.below(layout.phnum);
      const b = layout.phoff + 32 * random.below(layout.phnum);
      if (a + 32 <= out.length && b + 32 <= out.length) {
        view().setUint32(b + 8, view().getUint32(a + 8, true) + random.below(16), true);
        view().setUint32(b + 12, view().getUint32(a + 12, true) + random.below(16), true);
      }
    } else if (kind === 6) { // bytes flipped anywhere
      for (let i = 1 + random.below(16); i > 0 && out.length > 0; i--) flipBit(random, out);
    } else if (kind === 7 && out.length > 0) { // a run of garbage
      const at = random.below(out.length);
      out.set(random.bytes(Math.min(out.length - at, 1 + random.below(256))), at);
    } else { // the symbol and string tables: names past the end, huge values
      const at = layout.shoff > 0 && layout.shoff < out.length ? random.below(layout.shoff) : random.below(Math.max(1, out.length));
      if (at + 4 <= out.length) view().setUint32(at & ~3, random.pick(HUGE), true);
    }
  }
  return out;
}

const ELF_BASES = ['hello', 'core-exceptions', 'boot-clock'];

/** Runs ELF inputs [from, to) in this process, one JSON line per input on stdout (see fuzzElf). */
async function elfWorker(seed: number, from: number, to: number): Promise<void> {
  const bases = ELF_BASES.map((name) => readFileSync(fixture(name)));
  for (let index = from; index < to; index++) {
    const image = mutateElf(seed, index, bases[index % bases.length]!);
    process.stdout.write(`${JSON.stringify({ start: index })}\n`);
    const begin = performance.now();
    let outcome: string;
    let crash: string | undefined;
    try {
      let sim: Simulation | undefined;
      try {
        sim = await Simulation.load(image, { timeMode: 'virtual' });
      } catch (error) {
        if (!((error instanceof ElfError || error instanceof SetupError) && !error.message.includes('\n') && error.message.length > 0)) throw error;
      }
      if (!sim) outcome = 'rejected';
      else {
        try {
          const result = await sim.runFor(0.002);
          outcome = result.reason;
          if (result.reason === 'model-error') throw result.error instanceof Error ? result.error : new Error(`model error: ${String(result.error)}`);
        } finally {
          await sim.close();
        }
      }
    } catch (error) {
      outcome = 'crash';
      crash = describeError(error);
    }
    process.stdout.write(`${JSON.stringify({ done: index, outcome, crash, ms: performance.now() - begin })}\n`);
  }
}

/**
 * Each ELF input is loaded and run in a child process: a load or a run that never returns to the
 * event loop (the hang this target exists to find) cannot be timed out from inside. The child
 * reports every input; when one takes longer than the bound it is killed, the input recorded as a
 * hang, and a new child continues with the next input.
 */
export async function fuzzElf(options: FuzzOptions): Promise<FuzzReport> {
  const report = newReport('elf', options.seed);
  const hangMs = options.hangMs ?? 3000;
  for (const name of ELF_BASES) fixture(name);
  const outcomes = new Map<string, number>();
  let next = 0;
  while (next < options.count) {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--elf-worker', String(options.seed), String(next), String(options.count)],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let current = -1;
    let startedAt = performance.now();
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => { stderr = (stderr + data.toString()).slice(-4000); });
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      let message: { start?: number; done?: number; outcome?: string; crash?: string; ms?: number };
      try { message = JSON.parse(line) as typeof message; } catch { return; }
      if (message.start !== undefined) { current = message.start; startedAt = performance.now(); return; }
      if (message.done === undefined) return;
      report.count++;
      next = message.done + 1;
      current = -1;
      const ms = message.ms ?? 0;
      if (ms > report.slowestMs) { report.slowestMs = ms; report.slowestInput = message.done; }
      if (ms > hangMs) report.hangs.push({ input: message.done, message: `${ms.toFixed(0)} ms (bound ${hangMs} ms)` });
      outcomes.set(message.outcome ?? '?', (outcomes.get(message.outcome ?? '?') ?? 0) + 1);
      if (message.crash) report.crashes.push({ input: message.done, message: message.crash });
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let hung = false;
    const watchdog = setInterval(() => {
      if (current >= 0 && performance.now() - startedAt > hangMs) {
        hung = true;
        child.kill('SIGKILL');
      }
    }, 100);
    const code = await exited;
    clearInterval(watchdog);
    if (hung) {
      report.count++;
      report.hangs.push({ input: current, message: `no answer within ${hangMs} ms (child killed)` });
      outcomes.set('hang', (outcomes.get('hang') ?? 0) + 1);
      next = current + 1;
    } else if (next < options.count) {
      // The child died on its own in the middle of an input: a native crash.
      const at = current >= 0 ? current : next;
      report.count++;
      report.crashes.push({ input: at, message: `the process died (exit ${code}): ${stderr.trim().split('\n').slice(-6).join(' | ')}` });
      next = at + 1;
    }
  }
  report.notes.push(`outcomes: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')} (rejected = a one-line ElfError/SetupError; others loaded and ran 2 ms virtual)`);
  return report;
}

// ---------------------------------------------------------------------------------------------
// Target 3: usernet itself (frames from a hostile firmware) and its WebSocket server.

const GUEST_MAC = parseMac('02:00:00:00:00:15');

/** A malformed DHCP, DNS or TCP frame from the firmware to usernet; TCP only to `tcpPort`. */
export function usernetInput(seed: number, index: number, tcpPort: number): Uint8Array {
  const random = Random.forInput(seed, index);
  const kind = random.below(3);
  let frame: Uint8Array;
  if (kind === 0) {
    const dhcp = dhcpMessage(random, 1, random.pick([1, 3, 4, 7, 8, 0, 9]), GUEST_MAC);
    frame = ipv4Frame(BROADCAST, GUEST_MAC, random.chance(0.8) ? 0 : GUEST_IP, 0xffff_ffff, IP_PROTO_UDP, buildUdp(0, 0xffff_ffff, 68, 67, dhcp), index & 0xffff);
  } else if (kind === 1) {
    frame = ipv4Frame(GATEWAY_MAC, GUEST_MAC, GUEST_IP, random.chance(0.5) ? DNS_IP : parseIp('1.1.1.1'), IP_PROTO_UDP, buildUdp(GUEST_IP, DNS_IP, 1024 + random.below(60000), 53, dnsQuery(random)), index & 0xffff);
  } else {
    frame = ipv4Frame(GATEWAY_MAC, GUEST_MAC, GUEST_IP, GATEWAY_IP, IP_PROTO_TCP, buildTcp(GUEST_IP, GATEWAY_IP, {
      sourcePort: 40000 + random.below(16), destinationPort: tcpPort, sequence: random.next(), acknowledgment: random.next(),
      flags: random.pick([TCP_SYN, TCP_ACK, TCP_ACK | TCP_PSH, TCP_FIN | TCP_ACK, TCP_RST, TCP_SYN | TCP_FIN, random.below(256)]),
      window: random.below(0x10000), mss: random.chance(0.3) ? random.below(0x10000) : undefined, payload: random.bytes(random.chance(0.5) ? 0 : random.below(1460)),
    }), index & 0xffff);
  }
  if (random.chance(0.8)) frame = mutateFrame(random, frame);
  // A mutation must not aim TCP at some other host port: only our echo server may be reached.
  const headerLength = frame.length >= 34 ? (frame[14]! & 0x0f) * 4 : 0;
  const ip = frame.length >= 34 && frame[12] === 0x08 && frame[13] === 0x00 ? parseIpv4(frame.subarray(14)) : null;
  if (ip && ip.protocol === IP_PROTO_TCP && frame.length >= 14 + headerLength + 4) {
    const at = 14 + headerLength + 2;
    frame[at] = tcpPort >> 8;
    frame[at + 1] = tcpPort & 0xff;
  }
  // UDP to the gateway would be proxied to a host port: aim it at the DNS responder instead.
  if (ip && ip.protocol === IP_PROTO_UDP && ip.destination === GATEWAY_IP) frame.set([10, 0, 2, 3], 30);
  return frame;
}

function dhcpDiscover(): Uint8Array {
  const random = new Random(1);
  const message = dhcpMessage(random, 1, 1, GUEST_MAC);
  message.set([53, 1, 1, 255], 240);
  return ipv4Frame(BROADCAST, GUEST_MAC, 0, 0xffff_ffff, IP_PROTO_UDP, buildUdp(0, 0xffff_ffff, 68, 67, message.subarray(0, 244)), 1);
}

function arpForGateway(): Uint8Array {
  return buildEthernet(BROADCAST, GUEST_MAC, ETHERTYPE_ARP, buildArp(1, GUEST_MAC, GUEST_IP, new Uint8Array(6), GATEWAY_IP));
}

function isArpReply(frame: Uint8Array): boolean {
  const ethernet = parseEthernet(frame);
  if (!ethernet || ethernet.etherType !== ETHERTYPE_ARP) return false;
  const arp = parseArp(ethernet.payload);
  return arp !== null && arp.operation === 2 && arp.senderIp === GATEWAY_IP;
}

function isDhcpOffer(frame: Uint8Array): boolean {
  const ethernet = parseEthernet(frame);
  const ip = ethernet && ethernet.etherType === ETHERTYPE_IPV4 ? parseIpv4(ethernet.payload) : null;
  if (!ip || ip.protocol !== IP_PROTO_UDP) return false;
  const udp = parseUdp(ip.payload, ip);
  if (!udp || udp.destinationPort !== 68) return false;
  const options = udp.payload.subarray(240);
  return options[0] === 53 && options[2] === 2;
}

async function echoServer(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (data) => socket.write(data));
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0, sockets };
}

export async function fuzzUsernet(options: FuzzOptions & { websocketCount?: number }): Promise<FuzzReport> {
  const report = newReport('usernet', options.seed);
  const hangMs = options.hangMs ?? 250;
  const echo = await echoServer();
  const clock = new ManualNetClock();
  const internalErrors: string[] = [];
  const net = new UserNet({
    clock, allow: ['127.0.0.1/32'], connectionRate: 1000, maxConnections: 64,
    log: (message) => { if (message.includes('internal error')) internalErrors.push(message); },
  });
  const received: Uint8Array[] = [];
  net.onReceive((frame) => { if (received.length < 64) received.push(frame); });
  try {
    // Frames from a hostile firmware.
    for (let index = 0; index < options.count; index++) {
      const frame = usernetInput(options.seed, index, echo.port);
      const before = internalErrors.length;
      await measure(report, index, hangMs, () => {
        net.send(frame);
        if (index % 16 === 15) clock.advance(0.05);
        if (internalErrors.length > before) throw new Error(internalErrors[internalErrors.length - 1]);
      });
      report.count++;
      if (index % 64 === 63) { received.length = 0; await new Promise((resolve) => setImmediate(resolve)); }
    }
    clock.advance(300);
    await new Promise((resolve) => setTimeout(resolve, 50));
    received.length = 0;
    net.send(arpForGateway());
    net.send(dhcpDiscover());
    if (!received.some(isArpReply)) report.failures.push('usernet did not answer an ARP request for the gateway after the fuzzing');
    if (!received.some(isDhcpOffer)) report.failures.push('usernet did not answer a DHCP DISCOVER after the fuzzing');
    report.notes.push(`frames: ${options.count} DHCP/DNS/TCP inputs; ${net.openConnections} connections open afterwards; ARP and DHCP answered`);

    // WebSocket messages into a switch whose other port is usernet.
    const ws = await fuzzWebSocket(options.seed, options.websocketCount ?? options.count, hangMs * 20, report);
    report.notes.push(ws);
  } finally {
    await net.close();
    for (const socket of echo.sockets) socket.destroy();
    await new Promise<void>((resolve) => echo.server.close(() => resolve()));
  }
  return report;
}

function openClient(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const client = new WebSocket(`ws://127.0.0.1:${port}/`);
    client.once('open', () => resolve(client));
    client.once('error', reject);
  });
}

/** One raw WebSocket frame (RFC 6455 §5.2), masked or not, with any header values. */
function rawWebSocketFrame(random: Random): Uint8Array {
  const payload = random.bytes(random.below(200));
  const first = random.pick([0x82, 0x81, 0x80, 0x02, 0x88, 0x89, 0x8a, 0x83, 0x8b, 0xc2, 0xf2, random.below(256)]);
  const masked = random.chance(0.8);
  const header: number[] = [first];
  const lengthForm = random.below(4);
  const declared = lengthForm === 3 ? random.pick([0x7fff_ffff, payload.length + 10, 0]) : payload.length;
  if (lengthForm === 0 && declared < 126) header.push((masked ? 0x80 : 0) | declared);
  else if (lengthForm <= 1 || declared < 0x10000) header.push((masked ? 0x80 : 0) | 126, (declared >> 8) & 0xff, declared & 0xff);
  else header.push((masked ? 0x80 : 0) | 127, 0, 0, 0, 0, (declared >>> 24) & 0xff, (declared >> 16) & 0xff, (declared >> 8) & 0xff, declared & 0xff);
  const mask = masked ? random.bytes(4) : new Uint8Array(0);
  const body = new Uint8Array(payload);
  if (masked) for (let i = 0; i < body.length; i++) body[i]! ^= mask[i & 3]!;
  const out = new Uint8Array(header.length + mask.length + body.length);
  out.set(header);
  out.set(mask, header.length);
  out.set(body, header.length + mask.length);
  return random.chance(0.2) ? out.slice(0, random.below(out.length + 1)) : out;
}

/** Opens a raw upgrade, writes one malformed frame, and waits until the server closes or 30 ms pass. */
function rawMalformed(port: number, frame: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let upgraded = false;
    const done = () => { clearTimeout(timer); socket.destroy(); resolve(); };
    const timer = setTimeout(done, 30);
    socket.on('error', done);
    socket.on('close', done);
    socket.on('connect', () => socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ZnV6ei1oNXNpbS0xMjM0NQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`));
    socket.on('data', (data) => {
      if (upgraded) return;
      upgraded = true;
      if (!data.toString('latin1').startsWith('HTTP/1.1 101')) { done(); return; }
      socket.write(frame);
    });
  });
}

async function fuzzWebSocket(seed: number, count: number, hangMs: number, report: FuzzReport): Promise<string> {
  const clock = new ManualNetClock();
  const internalErrors: string[] = [];
  const peerErrors: string[] = [];
  const net = new UserNet({ clock, allow: ['127.255.255.254/32'], log: (message) => { if (message.includes('internal error')) internalErrors.push(message); } });
  const hub = new WebSocketSwitch({ port: 0, log: (message) => peerErrors.push(message) });
  await hub.ready();
  hub.connect(net);
  let client = await openClient(hub.port);
  let reconnects = 0;
  let raw = 0;
  const base = report.count;
  try {
    for (let index = 0; index < count; index++) {
      const random = Random.forInput(seed ^ 0x5753, index);
      await measure(report, base + index, hangMs, async () => {
        const roll = random.below(100);
        if (roll < 10) {
          raw++;
          await rawMalformed(hub.port, rawWebSocketFrame(random));
        } else {
          if (client.readyState !== WebSocket.OPEN) { client = await openClient(hub.port); reconnects++; }
          if (roll < 15) client.send(random.bytes(random.below(64)).toString(), { binary: false });
          else if (roll < 17) client.send(random.bytes(16 * 1024 + 1 + random.below(4096)), { binary: true }); // over the server's maxPayload: it closes us
          else if (roll < 30) client.send(random.bytes(random.below(20)), { binary: true });
          else client.send(fuzzFrame(seed, index, GATEWAY_MAC), { binary: true });
          if (index % 50 === 49) await new Promise<void>((resolve) => { client.once('pong', () => resolve()); client.once('close', () => resolve()); client.ping(); });
        }
        if (internalErrors.length > 0) throw new Error(internalErrors.splice(0).join('\n'));
      });
      report.count++;
    }
    // The port still answers: an ARP request through the switch gets usernet's reply.
    if (client.readyState !== WebSocket.OPEN) client = await openClient(hub.port);
    const answered = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 2000);
      client.on('message', (data: Buffer) => { if (isArpReply(new Uint8Array(data))) { clearTimeout(timer); resolve(true); } });
      client.send(arpForGateway(), { binary: true });
    });
    if (!answered) report.failures.push('the WebSocket switch did not pass an ARP reply from usernet after the fuzzing');
    client.close();
  } finally {
    await hub.close();
  }
  return `websocket: ${count} messages (${raw} raw malformed frames on their own connections, ${reconnects} reconnects after the server closed us), ${peerErrors.length} peer errors logged, ARP answered through the switch`;
}

// ---------------------------------------------------------------------------------------------
// Target 4: the fuzz-mmio firmware writes random values into every modelled block.

/** Registers whose value has bits set outside every declared field (reserved bits must read 0). */
export function reservedBitViolations(sim: Simulation): string[] {
  const out: string[] = [];
  for (const [name, model] of sim.machine.models) {
    const regs = (model as { regs?: unknown }).regs;
    if (!(regs instanceof RegisterBlock)) continue;
    for (const spec of regs.specs) {
      if (!spec.fields || spec.fields.length === 0) continue;
      let mask = 0;
      for (const field of spec.fields) mask |= (field.width ?? 1) >= 32 ? 0xffff_ffff : (((1 << (field.width ?? 1)) - 1) << field.bit);
      const value = model.peek(spec.offset, 4) >>> 0;
      const reserved = (value & ~mask) >>> 0;
      if (reserved !== 0) out.push(`${name}.${spec.name} = ${hex32(value)} (reserved bits ${hex32(reserved)})`);
    }
  }
  return out;
}

/** Every register of every register-table model as peek reads it (no side effects). */
function registerSnapshot(sim: Simulation): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, model] of sim.machine.models) {
    const regs = (model as { regs?: unknown }).regs;
    if (!(regs instanceof RegisterBlock)) continue;
    for (const spec of regs.specs) out.set(`${name}.${spec.name}`, model.peek(spec.offset, 4) >>> 0);
  }
  return out;
}

/** The blocks the fuzz-mmio firmware writes to (its `blocks` table), by bus address. */
const FUZZED_BLOCKS = ['TIM2', 'TIM6', 'WWDG', 'IWDG', 'USART2', 'USART3', 'TIM1', 'USART1', 'FLASH', 'CRC', 'ETH', 'ICACHE',
  'GPIOA', 'GPIOB', 'GPIOC', 'GPIOD', 'GPIOE', 'GPIOF', 'GPIOG', 'GPIOH', 'GPIOI', 'HASH', 'RNG', 'PKA', 'SBS', 'RTC', 'TAMP',
  'PWR', 'RCC', 'EXTI'];

/**
 * Runs the fuzz-mmio firmware: `count` pseudo-random writes (1e6: fuzz-mmio.elf, fewer: the small
 * variant of 2e4) into every block above. Random writes enable and then mishandle the watchdogs,
 * which reset the chip (legitimate guest behaviour, kept in): the firmware keeps its progress in
 * .noinit and resumes after each reset, and the host counts writes across resets. An input is one
 * write; its time is the wall time until the next write (the write, its side effects, a reset it
 * caused, the loop around it). Checks afterwards: the firmware's summary says `count` writes;
 * every block received writes; resets counted by the firmware equal the machine's; every
 * guest-error line names a register; no reserved bit is set; and a system reset brings every
 * register (outside the backup domain) back to what it reads after power-on.
 */
export async function fuzzMmio(options: FuzzOptions & { small?: boolean }): Promise<FuzzReport> {
  const report = newReport('mmio', options.seed);
  const image = fixture(options.small ? 'fuzz-mmio-small' : 'fuzz-mmio');
  const hangMs = options.hangMs ?? 2000;
  const records: AccessRecord[] = [];
  let logLines = 0;
  const sim = await Simulation.load(image, { timeMode: 'virtual' });
  sim.machine.log.setSink((_line, record) => { logLines++; if (records.length < 100_000) records.push(record); });
  const atReset = new Set(reservedBitViolations(sim));
  const powerOn = registerSnapshot(sim);
  const perBlock = new Map<string, number>(FUZZED_BLOCKS.map((name) => [name, 0]));
  const resetReasons = new Map<string, number>();
  let resetsSeen = sim.machine.resetCount;
  let writes = 0;
  let lastWriteAt = performance.now();
  const stopObserving = sim.machine.bus.observeAccesses((access, _address, _size, _value, peripheral) => {
    if (access !== 'write') return;
    const count = perBlock.get(peripheral.name);
    if (count === undefined) return; // boot code (SCB, the fault handlers' CFSR writes)
    perBlock.set(peripheral.name, count + 1);
    const now = performance.now();
    const elapsed = now - lastWriteAt;
    lastWriteAt = now;
    if (writes > 0) {
      if (elapsed > report.slowestMs) { report.slowestMs = elapsed; report.slowestInput = writes - 1; }
      if (elapsed > hangMs && report.hangs.length < 20) report.hangs.push({ input: writes - 1, message: `${elapsed.toFixed(0)} ms until the next write (bound ${hangMs} ms)` });
    }
    writes++;
    if (sim.machine.resetCount !== resetsSeen) {
      const reason = sim.machine.lastResetReason ?? '?';
      resetReasons.set(reason, (resetReasons.get(reason) ?? 0) + sim.machine.resetCount - resetsSeen);
      resetsSeen = sim.machine.resetCount;
    }
  });
  try {
    // Random RCC writes slow SYSCLK to kHz, where the harness's 20 ms virtual chunks hold a few
    // hundred instructions each; the core runs here in slices of instructions instead.
    let exit: { reason: string; exitCode?: number } = { reason: 'none' };
    const runStart = performance.now();
    try {
      for (let cycles = 0; ;) {
        if (cycles >= 4e9) { exit = { reason: 'cycle limit (4e9 instructions)' }; break; }
        const { cycles: ran, stop } = sim.machine.core.run(5_000_000);
        cycles += Math.max(1, ran);
        if (performance.now() - lastWriteAt > hangMs) {
          report.hangs.push({ input: writes, message: `no write for ${(performance.now() - lastWriteAt).toFixed(0)} ms at PC ${hex32(sim.readRegister('pc'))} <${sim.describeAddress(sim.readRegister('pc')) ?? '?'}>` });
          exit = { reason: 'hang' };
          break;
        }
        if (stop.kind === 'budget') continue;
        exit = stop.kind === 'exit' ? { reason: 'exit', exitCode: stop.code } : { reason: stop.kind };
        if (stop.kind === 'model-error') throw stop.error;
        break;
      }
    } catch (error) {
      report.crashes.push({ input: writes, message: describeError(error) });
    }
    stopObserving();
    const wall = (performance.now() - runStart) / 1000;
    const match = /fuzz-mmio: writes (\d+) faults (\d+) resets (\d+)/.exec(sim.consoleText);
    report.count = match ? Number(match[1]) : 0;
    if (exit.reason !== 'exit' || exit.exitCode !== 0) report.failures.push(`fuzz-mmio ended with ${exit.reason} ${exit.exitCode ?? ''}: ${sim.consoleText.slice(-300)}`);
    if (!match) report.failures.push('fuzz-mmio printed no summary');
    else if (report.count !== (options.small ? 20_000 : 1_000_000)) report.failures.push(`the firmware made ${report.count} writes, its build asks for ${options.small ? 20_000 : 1_000_000}`);
    const machineResets = sim.machine.resetCount - 1;
    if (match && Number(match[3]) !== machineResets) report.failures.push(`the firmware counted ${match[3]} resets, the machine performed ${machineResets}`);
    const idle = [...perBlock].filter(([, n]) => n === 0).map(([name]) => name);
    if (idle.length > 0) report.failures.push(`no write reached ${idle.join(', ')}`);
    if (match && writes + Number(match[2]) + machineResets < report.count) report.failures.push(`only ${writes} writes reached a model (${match[2]} faulted, ${machineResets} resets)`);
    const unnamed = records.filter((r) => r.kind === 'guest-error' && !r.register);
    const unnamedKinds = [...new Set(unnamed.map((r) => `${r.peripheral}: ${r.message}`))];
    if (unnamedKinds.length > 0) report.failures.push(`${unnamed.length} guest-error lines name no register: ${unnamedKinds.slice(0, 6).join(' | ')}`);
    const after = reservedBitViolations(sim);
    const fresh = after.filter((v) => !atReset.has(v.replace(/ = .*/, '')) && ![...atReset].some((r) => r.startsWith(v.replace(/ = .*/, ''))));
    if (fresh.length > 0) report.failures.push(`reserved bits set after the run: ${fresh.slice(0, 8).join('; ')}${fresh.length > 8 ? ` (+${fresh.length - 8})` : ''}`);
    if (atReset.size > 0) report.failures.push(`reserved bits set at reset (table or model bug): ${[...atReset].slice(0, 8).join('; ')}`);
    const hz = sim.machine.clock.frequencyHz;
    if (!Number.isFinite(hz) || hz <= 0) report.failures.push(`SYSCLK is ${hz} Hz after the run`);
    // A system reset must bring back the power-on state, whatever the writes did. The backup
    // domain (RTC, TAMP, RCC_BDCR) keeps its state through a system reset, and RCC_RSR records it.
    sim.machine.reset('fuzz: reset check');
    const afterReset = registerSnapshot(sim);
    const survivors = [...powerOn].filter(([name, value]) => afterReset.get(name) !== value && !/^(RTC|TAMP)\.|^RCC\.(BDCR|RSR)$/.test(name))
      .map(([name, value]) => `${name} ${hex32(afterReset.get(name) ?? 0)} (power-on ${hex32(value)})`);
    if (survivors.length > 0) report.failures.push(`registers that a system reset does not restore: ${survivors.slice(0, 8).join('; ')}${survivors.length > 8 ? ` (+${survivors.length - 8})` : ''}`);
    const reasons = [...resetReasons].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${n} ${reason}`).join(', ');
    // A watchdog timeout between the firmware's store and its progress update makes it skip one
    // write on resuming; the host's count is what reached the models.
    report.notes.push(`${match ? `${match[1]} writes counted by the firmware (${writes} reached a model, ${match[2]} faulted and were skipped), ${match[3]} resets` : 'no summary'}; ${wall.toFixed(1)} s wall, ${sim.virtualSeconds.toFixed(2)} s virtual, SYSCLK ${(hz / 1e3).toFixed(1)} kHz at the end`);
    report.notes.push(`resets: ${reasons || 'none'}`);
    report.notes.push(`writes per block: ${[...perBlock].map(([name, n]) => `${name} ${n}`).join(', ')}`);
    report.notes.push(`${logLines} log lines (${records.filter((r) => r.kind === 'guest-error').length} guest errors, ${records.filter((r) => r.kind === 'unimplemented').length} unimplemented)`);
  } finally {
    await sim.close();
  }
  return report;
}

// ---------------------------------------------------------------------------------------------
// GDB: random and mutated RSP traffic (test/gdb/rsp-fuzz.ts: wrong checksums, overlong packets,
// binary junk, unknown commands, Ctrl-C, truncated packets, absurd lengths in m/M/X) over TCP into
// the stub, which is attached to gdb-target.elf on a machine. After each input the stub must still
// answer a valid `?` (preceded by Ctrl-C, in case the input set the target running) within
// `hangMs`: an input after which it does not is a hang (a wedged stub). A handler that throws
// (the session catches it and logs) counts as a crash.

const PROBE = Uint8Array.from([0x03, ...encodePacket('?')]);
const STOP_REPLY = /^[TSW][0-9a-f]{2}/;

export async function fuzzGdb(options: FuzzOptions): Promise<FuzzReport> {
  const report = newReport('gdb', options.seed);
  const hangMs = options.hangMs ?? 3000;
  const machine = new Machine(stm32h563, { console: () => {}, logSink: () => {} });
  const image = fixture('gdb-target');
  machine.loadElf(readFileSync(image), image);
  machine.reset();
  const handlerErrors: Array<{ input: number; line: string }> = [];
  let current = -1;
  let ignoredWhileRunning = 0;
  const server = await startGdbServer({
    machine, listen: '127.0.0.1:0', chunkCycles: 200_000,
    log: (line) => {
      if (line.includes('error handling packet') || line.includes('framing error') || line.includes('target error')) handlerErrors.push({ input: current, line });
      else if (line.includes('while running')) ignoredWhileRunning++;
    },
  });
  const kinds = new Map<ChunkKind, number>();
  const replyKinds = { stop: 0, ok: 0, error: 0, empty: 0, other: 0 };
  let reconnects = 0;
  let replies: string[] = [];
  let socket: Socket | null = null;
  let closed = false;
  const open = async () => {
    const client = new PacketDecoder(() => {});
    const next = connect(server.port, '127.0.0.1');
    next.setNoDelay(true);
    await new Promise<void>((resolve, reject) => { next.once('connect', () => resolve()); next.once('error', reject); });
    next.on('data', (data: Buffer) => {
      for (const event of client.feed(new Uint8Array(data))) {
        if (event.kind !== 'packet') continue;
        const text = Buffer.from(event.payload).toString('latin1');
        replies.push(text);
        if (STOP_REPLY.test(text)) replyKinds.stop++;
        else if (text === 'OK') replyKinds.ok++;
        else if (/^E[0-9a-f]{2}/i.test(text)) replyKinds.error++;
        else if (text === '') replyKinds.empty++;
        else replyKinds.other++;
      }
    });
    next.on('error', () => {});
    next.on('close', () => { if (socket === next) closed = true; });
    socket = next;
    closed = false;
  };
  const write = async (bytes: Uint8Array) => {
    if (!socket!.write(bytes)) await new Promise((resolve) => socket!.once('drain', resolve));
  };
  /** Ctrl-C and `?` until a stop reply arrives; false after `hangMs`. */
  const alive = async (): Promise<boolean> => {
    const started = performance.now();
    while (performance.now() - started < hangMs) {
      if (closed) { reconnects++; await open(); }
      replies = [];
      await write(PROBE);
      const sent = performance.now();
      while (performance.now() - sent < 25) {
        if (replies.some((r) => STOP_REPLY.test(r))) return true;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return false;
  };
  try {
    await open();
    let wedged = false;
    for (let index = 0; index < options.count && !wedged; index++) {
      current = index;
      const fuzzer = new RspFuzzer(Random.forInput(options.seed, index).next() || 1);
      const chunk = fuzzer.next();
      kinds.set(fuzzer.lastKind, (kinds.get(fuzzer.lastKind) ?? 0) + 1);
      await measure(report, index, hangMs, async () => {
        if (closed) { reconnects++; await open(); }
        await write(chunk);
        if (!(await alive())) {
          wedged = true;
          report.hangs.push({ input: index, message: `the stub answered no \`?\` within ${hangMs} ms after ${fuzzer.lastKind} input ${JSON.stringify(Buffer.from(chunk.subarray(0, 80)).toString('latin1'))}` });
        }
      });
      // measure() has also timed the wedged input out; the line above says more.
      if (wedged) {
        const first = report.hangs.findIndex((hang) => hang.input === index);
        report.hangs = report.hangs.filter((hang, i) => hang.input !== index || i === first);
      }
      report.count++;
      if (index % 10_000 === 0 && index > 0 && process.stdout.isTTY) process.stdout.write(`\r  gdb ${index}/${options.count}`);
    }
    for (const error of handlerErrors.slice(0, 20)) report.crashes.push({ input: error.input, message: error.line });
    if (handlerErrors.length > 20) report.crashes.length = handlerErrors.length;
    const counted = [...kinds].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind} ${n}`).join(', ');
    report.notes.push(`inputs: ${counted}`);
    report.notes.push(`stub replies: ${replyKinds.stop} stop, ${replyKinds.ok} OK, ${replyKinds.error} E.., ${replyKinds.empty} empty (unsupported), ${replyKinds.other} other; ` +
      `${ignoredWhileRunning} packets ignored while running; ${reconnects} reconnects; firmware at ${machine.symbols.describe(machine.engine.readRegister(15)) ?? 'an unnamed address'}`);
  } finally {
    (socket as Socket | null)?.destroy();
    await server.close();
    machine.close();
  }
  return report;
}

// ---------------------------------------------------------------------------------------------

const DEFAULT_COUNTS: Record<string, number> = { frames: 1_000_000, elf: 10_000, usernet: 10_000, mmio: 1_000_000, gdb: 100_000 };

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--elf-worker') {
    await elfWorker(Number(argv[1]), Number(argv[2]), Number(argv[3]));
    return 0;
  }
  let target = 'all';
  let count: number | undefined;
  let seed = 7;
  let hangMs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--target' && value) { target = value; i++; }
    else if (arg === '--count' && value) { count = Number(value); i++; }
    else if (arg === '--seed' && value) { seed = Number(value) >>> 0; i++; }
    else if (arg === '--hang-ms' && value) { hangMs = Number(value); i++; }
    else {
      process.stderr.write('usage: fuzz.ts [--target frames|elf|usernet|mmio|gdb|all] [--count N] [--seed S] [--hang-ms MS]\n');
      return 2;
    }
  }
  const targets = target === 'all' ? ['frames', 'elf', 'usernet', 'mmio', 'gdb'] : [target];
  let failed = false;
  for (const name of targets) {
    const n = count ?? DEFAULT_COUNTS[name];
    if (n === undefined || !Number.isFinite(n)) { process.stderr.write(`unknown target ${name}\n`); return 2; }
    const started = performance.now();
    let report: FuzzReport;
    if (name === 'frames') report = await fuzzFrames({ count: n, seed, hangMs });
    else if (name === 'elf') report = await fuzzElf({ count: n, seed, hangMs });
    else if (name === 'usernet') report = await fuzzUsernet({ count: n, seed, hangMs });
    else if (name === 'gdb') report = await fuzzGdb({ count: n, seed, hangMs });
    else report = await fuzzMmio({ count: n, seed, hangMs, small: n < 1_000_000 });
    process.stdout.write(`${formatReport(report)}\n  (${((performance.now() - started) / 1000).toFixed(1)} s wall)\n`);
    failed ||= reportFailed(report);
  }
  return failed ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    process.stderr.write(`fuzz: ${describeError(error)}\n`);
    process.exit(1);
  });
}
