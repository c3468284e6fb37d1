// RM0481 §(Ethernet): checksum offload engine — TX insertion (TDES3.CIC) and RX checking (RDES1).
// The offload is what NetX Duo relies on: it computes no IP/TCP/UDP/ICMP checksums itself.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** IEEE 802.3 CRC-32 (the FCS), as a number. */
export function crc32(data: Uint8Array, start = 0, end = data.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = CRC_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** One's-complement sum of 16-bit big-endian words (an odd last byte is padded with zero). */
export function onesComplementSum(data: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (i < end) sum += data[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_MAC_CONTROL = 0x8808;

export const IP_PROTOCOL_ICMP = 1;
export const IP_PROTOCOL_TCP = 6;
export const IP_PROTOCOL_UDP = 17;
export const IP_PROTOCOL_ICMPV6 = 58;

/** Where layer 3 starts in an Ethernet II frame, skipping up to two VLAN tags. */
export interface FrameLayout {
  /** EtherType (or 802.3 length) after the VLAN tags. */
  etherType: number;
  l3Offset: number;
  vlanTags: number;
  outerVlanTag: number;
  innerVlanTag: number;
}

export function frameLayout(frame: Uint8Array): FrameLayout | undefined {
  if (frame.length < 14) return undefined;
  let offset = 12;
  let vlanTags = 0;
  const tags = [0, 0];
  let type = (frame[offset]! << 8) | frame[offset + 1]!;
  while ((type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ) && vlanTags < 2) {
    if (frame.length < offset + 6) return undefined;
    tags[vlanTags] = (frame[offset + 2]! << 8) | frame[offset + 3]!;
    vlanTags++;
    offset += 4;
    type = (frame[offset]! << 8) | frame[offset + 1]!;
  }
  return { etherType: type, l3Offset: offset + 2, vlanTags, outerVlanTag: tags[0]!, innerVlanTag: tags[1]! };
}

/** What the engine found in a frame's IP layer. */
export interface IpInfo {
  version: 4 | 6;
  l3Offset: number;
  headerLength: number;
  /** Protocol of the payload the engine handles (TCP, UDP, ICMP), or another number. */
  protocol: number;
  payloadOffset: number;
  /** Payload length declared by the IP header. */
  payloadLength: number;
  /** IPv4 fragment (MF set or offset non-zero): payload checksums are not handled. */
  fragment: boolean;
  /** Header inconsistent with the frame (version, IHL, lengths). */
  headerError: boolean;
}

export function parseIp(frame: Uint8Array, layout: FrameLayout): IpInfo | undefined {
  const l3 = layout.l3Offset;
  if (layout.etherType === ETHERTYPE_IPV4) {
    if (frame.length < l3 + 20) return { version: 4, l3Offset: l3, headerLength: 20, protocol: -1, payloadOffset: l3 + 20, payloadLength: 0, fragment: false, headerError: true };
    const ihl = (frame[l3]! & 0x0f) * 4;
    const version = frame[l3]! >>> 4;
    const totalLength = (frame[l3 + 2]! << 8) | frame[l3 + 3]!;
    const headerError = version !== 4 || ihl < 20 || totalLength < ihl || l3 + totalLength > frame.length || l3 + ihl > frame.length;
    const flagsFragment = (frame[l3 + 6]! << 8) | frame[l3 + 7]!;
    const fragment = (flagsFragment & 0x3fff) !== 0;
    return {
      version: 4, l3Offset: l3, headerLength: Math.max(20, ihl), protocol: frame[l3 + 9]!,
      payloadOffset: l3 + Math.max(20, ihl), payloadLength: Math.max(0, totalLength - ihl), fragment, headerError,
    };
  }
  if (layout.etherType === ETHERTYPE_IPV6) {
    if (frame.length < l3 + 40) return { version: 6, l3Offset: l3, headerLength: 40, protocol: -1, payloadOffset: l3 + 40, payloadLength: 0, fragment: false, headerError: true };
    const payloadLength = (frame[l3 + 4]! << 8) | frame[l3 + 5]!;
    const headerError = frame[l3]! >>> 4 !== 6 || l3 + 40 + payloadLength > frame.length;
    // Extension headers are not walked: a next header other than TCP/UDP/ICMPv6 bypasses the engine.
    return { version: 6, l3Offset: l3, headerLength: 40, protocol: frame[l3 + 6]!, payloadOffset: l3 + 40, payloadLength, fragment: false, headerError };
  }
  return undefined;
}

function pseudoHeaderSum(frame: Uint8Array, ip: IpInfo, protocol: number, length: number): number {
  let sum: number;
  if (ip.version === 4) sum = onesComplementSum(frame, ip.l3Offset + 12, ip.l3Offset + 20);
  else sum = onesComplementSum(frame, ip.l3Offset + 8, ip.l3Offset + 40);
  return fold(sum + protocol + (length >>> 16) + (length & 0xffff));
}

function checksumFieldOffset(protocol: number): number | undefined {
  switch (protocol) {
    case IP_PROTOCOL_TCP: return 16;
    case IP_PROTOCOL_UDP: return 6;
    case IP_PROTOCOL_ICMP:
    case IP_PROTOCOL_ICMPV6: return 2;
    default: return undefined;
  }
}

function payloadHandled(ip: IpInfo): boolean {
  if (ip.version === 4) return ip.protocol === IP_PROTOCOL_TCP || ip.protocol === IP_PROTOCOL_UDP || ip.protocol === IP_PROTOCOL_ICMP;
  return ip.protocol === IP_PROTOCOL_TCP || ip.protocol === IP_PROTOCOL_UDP || ip.protocol === IP_PROTOCOL_ICMPV6;
}

export interface TxChecksumResult {
  /** TDES3 write-back IHE: the IP header was inconsistent, nothing was inserted. */
  ipHeaderError: boolean;
  /** TDES3 write-back PCE: the payload could not be checksummed (length mismatch). */
  payloadError: boolean;
}

/**
 * Inserts checksums into `frame` in place as TDES3.CIC asks:
 * 1 = IPv4 header only; 2 = header and TCP/UDP/ICMP with the pseudo-header sum already in the field;
 * 3 = header and TCP/UDP/ICMP, pseudo-header computed by the engine.
 */
export function insertTxChecksums(frame: Uint8Array, cic: number): TxChecksumResult {
  const result: TxChecksumResult = { ipHeaderError: false, payloadError: false };
  if (cic === 0) return result;
  const layout = frameLayout(frame);
  if (!layout) return result;
  const ip = parseIp(frame, layout);
  if (!ip) return result;
  if (ip.headerError) {
    result.ipHeaderError = true;
    return result;
  }
  if (ip.version === 4) {
    const h = ip.l3Offset;
    frame[h + 10] = 0;
    frame[h + 11] = 0;
    const sum = ~onesComplementSum(frame, h, h + ip.headerLength) & 0xffff;
    frame[h + 10] = sum >>> 8;
    frame[h + 11] = sum & 0xff;
  }
  if (cic === 1 || ip.fragment || !payloadHandled(ip)) return result;
  const field = checksumFieldOffset(ip.protocol)!;
  const start = ip.payloadOffset;
  const end = start + ip.payloadLength;
  if (end > frame.length || ip.payloadLength < field + 2) {
    result.payloadError = true;
    return result;
  }
  let initial = 0;
  if (cic === 3) {
    frame[start + field] = 0;
    frame[start + field + 1] = 0;
    if (!(ip.version === 4 && ip.protocol === IP_PROTOCOL_ICMP)) initial = pseudoHeaderSum(frame, ip, ip.protocol, ip.payloadLength);
  } else if (ip.version === 4 && ip.protocol === IP_PROTOCOL_ICMP) {
    // ICMPv4 has no pseudo-header: the field must start from zero whatever the mode.
    frame[start + field] = 0;
    frame[start + field + 1] = 0;
  }
  let sum = ~onesComplementSum(frame, start, end, initial) & 0xffff;
  if (sum === 0 && ip.protocol === IP_PROTOCOL_UDP) sum = 0xffff;
  frame[start + field] = sum >>> 8;
  frame[start + field + 1] = sum & 0xff;
  return result;
}

/** RDES1 payload type (PT). */
export const PAYLOAD_UNKNOWN = 0;
export const PAYLOAD_UDP = 1;
export const PAYLOAD_TCP = 2;
export const PAYLOAD_ICMP = 3;

export interface RxChecksumStatus {
  ipv4: boolean;
  ipv6: boolean;
  payloadType: number;
  ipHeaderError: boolean;
  payloadError: boolean;
  /** The engine did not check the payload (fragment, unknown protocol). */
  bypassed: boolean;
}

/** Checks a received frame the way the RX checksum engine does (MACCR.IPC = 1). */
export function checkRxChecksums(frame: Uint8Array): RxChecksumStatus {
  const status: RxChecksumStatus = { ipv4: false, ipv6: false, payloadType: PAYLOAD_UNKNOWN, ipHeaderError: false, payloadError: false, bypassed: false };
  const layout = frameLayout(frame);
  if (!layout) return status;
  const ip = parseIp(frame, layout);
  if (!ip) return status;
  status.ipv4 = ip.version === 4;
  status.ipv6 = ip.version === 6;
  if (ip.headerError) {
    status.ipHeaderError = true;
    return status;
  }
  if (ip.version === 4 && onesComplementSum(frame, ip.l3Offset, ip.l3Offset + ip.headerLength) !== 0xffff) status.ipHeaderError = true;
  if (ip.fragment || !payloadHandled(ip)) {
    status.bypassed = true;
    return status;
  }
  status.payloadType = ip.protocol === IP_PROTOCOL_UDP ? PAYLOAD_UDP : ip.protocol === IP_PROTOCOL_TCP ? PAYLOAD_TCP : PAYLOAD_ICMP;
  const start = ip.payloadOffset;
  const end = start + ip.payloadLength;
  const field = checksumFieldOffset(ip.protocol)!;
  if (ip.payloadLength < field + 2) {
    status.payloadError = true;
    return status;
  }
  // A UDP checksum of zero over IPv4 means "not computed": nothing to check.
  if (ip.version === 4 && ip.protocol === IP_PROTOCOL_UDP && frame[start + 6] === 0 && frame[start + 7] === 0) return status;
  const initial = ip.version === 4 && ip.protocol === IP_PROTOCOL_ICMP ? 0 : pseudoHeaderSum(frame, ip, ip.protocol, ip.payloadLength);
  if (onesComplementSum(frame, start, end, initial) !== 0xffff) status.payloadError = true;
  return status;
}
