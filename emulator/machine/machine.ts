// Builds a running machine from a machine table: memory regions (host buffers shared with the
// engine), the Cortex-M33 system blocks, every peripheral model (or a named stub), IRQ wiring.
import { UnicornEngine } from '../core/unicorn.js';
import type { Engine } from '../core/engine.js';
import { Bus, type MemoryProgrammer, type MemoryRegion } from '../bus/bus.js';
import { VirtualClock } from '../time/virtual-clock.js';
import { AccessLog, hex } from '../diagnostics/access-log.js';
import { Nvic } from '../cpu/nvic.js';
import { SystemControlSpace, type CoreHooks } from '../cpu/system-control.js';
import { Dwt, Fpb, Itm } from '../cpu/debug-blocks.js';
import { CortexM33, type CoreOptions } from '../cpu/cortex-m33.js';
import { SerialHub } from '../ports/serial-link.js';
import { HostEthernetLink } from '../harness/host-links.js';
import { ElfError, ElfFile, PT_LOAD, SymbolTable } from '../elf/elf-file.js';
import {
  ALWAYS_CLOCKED, SignalHub, SimpleIrqLine,
  type ClockQuery, type HostServices, type Peripheral, type PeripheralContext,
} from '../../peripherals/core/peripheral.js';
import { modelFactory, registeredModels } from '../../peripherals/index.js';
import type { MachineDescription, PeripheralDescription } from './machine-description.js';

export interface MachineOptions {
  strict?: boolean;
  entropy?: 'seeded' | 'host';
  seed?: number;
  /** Model options (hseHz, rtcStart, deviceSecret, ...). */
  modelOptions?: Record<string, unknown>;
  console?: (text: string) => void;
  /** Where access-log lines go (default: stderr). */
  logSink?: (line: string) => void;
  traceBlocks?: number;
  engine?: Engine;
}

export class SetupError extends Error {}

function isMemoryProgrammer(model: unknown): model is MemoryProgrammer {
  return typeof (model as Partial<MemoryProgrammer>).programWrite === 'function';
}

function isClockQuery(model: unknown): model is ClockQuery {
  return typeof model === 'object' && model !== null
    && typeof (model as ClockQuery).isClockEnabled === 'function' && typeof (model as ClockQuery).kernelFrequency === 'function';
}

export class Machine {
  readonly engine: Engine;
  readonly bus = new Bus();
  readonly clock: VirtualClock;
  readonly log = new AccessLog();
  readonly nvic: Nvic;
  readonly scs: SystemControlSpace;
  readonly core: CortexM33;
  readonly serial = new SerialHub();
  readonly ethernet = new Map<string, HostEthernetLink>();
  readonly signals = new SignalHub();
  readonly models = new Map<string, Peripheral>();
  readonly memories = new Map<string, MemoryRegion>();
  readonly dwt: Dwt;
  symbols = new SymbolTable([]);
  elf: ElfFile | null = null;
  private clockQuery: ClockQuery = ALWAYS_CLOCKED;
  private resetReasons: string[] = [];
  /** Why a model asked for the reset the core carries out at its next instruction boundary. */
  private pendingResetReason: string | null = null;
  private resets = 0;

