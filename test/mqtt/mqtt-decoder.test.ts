// The MQTT 3.1.1 decoder behind `--trace mqtt` and Simulation's 'mqtt-packet' events: packets in
// any pieces, remaining lengths of one to four bytes, malformed input as one error item (never an
// exception), and the monitor on the TLS inspector's plain TCP streams (MQTT on port 1883).
import { describe, expect, it } from 'vitest';
import { MqttStreamDecoder, describeMqttPacket, startsWithConnect, type MqttStreamItem } from '../../emulator/mqtt/packets.js';
import { MqttMonitor, type MqttErrorEvent, type MqttPacketEvent } from '../../emulator/mqtt/monitor.js';
import { TlsInspector } from '../../emulator/tls/index.js';
import { ETHERTYPE_IPV4, IP_PROTO_TCP, TCP_ACK, TCP_PSH, TCP_RST, TCP_SYN, buildEthernet, buildIpv4, buildTcp } from '../../emulator/net/packet.js';

// ---- An encoder of our own, for the tests ---------------------------------------------------------

function remainingLength(length: number): number[] {
  const out: number[] = [];
  do {
    let b = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) b |= 0x80;
    out.push(b);
  } while (length > 0);
  return out;
}
const str = (s: string) => { const b = [...Buffer.from(s)]; return [b.length >> 8, b.length & 0xff, ...b]; };
const u16 = (v: number) => [v >> 8, v & 0xff];
function packet(first: number, body: number[]): Uint8Array {
  return Uint8Array.from([first, ...remainingLength(body.length), ...body]);
}
const connect = (clientId: string, extra: { user?: string; password?: string; will?: [string, string] } = {}) => {
  let flags = 0x02;
  const payload = [...str(clientId)];
  if (extra.will) { flags |= 0x04; payload.push(...str(extra.will[0]), ...str(extra.will[1])); }
  if (extra.user !== undefined) { flags |= 0x80; payload.push(...str(extra.user)); }
  if (extra.password !== undefined) { flags |= 0x40; payload.push(...str(extra.password)); }
  return packet(0x10, [...str('MQTT'), 4, flags, ...u16(60), ...payload]);
};
const connack = (code: number) => packet(0x20, [0, code]);
const publish = (topic: string, payload: Uint8Array | string, qos = 0, id = 0) =>
  packet(0x30 | (qos << 1), [...str(topic), ...(qos > 0 ? u16(id) : []), ...(typeof payload === 'string' ? Buffer.from(payload) : payload)]);
const subscribe = (id: number, ...topics: Array<[string, number]>) => packet(0x82, [...u16(id), ...topics.flatMap(([t, q]) => [...str(t), q])]);
const suback = (id: number, ...codes: number[]) => packet(0x90, [...u16(id), ...codes]);
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

const packets = (items: MqttStreamItem[]) => items.flatMap((i) => (i.kind === 'packet' ? [i.packet] : []));
const errors = (items: MqttStreamItem[]) => items.flatMap((i) => (i.kind === 'error' ? [i.message] : []));

