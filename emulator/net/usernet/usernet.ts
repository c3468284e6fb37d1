// User-mode networking (the QEMU slirp idea), in process and without root. The firmware sees a
// virtual 10.0.2.0/24 network: gateway 10.0.2.2, DNS 10.0.2.3, itself at 10.0.2.15 through DHCP.
// usernet answers ARP, DHCP, DNS (from a hosts table, wherever the query is addressed), SNTP and
// pings itself; TCP and UDP go to host sockets, but only to allow-listed destinations (loopback by
// default; the gateway address means 127.0.0.1). Nothing else ever leaves the machine.
//
// Frames for the board are handed to the onReceive listeners synchronously: while send() runs (a
// reply), when a timer on the network clock fires (retransmissions) or when a host socket has data.
// The harness queues them and delivers them to the MAC at slice boundaries.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { FramePort } from '../frame-port.js';
import type { NetClock, NetTimer } from '../net-clock.js';
import {
  BROADCAST_MAC, ETHERTYPE_ARP, ETHERTYPE_IPV4, IP_PROTO_ICMP, IP_PROTO_TCP, IP_PROTO_UDP, TCP_ACK, TCP_RST, TCP_SYN,
  buildArp, buildEthernet, buildIcmp, buildIpv4, buildIpv4Fragments, buildTcp, buildUdp, ipToString, macToString, parseArp, parseEthernet,
  parseIcmp, parseIpv4, parseMac, parseTcp, parseUdp, sameBytes, seqAdd, type Ipv4Packet, type TcpSegment,
} from '../packet.js';
import { AllowList, RateLimiter, maskOf, parseCidr } from './address-policy.js';
import { DhcpServer } from './dhcp-server.js';
import { HostsTable, answerDnsQuery } from './dns-responder.js';
import { parseHostForward, type HostForward } from './host-forward.js';
import { answerSntpRequest } from './sntp-responder.js';
import { DEFAULT_TCP_TUNING, TcpConnection, type TcpTuning } from './tcp-connection.js';

/** 2026-01-01T00:00:00Z: the time of day SNTP reports at virtual time 0 unless told otherwise. */
export const DEFAULT_SIMULATION_EPOCH = 1_767_225_600;

export interface UserNetOptions {
  /** The clock timers run on: the simulation's virtual clock (see netClockFrom) or a test clock. */
  clock: NetClock;
  /** Time of day for SNTP, seconds since the Unix epoch; default DEFAULT_SIMULATION_EPOCH + clock.now(). */
  now?: () => number;
  /** Virtual network, default 10.0.2.0/24. */
  network?: string;
  gateway?: string;
  dns?: string;
  /** First DHCP address (the firmware's, usually), default 10.0.2.15. */
  guestAddress?: string;
  gatewayMac?: string;
  leaseSeconds?: number;
  /** DNS names: `{ 'broker.local': '10.0.2.2' }` or `['NAME=IP', ...]`; broker.local → gateway unless overridden. */
  hosts?: Record<string, string> | string[];
  /** Host destinations (CIDR) TCP/UDP may reach, default ['127.0.0.0/8']. */
  allow?: string[];
  /** `tcp:127.0.0.1:1883-:1883`, or parsed rules. */
  hostForwards?: Array<string | HostForward>;
  /** New outbound TCP connections and UDP flows per second (token bucket), default 20. */
  connectionRate?: number;
  /** Open TCP connections plus UDP flows at once, default 64. */
  maxConnections?: number;
  /** Idle UDP flows close after this many seconds on the clock, default 120. */
  udpIdleSeconds?: number;
  tcp?: Partial<TcpTuning>;
  /** Drop frames whose IP/TCP/UDP/ICMP checksums are wrong (off by default: some MAC models leave offload to us). */
  verifyChecksums?: boolean;
  /** Diagnostics (refused connections, NAKs, pool exhaustion); default: stderr. */
  log?: (message: string) => void;
}

