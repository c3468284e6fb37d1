import { createServer as createTcpServer, connect, type Server, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualNetClock } from '../../emulator/net/net-clock.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, ipToNumber, parseIp, seqAdd } from '../../emulator/net/packet.js';
import { UserNet, type UserNetOptions } from '../../emulator/net/usernet/usernet.js';
import { BOARD_MAC, BoardTcp, GATEWAY_MAC, ScriptedBoard, waitFor } from '../helpers/net-board.js';

const GATEWAY = parseIp('10.0.2.2');
const DNS = parseIp('10.0.2.3');
const BOARD_IP = parseIp('10.0.2.15');
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setup(options: Partial<UserNetOptions> = {}): { net: UserNet; board: ScriptedBoard; clock: ManualNetClock; logs: string[] } {
  const clock = new ManualNetClock();
  const logs: string[] = [];
  const net = new UserNet({ clock, log: (m) => logs.push(m), verifyChecksums: true, ...options });
  cleanups.push(() => net.close());
  const board = new ScriptedBoard(net);
  board.ip = BOARD_IP;
  return { net, board, clock, logs };
}

function dhcpMessage(type: number, xid: number, extra: number[] = [], ciaddr = 0): Uint8Array {
  const message = new Uint8Array(300);
  const view = new DataView(message.buffer);
  message[0] = 1; message[1] = 1; message[2] = 6;
  view.setUint32(4, xid);
  view.setUint16(10, 0x8000);
  view.setUint32(12, ciaddr);
  message.set(BOARD_MAC, 28);
  view.setUint32(236, 0x63825363);
  message.set([53, 1, type, ...extra, 255], 240);
  return message;
}

function dhcpOptions(payload: Uint8Array): Map<number, Uint8Array> {
  const options = new Map<number, Uint8Array>();
  for (let i = 240; i < payload.length && payload[i] !== 255;) {
    if (payload[i] === 0) { i++; continue; }
    options.set(payload[i]!, payload.subarray(i + 2, i + 2 + payload[i + 1]!));
    i += 2 + payload[i + 1]!;
  }
  return options;
}

function dnsQuery(id: number, name: string, type = 1): Uint8Array {
  const labels = name.split('.').flatMap((label) => [label.length, ...Buffer.from(label)]);
  return Uint8Array.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, type, 0, 1]);
}

async function echoServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createTcpServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket);
    socket.on('data', (data) => socket.write(data));
    socket.on('end', () => socket.end());
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0, sockets };
}