describe('MQTT stream decoder', () => {
  it('decodes each control packet type with its fields', () => {
    const stream = concat(
      connect('board-1', { user: 'alice', password: 'secret', will: ['dead/board-1', 'gone'] }), connack(0), connack(5),
      subscribe(7, ['h5sim/in', 1], ['h5sim/#', 0]), suback(7, 1, 0x80),
      publish('h5sim/out', 'hello 1', 1, 9), packet(0x40, u16(9)), packet(0x62, u16(3)),
      packet(0xa2, [...u16(4), ...str('h5sim/in')]), packet(0xb0, u16(4)),
      packet(0xc0, []), packet(0xd0, []), packet(0xe0, []),
    );
    const items = new MqttStreamDecoder().push(stream);
    expect(errors(items)).toEqual([]);
    const decoded = packets(items);
    expect(decoded.map((p) => p.name)).toEqual([
      'CONNECT', 'CONNACK', 'CONNACK', 'SUBSCRIBE', 'SUBACK', 'PUBLISH', 'PUBACK', 'PUBREL', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT',
    ]);
    expect(decoded[0]).toMatchObject({ clientId: 'board-1', username: 'alice', passwordLength: 6, willTopic: 'dead/board-1', keepAliveSeconds: 60, cleanSession: true, protocolLevel: 4 });
    expect(JSON.stringify(decoded[0])).not.toContain('secret');
    expect(describeMqttPacket(decoded[1]!)).toBe('CONNACK 0 (accepted)');
    expect(describeMqttPacket(decoded[2]!)).toBe('CONNACK 5 (not authorized)');
    expect(decoded[3]!.subscriptions).toEqual([{ topic: 'h5sim/in', qos: 1 }, { topic: 'h5sim/#', qos: 0 }]);
    expect(describeMqttPacket(decoded[4]!)).toBe('SUBACK id 7 QoS 1, failure');
    expect(decoded[5]).toMatchObject({ topic: 'h5sim/out', qos: 1, packetId: 9, payloadLength: 7, preview: 'hello 1' });
    expect(describeMqttPacket(decoded[5]!)).toBe('PUBLISH "h5sim/out" QoS 1 id 9, 7 bytes "hello 1"');
    expect(describeMqttPacket(decoded[6]!)).toBe('PUBACK id 9');
    expect(decoded[8]!.topics).toEqual(['h5sim/in']);
  });

  it('gives the same packets whether the stream comes whole, byte by byte or in random pieces', () => {
    const stream = concat(connect('c'), connack(0), publish('t', new Uint8Array(300).fill(0x41), 1, 2), packet(0xc0, []));
    const whole = packets(new MqttStreamDecoder().push(stream));
    expect(whole.map((p) => p.name)).toEqual(['CONNECT', 'CONNACK', 'PUBLISH', 'PINGREQ']);
    const single = new MqttStreamDecoder();
    const byByte = stream.reduce<MqttStreamItem[]>((all, b) => [...all, ...single.push(Uint8Array.of(b))], []);
    expect(packets(byByte)).toEqual(whole);
    let seed = 12345;
    for (let round = 0; round < 20; round++) {
      const decoder = new MqttStreamDecoder();
      const collected: MqttStreamItem[] = [];
      for (let at = 0; at < stream.length;) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const take = 1 + (seed % 40);
        collected.push(...decoder.push(stream.subarray(at, at + take)));
        at += take;
      }
      expect(packets(collected)).toEqual(whole);
      expect(decoder.pendingBytes).toBe(0);
    }
  });

  it('reads remaining lengths of one to four bytes at their boundaries', () => {
    for (const total of [127, 128, 16_383, 16_384, 2_097_151, 2_097_152]) {
      const payloadLength = total - 2 - 1; // topic "t": 2-byte length + 1 byte
      const bytes = publish('t', new Uint8Array(payloadLength).fill(0x7a));
      const lengthBytes = remainingLength(total).length;
      expect(bytes.length).toBe(1 + lengthBytes + total);
      const decoder = new MqttStreamDecoder({ maxPacketBytes: 4 << 20 });
      // The length bytes arrive split from the first byte and from the body.
      const items = [...decoder.push(bytes.subarray(0, 2)), ...decoder.push(bytes.subarray(2, 1 + lengthBytes)), ...decoder.push(bytes.subarray(1 + lengthBytes))];
      expect(errors(items)).toEqual([]);
      expect(packets(items)[0]).toMatchObject({ remainingLength: total, payloadLength, preview: `${'z'.repeat(32)}…` });
    }
  });

  it('malformed input gives one error item naming the problem, then the direction is ignored', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x01), /remaining length runs past four bytes/],
      [packet(0x00, []), /packet type 0 is reserved/],
      [packet(0xf0, []), /packet type 15 is reserved/],
      [packet(0x80, [...u16(1), ...str('a'), 0]), /SUBSCRIBE: fixed-header flags 0x0, the standard requires 0x2/],
      [packet(0x20, [0, 0, 0]), /CONNACK: remaining length 3, the standard requires 2/],
      [packet(0x36, [...str('t'), 0, 1]), /PUBLISH: QoS 3/],
      [packet(0x30, [0, 50, 0x61]), /PUBLISH: topic name declares 50 bytes, only 1 left/],
      [packet(0x10, [...str('MQTT'), 4, 0x03, 0, 60, ...str('x')]), /reserved connect flag/],
      [packet(0x82, [...u16(1), ...str('a'), 7]), /requested QoS byte 0x7/],
      [packet(0xc0, [1]), /PINGREQ: remaining length 1/],
      [Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0x7f), /remaining length of 268435455 bytes, over the trace limit/],
    ];
    for (const [bytes, message] of cases) {
      const decoder = new MqttStreamDecoder();
      const items = decoder.push(concat(connack(0), bytes));
      expect(packets(items).map((p) => p.name)).toEqual(['CONNACK']);
      expect(errors(items)).toHaveLength(1);
      expect(errors(items)[0]).toMatch(message);
      expect(errors(items)[0]).toContain('stream offset 4');
      expect(decoder.push(connack(0))).toEqual([]);
    }
  });

  it('random junk never throws and yields at most one error per stream', () => {
    let state = 99;
    const random = () => { state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0; return state; };
    let errorCount = 0;
    for (let round = 0; round < 2000; round++) {
      const decoder = new MqttStreamDecoder({ maxPacketBytes: 4096 });
      const found: MqttStreamItem[] = [];
      for (let chunk = 0; chunk < 4; chunk++) {
        const bytes = Uint8Array.from({ length: random() % 64 }, () => random() & 0xff);
        expect(() => found.push(...decoder.push(bytes))).not.toThrow();
      }
      expect(errors(found).length).toBeLessThanOrEqual(1);
      errorCount += errors(found).length;
    }
    expect(errorCount).toBeGreaterThan(500);
  });

  it('recognises a CONNECT from the stream\'s first bytes', () => {
    expect(startsWithConnect(connect('x'))).toBe('yes');
    expect(startsWithConnect(connect('x').subarray(0, 5))).toBe('unknown');
    expect(startsWithConnect(packet(0x10, [...str('MQIsdp'), 3, 2, 0, 60, ...str('x')]))).toBe('yes');
    expect(startsWithConnect(Buffer.from('GET / HTTP/1.1\r\n'))).toBe('no');
    expect(startsWithConnect(Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0x40))).toBe('no');
  });
});