  constructor(readonly description: MachineDescription, readonly options: MachineOptions = {}) {
    this.engine = options.engine ?? new UnicornEngine();
    this.clock = new VirtualClock(description.resetFrequencyHz);
    this.log.strict = options.strict ?? false;
    if (options.logSink) {
      const sink = options.logSink;
      this.log.setSink((line) => sink(line));
    }
    this.nvic = new Nvic(description.externalInterrupts, description.priorityBits);
    this.nvic.irqNames = description.irqNames ?? {};
    let core: CortexM33 | undefined;
    const hooks: CoreHooks = {
      currentException: () => core?.currentException ?? 0,
      requestSystemReset: () => core?.requestSystemReset(),
      interruptStateChanged: () => this.engine.stop(),
    };
    this.scs = new SystemControlSpace(this.nvic, this.clock, this.log.forPeripheral('SCS'), hooks,
      () => this.clockQuery.kernelFrequency('SysTick') || this.clock.frequencyHz / 8, description.bootAddress ?? 0x0800_0000);
    this.dwt = new Dwt(this.log.forPeripheral('DWT'), this.clock, () => (this.scs.regs.get('DEMCR') & (1 << 24)) !== 0);
    this.scs.regs.on('DEMCR', { write: () => this.dwt.update() });
    const coreOptions: CoreOptions = {
      symbolize: (address) => this.symbols.describe(address),
      console: options.console,
    };
    core = new CortexM33(this.engine, this.bus, this.clock, this.nvic, this.scs, coreOptions);
    this.core = core;
    this.log.setLocationProvider(() => {
      const pc = this.engine.readRegister(11);
      return { pc, symbol: this.symbols.describe(pc) };
    });

    for (const memory of description.memories) {
      const data = new Uint8Array(memory.size);
      memory.initialise?.(data);
      const region: MemoryRegion = {
        name: memory.name, base: memory.base, data, writable: memory.writable, executable: memory.executable,
        aliases: memory.secureAlias !== undefined ? [memory.secureAlias] : [],
      };
      this.bus.addMemory(region);
      this.memories.set(memory.name, region);
    }
    this.bus.addPeripheral({ peripheral: new Itm(this.log.forPeripheral('ITM'), (byte) => options.console?.(String.fromCharCode(byte))), base: 0xe000_0000 });
    this.bus.addPeripheral({ peripheral: this.dwt, base: 0xe000_1000 });
    this.bus.addPeripheral({ peripheral: new Fpb(this.log.forPeripheral('FPB')), base: 0xe000_2000 });
    this.bus.addPeripheral({ peripheral: this.scs, base: 0xe000_e000 });

    // RCC first: every other model asks it for clocks.
    const ordered = [...description.peripherals].sort((a, b) => (a.model === 'rcc' ? -1 : b.model === 'rcc' ? 1 : 0));
    for (const desc of ordered) {
      const model = this.createModel(desc);
      this.models.set(desc.name, model);
      const flash = this.memories.get('FLASH');
      if (desc.model === 'flash' && flash && isMemoryProgrammer(model)) flash.programmer = model;
      if (desc.model === 'rcc' && isClockQuery(model)) this.clockQuery = model;
      const secureAlias = desc.secureAlias === null ? undefined
        : desc.secureAlias ?? (desc.base >= 0x4000_0000 && desc.base < 0x5000_0000 ? desc.base + 0x1000_0000 : undefined);
      this.bus.addPeripheral({ peripheral: model, base: desc.base, aliases: secureAlias !== undefined ? [secureAlias] : [] });
      if (model.registerAddress) this.log.setRegisterAddresses(desc.name, (register) => model.registerAddress!(register));
    }
    this.bus.attach(this.engine);
    if (options.traceBlocks) this.engine.enableBlockTrace(options.traceBlocks);
    // The core carries out every system reset; a watchdog's reason, given when it asked, names it
    // (recorded here once, not once by the model and again by the core).
    core.onSystemReset = () => this.reset(this.pendingResetReason ?? 'system reset (AIRCR.SYSRESETREQ)');
  }

