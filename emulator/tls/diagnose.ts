// Replays the firmware's ClientHello parameters from the host with `openssl s_client` against the
// broker: first as offered, then changing one parameter at a time, to name the change the broker
// accepts. Network safety: only loopback (127.0.0.0/8) unless the caller's allow list says more;
// the broker must be an address literal (or "localhost"), never a name to resolve.
import { spawn } from 'node:child_process';
import type { ClientHello, Named } from './handshake.js';
import { alertName } from './names.js';

export interface DiagnoseOptions {
  /** The ClientHello the inspector captured from the board. */
  clientHello: ClientHello;
  /** "host:port" with host an IPv4 literal or "localhost". */
  broker: string;
  /** CIDR blocks or addresses the replay may contact; default ["127.0.0.0/8"]. */
  allowList?: string[];
  /** Per attempt; default 5000 ms. */
  timeoutMs?: number;
  openssl?: string;
}

export type Parameter = 'baseline' | 'signature_algorithms' | 'supported_groups' | 'cipher_suites' | 'server_name' | 'version' | 'defaults';

export interface Attempt {
  parameter: Parameter;
  /** What changed, in words ("add rsa_pss_rsae_sha256 to signature_algorithms"). */
  change: string;
  args: string[];
  accepted: boolean;
  alert: { code: number; name: string } | null;
  negotiated: { version?: string; cipherSuite?: string; peerSignature?: string; group?: string } | null;
  /** The last lines of openssl's output. */
  output: string;
}

export interface DiagnoseResult {
  broker: string;
  baseline: Attempt;
  variations: Attempt[];
  /** Single changes the broker accepted (when the baseline failed). */
  fixes: Attempt[];
  /** The parameter the broker's refusal comes from, when exactly one kind of change fixes it. */
  cause: Parameter | null;
  text: string;
}

export class DiagnoseRefused extends Error {}

const OPENSSL_GROUPS: Record<string, string> = {
  secp256r1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521', x25519: 'X25519', x448: 'X448',
  ffdhe2048: 'ffdhe2048', ffdhe3072: 'ffdhe3072', ffdhe4096: 'ffdhe4096', ffdhe6144: 'ffdhe6144', ffdhe8192: 'ffdhe8192',
};
const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_CCM_SHA256', 'TLS_AES_128_CCM_8_SHA256'];

function ipv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((n, p) => ((n << 8) | Number(p)) >>> 0, 0);
}

/** True when `address` (IPv4 literal) lies in one of the CIDR blocks or addresses of `allowList`. */
export function allowedTarget(address: string, allowList: string[]): boolean {
  const value = ipv4(address);
  if (value === null) return false;
  return allowList.some((entry) => {
    const [base, bitsText] = entry.split('/');
    const network = ipv4(base ?? '');
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    if (network === null || !(bits >= 0 && bits <= 32)) return false;
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return ((value & mask) >>> 0) === ((network & mask) >>> 0);
  });
}

interface Offer {
  versions: number[];
  sigalgs: string[];
  groups: string[];
  suites: string[];
  serverName: string | null;
  alpn: string[] | null;
}

function offerFrom(hello: ClientHello): Offer {
  const known = (list: Named[] | null) => (list ?? []).map((x) => x.name).filter((n) => !/^0x|^GREASE/.test(n));
  const keyShares = known(hello.keyShareGroups);
  const groups = [...keyShares, ...known(hello.supportedGroups).filter((g) => !keyShares.includes(g))];
  return {
    versions: (hello.supportedVersions ?? [{ code: hello.legacyVersion, name: '' }]).map((v) => v.code),
    sigalgs: known(hello.signatureAlgorithms),
    groups: groups.filter((g) => OPENSSL_GROUPS[g]),
    suites: hello.cipherSuites.map((s) => s.name).filter((n) => TLS13_SUITES.includes(n)),
    serverName: hello.serverName,
    alpn: hello.alpn,
  };
}

