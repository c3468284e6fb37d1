// Ethernet over WebSocket: one binary message per frame (no FCS). Three pieces:
// - WebSocketClientPort: the board's cable goes to a ws:// server (a gateway, a switch).
// - WebSocketServerPort: the board's cable is a listening socket; whoever connects is the far end.
// - WebSocketSwitch: a learning Ethernet switch whose ports are WebSocket clients and in-process
//   FramePorts, so several simulated boards (and a usernet gateway) share one segment.
// Servers listen on 127.0.0.1 unless told otherwise, refuse browser pages whose Origin is not
// allowed (a web page could otherwise reach a local simulator) and can require a token.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { FramePort } from './frame-port.js';
import { hostNetClock, type NetClock } from './net-clock.js';
import { UserNet, type UserNetOptions } from './usernet/usernet.js';

/** Larger than any Ethernet frame the MAC can send (jumbo frames included). */
const MAX_FRAME = 16 * 1024;

export interface WebSocketServerOptions {
  host?: string;
  /** 0 picks a free port (see `port` after `ready()`). */
  port: number;
  /** Clients must present it as `Authorization: Bearer TOKEN` or `?token=TOKEN`. */
  token?: string;
  /** Origins accepted from browsers; requests without an Origin header (non-browser clients) are accepted. */
  allowedOrigins?: string[];
  log?: (message: string) => void;
}

export interface WebSocketClientOptions {
  /** ws://host:port[/path] */
  url: string;
  token?: string;
  log?: (message: string) => void;
}

function toBytes(data: RawData): Uint8Array | null {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Origin and token checks shared by every listening piece. Returns why a request is refused. */
function refusal(request: IncomingMessage, options: WebSocketServerOptions): string | null {
  const origin = request.headers.origin;
  if (origin !== undefined && !(options.allowedOrigins ?? []).includes(origin)) return `origin ${origin} is not allowed`;
  if (options.token !== undefined) {
    const header = request.headers.authorization ?? '';
    const bearer = header.startsWith('Bearer ') ? header.slice(7) : '';
    const query = new URL(request.url ?? '/', 'ws://localhost').searchParams.get('token') ?? '';
    if (!sameSecret(bearer, options.token) && !sameSecret(query, options.token)) return 'missing or wrong token';
  }
  return null;
}

async function listen(options: WebSocketServerOptions, onConnection: (socket: WebSocket, request: IncomingMessage) => void): Promise<WebSocketServer> {
  const log = options.log ?? (() => {});
  const server = new WebSocketServer({
    host: options.host ?? '127.0.0.1',
    port: options.port,
    maxPayload: MAX_FRAME,
    verifyClient: (info, done) => {
      const why = refusal(info.req, options);
      if (why) log(`refused a WebSocket connection from ${info.req.socket.remoteAddress}: ${why}`);
      done(why === null, why === null ? undefined : 403, why ?? undefined);
    },
  });
  server.on('connection', (socket, request) => {
    socket.on('error', (error) => log(`WebSocket peer error: ${error.message}`));
    onConnection(socket, request);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => { server.off('error', reject); resolve(); });
    server.once('error', reject);
  });
  return server;
}

