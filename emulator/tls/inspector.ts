// The TLS inspector (DESIGN.md decision 8): it watches the board's Ethernet frames, rebuilds each
// TCP stream, finds TLS records in it and decodes what travels in clear (ClientHello, ServerHello
// or HelloRetryRequest, ChangeCipherSpec, alerts). With secrets from an NSS key log it also reads
// the encrypted handshake (Certificate, CertificateRequest, Finished) and encrypted alerts, which
// in TLS 1.3 is where a certificate problem shows. It never changes a frame.
import {
  ETHERTYPE_IPV4, IP_PROTO_TCP, TCP_FIN, TCP_RST, TCP_SYN, ipToString, parseEthernet, parseIpv4, parseTcp,
} from '../net/packet.js';
import type { FramePort } from '../net/frame-port.js';
import {
  certificateIsEmpty, decodeClientHello, decodeServerHello, type ClientHello, type ServerHello,
} from './handshake.js';
import { KeySecrets, RecordProtection, parseKeyLogLine } from './key-schedule.js';
import { alertName, handshakeTypeName } from './names.js';
import { TcpStreamReassembler } from './tcp-reassembly.js';
import { explainFailure, type Diagnosis } from './diagnosis.js';

/** Which way a frame went: from the board ('tx' in HostEthernetLink.tap) or to it ('rx'). */
export type FrameDirection = 'board-to-network' | 'network-to-board' | 'tx' | 'rx';
export type Side = 'board' | 'peer';

const CONTENT_NAMES: Record<number, string> = {
  20: 'change_cipher_spec', 21: 'alert', 22: 'handshake', 23: 'application_data', 24: 'heartbeat',
};
const MAX_RECORD = 16384 + 2048 + 5;
/** Encrypted records held while waiting for secrets from the key log, per connection. */
const MAX_PENDING_ENCRYPTED = 128 * 1024;
/** ...and at most this many of them: a long session of small records (an MQTT publication a
 *  second, no key log) otherwise held thousands, each costing far more than its bytes. */
const MAX_PENDING_RECORDS = 256;
const MAX_TRACKED = 256;

export interface Endpoint { ip: string; port: number }

export interface AlertInfo {
  time: number;
  from: Side;
  level: number;
  levelName: 'warning' | 'fatal' | string;
  code: number;
  name: string;
  /** Read from an encrypted record with key-log secrets, or reported by the firmware's console. */
  source: 'clear' | 'decrypted' | 'console';
}

export interface HandshakeMessageInfo { time: number; from: Side; type: number; name: string; encrypted: boolean }

export interface SideStats {
  records: number;
  bytes: number;
  /** Sizes of records with content type application_data as seen on the wire (encrypted). */
  encryptedRecordSizes: number[];
  encryptedRecords: number;
  changeCipherSpec: boolean;
  finished: boolean;
}

export interface TlsConnection {
  id: number;
  board: Endpoint;
  peer: Endpoint;
  startTime: number;
  /** The side that sent the ClientHello (the board, for an MQTT client). */
  client: Side | null;
  isTls: boolean | null;
  clientHello: ClientHello | null;
  /** Further ClientHellos (after a HelloRetryRequest). */
  retryClientHellos: ClientHello[];
  serverHello: ServerHello | null;
  helloRetryRequests: ServerHello[];
  alerts: AlertInfo[];
  messages: HandshakeMessageInfo[];
  stats: Record<Side, SideStats>;
  handshakeComplete: boolean;
  handshakeCompleteBasis?: string;
  /** True when key-log secrets let us read this connection's encrypted records. */
  decrypting: boolean;
  certificateRequested: boolean;
  /** With secrets: whether the client answered a CertificateRequest with a certificate. */
  clientCertificateSent: boolean | null;
  consoleLines: string[];
  closed: { time: number; by: Side; how: 'fin' | 'rst' } | null;
  lostBytes: number;
  diagnosis: Diagnosis | null;
}

