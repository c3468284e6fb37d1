// The one public harness (DESIGN.md decision 10). The CLI and users' own vitest suites drive the
// simulator through it: load an ELF, attach network and UART ends, run until a UART line, a
// virtual time, a predicate or an exit, read registers and memory, and close everything.
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Machine, SetupError, type MachineOptions } from '../machine/machine.js';
import { stm32h563 } from '../machine/stm32h563.js';
import { stm32h573 } from '../machine/stm32h573.js';
import type { MachineDescription } from '../machine/machine-description.js';
import type { CoreStop } from '../cpu/cortex-m33.js';
import { Reg } from '../core/engine.js';
import { parseDuration } from '../time/virtual-clock.js';
import { formatFaultReport, type FaultReport } from '../diagnostics/fault-report.js';
import { hex } from '../diagnostics/access-log.js';
import type { FramePort } from '../net/frame-port.js';
import { netClockFrom, openFramePort } from '../net/index.js';
import { isGpioPort, type GpioPort } from '../../peripherals/io/gpio.js';
import { KeyLogWriter, TlsInspector, symbolsFromElf, watchFirmwareKeySchedule, type FirmwareKeyLog } from '../tls/index.js';
import type { QueueSerialLink } from '../ports/serial-link.js';
import { MqttMonitor } from '../mqtt/monitor.js';
import { TraceDigest } from './trace-digest.js';

export const MACHINES: Record<string, MachineDescription> = { stm32h563, stm32h573 };

export type TimeMode = 'virtual' | 'realtime';

export interface SimulationOptions {
  machine?: 'stm32h563' | 'stm32h573' | MachineDescription;
  /** `user` (usernet), `tap:NAME`, `ws://HOST:PORT`, or `none` (default: none). */
  net?: string;
  pcap?: string;
  hostForwards?: string[];
  hosts?: string[];
  allow?: string[];
  /** Unmodelled register accesses become errors (tests use it). */
  strict?: boolean;
  /** Default: realtime when a network is attached, virtual otherwise. */
  timeMode?: TimeMode;
  entropy?: 'seeded' | 'host';
  seed?: number;
  /** Options passed to models (hseHz, rtcStart, deviceSecret, ...). */
  modelOptions?: Record<string, unknown>;
  /** Semihosting and ITM output (default: collected only). */
  console?: (text: string) => void;
  /** Access-log lines (default: collected only; `process.stderr` in the CLI). */
  log?: (line: string) => void;
  /** Keep the last N basic blocks for fault reports. */
  traceBlocks?: number;
  /** Unix time the simulated world starts at (SNTP, and the RTC with rtc: 'epoch'); default 2026-01-01T00:00:00Z. */
  epochSeconds?: number;
  /**
   * The RTC calendar at power-up. 'reset' (default): as after a backup-domain reset, RM0481's reset
   * values with INITS = 0, so HAL/CubeMX code does its cold-boot RTC set-up. 'epoch': preset to
   * epochSeconds as a battery-kept backup domain would hold it (INITS = 1, running). 'host': the
   * same, with epochSeconds defaulting to the host's wall clock (not reproducible).
   */
  rtc?: 'reset' | 'epoch' | 'host';
  /** Write an NSS key log here (secrets watched in the firmware's TLS 1.3 key schedule via its ELF symbols). */
  keylog?: string;
  /** Watch the firmware's key schedule even without a key log file (the inspector then decrypts). */
  firmwareKeys?: boolean;
  /** Keep a running digest of the run's trace (`Simulation.digest`); default true. */
  traceDigest?: boolean;
}

export type RunReason = 'exit' | 'timeout' | 'condition' | 'fault' | 'lockup' | 'breakpoint' | 'watchpoint' | 'sleeping-forever' | 'model-error';

export interface RunResult {
  reason: RunReason;
  exitCode?: number;
  fault?: FaultReport;
  error?: unknown;
  /** Virtual seconds since reset. */
  virtualSeconds: number;
  cycles: number;
}

export interface WaitOptions {
  /** Virtual time limit, e.g. '10s', '250ms', or '10s virtual'. */
  timeout?: string | number;
}

const DEFAULT_EPOCH = Date.UTC(2026, 0, 1) / 1000;
/** Virtual time run between checks of host input and stop conditions: short with a network (host
 * sockets answer within the chunk), longer without one (fewer trips through the event loop). */
const CHUNK_SECONDS_NETWORK = 0.001;
const CHUNK_SECONDS_ALONE = 0.02;

function toSeconds(value: string | number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return typeof value === 'number' ? value : parseDuration(value);
}

