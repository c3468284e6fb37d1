// GDB remote serial protocol, byte level: `$payload#cs` packets, `}` escapes, run-length
// expansion of input, `+`/`-` acknowledgements, no-ack mode, and the out-of-band interrupt byte
// 0x03. The decoder never throws: malformed input is counted and skipped. (GDB manual, appendix E
// "Overview", "Binary data", "Packet Acknowledgment", "Interrupts".)

export const INTERRUPT = 0x03;
const DOLLAR = 0x24; // '$'
const HASH = 0x23; // '#'
const ESCAPE = 0x7d; // '}'
const STAR = 0x2a; // '*'
const PLUS = 0x2b;
const MINUS = 0x2d;

/** Packets longer than this (escaped) are rejected with '-' instead of being buffered. */
export const MAX_PACKET_BYTES = 64 * 1024;

export type FrameEvent =
  | { kind: 'packet'; payload: Uint8Array }
  | { kind: 'interrupt' }
  | { kind: 'ack' }
  | { kind: 'nack' };

export interface FramingStats {
  packets: number;
  badChecksums: number;
  overlong: number;
  junkBytes: number;
}

const enum State { Idle, Body, Checksum1, Checksum2 }

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  return -1;
}

/**
 * Turns an incoming byte stream into packets. `send` receives the acknowledgements the decoder
 * owes the peer ('+' for a good packet, '-' for a bad one) unless no-ack mode is on.
 */
export class PacketDecoder {
  noAck = false;
  readonly stats: FramingStats = { packets: 0, badChecksums: 0, overlong: 0, junkBytes: 0 };
  private state = State.Idle;
  private body = new Uint8Array(256);
  private length = 0;
  private sum = 0;
  private overlong = false;
  private checksumHigh = 0;

  constructor(private readonly send: (bytes: Uint8Array) => void) {}

  /** Feeds received bytes; returns the events they complete, in order. */
  feed(bytes: Uint8Array): FrameEvent[] {
    const events: FrameEvent[] = [];
    for (const byte of bytes) {
      switch (this.state) {
        case State.Idle:
          if (byte === DOLLAR) this.startPacket();
          else if (byte === INTERRUPT) events.push({ kind: 'interrupt' });
          else if (byte === PLUS) events.push({ kind: 'ack' });
          else if (byte === MINUS) events.push({ kind: 'nack' });
          else this.stats.junkBytes++;
          break;
        case State.Body:
          if (byte === HASH) {
            this.state = State.Checksum1;
          } else if (byte === DOLLAR) {
            // A '$' cannot appear unescaped inside a packet: the previous one was cut short.
            this.stats.junkBytes += this.length;
            this.startPacket();
          } else {
            this.sum = (this.sum + byte) & 0xff;
            if (this.length >= MAX_PACKET_BYTES) this.overlong = true;
            else this.append(byte);
          }
          break;
        case State.Checksum1: {
          const v = hexValue(byte);
          if (v < 0) { this.reject(); break; }
          this.checksumHigh = v;
          this.state = State.Checksum2;
          break;
        }
        case State.Checksum2: {
          const v = hexValue(byte);
          this.state = State.Idle;
          if (v < 0 || ((this.checksumHigh << 4) | v) !== this.sum) {
            this.stats.badChecksums++;
            this.nack();
            break;
          }
          if (this.overlong) {
            this.stats.overlong++;
            this.nack();
            break;
          }
          const payload = decodePayload(this.body.subarray(0, this.length));
          if (!payload) {
            this.stats.junkBytes += this.length;
            this.nack();
            break;
          }
          this.stats.packets++;
          if (!this.noAck) this.send(Uint8Array.of(PLUS));
          events.push({ kind: 'packet', payload });
          break;
        }
      }
    }
    return events;
  }

  private startPacket(): void {
    this.state = State.Body;
    this.length = 0;
    this.sum = 0;
    this.overlong = false;
  }

  private append(byte: number): void {
    if (this.length === this.body.length) {
      const grown = new Uint8Array(Math.min(MAX_PACKET_BYTES, this.body.length * 2));
      grown.set(this.body);
      this.body = grown;
    }
    this.body[this.length++] = byte;
  }

  private reject(): void {
    this.state = State.Idle;
    this.stats.badChecksums++;
    this.nack();
  }

  private nack(): void {
    if (!this.noAck) this.send(Uint8Array.of(MINUS));
  }
}

/** Undoes escapes and run-length encoding; null when the payload is malformed. */
export function decodePayload(raw: Uint8Array): Uint8Array | null {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (byte === ESCAPE) {
      if (i + 1 >= raw.length) return null;
      out.push(raw[++i]! ^ 0x20);
    } else if (byte === STAR) {
      // Run-length: the previous character repeated (count byte - 29) more times.
      if (out.length === 0 || i + 1 >= raw.length) return null;
      const repeat = raw[++i]! - 29;
      if (repeat < 3 || repeat > 97) return null;
      if (out.length + repeat > MAX_PACKET_BYTES) return null;
      const previous = out[out.length - 1]!;
      for (let r = 0; r < repeat; r++) out.push(previous);
    } else {
      out.push(byte);
    }
  }
  return Uint8Array.from(out);
}

/** Frames a payload: escapes the four special bytes, appends the checksum. */
export function encodePacket(payload: Uint8Array | string): Uint8Array {
  const data = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  const out = new Uint8Array(data.length * 2 + 4);
  let n = 0;
  let sum = 0;
  out[n++] = DOLLAR;
  for (const byte of data) {
    if (byte === DOLLAR || byte === HASH || byte === ESCAPE || byte === STAR) {
      out[n++] = ESCAPE;
      out[n++] = byte ^ 0x20;
      sum += ESCAPE + (byte ^ 0x20);
    } else {
      out[n++] = byte;
      sum += byte;
    }
  }
  out[n++] = HASH;
  const cs = (sum & 0xff).toString(16).padStart(2, '0');
  out[n++] = cs.charCodeAt(0);
  out[n++] = cs.charCodeAt(1);
  return out.subarray(0, n);
}
