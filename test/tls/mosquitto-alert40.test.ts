// The story of issue #7: a client that offers only ECDSA signature algorithms meets a mosquitto
// with an RSA certificate, TLS 1.3 only. The broker's alert 40 must be decoded and explained, and
// diagnose() must name the signature algorithm as the cause.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TlsInspector, diagnose, DiagnoseRefused, type TlsEvents } from '../../emulator/tls/index.js';
import { startFrameRelay, withTimeout } from './frame-relay.js';
import { makeCertificates, sClient, startMosquitto, tempDir, type Mosquitto } from './tls-peers.js';

describe('alert 40 from mosquitto with an RSA certificate', () => {
  const dir = tempDir();
  let broker: Mosquitto;

  beforeAll(async () => {
    const files = makeCertificates(dir.path, 'rsa');
    broker = await startMosquitto(dir.path, files, ['tls_version tlsv1.3']);
  });
  afterAll(async () => {
    await broker?.stop();
    dir.remove();
  });

  it('decodes the ECDSA-only ClientHello and the broker alert, and explains it', async () => {
    const inspector = new TlsInspector();
    const failures: Array<TlsEvents['handshake-failed']> = [];
    const alerts: Array<TlsEvents['alert']> = [];
    inspector.on('handshake-failed', (e) => failures.push(e)).on('alert', (e) => alerts.push(e));
    const relay = await startFrameRelay({ targetPort: broker.port, onFrame: (d, f, t) => inspector.feed(d, f, t) });
    try {
      const output = await sClient(['-connect', `127.0.0.1:${relay.port}`, '-tls1_3', '-sigalgs', 'ecdsa_secp256r1_sha256',
        '-groups', 'P-256', '-ciphersuites', 'TLS_AES_128_GCM_SHA256', '-servername', 'broker.local']);
      expect(output).toMatch(/alert number 40/);
      await withTimeout(relay.idle(), 5000, 'relay idle');
    } finally {
      await relay.close();
    }
    const connection = inspector.connections[0]!;
    expect(connection.clientHello!.signatureAlgorithms!.map((s) => s.name)).toEqual(['ecdsa_secp256r1_sha256']);
    expect(connection.clientHello!.serverName).toBe('broker.local');
    expect(connection.clientHello!.supportedVersions!.map((v) => v.name)).toEqual(['TLS 1.3']);
    expect(connection.clientHello!.keyShareGroups!.map((g) => g.name)).toEqual(['secp256r1']);
    expect(connection.serverHello).toBeNull();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.alert).toMatchObject({ from: 'peer', code: 40, name: 'handshake_failure', level: 2, source: 'clear' });
    expect(failures).toHaveLength(1);
    const diagnosis = failures[0]!.diagnosis;
    expect(diagnosis.kind).toBe('signature-algorithms');
    expect(diagnosis.text).toContain('broker sent alert 40 handshake_failure right after a ClientHello that offered only ECDSA signature algorithms (ecdsa_secp256r1_sha256)');
    expect(diagnosis.text).toContain('RSA certificate');
    expect(diagnosis.text).toContain('rsa_pss_rsae_sha256');
    expect(inspector.summary()).toMatch(/handshake failed: broker sent alert 40 handshake_failure/);

    const result = await diagnose({ clientHello: connection.clientHello!, broker: `127.0.0.1:${broker.port}` });
    expect(result.baseline.accepted).toBe(false);
    expect(result.baseline.alert).toEqual({ code: 40, name: 'handshake_failure' });
    expect(result.cause).toBe('signature_algorithms');
    const pss = result.variations.find((v) => v.change.startsWith('add rsa_pss_rsae_sha256'))!;
    expect(pss.accepted).toBe(true);
    expect(pss.negotiated?.version).toBe('TLSv1.3');
    expect(result.variations.find((v) => v.change.startsWith('add x25519'))!.accepted).toBe(false);
    expect(result.text).toMatch(/cause: signature algorithm — the broker needs rsa_pss_rsae_sha256/);
  });

  it('refuses targets outside the allow list without contacting them', async () => {
    const hello = { signatureAlgorithms: [], cipherSuites: [] } as never;
    await expect(diagnose({ clientHello: hello, broker: '192.0.2.1:8883' })).rejects.toBeInstanceOf(DiagnoseRefused);
    await expect(diagnose({ clientHello: hello, broker: 'broker.example.com:8883' })).rejects.toBeInstanceOf(DiagnoseRefused);
  });
});
