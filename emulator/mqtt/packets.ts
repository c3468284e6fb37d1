// MQTT 3.1.1 control packets (OASIS standard, §2 fixed header, §3 packet by packet), decoded from
// a byte stream for traces: the stream may arrive in any pieces (TCP segments, TLS records), so
// the decoder buffers until a packet is complete. Malformed input yields an error item, never an
// exception; after one the stream's framing cannot be trusted and the decoder stops.

export const MQTT_PACKET_TYPES: Record<number, string> = {
  1: 'CONNECT', 2: 'CONNACK', 3: 'PUBLISH', 4: 'PUBACK', 5: 'PUBREC', 6: 'PUBREL', 7: 'PUBCOMP',
  8: 'SUBSCRIBE', 9: 'SUBACK', 10: 'UNSUBSCRIBE', 11: 'UNSUBACK', 12: 'PINGREQ', 13: 'PINGRESP', 14: 'DISCONNECT',
};

/** §3.2.2.3 */
export const CONNACK_RETURN_CODES: Record<number, string> = {
  0: 'accepted', 1: 'unacceptable protocol version', 2: 'identifier rejected', 3: 'server unavailable',
  4: 'bad user name or password', 5: 'not authorized',
};

/** §2.2.3: the largest value four bytes of remaining length can carry. */
export const MAX_REMAINING_LENGTH = 268_435_455;
const PREVIEW_CHARACTERS = 32;

export interface MqttPacket {
  type: number;
  /** CONNECT, PUBLISH, ... */
  name: string;
  /** The low four bits of the first byte. */
  flags: number;
  /** Bytes after the fixed header. */
  remainingLength: number;
  // CONNECT
  protocolName?: string;
  protocolLevel?: number;
  clientId?: string;
  keepAliveSeconds?: number;
  cleanSession?: boolean;
  username?: string;
  /** Only its length: traces never show a password. */
  passwordLength?: number;
  willTopic?: string;
  // CONNACK
  sessionPresent?: boolean;
  returnCode?: number;
  returnCodeName?: string;
  // PUBLISH
  topic?: string;
  qos?: number;
  retain?: boolean;
  dup?: boolean;
  payloadLength?: number;
  /** The payload's first characters, non-printable bytes shown as '.'. */
  preview?: string;
  // PUBLISH (QoS > 0), PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK
  packetId?: number;
  // SUBSCRIBE / UNSUBSCRIBE
  subscriptions?: Array<{ topic: string; qos: number }>;
  topics?: string[];
  // SUBACK: 0, 1, 2 granted QoS, 0x80 failure
  returnCodes?: number[];
}

export type MqttStreamItem =
  | { kind: 'packet'; packet: MqttPacket; offset: number }
  | { kind: 'error'; message: string; offset: number };

/** Thrown inside the decoder only; turned into an error item before it leaves. */
class Malformed extends Error {}

/** Reads the fields of one packet body (the bytes after the fixed header). */
class BodyReader {
  position = 0;

  constructor(private readonly bytes: Uint8Array, private readonly packetName: string) {}

  get remaining(): number {
    return this.bytes.length - this.position;
  }

  u8(field: string): number {
    if (this.remaining < 1) throw new Malformed(`${this.packetName}: ${field} missing (body ends at ${this.bytes.length} bytes)`);
    return this.bytes[this.position++]!;
  }

  u16(field: string): number {
    if (this.remaining < 2) throw new Malformed(`${this.packetName}: ${field} missing (body ends at ${this.bytes.length} bytes)`);
    const value = (this.bytes[this.position]! << 8) | this.bytes[this.position + 1]!;
    this.position += 2;
    return value;
  }

  /** §1.5.3/§1.5.4: a two-byte length, then that many bytes. */
  binary(field: string): Uint8Array {
    const length = this.u16(`${field} length`);
    if (length > this.remaining) {
      throw new Malformed(`${this.packetName}: ${field} declares ${length} bytes, only ${this.remaining} left in the packet`);
    }
    const value = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return value;
  }

  string(field: string): string {
    return new TextDecoder().decode(this.binary(field));
  }

  rest(): Uint8Array {
    const value = this.bytes.subarray(this.position);
    this.position = this.bytes.length;
    return value;
  }
}

/** Printable ASCII kept, everything else '.', cut to `limit` characters with an ellipsis. */
export function printablePreview(bytes: Uint8Array, limit = PREVIEW_CHARACTERS): string {
  let text = '';
  for (let i = 0; i < Math.min(bytes.length, limit); i++) {
    const b = bytes[i]!;
    text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  }
  return bytes.length > limit ? `${text}…` : text;
}

