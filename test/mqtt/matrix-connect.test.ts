// Issue #6's regression matrix, the paths that must connect: the mqtt-tls fixture on the simulated
// chip, through usernet, to a real mosquitto (OpenSSL, TLS 1.3 only) on 127.0.0.1.
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, type TestCertificates } from '../../emulator/harness/mqtt-fixture.js';
import { fixtureElf, requireMqttPeers, runFixture, startMosquitto, stopAllMosquittos } from './peers.js';

const variants = ['', 'rsapss', 'h573'];
requireMqttPeers(variants);

describe('mqtt-tls against mosquitto: connects', () => {
  let certs: TestCertificates;
  beforeAll(() => { certs = makeTestCertificates(); });
  afterAll(async () => { await stopAllMosquittos(); });

  it('ECDSA-only firmware, ECC server certificate: CONNACK, "hello 1" reaches a subscriber, a host message is echoed', async () => {
    const broker = await startMosquitto({ cafile: certs.ca.cert, certfile: certs.serverEc.cert, keyfile: certs.serverEc.key });
    const host = await mqtt.connectAsync(`mqtts://127.0.0.1:${broker.port}`, {
      ca: readFileSync(certs.ca.cert), servername: 'broker.local', clientId: 'host-observer', connectTimeout: 5000, reconnectPeriod: 0,
    });
    try {
      const seen: string[] = [];
      host.on('message', (topic, payload) => seen.push(`${topic}: ${payload.toString()}`));
      await host.subscribeAsync('h5sim/ecdsa/out', { qos: 1 });
      const run = await runFixture({
        elf: fixtureElf(),
        provisioning: {
          caDer: certs.ca.certDer, brokerHost: 'broker.local', brokerPort: broker.port, clientId: 'ecdsa',
          // The firmware polls its socket while it waits: short windows keep the test fast.
          publishCount: 2, intervalMs: 200, echoWaitMs: 600,
        },
        // Once the firmware has subscribed to …/in, the host talks to it.
        onLine: (line) => { if (line.startsWith('MQTT SUBACK')) void host.publishAsync('h5sim/ecdsa/in', 'ping-from-host', { qos: 1 }); },
      });
      expect(run.uart).toContain('TLS handshake complete: TLS_AES_128_GCM_SHA256, secp256r1, server signature ecdsa_secp256r1_sha256');
      expect(run.uart).toContain('MQTT CONNACK 0 (accepted)');
      expect(run.uart).toContain('MQTT PUBLISH received on h5sim/ecdsa/in (QoS 1, 14 bytes): ping-from-host');
      expect(run.exitCode).toBe(0);
      // The subscriber's messages can trail the firmware's exit by a few milliseconds.
      for (let i = 0; i < 40 && seen.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen).toEqual(expect.arrayContaining(['h5sim/ecdsa/out: hello 1', 'h5sim/ecdsa/out: hello 2', 'h5sim/ecdsa/out: ping-from-host']));
      const connection = run.inspector.connections.find((c) => c.isTls)!;
      expect(connection.clientHello!.signatureAlgorithms!.map((s) => s.name)).toEqual(['ecdsa_secp256r1_sha256']);
      expect(connection.serverHello!.cipherSuite.name).toBe('TLS_AES_128_GCM_SHA256');
      expect(connection.handshakeComplete).toBe(true);
      expect(broker.log()).toMatch(/New client connected from 127\.0\.0\.1:\d+ as ecdsa/);
    } finally {
      await host.endAsync(true);
      await broker.stop();
    }
  });

  it('ECDSA + RSA-PSS firmware (rsapss), RSA server certificate: CONNACK', async () => {
    const broker = await startMosquitto({ cafile: certs.ca.cert, certfile: certs.serverRsa.cert, keyfile: certs.serverRsa.key });
    try {
      const run = await runFixture({
        elf: fixtureElf('rsapss'),
        provisioning: { caDer: certs.ca.certDer, brokerHost: 'broker.local', brokerPort: broker.port, clientId: 'rsapss', publishCount: 1, intervalMs: 100, echoWaitMs: 100 },
      });
      expect(run.uart).toContain('server signature rsa_pss_rsae_sha256');
      expect(run.uart).toContain('MQTT CONNACK 0 (accepted)');
      expect(run.uart).toMatch(/MQTT PUBACK \d+/);
      expect(run.exitCode).toBe(0);
      const hello = run.inspector.connections.find((c) => c.isTls)!.clientHello!;
      expect(hello.signatureAlgorithms!.map((s) => s.name)).toContain('rsa_pss_rsae_sha256');
    } finally {
      await broker.stop();
    }
  });

  it('STM32H573 (h573 variant, AES-GCM on the AES peripheral), ECC server certificate: CONNACK and PUBACK', async () => {
    const broker = await startMosquitto({ cafile: certs.ca.cert, certfile: certs.serverEc.cert, keyfile: certs.serverEc.key });
    try {
      const run = await runFixture({
        elf: fixtureElf('h573'),
        machine: 'stm32h573',
        provisioning: { caDer: certs.ca.certDer, brokerHost: 'broker.local', brokerPort: broker.port, clientId: 'h573', publishCount: 2, intervalMs: 100, echoWaitMs: 100 },
      });
      expect(run.uart).toContain('TLS handshake complete: TLS_AES_128_GCM_SHA256, secp256r1, server signature ecdsa_secp256r1_sha256');
      expect(run.uart).toContain('MQTT CONNACK 0 (accepted)');
      expect(run.uart).toMatch(/MQTT PUBACK \d+[\s\S]*MQTT PUBACK \d+/);
      expect(run.exitCode).toBe(0);
    } finally {
      await broker.stop();
    }
  });
});