  private createModel(desc: PeripheralDescription): Peripheral {
    const factory = modelFactory(desc.model);
    if (!factory) {
      throw new SetupError(`machine ${this.description.name}: no model "${desc.model}" for ${desc.name} (registered: ${registeredModels().join(', ') || 'none'})`);
    }
    const irqLines = new Map<string, SimpleIrqLine>();
    const irqEntries = Object.entries(desc.irqs ?? {});
    const host: HostServices = {
      entropy: this.options.entropy ?? 'seeded',
      seed: this.options.seed ?? 1,
      // The FLASH interface erases and programs the flash bytes themselves.
      options: desc.model === 'flash' ? { ...this.options.modelOptions, flashMemory: this.memories.get('FLASH')?.data } : this.options.modelOptions ?? {},
      serial: (name) => this.serial.link(name),
      ethernet: (name) => {
        let link = this.ethernet.get(name);
        if (!link) { link = new HostEthernetLink(name); this.ethernet.set(name, link); }
        return link;
      },
      requestSystemReset: (reason) => { this.pendingResetReason ??= reason; this.core.requestSystemReset(); },
    };
    const ctx: PeripheralContext = {
      name: desc.name,
      clock: this.clock,
      log: this.log.forPeripheral(desc.name),
      bus: this.bus,
      clocks: { // late-bound: RCC is created first, then answers for everyone
        isClockEnabled: (p) => this.clockQuery.isClockEnabled(p),
        kernelFrequency: (p) => this.clockQuery.kernelFrequency(p),
        busFrequency: (p) => this.clockQuery.busFrequency(p),
        onChange: (l) => this.clockQuery.onChange(l),
      },
      irq: (line) => {
        const name = line ?? irqEntries[0]?.[0] ?? desc.name;
        let irq = irqLines.get(name);
        if (!irq) {
          const number = desc.irqs?.[name];
          irq = new SimpleIrqLine((level) => {
            if (number !== undefined) this.nvic.setLine(number, level);
          });
          irqLines.set(name, irq);
        }
        return irq;
      },
      host,
      signal: (name) => this.signals.get(name),
    };
    return factory(ctx, { ...(desc.options ?? {}), type: desc.type, base: desc.base, size: desc.size });
  }

  /** Loads an ELF image by physical address (so .data images in flash land right) and reads its symbols. */
  loadElf(bytes: Uint8Array, path = '<memory>'): ElfFile {
    const elf = new ElfFile(bytes, path);
    const segments = elf.loadSegments();
    if (segments.length === 0) throw new ElfError(`${path}: no loadable segments`);
    for (const [index, segment] of segments.entries()) {
      if (segment.type !== PT_LOAD || segment.fileSize === 0) continue;
      const target = this.bus.findRegion(segment.physicalAddress, segment.fileSize);
      if (!target) {
        throw new ElfError(`${path}: segment ${index} (${segment.fileSize} bytes at physical ${hex(segment.physicalAddress)}) falls outside the memory of ${this.description.name}: ${this.memoryMapSummary()}`);
      }
      target.region.data.set(segment.data, target.offset);
    }
    this.elf = elf;
    this.symbols = new SymbolTable(elf.symbols);
    this.engine.invalidateCode(0, 0xffff_ffff);
    return elf;
  }

  memoryMapSummary(): string {
    return this.bus.regions.map((r) => `${r.name} ${hex(r.base)}-${hex(r.base + r.data.byteLength - 1)}`).join(', ');
  }

  /** Power-on / system reset: every model to reset values, the core fetches the vector table. */
  reset(reason = 'power-on'): void {
    this.pendingResetReason = null;
    this.resets++;
    this.resetReasons.push(reason);
    // A firmware in a reset loop must not grow the host's memory without bound.
    if (this.resetReasons.length > 1024) this.resetReasons.splice(0, 512);
    this.bus.reset();
    this.dwt.reset();
    const flash = this.memories.get('FLASH');
    if (flash) this.core.watchUnmasking(flash.base, flash.data);
    this.core.reset();
  }

  get lastResetReason(): string | undefined {
    return this.resetReasons[this.resetReasons.length - 1];
  }

  /** The latest resets (up to the last 512 to 1024), oldest first, power-on included. */
  get resetHistory(): readonly string[] {
    return this.resetReasons;
  }

  /** Resets since the machine was built, power-on included. */
  get resetCount(): number {
    return this.resets;
  }

  close(): void {
    this.engine.close();
  }
}