/** Decodes one packet from its first byte and its body; throws Malformed. */
function decodeBody(first: number, body: Uint8Array): MqttPacket {
  const type = first >> 4;
  const flags = first & 0x0f;
  const name = MQTT_PACKET_TYPES[type];
  if (!name) throw new Malformed(`packet type ${type} is reserved (first byte 0x${first.toString(16).padStart(2, '0')})`);
  // §2.2.2: fixed flags for every type but PUBLISH.
  const requiredFlags = type === 6 || type === 8 || type === 10 ? 0b0010 : 0;
  if (type !== 3 && flags !== requiredFlags) {
    throw new Malformed(`${name}: fixed-header flags 0x${flags.toString(16)}, the standard requires 0x${requiredFlags.toString(16)}`);
  }
  const packet: MqttPacket = { type, name, flags, remainingLength: body.length };
  const reader = new BodyReader(body, name);
  const expectLength = (length: number) => {
    if (body.length !== length) throw new Malformed(`${name}: remaining length ${body.length}, the standard requires ${length}`);
  };
  switch (type) {
    case 1: { // §3.1
      packet.protocolName = reader.string('protocol name');
      packet.protocolLevel = reader.u8('protocol level');
      const connectFlags = reader.u8('connect flags');
      if (connectFlags & 0x01) throw new Malformed('CONNECT: reserved connect flag (bit 0) is set');
      packet.keepAliveSeconds = reader.u16('keep alive');
      packet.cleanSession = (connectFlags & 0x02) !== 0;
      packet.clientId = reader.string('client identifier');
      if (connectFlags & 0x04) {
        packet.willTopic = reader.string('will topic');
        reader.binary('will message');
      }
      if (connectFlags & 0x80) packet.username = reader.string('user name');
      if (connectFlags & 0x40) packet.passwordLength = reader.binary('password').length;
      break;
    }
    case 2: { // §3.2
      expectLength(2);
      const acknowledge = reader.u8('acknowledge flags');
      packet.sessionPresent = (acknowledge & 0x01) !== 0;
      packet.returnCode = reader.u8('return code');
      packet.returnCodeName = CONNACK_RETURN_CODES[packet.returnCode] ?? 'reserved';
      break;
    }
    case 3: { // §3.3
      packet.dup = (flags & 0x08) !== 0;
      packet.qos = (flags >> 1) & 0x03;
      packet.retain = (flags & 0x01) !== 0;
      if (packet.qos === 3) throw new Malformed('PUBLISH: QoS 3 (both QoS bits set)');
      packet.topic = reader.string('topic name');
      if (packet.qos > 0) packet.packetId = reader.u16('packet identifier');
      const payload = reader.rest();
      packet.payloadLength = payload.length;
      packet.preview = printablePreview(payload);
      break;
    }
    case 4: case 5: case 6: case 7: case 11: // §3.4–§3.7, §3.11
      expectLength(2);
      packet.packetId = reader.u16('packet identifier');
      break;
    case 8: { // §3.8
      packet.packetId = reader.u16('packet identifier');
      packet.subscriptions = [];
      while (reader.remaining > 0) {
        const topic = reader.string('topic filter');
        const qos = reader.u8('requested QoS');
        if (qos > 2) throw new Malformed(`SUBSCRIBE: requested QoS byte 0x${qos.toString(16)} for "${topic}"`);
        packet.subscriptions.push({ topic, qos });
      }
      if (packet.subscriptions.length === 0) throw new Malformed('SUBSCRIBE: no topic filter');
      break;
    }
    case 9: // §3.9
      packet.packetId = reader.u16('packet identifier');
      packet.returnCodes = [...reader.rest()];
      break;
    case 10: { // §3.10
      packet.packetId = reader.u16('packet identifier');
      packet.topics = [];
      while (reader.remaining > 0) packet.topics.push(reader.string('topic filter'));
      if (packet.topics.length === 0) throw new Malformed('UNSUBSCRIBE: no topic filter');
      break;
    }
    default: // PINGREQ, PINGRESP, DISCONNECT
      expectLength(0);
  }
  return packet;
}

export interface MqttStreamDecoderOptions {
  /** Largest packet buffered whole; a longer one is reported as an error (default 1 MiB). */
  maxPacketBytes?: number;
}

/**
 * One direction of an MQTT connection. `push` takes bytes in any pieces and returns the packets
 * (and at most one error) completed by them.
 */
export class MqttStreamDecoder {
  private buffer = new Uint8Array(256);
  private filled = 0;
  /** Stream offset of buffer[0]. */
  private consumed = 0;
  private readonly maxPacketBytes: number;
  /** Set after malformed input: the rest of the stream is ignored. */
  failed: string | null = null;

  constructor(options: MqttStreamDecoderOptions = {}) {
    this.maxPacketBytes = options.maxPacketBytes ?? 1 << 20;
  }

  /** Bytes waiting for the rest of their packet. */
  get pendingBytes(): number {
    return this.filled;
  }

