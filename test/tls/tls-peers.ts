// Real TLS peers for the tests, all on 127.0.0.1 and all bounded in time: certificates from the
// openssl CLI, a Debian mosquitto, openssl s_client runs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'h5sim-tls-'));
  chmodSync(path, 0o755); // mosquitto started as root drops to its own user and must read the keys
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

function openssl(args: string[], cwd: string): void {
  const result = spawnSync('openssl', args, { cwd, timeout: 20_000, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
}

export interface CertificateFiles { ca: string; cert: string; key: string; certPem: string; keyPem: string; caPem: string }

/** A CA and a server certificate for `name` signed by it; kind 'rsa' (2048) or 'ec' (P-256). */
export function makeCertificates(dir: string, kind: 'rsa' | 'ec', name = 'broker.local', prefix = 'server'): CertificateFiles {
  const keyArgs = kind === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  openssl(['req', '-x509', ...keyArgs, '-nodes', '-keyout', `${prefix}-ca.key`, '-out', `${prefix}-ca.pem`, '-days', '30', '-subj', `/CN=${prefix} test CA`], dir);
  openssl(['req', ...keyArgs, '-nodes', '-keyout', `${prefix}.key`, '-out', `${prefix}.csr`, '-subj', `/CN=${name}`], dir);
  writeFileSync(join(dir, `${prefix}.ext`), `subjectAltName=DNS:${name},IP:127.0.0.1\n`);
  openssl(['x509', '-req', '-in', `${prefix}.csr`, '-CA', `${prefix}-ca.pem`, '-CAkey', `${prefix}-ca.key`, '-CAcreateserial', '-out', `${prefix}.pem`, '-days', '30', '-extfile', `${prefix}.ext`], dir);
  for (const file of [`${prefix}.key`, `${prefix}-ca.key`]) chmodSync(join(dir, file), 0o644);
  const files = { ca: join(dir, `${prefix}-ca.pem`), cert: join(dir, `${prefix}.pem`), key: join(dir, `${prefix}.key`) };
  return { ...files, caPem: readFileSync(files.ca, 'utf8'), certPem: readFileSync(files.cert, 'utf8'), keyPem: readFileSync(files.key, 'utf8') };
}

import { freePort, waitForPort } from '../helpers/ports.js';

export { freePort };

export interface Mosquitto { port: number; log(): string; stop(): Promise<void> }

/** A mosquitto TLS listener on 127.0.0.1 (killed by stop(); also killed after `lifetimeMs`). */
export async function startMosquitto(dir: string, files: { cert: string; key: string; ca?: string }, extra: string[] = [], lifetimeMs = 60_000): Promise<Mosquitto> {
  const port = await freePort();
  const conf = join(dir, `mosquitto-${port}.conf`);
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`, `certfile ${files.cert}`, `keyfile ${files.key}`, ...(files.ca ? [`cafile ${files.ca}`] : []),
    'allow_anonymous true', ...extra, '',
  ].join('\n'));
  const child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (c: Buffer) => { log += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { log += c.toString(); });
  const killer = setTimeout(() => child.kill('SIGKILL'), lifetimeMs);
  try {
    await waitForPort(port, 5000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}: ${log}`);
  }
  return { port, log: () => log, stop: () => stopChild(child, killer) };
}

function stopChild(child: ChildProcess, killer: NodeJS.Timeout): Promise<void> {
  clearTimeout(killer);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => { clearTimeout(hard); resolve(); });
    child.kill('SIGTERM');
  });
}

/** openssl s_client with no input; resolves with its output when it exits (killed after timeoutMs). */
export function sClient(args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('openssl', ['s_client', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => { output += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { output += c.toString(); });
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', () => { clearTimeout(timer); resolve(output); });
  });
}
