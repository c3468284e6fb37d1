// `--hostfwd` rules in QEMU's spelling: `tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT` (udp too).
// Unlike QEMU an empty host address means 127.0.0.1, not every interface.
import { ipToNumber } from '../packet.js';

export interface HostForward {
  protocol: 'tcp' | 'udp';
  hostAddress: string;
  /** 0 asks the OS for a free port (see UserNet.hostForwardPorts). */
  hostPort: number;
  /** Undefined: the firmware's DHCP address. */
  guestAddress?: string;
  guestPort: number;
}

export function parseHostForward(text: string): HostForward {
  const match = /^(tcp|udp):([^:]*):(\d+)-([^:]*):(\d+)$/.exec(text.trim());
  if (!match) throw new Error(`--hostfwd expects tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, got "${text}"`);
  const [, protocol, hostAddress, hostPort, guestAddress, guestPort] = match;
  const rule: HostForward = {
    protocol: protocol as 'tcp' | 'udp',
    hostAddress: hostAddress || '127.0.0.1',
    hostPort: Number(hostPort),
    guestPort: Number(guestPort),
  };
  if (guestAddress) rule.guestAddress = guestAddress;
  if (rule.hostPort > 65535 || rule.guestPort < 1 || rule.guestPort > 65535) throw new Error(`--hostfwd port out of range in "${text}"`);
  if (ipToNumber(rule.hostAddress) === null || (guestAddress && ipToNumber(guestAddress) === null)) {
    throw new Error(`--hostfwd addresses must be IPv4 in "${text}"`);
  }
  return rule;
}
