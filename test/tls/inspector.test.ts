// The inspector on real TLS 1.3 sessions (node:tls on both ends, over a relay that turns the
// stream into Ethernet frames): ClientHello/ServerHello/HelloRetryRequest decoding, completion,
// encrypted alerts read with key-log secrets, and reassembly of reordered/duplicated frames.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyLogWriter, TcpStreamReassembler, TlsInspector, attachNodeTlsKeyLog, type TlsEvents } from '../../emulator/tls/index.js';
import {
  ETHERTYPE_IPV4, IP_PROTO_TCP, buildEthernet, buildIpv4, buildTcp, parseIp, parseIpv4, parseTcp, seqAdd,
} from '../../emulator/net/packet.js';
import type { FramePort } from '../../emulator/net/frame-port.js';
import { startFrameRelay, withTimeout, type FrameRelay } from './frame-relay.js';
import { makeCertificates, sClient, tempDir, type CertificateFiles } from './tls-peers.js';

const dir = tempDir();
let server: CertificateFiles;
let otherCa: CertificateFiles;

beforeAll(() => {
  server = makeCertificates(dir.path, 'ec');
  otherCa = makeCertificates(dir.path, 'ec', 'elsewhere.local', 'other');
});
afterAll(() => dir.remove());

interface Session {
  inspector: TlsInspector;
  relay: FrameRelay;
  clientError: Error | null;
  keys: KeyLogWriter;
}

/** One client connection through the relay to a node:tls server; the client writes "ping", the
 *  server answers "pong". `client` may instead be openssl s_client arguments (key log via -keylogfile). */
async function session(serverOptions: tls.TlsOptions, clientOptions: tls.ConnectionOptions | string[], keys: 'server' | 'client' | 'none'): Promise<Session> {
  const keyLog = new KeyLogWriter();
  const inspector = new TlsInspector({ keys: keyLog.keys });
  const tlsServer = tls.createServer({ key: server.keyPem, cert: server.certPem, minVersion: 'TLSv1.3', ...serverOptions }, (socket) => {
    socket.on('data', () => socket.end('pong'));
    socket.on('error', () => {});
  });
  tlsServer.on('tlsClientError', () => {});
  if (keys === 'server') attachNodeTlsKeyLog(tlsServer, keyLog);
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  const relay = await startFrameRelay({ targetPort: (tlsServer.address() as { port: number }).port, onFrame: (d, f, t) => inspector.feed(d, f, t) });
  let clientError: Error | null = null;
  try {
    if (Array.isArray(clientOptions)) {
      const keyFile = join(dir.path, `client-keys-${relay.port}.txt`);
      const output = await sClient(['-connect', `127.0.0.1:${relay.port}`, '-keylogfile', keyFile, ...clientOptions]);
      if (/alert|error/i.test(output)) clientError = new Error(output);
      await withTimeout(relay.idle(), 5000, 'relay idle');
      if (keys === 'client') keyLog.write(readFileSync(keyFile, 'utf8'));
    } else {
      await withTimeout(new Promise<void>((resolve) => {
        const socket = tls.connect({ host: '127.0.0.1', port: relay.port, servername: 'broker.local', ca: server.caPem, ...clientOptions });
        if (keys === 'client') attachNodeTlsKeyLog(socket, keyLog);
        socket.on('secureConnect', () => socket.write('ping'));
        socket.on('data', () => socket.end());
        socket.on('error', (error) => { clientError = error; resolve(); });
        socket.on('close', () => resolve());
      }), 10_000, 'TLS session');
      await withTimeout(relay.idle(), 5000, 'relay idle');
    }
  } finally {
    await relay.close();
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  }
  return { inspector, relay, clientError, keys: keyLog };
}