interface ProxiedTcp {
  connection: TcpConnection | null;
  socket: Socket;
  /** Frames go to this address and port of the firmware, from `remote`. */
  guestIp: number;
  guestPort: number;
  remoteIp: number;
  remotePort: number;
  /** The firmware's SYN, kept until the host connect settles (to answer it with a RST if that fails). */
  syn?: TcpSegment;
}

interface UdpFlow {
  socket: UdpSocket;
  guestIp: number;
  guestPort: number;
  remoteIp: number;
  remotePort: number;
  hostAddress: string;
  idle: NetTimer | null;
}

const MAX_HELD_FRAMES = 32;
const LINGER_SECONDS = 10;
const HOST_SEND_PAUSE_BYTES = 256 * 1024;

export class UserNet implements FramePort {
  private readonly clock: NetClock;
  private readonly timeOfDay: () => number;
  private readonly log: (message: string) => void;
  private readonly gatewayMac: Uint8Array;
  readonly gatewayIp: number;
  readonly dnsIp: number;
  readonly guestIp: number;
  private readonly networkAddress: number;
  private readonly netmask: number;
  private readonly dhcp: DhcpServer;
  readonly hosts = new HostsTable();
  private readonly allowList: AllowList;
  private readonly limiter: RateLimiter;
  private readonly maxConnections: number;
  private readonly udpIdleSeconds: number;
  private readonly tuning: TcpTuning;
  private readonly verifyChecksums: boolean;
  private readonly listeners: Array<(frame: Uint8Array) => void> = [];
  private readonly linkListeners: Array<(up: boolean) => void> = [];
  private up = true;
  private identification = 0;
  private sequenceSeed = 0x5eed_0001;
  private nextGatewayPort = 49152;
  /** Firmware addresses → their MAC, learned from what the firmware sends. */
  private readonly guestMacs = new Map<number, Uint8Array>();
  /** Packets waiting for an ARP answer from the firmware. */
  private readonly held = new Map<number, Uint8Array[]>();
  private readonly tcp = new Map<string, ProxiedTcp>();
  private readonly udp = new Map<string, UdpFlow>();
  private readonly lingering = new Map<string, { connection: TcpConnection; timer: NetTimer }>();
  private readonly tcpServers: Server[] = [];
  private readonly udpServers: UdpSocket[] = [];
  private readonly forwards: HostForward[];
  private readonly forwardPorts: Array<{ rule: HostForward; port: number }> = [];
  /** UDP hostfwd: gateway-side port → (host socket, host client) for the firmware's replies. */
  private readonly udpForwardReturns = new Map<number, { socket: UdpSocket; address: string; port: number }>();
  private readonly loggedOnce = new Set<string>();
  private readonly readyPromise: Promise<void>;

