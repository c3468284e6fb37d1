// Soak (issue #8): the mqtt-tls fixture's soak variant publishes "hello N" once per virtual second
// for as long as it runs, in virtual time, through usernet to a real mosquitto on 127.0.0.1 that
// this script starts. A host MQTT client subscribed to the topic counts what arrives. Every
// virtual minute the script samples the host process's RSS (after a GC when node runs with
// --expose-gc) and its open file descriptors (/proc/self/fd).
//
// Usage: npm run soak -- [--virtual 3600s] [--machine stm32h563] [--quiet]
//   (npm run soak runs node --expose-gc; the default is one virtual minute.)
// Exit code: 0 when nothing failed, at least 98 % of the expected publications arrived, RSS grew
// by less than 5 % after the warm-up minute (medians of the first and last five samples) and the
// descriptor count ended where it started.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import { Simulation, type RunResult } from '../emulator/harness/simulation.js';
import { makeTestCertificates, provisionMqttFixture } from '../emulator/harness/mqtt-fixture.js';
import { MOSQUITTO, fixtureElf, startMosquitto } from '../test/mqtt/peers.js';
import { requireInstalled } from '../test/helpers/fixtures.js';

const SAMPLE_EVERY_SECONDS = 60;
const CLIENT_ID = 'soak';

export interface SoakOptions {
  virtualSeconds: number;
  machine?: 'stm32h563';
  /** Called once per virtual minute with the sample just taken. */
  onSample?: (sample: SoakSample) => void;
}

export interface SoakSample {
  virtualSeconds: number;
  wallSeconds: number;
  rssBytes: number;
  /** V8 heap in use and memory outside it (Buffers, ArrayBuffers), after the same GC. */
  heapUsedBytes: number;
  externalBytes: number;
  openFds: number;
  publishesSeen: number;
}

export interface SoakResult {
  virtualSeconds: number;
  wallSeconds: number;
  /** "hello N" messages the host subscriber received (distinct N). */
  publishesSeen: number;
  /** PUBLISH packets the firmware says it sent, and PUBACKs it got. */
  publishesSent: number;
  pubacks: number;
  pingreqs: number;
  /** Firmware lines that report a failure, and a run that stopped for any reason but the timeout. */
  failures: string[];
  stop: RunResult;
  /** After warm-up (the first virtual minute: TLS handshake, first allocations, code translated)
   *  and at the end: medians of up to five one-minute samples each, as single RSS samples move by
   *  ±10 % with the allocator even after a full GC. */
  start: SoakSample;
  end: SoakSample;
  samples: SoakSample[];
}

const FAILURE_LINE = /^mqtt-tls: exit|FAILED|failed|MQTT no |connection lost|unexpected packet|dropped/;

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

