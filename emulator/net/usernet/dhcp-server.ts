// DHCP server for the virtual network (RFC 2131, options per RFC 2132). One pool, leases keyed by
// the client's hardware address. Garbage in gives null out, never an exception.
import { ipToString, macToString } from '../packet.js';

const BOOTREQUEST = 1;
const BOOTREPLY = 2;
const MAGIC_COOKIE = 0x63825363;
const DISCOVER = 1, OFFER = 2, REQUEST = 3, DECLINE = 4, ACK = 5, NAK = 6, RELEASE = 7, INFORM = 8;

export interface DhcpConfig {
  serverAddress: number;
  router: number;
  dnsServer: number;
  netmask: number;
  /** First address leased; further clients get the next ones. */
  firstAddress: number;
  poolSize: number;
  leaseSeconds: number;
  domainName?: string;
}

export interface DhcpReply {
  /** BOOTP reply payload for UDP port 68. */
  payload: Uint8Array;
  /** Send to the broadcast address (and MAC) rather than to the client's address. */
  broadcast: boolean;
  /** The address the reply is for (yiaddr, or ciaddr for INFORM). */
  clientAddress: number;
  clientMac: Uint8Array;
}

interface Lease {
  mac: string;
  address: number;
  expires: number;
  bound: boolean;
}

interface DhcpRequest {
  xid: number;
  flags: number;
  ciaddr: number;
  giaddr: number;
  chaddr: Uint8Array;
  messageType: number;
  requestedAddress: number | null;
  serverIdentifier: number | null;
}

function parseRequest(data: Uint8Array): DhcpRequest | null {
  if (data.length < 240) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data[0] !== BOOTREQUEST || data[1] !== 1 || data[2] !== 6) return null;
  if (view.getUint32(236) !== MAGIC_COOKIE) return null;
  let messageType = -1;
  let requestedAddress: number | null = null;
  let serverIdentifier: number | null = null;
  for (let i = 240; i < data.length;) {
    const code = data[i]!;
    if (code === 255) break;
    if (code === 0) { i++; continue; }
    if (i + 1 >= data.length) return null;
    const length = data[i + 1]!;
    const start = i + 2;
    if (start + length > data.length) return null;
    if (code === 53 && length === 1) messageType = data[start]!;
    if (code === 50 && length === 4) requestedAddress = view.getUint32(start);
    if (code === 54 && length === 4) serverIdentifier = view.getUint32(start);
    i = start + length;
  }
  if (messageType < 1) return null;
  return {
    xid: view.getUint32(4),
    flags: view.getUint16(10),
    ciaddr: view.getUint32(12),
    giaddr: view.getUint32(24),
    chaddr: data.slice(28, 34),
    messageType,
    requestedAddress,
    serverIdentifier,
  };
}

export class DhcpServer {
  private readonly leases = new Map<string, Lease>();

  constructor(private readonly config: DhcpConfig, private readonly now: () => number, private readonly log: (message: string) => void) {}

  /** The address currently leased to `mac` (bound or offered), if any. */
  addressOf(mac: Uint8Array): number | null {
    return this.leases.get(macToString(mac))?.address ?? null;
  }

  isPoolAddress(address: number): boolean {
    return address >= this.config.firstAddress && address < this.config.firstAddress + this.config.poolSize;
  }

