// Example: test your MQTT-over-TLS firmware against a real broker, with no board and no network.
//
// Copy this file next to your own tests and change the ELF path and the expected console lines.
// What happens:
//   1. scripts/make-certs.sh makes a test CA and a broker certificate for broker.local (once).
//   2. An MQTT broker (aedes behind node:tls, TLS 1.3) listens on 127.0.0.1 at a free port.
//   3. The firmware runs on the simulated STM32H563 with usernet: its DHCP, DNS (broker.local is
//      usernet's gateway 10.0.2.2) and TCP reach that broker on the host's loopback, nothing else.
//   4. The provisioning block (trust anchor, broker name and port, client id) is written into the
//      simulated flash before the first instruction runs, as a production line would.
//   5. The test waits for console lines on USART3 and checks what the broker received.
// Time: the firmware's timeouts run on virtual time; `timeout` in waitFor is virtual seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Simulation } from '../../emulator/harness/simulation.js';
import { EmbeddedBroker } from '../../emulator/harness/embedded-broker.js';
import { makeTestCertificates, provisionMqttFixture, type TestCertificates } from '../../emulator/harness/mqtt-fixture.js';

const FIRMWARE = new URL('../../firmware-fixtures/build/mqtt-tls.elf', import.meta.url).pathname;

describe('example: mqtt-tls firmware publishes to a TLS 1.3 broker', () => {
  let certs: TestCertificates;
  let broker: EmbeddedBroker;

  beforeAll(async () => {
    certs = makeTestCertificates();
    broker = await EmbeddedBroker.start({ cert: certs.serverEc.cert, key: certs.serverEc.key });
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('connects, publishes "hello 1" and gets PUBACK', async () => {
    const sim = await Simulation.load(FIRMWARE, { net: 'user' });
    try {
      provisionMqttFixture(sim, {
        caDer: certs.ca.certDer,
        brokerHost: 'broker.local',
        brokerPort: broker.port,
        clientId: 'example',
        publishCount: 1,
        echoWaitMs: 100,
      });
      const uart = sim.uart('USART3');

      await uart.waitFor(/DHCP bound: ip 10\.0\.2\.15/, { timeout: '10s' });
      // waitFor matches output as it arrives: end the pattern with the newline to capture a whole line.
      const handshake = await uart.waitFor(/TLS handshake complete: ([^\r\n]*)\r?\n/, { timeout: '20s' });
      expect(handshake[1]).toContain('TLS_AES_128_GCM_SHA256');
      await uart.waitFor('MQTT CONNACK 0 (accepted)', { timeout: '10s' });
      await uart.waitFor(/MQTT PUBACK \d+/, { timeout: '10s' });
      // The fixture ends with a semihosting exit: run until it and read the code.
      const end = await sim.runFor('10s');
      expect(end).toMatchObject({ reason: 'exit', exitCode: 0 });

      // The broker's side of the story.
      expect(broker.publishes).toContainEqual(expect.objectContaining({ clientId: 'example', topic: 'h5sim/example/out' }));
      expect(broker.publishes.find((p) => p.clientId === 'example')!.payload.toString()).toBe('hello 1');
      // The simulator's TLS inspector watched the cable (present whenever a network is attached).
      expect(sim.tls?.summary()).toMatch(/TLS 1\.3 TLS_AES_128_GCM_SHA256 secp256r1 SNI broker\.local, established/);
    } finally {
      await sim.close();
    }
  });
});