function memory(): { rssBytes: number; heapUsedBytes: number; externalBytes: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  return { rssBytes: usage.rss, heapUsedBytes: usage.heapUsed, externalBytes: usage.external };
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const elf = fixtureElf('soak');
  if (!existsSync(elf)) throw new Error(`${elf} is missing: bash scripts/build-fixtures.sh mqtt-tls`);
  requireInstalled(MOSQUITTO, 'mosquitto');
  const certificates = makeTestCertificates();
  // The broker outlives a slow run by far; it is stopped in `finally` in any case.
  const broker = await startMosquitto({
    cafile: certificates.ca.cert, certfile: certificates.serverEc.cert, keyfile: certificates.serverEc.key,
    lifetimeMs: Math.max(600_000, options.virtualSeconds * 10_000),
  });
  const host = await mqtt.connectAsync(`mqtts://127.0.0.1:${broker.port}`, {
    ca: readFileSync(certificates.ca.cert), servername: 'broker.local', clientId: 'soak-observer', connectTimeout: 5000, reconnectPeriod: 0,
  });
  const seen = new Set<number>();
  host.on('message', (_topic, payload) => {
    const match = /^hello (\d+)$/.exec(payload.toString());
    if (match) seen.add(Number(match[1]));
  });
  await host.subscribeAsync(`h5sim/${CLIENT_ID}/out`, { qos: 1 });
  const sim = await Simulation.load(elf, { machine: options.machine ?? 'stm32h563', net: 'user', timeMode: 'virtual' });
  try {
    provisionMqttFixture(sim, {
      caDer: certificates.ca.certDer, brokerHost: 'broker.local', brokerPort: broker.port, clientId: CLIENT_ID,
      publishCount: 0, intervalMs: 1000, keepAliveSeconds: 60,
    });
    const failures: string[] = [];
    let publishesSent = 0;
    let pubacks = 0;
    let pingreqs = 0;
    sim.uart('USART3').onLine((line) => {
      if (line.startsWith('MQTT PUBLISH sent')) publishesSent++;
      else if (/^MQTT PUBACK \d+$/.test(line)) pubacks++;
      else if (line === 'MQTT PINGREQ') pingreqs++;
      else if (FAILURE_LINE.test(line)) failures.push(`${sim.virtualSeconds.toFixed(3)} s: ${line}`);
    });
    const wallStart = performance.now();
    const sample = (): SoakSample => ({
      virtualSeconds: sim.virtualSeconds, wallSeconds: (performance.now() - wallStart) / 1000,
      ...memory(), openFds: openFds(), publishesSeen: seen.size,
    });
    const samples: SoakSample[] = [];
    let stop: RunResult | null = null;
    while (sim.virtualSeconds < options.virtualSeconds - 1e-9) {
      const span = Math.min(SAMPLE_EVERY_SECONDS, options.virtualSeconds - sim.virtualSeconds);
      stop = await sim.runFor(span);
      const taken = sample();
      samples.push(taken);
      options.onSample?.(taken);
      if (stop.reason !== 'timeout') {
        failures.push(`the run stopped at ${stop.virtualSeconds.toFixed(3)} s virtual: ${stop.reason}${stop.exitCode !== undefined ? ` (exit ${stop.exitCode})` : ''}${stop.fault ? `\n${String(stop.fault)}` : ''}`);
        break;
      }
    }
    // A message the broker forwarded a moment before the last slice may still be on its way.
    for (let i = 0; i < 20 && seen.size < publishesSent; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const end = sample();
    return {
      virtualSeconds: sim.virtualSeconds, wallSeconds: end.wallSeconds, publishesSeen: seen.size, publishesSent, pubacks, pingreqs,
      failures, stop: stop!, ...startAndEnd(samples, end), samples,
    };
  } finally {
    await sim.close();
    await host.endAsync(true);
    await broker.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function medianSample(samples: SoakSample[]): SoakSample {
  return {
    virtualSeconds: samples[samples.length - 1]!.virtualSeconds, wallSeconds: samples[samples.length - 1]!.wallSeconds,
    rssBytes: median(samples.map((s) => s.rssBytes)), heapUsedBytes: median(samples.map((s) => s.heapUsedBytes)),
    externalBytes: median(samples.map((s) => s.externalBytes)), openFds: median(samples.map((s) => s.openFds)),
    publishesSeen: samples[samples.length - 1]!.publishesSeen,
  };
}

function startAndEnd(samples: SoakSample[], last: SoakSample): { start: SoakSample; end: SoakSample } {
  const afterWarmUp = samples.slice(1);
  if (afterWarmUp.length < 2) return { start: samples[0] ?? last, end: last };
  const span = Math.min(5, Math.floor(afterWarmUp.length / 2));
  const end = medianSample(afterWarmUp.slice(-span));
  return { start: medianSample(afterWarmUp.slice(0, span)), end: { ...end, openFds: last.openFds } };
}

function parseSeconds(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text);
  if (!match) throw new Error(`--virtual "${text}": expected a duration such as 60s, 10m or 1h`);
  return Number(match[1]) * (match[2] === 'h' ? 3600 : match[2] === 'm' ? 60 : 1);
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { virtual: { type: 'string' }, machine: { type: 'string' }, quiet: { type: 'boolean' } } });
  const virtualSeconds = parseSeconds(values.virtual ?? '60s');
  if (values.machine !== undefined && values.machine !== 'stm32h563') throw new Error('the soak variant is built for stm32h563 only');
  if (!(globalThis as { gc?: unknown }).gc) process.stdout.write('note: node runs without --expose-gc; RSS is sampled without a forced GC\n');
  process.stdout.write(`soak: mqtt-tls-soak, 1 publication per virtual second, ${virtualSeconds} s virtual, mosquitto on 127.0.0.1\n`);
  const result = await runSoak({
    virtualSeconds,
    onSample: values.quiet ? undefined : (s) => process.stdout.write(
      `  ${s.virtualSeconds.toFixed(0).padStart(6)} s virtual ${s.wallSeconds.toFixed(1).padStart(8)} s wall  seen ${String(s.publishesSeen).padStart(5)}  rss ${mib(s.rssBytes)}  heap ${mib(s.heapUsedBytes)}  external ${mib(s.externalBytes)}  fds ${s.openFds}\n`),
  });
  const expected = Math.floor(result.virtualSeconds);
  const growth = (result.end.rssBytes - result.start.rssBytes) / result.start.rssBytes * 100;
  const line = (name: string, value: string) => process.stdout.write(`${name.padEnd(34)} ${value}\n`);
  line('publishes seen by the host client', `${result.publishesSeen} (firmware sent ${result.publishesSent}, PUBACKs ${result.pubacks}, ~${expected} expected)`);
  line('PINGREQs', String(result.pingreqs));
  line('failures', result.failures.length === 0 ? '0' : `${result.failures.length}\n    ${result.failures.slice(0, 10).join('\n    ')}`);
  line('virtual / wall time', `${result.virtualSeconds.toFixed(1)} s / ${result.wallSeconds.toFixed(1)} s (${(result.virtualSeconds / result.wallSeconds).toFixed(1)}x)`);
  const heapGrowth = (result.end.heapUsedBytes - result.start.heapUsedBytes) / 2 ** 20;
  line('RSS after warm-up / end / growth', `${mib(result.start.rssBytes)} / ${mib(result.end.rssBytes)} / ${growth.toFixed(2)} % (target < 5 %; medians of ≤ 5 samples)`);
  line('V8 heap after warm-up / end', `${mib(result.start.heapUsedBytes)} / ${mib(result.end.heapUsedBytes)} (${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(2)} MiB)`);
  line('RSS min / max over the run', `${mib(Math.min(...result.samples.map((s) => s.rssBytes)))} / ${mib(Math.max(...result.samples.map((s) => s.rssBytes)))}`);
  line('open fds after warm-up / end', `${result.start.openFds} / ${result.end.openFds}`);
  const ok = result.failures.length === 0 && result.publishesSeen >= expected * 0.98 && growth < 5 && result.end.openFds === result.start.openFds;
  line('soak', ok ? 'pass' : 'FAIL');
  return ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main().catch((error: unknown) => {
    process.stderr.write(`bench-soak: ${(error as Error).message}\n`);
    return 2;
  });
}