export interface TlsEvents {
  'client-hello': { connection: TlsConnection; time: number; from: Side; hello: ClientHello };
  'server-hello': { connection: TlsConnection; time: number; from: Side; hello: ServerHello };
  'hello-retry-request': { connection: TlsConnection; time: number; from: Side; hello: ServerHello };
  'handshake-message': { connection: TlsConnection; message: HandshakeMessageInfo };
  alert: { connection: TlsConnection; alert: AlertInfo };
  record: { connection: TlsConnection; time: number; from: Side; contentType: number; contentTypeName: string; version: number; length: number; encrypted: boolean };
  'handshake-complete': { connection: TlsConnection; time: number; basis: string };
  'connection-closed': { connection: TlsConnection; time: number; by: Side; how: 'fin' | 'rst' };
  'handshake-failed': { connection: TlsConnection; time: number; diagnosis: Diagnosis };
  /** What the application sent: TLS application data read with key-log secrets (`decrypted`), or
   *  the bytes of a TCP stream that turned out not to be TLS (e.g. MQTT on port 1883). */
  'application-data': { connection: TlsConnection; time: number; from: Side; bytes: Uint8Array; decrypted: boolean };
  /** TCP bytes of one direction were never seen: what follows in that direction is not read. */
  'stream-gap': { connection: TlsConnection; time: number; from: Side; length: number };
}

type Listener<K extends keyof TlsEvents> = (event: TlsEvents[K]) => void;

export interface TlsInspectorOptions {
  /** Secrets for decrypting (NSS key log lines or a shared store the key log writers fill). */
  keys?: KeySecrets;
  /** Connections remembered after they close (the oldest are forgotten). */
  keepClosed?: number;
  /** TCP bytes buffered behind a hole per direction before the hole is declared lost. */
  maxBufferedPerStream?: number;
}

interface Direction {
  side: Side;
  stream: TcpStreamReassembler;
  buffer: Uint8Array;
  filled: number;
  handshake: Uint8Array;
  handshakeFilled: number;
  /** Lost bytes make the record framing unreliable: stop reading this direction. */
  desynchronised: boolean;
  protection: RecordProtection | null;
  phase: 'handshake' | 'application';
  pending: Array<{ time: number; header: Uint8Array; body: Uint8Array }>;
  pendingBytes: number;
}

interface Tracked {
  connection: TlsConnection;
  directions: Record<Side, Direction>;
  now: number;
  done: boolean;
  serverRecordsAtClientFlight?: number;
}

function emptyStats(): SideStats {
  return { records: 0, bytes: 0, encryptedRecordSizes: [], encryptedRecords: 0, changeCipherSpec: false, finished: false };
}

const other = (side: Side): Side => (side === 'board' ? 'peer' : 'board');

export class TlsInspector {
  readonly connections: TlsConnection[] = [];
  readonly keys: KeySecrets;
  private readonly tracked = new Map<string, Tracked>();
  private readonly listeners = new Map<keyof TlsEvents, Array<(event: never) => void>>();
  private nextId = 1;
  private readonly keepClosed: number;
  private readonly maxBuffered: number;

  constructor(options: TlsInspectorOptions = {}) {
    this.keys = options.keys ?? new KeySecrets();
    this.keepClosed = options.keepClosed ?? 64;
    this.maxBuffered = options.maxBufferedPerStream ?? 256 * 1024;
    this.keys.onAdd(() => { for (const tracked of this.tracked.values()) this.retryDecryption(tracked); });
  }

  on<K extends keyof TlsEvents>(type: K, listener: Listener<K>): this {
    const list = this.listeners.get(type) ?? [];
    list.push(listener as (event: never) => void);
    this.listeners.set(type, list);
    return this;
  }

  private emit<K extends keyof TlsEvents>(type: K, event: TlsEvents[K]): void {
    for (const listener of this.listeners.get(type) ?? []) (listener as Listener<K>)(event);
  }

  /** Adds NSS key log text (one or more lines). */
  addKeyLog(text: string): void {
    for (const line of text.split('\n')) {
      const entry = parseKeyLogLine(line);
      if (entry) this.keys.add(entry);
    }
  }

