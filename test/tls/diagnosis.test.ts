// Failure explanations: real refusals (no shared suite, protocol version, no shared group, a port
// that is not TLS) from mosquitto, node:tls and a plain TCP server, and the board-side alerts of
// our fixture's TLS library, whose meaning depends on the embedded context.
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TlsInspector, diagnose, explainFailure, type ClientHello, type TlsConnection } from '../../emulator/tls/index.js';
import { decodeClientHello } from '../../emulator/tls/handshake.js';
import { startFrameRelay, withTimeout } from './frame-relay.js';
import { makeCertificates, sClient, startMosquitto, tempDir, type CertificateFiles, type Mosquitto } from './tls-peers.js';

const dir = tempDir();
let rsa: CertificateFiles;
beforeAll(() => { rsa = makeCertificates(dir.path, 'rsa'); });
afterAll(() => dir.remove());

/** Runs s_client through the relay to `port` and returns the inspector's only connection. */
async function inspect(port: number, args: string[]): Promise<TlsConnection> {
  const inspector = new TlsInspector();
  const relay = await startFrameRelay({ targetPort: port, onFrame: (d, f, t) => inspector.feed(d, f, t) });
  try {
    await sClient(['-connect', `127.0.0.1:${relay.port}`, ...args]);
    await withTimeout(relay.idle(), 5000, 'relay idle');
  } finally {
    await relay.close();
  }
  expect(inspector.connections).toHaveLength(1);
  return inspector.connections[0]!;
}

async function nodeServer(options: tls.TlsOptions): Promise<{ port: number; close(): Promise<void> }> {
  const server = tls.createServer({ key: rsa.keyPem, cert: rsa.certPem, ...options }, (socket) => socket.end());
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('refusals by real brokers', () => {
  let broker: Mosquitto;
  beforeAll(async () => { broker = await startMosquitto(dir.path, rsa, ['tls_version tlsv1.3', 'ciphers_tls1.3 TLS_AES_256_GCM_SHA384']); });
  afterAll(async () => { await broker?.stop(); });

  it('no shared cipher suite: mosquitto limited to TLS_AES_256_GCM_SHA384', async () => {
    const c = await inspect(broker.port, ['-tls1_3', '-ciphersuites', 'TLS_AES_128_GCM_SHA256', '-groups', 'P-256', '-servername', 'broker.local']);
    expect(c.alerts).toEqual([expect.objectContaining({ from: 'peer', code: 40, source: 'clear' })]);
    expect(c.diagnosis!.kind).toBe('cipher-suite');
    expect(c.diagnosis!.text).toMatch(/broker sent alert 40 handshake_failure right after a ClientHello offering suites TLS_AES_128_GCM_SHA256, .*no shared cipher suite/);
    const result = await diagnose({ clientHello: c.clientHello!, broker: `127.0.0.1:${broker.port}` });
    expect(result.cause).toBe('cipher_suites');
    expect(result.fixes.map((f) => f.change)).toEqual(['add TLS_AES_256_GCM_SHA384 to cipher_suites']);
    expect(result.text).toMatch(/cause: cipher suite — the broker accepts only with TLS_AES_256_GCM_SHA384; the firmware offers TLS_AES_128_GCM_SHA256/);
  });

  it('protocol_version: a TLS 1.2-only broker and a TLS 1.3-only client', async () => {
    const server = await nodeServer({ maxVersion: 'TLSv1.2' });
    try {
      const c = await inspect(server.port, ['-tls1_3', '-servername', 'broker.local']);
      expect(c.alerts).toEqual([expect.objectContaining({ from: 'peer', code: 70, name: 'protocol_version' })]);
      expect(c.diagnosis!.kind).toBe('protocol-version');
      expect(c.diagnosis!.text).toMatch(/supported_versions: TLS 1\.3; the broker .* limited to TLS 1\.2/);
      const result = await diagnose({ clientHello: c.clientHello!, broker: `localhost:${server.port}` });
      expect(result.cause).toBe('version');
      expect(result.fixes[0]!.negotiated?.version).toBe('TLSv1.2');
    } finally {
      await server.close();
    }
  });

  it('no shared group: the broker wants P-384, the client offers P-256 only', async () => {
    const server = await nodeServer({ minVersion: 'TLSv1.3', ecdhCurve: 'P-384' });
    try {
      const c = await inspect(server.port, ['-tls1_3', '-groups', 'P-256', '-servername', 'broker.local']);
      expect(c.alerts[0]).toMatchObject({ from: 'peer', code: 40 });
      expect(c.diagnosis!.text).toMatch(/no shared group \(only secp256r1 offered\)/);
      const result = await diagnose({ clientHello: c.clientHello!, broker: `127.0.0.1:${server.port}` });
      expect(result.cause).toBe('supported_groups');
      expect(result.fixes.map((f) => f.change)).toEqual(['add secp384r1 to supported_groups']);
    } finally {
      await server.close();
    }
  });

  it('a port without TLS closes without an alert', async () => {
    const plain = net.createServer((socket) => socket.once('data', () => socket.end()));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const c = await inspect((plain.address() as net.AddressInfo).port, ['-tls1_3', '-servername', 'broker.local']);
      expect(c.alerts).toEqual([]);
      expect(c.diagnosis!.kind).toBe('closed-without-alert');
      expect(c.diagnosis!.headline).toBe('broker closed (FIN) the connection right after the ClientHello, without an alert');
      expect(c.diagnosis!.explanation).toMatch(/plain MQTT on 1883/);
    } finally {
      await new Promise<void>((resolve) => plain.close(() => resolve()));
    }
  });
});