async function closeServer(server: WebSocketServer | null): Promise<void> {
  if (!server) return;
  for (const client of server.clients) client.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function portOf(server: WebSocketServer | null): number {
  const address = server?.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** Shared listener and link bookkeeping of the FramePort implementations here. */
abstract class PortBase implements FramePort {
  protected readonly receivers: Array<(frame: Uint8Array) => void> = [];
  private readonly linkListeners: Array<(up: boolean) => void> = [];
  private up = false;

  get linkUp(): boolean {
    return this.up;
  }

  abstract send(frame: Uint8Array): void;
  abstract close(): Promise<void>;

  onReceive(listener: (frame: Uint8Array) => void): void {
    this.receivers.push(listener);
  }

  onLinkChange(listener: (up: boolean) => void): void {
    this.linkListeners.push(listener);
  }

  protected setLink(up: boolean): void {
    if (up === this.up) return;
    this.up = up;
    for (const listener of this.linkListeners) listener(up);
  }

  protected receive(frame: Uint8Array): void {
    for (const listener of this.receivers) listener(frame);
  }
}

export class WebSocketClientPort extends PortBase {
  private readonly socket: WebSocket;
  private readonly opened: Promise<void>;

  constructor(options: WebSocketClientOptions) {
    super();
    const log = options.log ?? ((message: string) => process.stderr.write(`h5sim websocket: ${message}\n`));
    const headers: Record<string, string> = options.token ? { Authorization: `Bearer ${options.token}` } : {};
    this.socket = new WebSocket(options.url, { headers, maxPayload: MAX_FRAME });
    this.socket.binaryType = 'nodebuffer';
    this.opened = new Promise<void>((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('unexpected-response', (_request, response) => reject(new Error(`${options.url} refused the connection: HTTP ${response.statusCode}`)));
      this.socket.once('error', reject);
    });
    this.opened.catch(() => undefined);
    this.socket.on('open', () => this.setLink(true));
    this.socket.on('close', () => this.setLink(false));
    this.socket.on('error', (error) => log(`${options.url}: ${error.message}`));
    this.socket.on('message', (data, isBinary) => {
      const frame = isBinary ? toBytes(data) : null;
      if (frame && frame.length >= 14) this.receive(frame);
    });
  }

  /** Resolves once connected; rejects when the server refuses or cannot be reached. */
  ready(): Promise<void> {
    return this.opened;
  }

  send(frame: Uint8Array): void {
    // A frame sent while the cable is unplugged is lost, as on a real link.
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(frame, { binary: true });
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    if (this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
    else this.socket.close(1000);
    const timer = setTimeout(() => this.socket.terminate(), 1000);
    await closed;
    clearTimeout(timer);
  }
}

/** The board's end listens; every connected peer gets every frame, and any peer may send. */
export class WebSocketServerPort extends PortBase {
  private server: WebSocketServer | null = null;
  private readonly started: Promise<void>;

  constructor(options: WebSocketServerOptions) {
    super();
    this.started = listen(options, (socket) => {
      this.setLink(true);
      socket.on('message', (data, isBinary) => {
        const frame = isBinary ? toBytes(data) : null;
        if (frame && frame.length >= 14) this.receive(frame);
      });
      socket.on('close', () => this.setLink(this.server !== null && [...this.server.clients].some((c) => c.readyState === WebSocket.OPEN)));
    }).then((server) => { this.server = server; });
    this.started.catch(() => undefined);
  }

  ready(): Promise<void> {
    return this.started;
  }

  get port(): number {
    return portOf(this.server);
  }

  send(frame: Uint8Array): void {
    for (const client of this.server?.clients ?? []) if (client.readyState === WebSocket.OPEN) client.send(frame, { binary: true });
  }

  async close(): Promise<void> {
    await this.started.catch(() => undefined);
    const server = this.server;
    this.server = null;
    await closeServer(server);
    this.setLink(false);
  }
}

interface SwitchPort {
  id: number;
  deliver(frame: Uint8Array): void;
}

/**
 * A learning Ethernet switch. Ports are WebSocket clients (boards in other processes, using
 * WebSocketClientPort) and in-process FramePorts: `createPort()` hands a board a cable into the
 * switch, `connect(network)` plugs a network (e.g. usernet) into it.
 */
export class WebSocketSwitch {
  private server: WebSocketServer | null = null;
  private readonly started: Promise<void>;
  private readonly ports = new Map<number, SwitchPort>();
  private readonly table = new Map<string, number>();
  private readonly closers: Array<() => Promise<void> | void> = [];
  private nextId = 1;

  constructor(options?: WebSocketServerOptions) {
    this.started = options
      ? listen(options, (socket) => {
        const port = this.addPort((frame) => { if (socket.readyState === WebSocket.OPEN) socket.send(frame, { binary: true }); });
        socket.on('message', (data, isBinary) => {
          const frame = isBinary ? toBytes(data) : null;
          if (frame) this.forward(port, frame);
        });
        socket.on('close', () => this.removePort(port));
      }).then((server) => { this.server = server; })
      : Promise.resolve();
    this.started.catch(() => undefined);
  }

  ready(): Promise<void> {
    return this.started;
  }

  get port(): number {
    return portOf(this.server);
  }

  get portCount(): number {
    return this.ports.size;
  }

  /** A FramePort for an in-process board: what it sends enters the switch. */
  createPort(): FramePort {
    const switchRef = this;
    let port: SwitchPort | null = null;
    const listeners: Array<(frame: Uint8Array) => void> = [];
    const linkListeners: Array<(up: boolean) => void> = [];
    port = this.addPort((frame) => { for (const listener of listeners) listener(frame); });
    return {
      get linkUp() { return port !== null; },
      send: (frame) => { if (port) switchRef.forward(port, frame); },
      onReceive: (listener) => { listeners.push(listener); },
      onLinkChange: (listener) => { linkListeners.push(listener); },
      close: () => {
        if (!port) return;
        switchRef.removePort(port);
        port = null;
        for (const listener of linkListeners) listener(false);
      },
    };
  }

  /** Plugs a network-side FramePort (usernet, TAP, a WebSocket client to elsewhere) into the switch. */
  connect(network: FramePort): void {
    const port = this.addPort((frame) => network.send(frame));
    network.onReceive((frame) => this.forward(port, frame));
    this.closers.push(() => network.close());
  }

  async close(): Promise<void> {
    await this.started.catch(() => undefined);
    const server = this.server;
    this.server = null;
    await closeServer(server);
    for (const close of this.closers.splice(0)) await close();
    this.ports.clear();
    this.table.clear();
  }

  private addPort(deliver: (frame: Uint8Array) => void): SwitchPort {
    const port = { id: this.nextId++, deliver };
    this.ports.set(port.id, port);
    return port;
  }

  private removePort(port: SwitchPort): void {
    this.ports.delete(port.id);
    for (const [mac, id] of this.table) if (id === port.id) this.table.delete(mac);
  }

  private forward(from: SwitchPort, frame: Uint8Array): void {
    if (frame.length < 14 || frame.length > MAX_FRAME || !this.ports.has(from.id)) return;
    const source = macKey(frame, 6);
    if (!(frame[6]! & 1)) this.table.set(source, from.id);
    const destination = frame[0]! & 1 ? undefined : this.table.get(macKey(frame, 0));
    if (destination !== undefined) {
      if (destination !== from.id) this.ports.get(destination)?.deliver(frame);
      return;
    }
    for (const port of this.ports.values()) if (port.id !== from.id) port.deliver(frame);
  }
}

function macKey(frame: Uint8Array, offset: number): string {
  return Buffer.from(frame.subarray(offset, offset + 6)).toString('hex');
}

export interface GatewayOptions extends Omit<UserNetOptions, 'clock'> {
  /** `HOST:PORT`, or `PORT` for 127.0.0.1 (PORT 0 picks one). Listening beyond loopback needs an explicit address. */
  listen: string;
  token?: string;
  allowedOrigins?: string[];
  /** Timers for usernet; a standalone gateway has no simulation, so host timers by default. */
  clock?: NetClock;
}

export interface Gateway {
  /** ws://HOST:PORT for WebSocketClientPort. */
  readonly url: string;
  readonly port: number;
  readonly usernet: UserNet;
  readonly switch: WebSocketSwitch;
  close(): Promise<void>;
}

/**
 * `h5sim gateway --listen 127.0.0.1:PORT`: usernet behind a WebSocket switch, so boards in other
 * processes (or browsers allowed by origin) reach loopback services through it.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  // HOST:PORT, or PORT / :PORT for loopback (never all interfaces unless asked for by address).
  const match = /^(?:([^:]*):)?(\d+)$/.exec(options.listen.trim());
  if (!match) throw new Error(`--listen expects HOST:PORT or PORT, got "${options.listen}"`);
  const host = match[1] || '127.0.0.1';
  const { listen: _listen, token, allowedOrigins, clock, ...usernetOptions } = options;
  const usernet = new UserNet({ ...usernetOptions, clock: clock ?? hostNetClock() });
  try {
    await usernet.ready();
  } catch (error) {
    await usernet.close();
    throw error;
  }
  const networkSwitch = new WebSocketSwitch({ host, port: Number(match[2]), token, allowedOrigins, log: options.log });
  networkSwitch.connect(usernet);
  try {
    await networkSwitch.ready();
  } catch (error) {
    await networkSwitch.close();
    throw error;
  }
  const port = networkSwitch.port;
  return {
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    usernet,
    switch: networkSwitch,
    close: () => networkSwitch.close(),
  };
}
