// `--trace mqtt` end to end: the mqtt-tls fixture on the simulated H563 talks MQTT inside TLS 1.3
// to a real mosquitto; the trace reads the records with secrets watched in the unchanged
// firmware's key schedule and shows each control packet both ways, as JSON lines and as text.
// Plain MQTT too: the mqtt npm client and aedes on TCP, their stream cut into small frames.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Simulation } from '../../emulator/harness/simulation.js';
import { attachTraces } from '../../emulator/harness/tracing.js';
import { makeTestCertificates, provisionMqttFixture, type TestCertificates } from '../../emulator/harness/mqtt-fixture.js';
import { MqttMonitor, type MqttErrorEvent, type MqttPacketEvent } from '../../emulator/mqtt/monitor.js';
import { describeMqttPacket } from '../../emulator/mqtt/packets.js';
import { TlsInspector } from '../../emulator/tls/index.js';
import { startFrameRelay, withTimeout } from '../tls/frame-relay.js';
import { fixtureElf, requireMqttPeers, startMosquitto, stopAllMosquittos } from './peers.js';

requireMqttPeers();

describe('--trace mqtt on the mqtt-tls fixture against mosquitto', () => {
  let certs: TestCertificates;
  beforeAll(() => { certs = makeTestCertificates(); });
  afterAll(async () => { await stopAllMosquittos(); });

  it('shows CONNECT with the client id, CONNACK 0, SUBSCRIBE/SUBACK and the PUBLISHes both ways, decrypted', async () => {
    const broker = await startMosquitto({ cafile: certs.ca.cert, certfile: certs.serverEc.cert, keyfile: certs.serverEc.key });
    const host = await mqtt.connectAsync(`mqtts://127.0.0.1:${broker.port}`, {
      ca: readFileSync(certs.ca.cert), servername: 'broker.local', clientId: 'trace-observer', connectTimeout: 5000, reconnectPeriod: 0,
    });
    const sim = await Simulation.load(fixtureElf(), { net: 'user', timeMode: 'realtime' });
    try {
      provisionMqttFixture(sim, {
        caDer: certs.ca.certDer, brokerHost: 'broker.local', brokerPort: broker.port, clientId: 'traced-board',
        publishCount: 1, intervalMs: 100, echoWaitMs: 400,
      });
      const json: string[] = [];
      const text: string[] = [];
      attachTraces(sim, 'mqtt', 'json', (line) => json.push(line));
      attachTraces(sim, 'mqtt', 'text', (line) => text.push(line));
      const events: MqttPacketEvent[] = [];
      sim.on('mqtt-packet', (event: MqttPacketEvent) => events.push(event));
      let exited = false;
      sim.uart('USART3').onLine((line) => {
        if (line.startsWith('MQTT SUBACK')) void host.publishAsync('h5sim/traced-board/in', 'from the host', { qos: 1 });
        if (/^mqtt-tls: exit/.test(line)) exited = true;
      });
      const started = performance.now();
      await sim.runUntil(() => exited || performance.now() - started > 50_000, { timeout: 30 });
      expect(sim.uart('USART3').text()).toContain('MQTT CONNACK 0 (accepted)');

      const trace = json.map((line) => JSON.parse(line));
      expect(trace.filter((e) => e.type === 'warning' || e.type === 'error')).toEqual([]);
      expect(trace.every((e) => e.kind === 'mqtt' && e.tls === true)).toBe(true);
      const sent = (type: string) => trace.filter((e) => e.type === type && e.direction === 'firmware→broker');
      const received = (type: string) => trace.filter((e) => e.type === type && e.direction === 'broker→firmware');
      expect(sent('CONNECT')).toEqual([expect.objectContaining({ clientId: 'traced-board', protocolName: 'MQTT', protocolLevel: 4 })]);
      expect(received('CONNACK')).toEqual([expect.objectContaining({ returnCode: 0, returnCodeName: 'accepted' })]);
      const subscribe = sent('SUBSCRIBE')[0];
      expect(subscribe.subscriptions).toEqual([expect.objectContaining({ topic: 'h5sim/traced-board/in' })]);
      expect(received('SUBACK')[0]).toMatchObject({ packetId: subscribe.packetId });
      expect(sent('PUBLISH')).toEqual(expect.arrayContaining([
        expect.objectContaining({ topic: 'h5sim/traced-board/out', payloadLength: 7, preview: 'hello 1' }),
      ]));
      expect(received('PUBLISH')).toEqual([expect.objectContaining({ topic: 'h5sim/traced-board/in', qos: 1, preview: 'from the host' })]);
      // Each of the firmware's QoS 1 publications is acknowledged by the broker with its packet id.
      for (const publication of sent('PUBLISH').filter((p) => p.qos === 1)) {
        expect(received('PUBACK').map((p) => p.packetId)).toContain(publication.packetId);
      }
      // The order on the wire: CONNECT, CONNACK, then the subscription.
      const order = trace.map((e) => e.type);
      expect(order.slice(0, 2)).toEqual(['CONNECT', 'CONNACK']);
      expect(order.indexOf('SUBACK')).toBeGreaterThan(order.indexOf('SUBSCRIBE'));
      expect(trace.every((e, i) => i === 0 || e.cycle >= trace[i - 1].cycle)).toBe(true);

      if (process.env.H5SIM_SHOW_TRACE) console.log(text.join("\n"), `\nwall ${((performance.now() - started) / 1000).toFixed(1)} s`);
      expect(text).toHaveLength(json.length);
      expect(text).toEqual(expect.arrayContaining([
        expect.stringMatching(/^\d+\.\d{9} mqtt firmware→broker CONNECT client id "traced-board", keep-alive \d+ s/),
        expect.stringMatching(/ mqtt broker→firmware CONNACK 0 \(accepted\)$/),
        expect.stringMatching(/ mqtt firmware→broker PUBLISH "h5sim\/traced-board\/out" QoS \d( id \d+)?, 7 bytes "hello 1"$/),
      ]));
      // The harness event carries the same packets.
      expect(events.map((e) => e.packet.name)).toEqual(order);
    } finally {
      await sim.close();
      await host.endAsync(true);
      await broker.stop();
    }
  });

  it('without a network the trace is refused with one clear line', async () => {
    const sim = await Simulation.load(fixtureElf());
    try {
      expect(() => attachTraces(sim, 'mqtt', 'text', () => {})).toThrow('--trace mqtt needs a network (--net)');
    } finally {
      await sim.close();
    }
  });
});

