// A TCP relay on 127.0.0.1 for tests: each byte chunk it forwards becomes synthetic
// Ethernet/IPv4/TCP frames, as if a board (10.0.2.15) talked to a broker (10.0.2.2) through the
// simulator's cable. The frames go to `onFrame` (an inspector, a pcap writer) in wire order.
import net from 'node:net';
import {
  ETHERTYPE_IPV4, IP_PROTO_TCP, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, buildEthernet, buildIpv4, buildTcp,
  parseIp, parseMac, seqAdd,
} from '../../emulator/net/packet.js';

export type RelayDirection = 'board-to-network' | 'network-to-board';
const BOARD_MAC = parseMac('02:00:00:12:34:56');
const GATEWAY_MAC = parseMac('52:55:0a:00:02:02');
const BOARD_IP = parseIp('10.0.2.15');
const BROKER_IP = parseIp('10.0.2.2');

export interface FrameRelay {
  port: number;
  frames: Array<{ direction: RelayDirection; frame: Uint8Array; time: number }>;
  /** Resolves when every relayed connection has closed on both ends. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface RelayOptions {
  targetPort: number;
  onFrame?: (direction: RelayDirection, frame: Uint8Array, time: number) => void;
  /** The broker port written into the frames (e.g. 8883 so Wireshark decodes MQTT). */
  wirePort?: number;
  mss?: number;
}

export async function startFrameRelay(options: RelayOptions): Promise<FrameRelay> {
  const frames: FrameRelay['frames'] = [];
  const start = performance.now();
  const mss = options.mss ?? 1460;
  let nextBoardPort = 49152;
  let open = 0;
  let idleWaiters: Array<() => void> = [];
  const sockets = new Set<net.Socket>();
  const emit = (direction: RelayDirection, fields: { sport: number; dport: number; seq: number; ack: number; flags: number; payload?: Uint8Array }) => {
    const fromBoard = direction === 'board-to-network';
    const [src, dst] = fromBoard ? [BOARD_IP, BROKER_IP] : [BROKER_IP, BOARD_IP];
    const tcp = buildTcp(src, dst, {
      sourcePort: fields.sport, destinationPort: fields.dport, sequence: fields.seq, acknowledgment: fields.ack,
      flags: fields.flags, window: 65535, payload: fields.payload ?? new Uint8Array(0),
    });
    const ip = buildIpv4(src, dst, IP_PROTO_TCP, tcp, frames.length & 0xffff);
    const frame = buildEthernet(fromBoard ? GATEWAY_MAC : BOARD_MAC, fromBoard ? BOARD_MAC : GATEWAY_MAC, ETHERTYPE_IPV4, ip);
    const time = (performance.now() - start) / 1000;
    frames.push({ direction, frame, time });
    options.onFrame?.(direction, frame, time);
  };

  const server = net.createServer((client) => {
    const boardPort = nextBoardPort++;
    const brokerPort = options.wirePort ?? options.targetPort;
    let boardSeq = 1000;
    let brokerSeq = 50000;
    open++;
    sockets.add(client);
    emit('board-to-network', { sport: boardPort, dport: brokerPort, seq: boardSeq, ack: 0, flags: TCP_SYN });
    boardSeq = seqAdd(boardSeq, 1);
    const upstream = net.connect(options.targetPort, '127.0.0.1');
    sockets.add(upstream);
    let finished = 0;
    const done = () => {
      if (++finished < 2) return;
      open--;
      if (open === 0) { const waiters = idleWaiters; idleWaiters = []; for (const w of waiters) w(); }
    };
    upstream.on('connect', () => {
      emit('network-to-board', { sport: brokerPort, dport: boardPort, seq: brokerSeq, ack: boardSeq, flags: TCP_SYN | TCP_ACK });
      brokerSeq = seqAdd(brokerSeq, 1);
      emit('board-to-network', { sport: boardPort, dport: brokerPort, seq: boardSeq, ack: brokerSeq, flags: TCP_ACK });
    });
    const forward = (direction: RelayDirection, chunk: Buffer) => {
      for (let offset = 0; offset < chunk.length; offset += mss) {
        const payload = new Uint8Array(chunk.subarray(offset, offset + mss));
        if (direction === 'board-to-network') {
          emit(direction, { sport: boardPort, dport: brokerPort, seq: boardSeq, ack: brokerSeq, flags: TCP_ACK | TCP_PSH, payload });
          boardSeq = seqAdd(boardSeq, payload.length);
        } else {
          emit(direction, { sport: brokerPort, dport: boardPort, seq: brokerSeq, ack: boardSeq, flags: TCP_ACK | TCP_PSH, payload });
          brokerSeq = seqAdd(brokerSeq, payload.length);
        }
      }
    };
    client.on('data', (chunk) => { forward('board-to-network', chunk); upstream.write(chunk); });
    upstream.on('data', (chunk) => { forward('network-to-board', chunk); client.write(chunk); });
    client.on('end', () => {
      emit('board-to-network', { sport: boardPort, dport: brokerPort, seq: boardSeq, ack: brokerSeq, flags: TCP_FIN | TCP_ACK });
      boardSeq = seqAdd(boardSeq, 1);
      upstream.end();
    });
    upstream.on('end', () => {
      emit('network-to-board', { sport: brokerPort, dport: boardPort, seq: brokerSeq, ack: boardSeq, flags: TCP_FIN | TCP_ACK });
      brokerSeq = seqAdd(brokerSeq, 1);
      client.end();
    });
    const reset = (direction: RelayDirection) => () => {
      if (direction === 'network-to-board') {
        emit(direction, { sport: brokerPort, dport: boardPort, seq: brokerSeq, ack: boardSeq, flags: TCP_RST | TCP_ACK });
      } else {
        emit(direction, { sport: boardPort, dport: brokerPort, seq: boardSeq, ack: brokerSeq, flags: TCP_RST | TCP_ACK });
      }
    };
    upstream.on('error', reset('network-to-board'));
    client.on('error', reset('board-to-network'));
    upstream.on('close', () => { client.destroy(); sockets.delete(upstream); done(); });
    client.on('close', () => { upstream.destroy(); sockets.delete(client); done(); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    frames,
    idle: () => (open === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms); }),
  ]);
}