// What our fixture's ClientHello looks like (lib/tls13 send_client_hello, ECDSA-only build).
function fixtureClientHello(): ClientHello {
  const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((h) => parseInt(h, 16)));
  const name = new TextEncoder().encode('broker.local');
  const body = Uint8Array.from([
    3, 3, ...new Uint8Array(32).fill(7), 32, ...new Uint8Array(32).fill(9), 0, 2, 0x13, 0x01, 1, 0,
    0, 0, // extensions length, patched below
    0, 0, 0, name.length + 5, 0, name.length + 3, 0, 0, name.length, ...name,
    0, 10, 0, 4, 0, 2, 0, 0x17,
    0, 13, 0, 4, 0, 2, 4, 3,
    0, 43, 0, 3, 2, 3, 4,
    0, 51, 0, 71, 0, 69, 0, 0x17, 0, 65, 4, ...hex('11'.repeat(64)),
  ]);
  const extensionsLength = body.length - (2 + 32 + 1 + 32 + 4 + 2 + 2);
  body[2 + 32 + 1 + 32 + 4 + 2] = extensionsLength >> 8;
  body[2 + 32 + 1 + 32 + 4 + 2 + 1] = extensionsLength & 0xff;
  return decodeClientHello(body);
}

function connectionWith(partial: Partial<TlsConnection>): TlsConnection {
  const stats = () => ({ records: 0, bytes: 0, encryptedRecordSizes: [], encryptedRecords: 0, changeCipherSpec: false, finished: false });
  return {
    id: 1, board: { ip: '10.0.2.15', port: 49152 }, peer: { ip: '10.0.2.2', port: 8883 }, startTime: 0, client: 'board', isTls: true,
    clientHello: fixtureClientHello(), retryClientHellos: [], serverHello: null, helloRetryRequests: [], alerts: [], messages: [],
    stats: { board: stats(), peer: stats() }, handshakeComplete: false, decrypting: false, certificateRequested: false,
    clientCertificateSent: null, consoleLines: [], closed: { time: 1, by: 'board', how: 'fin' }, lostBytes: 0, diagnosis: null, ...partial,
  };
}

const boardAlert = (code: number, name: string) => ({ time: 1, from: 'board' as const, level: 2, levelName: 'fatal', code, name, source: 'console' as const });

describe('board-side alerts of an embedded client', () => {
  it('decodes our fixture\'s ClientHello', () => {
    const hello = fixtureClientHello();
    expect(hello.malformed).toBeUndefined();
    expect(hello.serverName).toBe('broker.local');
    expect(hello.signatureAlgorithms!.map((s) => s.name)).toEqual(['ecdsa_secp256r1_sha256']);
    expect(hello.keyShareGroups!.map((g) => g.name)).toEqual(['secp256r1']);
  });

  it.each([
    [42, 'bad_certificate', /host name the board connects to is not in the certificate's subjectAltName/],
    [48, 'unknown_ca', /wrong CA is compiled in or provisioned/],
    [45, 'certificate_expired', /board's clock is wrong \(RTC not set, SNTP not answered/],
    [51, 'decrypt_error', /signed by a different key than the provisioned CA's, or a crypto fault/],
    [46, 'certificate_unknown', /chain, key usage, name or dates/],
  ])('alert %i %s', (code, name, meaning) => {
    const c = connectionWith({ alerts: [boardAlert(code, name)], consoleLines: ['TLS server certificate: CN=broker.local'] });
    const d = explainFailure(c);
    expect(d.kind).toBe('board-rejected-certificate');
    expect(d.headline).toBe(`the board sent alert ${code} ${name} (reported on the firmware console) (firmware: TLS server certificate: CN=broker.local)`);
    expect(d.explanation).toMatch(meaning);
  });

  it('a HelloRetryRequest our library cannot answer', () => {
    const hrr = { helloRetryRequest: true, legacyVersion: 0x0303, random: new Uint8Array(32), sessionId: new Uint8Array(32), cipherSuite: { code: 0x1301, name: 'TLS_AES_128_GCM_SHA256' }, extensions: [], selectedVersion: { code: 0x0304, name: 'TLS 1.3' }, keyShareGroup: { code: 0x1d, name: 'x25519' }, cookie: false };
    const d = explainFailure(connectionWith({ helloRetryRequests: [hrr] }));
    expect(d.kind).toBe('group');
    expect(d.headline).toBe('broker sent a HelloRetryRequest asking for x25519; the board\'s key_share had secp256r1 and supported_groups secp256r1');
    const loop = explainFailure(connectionWith({ helloRetryRequests: [hrr, hrr], closed: { time: 1, by: 'peer', how: 'fin' } }));
    expect(loop.kind).toBe('hello-retry');
    expect(loop.headline).toMatch(/2 times \(a HelloRetryRequest loop\)/);
  });
});
