// Safe defaults (issue 8): what h5sim opens on the host when the user says nothing. Listeners are
// checked on the socket the kernel actually bound (/proc/net/tcp), not on what our code believes.
// Other defaults are tested next to their code: a wrong token and a foreign Origin in
// websocket.test.ts, usernet's refusal of 93.184.216.34/8.8.4.4 and its rate limit in usernet.test.ts.
import { readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Simulation } from '../../emulator/harness/simulation.js';
import { startGdbServer } from '../../emulator/gdb/server.js';
import { WebSocketServerPort, WebSocketSwitch, startGateway } from '../../emulator/net/websocket.js';
import { Semihosting } from '../../emulator/cpu/semihosting.js';
import { UserNet } from '../../emulator/net/usernet/usernet.js';
import { ManualNetClock } from '../../emulator/net/net-clock.js';
import { TCP_RST, parseIp } from '../../emulator/net/packet.js';
import { BoardTcp, ScriptedBoard } from '../helpers/net-board.js';
import { fixture } from '../helpers/fixtures.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Local addresses of TCP sockets listening on `port`, as the kernel reports them. */
function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A') continue; // 0A = LISTEN
      const [addressHex, portHex] = local.split(':');
      if (parseInt(portHex!, 16) !== port) continue;
      if (addressHex!.length === 8) {
        found.push([3, 2, 1, 0].map((i) => parseInt(addressHex!.slice(i * 2, i * 2 + 2), 16)).join('.'));
      } else {
        found.push(`v6:${addressHex}`);
      }
    }
  }
  return found;
}

/** Host sockets of this process (TCP and UDP handles Node keeps alive). */
function hostSockets(): number {
  return process.getActiveResourcesInfo().filter((type) => /TCP|UDP|Pipe/i.test(type)).length;
}

describe('listeners bind 127.0.0.1 unless told otherwise', () => {
  it('the GDB server given only a port', async () => {
    const sim = await Simulation.load(fixture('hello'));
    cleanups.push(() => sim.close());
    const server = await startGdbServer({ machine: sim.machine, listen: 0 });
    cleanups.push(() => server.close());
    expect(server.port).toBeGreaterThan(0);
    expect(listeningAddresses(server.port)).toEqual(['127.0.0.1']);
  });

  it('the GDB server over WebSocket given only a port', async () => {
    const sim = await Simulation.load(fixture('hello'));
    cleanups.push(() => sim.close());
    const server = await startGdbServer({ machine: sim.machine, listen: ':0', transport: 'ws' });
    cleanups.push(() => server.close());
    expect(listeningAddresses(server.port)).toEqual(['127.0.0.1']);
  });

  it('the WebSocket frame-port server and switch with no host option', async () => {
    const server = new WebSocketServerPort({ port: 0 });
    cleanups.push(() => server.close());
    await server.ready();
    expect(listeningAddresses(server.port)).toEqual(['127.0.0.1']);
    const networkSwitch = new WebSocketSwitch({ port: 0 });
    cleanups.push(() => networkSwitch.close());
    await networkSwitch.ready();
    expect(listeningAddresses(networkSwitch.port)).toEqual(['127.0.0.1']);
  });

  it('the usernet gateway given only a port', async () => {
    const gateway = await startGateway({ listen: '0', log: () => {} });
    cleanups.push(() => gateway.close());
    expect(gateway.url).toBe(`ws://127.0.0.1:${gateway.port}`);
    expect(listeningAddresses(gateway.port)).toEqual(['127.0.0.1']);
  });
});

describe('the WebSocket server checks who connects', () => {
  const status = (port: number, options: { token?: string; origin?: string }): Promise<number> => new Promise((resolve) => {
    const query = options.token === undefined ? '' : `?token=${encodeURIComponent(options.token)}`;
    const socket = new WebSocket(`ws://127.0.0.1:${port}/${query}`, options.origin ? { origin: options.origin } : {});
    socket.on('unexpected-response', (_request, response) => { resolve(response.statusCode ?? 0); socket.terminate(); });
    socket.on('open', () => { resolve(101); socket.close(); });
    socket.on('error', () => resolve(-1));
  });

  it('refuses a missing token and a wrong one when a token is configured, accepts the right one', async () => {
    const server = new WebSocketServerPort({ port: 0, token: 'letmein' });
    cleanups.push(() => server.close());
    await server.ready();
    expect(await status(server.port, {})).toBe(403);
    expect(await status(server.port, { token: 'letmein!' })).toBe(403);
    expect(await status(server.port, { token: 'letmein' })).toBe(101);
  });

  it('refuses any browser Origin by default (no allowed origins configured)', async () => {
    const server = new WebSocketServerPort({ port: 0 });
    cleanups.push(() => server.close());
    await server.ready();
    expect(await status(server.port, { origin: 'http://localhost:8080' })).toBe(403);
    expect(await status(server.port, {})).toBe(101); // a non-browser client sends no Origin
  });
});

