// A real MQTT broker in this process: aedes behind node:tls (OpenSSL), TLS 1.3 only, on loopback.
// The demo and tests use it when they want a broker without starting mosquitto; its `keylog`
// lines let the TLS inspector decrypt the board's session.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { Aedes } from 'aedes';

export interface EmbeddedBrokerOptions {
  /** PEM certificate chain and key (paths or contents). */
  cert: string | Buffer;
  key: string | Buffer;
  /** CA for client certificates; with `requireClientCertificate`, mutual TLS. */
  ca?: string | Buffer;
  requireClientCertificate?: boolean;
  /** Loopback only; default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface BrokerConnect { clientId: string; address: string }
export interface BrokerPublish { clientId: string | null; topic: string; payload: Buffer; qos: number; retain: boolean }

export interface EmbeddedBrokerEvents {
  connect: [BrokerConnect];
  disconnect: [BrokerConnect];
  publish: [BrokerPublish];
  subscribe: [{ clientId: string; topics: string[] }];
  /** NSS key log line (node:tls `keylog`), for the TLS inspector or Wireshark. */
  keylog: [Buffer];
  /** A TLS handshake that failed (e.g. no shared signature algorithm). */
  'tls-error': [Error];
  'client-error': [{ clientId: string; error: Error }];
}

function pem(value: string | Buffer): string | Buffer {
  return typeof value === 'string' && !value.includes('-----BEGIN') ? readFileSync(value) : value;
}

export class EmbeddedBroker extends EventEmitter<EmbeddedBrokerEvents> {
  readonly publishes: BrokerPublish[] = [];
  readonly connects: BrokerConnect[] = [];
  private closing: Promise<void> | null = null;

  private constructor(readonly aedes: Aedes, private readonly server: tls.Server, readonly host: string, readonly port: number) {
    super();
  }

  static async start(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    const host = options.host ?? '127.0.0.1';
    if (!/^127\./.test(host) && host !== 'localhost') throw new Error(`the embedded broker listens on loopback only, not ${host}`);
    const aedes = await Aedes.createBroker();
    const server = tls.createServer({
      cert: pem(options.cert),
      key: pem(options.key),
      ...(options.ca ? { ca: pem(options.ca) } : {}),
      requestCert: options.requireClientCertificate ?? false,
      rejectUnauthorized: options.requireClientCertificate ?? false,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
    }, (socket) => { aedes.handle(socket); });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => { server.off('error', reject); resolve(); });
    });
    const broker = new EmbeddedBroker(aedes, server, host, (server.address() as AddressInfo).port);
    broker.wire();
    return broker;
  }

  private wire(): void {
    this.server.on('keylog', (line: Buffer) => this.emit('keylog', line));
    this.server.on('tlsClientError', (error: Error) => this.emit('tls-error', error));
    this.aedes.on('client', (client) => {
      const socket = (client as unknown as { conn?: { remoteAddress?: string; remotePort?: number } }).conn;
      const event = { clientId: client.id, address: `${socket?.remoteAddress ?? '?'}:${socket?.remotePort ?? '?'}` };
      this.connects.push(event);
      this.emit('connect', event);
    });
    this.aedes.on('clientDisconnect', (client) => this.emit('disconnect', { clientId: client.id, address: '' }));
    this.aedes.on('clientError', (client, error) => this.emit('client-error', { clientId: client.id, error }));
    this.aedes.on('subscribe', (subscriptions, client) => this.emit('subscribe', { clientId: client.id, topics: subscriptions.map((s) => s.topic) }));
    this.aedes.on('publish', (packet, client) => {
      if (packet.topic.startsWith('$SYS/')) return;
      const event: BrokerPublish = {
        clientId: client?.id ?? null, topic: packet.topic, payload: Buffer.from(packet.payload), qos: packet.qos, retain: packet.retain,
      };
      this.publishes.push(event);
      if (this.publishes.length > 10_000) this.publishes.shift();
      this.emit('publish', event);
    });
  }

  get url(): string {
    return `mqtts://${this.host}:${this.port}`;
  }

  /** Publishes from the broker itself (QoS 0 or 1) to whoever subscribed. */
  publish(topic: string, payload: string | Buffer, qos: 0 | 1 = 0): Promise<void> {
    return new Promise((resolve, reject) => {
      this.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain: false, dup: false }, (error) => (error ? reject(error) : resolve()));
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
      // Closing the listener waits for open sockets; aedes has ended its clients already.
      await new Promise<void>((resolve) => {
        const hard = setTimeout(resolve, 2000);
        this.server.close(() => { clearTimeout(hard); resolve(); });
      });
    })();
    return this.closing;
  }
}