export class UartHandle {
  private readonly link: QueueSerialLink;
  private buffer = '';
  /** Output not yet joined into `buffer`. The UART delivers a byte or a few at a time, and a
   *  string grown by `+=` per byte keeps one rope node (~32 bytes) per append until it is
   *  flattened: in a long run that was most of the heap the simulator held. */
  private pending: string[] = [];
  private readonly lineListeners: Array<(line: string) => void> = [];
  private partial = '';

  constructor(private readonly simulation: Simulation, readonly name: string) {
    this.link = simulation.machine.serial.link(name);
    this.link.onData((bytes) => {
      const text = String.fromCharCode(...bytes);
      this.pending.push(text);
      if (this.pending.length >= 4096) this.joinPending();
      this.partial += text;
      let newline: number;
      while ((newline = this.partial.indexOf('\n')) >= 0) {
        const line = this.partial.slice(0, newline).replace(/\r$/, '');
        this.partial = this.partial.slice(newline + 1);
        for (const listener of this.lineListeners) listener(line);
      }
    });
  }

  /** Everything the firmware sent on this UART so far (the last 2 to 4 MiB of a long run). */
  text(): string {
    this.joinPending();
    return this.buffer;
  }

  private joinPending(): void {
    if (this.pending.length === 0) return;
    this.buffer += this.pending.join('');
    this.pending = [];
    if (this.buffer.length > 1 << 22) this.buffer = this.buffer.slice(-(1 << 21));
  }

  onLine(listener: (line: string) => void): void {
    this.lineListeners.push(listener);
  }

  onData(listener: (text: string) => void): void {
    this.link.onData((bytes) => listener(String.fromCharCode(...bytes)));
  }

  /** Sends bytes to the firmware's receiver (paced at the UART's baud rate by the model). */
  send(data: string | Uint8Array): void {
    this.link.send(data);
  }

  /** Runs until a complete line (without its line ending) matches; resolves with the match. */
  async waitForLine(pattern: RegExp | string, options: WaitOptions = {}): Promise<RegExpMatchArray> {
    const regex = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
    let found: RegExpMatchArray | null = null;
    const listener = (line: string) => { if (!found) found = line.match(regex); };
    this.lineListeners.push(listener);
    try {
      const result = await this.simulation.runUntil(() => found !== null, options);
      if (found) return found;
      throw new Error(`${this.name} printed no line matching ${regex} (${result.reason} after ${result.virtualSeconds.toFixed(3)} s virtual)\n--- ${this.name} output ---\n${this.text().slice(-2000)}`);
    } finally {
      this.lineListeners.splice(this.lineListeners.indexOf(listener), 1);
    }
  }

  /** Runs until the UART output matches; resolves with the match, rejects on timeout or exit. */
  async waitFor(pattern: RegExp | string, options: WaitOptions = {}): Promise<RegExpMatchArray> {
    const regex = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
    const start = this.text().length;
    let found: RegExpMatchArray | null = null;
    const search = () => (found = this.text().slice(Math.max(0, start - 4096)).match(regex)) !== null;
    const result = await this.simulation.runUntil(search, options);
    // Output printed in the last slice (just before an exit or a fault) counts too.
    if (found || search()) return found!;
    throw new Error(`${this.name} did not print ${regex} (${result.reason} after ${result.virtualSeconds.toFixed(3)} s virtual)${result.fault ? `\n${formatFaultReport(result.fault)}` : ''}\n--- ${this.name} output ---\n${this.text().slice(-2000)}`);
  }
}

export class Simulation extends EventEmitter {
  readonly machine: Machine;
  readonly timeMode: TimeMode;
  private readonly uarts = new Map<string, UartHandle>();
  private port: FramePort | null = null;
  private wallStart = 0;
  private virtualAtWallStart = 0;
  private finished: RunResult | null = null;
  private closed = false;
  private readonly epoch: number;
  /** Output of semihosting and ITM not yet joined (ITM delivers one character at a time). */
  private consolePending: string[] = [];
  private consoleJoined = '';
  /** Decodes the board's TLS connections (present when a network is attached). */
  tls: TlsInspector | null = null;
  /** MQTT packets on the cable, from the inspector's streams (present when a network is attached).
   *  Inside TLS it needs secrets: `keylog`/`firmwareKeys`, `watchFirmwareKeys()`, or lines in `keys`. */
  mqtt: MqttMonitor | null = null;
  readonly keys: KeyLogWriter;
  /** Firmware-side key log: null when not asked for; `keylogError` says why it could not start. */
  firmwareKeyLog: FirmwareKeyLog | null = null;
  keylogError: string | undefined;
  /** Running hash of peripheral writes, frames, UART output and the end of the run. */
  trace: TraceDigest | null = null;

