// GDB over TCP (`target remote host:port`). Binds 127.0.0.1 unless told otherwise.
import * as net from 'node:net';
import type { Connection, ConnectionHandler, Listener } from './connection.js';

export async function listenTcp(host: string, port: number, onConnection: ConnectionHandler): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const closeCallbacks: Array<() => void> = [];
    let closed = false;
    const closeOnce = () => {
      if (closed) return;
      closed = true;
      sockets.delete(socket);
      for (const callback of closeCallbacks) callback();
    };
    socket.on('close', closeOnce);
    socket.on('error', () => socket.destroy());
    const connection: Connection = {
      peer: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
      write: (bytes) => { if (!socket.destroyed) socket.write(bytes); },
      close: () => { socket.end(); setTimeout(() => socket.destroy(), 200).unref(); },
      onData: (callback) => socket.on('data', (data: Buffer) => callback(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))),
      onClose: (callback) => { closeCallbacks.push(callback); },
    };
    onConnection(connection);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const address = server.address() as net.AddressInfo;
  return {
    host,
    port: address.port,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