describe('usernet', () => {
  it('answers ARP for the gateway and DNS addresses with the gateway MAC, not for the board itself', () => {
    const { board } = setup();
    board.sendArpRequest(GATEWAY);
    board.sendArpRequest(DNS);
    board.sendArpRequest(BOARD_IP);
    const replies = board.inbox.filter((r) => r.arp);
    expect(replies.map((r) => r.arp!.senderIp)).toEqual([GATEWAY, DNS]);
    for (const r of replies) {
      expect(r.arp!.operation).toBe(2);
      expect(Array.from(r.arp!.senderMac)).toEqual(Array.from(GATEWAY_MAC));
      expect(Array.from(r.frame.subarray(0, 6))).toEqual(Array.from(BOARD_MAC));
    }
  });

  it('runs a DHCP handshake: DISCOVER/OFFER, REQUEST/ACK, renewal, NAK for a wrong address', () => {
    const { board } = setup({ leaseSeconds: 3600 });
    board.sendUdp(0xffffffff, 68, 67, dhcpMessage(1, 0x1234), 0, new Uint8Array(6).fill(0xff));
    const offer = board.take((r) => r.udp?.destinationPort === 68)!;
    expect(offer).toBeDefined();
    const offerView = new DataView(offer.udp!.payload.buffer, offer.udp!.payload.byteOffset);
    expect(offerView.getUint32(4)).toBe(0x1234);
    expect(offerView.getUint32(16)).toBe(BOARD_IP);
    const options = dhcpOptions(offer.udp!.payload);
    expect(options.get(53)![0]).toBe(2);
    expect(Array.from(options.get(3)!)).toEqual([10, 0, 2, 2]);
    expect(Array.from(options.get(6)!)).toEqual([10, 0, 2, 3]);
    expect(Array.from(options.get(1)!)).toEqual([255, 255, 255, 0]);
    expect(new DataView(options.get(51)!.buffer, options.get(51)!.byteOffset).getUint32(0)).toBe(3600);

    board.sendUdp(0xffffffff, 68, 67, dhcpMessage(3, 0x1235, [50, 4, 10, 0, 2, 15, 54, 4, 10, 0, 2, 2]), 0, new Uint8Array(6).fill(0xff));
    const ack = board.take((r) => r.udp?.destinationPort === 68)!;
    expect(dhcpOptions(ack.udp!.payload).get(53)![0]).toBe(5);
    expect(new DataView(ack.udp!.payload.buffer, ack.udp!.payload.byteOffset).getUint32(16)).toBe(BOARD_IP);

    // Renewal (RENEWING: ciaddr set, unicast) is acknowledged.
    board.sendUdp(GATEWAY, 68, 67, dhcpMessage(3, 0x1236, [], BOARD_IP));
    const renewal = board.take((r) => r.udp?.destinationPort === 68)!;
    expect(dhcpOptions(renewal.udp!.payload).get(53)![0]).toBe(5);

    board.sendUdp(0xffffffff, 68, 67, dhcpMessage(3, 0x1237, [50, 4, 10, 0, 2, 99]), 0, new Uint8Array(6).fill(0xff));
    const nak = board.take((r) => r.udp?.destinationPort === 68)!;
    expect(dhcpOptions(nak.udp!.payload).get(53)![0]).toBe(6);
  });

  it('answers pings to the gateway and the DNS address', () => {
    const { board } = setup();
    board.sendPing(GATEWAY, 7, 1, Buffer.from('hello'));
    board.sendPing(DNS, 7, 2, Buffer.from('again'));
    const replies = board.inbox.filter((r) => r.icmp);
    expect(replies).toHaveLength(2);
    expect(replies[0]!.icmp!.type).toBe(0);
    expect(replies[0]!.icmp!.checksumOk).toBe(true);
    expect(replies[0]!.ip!.source).toBe(GATEWAY);
    expect(Buffer.from(replies[1]!.icmp!.body.subarray(4)).toString()).toBe('again');
  });

  it('answers DNS A queries sent to 1.1.1.1 from the hosts table, from 1.1.1.1, and NXDOMAIN otherwise', () => {
    const { board } = setup({ hosts: ['mqtt.example.com=127.0.0.1'] });
    const cloudflare = parseIp('1.1.1.1');
    board.sendUdp(cloudflare, 40000, 53, dnsQuery(0x0a0b, 'broker.local'));
    board.sendUdp(cloudflare, 40001, 53, dnsQuery(0x0a0c, 'MQTT.example.com'));
    board.sendUdp(DNS, 40002, 53, dnsQuery(0x0a0d, 'unknown.example.org'));
    const answers = board.inbox.filter((r) => r.udp);
    expect(answers).toHaveLength(3);
    const [first, second, third] = answers.map((r) => r.udp!.payload);
    expect(answers[0]!.ip!.source).toBe(cloudflare);
    expect(answers[0]!.udp!.sourcePort).toBe(53);
    expect(answers[0]!.udp!.checksumOk).toBe(true);
    expect(first![0]).toBe(0x0a); expect(first![1]).toBe(0x0b);
    expect(first![3]! & 0x0f).toBe(0);
    expect(Array.from(first!.subarray(first!.length - 4))).toEqual([10, 0, 2, 2]);
    expect(Array.from(second!.subarray(second!.length - 4))).toEqual([127, 0, 0, 1]);
    expect(third![3]! & 0x0f).toBe(3);
    expect(answers[2]!.ip!.source).toBe(DNS);
  });

  it('answers SNTP on any address with the configured time', () => {
    const { board, clock } = setup({ now: () => 1_800_000_000.5 });
    clock.advance(1);
    const request = new Uint8Array(48);
    request[0] = (4 << 3) | 3;
    request.set([1, 2, 3, 4, 5, 6, 7, 8], 40);
    board.sendUdp(parseIp('162.159.200.1'), 50123, 123, request);
    const reply = board.take((r) => r.udp?.sourcePort === 123)!;
    const payload = reply.udp!.payload;
    const view = new DataView(payload.buffer, payload.byteOffset);
    expect(payload[0]! & 7).toBe(4);
    expect(view.getUint32(40) - 2_208_988_800).toBe(1_800_000_000);
    expect(view.getUint32(44)).toBe(0x8000_0000);
    expect(Array.from(payload.subarray(24, 32))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('proxies a TCP connection from the board to a loopback echo server, data both ways and a clean close', async () => {
    const { port } = await echoServer();
    const { net, board } = setup();
    const tcp = new BoardTcp(board, GATEWAY, port, 50000);
    tcp.syn(1000);
    const synAck = (await waitFor(() => tcp.next(), 'SYN-ACK')).tcp!;
    expect(synAck.flags & (TCP_SYN | TCP_ACK)).toBe(TCP_SYN | TCP_ACK);
    expect(synAck.acknowledgment).toBe(tcp.sequence);
    tcp.acknowledgment = seqAdd(synAck.sequence, 1);
    tcp.ack();
    const message = Buffer.alloc(3000, 0);
    for (let i = 0; i < message.length; i++) message[i] = i & 0xff;
    tcp.write(message.subarray(0, 1000));
    tcp.write(message.subarray(1000, 2000));
    tcp.write(message.subarray(2000));
    const sizes: number[] = [];
    await waitFor(() => { sizes.push(...tcp.pump().map((s) => s.payload.length)); return tcp.received.length >= 3000; }, 'echo');
    expect(Buffer.from(tcp.received)).toEqual(message);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1000); // the board's MSS is respected
    tcp.fin();
    await waitFor(() => { tcp.pump(); return tcp.peerFin; }, 'FIN from the host side');
    await waitFor(() => net.openConnections === 0, 'connection cleanup');
  });

  it('refuses TCP and UDP to addresses outside the allow list without opening a host socket', () => {
    const { net, board, logs } = setup();
    const tcp = new BoardTcp(board, parseIp('93.184.216.34'), 443, 50001);
    tcp.syn();
    const reset = tcp.next()!.tcp!;
    expect(reset.flags & TCP_RST).toBeTruthy();
    expect(reset.acknowledgment).toBe(tcp.sequence);
    board.sendUdp(parseIp('8.8.4.4'), 50002, 9999, Buffer.from('x'));
    const unreachable = board.take((r) => r.icmp?.type === 3)!;
    expect(unreachable.icmp!.code).toBe(13);
    expect(net.openConnections).toBe(0);
    expect(logs.filter((l) => l.includes('refused'))).toHaveLength(2);
  });

  it('rate-limits connection attempts', () => {
    const { board, logs } = setup({ connectionRate: 2, allow: ['127.0.0.0/8'] });
    for (let i = 0; i < 4; i++) new BoardTcp(board, GATEWAY, 9, 51000 + i).syn();
    expect(logs.filter((l) => l.includes('too many'))).toHaveLength(2);
  });

  it('forwards UDP from the board to a loopback socket and back', async () => {
    const server = createSocket('udp4');
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    cleanups.push(() => server.close());
    server.on('message', (message, from) => server.send(Buffer.concat([Buffer.from('re:'), message]), from.port, from.address));
    const { board } = setup();
    board.sendUdp(GATEWAY, 40400, server.address().port, Buffer.from('ping'));
    const reply = await waitFor(() => board.take((r) => r.udp?.destinationPort === 40400), 'UDP reply');
    expect(Buffer.from(reply.udp!.payload).toString()).toBe('re:ping');
    expect(reply.ip!.source).toBe(GATEWAY);
  });

  it('fragments a UDP answer larger than the MTU on its way to the board', async () => {
    const server = createSocket('udp4');
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    cleanups.push(() => server.close());
    server.on('message', (_message, from) => server.send(Buffer.alloc(3000, 0x5a), from.port, from.address));
    const { board } = setup();
    board.sendUdp(GATEWAY, 40500, server.address().port, Buffer.from('big?'));
    await waitFor(() => board.inbox.filter((r) => r.ip?.protocol === 17).length === 3, 'three fragments');
    const fragments = board.inbox.filter((r) => r.ip?.protocol === 17).map((r) => r.ip!);
    expect(fragments.every((f) => f.fragment && f.headerChecksumOk)).toBe(true);
    expect(fragments.reduce((sum, f) => sum + f.payload.length, 0)).toBe(3008);
    expect(fragments.every((f) => f.payload.length + 34 <= 1514)).toBe(true);
  });

  it('retransmits a segment the board dropped, and reassembles reordered board data', async () => {
    const { port } = await echoServer();
    const { board, clock } = setup();
    const tcp = new BoardTcp(board, GATEWAY, port, 50010);
    tcp.syn(500);
    const synAck = (await waitFor(() => tcp.next(), 'SYN-ACK')).tcp!;
    tcp.acknowledgment = seqAdd(synAck.sequence, 1);
    tcp.ack();
    // Board data out of order: the second half first.
    const base = tcp.sequence;
    tcp.send(TCP_ACK | TCP_PSH, Buffer.from('world'), { sequence: seqAdd(base, 6) });
    const dupAck = (await waitFor(() => tcp.next(), 'duplicate ACK')).tcp!;
    expect(dupAck.acknowledgment).toBe(base);
    tcp.send(TCP_ACK | TCP_PSH, Buffer.from('hello '), { sequence: base });
    tcp.sequence = seqAdd(base, 11);
    const ack = (await waitFor(() => tcp.next(), 'ACK of both')).tcp!;
    expect(ack.acknowledgment).toBe(tcp.sequence);
    // The echo comes back; the board "loses" it (takes it without acknowledging).
    const lost = (await waitFor(() => tcp.next(), 'echo')).tcp!;
    let echoed = Buffer.from(lost.payload).toString();
    while (echoed.length < 11) echoed += Buffer.from((await waitFor(() => tcp.next(), 'rest of echo')).tcp!.payload).toString();
    expect(echoed).toBe('hello world');
    expect(tcp.next()).toBeUndefined();
    clock.advance(1.01);
    const again = tcp.next()!.tcp!;
    expect(again.sequence).toBe(lost.sequence);
    expect(Buffer.from(again.payload).toString()).toBe('hello world'.slice(0, again.payload.length));
    tcp.pump();
    clock.advance(5);
    tcp.pump();
    expect(Buffer.from(tcp.received).toString()).toBe('hello world');
    tcp.send(TCP_RST | TCP_ACK);
  });

  it('answers a SYN to a closed loopback port with an acceptable RST', async () => {
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { net, board } = setup();
    const tcp = new BoardTcp(board, GATEWAY, closedPort, 50020);
    tcp.syn();
    const reset = (await waitFor(() => tcp.next(), 'RST')).tcp!;
    expect(reset.flags).toBe(TCP_RST | TCP_ACK);
    expect(reset.acknowledgment).toBe(tcp.sequence);
    expect(net.openConnections).toBe(0);
  });

  it('delivers a host stream to a board that drops one segment in five (go-back and fast retransmit)', async () => {
    const payload = Buffer.alloc(60_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + (i >> 8)) & 0xff;
    const sockets: Socket[] = [];
    const server = createTcpServer((socket) => { sockets.push(socket); socket.end(payload); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }));
    const { net, board, clock } = setup();
    const tcp = new BoardTcp(board, GATEWAY, (server.address() as { port: number }).port, 50030);
    tcp.syn(1000);
    const synAck = (await waitFor(() => tcp.next(), 'SYN-ACK')).tcp!;
    tcp.acknowledgment = seqAdd(synAck.sequence, 1);
    tcp.ack();
    let state = 99;
    const random = (): number => { state = (Math.imul(state, 1103515245) + 12345) >>> 0; return state >>> 16; };
    let retransmitted = 0;
    for (let round = 0; round < 3000 && !tcp.peerFin; round++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      let got = false;
      for (let r = tcp.next(); r; r = tcp.next()) {
        got = true;
        if (random() % 5 === 0) continue; // lost on the way to the board
        const segment = r.tcp!;
        if (segment.sequence === tcp.acknowledgment) {
          tcp.received.push(...segment.payload);
          tcp.acknowledgment = seqAdd(tcp.acknowledgment, segment.payload.length + (segment.flags & TCP_FIN ? 1 : 0));
          if (segment.flags & TCP_FIN) tcp.peerFin = true;
        } else if (segment.payload.length > 0) {
          retransmitted++;
        }
        tcp.ack(); // in order or not: a board without reassembly ACKs what it has
      }
      if (!got) clock.advance(1);
    }
    expect(tcp.received.length).toBe(payload.length);
    expect(tcp.peerFin).toBe(true);
    expect(Buffer.from(tcp.received).equals(payload)).toBe(true);
    expect(retransmitted).toBeGreaterThan(0);
    tcp.fin();
    await waitFor(() => { tcp.pump(); return net.openConnections === 0; }, 'cleanup');
  });

  it('reassembles board data sent out of order and duplicated', async () => {
    const received: Buffer[] = [];
    let ended = false;
    const sockets: Socket[] = [];
    const server = createTcpServer((socket) => {
      sockets.push(socket);
      socket.on('data', (d) => received.push(d));
      socket.on('end', () => { ended = true; socket.end(); });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }));
    const { board } = setup();
    const tcp = new BoardTcp(board, GATEWAY, (server.address() as { port: number }).port, 50040);
    tcp.syn();
    const synAck = (await waitFor(() => tcp.next(), 'SYN-ACK')).tcp!;
    tcp.acknowledgment = seqAdd(synAck.sequence, 1);
    tcp.ack();
    const data = Buffer.alloc(15_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13) & 0xff;
    const base = tcp.sequence;
    const order = Array.from({ length: 30 }, (_, i) => i);
    let state = 7;
    for (let i = order.length - 1; i > 0; i--) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const j = (state >>> 16) % (i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const index of [...order, 3, 17, 0]) {
      tcp.send(TCP_ACK | TCP_PSH, data.subarray(index * 500, index * 500 + 500), { sequence: seqAdd(base, index * 500) });
    }
    tcp.sequence = seqAdd(base, data.length);
    tcp.send(TCP_ACK | TCP_FIN, undefined, { sequence: tcp.sequence });
    tcp.sequence = seqAdd(tcp.sequence, 1);
    await waitFor(() => ended, 'end at the host');
    expect(Buffer.concat(received).equals(data)).toBe(true);
  });

  it('waits on a zero window, probes it, and sends when the board opens it', async () => {
    const sockets: Socket[] = [];
    const server = createTcpServer((socket) => { sockets.push(socket); socket.write('queued data'); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }));
    const { board, clock } = setup();
    const tcp = new BoardTcp(board, GATEWAY, (server.address() as { port: number }).port, 50050);
    tcp.syn();
    const synAck = (await waitFor(() => tcp.next(), 'SYN-ACK')).tcp!;
    tcp.acknowledgment = seqAdd(synAck.sequence, 1);
    tcp.send(TCP_ACK, undefined, { window: 0 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tcp.next()).toBeUndefined();
    clock.advance(1.01);
    const probe = tcp.next()!.tcp!;
    expect(probe.payload.length).toBe(1);
    tcp.send(TCP_ACK, undefined, { window: 0 }); // still closed: the probe byte is not accepted
    tcp.send(TCP_ACK, undefined, { window: 4096 });
    await waitFor(() => { tcp.pump(); return tcp.received.length === 11; }, 'data after the window opened');
    expect(Buffer.from(tcp.received).toString()).toBe('queued data');
    tcp.send(TCP_RST | TCP_ACK);
  });

  it('survives garbage segments on an established connection', async () => {
    const { port } = await echoServer();
    const { net, board } = setup({ verifyChecksums: false });
    const tcp = new BoardTcp(board, GATEWAY, port, 50060);
    tcp.syn();
    const synAck = (await waitFor(() => tcp.next(), 'SYN-ACK')).tcp!;
    tcp.acknowledgment = seqAdd(synAck.sequence, 1);
    tcp.ack();
    let state = 3;
    const random = (): number => { state = (Math.imul(state, 1103515245) + 12345) >>> 0; return state >>> 16; };
    for (let i = 0; i < 2000; i++) {
      const flags = random() & 0x3f & ~TCP_RST;
      const payload = new Uint8Array(random() % 64).fill(i & 0xff);
      expect(() => tcp.send(flags, payload, {
        sequence: random() % 2 ? seqAdd(tcp.sequence, (random() % 200) - 100) : (random() << 16) | random(),
        acknowledgment: random() % 2 ? seqAdd(tcp.acknowledgment, (random() % 200) - 100) : (random() << 16) | random(),
        window: random(),
      })).not.toThrow();
    }
    expect(net.openConnections).toBeLessThanOrEqual(1);
  });

  it('forwards a host TCP connection to the board (hostfwd) with data both ways and a half-close', async () => {
    const { net, board } = setup({ hostForwards: ['tcp:127.0.0.1:0-:1883'] });
    await net.ready();
    board.sendArpRequest(GATEWAY); // usernet learns the board's MAC from it
    board.take((r) => !!r.arp);
    const hostPort = net.hostForwardPorts[0]!.port;
    const client = connect({ host: '127.0.0.1', port: hostPort, allowHalfOpen: true });
    cleanups.push(() => client.destroy());
    const fromBoard: Buffer[] = [];
    let ended = false;
    client.on('data', (d) => fromBoard.push(d));
    client.on('end', () => { ended = true; });
    const syn = await waitFor(() => board.take((r) => r.tcp?.destinationPort === 1883 && !!(r.tcp.flags & TCP_SYN)), 'SYN to the board');
    expect(syn.ip!.source).toBe(GATEWAY);
    expect(syn.ip!.destination).toBe(BOARD_IP);
    const tcp = new BoardTcp(board, GATEWAY, syn.tcp!.sourcePort, 1883, 77);
    tcp.acknowledgment = seqAdd(syn.tcp!.sequence, 1);
    tcp.send(TCP_SYN | TCP_ACK, undefined, { mss: 1200 });
    tcp.sequence = seqAdd(tcp.sequence, 1);
    await waitFor(() => tcp.next(), 'ACK of SYN-ACK');
    client.write('CONNECT');
    await waitFor(() => { tcp.pump(); return tcp.received.length >= 7; }, 'host data at the board');
    expect(Buffer.from(tcp.received).toString()).toBe('CONNECT');
    tcp.write(Buffer.from('CONNACK'));
    client.end(); // half-close from the host; the board may still send
    await waitFor(() => { tcp.pump(); return tcp.peerFin; }, 'FIN at the board');
    tcp.write(Buffer.from('+more'));
    tcp.fin();
    await waitFor(() => ended, 'end at the host');
    expect(Buffer.concat(fromBoard).toString()).toBe('CONNACK+more');
    await waitFor(() => { tcp.pump(); return net.openConnections === 0; }, 'cleanup');
  });

  it('forwards host UDP datagrams to the board and its replies back (udp hostfwd)', async () => {
    const { net, board } = setup({ hostForwards: ['udp:127.0.0.1:0-:5683'] });
    await net.ready();
    board.sendArpRequest(GATEWAY);
    board.take((r) => !!r.arp);
    const client = createSocket('udp4');
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
    cleanups.push(() => client.close());
    const replies: string[] = [];
    client.on('message', (m) => replies.push(m.toString()));
    client.send('GET /status', net.hostForwardPorts[0]!.port, '127.0.0.1');
    const request = await waitFor(() => board.take((r) => r.udp?.destinationPort === 5683), 'datagram at the board');
    expect(Buffer.from(request.udp!.payload).toString()).toBe('GET /status');
    expect(request.ip!.source).toBe(GATEWAY);
    board.sendUdp(GATEWAY, 5683, request.udp!.sourcePort, Buffer.from('2.05 ok'));
    await waitFor(() => replies.length === 1, 'reply at the host');
    expect(replies[0]).toBe('2.05 ok');
  });

  it('passes resets both ways: board RST closes the host socket, host reset sends RST to the board', async () => {
    const serverSockets: Socket[] = [];
    const closed: boolean[] = [];
    const server = createTcpServer((socket) => {
      serverSockets.push(socket);
      socket.on('error', () => {});
      socket.on('close', (hadError) => closed.push(hadError));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => { for (const s of serverSockets) s.destroy(); server.close(() => resolve()); }));
    const port = (server.address() as { port: number }).port;
    const { net, board } = setup();
    const open = async (localPort: number): Promise<BoardTcp> => {
      const tcp = new BoardTcp(board, GATEWAY, port, localPort);
      tcp.syn();
      const synAck = (await waitFor(() => tcp.next(), 'SYN-ACK')).tcp!;
      tcp.acknowledgment = seqAdd(synAck.sequence, 1);
      tcp.ack();
      return tcp;
    };
    const first = await open(50070);
    await waitFor(() => serverSockets.length === 1, 'accepted');
    first.send(TCP_RST | TCP_ACK);
    await waitFor(() => closed.length === 1, 'host socket closed after the board reset');
    const second = await open(50071);
    await waitFor(() => serverSockets.length === 2, 'accepted again');
    serverSockets[1]!.resetAndDestroy();
    const reset = await waitFor(() => second.next(), 'RST at the board');
    expect(reset.tcp!.flags & TCP_RST).toBeTruthy();
    expect(reset.tcp!.sequence).toBe(second.acknowledgment);
    await waitFor(() => net.openConnections === 0, 'cleanup');
  });

  it('sends an ARP request before a hostfwd SYN when it does not know the board', async () => {
    const { net, board } = setup({ hostForwards: ['tcp::0-10.0.2.15:80'] });
    await net.ready();
    const client = connect({ host: '127.0.0.1', port: net.hostForwardPorts[0]!.port });
    cleanups.push(() => client.destroy());
    client.on('error', () => {});
    const request = await waitFor(() => board.take((r) => r.arp?.operation === 1), 'ARP request');
    expect(request.arp!.targetIp).toBe(BOARD_IP);
    expect(board.inbox.some((r) => r.tcp)).toBe(false);
    // The board answers; the held SYN follows.
    board.sendRaw(Uint8Array.from([...GATEWAY_MAC, ...BOARD_MAC, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 2, ...BOARD_MAC, 10, 0, 2, 15, ...GATEWAY_MAC, 10, 0, 2, 2]));
    const syn = board.take((r) => !!r.tcp)!;
    expect(syn.tcp!.flags).toBe(TCP_SYN);
    expect(syn.tcp!.destinationPort).toBe(80);
    expect(Array.from(syn.frame.subarray(0, 6))).toEqual(Array.from(BOARD_MAC));
  });

  it('never throws on garbage frames', () => {
    const { net, board } = setup({ verifyChecksums: false });
    let state = 12345;
    const random = (): number => { state = (Math.imul(state, 1103515245) + 12345) >>> 0; return state >>> 16; };
    const templates = [
      [...GATEWAY_MAC, ...BOARD_MAC, 0x08, 0x00, 0x45, 0, 0, 60, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 2, 15, 10, 0, 2, 2, 0, 68, 0, 67],
      [...GATEWAY_MAC, ...BOARD_MAC, 0x08, 0x00, 0x45, 0, 0, 60, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 2, 15, 10, 0, 2, 2, 0xc3, 0x50, 0x07, 0x5b],
      [...GATEWAY_MAC, ...BOARD_MAC, 0x08, 0x00, 0x45, 0, 0, 60, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 2, 15, 1, 1, 1, 1, 0x9c, 0x40, 0, 53],
      [...GATEWAY_MAC, ...BOARD_MAC, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1],
    ];
    for (let i = 0; i < 3000; i++) {
      const template = templates[i % templates.length]!;
      const length = random() % 400;
      const frame = new Uint8Array(length);
      for (let j = 0; j < length; j++) frame[j] = j < template.length && random() % 4 !== 0 ? template[j]! : random() & 0xff;
      expect(() => net.send(frame)).not.toThrow();
    }
    expect(() => net.send(new Uint8Array(0))).not.toThrow();
    expect(board.inbox.length).toBeGreaterThanOrEqual(0);
    expect(net.openConnections).toBeLessThanOrEqual(64);
  });

  it('rejects a hostfwd rule it cannot parse and a gateway outside the network', () => {
    const clock = new ManualNetClock();
    expect(() => new UserNet({ clock, hostForwards: ['tcp:127.0.0.1:1883:1883'] })).toThrow(/hostfwd/);
    expect(() => new UserNet({ clock, gateway: '192.168.1.1' })).toThrow(/outside/);
    expect(ipToNumber('10.0.2.256')).toBeNull();
    expect(TCP_FIN).toBe(1);
  });
});
