// MQTT packets on the board's cable: the TLS inspector hands over each TCP stream's application
// bytes (decrypted with key-log secrets, or as they are when the stream is not TLS), and this
// turns them into MQTT control packets per connection and direction. A connection counts as MQTT
// when its client's first bytes are a CONNECT, or when it goes to port 1883 or 8883; others are
// left alone. Nothing here throws into the caller (the caller is the Ethernet model's frame tap).
import type { Endpoint, Side, TlsConnection, TlsInspector } from '../tls/inspector.js';
import { MqttStreamDecoder, startsWithConnect, type MqttPacket } from './packets.js';

export const MQTT_PORTS = [1883, 8883];

export type MqttDirection = 'firmware→broker' | 'broker→firmware';

export interface MqttPacketEvent {
  connection: TlsConnection;
  /** Virtual seconds of the frame (or record) that completed the packet. */
  time: number;
  from: Side;
  direction: MqttDirection;
  /** Read from TLS records with key-log secrets (false: plain TCP). */
  decrypted: boolean;
  packet: MqttPacket;
}

export interface MqttErrorEvent {
  connection: TlsConnection;
  time: number;
  from: Side;
  direction: MqttDirection;
  message: string;
}

interface Stream {
  decoder: MqttStreamDecoder;
  /** Bytes seen before the connection was recognised as MQTT (at most a few dozen). */
  undecided: Uint8Array;
}

interface Tracked {
  state: 'undecided' | 'mqtt' | 'other';
  streams: Record<Side, Stream>;
}

const MAX_TRACKED = 256;
const SNIFF_BYTES = 16;

const direction = (from: Side): MqttDirection => (from === 'board' ? 'firmware→broker' : 'broker→firmware');

export class MqttMonitor {
  private readonly tracked = new Map<number, Tracked>();
  private readonly packetListeners: Array<(event: MqttPacketEvent) => void> = [];
  private readonly errorListeners: Array<(event: MqttErrorEvent) => void> = [];
  packets = 0;
  errors = 0;

  constructor(inspector: TlsInspector) {
    inspector.on('application-data', ({ connection, time, from, bytes, decrypted }) => {
      try {
        this.data(connection, time, from, bytes, decrypted);
      } catch (error) {
        // A bug of ours must not stop the simulation: report it like malformed input.
        this.error(connection, time, from, `MQTT monitor error: ${(error as Error).message}`);
      }
    });
    inspector.on('stream-gap', ({ connection, time, from, length }) => {
      const tracked = this.tracked.get(connection.id);
      if (tracked?.state !== 'mqtt') return;
      const stream = tracked.streams[from];
      if (stream.decoder.failed !== null) return;
      stream.decoder.failed = 'bytes lost';
      this.error(connection, time, from, `${length} bytes of the TCP stream were never seen (lost segments); the rest of this direction is not decoded`);
    });
  }

  onPacket(listener: (event: MqttPacketEvent) => void): this {
    this.packetListeners.push(listener);
    return this;
  }

  onError(listener: (event: MqttErrorEvent) => void): this {
    this.errorListeners.push(listener);
    return this;
  }

  private data(connection: TlsConnection, time: number, from: Side, bytes: Uint8Array, decrypted: boolean): void {
    let tracked = this.tracked.get(connection.id);
    if (!tracked) {
      tracked = {
        state: isMqttPort(connection.peer) ? 'mqtt' : 'undecided',
        streams: { board: newStream(), peer: newStream() },
      };
      this.tracked.set(connection.id, tracked);
      if (this.tracked.size > MAX_TRACKED) this.tracked.delete(this.tracked.keys().next().value!);
    }
    if (tracked.state === 'other') return;
    const stream = tracked.streams[from];
    if (tracked.state === 'undecided') {
      const joined = new Uint8Array(stream.undecided.length + bytes.length);
      joined.set(stream.undecided);
      joined.set(bytes, stream.undecided.length);
      const verdict = startsWithConnect(joined);
      if (verdict === 'unknown' && joined.length < SNIFF_BYTES) { stream.undecided = joined; return; }
      if (verdict !== 'yes') {
        // The server of an MQTT connection speaks only after CONNECT: wait for the other side.
        // (A board that is itself the broker sees CONNECT from the peer, so peer bytes are held.)
        if (from === 'peer' && joined.length < 4096) { stream.undecided = joined; return; }
        tracked.state = 'other';
        return;
      }
      tracked.state = 'mqtt';
      stream.undecided = new Uint8Array(0);
      this.decode(connection, time, from, joined, decrypted, stream);
      const other: Side = from === 'board' ? 'peer' : 'board';
      const held = tracked.streams[other].undecided;
      if (held.length > 0) {
        tracked.streams[other].undecided = new Uint8Array(0);
        this.decode(connection, time, other, held, decrypted, tracked.streams[other]);
      }
      return;
    }
    this.decode(connection, time, from, bytes, decrypted, stream);
  }

  private decode(connection: TlsConnection, time: number, from: Side, bytes: Uint8Array, decrypted: boolean, stream: Stream): void {
    for (const item of stream.decoder.push(bytes)) {
      if (item.kind === 'error') { this.error(connection, time, from, item.message); continue; }
      this.packets++;
      const event: MqttPacketEvent = { connection, time, from, direction: direction(from), decrypted, packet: item.packet };
      for (const listener of this.packetListeners) listener(event);
    }
  }

  private error(connection: TlsConnection, time: number, from: Side, message: string): void {
    this.errors++;
    const event: MqttErrorEvent = { connection, time, from, direction: direction(from), message };
    for (const listener of this.errorListeners) listener(event);
  }
}

function isMqttPort(endpoint: Endpoint): boolean {
  return MQTT_PORTS.includes(endpoint.port);
}

function newStream(): Stream {
  return { decoder: new MqttStreamDecoder(), undecided: new Uint8Array(0) };
}
