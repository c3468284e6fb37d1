// Crypto benchmarks (issues #4/#5): each lib/crypto operation on the STM32H5's peripherals and in
// software on the emulated core, in emulated cycles and host wall time. Benchmarks, not tests.
//   bench-crypto.elf on stm32h563: HASH, PKA ECDSA verification (the H563's PKA does nothing else,
//     RM0481 §36.3) and every software path;
//   bench-crypto-h573.elf on stm32h573: PKA scalar multiplication and signing, AES-GCM on AES.
// Cycles are the simulator's clock (CPU cycles, including poll loops it skipped) between the
// firmware's BEGIN and END semihosting lines; the firmware's DWT_CYCCNT delta is checked against them.
// Usage: node --import tsx scripts/bench-crypto.ts
import { createCipheriv, createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Simulation } from '../emulator/harness/simulation.js';
import { fixture } from '../test/helpers/fixtures.js';

type Path = 'hw' | 'sw';

interface Measurement { cycles: number; dwtCycles: number; wallMs: number; ok: boolean; machine: string }

interface CryptoRun { measurements: Map<string, Measurement>; results: Map<string, string>; exitCode: number | undefined }

const OPERATIONS: Array<{ key: string; label: string }> = [
  { key: 'p256-scalar-mult', label: 'P-256 scalar multiplication' },
  { key: 'ecdsa-sign', label: 'ECDSA P-256 sign' },
  { key: 'ecdsa-verify', label: 'ECDSA P-256 verify' },
  { key: 'sha256-1mib', label: 'SHA-256, 1 MiB' },
  { key: 'aes-gcm-1mib', label: 'AES-128-GCM, 1 MiB (16 x 64 KiB)' },
];

async function runFirmware(name: string, machine: 'stm32h563' | 'stm32h573'): Promise<CryptoRun> {
  const measurements = new Map<string, Measurement>();
  const results = new Map<string, string>();
  const open = new Map<string, { cycles: number; wall: number }>();
  let pending = '';
  let sim: Simulation | undefined;
  const onLine = (text: string): void => {
    const wall = performance.now();
    const cycles = sim?.machine.clock.now ?? 0;
    const [kind, operation, path, value, status] = text.trim().split(/\s+/);
    const key = `${operation} ${path}`;
    if (kind === 'BEGIN') {
      open.set(key, { cycles, wall });
    } else if (kind === 'END') {
      const start = open.get(key);
      if (!start) throw new Error(`${name}: END without BEGIN: ${text}`);
      measurements.set(key, { cycles: cycles - start.cycles, dwtCycles: Number(value), wallMs: wall - start.wall, ok: status === 'ok', machine });
    } else if (kind === 'RESULT') {
      results.set(key, value ?? '');
    }
  };
  sim = await Simulation.load(fixture(name), {
    machine,
    console: (text) => {
      pending += text;
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        onLine(pending.slice(0, end));
        pending = pending.slice(end + 1);
      }
    },
  });
  try {
    const result = await sim.runFor('600s');
    if (result.reason !== 'exit') throw new Error(`${name} on ${machine} did not exit (${result.reason})\n${sim.consoleText.slice(-800)}`);
    return { measurements, results, exitCode: result.exitCode };
  } finally {
    await sim.close();
  }
}

/** The firmware's inputs (fill_buffer's generator, key, nonces, AAD), computed on the host with node:crypto. */
function hostReference(): Map<string, string> {
  const chunk = new Uint8Array(64 * 1024);
  let x = 0x12345678;
  for (let i = 0; i < chunk.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    chunk[i] = x >>> 24;
  }
  const sha = createHash('sha256');
  for (let pass = 0; pass < 16; pass++) sha.update(chunk);
  const key = Uint8Array.from({ length: 16 }, (_, i) => i);
  const aad = new TextEncoder().encode('bench-crypto\0');
  let data: Uint8Array = chunk;
  let tag = '';
  for (let pass = 0; pass < 16; pass++) {
    const cipher = createCipheriv('aes-128-gcm', key, Uint8Array.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0, 0, 0, 0, pass]));
    cipher.setAAD(aad);
    data = new Uint8Array(Buffer.concat([cipher.update(data), cipher.final()]));
    tag = cipher.getAuthTag().toString('hex');
  }
  return new Map([['sha256-1mib', sha.digest('hex')], ['aes-gcm-1mib', tag]]);
}

