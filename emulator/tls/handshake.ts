// Decoders for the TLS handshake messages seen in clear (RFC 8446 §4.1.2 ClientHello, §4.1.3
// ServerHello / HelloRetryRequest, §4.2 extensions). They never throw: a malformed message
// becomes a `malformed` note, because the inspector must keep going on whatever the wire holds.
import {
  HELLO_RETRY_REQUEST_RANDOM, cipherSuiteName, extensionName, groupName, signatureSchemeName, toHex, versionName,
} from './names.js';

export class Reader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}
  get remaining(): number { return this.bytes.length - this.offset; }
  take(length: number): Uint8Array {
    if (length > this.remaining) throw new RangeError(`needs ${length} bytes, ${this.remaining} left`);
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
  u8(): number { return this.take(1)[0]!; }
  u16(): number { const b = this.take(2); return (b[0]! << 8) | b[1]!; }
  u24(): number { const b = this.take(3); return (b[0]! << 16) | (b[1]! << 8) | b[2]!; }
  vector(lengthBytes: 1 | 2 | 3): Reader {
    const length = lengthBytes === 1 ? this.u8() : lengthBytes === 2 ? this.u16() : this.u24();
    return new Reader(this.take(length));
  }
  u16List(): number[] {
    const out: number[] = [];
    while (this.remaining >= 2) out.push(this.u16());
    return out;
  }
}

export interface Named { code: number; name: string }
const named = (codes: number[], name: (code: number) => string): Named[] => codes.map((code) => ({ code, name: name(code) }));

export interface Extension { type: number; name: string; data: Uint8Array }

export interface ClientHello {
  legacyVersion: number;
  random: Uint8Array;
  randomHex: string;
  sessionId: Uint8Array;
  cipherSuites: Named[];
  compressionMethods: number[];
  extensions: Extension[];
  /** supported_versions (absent: the client speaks TLS 1.2 or older only, legacyVersion). */
  supportedVersions: Named[] | null;
  supportedGroups: Named[] | null;
  keyShareGroups: Named[] | null;
  signatureAlgorithms: Named[] | null;
  signatureAlgorithmsCert: Named[] | null;
  serverName: string | null;
  alpn: string[] | null;
  pskModes: string[] | null;
  /** Set when the message did not parse completely; the fields read so far stay valid. */
  malformed?: string;
}

export interface ServerHello {
  helloRetryRequest: boolean;
  legacyVersion: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuite: Named;
  extensions: Extension[];
  /** supported_versions if present, else legacyVersion (a TLS 1.2 or older server). */
  selectedVersion: Named;
  /** key_share: the server's share group, or for a HelloRetryRequest the group it asks for. */
  keyShareGroup: Named | null;
  cookie: boolean;
  malformed?: string;
}

function decodeExtensions(reader: Reader): Extension[] {
  const out: Extension[] = [];
  if (reader.remaining === 0) return out; // extensions are optional before TLS 1.3
  const list = reader.vector(2);
  while (list.remaining > 0) {
    const type = list.u16();
    out.push({ type, name: extensionName(type), data: list.vector(2).bytes });
  }
  return out;
}

export function decodeClientHello(body: Uint8Array): ClientHello {
  const hello: ClientHello = {
    legacyVersion: 0, random: new Uint8Array(0), randomHex: '', sessionId: new Uint8Array(0), cipherSuites: [],
    compressionMethods: [], extensions: [], supportedVersions: null, supportedGroups: null, keyShareGroups: null,
    signatureAlgorithms: null, signatureAlgorithmsCert: null, serverName: null, alpn: null, pskModes: null,
  };
  try {
    const r = new Reader(body);
    hello.legacyVersion = r.u16();
    hello.random = r.take(32).slice();
    hello.randomHex = toHex(hello.random);
    hello.sessionId = r.vector(1).bytes.slice();
    hello.cipherSuites = named(r.vector(2).u16List(), cipherSuiteName);
    hello.compressionMethods = [...r.vector(1).bytes];
    hello.extensions = decodeExtensions(r);
    for (const extension of hello.extensions) {
      const e = new Reader(extension.data);
      switch (extension.type) {
        case 43: hello.supportedVersions = named(e.vector(1).u16List(), versionName); break;
        case 10: hello.supportedGroups = named(e.vector(2).u16List(), groupName); break;
        case 13: hello.signatureAlgorithms = named(e.vector(2).u16List(), signatureSchemeName); break;
        case 50: hello.signatureAlgorithmsCert = named(e.vector(2).u16List(), signatureSchemeName); break;
        case 51: {
          const shares = e.vector(2);
          const groups: number[] = [];
          while (shares.remaining > 0) { groups.push(shares.u16()); shares.vector(2); }
          hello.keyShareGroups = named(groups, groupName);
          break;
        }
        case 0: {
          const list = e.vector(2);
          while (list.remaining > 0) {
            const kind = list.u8();
            const name = list.vector(2).bytes;
            if (kind === 0) hello.serverName = new TextDecoder().decode(name);
          }
          break;
        }
        case 16: {
          const list = e.vector(2);
          hello.alpn = [];
          while (list.remaining > 0) hello.alpn.push(new TextDecoder().decode(list.vector(1).bytes));
          break;
        }
        case 45:
          hello.pskModes = [...e.vector(1).bytes].map((m) => (m === 0 ? 'psk_ke' : m === 1 ? 'psk_dhe_ke' : `mode_${m}`));
          break;
      }
    }
  } catch (error) {
    hello.malformed = (error as Error).message;
  }
  return hello;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

export function decodeServerHello(body: Uint8Array): ServerHello {
  const hello: ServerHello = {
    helloRetryRequest: false, legacyVersion: 0, random: new Uint8Array(0), sessionId: new Uint8Array(0),
    cipherSuite: { code: 0, name: cipherSuiteName(0) }, extensions: [], selectedVersion: { code: 0, name: versionName(0) },
    keyShareGroup: null, cookie: false,
  };
  try {
    const r = new Reader(body);
    hello.legacyVersion = r.u16();
    hello.selectedVersion = { code: hello.legacyVersion, name: versionName(hello.legacyVersion) };
    hello.random = r.take(32).slice();
    hello.helloRetryRequest = sameBytes(hello.random, HELLO_RETRY_REQUEST_RANDOM);
    hello.sessionId = r.vector(1).bytes.slice();
    const suite = r.u16();
    hello.cipherSuite = { code: suite, name: cipherSuiteName(suite) };
    r.u8(); // legacy_compression_method
    hello.extensions = decodeExtensions(r);
    for (const extension of hello.extensions) {
      const e = new Reader(extension.data);
      if (extension.type === 43) {
        const version = e.u16();
        hello.selectedVersion = { code: version, name: versionName(version) };
      } else if (extension.type === 51) {
        const group = e.u16();
        hello.keyShareGroup = { code: group, name: groupName(group) };
      } else if (extension.type === 44) {
        hello.cookie = true;
      }
    }
  } catch (error) {
    hello.malformed = (error as Error).message;
  }
  return hello;
}

/** A certificate_request_context-prefixed Certificate (TLS 1.3) is empty when the list is empty. */
export function certificateIsEmpty(body: Uint8Array, tls13: boolean): boolean {
  try {
    const r = new Reader(body);
    if (tls13) r.vector(1);
    return r.vector(3).remaining === 0;
  } catch {
    return false;
  }
}