  constructor(options: UserNetOptions) {
    this.clock = options.clock;
    this.timeOfDay = options.now ?? (() => DEFAULT_SIMULATION_EPOCH + this.clock.now());
    this.log = options.log ?? ((message) => process.stderr.write(`h5sim usernet: ${message}\n`));
    const network = parseCidr(options.network ?? '10.0.2.0/24');
    this.networkAddress = network.network;
    this.netmask = maskOf(network.prefix);
    const inNetwork = (name: string, text: string | undefined, fallback: number): number => {
      const address = text === undefined ? (this.networkAddress | fallback) >>> 0 : parseCidr(text).network;
      if (!this.isVirtual(address)) throw new Error(`usernet ${name} ${ipToString(address)} is outside ${ipToString(this.networkAddress)}/${network.prefix}`);
      return address;
    };
    this.gatewayIp = inNetwork('gateway', options.gateway, 2);
    this.dnsIp = inNetwork('dns', options.dns, 3);
    this.guestIp = inNetwork('guest address', options.guestAddress, 15);
    this.gatewayMac = parseMac(options.gatewayMac ?? '52:55:0a:00:02:02');
    this.dhcp = new DhcpServer({
      serverAddress: this.gatewayIp,
      router: this.gatewayIp,
      dnsServer: this.dnsIp,
      netmask: this.netmask,
      firstAddress: this.guestIp,
      poolSize: 16,
      leaseSeconds: options.leaseSeconds ?? 86400,
    }, this.timeOfDay, this.log);
    this.hosts.set('broker.local', this.gatewayIp);
    const hosts = options.hosts ?? {};
    const entries = Array.isArray(hosts) ? hosts.map((h) => HostsTable.parseEntry(h)) : Object.entries(hosts).map(([name, ip]) => HostsTable.parseEntry(`${name}=${ip}`));
    for (const { name, address } of entries) this.hosts.set(name, address);
    this.allowList = new AllowList(options.allow ?? ['127.0.0.0/8']);
    this.limiter = new RateLimiter(options.connectionRate ?? 20, () => this.clock.now());
    this.maxConnections = options.maxConnections ?? 64;
    this.udpIdleSeconds = options.udpIdleSeconds ?? 120;
    this.tuning = { ...DEFAULT_TCP_TUNING, ...options.tcp };
    this.verifyChecksums = options.verifyChecksums ?? false;
    this.forwards = (options.hostForwards ?? []).map((f) => (typeof f === 'string' ? parseHostForward(f) : f));
    this.readyPromise = Promise.all(this.forwards.map((rule) => this.listen(rule))).then(() => undefined);
    this.readyPromise.catch(() => undefined);
  }

  /** Resolves when every hostfwd listener is bound (rejects if one cannot bind). */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  /** The host ports hostfwd listens on (useful with hostPort 0). */
  get hostForwardPorts(): ReadonlyArray<{ rule: HostForward; port: number }> {
    return this.forwardPorts;
  }

  get linkUp(): boolean {
    return this.up;
  }

  get openConnections(): number {
    return this.tcp.size + this.udp.size;
  }

  onReceive(listener: (frame: Uint8Array) => void): void {
    this.listeners.push(listener);
  }

  onLinkChange(listener: (up: boolean) => void): void {
    this.linkListeners.push(listener);
  }