function column(text: string, width: number): string {
  return text.padStart(width);
}

/** Runs both builds and prints the table; returns the notes of any failed cross-check. */
export async function benchCrypto(): Promise<string[]> {
  const problems: string[] = [];
  const h563 = await runFirmware('bench-crypto', 'stm32h563');
  const h573 = await runFirmware('bench-crypto-h573', 'stm32h573');
  for (const [run, label] of [[h563, 'stm32h563'], [h573, 'stm32h573']] as const) {
    if (run.exitCode !== 0) problems.push(`bench-crypto on ${label} exited with ${String(run.exitCode)}`);
  }
  const find = (key: string, path: Path): Measurement | undefined => h563.measurements.get(`${key} ${path}`) ?? h573.measurements.get(`${key} ${path}`);
  const result = (key: string, path: Path): string | undefined => h563.results.get(`${key} ${path}`) ?? h573.results.get(`${key} ${path}`);

  process.stdout.write(`\ncrypto: peripheral (hw) vs software on the emulated core (sw); cycles = emulated CPU cycles\n`);
  process.stdout.write(`${'operation'.padEnd(36)}${column('hw cycles', 14)}${column('hw wall ms', 12)}${column('sw cycles', 15)}${column('sw wall ms', 12)}${column('speed-up', 10)}  note\n`);
  for (const { key, label } of OPERATIONS) {
    const hw = find(key, 'hw');
    const sw = find(key, 'sw');
    const notes: string[] = [];
    if (hw) notes.push(`hw on ${hw.machine}`);
    if (sw) notes.push(`sw on ${sw.machine}`);
    for (const [path, m] of [['hw', hw], ['sw', sw]] as const) {
      if (!m) { problems.push(`${key}: no ${path} measurement`); continue; }
      if (!m.ok) problems.push(`${key} ${path}: the firmware reported a failure`);
      // DWT_CYCCNT is 32 bits; the host clock brackets a few more instructions (the semihosting call).
      if (m.cycles < 2 ** 32 && Math.abs(m.dwtCycles - m.cycles) > Math.max(2000, m.cycles * 0.001)) {
        problems.push(`${key} ${path}: DWT_CYCCNT ${m.dwtCycles} vs clock ${m.cycles}`);
      }
    }
    const speedUp = hw && sw ? `${(sw.cycles / hw.cycles).toFixed(1)}x` : '-';
    process.stdout.write(`${label.padEnd(36)}${column(hw ? String(hw.cycles) : '-', 14)}${column(hw ? hw.wallMs.toFixed(1) : '-', 12)}`
      + `${column(sw ? String(sw.cycles) : '-', 15)}${column(sw ? sw.wallMs.toFixed(1) : '-', 12)}${column(speedUp, 10)}  ${notes.join(', ')}\n`);
  }
  // Cross-checks: the same inputs on both paths must give the same outputs, and the host's.
  const reference = hostReference();
  for (const key of ['sha256-1mib', 'p256-scalar-mult', 'aes-gcm-1mib']) {
    const hw = result(key, 'hw');
    const sw = result(key, 'sw');
    const host = reference.get(key);
    for (const [path, value] of [['hw', hw], ['sw', sw]] as const) {
      if (value === undefined) problems.push(`${key} ${path}: no result line`);
      else if (host !== undefined && value !== host) problems.push(`${key} ${path}: result ${value} differs from the host's ${host} (node:crypto)`);
    }
    if (host === undefined && hw !== undefined && sw !== undefined && hw !== sw) problems.push(`${key}: hw result ${hw} differs from sw result ${sw}`);
  }
  process.stdout.write('speed-up = sw cycles / hw cycles; wall ms = host time between the BEGIN/END lines (one run, machine under load)\n');
  for (const problem of problems) process.stdout.write(`crypto check: ${problem}\n`);
  return problems;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await benchCrypto();
}
