// Parsing and building of the Ethernet/ARP/IPv4/UDP/TCP/ICMP headers usernet speaks. Parsers
// never throw: anything malformed, truncated or with inconsistent lengths returns null, because
// these functions see whatever the firmware (or a fuzzer) puts on the wire.

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const IP_PROTO_ICMP = 1;
export const IP_PROTO_TCP = 6;
export const IP_PROTO_UDP = 17;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export const BROADCAST_MAC = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** IPv4 addresses are kept as unsigned 32-bit numbers. */
export function ipToNumber(text: string): number | null {
  const parts = text.trim().split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value >>> 0;
}

export function ipToString(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}

export function parseIp(text: string): number {
  const ip = ipToNumber(text);
  if (ip === null) throw new Error(`not an IPv4 address: ${text}`);
  return ip;
}

export function macToString(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

export function parseMac(text: string): Uint8Array {
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) throw new Error(`not a MAC address: ${text}`);
  return new Uint8Array(parts.map((p) => parseInt(p, 16)));
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Internet checksum (RFC 1071) over `data`, folded into an initial 32-bit sum. */
export function onesComplementSum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  const even = data.length & ~1;
  for (let i = 0; i < even; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (data.length & 1) sum += data[data.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

export function checksum(data: Uint8Array, initial = 0): number {
  return ~onesComplementSum(data, initial) & 0xffff;
}

function pseudoHeaderSum(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

export interface EthernetFrame {
  destination: Uint8Array;
  source: Uint8Array;
  etherType: number;
  payload: Uint8Array;
}

export function parseEthernet(frame: Uint8Array): EthernetFrame | null {
  if (!(frame instanceof Uint8Array) || frame.length < 14) return null;
  let etherType = (frame[12]! << 8) | frame[13]!;
  let offset = 14;
  // 802.1Q tags are stepped over; the virtual network has no VLANs.
  if (etherType === 0x8100) {
    if (frame.length < 18) return null;
    etherType = (frame[16]! << 8) | frame[17]!;
    offset = 18;
  }
  return { destination: frame.subarray(0, 6), source: frame.subarray(6, 12), etherType, payload: frame.subarray(offset) };
}

export function buildEthernet(destination: Uint8Array, source: Uint8Array, etherType: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(14 + payload.length);
  frame.set(destination.subarray(0, 6), 0);
  frame.set(source.subarray(0, 6), 6);
  frame[12] = etherType >>> 8;
  frame[13] = etherType & 0xff;
  frame.set(payload, 14);
  return frame;
}

export interface ArpPacket {
  operation: number;
  senderMac: Uint8Array;
  senderIp: number;
  targetMac: Uint8Array;
  targetIp: number;
}

export function parseArp(data: Uint8Array): ArpPacket | null {
  if (data.length < 28) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint16(0) !== 1 || view.getUint16(2) !== ETHERTYPE_IPV4 || data[4] !== 6 || data[5] !== 4) return null;
  return {
    operation: view.getUint16(6),
    senderMac: data.slice(8, 14),
    senderIp: view.getUint32(14),
    targetMac: data.slice(18, 24),
    targetIp: view.getUint32(24),
  };
}

export function buildArp(operation: number, senderMac: Uint8Array, senderIp: number, targetMac: Uint8Array, targetIp: number): Uint8Array {
  const data = new Uint8Array(28);
  const view = new DataView(data.buffer);
  view.setUint16(0, 1);
  view.setUint16(2, ETHERTYPE_IPV4);
  data[4] = 6;
  data[5] = 4;
  view.setUint16(6, operation);
  data.set(senderMac, 8);
  view.setUint32(14, senderIp);
  data.set(targetMac, 18);
  view.setUint32(24, targetIp);
  return data;
}

export interface Ipv4Packet {
  source: number;
  destination: number;
  protocol: number;
  ttl: number;
  identification: number;
  headerChecksumOk: boolean;
  /** True when this is a fragment (MF set or a non-zero offset). */
  fragment: boolean;
  payload: Uint8Array;
}

export function parseIpv4(data: Uint8Array): Ipv4Packet | null {
  if (data.length < 20) return null;
  const version = data[0]! >>> 4;
  const headerLength = (data[0]! & 0x0f) * 4;
  if (version !== 4 || headerLength < 20 || headerLength > data.length) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const totalLength = view.getUint16(2);
  // Ethernet pads short frames, so the buffer may be longer than the packet but never shorter.
  if (totalLength < headerLength || totalLength > data.length) return null;
  const flagsFragment = view.getUint16(6);
  return {
    source: view.getUint32(12),
    destination: view.getUint32(16),
    protocol: data[9]!,
    ttl: data[8]!,
    identification: view.getUint16(4),
    headerChecksumOk: checksum(data.subarray(0, headerLength)) === 0,
    fragment: (flagsFragment & 0x2000) !== 0 || (flagsFragment & 0x1fff) !== 0,
    payload: data.subarray(headerLength, totalLength),
  };
}

export function buildIpv4(source: number, destination: number, protocol: number, payload: Uint8Array, identification: number, ttl = 64): Uint8Array {
  const packet = new Uint8Array(20 + payload.length);
  const view = new DataView(packet.buffer);
  packet[0] = 0x45;
  view.setUint16(2, packet.length);
  view.setUint16(4, identification & 0xffff);
  view.setUint16(6, 0x4000); // DF: usernet never fragments
  packet[8] = ttl;
  packet[9] = protocol;
  view.setUint32(12, source);
  view.setUint32(16, destination);
  view.setUint16(10, checksum(packet.subarray(0, 20)));
  packet.set(payload, 20);
  return packet;
}

/** Splits a datagram into IPv4 fragments that fit `mtu` (RFC 791); one packet when it already fits. */
export function buildIpv4Fragments(source: number, destination: number, protocol: number, payload: Uint8Array, identification: number, mtu = 1500): Uint8Array[] {
  if (payload.length + 20 <= mtu) return [buildIpv4(source, destination, protocol, payload, identification)];
  const chunk = Math.max(8, Math.floor((mtu - 20) / 8) * 8);
  const fragments: Uint8Array[] = [];
  for (let offset = 0; offset < payload.length; offset += chunk) {
    const part = payload.subarray(offset, offset + chunk);
    const packet = buildIpv4(source, destination, protocol, part, identification);
    const view = new DataView(packet.buffer);
    const more = offset + chunk < payload.length ? 0x2000 : 0;
    view.setUint16(6, more | (offset / 8));
    view.setUint16(10, 0);
    view.setUint16(10, checksum(packet.subarray(0, 20)));
    fragments.push(packet);
  }
  return fragments;
}

export interface UdpDatagram {
  sourcePort: number;
  destinationPort: number;
  checksumOk: boolean;
  payload: Uint8Array;
}

export function parseUdp(data: Uint8Array, ip: { source: number; destination: number }): UdpDatagram | null {
  if (data.length < 8) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const length = view.getUint16(4);
  if (length < 8 || length > data.length) return null;
  const sent = view.getUint16(6);
  const body = data.subarray(0, length);
  const checksumOk = sent === 0 || checksum(body, pseudoHeaderSum(ip.source, ip.destination, IP_PROTO_UDP, length)) === 0;
  return { sourcePort: view.getUint16(0), destinationPort: view.getUint16(2), checksumOk, payload: data.subarray(8, length) };
}

export function buildUdp(source: number, destination: number, sourcePort: number, destinationPort: number, payload: Uint8Array): Uint8Array {
  const datagram = new Uint8Array(8 + payload.length);
  const view = new DataView(datagram.buffer);
  view.setUint16(0, sourcePort);
  view.setUint16(2, destinationPort);
  view.setUint16(4, datagram.length);
  datagram.set(payload, 8);
  const sum = checksum(datagram, pseudoHeaderSum(source, destination, IP_PROTO_UDP, datagram.length));
  view.setUint16(6, sum === 0 ? 0xffff : sum);
  return datagram;
}

export interface TcpSegment {
  sourcePort: number;
  destinationPort: number;
  sequence: number;
  acknowledgment: number;
  flags: number;
  window: number;
  /** MSS option, when the segment carries one. */
  mss: number | null;
  checksumOk: boolean;
  payload: Uint8Array;
}

export function parseTcp(data: Uint8Array, ip: { source: number; destination: number }): TcpSegment | null {
  if (data.length < 20) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const headerLength = (data[12]! >>> 4) * 4;
  if (headerLength < 20 || headerLength > data.length) return null;
  let mss: number | null = null;
  for (let i = 20; i < headerLength;) {
    const kind = data[i]!;
    if (kind === 0) break;
    if (kind === 1) { i++; continue; }
    if (i + 1 >= headerLength) break;
    const length = data[i + 1]!;
    if (length < 2 || i + length > headerLength) break;
    if (kind === 2 && length === 4) mss = view.getUint16(i + 2);
    i += length;
  }
  return {
    sourcePort: view.getUint16(0),
    destinationPort: view.getUint16(2),
    sequence: view.getUint32(4),
    acknowledgment: view.getUint32(8),
    flags: data[13]! & 0x3f,
    window: view.getUint16(14),
    mss,
    checksumOk: checksum(data, pseudoHeaderSum(ip.source, ip.destination, IP_PROTO_TCP, data.length)) === 0,
    payload: data.subarray(headerLength),
  };
}

export interface TcpFields {
  sourcePort: number;
  destinationPort: number;
  sequence: number;
  acknowledgment: number;
  flags: number;
  window: number;
  mss?: number;
  payload?: Uint8Array;
}

export function buildTcp(source: number, destination: number, fields: TcpFields): Uint8Array {
  const optionsLength = fields.mss === undefined ? 0 : 4;
  const payload = fields.payload ?? new Uint8Array(0);
  const segment = new Uint8Array(20 + optionsLength + payload.length);
  const view = new DataView(segment.buffer);
  view.setUint16(0, fields.sourcePort);
  view.setUint16(2, fields.destinationPort);
  view.setUint32(4, fields.sequence >>> 0);
  view.setUint32(8, fields.acknowledgment >>> 0);
  segment[12] = ((20 + optionsLength) / 4) << 4;
  segment[13] = fields.flags;
  view.setUint16(14, Math.max(0, Math.min(0xffff, fields.window)));
  if (fields.mss !== undefined) {
    segment[20] = 2;
    segment[21] = 4;
    view.setUint16(22, fields.mss);
  }
  segment.set(payload, 20 + optionsLength);
  view.setUint16(16, checksum(segment, pseudoHeaderSum(source, destination, IP_PROTO_TCP, segment.length)));
  return segment;
}

export interface IcmpMessage {
  type: number;
  code: number;
  checksumOk: boolean;
  /** Everything after the 4-byte type/code/checksum header. */
  body: Uint8Array;
}

export function parseIcmp(data: Uint8Array): IcmpMessage | null {
  if (data.length < 8) return null;
  return { type: data[0]!, code: data[1]!, checksumOk: checksum(data) === 0, body: data.subarray(4) };
}

export function buildIcmp(type: number, code: number, body: Uint8Array): Uint8Array {
  const message = new Uint8Array(4 + body.length);
  message[0] = type;
  message[1] = code;
  message.set(body, 4);
  const sum = checksum(message);
  message[2] = sum >>> 8;
  message[3] = sum & 0xff;
  return message;
}

/** Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4). */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}