  /** A line the firmware printed (UART/semihosting): our fixture's TLS library names the alerts it sends. */
  noteConsoleLine(line: string, time = 0): void {
    const latest = this.latestOpen();
    if (!latest) return;
    const connection = latest.connection;
    connection.consoleLines.push(line);
    if (connection.consoleLines.length > 50) connection.consoleLines.shift();
    const sent = /TLS alert sent: (\d+)/.exec(line);
    const received = /TLS alert received: (\d+)/.exec(line);
    const match = sent ?? received;
    if (!match) return;
    const code = Number(match[1]);
    const from: Side = sent ? 'board' : 'peer';
    if (connection.alerts.some((a) => a.from === from && a.code === code)) return;
    this.addAlert(latest, { time, from, level: 2, levelName: 'fatal', code, name: alertName(code), source: 'console' });
  }

  /** Feeds one Ethernet frame; `time` is virtual seconds. */
  feed(direction: FrameDirection, frame: Uint8Array, time: number): void {
    const fromBoard = direction === 'board-to-network' || direction === 'tx';
    const ethernet = parseEthernet(frame);
    if (!ethernet || ethernet.etherType !== ETHERTYPE_IPV4) return;
    const ip = parseIpv4(ethernet.payload);
    if (!ip || ip.protocol !== IP_PROTO_TCP || ip.fragment) return;
    const tcp = parseTcp(ip.payload, ip);
    if (!tcp) return;
    const board: Endpoint = fromBoard
      ? { ip: ipToString(ip.source), port: tcp.sourcePort } : { ip: ipToString(ip.destination), port: tcp.destinationPort };
    const peer: Endpoint = fromBoard
      ? { ip: ipToString(ip.destination), port: tcp.destinationPort } : { ip: ipToString(ip.source), port: tcp.sourcePort };
    const key = `${board.ip}:${board.port}-${peer.ip}:${peer.port}`;
    const syn = (tcp.flags & TCP_SYN) !== 0;
    let tracked = this.tracked.get(key);
    if (tracked && tracked.done && syn) tracked = undefined; // a new connection on the same ports
    if (!tracked) {
      if (tcp.payload.length === 0 && !syn) return; // a stray ACK of a connection we never saw
      tracked = this.track(key, board, peer, time);
    }
    if (tracked.done) return;
    tracked.now = time;
    const side: Side = fromBoard ? 'board' : 'peer';
    const flow = tracked.directions[side];
    flow.stream.segment(tcp.sequence, syn, (tcp.flags & TCP_FIN) !== 0, tcp.payload);
    if ((tcp.flags & TCP_RST) !== 0) this.close(tracked, side, 'rst', time);
    else if (flow.stream.finished) this.close(tracked, side, 'fin', time);
  }

  /** A FramePort wrapper: frames pass through unchanged and are inspected on the way. */
  wrap(inner: FramePort, now: () => number): FramePort {
    const listeners: Array<(frame: Uint8Array) => void> = [];
    inner.onReceive((frame) => {
      this.feed('network-to-board', frame, now());
      for (const listener of listeners) listener(frame);
    });
    return {
      send: (frame) => { this.feed('board-to-network', frame, now()); inner.send(frame); },
      onReceive: (listener) => { listeners.push(listener); },
      get linkUp() { return inner.linkUp; },
      onLinkChange: (listener) => inner.onLinkChange(listener),
      close: () => inner.close(),
    };
  }

  /** One line per TLS connection. */
  summary(): string {
    return this.connections.filter((c) => c.isTls).map((c) => describeConnection(c)).join('\n');
  }

  private latestOpen(): Tracked | undefined {
    let latest: Tracked | undefined;
    for (const tracked of this.tracked.values()) {
      if (tracked.connection.isTls && (!latest || tracked.connection.id > latest.connection.id)) latest = tracked;
    }
    return latest;
  }