  async close(): Promise<void> {
    if (!this.up) return;
    this.up = false;
    for (const entry of [...this.tcp.values()]) {
      entry.connection?.abort(); // stops its timers; the RST goes nowhere now that the link is down
      entry.socket.destroy();
    }
    this.tcp.clear();
    for (const { timer } of this.lingering.values()) timer.cancel();
    this.lingering.clear();
    for (const flow of this.udp.values()) this.closeFlow(flow);
    this.udp.clear();
    for (const socket of this.udpServers) {
      try { socket.close(); } catch { /* never bound */ }
    }
    await Promise.all(this.tcpServers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    for (const listener of this.linkListeners) listener(false);
  }

  send(frame: Uint8Array): void {
    if (!this.up) return;
    try {
      this.handleFrame(frame);
    } catch (error) {
      // A bug here must not take the simulation down with it; the frame is dropped and reported.
      this.log(`dropped a frame after an internal error: ${(error as Error).stack ?? String(error)}`);
    }
  }

  // ---- frames from the firmware ----

  private handleFrame(frame: Uint8Array): void {
    const ethernet = parseEthernet(frame);
    if (!ethernet) return;
    const forUs = sameBytes(ethernet.destination, BROADCAST_MAC) || sameBytes(ethernet.destination, this.gatewayMac);
    if (!forUs) return;
    if (ethernet.etherType === ETHERTYPE_ARP) return this.handleArp(ethernet.payload);
    if (ethernet.etherType !== ETHERTYPE_IPV4) return;
    const ip = parseIpv4(ethernet.payload);
    if (!ip) return;
    if (this.verifyChecksums && !ip.headerChecksumOk) return;
    if (ip.fragment) {
      this.logOnce('fragment', 'dropped IP fragments from the firmware (usernet does not reassemble)');
      return;
    }
    if (ip.source !== 0 && this.isVirtual(ip.source) && !this.isOurs(ip.source)) this.learn(ip.source, ethernet.source);
    if (ip.protocol === IP_PROTO_UDP) this.handleUdp(ip, ethernet.source, ethernet.payload);
    else if (ip.protocol === IP_PROTO_TCP) this.handleTcp(ip);
    else if (ip.protocol === IP_PROTO_ICMP) this.handleIcmp(ip);
  }

  private handleArp(data: Uint8Array): void {
    const arp = parseArp(data);
    if (!arp) return;
    if (arp.senderIp !== 0 && this.isVirtual(arp.senderIp) && !this.isOurs(arp.senderIp)) this.learn(arp.senderIp, arp.senderMac);
    if (arp.operation !== 1) return;
    // Every virtual address except the firmware's own answers with the gateway's MAC.
    if (!this.isVirtual(arp.targetIp) || arp.targetIp === arp.senderIp || this.guestMacs.has(arp.targetIp)) return;
    if (arp.targetIp === this.networkAddress || arp.targetIp === this.broadcastAddress) return;
    // DHCP pool addresses belong to boards: staying silent lets the firmware's duplicate-address probe succeed.
    if (this.dhcp.isPoolAddress(arp.targetIp)) return;
    const reply = buildArp(2, this.gatewayMac, arp.targetIp, arp.senderMac, arp.senderIp);
    this.deliver(buildEthernet(arp.senderMac, this.gatewayMac, ETHERTYPE_ARP, reply));
  }

  private handleIcmp(ip: Ipv4Packet): void {
    const icmp = parseIcmp(ip.payload);
    if (!icmp || icmp.type !== 8 || icmp.code !== 0 || ip.source === 0) return;
    if (this.verifyChecksums && !icmp.checksumOk) return;
    if (!this.isOurs(ip.destination)) {
      this.logOnce(`ping ${ip.destination}`, `ping to ${ipToString(ip.destination)} not answered (usernet answers pings to its own addresses only)`);
      return;
    }
    this.sendIp(ip.destination, ip.source, IP_PROTO_ICMP, buildIcmp(0, 0, icmp.body));
  }

  private handleUdp(ip: Ipv4Packet, sourceMac: Uint8Array, rawIp: Uint8Array): void {
    const udp = parseUdp(ip.payload, ip);
    if (!udp) return;
    if (this.verifyChecksums && !udp.checksumOk) return;
    if (udp.destinationPort === 67) {
      const reply = this.dhcp.handle(udp.payload);
      if (!reply) return;
      const payload = buildUdp(this.gatewayIp, reply.broadcast ? 0xffffffff : reply.clientAddress, 67, 68, reply.payload);
      const packet = buildIpv4(this.gatewayIp, reply.broadcast ? 0xffffffff : reply.clientAddress, IP_PROTO_UDP, payload, this.nextId());
      this.deliver(buildEthernet(reply.broadcast ? BROADCAST_MAC : reply.clientMac, this.gatewayMac, ETHERTYPE_IPV4, packet));
      if (!reply.broadcast && reply.clientAddress !== 0) this.learn(reply.clientAddress, sourceMac);
      return;
    }
    if (ip.source === 0) return;
    // Answers come from the address the query went to, as the firmware expects (a broadcast
    // query is answered from the DNS address).
    const answerFrom = this.isBroadcastOrMulticast(ip.destination) ? this.dnsIp : ip.destination;
    if (udp.destinationPort === 53) {
      const answer = answerDnsQuery(udp.payload, this.hosts);
      if (answer) this.sendUdp(answerFrom, udp.destinationPort, ip.source, udp.sourcePort, answer);
      return;
    }
    if (udp.destinationPort === 123) {
      const answer = answerSntpRequest(udp.payload, this.timeOfDay());
      if (answer) this.sendUdp(answerFrom, udp.destinationPort, ip.source, udp.sourcePort, answer);
      return;
    }
    if (this.isBroadcastOrMulticast(ip.destination)) return;
    if (ip.destination === this.gatewayIp) {
      const back = this.udpForwardReturns.get(udp.destinationPort);
      if (back) {
        back.socket.send(udp.payload, back.port, back.address);
        return;
      }
    }
    this.proxyUdp(ip, udp.sourcePort, udp.destinationPort, udp.payload, rawIp);
  }

  private handleTcp(ip: Ipv4Packet): void {
    const segment = parseTcp(ip.payload, ip);
    if (!segment) return;
    if (this.verifyChecksums && !segment.checksumOk) return;
    const key = flowKey(ip.source, segment.sourcePort, ip.destination, segment.destinationPort);
    const entry = this.tcp.get(key);
    if (entry) {
      if (entry.connection) {
        entry.connection.receive(segment);
        if (entry.socket.isPaused() && entry.connection.unacknowledgedBytes < HOST_SEND_PAUSE_BYTES / 2) entry.socket.resume();
      } else if (segment.flags & TCP_RST) {
        entry.socket.destroy(); // the firmware gave up while we were still connecting
        this.tcp.delete(key);
      }
      return;
    }
    const lingering = this.lingering.get(key);
    if (lingering) {
      if (!(segment.flags & TCP_SYN)) {
        lingering.connection.receive(segment);
        return;
      }
      lingering.timer.cancel(); // the firmware reuses the port for a new connection
      this.lingering.delete(key);
    }
    if ((segment.flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN) {
      this.openOutbound(ip, segment, key);
      return;
    }
    if (!(segment.flags & TCP_RST)) this.resetFor(ip, segment);
  }

  // ---- outbound TCP: firmware → host ----

  private openOutbound(ip: Ipv4Packet, syn: TcpSegment, key: string): void {
    const target = this.hostAddressFor(ip.destination);
    const where = `${ipToString(ip.destination)}:${syn.destinationPort}`;
    if (target === null) {
      this.logOnce(`deny tcp ${where}`, `refused TCP from the firmware to ${where}: not in the allow list (${this.allowList.describe()}); further attempts are refused silently`);
      this.resetFor(ip, syn);
      return;
    }
    if (this.openConnections >= this.maxConnections || !this.limiter.take()) {
      this.log(`refused TCP from the firmware to ${where}: too many connections (limit ${this.maxConnections}, rate limited)`);
      this.resetFor(ip, syn);
      return;
    }
    const socket = connect({ host: target, port: syn.destinationPort, allowHalfOpen: true });
    socket.setNoDelay(true);
    const entry: ProxiedTcp = {
      connection: null, socket, guestIp: ip.source, guestPort: syn.sourcePort, remoteIp: ip.destination, remotePort: syn.destinationPort, syn,
    };
    this.tcp.set(key, entry);
    socket.once('connect', () => {
      if (this.tcp.get(key) !== entry) return;
      entry.connection = this.newConnection(entry, key, syn);
    });
    this.wireSocket(entry, key, where);
  }

  private wireSocket(entry: ProxiedTcp, key: string, where: string): void {
    const { socket } = entry;
    socket.on('data', (data: Buffer) => {
      if (!this.up) return;
      entry.connection?.write(data);
      if ((entry.connection?.unacknowledgedBytes ?? 0) > HOST_SEND_PAUSE_BYTES) socket.pause();
    });
    let hostEnded = false;
    socket.on('end', () => {
      hostEnded = true;
      entry.connection?.finish();
    });
    socket.on('drain', () => entry.connection?.windowOpened());
    socket.on('error', (error: Error) => {
      if (!this.up) return;
      this.log(`TCP ${where}: ${error.message}`);
    });
    socket.on('close', (hadError: boolean) => {
      if (this.tcp.get(key) !== entry) return;
      const connection = entry.connection;
      if (!connection) {
        // Connect failed: the firmware gets a RST for its SYN, as if the port were closed.
        this.tcp.delete(key);
        if (entry.syn) this.resetFor({ source: entry.guestIp, destination: entry.remoteIp }, entry.syn);
        return;
      }
      // After an orderly end both ways the connection still owes the firmware its FIN (and may
      // retransmit it); anything else is an abort.
      if (!connection.isClosed && (hadError || !hostEnded)) connection.abort();
    });
  }

  private newConnection(entry: ProxiedTcp, key: string, syn?: TcpSegment): TcpConnection {
    const { socket } = entry;
    this.sequenceSeed = (Math.imul(this.sequenceSeed, 1_103_515_245) + 12_345) >>> 0;
    return new TcpConnection(this.clock, {
      emit: (fields) => this.sendIp(entry.remoteIp, entry.guestIp, IP_PROTO_TCP, buildTcp(entry.remoteIp, entry.guestIp, {
        ...fields, sourcePort: entry.remotePort, destinationPort: entry.guestPort,
      })),
      onData: (data) => { socket.write(data); },
      onPeerFinished: () => { socket.end(); },
      onEstablished: () => {},
      onReset: (reason) => {
        this.log(`TCP ${ipToString(entry.guestIp)}:${entry.guestPort} ↔ ${ipToString(entry.remoteIp)}:${entry.remotePort}: ${reason}`);
        socket.destroy();
      },
      onClosed: (graceful) => {
        if (this.tcp.get(key) !== entry) return;
        this.tcp.delete(key);
        if (!graceful || !entry.connection) return;
        // A short linger instead of TIME_WAIT: a FIN retransmitted because our last ACK was lost
        // gets that ACK again rather than a RST. Nothing else is held.
        const connection = entry.connection;
        this.lingering.get(key)?.timer.cancel();
        const timer = this.clock.after(LINGER_SECONDS, () => {
          if (this.lingering.get(key)?.connection === connection) this.lingering.delete(key);
        });
        this.lingering.set(key, { connection, timer });
      },
      hostBacklog: () => socket.writableLength,
    }, this.tuning, this.sequenceSeed, syn);
  }

  private resetFor(ip: { source: number; destination: number }, segment: TcpSegment): void {
    const length = segment.payload.length + (segment.flags & TCP_SYN ? 1 : 0) + (segment.flags & 0x01 ? 1 : 0);
    const fields = segment.flags & TCP_ACK
      ? { sequence: segment.acknowledgment, acknowledgment: 0, flags: TCP_RST }
      : { sequence: 0, acknowledgment: seqAdd(segment.sequence, length), flags: TCP_RST | TCP_ACK };
    this.sendIp(ip.destination, ip.source, IP_PROTO_TCP, buildTcp(ip.destination, ip.source, {
      sourcePort: segment.destinationPort, destinationPort: segment.sourcePort, window: 0, ...fields,
    }));
  }

  // ---- UDP: firmware → host ----

  private proxyUdp(ip: Ipv4Packet, sourcePort: number, destinationPort: number, payload: Uint8Array, rawIp: Uint8Array): void {
    const key = flowKey(ip.source, sourcePort, ip.destination, destinationPort);
    let flow = this.udp.get(key);
    if (!flow) {
      const target = this.hostAddressFor(ip.destination);
      const where = `${ipToString(ip.destination)}:${destinationPort}`;
      const refuse = (why: string): void => {
        this.logOnce(`deny udp ${where} ${why}`, `refused UDP from the firmware to ${where}: ${why}`);
        // ICMP destination unreachable, administratively prohibited (RFC 1812 §5.2.7.1).
        const quoted = rawIp.subarray(0, Math.min(rawIp.length, (rawIp[0]! & 0x0f) * 4 + 8));
        const body = new Uint8Array(4 + quoted.length);
        body.set(quoted, 4);
        this.sendIp(this.gatewayIp, ip.source, IP_PROTO_ICMP, buildIcmp(3, 13, body));
      };
      if (target === null) return refuse(`not in the allow list (${this.allowList.describe()})`);
      if (this.openConnections >= this.maxConnections || !this.limiter.take()) return refuse('too many flows (rate limited)');
      const socket = createSocket('udp4');
      const created: UdpFlow = { socket, guestIp: ip.source, guestPort: sourcePort, remoteIp: ip.destination, remotePort: destinationPort, hostAddress: target, idle: null };
      flow = created;
      socket.on('error', (error) => this.log(`UDP ${where}: ${error.message}`));
      socket.on('message', (message, from) => {
        if (!this.up || from.address !== created.hostAddress || from.port !== created.remotePort) return;
        this.touch(created, key);
        this.sendUdp(created.remoteIp, created.remotePort, created.guestIp, created.guestPort, message);
      });
      socket.bind({ address: target.startsWith('127.') ? '127.0.0.1' : '0.0.0.0', port: 0 });
      this.udp.set(key, created);
    }
    this.touch(flow, key);
    flow.socket.send(payload, flow.remotePort, flow.hostAddress);
  }

  private touch(flow: UdpFlow, key: string): void {
    flow.idle?.cancel();
    flow.idle = this.clock.after(this.udpIdleSeconds, () => {
      if (this.udp.get(key) === flow) this.udp.delete(key);
      this.closeFlow(flow);
    });
  }

  private closeFlow(flow: UdpFlow): void {
    flow.idle?.cancel();
    try { flow.socket.close(); } catch { /* already closed */ }
  }

  // ---- host forwards: host → firmware ----

  private async listen(rule: HostForward): Promise<void> {
    const guestIp = rule.guestAddress ? parseCidr(rule.guestAddress).network : this.guestIp;
    if (rule.protocol === 'tcp') {
      const server = createServer({ allowHalfOpen: true }, (socket) => this.acceptForward(socket, guestIp, rule.guestPort));
      this.tcpServers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(rule.hostPort, rule.hostAddress, () => {
          server.off('error', reject);
          const address = server.address();
          this.forwardPorts.push({ rule, port: typeof address === 'object' && address ? address.port : rule.hostPort });
          resolve();
        });
      });
      return;
    }
    const socket = createSocket('udp4');
    this.udpServers.push(socket);
    const gatewayPorts = new Map<string, number>();
    socket.on('message', (message, from) => {
      if (!this.up) return;
      const client = `${from.address}:${from.port}`;
      let port = gatewayPorts.get(client);
      if (port === undefined) {
        port = this.allocateGatewayPort();
        gatewayPorts.set(client, port);
        this.udpForwardReturns.set(port, { socket, address: from.address, port: from.port });
      }
      this.sendUdp(this.gatewayIp, port, guestIp, rule.guestPort, message);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(rule.hostPort, rule.hostAddress, () => {
        socket.off('error', reject);
        this.forwardPorts.push({ rule, port: socket.address().port });
        resolve();
      });
    });
  }

