import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { parseIp } from '../../emulator/net/packet.js';
import { WebSocketClientPort, WebSocketServerPort, WebSocketSwitch, startGateway } from '../../emulator/net/websocket.js';
import type { FramePort } from '../../emulator/net/frame-port.js';
import { ScriptedBoard, waitFor } from '../helpers/net-board.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function frame(destination: number, source: number, tag: number): Uint8Array {
  const bytes = new Uint8Array(60);
  bytes.fill(destination === 0xff ? 0xff : 0, 0, 6);
  if (destination !== 0xff) { bytes[0] = 0x02; bytes[5] = destination; }
  bytes[6] = 0x02; bytes[11] = source;
  bytes[12] = 0x88; bytes[13] = 0xb5; // local experimental EtherType
  bytes[14] = tag;
  return bytes;
}

function collect(port: FramePort): Uint8Array[] {
  const frames: Uint8Array[] = [];
  port.onReceive((f) => frames.push(Uint8Array.from(f)));
  return frames;
}

describe('WebSocket frame ports', () => {
  it('carries frames both ways between a client port and a server port, and reports the link', async () => {
    const server = new WebSocketServerPort({ port: 0, token: 's3cret' });
    cleanups.push(() => server.close());
    await server.ready();
    const links: boolean[] = [];
    server.onLinkChange((up) => links.push(up));
    const atServer = collect(server);
    const client = new WebSocketClientPort({ url: `ws://127.0.0.1:${server.port}`, token: 's3cret' });
    cleanups.push(() => client.close());
    const atClient = collect(client);
    await client.ready();
    expect(client.linkUp).toBe(true);
    client.send(frame(1, 2, 0xaa));
    await waitFor(() => atServer.length === 1, 'frame at the server');
    expect(atServer[0]![14]).toBe(0xaa);
    server.send(frame(2, 1, 0xbb));
    await waitFor(() => atClient.length === 1, 'frame at the client');
    expect(atClient[0]![14]).toBe(0xbb);
    expect(atClient[0]!.length).toBe(60);
    await client.close();
    await waitFor(() => links.at(-1) === false, 'link down at the server');
    expect(links).toEqual([true, false]);
  });

  it('refuses a wrong token and a browser origin that is not allowed', async () => {
    const server = new WebSocketServerPort({ port: 0, token: 'right', allowedOrigins: ['http://localhost:8080'] });
    cleanups.push(() => server.close());
    await server.ready();
    const wrong = new WebSocketClientPort({ url: `ws://127.0.0.1:${server.port}`, token: 'wrong', log: () => {} });
    cleanups.push(() => wrong.close());
    await expect(wrong.ready()).rejects.toThrow(/403/);
    const status = (origin: string): Promise<number> => new Promise((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${server.port}/?token=right`, { origin });
      socket.on('unexpected-response', (_request, response) => { resolve(response.statusCode ?? 0); socket.terminate(); });
      socket.on('open', () => { resolve(101); socket.close(); });
      socket.on('error', () => {});
    });
    expect(await status('http://evil.example')).toBe(403);
    expect(await status('http://localhost:8080')).toBe(101);
  });

  it('switches frames between boards: flooding unknown and broadcast destinations, then learned unicast', async () => {
    const networkSwitch = new WebSocketSwitch({ port: 0 });
    cleanups.push(() => networkSwitch.close());
    await networkSwitch.ready();
    const boardA = networkSwitch.createPort();
    const boardB = networkSwitch.createPort();
    const remote = new WebSocketClientPort({ url: `ws://127.0.0.1:${networkSwitch.port}` });
    cleanups.push(() => remote.close());
    await remote.ready();
    await waitFor(() => networkSwitch.portCount === 3, 'remote port registered');
    const [atA, atB, atRemote] = [collect(boardA), collect(boardB), collect(remote)];
    boardA.send(frame(0xff, 1, 1)); // broadcast from A
    await waitFor(() => atRemote.length === 1, 'broadcast at the remote board');
    expect(atB).toHaveLength(1);
    expect(atA).toHaveLength(0);
    remote.send(frame(1, 3, 2)); // unicast to A, which the switch has learned
    await waitFor(() => atA.length === 1, 'unicast at A');
    expect(atB).toHaveLength(1);
    boardB.send(frame(3, 2, 3)); // unicast to the remote board
    await waitFor(() => atRemote.length === 2, 'unicast at the remote board');
    expect(atA).toHaveLength(1);
    expect(atRemote[1]![14]).toBe(3);
  });

  it('runs usernet as a standalone WebSocket gateway', async () => {
    const gateway = await startGateway({ listen: '127.0.0.1:0', hosts: ['broker.test=127.0.0.1'], log: () => {} });
    cleanups.push(() => gateway.close());
    expect(gateway.url).toBe(`ws://127.0.0.1:${gateway.port}`);
    const cable = new WebSocketClientPort({ url: gateway.url });
    cleanups.push(() => cable.close());
    await cable.ready();
    const board = new ScriptedBoard(cable);
    board.ip = parseIp('10.0.2.15');
    board.sendArpRequest(parseIp('10.0.2.2'));
    const arp = await waitFor(() => board.take((r) => !!r.arp), 'ARP reply through the gateway');
    expect(arp.arp!.operation).toBe(2);
    const query = Buffer.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 6, ...Buffer.from('broker'), 4, ...Buffer.from('test'), 0, 0, 1, 0, 1]);
    board.sendUdp(parseIp('1.1.1.1'), 40000, 53, query);
    const answer = await waitFor(() => board.take((r) => r.udp?.sourcePort === 53), 'DNS answer through the gateway');
    expect(Array.from(answer.udp!.payload.subarray(-4))).toEqual([127, 0, 0, 1]);
  });
});
