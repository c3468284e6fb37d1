// Issue #5 acceptance over TAP: the net-echo fixture on a TAP inside a network namespace this test
// creates (`--net tap:NAME@NETNS`), leased an address by dnsmasq running in that namespace; the
// namespace's kernel pings it and reaches its UDP and TCP echo. Nothing leaves the namespace.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { Simulation } from '../../emulator/harness/simulation.js';
import { tapUnavailableReason } from '../../emulator/net/tap.js';
import { whileRunning } from '../helpers/echo-clients.js';
import { fixture } from '../helpers/fixtures.js';

const run = promisify(execFile);

function commandMissing(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'pipe' });
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * Root in a container may lack CAP_SYS_ADMIN, and then `ip netns add` fails (it cannot mount
 * /run/netns): probed once with a namespace of its own, removed again at once.
 */
function namespaceUnavailableReason(): string | null {
  const probe = `h5p-${randomBytes(4).toString('hex')}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return `cannot create a network namespace, root without CAP_SYS_ADMIN? (ip netns add: ${stderr || (error as Error).message})`;
  }
  execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe' });
  return null;
}

function skipReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (CAP_NET_ADMIN) to create a network namespace and a TAP';
  const reason = tapUnavailableReason();
  if (reason) return reason;
  // Tools scripts/setup.sh installs: missing ones fail the test run, they do not skip it.
  if (commandMissing('ip', ['-V'])) throw new Error('the ip command is missing: install iproute2 (scripts/setup.sh does)');
  if (commandMissing('dnsmasq', ['--version'])) throw new Error('dnsmasq is missing: install dnsmasq-base (scripts/setup.sh does)');
  if (commandMissing('ping', ['-V'])) throw new Error('ping is missing: install iputils-ping (scripts/setup.sh does)');
  return namespaceUnavailableReason();
}

const reason = skipReason();
const namespace = `h5e-${randomBytes(4).toString('hex')}`;
const TAP = 'h5echo0';
const HOST_IP = '10.0.9.1';
let created = false;
let dnsmasq: ChildProcess | null = null;
let dnsmasqLog = '';
let sim: Simulation | null = null;

afterAll(async () => {
  await sim?.close();
  if (dnsmasq && dnsmasq.exitCode === null) {
    const exited = new Promise((resolve) => dnsmasq!.once('close', resolve));
    dnsmasq.kill('SIGTERM');
    await exited;
  }
  if (created) execFileSync('ip', ['netns', 'del', namespace], { stdio: 'pipe' });
});

/** Runs node inside the namespace: UDP then TCP to the board's echo port; prints one JSON line. */
const CLIENT = `
const dgram = require('node:dgram'), net = require('node:net');
const [ip, tcpBytes] = [process.argv[1], Number(process.argv[2])];
const fail = (why) => { console.log(JSON.stringify({ error: why })); process.exit(1); };
setTimeout(() => fail('timeout'), 20000);
const udp = dgram.createSocket('udp4');
udp.on('message', (m) => {
  udp.close();
  const payload = Buffer.alloc(tcpBytes);
  for (let i = 0; i < tcpBytes; i++) payload[i] = (i * 7 + (i >> 9)) & 0xff;
  const chunks = [];
  let got = 0;
  const s = net.connect({ host: ip, port: 7, allowHalfOpen: true }, () => s.write(payload));
  s.on('data', (d) => { chunks.push(d); got += d.length; if (got >= tcpBytes) s.end(); });
  s.on('error', (e) => fail(e.message));
  s.on('end', () => {
    const back = Buffer.concat(chunks);
    console.log(JSON.stringify({ udp: m.toString(), tcpBack: back.length, tcpSame: back.equals(payload) }));
    process.exit(0);
  });
});
udp.send('hello over the TAP', 7, ip);
`;

describe('net-echo on a TAP in a network namespace', () => {
  if (reason) console.warn(`net-echo TAP test skipped: ${reason}`);

  it.skipIf(reason !== null)('gets an address from dnsmasq in the namespace, answers 3 pings from it, echoes UDP and 16 KiB of TCP', async () => {
    execFileSync('ip', ['netns', 'add', namespace], { stdio: 'pipe' });
    created = true;
    const inNamespace = (command: string, ...args: string[]) => run('ip', ['netns', 'exec', namespace, command, ...args], { timeout: 30_000 });
    sim = await Simulation.load(fixture('net-echo'), { net: `tap:${TAP}@${namespace}` });
    await inNamespace('ip', 'link', 'set', 'lo', 'up');
    await inNamespace('ip', 'addr', 'add', `${HOST_IP}/24`, 'dev', TAP);
    await inNamespace('ip', 'link', 'set', TAP, 'up');
    dnsmasq = spawn('ip', ['netns', 'exec', namespace, 'dnsmasq', '--keep-in-foreground', '--conf-file=/dev/null', '--user=root',
      `--interface=${TAP}`, '--bind-interfaces', '--no-resolv', '--no-hosts', '--no-ping', '--leasefile-ro', '--log-facility=-', '--log-dhcp',
      '--pid-file=', '--dhcp-range=10.0.9.50,10.0.9.59,255.255.255.0,1h', `--dhcp-option=option:router,${HOST_IP}`,
      `--dhcp-option=option:dns-server,${HOST_IP}`, `--address=/broker.local/${HOST_IP}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    dnsmasq.stdout!.on('data', (d: Buffer) => { dnsmasqLog += d.toString(); });
    dnsmasq.stderr!.on('data', (d: Buffer) => { dnsmasqLog += d.toString(); });

    // DHCP, a ping of the namespace's kernel, DNS from dnsmasq; nobody answers SNTP (3 s timeout).
    const bound = await sim.uart().waitForLine(/^DHCP: bound (10\.0\.9\.\d+) \(lease 3600 s, router 10\.0\.9\.1, DNS 10\.0\.9\.1\)/, { timeout: '15s' })
      .catch((error: Error) => { throw new Error(`${error.message}\n--- dnsmasq ---\n${dnsmasqLog}`); });
    const boardIp = bound[1]!;
    await sim.uart().waitForLine(/^ECHO: ready/, { timeout: '10s' });
    const text = sim.uart().text();
    expect(text).toMatch(/PING: gateway 10\.0\.9\.1 answered/);
    expect(text).toMatch(/DNS: broker\.local is 10\.0\.9\.1/);
    expect(dnsmasqLog).toMatch(new RegExp(`DHCPACK\\(${TAP}\\) ${boardIp.replace(/\./g, '\\.')} 00:80:e1:00:00:00`));

    const ping = await whileRunning(sim, () => inNamespace('ping', '-c', '3', '-i', '0.2', '-W', '2', boardIp));
    expect(ping.stdout).toMatch(/3 packets transmitted, 3 received, 0% packet loss/);

    const client = await whileRunning(sim, () => inNamespace(process.execPath, '-e', CLIENT, boardIp, String(16 * 1024)));
    expect(JSON.parse(client.stdout.trim())).toEqual({ udp: 'hello over the TAP', tcpBack: 16 * 1024, tcpSame: true });
    await sim.uart().waitFor(/TCP: peer closed, closing \(16384 bytes echoed in total\)/, { timeout: '2s' });
  });
});
