// Traces selectable from the CLI and the harness (issue 7): exceptions, CPU accesses to chosen
// peripherals with register names, TLS records and MQTT packets — as text lines or JSON lines.
import type { Simulation } from './simulation.js';
import { hex } from '../diagnostics/access-log.js';
import { describeMqttPacket } from '../mqtt/packets.js';

export type TraceFormat = 'text' | 'json';

export interface TraceEvent {
  /** Virtual seconds since reset. */
  t: number;
  cycle: number;
  kind: 'exception' | 'mmio' | 'tls' | 'mqtt';
  [field: string]: unknown;
}

/**
 * Parses a trace spec such as "exceptions,mmio:USART3,mmio:RCC,tls,mqtt" and attaches the tracers.
 * Each event goes to `sink` as one line in the chosen format.
 */
export function attachTraces(sim: Simulation, spec: string, format: TraceFormat, sink: (line: string) => void): void {
  const parts = spec.split(',').map((p) => p.trim()).filter(Boolean);
  const clock = sim.machine.clock;
  const emit = (event: Omit<TraceEvent, 't' | 'cycle'>, text: string) => {
    const full = { t: clock.seconds, cycle: clock.now, ...event } as TraceEvent;
    sink(format === 'json' ? JSON.stringify(full) : `${full.t.toFixed(9)} ${text}`);
  };
  const mmio = new Set<string>();
  for (const part of parts) {
    if (part === 'exceptions') {
      const nvic = sim.machine.nvic;
      sim.machine.core.exceptionTrace = ({ kind, exception }) =>
        emit({ kind: 'exception', event: kind, exception, name: nvic.exceptionName(exception) }, `exception ${kind} ${nvic.exceptionName(exception)}`);
    } else if (part.startsWith('mmio:')) {
      const name = part.slice(5).toUpperCase();
      if (!sim.machine.models.has(name)) throw new Error(`--trace mmio:${name}: no peripheral ${name} (e.g. mmio:USART3, mmio:RCC)`);
      mmio.add(name);
    } else if (part === 'tls') {
      if (!sim.tls) throw new Error('--trace tls needs a network (--net)');
      sim.tls.on('record', (r) => emit(
        { kind: 'tls', from: r.from, contentType: r.contentTypeName, length: r.length, encrypted: r.encrypted },
        `tls record from ${r.from}: ${r.contentTypeName}, ${r.length} bytes${r.encrypted ? ', encrypted' : ''}`));
    } else if (part === 'mqtt') {
      attachMqttTrace(sim, emit);
    } else {
      throw new Error(`--trace: unknown trace "${part}" (exceptions, mmio:PERIPHERAL, tls, mqtt)`);
    }
  }
  if (mmio.size > 0) {
    sim.machine.bus.observeAccesses((access, address, size, value, peripheral, offset) => {
      if (!mmio.has(peripheral.name)) return;
      const regs = (peripheral as { regs?: { nameAt(o: number): string | undefined } }).regs;
      const register = regs?.nameAt(offset & ~3) ?? `+0x${offset.toString(16)}`;
      emit({ kind: 'mmio', access, peripheral: peripheral.name, register, address, size, value },
        `mmio ${access} ${peripheral.name}.${register} (${hex(address)}) ${hex(value, size * 2)}`);
    });
  }
}

/** MQTT packets both ways; inside TLS they are read with the firmware's own key schedule. */
function attachMqttTrace(sim: Simulation, emit: (event: Omit<TraceEvent, 't' | 'cycle'>, text: string) => void): void {
  if (!sim.mqtt) throw new Error('--trace mqtt needs a network (--net)');
  if (!sim.watchFirmwareKeys()) {
    emit({ kind: 'mqtt', type: 'warning', message: `MQTT inside TLS stays unreadable without secrets: ${sim.keylogError}` },
      `mqtt warning: MQTT inside TLS stays unreadable without secrets: ${sim.keylogError}`);
  }
  sim.mqtt.onPacket(({ connection, direction, decrypted, packet }) => {
    const { name, flags: _flags, type: _type, ...fields } = packet;
    emit({ kind: 'mqtt', direction, type: name, connection: connection.id, tls: decrypted, ...fields },
      `mqtt ${direction} ${describeMqttPacket(packet)}`);
  });
  sim.mqtt.onError(({ connection, direction, message }) => {
    emit({ kind: 'mqtt', direction, type: 'error', connection: connection.id, message }, `mqtt ${direction} decode error: ${message}`);
  });
}
