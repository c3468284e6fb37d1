// Record and replay of a run's host-side inputs, so a run against a real network (in realtime or
// virtual time) can be reproduced exactly, offline, in virtual time.
//
// A recording captures everything the host handed the board and when, in virtual cycles, plus the
// exact sequence of core run calls (budgets), because where the run loop cuts its chunks decides
// where interrupts that wait on a masked core are taken: a replay that chunked differently could
// diverge. Interrupt timing is otherwise a function of the clock, so the inputs and the budgets
// are enough.
//
// File format (`.h5rec`): JSON lines, UTF-8, one object a line.
//   line 1, the header:
//     {"format":"h5rec","version":1,
//      "elf":{"path":"fw.elf","sha256":"<hex>"},
//      "options":{"machine":"stm32h563","seed":N,"entropy":"seeded","modelOptions":{…},"epochSeconds":N,"rtc":"epoch","strict":bool,"traceBlocks":N},
//      "network":bool,              a FramePort was attached (the run loop then uses 1 ms chunks)
//      "links":{"ETH":true}}        cable state of each Ethernet link when the recording started
//   then, in the order they happened:
//     {"t":"run","budget":N,"n":K[,"step":true]}       K consecutive core runs of N cycles (a run that a
//                                                      breakpoint or halt cut short is stored with the
//                                                      cycles it really ran)
//     {"t":"frame","link":"ETH","cycle":C,"data":"<hex>"}     a frame handed to the MAC at cycle C
//     {"t":"uart","name":"USART3","cycle":C,"data":"<hex>"[,"inRun":true]}
//                                                      bytes the host queued for a UART (inRun: from a
//                                                      listener while the core was running)
//     {"t":"link","link":"ETH","cycle":C,"up":bool}    cable plugged or unplugged
//   last line:
//     {"t":"end","cycle":C,"digest":"<hex>","uart":{"USART3":"<sha256 of its output>"}}
// Byte arrays inside model options are written as {"$bytes":"<hex>"}.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { SetupError } from '../machine/machine.js';
import type { CoreStop } from '../cpu/cortex-m33.js';
import { Simulation, type SimulationOptions } from './simulation.js';

export const RECORD_FORMAT = 'h5rec';
export const RECORD_VERSION = 1;

export interface RecordHeader {
  format: typeof RECORD_FORMAT;
  version: number;
  elf: { path: string; sha256: string };
  options: Pick<SimulationOptions, 'seed' | 'entropy' | 'modelOptions' | 'epochSeconds' | 'rtc' | 'strict' | 'traceBlocks'> & { machine: 'stm32h563' | 'stm32h573' };
  network: boolean;
  links: Record<string, boolean>;
}

export type RecordEntry =
  | { t: 'run'; budget: number; n: number; step?: true }
  | { t: 'frame'; link: string; cycle: number; data: string }
  | { t: 'uart'; name: string; cycle: number; data: string; inRun?: true }
  | { t: 'link'; link: string; cycle: number; up: boolean }
  | { t: 'end'; cycle: number; digest: string; uart: Record<string, string> };

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

function encodeValue(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? { $bytes: toHex(value) } : value;
}

function decodeValue(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && typeof (value as { $bytes?: unknown }).$bytes === 'string') return fromHex((value as { $bytes: string }).$bytes);
  return value;
}

function uartDigests(simulation: Simulation): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of simulation.machine.serial.names()) {
    const text = simulation.machine.serial.link(name).text();
    if (text.length > 0) out[name] = sha256(Buffer.from(text, 'latin1'));
  }
  return out;
}

/** Records a simulation's host inputs from now on; attach right after `Simulation.load`. */
export class Recorder {
  readonly header: RecordHeader;
  readonly entries: RecordEntry[] = [];
  private inRun = false;
  private active = true;
  private readonly restore: Array<() => void> = [];

