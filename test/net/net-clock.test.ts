import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../emulator/time/virtual-clock.js';
import { netClockFrom } from '../../emulator/net/net-clock.js';
import { TCP_SYN, parseIp } from '../../emulator/net/packet.js';
import { UserNet } from '../../emulator/net/index.js';
import { ScriptedBoard, waitFor } from '../helpers/net-board.js';

describe('usernet on the virtual clock', () => {
  it('times hostfwd SYN retransmissions in virtual seconds, not host time', async () => {
    const virtual = new VirtualClock(250_000_000);
    const net = new UserNet({ clock: netClockFrom(virtual), hostForwards: ['tcp:127.0.0.1:0-:80'], log: () => {} });
    try {
      await net.ready();
      const board = new ScriptedBoard(net);
      board.ip = parseIp('10.0.2.15');
      board.sendArpRequest(parseIp('10.0.2.2'));
      const { connect } = await import('node:net');
      const client = connect({ host: '127.0.0.1', port: net.hostForwardPorts[0]!.port });
      client.on('error', () => {});
      try {
        await waitFor(() => board.inbox.some((r) => r.tcp && r.tcp.flags === TCP_SYN), 'first SYN');
        const count = (): number => board.inbox.filter((r) => r.tcp && r.tcp.flags === TCP_SYN).length;
        await new Promise((resolve) => setTimeout(resolve, 300)); // host time alone retransmits nothing
        expect(count()).toBe(1);
        virtual.advance(250_000_000 * 1.001);
        expect(count()).toBe(2);
        virtual.advance(250_000_000 * 2.001);
        expect(count()).toBe(3);
      } finally {
        client.destroy();
      }
    } finally {
      await net.close();
    }
  });
});

describe('openFramePort', () => {
  it('builds usernet by default and refuses usernet-only options for other networks', async () => {
    const { openFramePort, ManualNetClock } = await import('../../emulator/net/index.js');
    const clock = new ManualNetClock();
    const port = await openFramePort({ clock, now: () => 1_767_225_600, hosts: ['a.test=127.0.0.1'], log: () => {} });
    expect(port.linkUp).toBe(true);
    await port.close();
    await expect(openFramePort({ net: 'ws://127.0.0.1:1', clock, now: () => 0, hosts: ['a=1.2.3.4'] })).rejects.toThrow(/--net user only/);
    await expect(openFramePort({ net: 'carrier-pigeon', clock, now: () => 0 })).rejects.toThrow(/--net expects/);
  });
});