  private acceptForward(socket: Socket, guestIp: number, guestPort: number): void {
    if (!this.up) { socket.destroy(); return; }
    socket.setNoDelay(true);
    const gatewayPort = this.allocateGatewayPort();
    const key = flowKey(guestIp, guestPort, this.gatewayIp, gatewayPort);
    const entry: ProxiedTcp = { connection: null, socket, guestIp, guestPort, remoteIp: this.gatewayIp, remotePort: gatewayPort };
    this.tcp.set(key, entry);
    this.wireSocket(entry, key, `hostfwd to ${ipToString(guestIp)}:${guestPort}`);
    entry.connection = this.newConnection(entry, key);
  }

  private allocateGatewayPort(): number {
    for (let i = 0; i < 16384; i++) {
      const port = this.nextGatewayPort;
      this.nextGatewayPort = port >= 65535 ? 49152 : port + 1;
      if (!this.udpForwardReturns.has(port) && ![...this.tcp.values()].some((e) => e.remoteIp === this.gatewayIp && e.remotePort === port)) return port;
    }
    return this.nextGatewayPort;
  }

  // ---- frames for the firmware ----

  private sendUdp(source: number, sourcePort: number, destination: number, destinationPort: number, payload: Uint8Array): void {
    this.sendIp(source, destination, IP_PROTO_UDP, buildUdp(source, destination, sourcePort, destinationPort, payload));
  }

