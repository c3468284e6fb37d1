import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { requireInstalled } from '../helpers/fixtures.js';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, IP_PROTO_ICMP, IP_PROTO_UDP, buildArp, buildEthernet, buildIcmp, buildIpv4, buildUdp, parseIp } from '../../emulator/net/packet.js';
import { TapPort, tapUnavailableReason } from '../../emulator/net/tap.js';
import { BOARD_MAC, decode } from '../helpers/net-board.js';

const run = promisify(execFile);

function skipReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (CAP_NET_ADMIN) to create a network namespace and a TAP';
  const reason = tapUnavailableReason();
  if (reason) return reason;
  try {
    execFileSync('ip', ['-V'], { stdio: 'pipe' });
  } catch {
    throw new Error('the ip command is missing: install iproute2 (scripts/setup.sh does)');
  }
  return null;
}

const reason = skipReason();
const namespace = `h5t-${randomBytes(4).toString('hex')}`;
let created = false;
let tap: TapPort | null = null;

afterAll(async () => {
  await tap?.close();
  if (created) execFileSync('ip', ['netns', 'del', namespace], { stdio: 'pipe' });
});

describe('TAP port', () => {
  if (reason) console.warn(`TAP test skipped: ${reason}`);

  it.skipIf(reason !== null)('relays frames both ways with a TAP inside a private network namespace (the board answers ARP, UDP echo and ping)', async () => {
    try {
      execFileSync('ip', ['netns', 'add', namespace], { stdio: 'pipe' });
    } catch (error) {
      // A container without CAP_SYS_ADMIN cannot create namespaces: nothing to test here.
      console.warn(`TAP test skipped: cannot create a network namespace (${(error as { stderr?: Buffer }).stderr?.toString().trim()})`);
      return;
    }
    created = true;
    tap = new TapPort({ name: 'h5tap0', netns: namespace });
    await tap.ready();
    expect(tap.linkUp).toBe(true);
    const boardIp = parseIp('10.0.9.2');
    let arpRequests = 0;
    let echoRequests = 0;
    const port = tap;
    port.onReceive((frame) => {
      const r = decode(frame);
      if (r.arp && r.arp.operation === 1 && r.arp.targetIp === boardIp) {
        arpRequests++;
        port.send(buildEthernet(r.arp.senderMac, BOARD_MAC, ETHERTYPE_ARP, buildArp(2, BOARD_MAC, boardIp, r.arp.senderMac, r.arp.senderIp)));
      }
      if (r.icmp && r.icmp.type === 8 && r.ip!.destination === boardIp) {
        echoRequests++;
        const reply = buildIpv4(boardIp, r.ip!.source, IP_PROTO_ICMP, buildIcmp(0, 0, r.icmp.body), 1);
        port.send(buildEthernet(frame.subarray(6, 12), BOARD_MAC, ETHERTYPE_IPV4, reply));
      }
      if (r.udp && r.udp.destinationPort === 7 && r.ip!.destination === boardIp) {
        const payload = Buffer.concat([Buffer.from('board:'), r.udp.payload]);
        const reply = buildIpv4(boardIp, r.ip!.source, IP_PROTO_UDP, buildUdp(boardIp, r.ip!.source, 7, r.udp.sourcePort, payload), 2);
        port.send(buildEthernet(frame.subarray(6, 12), BOARD_MAC, ETHERTYPE_IPV4, reply));
      }
    });
    await run('ip', ['netns', 'exec', namespace, 'ip', 'addr', 'add', '10.0.9.1/24', 'dev', 'h5tap0']);
    await run('ip', ['netns', 'exec', namespace, 'ip', 'link', 'set', 'h5tap0', 'up']);
    // A UDP exchange from inside the namespace: kernel → TAP → board → TAP → kernel.
    const client = `const s = require('node:dgram').createSocket('udp4');
      const t = setTimeout(() => { console.log('timeout'); process.exit(1); }, 5000);
      s.on('message', (m) => { console.log(m.toString()); clearTimeout(t); s.close(); });
      s.send('hello', 7, '10.0.9.2');`;
    const { stdout } = await run('ip', ['netns', 'exec', namespace, process.execPath, '-e', client], { timeout: 15_000 });
    expect(stdout.trim()).toBe('board:hello');
    expect(arpRequests).toBeGreaterThanOrEqual(1);
    requireInstalled('/usr/bin/ping', 'iputils-ping');
    const ping = await run('ip', ['netns', 'exec', namespace, 'ping', '-c', '2', '-i', '0.2', '-W', '2', '10.0.9.2'], { timeout: 15_000 });
    expect(ping.stdout).toMatch(/2 received/);
    expect(echoRequests).toBe(2);
  });

  it.skipIf(reason !== null)('explains a TAP that cannot be attached', async () => {
    const bad = new TapPort({ name: 'h5tap1', netns: `h5t-missing-${randomBytes(3).toString('hex')}` });
    await expect(bad.ready()).rejects.toThrow(/TAP relay for h5tap1 exited|netns|Cannot open/);
    await bad.close();
  });

  it.skipIf(reason !== null)('says CAP_NET_ADMIN is needed when the relay lacks it', async () => {
    requireInstalled('/usr/bin/setpriv', 'util-linux');
    expect(created).toBe(true); // never create a TAP outside a namespace of our own
    const unprivileged = new TapPort({ name: 'h5tap2', netns: namespace, launcher: ['setpriv', '--bounding-set', '-net_admin', '--inh-caps', '-net_admin'] });
    await expect(unprivileged.ready()).rejects.toThrow(/Operation not permitted.*CAP_NET_ADMIN/);
    await unprivileged.close();
  });
});
