import { describe, expect, it } from 'vitest';
import { parseArp, parseEthernet, parseIcmp, parseIpv4, parseTcp, parseUdp } from '../../emulator/net/packet.js';
import { DhcpServer } from '../../emulator/net/usernet/dhcp-server.js';
import { HostsTable, answerDnsQuery } from '../../emulator/net/usernet/dns-responder.js';
import { answerSntpRequest } from '../../emulator/net/usernet/sntp-responder.js';

function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => { state = (Math.imul(state, 1103515245) + 12345) >>> 0; return state >>> 16; };
}

/** Random bytes, often starting from a valid message so the fuzz reaches past the first check. */
function mutate(random: () => number, template: Uint8Array, maxLength: number): Uint8Array {
  const length = random() % 3 === 0 ? template.length : random() % maxLength;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = i < template.length && random() % 8 !== 0 ? template[i]! : random() & 0xff;
  return out;
}

describe('usernet responders under 10^4 garbage inputs each', () => {
  it('DNS answers or ignores, never throws, and never answers beyond the question it got', () => {
    const hosts = new HostsTable();
    hosts.set('broker.local', 0x0a000202);
    const valid = Uint8Array.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 6, ...Buffer.from('broker'), 5, ...Buffer.from('local'), 0, 0, 1, 0, 1]);
    const random = generator(1);
    for (let i = 0; i < 10_000; i++) {
      const query = mutate(random, valid, 80);
      const answer = answerDnsQuery(query, hosts);
      if (answer) expect(answer.length).toBeLessThanOrEqual(Math.max(query.length, 12) + 16);
    }
  });

  it('DHCP ignores garbage without throwing and keeps its pool bounded', () => {
    const server = new DhcpServer({
      serverAddress: 0x0a000202, router: 0x0a000202, dnsServer: 0x0a000203, netmask: 0xffffff00,
      firstAddress: 0x0a00020f, poolSize: 16, leaseSeconds: 3600,
    }, () => 0, () => {});
    const valid = new Uint8Array(300);
    valid.set([1, 1, 6], 0);
    valid.set([0x63, 0x82, 0x53, 0x63, 53, 1, 1, 255], 236);
    const random = generator(2);
    let replies = 0;
    for (let i = 0; i < 10_000; i++) {
      const reply = server.handle(mutate(random, valid, 400));
      if (reply) replies++;
    }
    expect(replies).toBeGreaterThan(0);
  });

  it('SNTP and the header parsers never throw', () => {
    const random = generator(3);
    const ntp = new Uint8Array(48);
    ntp[0] = 0x23;
    const frame = Uint8Array.from([...new Array(12).fill(0xff), 8, 0, 0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 2, 15, 10, 0, 2, 2]);
    for (let i = 0; i < 10_000; i++) {
      answerSntpRequest(mutate(random, ntp, 64), random() * 1000);
      const bytes = mutate(random, frame, 120);
      const ethernet = parseEthernet(bytes);
      const ip = ethernet ? parseIpv4(ethernet.payload) : null;
      parseArp(bytes.subarray(14));
      if (ip) {
        parseTcp(ip.payload, ip);
        parseUdp(ip.payload, ip);
        parseIcmp(ip.payload);
      }
    }
    expect(answerSntpRequest(ntp, Number.NaN)).not.toBeNull();
  });
});
