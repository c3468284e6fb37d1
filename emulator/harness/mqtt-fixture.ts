// Provisioning for the mqtt-tls firmware fixture (firmware-fixtures/lib/tls13/provision.h) and the
// test certificates it trusts. The block is what a real device keeps in a protected flash sector;
// tests write it into the simulated flash after Simulation.load, before the first run.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Simulation } from './simulation.js';

export const PROVISION_ADDRESS = 0x081f_e000;
export const PROVISION_SIZE = 8192;
const PROVISION_VERSION = 1;

export const ProvisionItem = {
  caCert: 0x01,
  clientCert: 0x02,
  clientKey: 0x03,
  brokerHost: 0x04,
  brokerPort: 0x05,
  clientId: 0x06,
  publishCount: 0x07,
  username: 0x08,
  password: 0x09,
  brokerIp: 0x0a,
  keepAlive: 0x0b,
  time: 0x0c,
  intervalMs: 0x0d,
  sntpServer: 0x0e,
  echoWaitMs: 0x0f,
  dnsServer: 0x10,
} as const;

export interface MqttFixtureProvisioning {
  /** DER of the one CA the firmware trusts. */
  caDer: Uint8Array;
  /** DER client certificate for mutual TLS (the mtls variants). */
  clientCertDer?: Uint8Array;
  /** The client's P-256 private key: a 32-byte scalar or a DER ECPrivateKey (openssl ec -outform DER). */
  clientKey?: Uint8Array;
  /** Name used for DNS, SNI and the SAN check (usernet resolves broker.local to its gateway). */
  brokerHost: string;
  brokerPort?: number;
  /** Skip DNS and connect to this IPv4 address. */
  brokerIp?: string;
  clientId?: string;
  /** "hello N" messages to publish (firmware default 3; 0 = forever). */
  publishCount?: number;
  intervalMs?: number;
  /** How long the firmware keeps echoing …/in to …/out after its last publication. */
  echoWaitMs?: number;
  keepAliveSeconds?: number;
  /** Unix time the firmware uses when SNTP does not answer. */
  time?: number;
  username?: string;
  password?: string | Uint8Array;
  sntpServer?: string;
  dnsServer?: string;
}

function ipv4(text: string): Uint8Array {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`"${text}" is not an IPv4 address`);
  return Uint8Array.from(parts);
}

function u16(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new Error(`${value} does not fit in 16 bits`);
  return Uint8Array.of(value & 0xff, value >>> 8);
}

function u32(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new Error(`${value} does not fit in 32 bits`);
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}

const ascii = (text: string) => new TextEncoder().encode(text);

/** The 32-byte private scalar of a P-256 key given raw or as DER ECPrivateKey (RFC 5915) / PKCS#8. */
export function p256Scalar(key: Uint8Array): Uint8Array {
  if (key.length === 32) return key;
  // ECPrivateKey ::= SEQUENCE { version INTEGER 1, privateKey OCTET STRING (32 bytes), ... }
  const marker = [0x02, 0x01, 0x01, 0x04, 0x20];
  for (let i = 0; i + marker.length + 32 <= key.length; i++) {
    if (marker.every((b, j) => key[i + j] === b)) return key.slice(i + marker.length, i + marker.length + 32);
  }
  throw new Error('client key is neither a 32-byte P-256 scalar nor a DER EC private key');
}