  handle(data: Uint8Array): DhcpReply | null {
    const request = parseRequest(data);
    if (!request) return null;
    const mac = macToString(request.chaddr);
    const broadcast = (request.flags & 0x8000) !== 0 || request.ciaddr === 0;
    switch (request.messageType) {
      case DISCOVER: {
        const lease = this.allocate(mac, request.requestedAddress);
        if (!lease) { this.log(`DHCP pool exhausted, no offer for ${mac}`); return null; }
        lease.expires = this.now() + 60; // an offer holds the address for a minute
        return this.reply(request, OFFER, lease.address, broadcast);
      }
      case REQUEST: {
        if (request.serverIdentifier !== null && request.serverIdentifier !== this.config.serverAddress) {
          // The client chose another server's offer.
          const lease = this.leases.get(mac);
          if (lease && !lease.bound) this.leases.delete(mac);
          return null;
        }
        const wanted = request.requestedAddress ?? request.ciaddr;
        const lease = this.leases.get(mac);
        if (wanted !== 0 && lease && lease.address === wanted) {
          lease.bound = true;
          lease.expires = this.now() + this.config.leaseSeconds;
          this.log(`DHCP lease ${ipToString(lease.address)} to ${mac}`);
          return this.reply(request, ACK, lease.address, broadcast);
        }
        if (wanted !== 0 && !lease && this.isPoolAddress(wanted) && !this.inUse(wanted)) {
          // INIT-REBOOT with an address we would have given anyway (e.g. after a gateway restart).
          const fresh: Lease = { mac, address: wanted, expires: this.now() + this.config.leaseSeconds, bound: true };
          this.leases.set(mac, fresh);
          return this.reply(request, ACK, wanted, broadcast);
        }
        this.log(`DHCP NAK for ${mac} asking for ${ipToString(wanted)}`);
        return this.reply(request, NAK, 0, true);
      }
      case INFORM:
        return request.ciaddr === 0 ? null : this.reply(request, ACK, 0, false);
      case RELEASE:
      case DECLINE: {
        const lease = this.leases.get(mac);
        if (lease) this.leases.delete(mac);
        return null;
      }
      default:
        return null;
    }
  }

  private inUse(address: number): boolean {
    const now = this.now();
    for (const lease of this.leases.values()) if (lease.address === address && lease.expires > now) return true;
    return false;
  }

  private allocate(mac: string, preferred: number | null): Lease | null {
    const existing = this.leases.get(mac);
    if (existing) return existing;
    const candidates: number[] = [];
    if (preferred !== null && this.isPoolAddress(preferred)) candidates.push(preferred);
    for (let i = 0; i < this.config.poolSize; i++) candidates.push(this.config.firstAddress + i);
    const now = this.now();
    for (const address of candidates) {
      let free = true;
      for (const [owner, lease] of this.leases) {
        if (lease.address !== address) continue;
        if (lease.expires > now) { free = false; break; }
        this.leases.delete(owner);
      }
      if (free) {
        const lease: Lease = { mac, address, expires: now, bound: false };
        this.leases.set(mac, lease);
        return lease;
      }
    }
    return null;
  }

  private reply(request: DhcpRequest, type: number, yiaddr: number, broadcast: boolean): DhcpReply {
    const c = this.config;
    const options: number[] = [53, 1, type, 54, 4, ...bytes(c.serverAddress)];
    if (type !== NAK) {
      if (type !== ACK || yiaddr !== 0) {
        const lease = c.leaseSeconds >>> 0;
        options.push(51, 4, ...bytes(lease), 58, 4, ...bytes(Math.floor(lease / 2)), 59, 4, ...bytes(Math.floor((lease * 7) / 8)));
      }
      options.push(1, 4, ...bytes(c.netmask), 3, 4, ...bytes(c.router), 6, 4, ...bytes(c.dnsServer));
      options.push(28, 4, ...bytes((c.serverAddress & c.netmask) | (~c.netmask >>> 0)));
      if (c.domainName) {
        const name = new TextEncoder().encode(c.domainName.slice(0, 255));
        options.push(15, name.length, ...name);
      }
    }
    options.push(255);
    const payload = new Uint8Array(Math.max(300, 240 + options.length));
    const view = new DataView(payload.buffer);
    payload[0] = BOOTREPLY;
    payload[1] = 1;
    payload[2] = 6;
    view.setUint32(4, request.xid);
    view.setUint16(10, request.flags & 0x8000);
    view.setUint32(12, type === ACK && yiaddr === 0 ? request.ciaddr : 0);
    view.setUint32(16, yiaddr);
    view.setUint32(20, type === NAK ? 0 : c.serverAddress);
    view.setUint32(24, request.giaddr);
    payload.set(request.chaddr, 28);
    view.setUint32(236, MAGIC_COOKIE);
    payload.set(options, 240);
    return { payload, broadcast, clientAddress: yiaddr || request.ciaddr, clientMac: request.chaddr };
  }
}

function bytes(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}
