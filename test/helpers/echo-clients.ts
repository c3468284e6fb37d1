// Host-side clients for the net-echo fixture's echo port (issue #5), and a way to let the
// simulation run while they talk to it. Loopback or a test's own network namespace only.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Simulation } from '../../emulator/harness/simulation.js';

/** A payload whose bytes differ from their neighbours and from one 1 KiB block to the next. */
export function patternBytes(length: number, salt = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + (i >>> 10) + salt) & 0xff;
  return out;
}

/** Index of the first differing byte, or -1 when both are equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/**
 * Runs the simulation while `work` talks to it from the host. Rejects with the firmware's console
 * tail when the firmware stops (exit, fault) before the work is done.
 */
export async function whileRunning<T>(sim: Simulation, work: () => Promise<T>, limit = '120s'): Promise<T> {
  let done = false;
  const running = sim.runUntil(() => done, { timeout: limit });
  const stopped = running.then((result) => {
    if (!done) throw new Error(`the firmware stopped (${result.reason}${result.exitCode !== undefined ? ` ${result.exitCode}` : ''}) at ${result.virtualSeconds.toFixed(3)} s virtual while the host was talking to it\n--- USART3 ---\n${sim.uart().text().slice(-1500)}`);
    return undefined as never;
  });
  try {
    return await Promise.race([work(), stopped]);
  } finally {
    done = true;
    await running;
  }
}

/** Sends each datagram to host:port and waits for its echo (one at a time); returns the echoes. */
export async function udpEcho(host: string, port: number, datagrams: Uint8Array[], timeoutMs = 10_000): Promise<Uint8Array[]> {
  const socket = createSocket('udp4');
  try {
    const echoes: Uint8Array[] = [];
    for (const datagram of datagrams) {
      echoes.push(await new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(() => { socket.off('message', onMessage); reject(new Error(`no UDP echo of ${datagram.length} bytes from ${host}:${port} within ${timeoutMs} ms`)); }, timeoutMs);
        const onMessage = (message: Buffer) => { clearTimeout(timer); socket.off('message', onMessage); resolve(new Uint8Array(message)); };
        socket.on('message', onMessage);
        socket.send(datagram, port, host, (error) => { if (error) { clearTimeout(timer); reject(error); } });
      }));
    }
    return echoes;
  } finally {
    socket.close();
  }
}

/** Connects, sends `payload`, reads until as many bytes came back, then closes its side and waits for the peer's FIN. */
export function tcpEcho(host: string, port: number, payload: Uint8Array, timeoutMs = 60_000): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    const socket = connect({ host, port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let received = 0;
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`TCP echo via ${host}:${port}: ${received} of ${payload.length} bytes back after ${timeoutMs} ms`)); }, timeoutMs);
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= payload.length) socket.end();
    });
    socket.on('end', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    socket.on('error', (error) => { clearTimeout(timer); reject(error); });
  });
}