  private sendIp(source: number, destination: number, protocol: number, payload: Uint8Array): void {
    // Large UDP answers from the host are fragmented like a router would; TCP segments always fit (MSS ≤ 1460).
    const packets = buildIpv4Fragments(source, destination, protocol, payload, this.nextId());
    const mac = this.guestMacs.get(destination);
    if (mac) {
      for (const packet of packets) this.deliver(buildEthernet(mac, this.gatewayMac, ETHERTYPE_IPV4, packet));
      return;
    }
    const queue = this.held.get(destination) ?? [];
    for (const packet of packets) if (queue.length < MAX_HELD_FRAMES) queue.push(packet);
    this.held.set(destination, queue);
    // Ask the firmware for its MAC; the gateway is the sender.
    const request = buildArp(1, this.gatewayMac, this.gatewayIp, new Uint8Array(6), destination);
    this.deliver(buildEthernet(BROADCAST_MAC, this.gatewayMac, ETHERTYPE_ARP, request));
  }

  private learn(ip: number, mac: Uint8Array): void {
    if (mac[0]! & 1) return; // a group address is nobody's
    const known = this.guestMacs.get(ip);
    if (!known || !sameBytes(known, mac)) this.guestMacs.set(ip, Uint8Array.from(mac));
    const queue = this.held.get(ip);
    if (!queue) return;
    this.held.delete(ip);
    for (const packet of queue) this.deliver(buildEthernet(mac, this.gatewayMac, ETHERTYPE_IPV4, packet));
  }