  private track(key: string, board: Endpoint, peer: Endpoint, time: number): Tracked {
    const connection: TlsConnection = {
      id: this.nextId++, board, peer, startTime: time, client: null, isTls: null, clientHello: null,
      retryClientHellos: [], serverHello: null, helloRetryRequests: [], alerts: [], messages: [],
      stats: { board: emptyStats(), peer: emptyStats() }, handshakeComplete: false, decrypting: false,
      certificateRequested: false, clientCertificateSent: null, consoleLines: [], closed: null, lostBytes: 0, diagnosis: null,
    };
    const tracked: Tracked = { connection, directions: {} as Record<Side, Direction>, now: time, done: false };
    for (const side of ['board', 'peer'] as const) {
      const direction: Direction = {
        side, buffer: new Uint8Array(MAX_RECORD), filled: 0, handshake: new Uint8Array(0), handshakeFilled: 0,
        desynchronised: false, protection: null, phase: 'handshake', pending: [], pendingBytes: 0,
        stream: new TcpStreamReassembler({
          data: (bytes) => this.streamData(tracked, direction, bytes),
          gap: (length) => {
            connection.lostBytes += length;
            if (!direction.desynchronised) this.emit('stream-gap', { connection, time: tracked.now, from: side, length });
            direction.desynchronised = true;
          },
        }, this.maxBuffered),
      };
      tracked.directions[side] = direction;
    }
    this.tracked.set(key, tracked);
    this.connections.push(connection);
    this.forgetOld();
    if (this.tracked.size > MAX_TRACKED) {
      // A scan or a flood of connections must not grow memory without bound: forget the oldest.
      const [oldestKey, oldest] = this.tracked.entries().next().value!;
      this.tracked.delete(oldestKey);
      const index = this.connections.indexOf(oldest.connection);
      if (index >= 0) this.connections.splice(index, 1);
    }
    return tracked;
  }

  private forgetOld(): void {
    const closed = this.connections.filter((c) => c.closed);
    let excess = closed.length - this.keepClosed;
    for (let i = 0; i < this.connections.length && excess > 0;) {
      if (this.connections[i]!.closed) { this.connections.splice(i, 1); excess--; } else i++;
    }
    const remembered = new Set(this.connections);
    for (const [key, tracked] of this.tracked) if (!remembered.has(tracked.connection)) this.tracked.delete(key);
  }

  private close(tracked: Tracked, by: Side, how: 'fin' | 'rst', time: number): void {
    const connection = tracked.connection;
    if (connection.closed) return;
    for (const side of ['board', 'peer'] as const) tracked.directions[side].stream.flush();
    connection.closed = { time, by, how };
    tracked.done = true;
    if (!connection.isTls) return;
    this.emit('connection-closed', { connection, time, by, how });
    this.concludeFailure(tracked, time);
  }

  private concludeFailure(tracked: Tracked, time: number): void {
    const connection = tracked.connection;
    if (connection.handshakeComplete || connection.diagnosis) return;
    const fatal = connection.alerts.find((a) => a.code !== 0);
    if (!fatal && !connection.closed) return;
    connection.diagnosis = explainFailure(connection);
    this.emit('handshake-failed', { connection, time, diagnosis: connection.diagnosis });
  }

