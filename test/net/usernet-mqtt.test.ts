// End to end on the host side: a board resolves broker.local through usernet's DNS, opens TCP to
// the gateway address and speaks MQTT 3.1.1 to a real broker (aedes) listening on loopback.
import { createServer, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { describe, expect, it } from 'vitest';
import { ManualNetClock } from '../../emulator/net/net-clock.js';
import { parseIp, seqAdd } from '../../emulator/net/packet.js';
import { UserNet } from '../../emulator/net/usernet/usernet.js';
import { BoardTcp, ScriptedBoard, waitFor } from '../helpers/net-board.js';

function mqttConnect(clientId: string): Uint8Array {
  const id = Buffer.from(clientId);
  const variable = Buffer.from([0, 4, ...Buffer.from('MQTT'), 4, 0x02, 0, 60, id.length >> 8, id.length & 0xff, ...id]);
  return Buffer.concat([Buffer.from([0x10, variable.length]), variable]);
}

function mqttPublish(topic: string, message: string): Uint8Array {
  const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), Buffer.from(topic), Buffer.from(message)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

describe('usernet with a real MQTT broker on loopback', () => {
  it('resolves broker.local, connects to 10.0.2.2:PORT, gets CONNACK and publishes', async () => {
    const broker = await Aedes.createBroker();
    const sockets: Socket[] = [];
    const server = createServer((socket) => { sockets.push(socket); broker.handle(socket); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const published: string[] = [];
    broker.on('publish', (packet, client) => { if (client) published.push(`${packet.topic}=${packet.payload.toString()}`); });
    const net = new UserNet({ clock: new ManualNetClock(), log: () => {} });
    try {
      const board = new ScriptedBoard(net);
      board.ip = parseIp('10.0.2.15');
      const query = Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 6, ...Buffer.from('broker'), 5, ...Buffer.from('local'), 0, 0, 1, 0, 1]);
      board.sendUdp(parseIp('1.1.1.1'), 41000, 53, query);
      const answer = board.take((r) => r.udp?.sourcePort === 53)!.udp!.payload;
      const brokerIp = Buffer.from(answer.subarray(-4)).readUInt32BE(0);
      expect(brokerIp).toBe(parseIp('10.0.2.2'));
      const tcp = new BoardTcp(board, brokerIp, port, 52000);
      tcp.syn(1460);
      const synAck = (await waitFor(() => tcp.next(), 'SYN-ACK')).tcp!;
      tcp.acknowledgment = seqAdd(synAck.sequence, 1);
      tcp.ack();
      tcp.write(mqttConnect('h5sim-board'));
      await waitFor(() => { tcp.pump(); return tcp.received.length >= 4; }, 'CONNACK');
      expect(tcp.received.slice(0, 4)).toEqual([0x20, 0x02, 0x00, 0x00]);
      tcp.write(mqttPublish('h5sim/test', 'hello broker'));
      await waitFor(() => published.includes('h5sim/test=hello broker'), 'publish at the broker');
      tcp.write(Uint8Array.of(0xe0, 0x00)); // DISCONNECT
      tcp.fin();
      await waitFor(() => { tcp.pump(); return tcp.peerFin && net.openConnections === 0; }, 'orderly close');
    } finally {
      await net.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    }
  });
});