describe('MQTT monitor on plain MQTT (port 1883) between real peers', () => {
  it('the mqtt client and aedes over TCP, in 40-byte segments: every packet both ways, a 300-byte PUBLISH whole', async () => {
    const aedes = await Aedes.createBroker();
    const server = net.createServer((socket) => aedes.handle(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const inspector = new TlsInspector();
    const seen: MqttPacketEvent[] = [];
    const failures: MqttErrorEvent[] = [];
    new MqttMonitor(inspector).onPacket((e) => seen.push(e)).onError((e) => failures.push(e));
    const relay = await startFrameRelay({
      targetPort: (server.address() as net.AddressInfo).port, wirePort: 1883, mss: 40,
      onFrame: (direction, frame, time) => inspector.feed(direction, frame, time),
    });
    try {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${relay.port}`, { clientId: 'plain-client', keepalive: 30, reconnectPeriod: 0, protocolVersion: 4 });
      const received = new Promise<void>((resolve) => client.on('message', () => resolve()));
      await client.subscribeAsync('plain/echo', { qos: 1 });
      await client.publishAsync('plain/echo', Buffer.alloc(300, 0x2a), { qos: 1 });
      await withTimeout(received, 5000, 'the echoed message');
      await client.endAsync();
      await withTimeout(relay.idle(), 5000, 'relay idle');
      expect(failures).toEqual([]);
      const lines = seen.map((e) => `${e.direction} ${describeMqttPacket(e.packet)}`);
      expect(lines[0]).toBe('firmware→broker CONNECT client id "plain-client", keep-alive 30 s, clean session');
      expect(lines).toContain('broker→firmware CONNACK 0 (accepted)');
      expect(lines).toEqual(expect.arrayContaining([
        expect.stringMatching(/^firmware→broker SUBSCRIBE id \d+ "plain\/echo" QoS 1$/),
        expect.stringMatching(/^broker→firmware SUBACK id \d+ QoS 1$/),
        expect.stringMatching(/^firmware→broker PUBLISH "plain\/echo" QoS 1 id \d+, 300 bytes "\*{32}…"$/),
        expect.stringMatching(/^broker→firmware PUBLISH "plain\/echo" QoS 1 id \d+, 300 bytes/),
        expect.stringMatching(/^broker→firmware PUBACK id \d+$/),
        expect.stringMatching(/^firmware→broker PUBACK id \d+$/),
        'firmware→broker DISCONNECT',
      ]));
      expect(seen.every((e) => !e.decrypted && e.connection.peer.port === 1883 && e.connection.isTls === false)).toBe(true);
    } finally {
      await relay.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