  constructor(readonly simulation: Simulation, elf: { path: string; bytes: Uint8Array }) {
    const options = simulation.options;
    const machine = options.machine ?? 'stm32h563';
    if (typeof machine !== 'string') throw new SetupError('recording needs a named machine (stm32h563 or stm32h573)');
    if (options.entropy === 'host') throw new SetupError('recording needs --entropy seeded: host entropy cannot be replayed');
    const clock = simulation.machine.clock;
    const links: Record<string, boolean> = {};
    for (const [name, link] of simulation.machine.ethernet) links[name] = link.linkUp;
    this.header = {
      format: RECORD_FORMAT,
      version: RECORD_VERSION,
      elf: { path: elf.path, sha256: sha256(elf.bytes) },
      options: {
        machine, seed: options.seed, entropy: options.entropy, modelOptions: options.modelOptions,
        epochSeconds: options.epochSeconds, rtc: options.rtc ?? 'reset', strict: options.strict, traceBlocks: options.traceBlocks,
      },
      network: simulation.network !== null,
      links,
    };

    const core = simulation.machine.core;
    const run = core.run;
    core.run = (budget, runOptions = {}) => {
      this.inRun = true;
      let outcome;
      try {
        outcome = run.call(core, budget, runOptions);
      } finally {
        this.inRun = false;
      }
      const cut = outcome.stop.kind === 'halted' || outcome.stop.kind === 'breakpoint' || outcome.stop.kind === 'watchpoint';
      this.addRun(cut ? outcome.cycles : budget, runOptions.singleStep === true);
      return outcome;
    };
    this.restore.push(() => { core.run = run; });

    for (const [name, link] of simulation.machine.ethernet) {
      link.tap((direction, frame) => {
        if (direction === 'rx' && this.active) this.entries.push({ t: 'frame', link: name, cycle: clock.now, data: toHex(frame) });
      });
      link.onLinkChange((up) => {
        if (this.active) this.entries.push({ t: 'link', link: name, cycle: clock.now, up });
      });
    }
    for (const name of simulation.machine.serial.names()) {
      const link = simulation.machine.serial.link(name);
      const send = link.send;
      link.send = (data) => {
        const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
        if (bytes.length > 0 && this.active) {
          this.entries.push({ t: 'uart', name, cycle: clock.now, data: toHex(bytes), ...(this.inRun ? { inRun: true as const } : {}) });
        }
        send.call(link, bytes);
      };
      this.restore.push(() => { link.send = send; });
    }
  }

  private addRun(budget: number, step: boolean): void {
    if (!this.active) return;
    const last = this.entries[this.entries.length - 1];
    if (last?.t === 'run' && last.budget === budget && (last.step ?? false) === step) last.n++;
    else this.entries.push(step ? { t: 'run', budget, n: 1, step: true } : { t: 'run', budget, n: 1 });
  }

  /** Stops recording and returns the file's text (header, entries, end line). */
  finish(): string {
    if (this.active) {
      this.active = false;
      for (const undo of this.restore) undo();
      this.entries.push({ t: 'end', cycle: this.simulation.machine.clock.now, digest: this.simulation.digest, uart: uartDigests(this.simulation) });
    }
    return [this.header, ...this.entries].map((entry) => JSON.stringify(entry, encodeValue)).join('\n') + '\n';
  }

  save(path: string): void {
    writeFileSync(path, this.finish());
  }
}

/** Starts recording a freshly loaded simulation of the ELF at `elfPath`. */
export function startRecording(simulation: Simulation, elfPath: string): Recorder {
  return new Recorder(simulation, { path: elfPath, bytes: readFileSync(elfPath) });
}

export interface Recording {
  header: RecordHeader;
  entries: RecordEntry[];
  end: Extract<RecordEntry, { t: 'end' }> | undefined;
}

export function parseRecording(text: string): Recording {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const parse = (line: string, index: number): unknown => {
    try {
      return JSON.parse(line, decodeValue);
    } catch {
      throw new SetupError(`recording line ${index + 1} is not JSON`);
    }
  };
  const header = parse(lines[0] ?? '', 0) as RecordHeader;
  if (header?.format !== RECORD_FORMAT) throw new SetupError('not an h5sim recording (no h5rec header)');
  if (header.version !== RECORD_VERSION) throw new SetupError(`recording version ${header.version} (this h5sim reads ${RECORD_VERSION})`);
  const entries = lines.slice(1).map((line, i) => parse(line, i + 1) as RecordEntry);
  const last = entries[entries.length - 1];
  return { header, entries, end: last?.t === 'end' ? last : undefined };
}

