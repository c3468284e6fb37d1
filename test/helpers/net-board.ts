// A scripted "firmware side" for network tests: crafts the frames a board would send and parses
// what comes back, without any CPU. Timing is driven by the test (clock.advance, waitFor).
import type { FramePort } from '../../emulator/net/frame-port.js';
import {
  ETHERTYPE_ARP, ETHERTYPE_IPV4, IP_PROTO_ICMP, IP_PROTO_TCP, IP_PROTO_UDP, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN,
  buildArp, buildEthernet, buildIcmp, buildIpv4, buildTcp, buildUdp, parseArp, parseEthernet, parseIcmp, parseIpv4,
  parseMac, parseTcp, parseUdp, seqAdd, type ArpPacket, type IcmpMessage, type Ipv4Packet, type TcpFields, type TcpSegment, type UdpDatagram,
} from '../../emulator/net/packet.js';

export const BOARD_MAC = parseMac('02:00:00:12:34:56');
export const GATEWAY_MAC = parseMac('52:55:0a:00:02:02');

export interface Received {
  frame: Uint8Array;
  ip?: Ipv4Packet;
  arp?: ArpPacket;
  udp?: UdpDatagram;
  tcp?: TcpSegment;
  icmp?: IcmpMessage;
}

export function decode(frame: Uint8Array): Received {
  const out: Received = { frame };
  const ethernet = parseEthernet(frame);
  if (!ethernet) return out;
  if (ethernet.etherType === ETHERTYPE_ARP) {
    const arp = parseArp(ethernet.payload);
    if (arp) out.arp = arp;
    return out;
  }
  const ip = parseIpv4(ethernet.payload);
  if (!ip) return out;
  out.ip = ip;
  if (ip.protocol === IP_PROTO_UDP) { const udp = parseUdp(ip.payload, ip); if (udp) out.udp = udp; }
  if (ip.protocol === IP_PROTO_TCP) { const tcp = parseTcp(ip.payload, ip); if (tcp) out.tcp = tcp; }
  if (ip.protocol === IP_PROTO_ICMP) { const icmp = parseIcmp(ip.payload); if (icmp) out.icmp = icmp; }
  return out;
}

export async function waitFor<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = 3000): Promise<T> {
  const start = performance.now();
  for (;;) {
    const value = probe();
    if (value) return value;
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export class ScriptedBoard {
  readonly inbox: Received[] = [];
  ip = 0;
  private id = 1;

  constructor(readonly port: FramePort, readonly mac: Uint8Array = BOARD_MAC) {
    port.onReceive((frame) => this.inbox.push(decode(Uint8Array.from(frame))));
  }

  /** Removes and returns the first received frame matching `match`. */
  take(match: (r: Received) => boolean): Received | undefined {
    const index = this.inbox.findIndex(match);
    return index < 0 ? undefined : this.inbox.splice(index, 1)[0];
  }

  sendRaw(frame: Uint8Array): void {
    this.port.send(frame);
  }

  sendArpRequest(targetIp: number): void {
    this.port.send(buildEthernet(new Uint8Array(6).fill(0xff), this.mac, ETHERTYPE_ARP, buildArp(1, this.mac, this.ip, new Uint8Array(6), targetIp)));
  }

  sendIp(destination: number, protocol: number, payload: Uint8Array, source = this.ip, destinationMac = GATEWAY_MAC): void {
    this.port.send(buildEthernet(destinationMac, this.mac, ETHERTYPE_IPV4, buildIpv4(source, destination, protocol, payload, this.id++)));
  }

  sendUdp(destination: number, sourcePort: number, destinationPort: number, payload: Uint8Array, source = this.ip, destinationMac = GATEWAY_MAC): void {
    this.sendIp(destination, IP_PROTO_UDP, buildUdp(source, destination, sourcePort, destinationPort, payload), source, destinationMac);
  }

  sendTcp(destination: number, fields: TcpFields): void {
    this.sendIp(destination, IP_PROTO_TCP, buildTcp(this.ip, destination, fields));
  }

  sendPing(destination: number, identifier: number, sequence: number, data: Uint8Array): void {
    const body = new Uint8Array(4 + data.length);
    body[0] = identifier >> 8; body[1] = identifier & 0xff; body[2] = sequence >> 8; body[3] = sequence & 0xff;
    body.set(data, 4);
    this.sendIp(destination, IP_PROTO_ICMP, buildIcmp(8, 0, body));
  }
}

/** A tiny board-side TCP client: enough to open, exchange data in order and close. */
export class BoardTcp {
  sequence: number;
  acknowledgment = 0;
  readonly received: number[] = [];
  peerFin = false;

  constructor(private readonly board: ScriptedBoard, readonly remoteIp: number, readonly remotePort: number, readonly localPort: number, initialSequence = 1000) {
    this.sequence = initialSequence;
  }

  matches(r: Received): boolean {
    return !!r.tcp && r.ip!.source === this.remoteIp && r.tcp.sourcePort === this.remotePort && r.tcp.destinationPort === this.localPort;
  }

  next(): Received | undefined {
    return this.board.take((r) => this.matches(r));
  }

  send(flags: number, payload?: Uint8Array, overrides: Partial<TcpFields> = {}): void {
    this.board.sendTcp(this.remoteIp, {
      sourcePort: this.localPort, destinationPort: this.remotePort, sequence: this.sequence,
      acknowledgment: this.acknowledgment, flags, window: 8192, payload, ...overrides,
    });
  }

  syn(mss = 1000): void {
    this.send(TCP_SYN, undefined, { mss, acknowledgment: 0 });
    this.sequence = seqAdd(this.sequence, 1);
  }

  write(data: Uint8Array): void {
    this.send(TCP_ACK | TCP_PSH, data);
    this.sequence = seqAdd(this.sequence, data.length);
  }

  fin(): void {
    this.send(TCP_ACK | TCP_FIN);
    this.sequence = seqAdd(this.sequence, 1);
  }

  ack(): void {
    this.send(TCP_ACK);
  }

  /** Takes in-order data and FINs from the inbox, ACKing as a board would. Returns the segments seen. */
  pump(): TcpSegment[] {
    const seen: TcpSegment[] = [];
    for (let r = this.next(); r; r = this.next()) {
      const segment = r.tcp!;
      seen.push(segment);
      if (segment.sequence === this.acknowledgment && (segment.payload.length > 0 || segment.flags & TCP_FIN)) {
        this.received.push(...segment.payload);
        this.acknowledgment = seqAdd(this.acknowledgment, segment.payload.length + (segment.flags & TCP_FIN ? 1 : 0));
        if (segment.flags & TCP_FIN) this.peerFin = true;
        this.ack();
      }
    }
    return seen;
  }
}
