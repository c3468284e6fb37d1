// The far end for test/mqtt: Debian's mosquitto (OpenSSL) on 127.0.0.1 at a free port, TLS 1.3
// only, started per test with its own config and always killed; and one runner for the mqtt-tls
// fixture on the public Simulation API with the TLS inspector on the cable.
import { fixture, requireInstalled } from '../helpers/fixtures.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Simulation, type RunResult } from '../../emulator/harness/simulation.js';
import { provisionMqttFixture, type MqttFixtureProvisioning } from '../../emulator/harness/mqtt-fixture.js';
import { TlsInspector } from '../../emulator/tls/index.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const MOSQUITTO = '/usr/sbin/mosquitto';
/** The mqtt-tls fixture (variant '' or e.g. 'rsapss') and mosquitto, or an error saying what is missing. */
export function requireMqttPeers(variants: string[] = ['']): void {
  requireInstalled(MOSQUITTO, 'mosquitto');
  for (const variant of variants) fixture(`mqtt-tls${variant ? `-${variant}` : ''}`);
}

export function fixtureElf(variant = ''): string {
  return `${ROOT}firmware-fixtures/build/mqtt-tls${variant ? `-${variant}` : ''}.elf`;
}

import { freePort, waitForPort } from '../helpers/ports.js';

export { freePort };

export interface MosquittoOptions {
  cafile: string;
  certfile: string;
  keyfile: string;
  requireCertificate?: boolean;
  /** Killed after this long whatever happens (a test that hangs must not leave a broker behind). */
  lifetimeMs?: number;
}

export interface Mosquitto {
  port: number;
  log(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Kills every mosquitto this module started and has not stopped yet (afterAll). */
export async function stopAllMosquittos(): Promise<void> {
  await Promise.all([...running].map((child) => stopChild(child)));
}

export async function startMosquitto(options: MosquittoOptions): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'h5sim-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`,
    `cafile ${options.cafile}`,
    `certfile ${options.certfile}`,
    `keyfile ${options.keyfile}`,
    'tls_version tlsv1.3',
    `require_certificate ${options.requireCertificate ? 'true' : 'false'}`,
    'allow_anonymous true',
    // Started as root, mosquitto would switch to its own user, which may not read our keys.
    `user ${userInfo().username}`,
    'log_dest stderr',
    'log_type all',
    '',
  ].join('\n'));
  const child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => { log += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { log += chunk.toString(); });
  const killer = setTimeout(() => child.kill('SIGKILL'), options.lifetimeMs ?? 90_000);
  child.once('exit', () => { clearTimeout(killer); running.delete(child); rmSync(dir, { recursive: true, force: true }); });
  try {
    await waitForListener(port, child, 5000);
  } catch (error) {
    await stopChild(child);
    throw new Error(`${(error as Error).message}\n--- mosquitto log ---\n${log}`);
  }
  return { port, log: () => log, stop: () => stopChild(child) };
}

function waitForListener(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  return waitForPort(port, timeoutMs, () => {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with code ${child.exitCode}`);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => { clearTimeout(hard); resolve(); });
    child.kill('SIGTERM');
  });
}

// ---- The firmware ------------------------------------------------------------------------------

export interface FixtureRun {
  uart: string;
  lines: string[];
  /** From "mqtt-tls: exit N", or null if the run stopped first. */
  exitCode: number | null;
  result: RunResult;
  inspector: TlsInspector;
  wallSeconds: number;
  virtualSeconds: number;
}

export interface FixtureOptions {
  elf: string;
  machine?: 'stm32h563' | 'stm32h573';
  provisioning: MqttFixtureProvisioning;
  /** Stop early when this holds for the console lines so far. */
  until?: (lines: string[]) => boolean;
  onLine?: (line: string) => void;
  /** Virtual seconds (default 30). */
  timeout?: number;
  /** Wall-clock bound (default 50 s), so a slow machine fails clearly instead of hitting vitest's limit. */
  wallLimitMs?: number;
}

/** Runs the mqtt-tls fixture on usernet (broker.local → 10.0.2.2 → 127.0.0.1) until it exits or `until` holds. */
export async function runFixture(options: FixtureOptions): Promise<FixtureRun> {
  const started = performance.now();
  const sim = await Simulation.load(options.elf, { machine: options.machine ?? 'stm32h563', net: 'user', timeMode: 'realtime' });
  try {
    provisionMqttFixture(sim, options.provisioning);
    const inspector = new TlsInspector();
    sim.machine.ethernet.get('ETH')!.tap((direction, frame) => inspector.feed(direction, frame, sim.virtualSeconds));
    const lines: string[] = [];
    let exitCode: number | null = null;
    sim.uart('USART3').onLine((line) => {
      lines.push(line);
      inspector.noteConsoleLine(line, sim.virtualSeconds);
      const exit = /^mqtt-tls: exit (\d+)/.exec(line);
      if (exit) exitCode = Number(exit[1]);
      options.onLine?.(line);
    });
    const wallLimit = options.wallLimitMs ?? 50_000;
    const result = await sim.runUntil(
      () => exitCode !== null || (options.until?.(lines) ?? false) || performance.now() - started > wallLimit,
      { timeout: options.timeout ?? 30 },
    );
    return {
      uart: sim.uart('USART3').text(), lines, exitCode, result, inspector,
      wallSeconds: (performance.now() - started) / 1000, virtualSeconds: sim.virtualSeconds,
    };
  } finally {
    await sim.close();
  }
}
