// One entry point for the command line's network switches:
//   --net user|tap:NAME[@NETNS]|ws://HOST:PORT  --pcap FILE  --hostfwd RULE  --host NAME=IP  --allow CIDR
import type { FramePort } from './frame-port.js';
import type { NetClock } from './net-clock.js';
import { PcapPort } from './pcap.js';
import { TapPort } from './tap.js';
import { UserNet, type UserNetOptions } from './usernet/usernet.js';
import { WebSocketClientPort } from './websocket.js';

export interface NetworkSpec {
  /** `user` (default), `tap:NAME` (`tap:NAME@NETNS`: the TAP lives in that network namespace), or
   * `ws://HOST:PORT[/PATH]` (`wss://` too). */
  net?: string;
  /** The simulation's clock for usernet timers (netClockFrom(virtualClock)). */
  clock: NetClock;
  /** Simulated time of day in Unix seconds, for SNTP, DHCP leases and pcap timestamps. */
  now: () => number;
  pcap?: string;
  /** usernet only. */
  hostForwards?: string[];
  /** usernet only: `NAME=IP`. */
  hosts?: string[];
  /** usernet only: host destinations (CIDR) the firmware may reach; default loopback. */
  allow?: string[];
  /** WebSocket only. */
  token?: string;
  /** Further usernet settings (lease time, addresses, TCP tuning). */
  usernet?: Partial<Omit<UserNetOptions, 'clock' | 'now' | 'hosts' | 'hostForwards' | 'allow' | 'log'>>;
  log?: (message: string) => void;
}

/** Builds, connects and (with `pcap`) wraps the board's FramePort; resolves when it is usable. */
export async function openFramePort(spec: NetworkSpec): Promise<FramePort> {
  const net = spec.net ?? 'user';
  const usernetOnly = (spec.hostForwards?.length ?? 0) + (spec.hosts?.length ?? 0) + (spec.allow?.length ?? 0);
  let port: FramePort;
  if (net === 'user') {
    const usernet = new UserNet({
      ...spec.usernet, clock: spec.clock, now: spec.now, hosts: spec.hosts, hostForwards: spec.hostForwards, allow: spec.allow,
      ...(spec.log ? { log: spec.log } : {}),
    });
    try {
      await usernet.ready();
    } catch (error) {
      await usernet.close();
      throw new Error(`--hostfwd: cannot listen: ${(error as Error).message}`);
    }
    port = usernet;
  } else if (usernetOnly > 0) {
    throw new Error('--hostfwd, --host and --allow apply to --net user only');
  } else if (net.startsWith('tap:')) {
    const [name, netns] = net.slice(4).split('@');
    const tap = new TapPort({ name: name!, ...(netns ? { netns } : {}), ...(spec.log ? { log: spec.log } : {}) });
    await tap.ready().catch(async (error) => { await tap.close(); throw error; });
    port = tap;
  } else if (/^wss?:\/\//.test(net)) {
    const client = new WebSocketClientPort({ url: net, ...(spec.token ? { token: spec.token } : {}), ...(spec.log ? { log: spec.log } : {}) });
    await client.ready().catch(async (error) => { await client.close(); throw error; });
    port = client;
  } else {
    throw new Error(`--net expects user, tap:NAME or ws://HOST:PORT, got "${net}"`);
  }
  return spec.pcap ? new PcapPort(port, spec.pcap, { now: spec.now }) : port;
}
