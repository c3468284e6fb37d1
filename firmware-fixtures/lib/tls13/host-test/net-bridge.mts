// Joins host-net-test's frame pipe (2-byte big-endian length + frame, lib/net/host-test/host-eth.c)
// to the simulator's usernet (DHCP, DNS with broker.local -> gateway -> 127.0.0.1, SNTP).
// Usage: node --import tsx net-bridge.mts <binary> <provision.bin>
import { spawn } from 'node:child_process';
import { UserNet } from '../../../../emulator/net/usernet/usernet.js';
import { hostNetClock } from '../../../../emulator/net/net-clock.js';

const [binary, provision] = process.argv.slice(2);
if (!binary || !provision) throw new Error('usage: net-bridge.mts <binary> <provision.bin>');
const net = new UserNet({ clock: hostNetClock(), verifyChecksums: true, now: () => Date.now() / 1000 });
await net.ready();
const child = spawn(binary, [provision], { stdio: ['pipe', 'pipe', 'inherit'] });
net.onReceive((frame) => {
  child.stdin.write(Buffer.concat([Buffer.from([frame.length >> 8, frame.length & 0xff]), Buffer.from(frame)]));
});
let pending = Buffer.alloc(0);
child.stdout.on('data', (chunk: Buffer) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length >= 2) {
    const length = pending.readUInt16BE(0);
    if (pending.length < 2 + length) break;
    net.send(new Uint8Array(pending.subarray(2, 2 + length)));
    pending = pending.subarray(2 + length);
  }
});
const code: number = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 99)));
await net.close();
process.exit(code);
