// NSS key log (the SSLKEYLOGFILE format Wireshark reads): one `LABEL <client random> <secret>`
// line per secret. Two sources:
//  - a host-side TLS peer (an embedded broker on node:tls emits 'keylog' lines);
//  - the firmware itself, unchanged: we watch its TLS 1.3 key schedule through ELF symbols. For our
//    fixture's lib/tls13, every HKDF-Expand-Label goes through crypto_hmac_sha256(key, key_length,
//    parts, count, mac) with info = length || "tls13 " label || context, and the transcript hash
//    goes through crypto_sha256(parts, count, digest) with the ClientHello first. At the entry of
//    those two functions the inputs are all in memory, so we recompute the secret ourselves with
//    the same HMAC: no return hook, no knowledge of the stack frame or struct layout.
import { appendFileSync, writeFileSync } from 'node:fs';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { KeySecrets, formatKeyLogLine, parseKeyLogLine } from './key-schedule.js';
import { toHex } from './names.js';

export class KeyLogWriter {
  readonly lines: string[] = [];
  private readonly seen = new Set<string>();

  /** `path`: a key log file, truncated now and appended per line; `keys`: a store an inspector reads. */
  constructor(private readonly path?: string, readonly keys: KeySecrets = new KeySecrets()) {
    if (path) writeFileSync(path, '');
  }

  /** Adds one line (or several, newline-separated); duplicates and non-key-log text are dropped. */
  write(text: string | Uint8Array): void {
    const value = typeof text === 'string' ? text : new TextDecoder().decode(text);
    for (const line of value.split('\n')) {
      const entry = parseKeyLogLine(line);
      if (!entry) continue;
      const normalised = formatKeyLogLine(entry.label, entry.clientRandom, entry.secret);
      if (this.seen.has(normalised)) continue;
      this.seen.add(normalised);
      this.lines.push(normalised);
      if (this.path) appendFileSync(this.path, `${normalised}\n`);
      this.keys.add(entry);
    }
  }

  text(): string {
    return this.lines.map((l) => `${l}\n`).join('');
  }
}

/** Anything that emits node:tls 'keylog' events: a tls.Server (line, socket) or a TLSSocket (line). */
export interface KeyLogEmitter { on(event: 'keylog', listener: (line: Buffer) => void): unknown }

/** Appends the key log lines of a node:tls server or socket (e.g. an embedded aedes broker). */
export function attachNodeTlsKeyLog(emitter: KeyLogEmitter, writer: KeyLogWriter): void {
  emitter.on('keylog', (line: Buffer) => writer.write(line));
}

// ---- From the firmware ------------------------------------------------------------------------

export interface FirmwareSymbol { address: number; size: number }

/** Argument registers at a function's first instruction (AAPCS: r0-r3, then the stack). */
export interface FunctionEntry { r0: number; r1: number; r2: number; r3: number; sp: number }

export interface FirmwareAccess {
  symbols: ReadonlyMap<string, FirmwareSymbol> | Readonly<Record<string, FirmwareSymbol>>;
  /** Side-effect-free debug read (never through MMIO). */
  readMemory(address: number, length: number): Uint8Array;
  /** Calls back before the instruction at `address` (Thumb bit clear) executes. */
  onFunctionEntry(address: number, callback: (entry: FunctionEntry) => void): { remove(): void } | void;
  /** Not needed for our fixture: kept for stacks whose secrets only exist after a call returns. */
  onFunctionReturn?(address: number, callback: (result: { r0: number }) => void): { remove(): void } | void;
}

export class FirmwareKeyLogError extends Error {}

/** Symbols of an ELF (from emulator/elf's ElfFile.symbols). */
export function symbolsFromElf(symbols: ReadonlyArray<{ name: string; value: number; size: number; type: string }>): Map<string, FirmwareSymbol> {
  const map = new Map<string, FirmwareSymbol>();
  for (const s of symbols) if (s.type === 'function' || !map.has(s.name)) map.set(s.name, { address: s.value, size: s.size });
  return map;
}