describe('usernet forwards only to allowed destinations', () => {
  it('refuses TCP and UDP to 192.0.2.1 (TEST-NET-1) by default with RST and ICMP unreachable, opening no host socket', () => {
    const logs: string[] = [];
    const net = new UserNet({ clock: new ManualNetClock(), log: (m) => logs.push(m) });
    cleanups.push(() => net.close());
    const board = new ScriptedBoard(net);
    board.ip = parseIp('10.0.2.15');
    const socketsBefore = hostSockets();
    const tcp = new BoardTcp(board, parseIp('192.0.2.1'), 80, 50100);
    tcp.syn();
    expect(tcp.next()!.tcp!.flags & TCP_RST).toBeTruthy();
    board.sendUdp(parseIp('192.0.2.1'), 50101, 9999, Buffer.from('x'));
    const unreachable = board.take((r) => r.icmp?.type === 3);
    expect(unreachable?.icmp?.code).toBe(13); // communication administratively prohibited
    expect(net.openConnections).toBe(0);
    expect(hostSockets()).toBe(socketsBefore);
    expect(logs.some((l) => /refused TCP from the firmware to 192\.0\.2\.1:80: not in the allow list \(127\.0\.0\.0\/8\)/.test(l))).toBe(true);
    expect(logs.some((l) => /refused UDP from the firmware to 192\.0\.2\.1:9999/.test(l))).toBe(true);
  });
});

describe('semihosting file and system calls are off', () => {
  it('SYS_OPEN of a file, SYS_SYSTEM, SYS_REMOVE, SYS_RENAME and SYS_TMPNAM return -1 and touch nothing on the host', () => {
    const directory = mkdtempSync(join(tmpdir(), 'h5sim-semihosting-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const victim = join(directory, 'created-by-firmware.txt');
    // Guest memory: the file name at 0x100, a command at 0x200, parameter blocks at 0x300.
    const memory = new Uint8Array(0x1000);
    const view = new DataView(memory.buffer);
    memory.set(Buffer.from(`${victim}\0`), 0x100);
    memory.set(Buffer.from(`touch ${victim}\0`), 0x200);
    const block = (address: number, words: number[]) => { words.forEach((w, i) => view.setUint32(address + i * 4, w, true)); return address; };
    const semihosting = new Semihosting({
      readMemory: (address, length) => (address + length <= memory.length ? memory.slice(address, address + length) : null),
      writeConsole: () => {},
      virtualSeconds: () => 0,
    });
    expect(semihosting.allowFiles).toBe(false);
    const SYS_OPEN = 0x01, SYS_TMPNAM = 0x0d, SYS_REMOVE = 0x0e, SYS_RENAME = 0x0f, SYS_SYSTEM = 0x12, SYS_ERRNO = 0x13;
    const write = 4; // mode "w"
    for (const [operation, argument] of [
      [SYS_OPEN, block(0x300, [0x100, write, victim.length])],
      [SYS_SYSTEM, block(0x320, [0x200, `touch ${victim}`.length])],
      [SYS_REMOVE, block(0x340, [0x100, victim.length])],
      [SYS_RENAME, block(0x360, [0x100, victim.length, 0x100, victim.length])],
      [SYS_TMPNAM, block(0x380, [0x400, 0, 64])],
    ] as const) {
      const result = semihosting.call(operation, argument);
      expect(result, `operation 0x${operation.toString(16)}`).toEqual({ kind: 'continue', r0: 0xffff_ffff });
      expect(semihosting.call(SYS_ERRNO, 0)).toEqual({ kind: 'continue', r0: 13 }); // EACCES
    }
    expect(existsSync(victim)).toBe(false);
    // The console stays available: ":tt" opens.
    memory.set(Buffer.from(':tt\0'), 0x500);
    expect(semihosting.call(SYS_OPEN, block(0x520, [0x500, 0, 3]))).toEqual({ kind: 'continue', r0: 1 });
  });
});
