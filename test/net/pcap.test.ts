import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireInstalled } from '../helpers/fixtures.js';
import { ManualNetClock } from '../../emulator/net/net-clock.js';
import { parseIp, seqAdd } from '../../emulator/net/packet.js';
import { PcapPort } from '../../emulator/net/pcap.js';
import { UserNet } from '../../emulator/net/usernet/usernet.js';
import { BoardTcp, ScriptedBoard, waitFor } from '../helpers/net-board.js';

const directory = mkdtempSync(join(tmpdir(), 'h5sim-pcap-'));
afterAll(() => { if (!process.env.H5SIM_KEEP_PCAP) rmSync(directory, { recursive: true, force: true }); });
requireInstalled('/usr/bin/tshark', 'tshark');

describe('pcap capture', () => {
  it('writes a pcapng file that tshark reads, with valid IP and TCP checksums', async () => {
    const sockets: Socket[] = [];
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      sockets.push(socket);
      socket.on('data', (d) => socket.write(d));
      socket.on('end', () => socket.end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const clock = new ManualNetClock();
    const file = join(directory, 'capture.pcapng');
    const net = new UserNet({ clock, log: () => {} });
    const pcap = new PcapPort(net, file, { now: () => 1_767_225_600 + clock.now() });
    try {
      const board = new ScriptedBoard(pcap);
      board.ip = parseIp('10.0.2.15');
      board.sendArpRequest(parseIp('10.0.2.2'));
      board.sendPing(parseIp('10.0.2.2'), 1, 1, Buffer.from('abc'));
      clock.advance(0.5);
      const tcp = new BoardTcp(board, parseIp('10.0.2.2'), port, 50100);
      tcp.syn();
      const synAck = (await waitFor(() => tcp.next(), 'SYN-ACK')).tcp!;
      tcp.acknowledgment = seqAdd(synAck.sequence, 1);
      tcp.ack();
      tcp.write(Buffer.from('pcap test'));
      await waitFor(() => { tcp.pump(); return tcp.received.length === 9; }, 'echo');
      tcp.fin();
      await waitFor(() => { tcp.pump(); return tcp.peerFin; }, 'close');
    } finally {
      await pcap.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const numbers = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' }).trim().split('\n');
    expect(numbers.length).toBeGreaterThanOrEqual(12);
    expect(numbers[0]).toBe('1');
    const checks = execFileSync('tshark', [
      '-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-Y', 'ip',
      '-T', 'fields', '-e', 'ip.src', '-e', 'ip.checksum.status', '-e', 'tcp.checksum.status', '-e', 'frame.time_epoch',
    ], { encoding: 'utf8' }).trim().split('\n').map((line) => line.split('\t'));
    expect(checks.length).toBeGreaterThanOrEqual(10);
    for (const [, ipStatus, tcpStatus] of checks) {
      expect(ipStatus).toBe('1'); // 1 = good (0 bad, 2 unverified)
      if (tcpStatus) expect(tcpStatus).toBe('1');
    }
    expect(checks.some(([src]) => src === '10.0.2.2')).toBe(true);
    const flags = execFileSync('tshark', ['-r', file, '-Y', 'tcp.flags.reset == 1', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' }).trim();
    expect(flags).toBe(''); // an orderly close, no resets
    expect(checks.some(([src]) => src === '10.0.2.15')).toBe(true);
    // Timestamps come from the simulated clock: 2026-01-01 plus half a second for the TCP part.
    expect(Number(checks.at(-1)![3])).toBeCloseTo(1_767_225_600.5, 3);
    const bytes = readFileSync(file);
    expect(bytes.includes('link up at start')).toBe(true);
    expect(bytes.includes('link down')).toBe(true); // closing usernet drops the link
    const directions = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.packet_flags_direction'], { encoding: 'utf8' }).trim().split('\n');
    expect(new Set(directions.map(Number))).toEqual(new Set([1, 2])); // 1 inbound (to the board), 2 outbound
  });
});
