// GDB over WebSocket: the RSP byte stream split into binary messages in either direction (message
// boundaries carry no meaning). For browser front ends or bridges such as websockify.
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Connection, ConnectionHandler, Listener } from './connection.js';

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export async function listenWebSocket(host: string, port: number, onConnection: ConnectionHandler): Promise<Listener> {
  const server = new WebSocketServer({ host, port, maxPayload: 1 << 20 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => { server.off('error', reject); resolve(); });
  });
  server.on('connection', (socket: WebSocket, request) => {
    const closeCallbacks: Array<() => void> = [];
    let closed = false;
    socket.on('close', () => {
      if (closed) return;
      closed = true;
      for (const callback of closeCallbacks) callback();
    });
    socket.on('error', () => socket.terminate());
    const connection: Connection = {
      peer: `${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? '?'}`,
      write: (bytes) => { if (socket.readyState === socket.OPEN) socket.send(bytes, { binary: true }); },
      close: () => socket.close(),
      onData: (callback) => socket.on('message', (data: RawData) => callback(toBytes(data))),
      onClose: (callback) => { closeCallbacks.push(callback); },
    };
    onConnection(connection);
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    host,
    port: actualPort,
    close: () => new Promise<void>((resolve) => {
      for (const client of server.clients) client.terminate();
      server.close(() => resolve());
    }),
  };
}
