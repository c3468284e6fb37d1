// RSP framing: checksums, escapes, run-length input, acknowledgements, garbage, overlong packets.
import { describe, expect, it } from 'vitest';
import { decodePayload, encodePacket, MAX_PACKET_BYTES, PacketDecoder, type FrameEvent } from '../../emulator/gdb/framing.js';
import { bytes, text } from './rsp-client.js';

function decoder() {
  const sent: string[] = [];
  const d = new PacketDecoder((b) => sent.push(text(b)));
  return { d, sent };
}

const packets = (events: FrameEvent[]) => events.filter((e) => e.kind === 'packet').map((e) => text((e as { payload: Uint8Array }).payload));

describe('gdb framing', () => {
  it('encodes with a modulo-256 checksum', () => {
    expect(text(encodePacket('OK'))).toBe('$OK#9a');
    expect(text(encodePacket(''))).toBe('$#00');
    expect(text(encodePacket('m0,4'))).toBe(`$m0,4#${((0x6d + 0x30 + 0x2c + 0x34) & 0xff).toString(16)}`);
  });

  it('escapes $ # } and * as 0x7d followed by the byte xor 0x20', () => {
    const raw = encodePacket(Uint8Array.of(0x24, 0x23, 0x7d, 0x2a, 0x41));
    expect([...raw.subarray(1, raw.length - 3)]).toEqual([0x7d, 0x04, 0x7d, 0x03, 0x7d, 0x5d, 0x7d, 0x0a, 0x41]);
    const { d } = decoder();
    const events = d.feed(raw);
    expect(events).toHaveLength(1);
    expect([...(events[0] as { payload: Uint8Array }).payload]).toEqual([0x24, 0x23, 0x7d, 0x2a, 0x41]);
  });

  it('acks a good packet with + and a bad checksum with -', () => {
    const { d, sent } = decoder();
    expect(packets(d.feed(bytes('$g#67')))).toEqual(['g']);
    expect(packets(d.feed(bytes('$g#00')))).toEqual([]);
    expect(sent).toEqual(['+', '-']);
    expect(d.stats.badChecksums).toBe(1);
  });

  it('accepts upper-case checksum digits and rejects non-hex ones', () => {
    const { d, sent } = decoder();
    expect(packets(d.feed(bytes('$X#58')))).toEqual(['X']);
    expect(packets(d.feed(bytes('$?#3F')))).toEqual(['?']);
    expect(packets(d.feed(bytes('$?#zz')))).toEqual([]);
    expect(sent).toEqual(['+', '+', '-']);
  });

  it('sends no acknowledgements in no-ack mode and drops bad packets silently', () => {
    const { d, sent } = decoder();
    d.noAck = true;
    expect(packets(d.feed(bytes('$g#67$g#00$?#3f')))).toEqual(['g', '?']);
    expect(sent).toEqual([]);
  });

  it('reports acks, nacks and the 0x03 interrupt outside packets, and keeps 0x03 inside a packet as data', () => {
    const { d } = decoder();
    const events = d.feed(Uint8Array.of(0x2b, 0x2d, 0x03, ...encodePacket(Uint8Array.of(0x58, 0x03))));
    expect(events.map((e) => e.kind)).toEqual(['ack', 'nack', 'interrupt', 'packet']);
    expect([...(events[3] as { payload: Uint8Array }).payload]).toEqual([0x58, 0x03]);
  });

  it('expands run-length encoding (X*N repeats X N-29 more times)', () => {
    expect(text(decodePayload(bytes('0* '))!)).toBe('0000');
    expect(text(decodePayload(bytes('a*"b'))!)).toBe('aaaaaab');
    expect(decodePayload(bytes('*!'))).toBeNull();
    expect(decodePayload(bytes('a}'))).toBeNull();
    const { d } = decoder();
    expect(packets(d.feed(encodePacketRaw('f*#')))).toEqual([]); // '#' cannot be a count: malformed framing
  });

  it('survives byte-at-a-time delivery and packets split anywhere', () => {
    const { d } = decoder();
    const stream = [...encodePacket('qSupported:swbreak+'), ...encodePacket('?')];
    const got: string[] = [];
    for (const b of stream) got.push(...packets(d.feed(Uint8Array.of(b))));
    expect(got).toEqual(['qSupported:swbreak+', '?']);
  });

  it('skips binary junk between packets and restarts on a stray $', () => {
    const { d } = decoder();
    const junk = Uint8Array.from({ length: 500 }, (_, i) => (i * 37 + 11) & 0xff).filter((b) => b !== 0x24 && b !== 0x03 && b !== 0x2b && b !== 0x2d);
    const events = d.feed(Uint8Array.of(...junk, ...bytes('$m0,'), ...encodePacket('?')));
    expect(packets(events)).toEqual(['?']);
    expect(d.stats.junkBytes).toBeGreaterThan(400);
  });

  it('rejects overlong packets without buffering them and recovers', () => {
    const { d, sent } = decoder();
    const big = encodePacket('M' + 'a'.repeat(MAX_PACKET_BYTES + 10));
    expect(packets(d.feed(big))).toEqual([]);
    expect(d.stats.overlong).toBe(1);
    expect(sent).toEqual(['-']);
    expect(packets(d.feed(encodePacket('?')))).toEqual(['?']);
  });

  it('never throws on random input', () => {
    let seed = 12345;
    const random = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed >>> 16; };
    const { d } = decoder();
    for (let i = 0; i < 2000; i++) {
      const chunk = Uint8Array.from({ length: random() % 200 }, () => random() & 0xff);
      expect(() => d.feed(chunk)).not.toThrow();
    }
    expect(packets(d.feed(Uint8Array.of(...bytes('#00'), ...encodePacket('?'))))).toContain('?');
  });
});

function encodePacketRaw(body: string): Uint8Array {
  let sum = 0;
  for (const c of body) sum += c.charCodeAt(0);
  return bytes(`$${body}#${(sum & 0xff).toString(16).padStart(2, '0')}`);
}
