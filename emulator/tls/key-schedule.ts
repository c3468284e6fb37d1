// The pieces of the TLS 1.3 key schedule (RFC 8446 §7.1, §7.3, §5.3) needed to read records with
// secrets from an NSS key log, and the key log line format itself.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';
import { gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { toHex } from './names.js';

export type KeyLogLabel =
  | 'CLIENT_HANDSHAKE_TRAFFIC_SECRET' | 'SERVER_HANDSHAKE_TRAFFIC_SECRET'
  | 'CLIENT_TRAFFIC_SECRET_0' | 'SERVER_TRAFFIC_SECRET_0' | 'EXPORTER_SECRET'
  | 'CLIENT_EARLY_TRAFFIC_SECRET' | 'CLIENT_RANDOM' | `CLIENT_TRAFFIC_SECRET_${number}` | `SERVER_TRAFFIC_SECRET_${number}`;

export interface KeyLogEntry { label: string; clientRandom: string; secret: string }

/** `LABEL <64 hex client random> <hex secret>`; comments and blank lines give null. */
export function parseKeyLogLine(line: string): KeyLogEntry | null {
  const match = /^([A-Z0-9_]+) ([0-9a-fA-F]{64}) ([0-9a-fA-F]+)\s*$/.exec(line.trim());
  if (!match) return null;
  return { label: match[1]!, clientRandom: match[2]!.toLowerCase(), secret: match[3]!.toLowerCase() };
}

export function formatKeyLogLine(label: string, clientRandom: Uint8Array | string, secret: Uint8Array | string): string {
  const random = typeof clientRandom === 'string' ? clientRandom : toHex(clientRandom);
  const value = typeof secret === 'string' ? secret : toHex(secret);
  return `${label} ${random.toLowerCase()} ${value.toLowerCase()}`;
}

/** Client random (hex) → label → secret bytes. */
export class KeySecrets {
  private readonly byRandom = new Map<string, Map<string, Uint8Array>>();
  private readonly listeners: Array<(entry: KeyLogEntry) => void> = [];

  add(entry: KeyLogEntry): void {
    let labels = this.byRandom.get(entry.clientRandom);
    if (!labels) this.byRandom.set(entry.clientRandom, (labels = new Map()));
    labels.set(entry.label, fromHex(entry.secret));
    for (const listener of this.listeners) listener(entry);
  }

  addText(text: string): number {
    let count = 0;
    for (const line of text.split('\n')) {
      const entry = parseKeyLogLine(line);
      if (entry) { this.add(entry); count++; }
    }
    return count;
  }

  get(clientRandom: string, label: string): Uint8Array | undefined {
    return this.byRandom.get(clientRandom.toLowerCase())?.get(label);
  }

  onAdd(listener: (entry: KeyLogEntry) => void): void { this.listeners.push(listener); }
}

export function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

type Hash = CHash;

export function suiteHash(cipherSuite: number): Hash {
  return cipherSuite === 0x1302 ? sha384 : sha256;
}

/** §7.1 HKDF-Expand-Label(Secret, Label, Context, Length) with the "tls13 " prefix. */
export function hkdfExpandLabel(hash: Hash, secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const fullLabel = new TextEncoder().encode(`tls13 ${label}`);
  const info = new Uint8Array(2 + 1 + fullLabel.length + 1 + context.length);
  info[0] = length >> 8;
  info[1] = length & 0xff;
  info[2] = fullLabel.length;
  info.set(fullLabel, 3);
  info[3 + fullLabel.length] = context.length;
  info.set(context, 4 + fullLabel.length);
  return hkdfExpand(hash, secret, info, length);
}

export function hkdfExpand(hash: Hash, secret: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let previous = new Uint8Array(0);
  for (let filled = 0, counter = 1; filled < length; counter++) {
    const input = new Uint8Array(previous.length + info.length + 1);
    input.set(previous, 0);
    input.set(info, previous.length);
    input[input.length - 1] = counter;
    previous = hmac(hash, secret, input);
    out.set(previous.subarray(0, Math.min(previous.length, length - filled)), filled);
    filled += previous.length;
  }
  return out;
}

/** Reads TLS 1.3 records protected with one traffic secret (§5.2, §5.3). */
export class RecordProtection {
  private sequence = 0n;
  private readonly key: Uint8Array;
  private readonly iv: Uint8Array;

  constructor(readonly cipherSuite: number, secret: Uint8Array) {
    const hash = suiteHash(cipherSuite);
    const keyLength = cipherSuite === 0x1301 || cipherSuite === 0x1304 ? 16 : 32;
    this.key = hkdfExpandLabel(hash, secret, 'key', new Uint8Array(0), keyLength);
    this.iv = hkdfExpandLabel(hash, secret, 'iv', new Uint8Array(0), 12);
  }

  static supported(cipherSuite: number): boolean {
    return cipherSuite === 0x1301 || cipherSuite === 0x1302 || cipherSuite === 0x1303;
  }

  /** The inner plaintext's content and type, or null when the tag does not verify. */
  open(header: Uint8Array, body: Uint8Array): { type: number; content: Uint8Array } | null {
    const nonce = this.iv.slice();
    for (let i = 0; i < 8; i++) nonce[11 - i]! ^= Number((this.sequence >> BigInt(8 * i)) & 0xffn);
    let plain: Uint8Array;
    try {
      plain = this.cipherSuite === 0x1303
        ? chacha20poly1305(this.key, nonce, header).decrypt(body)
        : gcm(this.key, nonce, header).decrypt(body);
    } catch {
      return null;
    }
    this.sequence++;
    let end = plain.length;
    while (end > 0 && plain[end - 1] === 0) end--; // §5.4 padding
    if (end === 0) return null;
    return { type: plain[end - 1]!, content: plain.subarray(0, end - 1) };
  }
}
