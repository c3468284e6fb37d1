// Frame builders and an independent checksum routine for the ETH tests (deliberately not the model's).

export const BOARD_MAC = [0x00, 0x80, 0xe1, 0x00, 0x00, 0x00];
export const HOST_MAC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
export const BROADCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

/** RFC 1071 checksum written out plainly: 16-bit big-endian words summed in a 32-bit accumulator. */
export function rfc1071(bytes: number[] | Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    const word = (bytes[i]! << 8) + (i + 1 < bytes.length ? bytes[i + 1]! : 0);
    sum += word;
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (~sum) & 0xffff;
}

export function ipv4Header(protocol: number, payloadLength: number, src = [192, 168, 1, 10], dst = [192, 168, 1, 1]): number[] {
  const total = 20 + payloadLength;
  return [0x45, 0, total >> 8, total & 0xff, 0x12, 0x34, 0x40, 0, 64, protocol, 0, 0, ...src, ...dst];
}

export interface BuiltFrame {
  bytes: Uint8Array;
  ipOffset: number;
  l4Offset: number;
}

/** Ethernet II + IPv4 + UDP/TCP/ICMP with every checksum field left at zero (as NetX hands them to the MAC). */
export function ipv4Frame(kind: 'udp' | 'tcp' | 'icmp', payload: number[], dst = BOARD_MAC, src = HOST_MAC): BuiltFrame {
  let l4: number[];
  if (kind === 'udp') {
    const length = 8 + payload.length;
    l4 = [0x30, 0x39, 0x00, 0x35, length >> 8, length & 0xff, 0, 0, ...payload];
  } else if (kind === 'tcp') {
    l4 = [0x30, 0x39, 0x07, 0x5b, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0x20, 0x00, 0, 0, 0, 0, ...payload];
  } else {
    l4 = [8, 0, 0, 0, 0x12, 0x34, 0, 1, ...payload];
  }
  const protocol = kind === 'udp' ? 17 : kind === 'tcp' ? 6 : 1;
  const bytes = new Uint8Array([...dst, ...src, 0x08, 0x00, ...ipv4Header(protocol, l4.length), ...l4]);
  return { bytes, ipOffset: 14, l4Offset: 34 };
}

/** Fills in the checksums the way a host stack would (for frames the board receives). */
export function withChecksums(frame: BuiltFrame): Uint8Array {
  const b = new Uint8Array(frame.bytes);
  const ip = frame.ipOffset;
  const ipSum = rfc1071(b.subarray(ip, ip + 20));
  b[ip + 10] = ipSum >> 8;
  b[ip + 11] = ipSum & 0xff;
  const protocol = b[ip + 9]!;
  const l4 = b.subarray(frame.l4Offset);
  const field = protocol === 17 ? 6 : protocol === 6 ? 16 : 2;
  const sum = protocol === 1 ? rfc1071(l4) : rfc1071([...pseudoHeader(b, ip, protocol, l4.length), ...l4]);
  l4[field] = sum >> 8;
  l4[field + 1] = sum & 0xff;
  return b;
}

export function pseudoHeader(frame: Uint8Array, ip: number, protocol: number, length: number): number[] {
  return [...frame.subarray(ip + 12, ip + 20), 0, protocol, length >> 8, length & 0xff];
}

/** True when the IPv4 header checksum and the TCP/UDP/ICMP checksum of `frame` verify. */
export function verifyIpv4(frame: Uint8Array): { header: boolean; payload: boolean } {
  const ip = 14;
  const ihl = (frame[ip]! & 0xf) * 4;
  const total = (frame[ip + 2]! << 8) | frame[ip + 3]!;
  const header = rfc1071(frame.subarray(ip, ip + ihl)) === 0;
  const protocol = frame[ip + 9]!;
  const l4 = frame.subarray(ip + ihl, ip + total);
  const payload = protocol === 1 ? rfc1071(l4) === 0 : rfc1071([...pseudoHeader(frame, ip, protocol, l4.length), ...l4]) === 0;
  return { header, payload };
}

/** A small deterministic generator for fuzz-like tests (xorshift32). */
export function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}
