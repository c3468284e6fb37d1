// Issue #6's regression matrix, the paths that must fail, and fail for the right reason: the
// alert on the wire and on the firmware's console is what a field engineer would be told.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, type TestCertificates } from '../../emulator/harness/mqtt-fixture.js';
import { fixtureElf, requireMqttPeers, runFixture, startMosquitto, stopAllMosquittos } from './peers.js';

requireMqttPeers(['', 'mtls']);
const EXIT_TLS = 3;

describe('mqtt-tls against mosquitto: rejections', () => {
  let certs: TestCertificates;
  beforeAll(() => { certs = makeTestCertificates(); });
  afterAll(async () => { await stopAllMosquittos(); });

  it('ECDSA-only firmware, RSA server certificate: the broker\'s alert 40 reaches the firmware, and the inspector explains it', async () => {
    const broker = await startMosquitto({ cafile: certs.ca.cert, certfile: certs.serverRsa.cert, keyfile: certs.serverRsa.key });
    try {
      const run = await runFixture({
        elf: fixtureElf(),
        provisioning: { caDer: certs.ca.certDer, brokerHost: 'broker.local', brokerPort: broker.port, publishCount: 1 },
      });
      expect(run.uart).toContain('TLS ClientHello sent: TLS_AES_128_GCM_SHA256, secp256r1, signature_algorithms ecdsa_secp256r1_sha256');
      expect(run.uart).toContain('TLS alert received: 40 handshake_failure');
      expect(run.exitCode).toBe(EXIT_TLS);
      const connection = run.inspector.connections.find((c) => c.isTls)!;
      expect(connection.alerts).toContainEqual(expect.objectContaining({ from: 'peer', code: 40, source: 'clear' }));
      expect(connection.diagnosis!.kind).toBe('signature-algorithms');
      expect(connection.diagnosis!.text).toContain('broker sent alert 40 handshake_failure right after a ClientHello that offered only ECDSA signature algorithms');
    } finally {
      await broker.stop();
    }
  });

  it('wrong CA provisioned: the firmware sends unknown_ca (48), RFC 8446 §6.2 for a chain with no known trust anchor', async () => {
    const broker = await startMosquitto({ cafile: certs.ca.cert, certfile: certs.serverEc.cert, keyfile: certs.serverEc.key });
    try {
      const run = await runFixture({
        elf: fixtureElf(),
        provisioning: { caDer: certs.wrongCa.certDer, brokerHost: 'broker.local', brokerPort: broker.port, publishCount: 1 },
      });
      expect(run.uart).toContain('TLS server certificate: CN=broker.local');
      expect(run.uart).toContain('TLS alert sent: 48 unknown_ca');
      expect(run.uart).not.toContain('TLS handshake complete');
      expect(run.exitCode).toBe(EXIT_TLS);
      const connection = run.inspector.connections.find((c) => c.isTls)!;
      expect(connection.alerts).toContainEqual(expect.objectContaining({ from: 'board', code: 48 }));
      expect(connection.diagnosis!.kind).toBe('board-rejected-certificate');
    } finally {
      await broker.stop();
    }
  });

  it('expired server certificate (2020-2021) at SNTP time 2026: the firmware sends certificate_expired (45)', async () => {
    const broker = await startMosquitto({ cafile: certs.ca.cert, certfile: certs.serverExpired.cert, keyfile: certs.serverExpired.key });
    try {
      const run = await runFixture({
        elf: fixtureElf(),
        provisioning: { caDer: certs.ca.certDer, brokerHost: 'broker.local', brokerPort: broker.port, publishCount: 1 },
      });
      expect(run.uart).toMatch(/SNTP time 17672256\d\d/);
      expect(run.uart).toContain('TLS alert sent: 45 certificate_expired');
      expect(run.exitCode).toBe(EXIT_TLS);
      expect(run.inspector.connections.find((c) => c.isTls)!.alerts).toContainEqual(expect.objectContaining({ from: 'board', code: 45 }));
    } finally {
      await broker.stop();
    }
  });

  it('mutual TLS (mtls variant) with a client certificate from a CA the broker does not trust: the broker rejects it', async () => {
    const broker = await startMosquitto({
      cafile: certs.ca.cert, certfile: certs.serverEc.cert, keyfile: certs.serverEc.key, requireCertificate: true,
    });
    try {
      const run = await runFixture({
        elf: fixtureElf('mtls'),
        provisioning: {
          caDer: certs.ca.certDer, clientCertDer: certs.clientUntrusted.certDer, clientKey: certs.clientUntrusted.keyDer,
          brokerHost: 'broker.local', brokerPort: broker.port, publishCount: 1,
        },
      });
      expect(run.uart).toContain('TLS CertificateRequest received');
      expect(run.uart).toContain('TLS client certificate sent');
      expect(run.uart).toMatch(/TLS alert received: 48 unknown_ca/);
      expect(run.uart).not.toContain('MQTT CONNACK');
      expect(run.exitCode).not.toBe(0);
      expect(broker.log()).toMatch(/certificate verify failed|unable to get local issuer certificate/i);
    } finally {
      await broker.stop();
    }
  });
});