  private streamData(tracked: Tracked, flow: Direction, bytes: Uint8Array): void {
    const connection = tracked.connection;
    if (flow.desynchronised) return;
    if (connection.isTls === false) { this.plainData(tracked, flow, bytes); return; }
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(bytes.length - offset, flow.buffer.length - flow.filled);
      flow.buffer.set(bytes.subarray(offset, offset + take), flow.filled);
      flow.filled += take;
      offset += take;
      if (!this.drainRecords(tracked, flow)) {
        // drainRecords may have just found that the stream is not TLS.
        if ((connection.isTls as boolean | null) === false) this.plainData(tracked, flow, bytes.subarray(offset));
        return;
      }
    }
  }

  /** A stream that is not TLS: its bytes (and any held while that was undecided) go out as they are. */
  private plainData(tracked: Tracked, flow: Direction, bytes: Uint8Array): void {
    if (flow.filled > 0) {
      const held = flow.buffer.slice(0, flow.filled);
      flow.filled = 0;
      this.emit('application-data', { connection: tracked.connection, time: tracked.now, from: flow.side, bytes: held, decrypted: false });
    }
    if (bytes.length > 0) this.emit('application-data', { connection: tracked.connection, time: tracked.now, from: flow.side, bytes, decrypted: false });
  }

  /** Consumes complete records from the buffer; false when the stream is not (or no longer) TLS. */
  private drainRecords(tracked: Tracked, flow: Direction): boolean {
    const connection = tracked.connection;
    let start = 0;
    while (flow.filled - start >= 5) {
      const type = flow.buffer[start]!;
      const version = (flow.buffer[start + 1]! << 8) | flow.buffer[start + 2]!;
      const length = (flow.buffer[start + 3]! << 8) | flow.buffer[start + 4]!;
      const plausible = type >= 20 && type <= 24 && (version >> 8) === 3 && length <= MAX_RECORD - 5;
      if (!plausible) {
        if (connection.isTls === null) connection.isTls = false;
        else flow.desynchronised = true;
        return false;
      }
      if (connection.isTls === null) {
        if (type !== 22) { connection.isTls = false; return false; }
        connection.isTls = true;
      }
      if (flow.filled - start < 5 + length) break;
      const header = flow.buffer.slice(start, start + 5);
      const body = flow.buffer.slice(start + 5, start + 5 + length);
      start += 5 + length;
      this.record(tracked, flow, header, body);
    }
    flow.buffer.copyWithin(0, start, flow.filled);
    flow.filled -= start;
    return true;
  }

  private record(tracked: Tracked, flow: Direction, header: Uint8Array, body: Uint8Array): void {
    const connection = tracked.connection;
    const time = tracked.now;
    const from = flow.side;
    const type = header[0]!;
    const version = (header[1]! << 8) | header[2]!;
    const stats = connection.stats[from];
    stats.records++;
    stats.bytes += body.length;
    const tls12Encrypted = type === 22 && stats.changeCipherSpec && connection.serverHello !== null &&
      connection.serverHello.selectedVersion.code < 0x0304;
    const encrypted = type === 23 || tls12Encrypted;
    this.emit('record', { connection, time, from, contentType: type, contentTypeName: CONTENT_NAMES[type] ?? `type_${type}`, version, length: body.length, encrypted });
    if (type === 20) { stats.changeCipherSpec = true; return; }
    if (type === 21 && body.length === 2) {
      this.addAlert(tracked, { time, from, level: body[0]!, levelName: levelName(body[0]!), code: body[1]!, name: alertName(body[1]!), source: 'clear' });
      return;
    }
    if (type === 22 && !encrypted) { this.handshakeBytes(tracked, flow, body, false); return; }
    if (!encrypted) return;
    stats.encryptedRecords++;
    if (stats.encryptedRecordSizes.length < 256) stats.encryptedRecordSizes.push(body.length);
    if (type === 23 && this.isTls13(connection)) this.encryptedRecord(tracked, flow, header, body);
    if (type === 23 && !this.isTls13(connection) && connection.stats.board.changeCipherSpec && connection.stats.peer.changeCipherSpec) {
      this.complete(tracked, 'TLS 1.2: both sides changed cipher spec and application data flows');
    }
  }

  private isTls13(connection: TlsConnection): boolean {
    return connection.serverHello !== null && connection.serverHello.selectedVersion.code === 0x0304;
  }

  private encryptedRecord(tracked: Tracked, flow: Direction, header: Uint8Array, body: Uint8Array): void {
    const connection = tracked.connection;
    if (!flow.protection && !this.installKeys(connection, flow)) {
      if (flow.pendingBytes + body.length <= MAX_PENDING_ENCRYPTED && flow.pending.length < MAX_PENDING_RECORDS) {
        flow.pending.push({ time: tracked.now, header, body });
        flow.pendingBytes += body.length;
      }
      this.heuristicProgress(tracked, flow, body.length);
      return;
    }
    this.openRecord(tracked, flow, header, body, tracked.now);
  }

  /** Without secrets: the server answering the client's encrypted flight with a record that is not
   *  alert-sized (NewSessionTicket, application data) means it accepted the client's Finished. */
  private heuristicProgress(tracked: Tracked, flow: Direction, length: number): void {
    const connection = tracked.connection;
    if (connection.decrypting || !connection.client) return;
    const server = other(connection.client);
    if (flow.side === connection.client) {
      tracked.serverRecordsAtClientFlight ??= connection.stats[server].encryptedRecords;
      return;
    }
    const alertSized = length === 19 || length === 11; // 2 + 1 + a 16- or 8-byte tag
    if (tracked.serverRecordsAtClientFlight !== null && tracked.serverRecordsAtClientFlight !== undefined &&
        connection.stats[server].encryptedRecords > tracked.serverRecordsAtClientFlight && !alertSized) {
      this.complete(tracked, 'heuristic: the server sent a non-alert record after the client\'s encrypted flight');
    }
  }

  private installKeys(connection: TlsConnection, flow: Direction): boolean {
    if (!connection.clientHello || !connection.serverHello || !connection.client) return false;
    const suite = connection.serverHello.cipherSuite.code;
    if (!RecordProtection.supported(suite)) return false;
    const isClient = flow.side === connection.client;
    const label = flow.phase === 'handshake'
      ? (isClient ? 'CLIENT_HANDSHAKE_TRAFFIC_SECRET' : 'SERVER_HANDSHAKE_TRAFFIC_SECRET')
      : (isClient ? 'CLIENT_TRAFFIC_SECRET_0' : 'SERVER_TRAFFIC_SECRET_0');
    const secret = this.keys.get(connection.clientHello.randomHex, label);
    if (!secret) return false;
    flow.protection = new RecordProtection(suite, secret);
    connection.decrypting = true;
    return true;
  }

  private retryDecryption(tracked: Tracked): void {
    for (const side of ['board', 'peer'] as const) {
      const flow = tracked.directions[side];
      while (flow.pending.length > 0) {
        if (!flow.protection && !this.installKeys(tracked.connection, flow)) break;
        const record = flow.pending.shift()!;
        flow.pendingBytes -= record.body.length;
        this.openRecord(tracked, flow, record.header, record.body, record.time);
      }
    }
  }

  private openRecord(tracked: Tracked, flow: Direction, header: Uint8Array, body: Uint8Array, time: number): void {
    const opened = flow.protection!.open(header, body);
    if (!opened) { flow.protection = null; flow.pending = []; flow.pendingBytes = 0; return; }
    const connection = tracked.connection;
    if (opened.type === 21 && opened.content.length >= 2) {
      const [level, code] = [opened.content[0]!, opened.content[1]!];
      this.addAlert(tracked, { time, from: flow.side, level, levelName: levelName(level), code, name: alertName(code), source: 'decrypted' });
    } else if (opened.type === 22) {
      this.handshakeBytes(tracked, flow, opened.content, true, time);
    } else if (opened.type === 23) {
      if (flow.phase === 'application' && flow.side !== connection.client) this.serverAccepted(tracked);
      this.emit('application-data', { connection, time, from: flow.side, bytes: opened.content, decrypted: true });
    }
  }

  private handshakeBytes(tracked: Tracked, flow: Direction, bytes: Uint8Array, encrypted: boolean, time = tracked.now): void {
    const joined = new Uint8Array(flow.handshakeFilled + bytes.length);
    joined.set(flow.handshake.subarray(0, flow.handshakeFilled), 0);
    joined.set(bytes, flow.handshakeFilled);
    let start = 0;
    while (joined.length - start >= 4) {
      const length = (joined[start + 1]! << 16) | (joined[start + 2]! << 8) | joined[start + 3]!;
      if (length > 65536) { flow.desynchronised = true; return; }
      if (joined.length - start < 4 + length) break;
      this.handshakeMessage(tracked, flow, joined[start]!, joined.subarray(start + 4, start + 4 + length), encrypted, time);
      start += 4 + length;
    }
    flow.handshake = joined.slice(start);
    flow.handshakeFilled = flow.handshake.length;
  }

  private handshakeMessage(tracked: Tracked, flow: Direction, type: number, body: Uint8Array, encrypted: boolean, time: number): void {
    const connection = tracked.connection;
    const from = flow.side;
    const message: HandshakeMessageInfo = { time, from, type, name: handshakeTypeName(type), encrypted };
    if (connection.messages.length < 200) connection.messages.push(message);
    this.emit('handshake-message', { connection, message });
    if (type === 1) {
      const hello = decodeClientHello(body);
      connection.client ??= from;
      if (!connection.clientHello) connection.clientHello = hello;
      else connection.retryClientHellos.push(hello);
      this.emit('client-hello', { connection, time, from, hello });
    } else if (type === 2) {
      const hello = decodeServerHello(body);
      if (hello.helloRetryRequest) {
        connection.helloRetryRequests.push(hello);
        this.emit('hello-retry-request', { connection, time, from, hello });
      } else {
        connection.serverHello = hello;
        this.emit('server-hello', { connection, time, from, hello });
      }
    } else if (type === 13) {
      connection.certificateRequested = true;
    } else if (type === 11 && from === connection.client) {
      connection.clientCertificateSent = !certificateIsEmpty(body, this.isTls13(connection));
    } else if (type === 20) {
      connection.stats[from].finished = true;
      if (encrypted && this.isTls13(connection)) {
        // §7.1: each side switches to its application traffic secret after its own Finished.
        flow.phase = 'application';
        flow.protection = null;
        this.installKeys(connection, flow);
      }
    } else if (type === 4 && encrypted && from !== connection.client) {
      this.serverAccepted(tracked); // a NewSessionTicket follows the server's check of the client Finished
    }
  }

  /** TLS 1.3 with secrets: the client's Finished only counts once the server answers it with
   *  something other than an alert (a NewSessionTicket or application data). */
  private serverAccepted(tracked: Tracked): void {
    const stats = tracked.connection.stats;
    if (stats.board.finished && stats.peer.finished) this.complete(tracked, 'both Finished messages read with key-log secrets, and the server answered the client\'s');
  }

  private addAlert(tracked: Tracked, alert: AlertInfo): void {
    const connection = tracked.connection;
    const reported = connection.alerts.find((a) => a.source === 'console' && a.from === alert.from && a.code === alert.code);
    if (reported) { reported.source = alert.source; return; } // the console said it first; now it is on the wire too
    connection.alerts.push(alert);
    this.emit('alert', { connection, alert });
    if (alert.code === 0 || alert.code === 90) return;
    const vague = connection.diagnosis && ['encrypted-alert', 'closed-without-alert', 'board-closed'].includes(connection.diagnosis.kind);
    if (vague && !connection.handshakeComplete) connection.diagnosis = null; // secrets or the console arrived after the close
    this.concludeFailure(tracked, alert.time);
  }

  private complete(tracked: Tracked, basis: string): void {
    const connection = tracked.connection;
    if (connection.handshakeComplete) return;
    connection.handshakeComplete = true;
    connection.handshakeCompleteBasis = basis;
    this.emit('handshake-complete', { connection, time: tracked.now, basis });
  }
}