describe('TLS inspector on node:tls sessions', () => {
  it('decodes ClientHello and ServerHello and sees the handshake complete without keys', async () => {
    const { inspector } = await session({}, { ALPNProtocols: ['mqtt'] }, 'none');
    const c = inspector.connections[0]!;
    const hello = c.clientHello!;
    expect(c.client).toBe('board');
    expect(hello.legacyVersion).toBe(0x0303);
    expect(hello.random).toHaveLength(32);
    expect(hello.sessionId).toHaveLength(32);
    expect(hello.serverName).toBe('broker.local');
    expect(hello.alpn).toEqual(['mqtt']);
    expect(hello.supportedVersions!.map((v) => v.name)).toContain('TLS 1.3');
    expect(hello.cipherSuites.map((s) => s.name)).toEqual(expect.arrayContaining(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']));
    expect(hello.signatureAlgorithms!.map((s) => s.name)).toEqual(expect.arrayContaining(['ecdsa_secp256r1_sha256', 'rsa_pss_rsae_sha256', 'ed25519']));
    expect(hello.supportedGroups!.map((g) => g.name)).toEqual(expect.arrayContaining(['x25519', 'secp256r1']));
    expect(hello.keyShareGroups!.map((g) => g.name)).toEqual(['x25519']);
    expect(hello.pskModes).toEqual(['psk_dhe_ke']);
    expect(hello.malformed).toBeUndefined();
    const sh = c.serverHello!;
    expect(sh.helloRetryRequest).toBe(false);
    expect(sh.selectedVersion.name).toBe('TLS 1.3');
    expect(sh.cipherSuite.name).toBe('TLS_AES_256_GCM_SHA384');
    expect(sh.keyShareGroup!.name).toBe('x25519');
    expect(c.stats.board.changeCipherSpec).toBe(true);
    expect(c.handshakeComplete).toBe(true);
    expect(c.handshakeCompleteBasis).toMatch(/heuristic/);
    expect(c.alerts).toEqual([]);
    expect(c.diagnosis).toBeNull();
    expect(c.closed).not.toBeNull();
    expect(inspector.summary()).toMatch(/^10\.0\.2\.15:\d+ → 10\.0\.2\.2:\d+: TLS 1\.3 TLS_AES_256_GCM_SHA384 x25519 SNI broker\.local, established/);
  });

  it('reads the encrypted handshake with key-log secrets from the broker', async () => {
    const { inspector, keys } = await session({}, {}, 'server');
    expect(keys.lines.map((l) => l.split(' ')[0])).toEqual(expect.arrayContaining([
      'CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0']));
    const c = inspector.connections[0]!;
    expect(c.decrypting).toBe(true);
    expect(c.handshakeComplete).toBe(true);
    expect(c.handshakeCompleteBasis).toMatch(/key-log/);
    const peer = c.messages.filter((m) => m.from === 'peer').map((m) => m.name);
    expect(peer).toEqual(expect.arrayContaining(['server_hello', 'encrypted_extensions', 'certificate', 'certificate_verify', 'finished', 'new_session_ticket']));
    expect(c.messages.filter((m) => m.from === 'board').map((m) => m.name)).toEqual(['client_hello', 'finished']);
    expect(c.messages.filter((m) => m.from === 'board').every((m) => m.name === 'client_hello' || m.encrypted)).toBe(true);
    // The broker's close_notify, read with SERVER_TRAFFIC_SECRET_0.
    expect(c.alerts).toEqual([expect.objectContaining({ from: 'peer', code: 0, name: 'close_notify', source: 'decrypted' })]);
  });

  it('decodes a HelloRetryRequest and the second ClientHello', async () => {
    const { inspector, relay } = await session({ ecdhCurve: 'P-256' }, { ecdhCurve: 'X25519:P-256' }, 'none');
    const retries: Array<TlsEvents['hello-retry-request']> = [];
    const replay = new TlsInspector().on('hello-retry-request', (e) => retries.push(e));
    for (const { direction, frame, time } of relay.frames) replay.feed(direction, frame, time);
    const c = inspector.connections[0]!;
    expect(c.helloRetryRequests).toHaveLength(1);
    expect(c.helloRetryRequests[0]!.keyShareGroup!.name).toBe('secp256r1');
    expect(c.clientHello!.keyShareGroups!.map((g) => g.name)).toEqual(['x25519']);
    expect(c.retryClientHellos[0]!.keyShareGroups!.map((g) => g.name)).toEqual(['secp256r1']);
    expect(c.serverHello!.keyShareGroup!.name).toBe('secp256r1');
    expect(c.handshakeComplete).toBe(true);
    expect(inspector.summary()).toMatch(/TLS 1\.3 \S+ secp256r1, 1 HelloRetryRequest/);
    expect(retries.map((e) => [e.from, e.hello.keyShareGroup!.name])).toEqual([['peer', 'secp256r1']]);
  });

  it('explains a broker that rejects the board for lack of a client certificate (mutual TLS)', async () => {
    const withKeys = await session({ requestCert: true, rejectUnauthorized: true, ca: server.caPem }, {}, 'server');
    const c = withKeys.inspector.connections[0]!;
    expect(c.certificateRequested).toBe(true);
    expect(c.clientCertificateSent).toBe(false);
    expect(c.alerts.find((a) => a.from === 'peer')).toMatchObject({ code: 116, name: 'certificate_required', source: 'decrypted' });
    expect(c.diagnosis!.kind).toBe('client-certificate-rejected');
    expect(c.diagnosis!.text).toMatch(/broker sent alert 116 certificate_required after the client's certificate flight: mutual TLS rejected; the board sent no client certificate/);

    // Without secrets the alert stays encrypted: its size and the close give it away.
    const blind = new TlsInspector();
    for (const { direction, frame, time } of withKeys.relay.frames) blind.feed(direction, frame, time);
    const b = blind.connections[0]!;
    expect(b.alerts).toEqual([]);
    expect(b.handshakeComplete).toBe(false);
    expect(b.diagnosis!.kind).toBe('encrypted-alert');
    expect(b.diagnosis!.headline).toMatch(/the broker sent an encrypted alert \(a 19-byte record\)/);
  });

  it('explains a board that rejects the broker certificate (unknown CA)', async () => {
    const { inspector, clientError } = await session({}, ['-tls1_3', '-servername', 'broker.local', '-CAfile', otherCa.ca, '-verify_return_error'], 'none');
    expect(String(clientError)).toMatch(/unable to get local issuer certificate/);
    const c = inspector.connections[0]!;
    // OpenSSL's client switches its write keys only for its second flight: this alert is in clear.
    expect(c.alerts).toEqual([expect.objectContaining({ from: 'board', code: 48, name: 'unknown_ca', source: 'clear' })]);
    expect(c.diagnosis!.kind).toBe('board-rejected-certificate');
    expect(c.diagnosis!.text).toMatch(/^the board sent alert 48 unknown_ca; the board does not know the CA .*wrong CA is compiled in or provisioned/);
  });

  it('refines the diagnosis when secrets or the firmware console arrive after the close', async () => {
    const { relay, keys } = await session({ requestCert: true, rejectUnauthorized: true, ca: server.caPem }, {}, 'server');
    const late = new TlsInspector();
    const kinds: string[] = [];
    late.on('handshake-failed', (e) => kinds.push(e.diagnosis.kind));
    for (const { direction, frame, time } of relay.frames) late.feed(direction, frame, time);
    late.addKeyLog(keys.text());
    expect(kinds).toEqual(['encrypted-alert', 'client-certificate-rejected']);
    expect(late.connections[0]!.alerts).toEqual([expect.objectContaining({ from: 'peer', code: 116, source: 'decrypted' })]);

    // Our firmware prints the alert it decrypted: "TLS alert received: 116 certificate_required".
    const consoleOnly = new TlsInspector();
    relay.frames.forEach(({ direction, frame, time }, i) => {
      if (i === relay.frames.length - 2) consoleOnly.noteConsoleLine('TLS alert received: 116 certificate_required', time);
      consoleOnly.feed(direction, frame, time);
    });
    const c = consoleOnly.connections[0]!;
    expect(c.alerts).toEqual([expect.objectContaining({ from: 'peer', code: 116, source: 'console' })]);
    expect(c.diagnosis!.kind).toBe('client-certificate-rejected');
  });

  it('reassembles reordered, duplicated and overlapping segments into the same messages', async () => {
    const { relay, inspector: reference } = await session({}, {}, 'none');
    // Within each burst of one direction: later segments first, every third one twice, and data
    // segments split in two overlapping halves sent in reverse order.
    const shuffled: typeof relay.frames = [];
    let burst: typeof relay.frames = [];
    const flush = () => {
      burst.reverse().forEach((f, i) => {
        for (const piece of splitOverlapping(f.frame)) shuffled.push({ ...f, frame: piece });
        if (i % 3 === 0) shuffled.push(f);
      });
      burst = [];
    };
    for (const f of relay.frames) {
      if (burst.length > 0 && (burst[0]!.direction !== f.direction || tcpFlags(f.frame) !== 0x18)) flush();
      burst.push(f);
      if (tcpFlags(f.frame) !== 0x18) flush();
    }
    flush();
    expect(shuffled.length).toBeGreaterThan(relay.frames.length);
    const inspector = new TlsInspector();
    for (const { direction, frame, time } of shuffled) inspector.feed(direction, frame, time);
    const a = reference.connections[0]!;
    const b = inspector.connections[0]!;
    expect(b.clientHello!.randomHex).toBe(a.clientHello!.randomHex);
    expect(b.messages.map((m) => `${m.from}:${m.name}`)).toEqual(a.messages.map((m) => `${m.from}:${m.name}`));
    expect(b.stats.peer.encryptedRecordSizes).toEqual(a.stats.peer.encryptedRecordSizes);
    expect(b.handshakeComplete).toBe(true);
  });
});

function tcpFlags(frame: Uint8Array): number {
  return frame[14 + 20 + 13]! & 0x3f;
}

/** A data segment as two overlapping segments (second half first). */
function splitOverlapping(frame: Uint8Array): Uint8Array[] {
  const ip = parseIpv4(frame.subarray(14))!;
  const tcp = parseTcp(ip.payload, ip)!;
  if (tcp.payload.length < 64) return [frame];
  const half = tcp.payload.length >> 1;
  const build = (from: number, to: number) => {
    const segment = buildTcp(ip.source, ip.destination, {
      sourcePort: tcp.sourcePort, destinationPort: tcp.destinationPort, sequence: seqAdd(tcp.sequence, from),
      acknowledgment: tcp.acknowledgment, flags: tcp.flags, window: tcp.window, payload: tcp.payload.subarray(from, to),
    });
    return buildEthernet(frame.subarray(0, 6), frame.subarray(6, 12), ETHERTYPE_IPV4, buildIpv4(ip.source, ip.destination, IP_PROTO_TCP, segment, ip.identification));
  };
  return [build(half - 16, tcp.payload.length), build(0, half + 16)];
}

describe('TCP stream reassembly', () => {
  const collect = () => {
    const out: number[] = [];
    const gaps: number[] = [];
    return { out, gaps, sink: { data: (b: Uint8Array) => out.push(...b), gap: (n: number) => gaps.push(n) } };
  };

  it('orders, trims and de-duplicates across the 2^32 sequence wrap', () => {
    const { out, gaps, sink } = collect();
    const r = new TcpStreamReassembler(sink);
    const isn = 0xfffffff0;
    const data = Uint8Array.from({ length: 64 }, (_, i) => i);
    r.segment(isn, true, false, new Uint8Array(0));
    const at = (offset: number) => (isn + 1 + offset) >>> 0;
    r.segment(at(30), false, false, data.subarray(30, 50));
    r.segment(at(10), false, false, data.subarray(10, 35));
    r.segment(at(0), false, false, data.subarray(0, 12));
    r.segment(at(0), false, false, data.subarray(0, 12));
    r.segment(at(45), false, true, data.subarray(45, 64));
    expect(out).toEqual([...data]);
    expect(gaps).toEqual([]);
    expect(r.finished).toBe(true);
    expect(r.duplicateBytes).toBe(12 + 2 + 5 + 5);
    expect(r.bufferedBytes).toBe(0);
  });

  it('bounds the memory held behind a hole and reports the loss', () => {
    const { out, gaps, sink } = collect();
    const r = new TcpStreamReassembler(sink, 1000);
    r.segment(100, true, false, new Uint8Array(0));
    for (let i = 1; i <= 3; i++) r.segment(101 + 500 * i, false, false, new Uint8Array(500).fill(i));
    expect(gaps).toEqual([500]);
    expect(r.lostBytes).toBe(500);
    expect(out.length).toBe(1500);
    expect(r.bufferedBytes).toBe(0);
  });
});

describe('framing edge cases and the FramePort wrapper', () => {
  const board = parseIp('10.0.2.15');
  const broker = parseIp('10.0.2.2');
  const mac = new Uint8Array(6);
  const segment = (fromBoard: boolean, sequence: number, flags: number, payload = new Uint8Array(0)) => {
    const [src, dst, sport, dport] = fromBoard ? [board, broker, 50000, 8883] : [broker, board, 8883, 50000];
    const tcp = buildTcp(src, dst, { sourcePort: sport, destinationPort: dport, sequence, acknowledgment: 0, flags, window: 4096, payload });
    return buildEthernet(mac, mac, ETHERTYPE_IPV4, buildIpv4(src, dst, IP_PROTO_TCP, tcp, 1));
  };
  const record = (type: number, body: Uint8Array) => Uint8Array.from([type, 3, 3, body.length >> 8, body.length & 0xff, ...body]);

  it('reads a ClientHello split over two records, delivered 7 bytes per segment', () => {
    const body = Uint8Array.from([3, 3, ...new Uint8Array(32).fill(1), 0, 0, 2, 0x13, 0x01, 1, 0, 0, 7, 0, 43, 0, 3, 2, 3, 4]);
    const message = Uint8Array.from([1, 0, 0, body.length, ...body]);
    const stream = Uint8Array.from([...record(22, message.subarray(0, 20)), ...record(22, message.subarray(20)), ...record(21, Uint8Array.of(2, 40))]);
    const inspector = new TlsInspector();
    const hellos: string[] = [];
    inspector.on('client-hello', (e) => hellos.push(e.hello.supportedVersions!.map((v) => v.name).join()));
    inspector.feed('tx', segment(true, 99, 0x02), 0);
    for (let offset = 0, n = 0; offset < 5 * 2 + message.length; offset += 7, n++) {
      inspector.feed('tx', segment(true, 100 + offset, 0x18, stream.subarray(offset, Math.min(offset + 7, 10 + message.length))), n);
    }
    inspector.feed('rx', segment(false, 7000, 0x18, stream.subarray(10 + message.length)), 9);
    expect(hellos).toEqual(['TLS 1.3']);
    const c = inspector.connections[0]!;
    expect(c.clientHello!.cipherSuites.map((s) => s.name)).toEqual(['TLS_AES_128_GCM_SHA256']);
    expect(c.alerts).toEqual([expect.objectContaining({ from: 'peer', code: 40 })]);
  });

  it('ignores streams that are not TLS', () => {
    const inspector = new TlsInspector();
    inspector.feed('tx', segment(true, 1, 0x18, Uint8Array.from([0x10, 12, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 0])), 0);
    expect(inspector.connections[0]!.isTls).toBe(false);
    expect(inspector.summary()).toBe('');
  });

  it('wraps a FramePort: frames pass unchanged both ways and are inspected', () => {
    const received: Uint8Array[] = [];
    const sent: Uint8Array[] = [];
    let deliver: (frame: Uint8Array) => void = () => {};
    const inner: FramePort = {
      send: (frame) => sent.push(frame), onReceive: (listener) => { deliver = listener; }, linkUp: true,
      onLinkChange: () => {}, close: () => {},
    };
    const inspector = new TlsInspector();
    const port = inspector.wrap(inner, () => 5);
    port.onReceive((frame) => received.push(frame));
    const hello = record(22, Uint8Array.from([1, 0, 0, 41, 3, 3, ...new Uint8Array(32), 0, 0, 2, 0x13, 0x01, 1, 0]));
    const out = segment(true, 1, 0x18, hello);
    const back = segment(false, 1, 0x18, record(21, Uint8Array.of(2, 70)));
    port.send(out);
    deliver(back);
    expect(sent).toEqual([out]);
    expect(received).toEqual([back]);
    expect(port.linkUp).toBe(true);
    const c = inspector.connections[0]!;
    expect(c.clientHello).not.toBeNull();
    expect(c.alerts[0]).toMatchObject({ from: 'peer', code: 70, time: 5 });
    expect(c.diagnosis!.kind).toBe('protocol-version');
  });
});