const LABELS: Record<string, { client: boolean; nss: string } | undefined> = {
  'c hs traffic': { client: true, nss: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET' },
  's hs traffic': { client: false, nss: 'SERVER_HANDSHAKE_TRAFFIC_SECRET' },
  'c ap traffic': { client: true, nss: 'CLIENT_TRAFFIC_SECRET_0' },
  's ap traffic': { client: false, nss: 'SERVER_TRAFFIC_SECRET_0' },
  'exp master': { client: true, nss: 'EXPORTER_SECRET' },
};

export interface FirmwareKeyLogStatus {
  clientHellos: number;
  secrets: number;
  /** Secrets derived before any ClientHello was seen (kept until one is). */
  waitingForRandom: number;
  warnings: string[];
}

export interface FirmwareKeyLog {
  status(): FirmwareKeyLogStatus;
  /** The client random from elsewhere (the inspector's ClientHello), if memory did not show it. */
  setClientRandom(random: Uint8Array | string): void;
  stop(): void;
}

const REQUIRED = ['crypto_hmac_sha256', 'crypto_sha256'] as const;

/**
 * Watches our fixture's lib/tls13 (any -O level, symbols present, no LTO across lib/crypto) and
 * writes NSS key log lines for every TLS 1.3 session it runs. Throws FirmwareKeyLogError when the
 * ELF lacks the symbols (stripped, or another TLS stack such as NetX Duo or mbedTLS).
 */
export function watchFirmwareKeySchedule(access: FirmwareAccess, writer: KeyLogWriter): FirmwareKeyLog {
  const lookup = (name: string): FirmwareSymbol | undefined =>
    access.symbols instanceof Map ? access.symbols.get(name) : (access.symbols as Record<string, FirmwareSymbol>)[name];
  const missing = REQUIRED.filter((name) => !lookup(name));
  if (missing.length > 0) {
    throw new FirmwareKeyLogError(
      `firmware key log: the ELF has no symbol ${missing.join(', ')} — it is stripped, built with LTO, or does not use ` +
      'h5sim\'s fixture TLS library (lib/tls13 + lib/crypto). Load the unstripped ELF, or take the key log from the broker side (attachNodeTlsKeyLog).');
  }
  const status: FirmwareKeyLogStatus = { clientHellos: 0, secrets: 0, waitingForRandom: 0, warnings: [] };
  let clientRandom: string | null = null;
  const waiting: Array<{ label: string; secret: Uint8Array }> = [];
  // Application secrets by value, so a KeyUpdate ("traffic upd") can be named CLIENT_TRAFFIC_SECRET_N+1.
  const generations = new Map<string, { client: boolean; generation: number }>();

  const emit = (label: string, secret: Uint8Array) => {
    if (!clientRandom) { waiting.push({ label, secret }); status.waitingForRandom = waiting.length; return; }
    writer.write(formatKeyLogLine(label, clientRandom, secret));
    status.secrets++;
  };
  const setRandom = (random: string) => {
    if (random === clientRandom) return;
    clientRandom = random;
    status.clientHellos++;
    generations.clear();
    for (const item of waiting.splice(0)) emit(item.label, item.secret);
    status.waitingForRandom = 0;
  };

  const u32 = (bytes: Uint8Array, offset: number) =>
    (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
  const readParts = (address: number, count: number, limit: number): Uint8Array | null => {
    if (count === 0 || count > 8) return null;
    const table = access.readMemory(address, 8 * count);
    const pieces: Uint8Array[] = [];
    let total = 0;
    for (let i = 0; i < count; i++) {
      const pointer = u32(table, 8 * i);
      const length = u32(table, 8 * i + 4);
      total += length;
      if (total > limit) return null;
      pieces.push(length === 0 ? new Uint8Array(0) : access.readMemory(pointer, length));
    }
    const out = new Uint8Array(total);
    let offset = 0;
    for (const piece of pieces) { out.set(piece, offset); offset += piece.length; }
    return out;
  };

  const onHmac = (entry: FunctionEntry) => {
    const keyLength = entry.r1;
    if (keyLength !== 32) return;
    // HKDF-Expand-Label info (≤ 2 + 1 + 255 + 1 + 255) plus the 0x01 counter byte.
    const message = readParts(entry.r2, entry.r3, 520);
    if (!message || message.length < 12) return;
    const labelLength = message[2]!;
    if (3 + labelLength + 1 > message.length) return;
    const fullLabel = new TextDecoder().decode(message.subarray(3, 3 + labelLength));
    if (!fullLabel.startsWith('tls13 ')) return;
    const contextLength = message[3 + labelLength]!;
    if (4 + labelLength + contextLength + 1 !== message.length || message[message.length - 1] !== 1) return;
    const length = (message[0]! << 8) | message[1]!;
    const label = fullLabel.slice(6);
    const key = access.readMemory(entry.r0, 32);
    const known = LABELS[label];
    if (!known && label !== 'traffic upd') return;
    const secret = hmac(sha256, key, message).slice(0, Math.min(length, 32));
    if (known) {
      emit(known.nss, secret);
      if (known.nss.endsWith('_0')) generations.set(toHex(secret), { client: known.client, generation: 0 });
      return;
    }
    const previous = generations.get(toHex(key));
    if (!previous) { status.warnings.push('KeyUpdate of a secret we never saw'); return; }
    const next = { client: previous.client, generation: previous.generation + 1 };
    generations.set(toHex(secret), next);
    emit(`${next.client ? 'CLIENT' : 'SERVER'}_TRAFFIC_SECRET_${next.generation}`, secret);
  };

  const onSha256 = (entry: FunctionEntry) => {
    if (entry.r1 === 0 || entry.r1 > 8) return;
    const table = access.readMemory(entry.r0, 8);
    const pointer = u32(table, 0);
    const length = u32(table, 4);
    if (length < 38) return;
    const head = access.readMemory(pointer, 38);
    // A transcript starts with the ClientHello: type 1, a 24-bit length, legacy_version 0x0303.
    if (head[0] !== 1 || head[4] !== 3 || head[5] !== 3) return;
    const bodyLength = (head[1]! << 16) | (head[2]! << 8) | head[3]!;
    if (bodyLength + 4 > length) return;
    setRandom(toHex(head.subarray(6, 38)));
  };

  const thumbClear = (address: number) => address & ~1;
  const handles = [
    access.onFunctionEntry(thumbClear(lookup('crypto_hmac_sha256')!.address), onHmac),
    access.onFunctionEntry(thumbClear(lookup('crypto_sha256')!.address), onSha256),
  ];
  return {
    status: () => ({ ...status, warnings: [...status.warnings] }),
    setClientRandom: (random) => setRandom(typeof random === 'string' ? random.toLowerCase() : toHex(random)),
    stop: () => { for (const handle of handles) handle?.remove(); },
  };
}