  private deliver(frame: Uint8Array): void {
    if (!this.up) return;
    for (const listener of this.listeners) listener(frame);
  }

  // ---- addresses ----

  private get broadcastAddress(): number {
    return (this.networkAddress | ~this.netmask) >>> 0;
  }

  private isVirtual(address: number): boolean {
    return ((address & this.netmask) >>> 0) === this.networkAddress;
  }

  /** Addresses usernet itself owns: the gateway, the DNS server. */
  private isOurs(address: number): boolean {
    return address === this.gatewayIp || address === this.dnsIp;
  }

  private isBroadcastOrMulticast(address: number): boolean {
    return address === 0xffffffff || address === this.broadcastAddress || (address >>> 28) === 0xe;
  }

  /** The host address a firmware destination maps to, or null when it may not be reached. */
  private hostAddressFor(destination: number): string | null {
    const host = destination === this.gatewayIp ? 0x7f000001 : destination;
    if (this.isVirtual(host)) return null;
    return this.allowList.allows(host) ? ipToString(host) : null;
  }

  private nextId(): number {
    this.identification = (this.identification + 1) & 0xffff;
    return this.identification;
  }

  private logOnce(key: string, message: string): void {
    if (this.loggedOnce.has(key)) return;
    this.loggedOnce.add(key);
    this.log(message);
  }

  /** For diagnostics: which MAC usernet believes the firmware has at an address. */
  guestMacOf(address: number): string | undefined {
    const mac = this.guestMacs.get(address);
    return mac ? macToString(mac) : undefined;
  }
}

function flowKey(guestIp: number, guestPort: number, remoteIp: number, remotePort: number): string {
  return `${guestIp}:${guestPort}>${remoteIp}:${remotePort}`;
}
