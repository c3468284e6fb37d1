// Runs lib/net's host test program against the simulator's usernet: frames cross a pipe
// (2-byte length + bytes), checksums are verified by usernet, and for the offload build they are
// inserted here the way the ETH model does for TDES3.CIC = 0b11.
// Usage: node --import tsx firmware-fixtures/lib/net/host-test/bridge.ts <binary> [--offload]
import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { createSocket } from 'node:dgram';
import { UserNet } from '../../../../emulator/net/usernet/usernet.js';
import { hostNetClock } from '../../../../emulator/net/net-clock.js';
import { insertTxChecksums } from '../../../../peripherals/ethernet/checksum.js';

const binary = process.argv[2];
const offload = process.argv.includes('--offload');
if (!binary) throw new Error('usage: bridge.ts <binary> [--offload]');

const echo = createServer((socket) => socket.pipe(socket));
await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
const echoPort = (echo.address() as { port: number }).port;

const net = new UserNet({
  clock: hostNetClock(),
  verifyChecksums: true,
  hostForwards: ['tcp::0-:7', 'udp::0-:7'],
  hosts: { 'mqtt.example': '10.0.2.2' },
  ...(process.env.NET_LEASE ? { leaseSeconds: Number(process.env.NET_LEASE) } : {}),
  log: (m) => process.stderr.write(`  [usernet] ${m}\n`),
});
await net.ready();
const tcpForward = net.hostForwardPorts.find((p) => p.rule.protocol === 'tcp')!.port;
const udpForward = net.hostForwardPorts.find((p) => p.rule.protocol === 'udp')!.port;

const child = spawn(binary, [String(echoPort)], { stdio: ['pipe', 'pipe', 'pipe'] });
let failures = 0;
const trace = process.env.NET_TRACE === '1';
// NET_DROP=n drops every n-th TCP frame in each direction (exercises retransmission and reordering
// of what arrives, i.e. out-of-order segments after a loss).
const dropEvery = Number(process.env.NET_DROP ?? 0);
const tcpCount = { in: 0, out: 0 };
function dropped(direction: 'in' | 'out', f: Uint8Array): boolean {
  if (!dropEvery || f.length < 34 || f[12] !== 8 || f[13] !== 0 || f[23] !== 6) return false;
  return ++tcpCount[direction] % dropEvery === 0;
}
function describe(direction: string, f: Uint8Array): void {
  if (!trace || f.length < 34 || f[12] !== 8 || f[13] !== 0 || f[23] !== 6) return;
  const t = 14 + (f[14]! & 15) * 4;
  const v = new DataView(f.buffer, f.byteOffset);
  const total = v.getUint16(16);
  const hl = (f[t + 12]! >> 4) * 4;
  process.stderr.write(`  ${direction} ${v.getUint16(t)}->${v.getUint16(t + 2)} seq ${v.getUint32(t + 4)} ack ${v.getUint32(t + 8)} flags ${f[t + 13]!.toString(16)} win ${v.getUint16(t + 14)} len ${total - (t - 14) - hl}\n`);
}
net.onReceive((frame) => {
  if (dropped('in', frame)) return;
  describe('<-', frame);
  const header = Buffer.from([frame.length >> 8, frame.length & 0xff]);
  child.stdin.write(Buffer.concat([header, Buffer.from(frame)]));
});
let pending = Buffer.alloc(0);
child.stdout.on('data', (chunk: Buffer) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length >= 2) {
    const length = pending.readUInt16BE(0);
    if (pending.length < 2 + length) break;
    const frame = new Uint8Array(pending.subarray(2, 2 + length));
    pending = pending.subarray(2 + length);
    if (offload) insertTxChecksums(frame, 3);
    if (dropped('out', frame)) continue;
    describe('->', frame);
    net.send(frame);
  }
});

async function exerciseServers(): Promise<void> {
  const payload = Buffer.alloc(20000, 0).map((_, i) => (i * 13) & 0xff);
  const got = await new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    const socket = connect(tcpForward, '127.0.0.1', () => socket.write(payload));
    socket.on('data', (d) => {
      parts.push(d);
      if (Buffer.concat(parts).length >= payload.length) socket.end();
    });
    socket.on('close', () => resolve(Buffer.concat(parts)));
    socket.on('error', reject);
    setTimeout(() => reject(new Error('TCP echo timeout')), 15000).unref();
  });
  if (!got.equals(payload)) {
    failures++;
    process.stderr.write(`FAIL bridge: TCP echo through hostfwd returned ${got.length} bytes\n`);
  } else process.stderr.write(`bridge: TCP echo through hostfwd ok (${got.length} bytes)\n`);
  const udp = createSocket('udp4');
  let answers = 0;
  udp.on('message', (m) => { if (m.toString() === 'ping-udp') answers++; });
  for (let i = 0; i < 5 && answers < 3; i++) {
    udp.send('ping-udp', udpForward, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 300));
  }
  udp.close();
  if (answers < 3) {
    failures++;
    process.stderr.write(`FAIL bridge: UDP echo answered ${answers} times\n`);
  } else process.stderr.write(`bridge: UDP echo through hostfwd ok (${answers})\n`);
}

let stderrLine = '';
child.stderr.on('data', (chunk: Buffer) => {
  process.stderr.write(chunk);
  stderrLine += chunk.toString();
  if (stderrLine.includes('READY\n')) {
    stderrLine = '';
    exerciseServers().catch((e) => { failures++; process.stderr.write(`FAIL bridge: ${e}\n`); });
  }
});
const code: number = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 99)));
await net.close();
echo.close();
process.stderr.write(`bridge: program exit ${code}, bridge failures ${failures}\n`);
process.exit(code === 0 && failures === 0 ? 0 : 1);
