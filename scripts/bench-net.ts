// Network benchmark (issue #5): TCP throughput through usernet for the net-echo fixture. A host
// client connects to the board's echo port through a hostfwd rule (tcp:127.0.0.1:0-:7, as
// `--hostfwd` would), sends TRANSFER_BYTES and reads them back; frames are counted at the board's
// Ethernet link (its tap), host CPU with process.cpuUsage over the same window. Loopback only.
// Usage: node --import tsx scripts/bench-net.ts [bytes]
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Simulation } from '../emulator/harness/simulation.js';
import { UserNet } from '../emulator/net/usernet/usernet.js';
import { fixture } from '../test/helpers/fixtures.js';

const TRANSFER_BYTES = 4 << 20;
const WALL_LIMIT_MS = 300_000;

function line(name: string, value: string, note = ''): void {
  process.stdout.write(`${name.padEnd(48)} ${value.padStart(14)}  ${note}\n`);
}

interface EchoTransfer { wallMs: number; cpuMicros: number; frames: { tx: number; rx: number }; frameBytes: number; received: number }

async function echoThroughForward(port: number, bytes: number, counters: { tx: number; rx: number; bytes: number }): Promise<EchoTransfer> {
  const payload = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) payload[i] = (i * 31 + (i >>> 11)) & 0xff;
  return new Promise<EchoTransfer>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = 0;
    let mismatch = -1;
    let start = 0;
    let cpuStart = process.cpuUsage();
    const framesAtStart = { tx: 0, rx: 0, bytes: 0 };
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`echo of ${bytes} bytes not done after ${WALL_LIMIT_MS / 1000} s wall (${received} back)`)); }, WALL_LIMIT_MS);
    socket.on('connect', () => {
      start = performance.now();
      cpuStart = process.cpuUsage();
      Object.assign(framesAtStart, counters);
      socket.write(payload);
    });
    socket.on('data', (chunk: Buffer) => {
      for (let i = 0; i < chunk.length && mismatch < 0; i++) if (chunk[i] !== payload[received + i]) mismatch = received + i;
      received += chunk.length;
      if (received < bytes) return;
      const wallMs = performance.now() - start;
      const cpu = process.cpuUsage(cpuStart);
      clearTimeout(timer);
      socket.end();
      if (mismatch >= 0) { reject(new Error(`echoed data differs at byte ${mismatch}`)); return; }
      resolve({
        wallMs, cpuMicros: cpu.user + cpu.system, received,
        frames: { tx: counters.tx - framesAtStart.tx, rx: counters.rx - framesAtStart.rx },
        frameBytes: counters.bytes - framesAtStart.bytes,
      });
    });
    socket.on('error', (error) => { clearTimeout(timer); reject(error); });
  });
}

/** Boots net-echo on usernet, echoes `bytes` through a hostfwd and prints the figures. */
export async function benchNet(bytes = TRANSFER_BYTES): Promise<void> {
  const loadStart = performance.now();
  const sim = await Simulation.load(fixture('net-echo'), { net: 'user', hostForwards: ['tcp:127.0.0.1:0-:7'] });
  try {
    const usernet = sim.network;
    if (!(usernet instanceof UserNet)) throw new Error('expected the usernet FramePort');
    const port = usernet.hostForwardPorts[0]?.port;
    if (port === undefined) throw new Error('hostfwd did not bind');
    const counters = { tx: 0, rx: 0, bytes: 0 };
    sim.machine.ethernet.get('ETH')!.tap((direction, frame) => { counters[direction]++; counters.bytes += frame.length; });
    await sim.uart('USART3').waitForLine(/^ECHO: ready/, { timeout: '60s' });
    const bootMs = performance.now() - loadStart;
    const bootVirtual = sim.virtualSeconds;
    let done = false;
    const running = sim.runUntil(() => done, { timeout: '3600s' });
    let transfer: EchoTransfer;
    try {
      transfer = await echoThroughForward(port, bytes, counters);
    } finally {
      done = true;
      await running;
    }
    const seconds = transfer.wallMs / 1000;
    const frames = transfer.frames.tx + transfer.frames.rx;
    const mib = (bytes / (1 << 20)).toFixed(bytes % (1 << 20) === 0 ? 0 : 2);
    process.stdout.write(`\nnetwork: net-echo over usernet TCP, host client via hostfwd 127.0.0.1:${port} -> board port 7, ${mib} MiB out and back\n`);
    line('net-echo load to "ECHO: ready" (realtime)', `${(bootMs / 1000).toFixed(3)} s`, `${bootVirtual.toFixed(3)} s virtual: PHY autonegotiation, DHCP, ping, DNS, SNTP`);
    line('usernet TCP echo, wall time', `${seconds.toFixed(3)} s`, `${transfer.received} bytes back, identical`);
    line('usernet TCP echo, frames/s at the board MAC', `${(frames / seconds).toFixed(0)} /s`, `${frames} frames (board tx ${transfer.frames.tx}, rx ${transfer.frames.rx})`);
    line('usernet TCP echo, payload Mbit/s', `${(bytes * 8 / seconds / 1e6).toFixed(2)} Mbit/s`, 'one direction; the same bytes also come back');
    line('usernet TCP echo, link Mbit/s (both directions)', `${(transfer.frameBytes * 8 / seconds / 1e6).toFixed(2)} Mbit/s`, 'all Ethernet frame bytes through the MAC, headers included');
    line('usernet TCP echo, host CPU per frame', `${(transfer.cpuMicros / frames).toFixed(1)} us`, `process.cpuUsage user+system ${(transfer.cpuMicros / 1e6).toFixed(2)} s; ${(transfer.cpuMicros / 1e4 / seconds).toFixed(0)}% of one core`);
  } finally {
    await sim.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bytes = process.argv[2] ? Number(process.argv[2]) : TRANSFER_BYTES;
  await benchNet(bytes);
}
