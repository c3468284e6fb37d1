// Which host destinations usernet may reach, and how fast the firmware may open connections.
// Loopback only unless the user widens it: a simulated board never talks to the internet by default.
import { ipToNumber, ipToString } from '../packet.js';

export interface AddressRange {
  network: number;
  prefix: number;
}

export function parseCidr(text: string): AddressRange {
  const [address, prefixText] = text.trim().split('/');
  const network = ipToNumber(address ?? '');
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  if (network === null || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`not an IPv4 address or CIDR range: ${text}`);
  return { network: (network & maskOf(prefix)) >>> 0, prefix };
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function inRange(address: number, range: AddressRange): boolean {
  return ((address & maskOf(range.prefix)) >>> 0) === range.network;
}

export const LOOPBACK: AddressRange = { network: 0x7f000000, prefix: 8 };

export class AllowList {
  private readonly ranges: AddressRange[];

  constructor(ranges: Array<string | AddressRange> = [LOOPBACK]) {
    this.ranges = ranges.map((r) => (typeof r === 'string' ? parseCidr(r) : r));
  }

  allows(address: number): boolean {
    return this.ranges.some((range) => inRange(address, range));
  }

  describe(): string {
    return this.ranges.map((r) => `${ipToString(r.network)}/${r.prefix}`).join(', ');
  }
}

/** A token bucket on the network clock: `rate` attempts per second, bursts of `rate`. */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(private readonly rate: number, private readonly now: () => number) {
    this.tokens = rate;
    this.last = now();
  }

  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.rate, this.tokens + Math.max(0, now - this.last) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