// ---- The monitor on plain TCP streams through the TLS inspector ------------------------------------

const BOARD_MAC = Uint8Array.of(0x02, 0, 0, 0, 0, 1);
const HOST_MAC = Uint8Array.of(0x52, 0x55, 0x0a, 0, 2, 2);
const BOARD_IP = 0x0a00_020f;
const PEER_IP = 0x0a00_0202;

/** Feeds one TCP connection's frames; `script` lists (side, payload) in wire order; `skip` leaves a
 *  hole of that many bytes before the segment, `flags` replaces ACK|PSH. */
function conversation(inspector: TlsInspector, boardPort: number, peerPort: number,
  script: Array<['board' | 'peer', Uint8Array, { skip?: number; flags?: number }?]>): void {
  let boardSequence = 1000;
  let peerSequence = 5000;
  const frame = (fromBoard: boolean, flags: number, payload = new Uint8Array(0)) => {
    const tcp = buildTcp(fromBoard ? BOARD_IP : PEER_IP, fromBoard ? PEER_IP : BOARD_IP, {
      sourcePort: fromBoard ? boardPort : peerPort, destinationPort: fromBoard ? peerPort : boardPort,
      sequence: fromBoard ? boardSequence : peerSequence, acknowledgment: fromBoard ? peerSequence : boardSequence,
      flags, window: 8192, payload,
    });
    const ip = buildIpv4(fromBoard ? BOARD_IP : PEER_IP, fromBoard ? PEER_IP : BOARD_IP, IP_PROTO_TCP, tcp, 1);
    inspector.feed(fromBoard ? 'tx' : 'rx', buildEthernet(fromBoard ? HOST_MAC : BOARD_MAC, fromBoard ? BOARD_MAC : HOST_MAC, ETHERTYPE_IPV4, ip), 0.5);
  };
  frame(true, TCP_SYN);
  boardSequence++;
  frame(false, TCP_SYN | TCP_ACK);
  peerSequence++;
  for (const [side, payload, options] of script) {
    const skip = options?.skip ?? 0;
    if (side === 'board') boardSequence += skip; else peerSequence += skip;
    frame(side === 'board', options?.flags ?? TCP_ACK | TCP_PSH, Uint8Array.from(payload));
    if (side === 'board') boardSequence += payload.length; else peerSequence += payload.length;
  }
}