export interface ReplayOptions {
  /** The ELF to load instead of the recorded path (its sha256 must still match). */
  elf?: string;
  console?: (text: string) => void;
  log?: (line: string) => void;
  /** Called once the simulation is loaded, before the first input (echo UARTs, attach a debugger…). */
  onLoad?: (simulation: Simulation) => void;
  /** Keep the simulation open (the caller closes it). */
  keepOpen?: boolean;
}

export interface ReplayResult {
  digest: string;
  recordedDigest: string | undefined;
  matches: boolean;
  /** Inputs that could not be handed over at their recorded cycle (a diverging replay). */
  lateInputs: number;
  exitCode: number | undefined;
  cycles: number;
  /** Output of each UART that sent something. */
  uart: Record<string, string>;
  uartMatches: boolean;
  simulation: Simulation;
}

function finalReason(stop: CoreStop, network: boolean): string | undefined {
  switch (stop.kind) {
    case 'exit': return 'exit';
    case 'lockup': return 'lockup';
    case 'fault-loop': return 'fault';
    case 'model-error': return 'model-error';
    case 'sleeping-forever': return network ? undefined : 'sleeping-forever';
    default: return undefined;
  }
}

async function loadRecording(recording: string | Recording): Promise<Recording> {
  if (typeof recording !== 'string') return recording;
  if (recording.includes('\n')) return parseRecording(recording);
  return parseRecording(await readFile(recording, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new SetupError(`cannot read ${recording}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  }));
}

/** Loads the recorded ELF (checked by sha256) into a simulation with no network, as recorded. */
async function loadReplaySimulation(header: RecordHeader, options: ReplayOptions): Promise<Simulation> {
  const elfPath = options.elf ?? header.elf.path;
  const bytes = await readFile(elfPath).catch((error: NodeJS.ErrnoException) => {
    throw new SetupError(`cannot read ${elfPath}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  const actual = sha256(bytes);
  if (actual !== header.elf.sha256) throw new SetupError(`${elfPath} is not the recorded firmware (sha256 ${actual.slice(0, 16)}…, recorded ${header.elf.sha256.slice(0, 16)}…)`);
  // Recordings made before the rtc option existed ran with the RTC preset to the epoch.
  const simulation = await Simulation.load(bytes, {
    ...header.options, rtc: header.options.rtc ?? 'epoch', net: 'none', timeMode: 'virtual', console: options.console, log: options.log,
  });
  for (const [name, up] of Object.entries(header.links)) simulation.machine.ethernet.get(name)?.setLink(up);
  return simulation;
}

/** Hands one recorded host input to the machine; returns false when it is off its recorded cycle. */
function applyInput(simulation: Simulation, header: RecordHeader, entry: Exclude<RecordEntry, { t: 'run' } | { t: 'end' }>): boolean {
  const machine = simulation.machine;
  const clock = machine.clock;
  const ethernet = (name: string) => {
    const link = machine.ethernet.get(name);
    if (!link) throw new SetupError(`the recording names Ethernet link ${name}, which machine ${header.options.machine} lacks`);
    return link;
  };
  switch (entry.t) {
    case 'frame': {
      const link = ethernet(entry.link);
      link.inject(fromHex(entry.data));
      link.deliverPending();
      return entry.cycle === clock.now;
    }
    case 'uart': {
      const link = machine.serial.link(entry.name);
      const data = fromHex(entry.data);
      if (entry.inRun && entry.cycle > clock.now) {
        clock.afterCycles(entry.cycle - clock.now, () => link.send(data), 'replayed UART input');
        return true;
      }
      link.send(data);
      return entry.cycle === clock.now;
    }
    case 'link':
      ethernet(entry.link).setLink(entry.up);
      return entry.cycle === clock.now;
  }
}

function uartTexts(simulation: Simulation): Record<string, string> {
  const uart: Record<string, string> = {};
  for (const name of simulation.machine.serial.names()) {
    const text = simulation.machine.serial.link(name).text();
    if (text.length > 0) uart[name] = text;
  }
  return uart;
}

/** Replays a recording (file path or its text) in virtual time with no network attached. */
export async function replay(recording: string | Recording, options: ReplayOptions = {}): Promise<ReplayResult> {
  const { header, entries, end } = await loadRecording(recording);
  const simulation = await loadReplaySimulation(header, options);
  try {
    const machine = simulation.machine;
    const clock = machine.clock;
    options.onLoad?.(simulation);
    let lateInputs = 0;
    let exitCode: number | undefined;
    for (const entry of entries) {
      if (entry.t === 'end') continue;
      if (entry.t !== 'run') {
        if (!applyInput(simulation, header, entry)) lateInputs++;
        continue;
      }
      for (let i = 0; i < entry.n; i++) {
        const { stop } = machine.core.run(entry.budget, entry.step ? { singleStep: true } : {});
        const reason = finalReason(stop, header.network);
        if (reason) {
          if (stop.kind === 'exit') exitCode = stop.code;
          simulation.trace?.finish(reason, stop.kind === 'exit' ? stop.code : undefined, clock.now);
        }
      }
    }
    const digest = simulation.digest;
    const uartMatches = end === undefined || JSON.stringify(uartDigests(simulation)) === JSON.stringify(end.uart);
    return {
      digest, recordedDigest: end?.digest, matches: end !== undefined && end.digest === digest && end.cycle === clock.now,
      lateInputs, exitCode, cycles: clock.now, uart: uartTexts(simulation), uartMatches, simulation,
    };
  } finally {
    if (!options.keepOpen) await simulation.close();
  }
}

export interface ReplayDebugOptions extends ReplayOptions {
  /** Replay exactly (recorded run budgets) up to this cycle before the debugger takes over; default 0. */
  atCycle?: number;
  /** Starts the debugger on the machine; gets `beforeChunk` to call before each execution chunk and
   * `chunkCycles` to read as the size of the next chunk. */
  startDebugger: (simulation: Simulation, hooks: { beforeChunk: () => void; chunkCycles: () => number }) => Promise<void>;
}

/**
 * Replays exactly up to `atCycle`, then lets a debugger drive the core. From there the remaining
 * inputs are handed over when the clock reaches their recorded cycle: the debugger's chunks are cut
 * to end there, but its chunking differs from the recorded one, so the trace may drift (counted in
 * `lateInputs` when an input lands late; a single step can overshoot by its instruction).
 */
export async function replayUnderDebugger(recording: string | Recording, options: ReplayDebugOptions): Promise<{ simulation: Simulation; lateInputs: () => number }> {
  const { header, entries } = await loadRecording(recording);
  const simulation = await loadReplaySimulation(header, options);
  const machine = simulation.machine;
  const clock = machine.clock;
  options.onLoad?.(simulation);
  const atCycle = options.atCycle ?? 0;
  let index = 0;
  let late = 0;
  exact: for (; index < entries.length; index++) {
    const entry = entries[index]!;
    if (entry.t === 'end') continue;
    if (entry.t !== 'run') {
      if (!applyInput(simulation, header, entry)) late++;
      continue;
    }
    for (let i = 0; i < entry.n; i++) {
      if (clock.now >= atCycle) break exact;
      const budget = Math.min(entry.budget, atCycle - clock.now);
      const { stop } = machine.core.run(budget, entry.step ? { singleStep: true } : {});
      if (finalReason(stop, header.network)) break exact;
      if (budget < entry.budget) break exact;
    }
  }
  const inputs = entries.slice(index).filter((entry): entry is Exclude<RecordEntry, { t: 'run' } | { t: 'end' }> => entry.t !== 'run' && entry.t !== 'end' && entry.cycle >= clock.now);
  let next = 0;
  const beforeChunk = () => {
    while (next < inputs.length && inputs[next]!.cycle <= clock.now) {
      if (!applyInput(simulation, header, inputs[next]!)) late++;
      next++;
    }
  };
  const chunkCycles = () => (next < inputs.length ? Math.max(1, Math.min(4_000_000, inputs[next]!.cycle - clock.now)) : 4_000_000);
  await options.startDebugger(simulation, { beforeChunk, chunkCycles });
  return { simulation, lateInputs: () => late };
}