  push(bytes: Uint8Array): MqttStreamItem[] {
    if (this.failed !== null || bytes.length === 0) return [];
    this.append(bytes);
    const items: MqttStreamItem[] = [];
    let start = 0;
    while (this.filled - start >= 2) {
      const offset = this.consumed + start;
      // §2.2.3 remaining length: seven bits per byte, least significant group first, at most four bytes.
      let length = 0;
      let headerLength = 0;
      let complete = false;
      for (let i = 0; i < 4 && start + 1 + i < this.filled; i++) {
        const b = this.buffer[start + 1 + i]!;
        length += (b & 0x7f) * 2 ** (7 * i);
        if ((b & 0x80) === 0) { headerLength = 2 + i; complete = true; break; }
        if (i === 3) return this.fail(items, offset, 'remaining length runs past four bytes');
      }
      if (!complete) break;
      if (length > this.maxPacketBytes) {
        const name = MQTT_PACKET_TYPES[this.buffer[start]! >> 4] ?? `type ${this.buffer[start]! >> 4}`;
        return this.fail(items, offset, `${name} declares a remaining length of ${length} bytes, over the trace limit of ${this.maxPacketBytes}`);
      }
      if (this.filled - start < headerLength + length) break;
      const first = this.buffer[start]!;
      const body = this.buffer.slice(start + headerLength, start + headerLength + length);
      start += headerLength + length;
      try {
        items.push({ kind: 'packet', packet: decodeBody(first, body), offset });
      } catch (error) {
        return this.fail(items, offset, error instanceof Malformed ? error.message : `decoder error: ${String(error)}`);
      }
    }
    this.buffer.copyWithin(0, start, this.filled);
    this.filled -= start;
    this.consumed += start;
    return items;
  }

  private append(bytes: Uint8Array): void {
    if (this.filled + bytes.length > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.filled + bytes.length));
      grown.set(this.buffer.subarray(0, this.filled));
      this.buffer = grown;
    }
    this.buffer.set(bytes, this.filled);
    this.filled += bytes.length;
  }

  private fail(items: MqttStreamItem[], offset: number, message: string): MqttStreamItem[] {
    this.failed = message;
    this.buffer = new Uint8Array(0);
    this.filled = 0;
    items.push({ kind: 'error', message: `malformed MQTT at stream offset ${offset}: ${message}`, offset });
    return items;
  }
}

/** Whether a stream's first bytes are an MQTT CONNECT: 'unknown' until enough bytes arrived. */
export function startsWithConnect(bytes: Uint8Array): 'yes' | 'no' | 'unknown' {
  if (bytes.length === 0) return 'unknown';
  if (bytes[0] !== 0x10) return 'no';
  let at = 1;
  for (; at < 5; at++) {
    if (at >= bytes.length) return 'unknown';
    if ((bytes[at]! & 0x80) === 0) break;
  }
  if (at === 5) return 'no';
  const nameAt = at + 1;
  for (const name of ['MQTT', 'MQIsdp']) {
    const expected = [0, name.length, ...[...name].map((c) => c.charCodeAt(0))];
    let matches = true;
    for (let i = 0; i < expected.length && matches; i++) {
      if (nameAt + i >= bytes.length) return 'unknown';
      matches = bytes[nameAt + i] === expected[i];
    }
    if (matches) return 'yes';
  }
  return 'no';
}

/** One line: `PUBLISH "h5sim/out" QoS 1 id 2, 7 bytes "hello 1"`. */
export function describeMqttPacket(packet: MqttPacket): string {
  switch (packet.type) {
    case 1: {
      const parts = [`client id "${packet.clientId}"`, `keep-alive ${packet.keepAliveSeconds} s`];
      if (packet.cleanSession) parts.push('clean session');
      if (packet.username !== undefined) parts.push(`user "${packet.username}"`);
      if (packet.passwordLength !== undefined) parts.push(`password (${packet.passwordLength} bytes)`);
      if (packet.willTopic !== undefined) parts.push(`will on "${packet.willTopic}"`);
      if (packet.protocolName !== 'MQTT' || packet.protocolLevel !== 4) parts.push(`protocol ${packet.protocolName} level ${packet.protocolLevel}`);
      return `CONNECT ${parts.join(', ')}`;
    }
    case 2:
      return `CONNACK ${packet.returnCode} (${packet.returnCodeName})${packet.sessionPresent ? ', session present' : ''}`;
    case 3: {
      const flags = `${packet.retain ? ' retain' : ''}${packet.dup ? ' dup' : ''}`;
      const id = packet.packetId !== undefined ? ` id ${packet.packetId}` : '';
      return `PUBLISH "${packet.topic}" QoS ${packet.qos}${id}${flags}, ${packet.payloadLength} bytes "${packet.preview}"`;
    }
    case 8:
      return `SUBSCRIBE id ${packet.packetId} ${packet.subscriptions!.map((s) => `"${s.topic}" QoS ${s.qos}`).join(', ')}`;
    case 9:
      return `SUBACK id ${packet.packetId} ${packet.returnCodes!.map((c) => (c === 0x80 ? 'failure' : `QoS ${c}`)).join(', ')}`;
    case 10:
      return `UNSUBSCRIBE id ${packet.packetId} ${packet.topics!.map((t) => `"${t}"`).join(', ')}`;
    default:
      return packet.packetId !== undefined ? `${packet.name} id ${packet.packetId}` : packet.name;
  }
}