function monitor(): { inspector: TlsInspector; seen: MqttPacketEvent[]; failures: MqttErrorEvent[] } {
  const inspector = new TlsInspector();
  const seen: MqttPacketEvent[] = [];
  const failures: MqttErrorEvent[] = [];
  new MqttMonitor(inspector).onPacket((e) => seen.push(e)).onError((e) => failures.push(e));
  return { inspector, seen, failures };
}

describe('MQTT monitor on the inspector\'s TCP streams', () => {
  it('plain MQTT on port 1883: packets split across segments, both directions, in order', () => {
    const { inspector, seen, failures } = monitor();
    const hello = concat(connect('plain-board'), subscribe(1, ['a/in', 1]));
    const greeting = publish('a/out', 'hello over plain tcp', 1, 2);
    conversation(inspector, 49152, 1883, [
      ['board', hello.subarray(0, 3)], ['board', hello.subarray(3)],
      ['peer', concat(connack(0), suback(1, 1))],
      ['board', greeting.subarray(0, 10)], ['board', concat(greeting.subarray(10), packet(0xc0, []))],
      ['peer', concat(packet(0x40, u16(2)), packet(0xd0, []))],
    ]);
    expect(failures).toEqual([]);
    expect(seen.map((e) => `${e.direction} ${describeMqttPacket(e.packet)}`)).toEqual([
      'firmware→broker CONNECT client id "plain-board", keep-alive 60 s, clean session',
      'firmware→broker SUBSCRIBE id 1 "a/in" QoS 1',
      'broker→firmware CONNACK 0 (accepted)',
      'broker→firmware SUBACK id 1 QoS 1',
      'firmware→broker PUBLISH "a/out" QoS 1 id 2, 20 bytes "hello over plain tcp"',
      'firmware→broker PINGREQ',
      'broker→firmware PUBACK id 2',
      'broker→firmware PINGRESP',
    ]);
    expect(seen.every((e) => !e.decrypted && e.connection.peer.port === 1883)).toBe(true);
  });

  it('an MQTT CONNECT on another port is recognised; HTTP is left alone', () => {
    const { inspector, seen, failures } = monitor();
    conversation(inspector, 49153, 31883, [['board', connect('odd-port')], ['peer', connack(0)]]);
    conversation(inspector, 49154, 8080, [['board', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')], ['peer', Buffer.from('HTTP/1.1 200 OK\r\n\r\n')]]);
    expect(seen.map((e) => e.packet.name)).toEqual(['CONNECT', 'CONNACK']);
    expect(failures).toEqual([]);
  });

  it('malformed MQTT on port 1883 becomes an error event, and later connections still decode', () => {
    const { inspector, seen, failures } = monitor();
    expect(() => conversation(inspector, 49155, 1883, [['board', connect('bad')], ['peer', Uint8Array.of(0x20, 0x05, 0, 0)], ['peer', Uint8Array.of(1, 2, 3)]])).not.toThrow();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ direction: 'broker→firmware' });
    expect(failures[0]!.message).toContain('CONNACK: remaining length 5');
    conversation(inspector, 49156, 1883, [['board', connect('good')], ['peer', connack(0)]]);
    expect(seen.map((e) => `${e.packet.name} ${e.packet.clientId ?? e.packet.returnCode}`)).toEqual(['CONNECT bad', 'CONNECT good', 'CONNACK 0']);
  });

  it('lost TCP segments end decoding of that direction with one error event saying so', () => {
    const { inspector, seen, failures } = monitor();
    conversation(inspector, 49157, 1883, [
      ['board', connect('lossy')], ['peer', connack(0)],
      // 12 bytes never arrive; what follows waits behind the hole until the reset flushes it.
      ['board', publish('after/hole', 'x'), { skip: 12 }],
      ['board', new Uint8Array(0), { flags: TCP_RST | TCP_ACK }],
    ]);
    expect(seen.map((e) => e.packet.name)).toEqual(['CONNECT', 'CONNACK']);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ direction: 'firmware→broker' });
    expect(failures[0]!.message).toBe('12 bytes of the TCP stream were never seen (lost segments); the rest of this direction is not decoded');
  });
});