  private constructor(machine: Machine, readonly options: SimulationOptions, timeMode: TimeMode) {
    super();
    this.machine = machine;
    this.timeMode = timeMode;
    this.epoch = options.epochSeconds ?? DEFAULT_EPOCH;
    this.keys = new KeyLogWriter(options.keylog);
  }

  /** Loads an ELF into a fresh machine and resets it. Errors are SetupError/ElfError with one clear line. */
  static async load(elf: string | Uint8Array, options: SimulationOptions = {}): Promise<Simulation> {
    const bytes = typeof elf === 'string' ? await readFile(elf).catch((error: NodeJS.ErrnoException) => {
      throw new SetupError(`cannot read ${elf}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
    }) : elf;
    const description = typeof options.machine === 'object' ? options.machine : MACHINES[options.machine ?? 'stm32h563'];
    if (!description) throw new SetupError(`unknown machine "${String(options.machine)}" (known: ${Object.keys(MACHINES).join(', ')})`);
    let simulation: Simulation | undefined;
    if (options.rtc !== undefined && !['reset', 'epoch', 'host'].includes(options.rtc)) {
      throw new SetupError(`rtc is reset, epoch or host, not "${String(options.rtc)}"`);
    }
    // 'host' resolves to a fixed epoch here, so a recording of this run replays with the same calendar.
    if (options.rtc === 'host') options = { ...options, rtc: 'epoch', epochSeconds: options.epochSeconds ?? Math.floor(Date.now() / 1000) };
    const epoch = options.epochSeconds ?? DEFAULT_EPOCH;
    const rtcPreset = options.rtc === 'epoch' ? { rtcStart: new Date(epoch * 1000).toISOString() } : {};
    const machineOptions: MachineOptions = {
      strict: options.strict,
      entropy: options.entropy,
      seed: options.seed,
      modelOptions: { ...rtcPreset, ...options.modelOptions },
      console: (text) => {
        if (simulation) simulation.appendConsole(text);
        options.console?.(text);
      },
      logSink: options.log ?? (() => {}),
      traceBlocks: options.traceBlocks,
    };
    const machine = new Machine(description, machineOptions);
    const net = options.net ?? 'none';
    const timeMode = options.timeMode ?? (net === 'none' ? 'virtual' : 'realtime');
    simulation = new Simulation(machine, options, timeMode);
    try {
      machine.loadElf(bytes, typeof elf === 'string' ? elf : '<memory>');
      if (net !== 'none') await simulation.attachNetwork(net);
    } catch (error) {
      await simulation.close();
      throw error;
    }
    if (options.traceDigest !== false) simulation.attachTraceDigest();
    machine.reset();
    return simulation;
  }

  private async attachNetwork(net: string): Promise<void> {
    const port = await openFramePort({
      net,
      clock: netClockFrom(this.machine.clock),
      now: () => this.epoch + this.machine.clock.seconds,
      pcap: this.options.pcap,
      hostForwards: this.options.hostForwards,
      hosts: this.options.hosts,
      allow: this.options.allow,
      log: (message) => this.options.log?.(`net: ${message}`),
    });
    this.port = port;
    const ethernet = this.machine.ethernet.get('ETH');
    if (!ethernet) {
      await port.close();
      throw new SetupError(`machine ${this.machine.description.name} has no Ethernet MAC to attach --net ${net} to`);
    }
    ethernet.connect(port);
    const inspector = new TlsInspector({ keys: this.keys.keys });
    this.tls = inspector;
    ethernet.tap((direction, frame) => inspector.feed(direction, frame, this.machine.clock.seconds));
    this.uart('USART3').onLine((line) => inspector.noteConsoleLine(line, this.machine.clock.seconds));
    inspector.on('handshake-failed', (event) => this.emit('tls-failure', event));
    inspector.on('alert', (event) => this.emit('tls-alert', event));
    this.mqtt = new MqttMonitor(inspector)
      .onPacket((event) => this.emit('mqtt-packet', event))
      .onError((event) => this.emit('mqtt-error', event));
    if (this.options.keylog || this.options.firmwareKeys) this.watchFirmwareKeys();
  }

  /**
   * Starts watching the firmware's TLS 1.3 key schedule (ELF symbols), so the inspector and the
   * MQTT monitor read its encrypted records; true when it runs. Idempotent; `keylogError` says why not.
   */
  watchFirmwareKeys(): boolean {
    if (this.firmwareKeyLog) return true;
    if (this.keylogError !== undefined) return false;
    const engine = this.machine.engine;
    try {
      this.firmwareKeyLog = watchFirmwareKeySchedule({
        symbols: symbolsFromElf(this.machine.elf?.symbols ?? []),
        readMemory: (address, length) => this.readMemory(address, length),
        onFunctionEntry: (address, callback) => engine.addCodeHook(address & ~1, address & ~1, () => callback({
          r0: engine.readRegister(Reg.R0), r1: engine.readRegister(Reg.R1), r2: engine.readRegister(Reg.R2),
          r3: engine.readRegister(Reg.R3), sp: engine.readRegister(Reg.SP),
        })),
      }, this.keys);
    } catch (error) {
      this.keylogError = (error as Error).message;
      this.options.log?.(this.keylogError);
      return false;
    }
    return true;
  }

  private attachTraceDigest(): void {
    const trace = new TraceDigest(this.machine);
    this.trace = trace;
    this.on('stop', (result: RunResult) => {
      if (['exit', 'fault', 'lockup', 'sleeping-forever', 'model-error'].includes(result.reason)) trace.finish(result.reason, result.exitCode, this.machine.clock.now);
    });
  }

  /** Hex digest of the trace so far (empty string when disabled): equal digests, equal runs. */
  get digest(): string {
    return this.trace?.hex() ?? '';
  }

  /** Hands queued host frames to the board's MACs (the run loop does this between chunks; a
   * debugger that drives execution itself calls it before each of its chunks). */
  deliverHostInput(): void {
    for (const link of this.machine.ethernet.values()) link.deliverPending();
  }

  /** The FramePort the board's MAC is connected to (for wrappers and taps). */
  get network(): FramePort | null {
    return this.port;
  }

  uart(name = 'USART3'): UartHandle {
    let handle = this.uarts.get(name);
    if (!handle) {
      handle = new UartHandle(this, name);
      this.uarts.set(name, handle);
    }
    return handle;
  }

  /** Output of semihosting and ITM (the last 2 to 4 MiB of a long run). */
  get consoleText(): string {
    if (this.consolePending.length > 0) {
      this.consoleJoined += this.consolePending.join('');
      this.consolePending = [];
      if (this.consoleJoined.length > 1 << 22) this.consoleJoined = this.consoleJoined.slice(-(1 << 21));
    }
    return this.consoleJoined;
  }

  private appendConsole(text: string): void {
    this.consolePending.push(text);
    if (this.consolePending.length >= 4096) void this.consoleText;
  }

  get virtualSeconds(): number {
    return this.machine.clock.seconds;
  }

  get result(): RunResult | null {
    return this.finished;
  }

  /** Runs for a span of virtual time (e.g. '5s'). */
  runFor(duration: string | number): Promise<RunResult> {
    return this.runUntil(() => false, { timeout: duration });
  }

  /**
   * Runs until `predicate` holds (checked between slices of at most 1 ms virtual), the firmware
   * exits or faults, or the virtual timeout passes.
   */
  async runUntil(predicate: (simulation: Simulation) => boolean, options: WaitOptions = {}): Promise<RunResult> {
    if (this.finished) return this.finished;
    const clock = this.machine.clock;
    const timeout = toSeconds(options.timeout, 10);
    const deadline = clock.seconds + timeout;
    const startCycles = clock.now;
    if (this.wallStart === 0) {
      this.wallStart = performance.now();
      this.virtualAtWallStart = clock.seconds;
    }
    const result = (reason: RunReason, extra: Partial<RunResult> = {}): RunResult => ({
      reason, virtualSeconds: clock.seconds, cycles: clock.now - startCycles, ...extra,
    });
    for (;;) {
      if (this.closed) return result('condition');
      for (const link of this.machine.ethernet.values()) link.deliverPending();
      if (predicate(this)) return result('condition');
      const remaining = deadline - clock.seconds;
      if (remaining <= 0) return result('timeout');
      const chunkSeconds = Math.min(remaining, this.port ? CHUNK_SECONDS_NETWORK : CHUNK_SECONDS_ALONE);
      const cycles = Math.max(1, Math.round(chunkSeconds * clock.frequencyHz));
      const { stop } = this.machine.core.run(cycles);
      const final = this.finalResult(stop, result);
      if (final) {
        this.finished = final.reason === 'breakpoint' || final.reason === 'watchpoint' ? null : final;
        if (final.fault) this.emit('fault', final.fault);
        this.emit('stop', final);
        return final;
      }
      if (this.timeMode === 'realtime') {
        const ahead = (clock.seconds - this.virtualAtWallStart) - (performance.now() - this.wallStart) / 1000;
        if (ahead > 0.002) await new Promise((resolve) => setTimeout(resolve, Math.min(ahead * 1000, 50)));
        else await yieldToEventLoop();
      } else {
        await yieldToEventLoop();
      }
    }
  }

  private finalResult(stop: CoreStop, result: (reason: RunReason, extra?: Partial<RunResult>) => RunResult): RunResult | null {
    switch (stop.kind) {
      case 'budget': return null;
      case 'exit': return result('exit', { exitCode: stop.code });
      case 'lockup': return result('lockup', { fault: stop.report });
      case 'fault-loop': return result('fault', { fault: stop.report });
      case 'breakpoint': return result('breakpoint');
      case 'watchpoint': return result('watchpoint');
      case 'halted': return result('condition');
      case 'sleeping-forever':
        // Nothing is scheduled; with a network attached, host input may still wake the firmware.
        if (this.port) return null;
        return result('sleeping-forever');
      case 'model-error': return result('model-error', { error: stop.error });
    }
  }

  /** Side-effect-free memory read (flash, SRAM, peripheral registers through their `peek`). */
  readMemory(address: number, length: number): Uint8Array {
    const bytes = this.machine.bus.debugRead(address >>> 0, length);
    if (!bytes) throw new Error(`nothing is mapped at ${hex(address)} (${length} bytes)`);
    return bytes;
  }

  readWord(address: number): number {
    const b = this.readMemory(address, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  writeMemory(address: number, data: Uint8Array): void {
    if (!this.machine.bus.debugWrite(address >>> 0, data)) throw new Error(`nothing is mapped at ${hex(address)}`);
    this.machine.engine.invalidateCode(address, address + data.byteLength);
  }

  /**
   * A core register ('r0'…'r12', 'sp', 'lr', 'pc', 'xpsr', 'msp', 'psp', 'control', 'primask',
   * 'basepri', 'faultmask') or a peripheral register as 'USART3.ISR' (read without side effects).
   */
  readRegister(name: string): number {
    const core: Record<string, number> = {
      r0: Reg.R0, r1: Reg.R1, r2: Reg.R2, r3: Reg.R3, r4: Reg.R4, r5: Reg.R5, r6: Reg.R6, r7: Reg.R7, r8: Reg.R8,
      r9: Reg.R9, r10: Reg.R10, r11: Reg.R11, r12: Reg.R12, sp: Reg.SP, lr: Reg.LR, pc: Reg.PC, xpsr: Reg.XPSR,
      msp: Reg.MSP, psp: Reg.PSP, control: Reg.CONTROL, primask: Reg.PRIMASK, basepri: Reg.BASEPRI, faultmask: Reg.FAULTMASK,
    };
    const id = core[name.toLowerCase()];
    if (id !== undefined) return this.machine.engine.readRegister(id);
    const [peripheralName, register] = name.split('.');
    const model = peripheralName ? this.machine.models.get(peripheralName) : undefined;
    const regs = (model as { regs?: { has(n: string): boolean; offsetOf(n: string): number } } | undefined)?.regs;
    if (!model || !register || !regs?.has(register)) throw new Error(`unknown register "${name}" (core registers, or PERIPHERAL.REGISTER such as USART3.ISR)`);
    return model.peek(regs.offsetOf(register), 4) >>> 0;
  }

  /** Address of an ELF symbol (functions without the Thumb bit). */
  symbol(name: string): number {
    const symbol = this.machine.symbols.lookup(name);
    if (!symbol) throw new Error(`no symbol "${name}" in the ELF`);
    return symbol.type === 'function' ? symbol.value & ~1 : symbol.value;
  }

  /** Where the CPU is, as "function+offset". */
  describeAddress(address: number): string | undefined {
    return this.machine.symbols.describe(address);
  }

  gpio(port: string): GpioPort {
    const model = this.machine.models.get(`GPIO${port.toUpperCase()}`);
    if (!model || !isGpioPort(model)) throw new Error(`no GPIO port ${port}`);
    return model;
  }

  /** Level a pin such as 'PB0' drives, or undefined when it is not configured as an output. */
  pinOutput(pin: string): 0 | 1 | undefined {
    const match = /^P([A-I])(\d{1,2})$/i.exec(pin);
    if (!match) throw new Error(`pin "${pin}" is not of the form PB0`);
    return this.gpio(match[1]!).outputLevel(Number(match[2]));
  }

  /** Plugs or unplugs the Ethernet cable. */
  setLink(up: boolean): void {
    for (const link of this.machine.ethernet.values()) link.setLink(up);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.port) await this.port.close();
    this.machine.close();
  }
}