function argsFor(offer: Offer, connect: string, tls12 = false): string[] {
  const args = ['s_client', '-connect', connect];
  const has13 = offer.versions.includes(0x0304);
  const has12 = offer.versions.includes(0x0303);
  if (tls12) args.push('-tls1_2');
  else if (has13 && !has12) args.push('-tls1_3');
  else if (has12 && !has13) args.push('-tls1_2');
  if (offer.sigalgs.length > 0) args.push('-sigalgs', offer.sigalgs.join(':'));
  if (offer.groups.length > 0) args.push('-groups', offer.groups.map((g) => OPENSSL_GROUPS[g]!).join(':'));
  if (offer.suites.length > 0 && !tls12) args.push('-ciphersuites', offer.suites.join(':'));
  if (offer.serverName) args.push('-servername', offer.serverName);
  else args.push('-noservername');
  if (offer.alpn && offer.alpn.length > 0) args.push('-alpn', offer.alpn.join(','));
  return args;
}

function run(openssl: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(openssl, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => { if (output.length < 65536) output += chunk.toString('latin1'); };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.stdin.end(); // no data: handshake, then close
    const timer = setTimeout(() => { output += '\n[h5sim: timed out]'; child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', (error) => { output += `\n[h5sim: ${error.message}]`; });
    child.on('close', () => { clearTimeout(timer); resolve(output); });
  });
}

function judge(parameter: Parameter, change: string, args: string[], output: string): Attempt {
  const alertMatch = /alert number (\d+)/.exec(output);
  // "New, TLSv1.3, Cipher is ..." is printed right after the handshake; the SSL-Session block may not be.
  const version = /New, (TLSv[\d.]+), Cipher is/.exec(output)?.[1] ?? /Protocol(?: version)?\s*:\s*(\S+)/.exec(output)?.[1];
  const suite = /Cipher(?:suite)?\s*(?:is|:)\s*(\S+)/.exec(output)?.[1];
  const peerSignature = /Peer signature type:\s*(\S+)/.exec(output)?.[1];
  const group = /(?:Server|Peer) Temp Key:\s*([^\n]+)/.exec(output)?.[1];
  const accepted = !alertMatch && suite !== undefined && suite !== '(NONE)' && !/Cipher is \(NONE\)/.test(output);
  const negotiated = accepted ? {
    ...(version ? { version } : {}), ...(suite ? { cipherSuite: suite } : {}),
    ...(peerSignature ? { peerSignature } : {}), ...(group ? { group: group.trim() } : {}),
  } : null;
  const alert = alertMatch ? { code: Number(alertMatch[1]), name: alertName(Number(alertMatch[1])) } : null;
  const tail = output.trim().split('\n').filter((l) => /alert|error|Protocol|Cipher|Temp Key|signature type|CONNECTED|timed out/i.test(l)).slice(-6).join('\n');
  return { parameter, change, args, accepted, alert, negotiated, output: tail };
}

export async function diagnose(options: DiagnoseOptions): Promise<DiagnoseResult> {
  const match = /^(.+):(\d{1,5})$/.exec(options.broker);
  if (!match) throw new DiagnoseRefused(`diagnose: broker must be host:port, got "${options.broker}"`);
  const host = match[1] === 'localhost' ? '127.0.0.1' : match[1]!;
  const allowList = options.allowList ?? ['127.0.0.0/8'];
  if (ipv4(host) === null) throw new DiagnoseRefused(`diagnose: "${match[1]}" is not an IPv4 address; names are not resolved`);
  if (!allowedTarget(host, allowList)) {
    throw new DiagnoseRefused(`diagnose: ${host} is outside the allow list (${allowList.join(', ')}); not contacted`);
  }
  const connect = `${host}:${match[2]}`;
  const openssl = options.openssl ?? 'openssl';
  const timeout = options.timeoutMs ?? 5000;
  const offer = offerFrom(options.clientHello);
  const attempt = async (parameter: Parameter, change: string, changed: Offer, tls12 = false) => {
    const args = argsFor(changed, connect, tls12);
    return judge(parameter, change, args, await run(openssl, args, timeout));
  };

  const baseline = await attempt('baseline', 'as the firmware offered', offer);
  const variations: Attempt[] = [];
  const vary = async (parameter: Parameter, change: string, changed: Offer, tls12 = false) => {
    variations.push(await attempt(parameter, change, changed, tls12));
  };
  for (const sigalg of ['rsa_pss_rsae_sha256', 'rsa_pkcs1_sha256', 'ecdsa_secp256r1_sha256', 'ecdsa_secp384r1_sha384', 'ed25519']) {
    if (!offer.sigalgs.includes(sigalg) && offer.sigalgs.length > 0) {
      await vary('signature_algorithms', `add ${sigalg} to signature_algorithms`, { ...offer, sigalgs: [...offer.sigalgs, sigalg] });
    }
  }
  for (const group of ['x25519', 'secp256r1', 'secp384r1', 'ffdhe2048']) {
    if (!offer.groups.includes(group)) {
      await vary('supported_groups', `add ${group} to supported_groups`, { ...offer, groups: [...offer.groups, group] });
    }
  }
  for (const suite of TLS13_SUITES.slice(0, 3)) {
    if (!offer.suites.includes(suite) && offer.versions.includes(0x0304)) {
      await vary('cipher_suites', `add ${suite} to cipher_suites`, { ...offer, suites: [...offer.suites, suite] });
    }
  }
  if (offer.serverName) await vary('server_name', `drop SNI (${offer.serverName})`, { ...offer, serverName: null });
  if (offer.versions.includes(0x0304) && !offer.versions.includes(0x0303)) {
    await vary('version', 'use TLS 1.2 instead of TLS 1.3', offer, true);
  }
  await vary('defaults', 'OpenSSL defaults for everything but the version', { ...offer, sigalgs: [], groups: [], suites: [] });

  const fixes = baseline.accepted ? [] : variations.filter((v) => v.accepted && v.parameter !== 'defaults');
  const kinds = [...new Set(fixes.map((f) => f.parameter))];
  const cause = kinds.length === 1 ? kinds[0]! : null;
  return { broker: connect, baseline, variations, fixes, cause, text: describe(connect, baseline, variations, fixes, cause, offer) };
}

function describe(broker: string, baseline: Attempt, variations: Attempt[], fixes: Attempt[], cause: Parameter | null, offer: Offer): string {
  const show = (a: Attempt) => a.accepted
    ? `accepted (${[a.negotiated?.version, a.negotiated?.cipherSuite, a.negotiated?.group, a.negotiated?.peerSignature].filter(Boolean).join(', ')})`
    : a.alert ? `refused with alert ${a.alert.code} ${a.alert.name}` : 'refused (no alert)';
  const lines = [`replay of the firmware's ClientHello against ${broker} with openssl s_client: ${show(baseline)}`];
  for (const v of variations) lines.push(`  ${v.change}: ${show(v)}`);
  if (baseline.accepted) {
    lines.push('the broker accepts the firmware\'s parameters from the host; look at the certificate check on the board or at the transport');
  } else if (cause === 'signature_algorithms') {
    const names = fixes.map((f) => f.change.replace(/^add (\S+).*/, '$1')).join(' or ');
    lines.push(`cause: signature algorithm — the broker needs ${names}; the firmware offers only ${offer.sigalgs.join(', ')}, so the broker's certificate is of a kind (RSA) the firmware cannot verify; give the broker an ECDSA P-256 certificate or offer ${names}`);
  } else if (cause === 'supported_groups') {
    lines.push(`cause: key exchange group — the broker accepts only with ${fixes.map((f) => f.change.replace(/^add (\S+).*/, '$1')).join(' or ')}; the firmware offers ${offer.groups.join(', ') || 'none'}`);
  } else if (cause === 'cipher_suites') {
    lines.push(`cause: cipher suite — the broker accepts only with ${fixes.map((f) => f.change.replace(/^add (\S+).*/, '$1')).join(' or ')}; the firmware offers ${offer.suites.join(', ') || 'none'}`);
  } else if (cause === 'server_name') {
    lines.push('cause: server name — the broker refuses the SNI the firmware sends');
  } else if (cause === 'version') {
    lines.push('cause: protocol version — the broker speaks TLS 1.2 but not TLS 1.3');
  } else if (fixes.length > 1) {
    lines.push(`several single changes work: ${fixes.map((f) => f.change).join('; ')}`);
  } else {
    lines.push('no single change made the broker accept; check the broker\'s log (client certificate required? TLS listener on that port?)');
  }
  return lines.join('\n');
}