/** Encodes the provisioning block: "H5PV", version, item-area length, then type/length/value items. */
export function encodeProvisioning(p: MqttFixtureProvisioning): Uint8Array {
  const items: Array<[number, Uint8Array]> = [[ProvisionItem.caCert, p.caDer]];
  if (p.clientCertDer) items.push([ProvisionItem.clientCert, p.clientCertDer]);
  if (p.clientKey) items.push([ProvisionItem.clientKey, p256Scalar(p.clientKey)]);
  if (!p.brokerHost || p.brokerHost.length > 127) throw new Error('brokerHost must be 1..127 characters');
  items.push([ProvisionItem.brokerHost, ascii(p.brokerHost)]);
  if (p.brokerPort !== undefined) items.push([ProvisionItem.brokerPort, u16(p.brokerPort)]);
  if (p.clientId !== undefined) {
    if (p.clientId.length === 0 || p.clientId.length > 63) throw new Error('clientId must be 1..63 characters');
    items.push([ProvisionItem.clientId, ascii(p.clientId)]);
  }
  if (p.publishCount !== undefined) items.push([ProvisionItem.publishCount, u32(p.publishCount)]);
  if (p.username !== undefined) items.push([ProvisionItem.username, ascii(p.username)]);
  if (p.password !== undefined) items.push([ProvisionItem.password, typeof p.password === 'string' ? ascii(p.password) : p.password]);
  if (p.brokerIp !== undefined) items.push([ProvisionItem.brokerIp, ipv4(p.brokerIp)]);
  if (p.keepAliveSeconds !== undefined) items.push([ProvisionItem.keepAlive, u16(p.keepAliveSeconds)]);
  if (p.time !== undefined) items.push([ProvisionItem.time, u32(p.time)]);
  if (p.intervalMs !== undefined) items.push([ProvisionItem.intervalMs, u32(p.intervalMs)]);
  if (p.sntpServer !== undefined) items.push([ProvisionItem.sntpServer, ipv4(p.sntpServer)]);
  if (p.echoWaitMs !== undefined) items.push([ProvisionItem.echoWaitMs, u32(p.echoWaitMs)]);
  if (p.dnsServer !== undefined) items.push([ProvisionItem.dnsServer, ipv4(p.dnsServer)]);

  const areaLength = items.reduce((sum, [, value]) => sum + 3 + value.length, 0);
  const block = new Uint8Array(8 + areaLength);
  if (block.length > PROVISION_SIZE) throw new Error(`provisioning block of ${block.length} bytes is larger than ${PROVISION_SIZE}`);
  const view = new DataView(block.buffer);
  block.set(ascii('H5PV'), 0);
  view.setUint16(4, PROVISION_VERSION, true);
  view.setUint16(6, areaLength, true);
  let offset = 8;
  for (const [type, value] of items) {
    if (value.length > 0xffff) throw new Error(`provisioning item 0x${type.toString(16)} is too long`);
    block[offset] = type;
    view.setUint16(offset + 1, value.length, true);
    block.set(value, offset + 3);
    offset += 3 + value.length;
  }
  return block;
}

/**
 * Writes the provisioning block into the simulated flash (debug path) and erases the rest of the
 * 8 KiB area, so a block from an earlier write cannot leave items behind.
 */
export function provisionMqttFixture(sim: Pick<Simulation, 'writeMemory'>, provisioning: MqttFixtureProvisioning): Uint8Array {
  const block = encodeProvisioning(provisioning);
  const area = new Uint8Array(PROVISION_SIZE).fill(0xff);
  area.set(block);
  sim.writeMemory(PROVISION_ADDRESS, area);
  return block;
}

// ---- Certificates ------------------------------------------------------------------------------

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Git-ignored default home of the generated certificates. */
export const DEFAULT_CERT_DIR = join(ROOT, 'test/.work/certs');

export interface CertificateFile {
  /** PEM certificate path. */
  cert: string;
  /** PEM private key path. */
  key: string;
  certDer: Uint8Array;
  /** DER private key (ECPrivateKey for EC keys; PKCS#1 for RSA). */
  keyDer?: Uint8Array;
}

export interface TestCertificates {
  dir: string;
  /** ECDSA P-256 CA that signs the servers and the trusted client. */
  ca: CertificateFile;
  /** An unrelated ECDSA P-256 CA ("wrong CA"). */
  wrongCa: CertificateFile;
  /** ECDSA P-256 server for broker.local, 2025-01-01..2036-01-01. */
  serverEc: CertificateFile;
  /** RSA-2048 server for broker.local, signed by `ca`. */
  serverRsa: CertificateFile;
  /** ECDSA server for broker.local valid only 2020-01-01..2021-01-01. */
  serverExpired: CertificateFile;
  /** Client certificate signed by `ca` (mutual TLS). */
  client: CertificateFile;
  /** Client certificate signed by `wrongCa`, which brokers configured with `ca` reject. */
  clientUntrusted: CertificateFile;
}

/** Runs scripts/make-certs.sh (idempotent) and reads the results. */
export function makeTestCertificates(dir = DEFAULT_CERT_DIR): TestCertificates {
  const out = resolve(dir);
  execFileSync(join(ROOT, 'scripts/make-certs.sh'), [out], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  const file = (name: string, withKeyDer = true): CertificateFile => ({
    cert: join(out, `${name}.pem`),
    key: join(out, `${name}.key`),
    certDer: new Uint8Array(readFileSync(join(out, `${name}.der`))),
    ...(withKeyDer ? { keyDer: new Uint8Array(readFileSync(join(out, `${name}-key.der`))) } : {}),
  });
  return {
    dir: out,
    ca: file('ca'),
    wrongCa: file('wrong-ca'),
    serverEc: file('server-ec'),
    serverRsa: file('server-rsa', false),
    serverExpired: file('server-expired'),
    client: file('client'),
    clientUntrusted: file('client-untrusted'),
  };
}
