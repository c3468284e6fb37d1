// A bench for unit tests of peripheral models at bus addresses, without a CPU: a virtual clock,
// a strict access log, plain SRAM for DMA, IRQ lines that record their level, and host links.
import { VirtualClock } from '../../emulator/time/virtual-clock.js';
import { AccessLog } from '../../emulator/diagnostics/access-log.js';
import { Bus } from '../../emulator/bus/bus.js';
import { SerialHub } from '../../emulator/ports/serial-link.js';
import type { EthernetLink } from '../../emulator/net/frame-port.js';
import {
  ALWAYS_CLOCKED, SignalHub, SimpleIrqLine,
  type AccessSize, type ClockQuery, type HostServices, type Peripheral, type PeripheralContext,
} from '../../peripherals/core/peripheral.js';

export class TestEthernetLink implements EthernetLink {
  readonly sent: Uint8Array[] = [];
  linkUp = true;
  private receiver: (frame: Uint8Array) => void = () => {};
  private readonly linkListeners: Array<(up: boolean) => void> = [];
  transmit(frame: Uint8Array): void { this.sent.push(new Uint8Array(frame)); }
  setReceiver(receiver: (frame: Uint8Array) => void): void { this.receiver = receiver; }
  onLinkChange(listener: (up: boolean) => void): void { this.linkListeners.push(listener); }
  /** The host delivers a frame to the MAC. */
  deliver(frame: Uint8Array): void { this.receiver(frame); }
  setLink(up: boolean): void { this.linkUp = up; for (const l of this.linkListeners) l(up); }
}

export interface ModelBenchOptions {
  frequencyHz?: number;
  clocks?: ClockQuery;
  strict?: boolean;
  options?: Record<string, unknown>;
  entropy?: 'seeded' | 'host';
  seed?: number;
}

export class ModelBench {
  readonly clock: VirtualClock;
  readonly log = new AccessLog();
  readonly bus = new Bus();
  readonly serial = new SerialHub();
  readonly ethernetLinks = new Map<string, TestEthernetLink>();
  readonly irqs = new Map<string, SimpleIrqLine>();
  readonly resets: string[] = [];
  readonly signals = new SignalHub();
  /** SRAM1 at 0x2000_0000 for DMA descriptors and buffers. */
  readonly sram = new Uint8Array(256 * 1024);

  constructor(private readonly opts: ModelBenchOptions = {}) {
    this.clock = new VirtualClock(opts.frequencyHz ?? 64_000_000);
    this.log.strict = opts.strict ?? true;
    this.log.setSink(() => {});
    this.bus.addMemory({ name: 'SRAM1', base: 0x2000_0000, data: this.sram, writable: true, executable: true });
  }

  context(name: string): PeripheralContext {
    const host: HostServices = {
      entropy: this.opts.entropy ?? 'seeded',
      seed: this.opts.seed ?? 1,
      options: this.opts.options ?? {},
      serial: (n) => this.serial.link(n),
      ethernet: (n) => {
        let link = this.ethernetLinks.get(n);
        if (!link) { link = new TestEthernetLink(); this.ethernetLinks.set(n, link); }
        return link;
      },
      requestSystemReset: (reason) => { this.resets.push(reason); },
    };
    return {
      name,
      clock: this.clock,
      log: this.log.forPeripheral(name),
      bus: this.bus,
      clocks: this.opts.clocks ?? ALWAYS_CLOCKED,
      irq: (line = name) => {
        let irq = this.irqs.get(line);
        if (!irq) { irq = new SimpleIrqLine(); this.irqs.set(line, irq); }
        return irq;
      },
      host,
      signal: (n) => this.signals.get(n),
    };
  }

  /** Maps a model at its base address so tests address it as firmware would. */
  attach<T extends Peripheral>(model: T, base: number): T {
    this.bus.addPeripheral({ peripheral: model, base });
    if (model.registerAddress) this.log.setRegisterAddresses(model.name, (register) => model.registerAddress!(register));
    return model;
  }

  read32(address: number): number { return this.bus.cpuRead(address, 4); }
  write32(address: number, value: number): void { this.bus.cpuWrite(address, 4, value); }
  read(address: number, size: AccessSize): number { return this.bus.cpuRead(address, size); }
  write(address: number, size: AccessSize, value: number): void { this.bus.cpuWrite(address, size, value); }

  /** Advances virtual time, firing model events. */
  runCycles(cycles: number): void { this.clock.advance(cycles); }
  runSeconds(seconds: number): void { this.clock.advance(Math.ceil(seconds * this.clock.frequencyHz)); }

  irqLevel(line: string): boolean { return this.irqs.get(line)?.level ?? false; }

  /** Polls like firmware: advance `step` cycles until `predicate` holds; returns the cycles spent or throws. */
  pollUntil(predicate: () => boolean, maxCycles = 100_000_000, step = 100): number {
    let spent = 0;
    while (!predicate()) {
      if (spent >= maxCycles) throw new Error(`condition not reached within ${maxCycles} cycles`);
      this.clock.advance(step);
      spent += step;
    }
    return spent;
  }
}