function levelName(level: number): string {
  return level === 1 ? 'warning' : level === 2 ? 'fatal' : `level_${level}`;
}

export function describeConnection(c: TlsConnection): string {
  const where = `${c.board.ip}:${c.board.port} → ${c.peer.ip}:${c.peer.port}`;
  const sh = c.serverHello;
  const negotiated = sh
    ? `${sh.selectedVersion.name} ${sh.cipherSuite.name}${sh.keyShareGroup ? ` ${sh.keyShareGroup.name}` : ''}`
    : 'no ServerHello';
  const hrr = c.helloRetryRequests.length > 0 ? `, ${c.helloRetryRequests.length} HelloRetryRequest` : '';
  if (c.diagnosis) return `${where}: handshake failed: ${c.diagnosis.headline} (${negotiated}${hrr})`;
  const records = `board ${c.stats.board.encryptedRecords} / peer ${c.stats.peer.encryptedRecords} encrypted records`;
  const state = c.handshakeComplete ? 'established' : c.closed ? 'closed before the handshake completed' : 'handshake in progress';
  const sni = c.clientHello?.serverName ? ` SNI ${c.clientHello.serverName}` : '';
  return `${where}: ${negotiated}${hrr}${sni}, ${state}, ${records}${c.closed ? `, closed by ${c.closed.by} (${c.closed.how})` : ''}`;
}
