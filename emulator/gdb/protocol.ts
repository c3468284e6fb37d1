// GDB remote serial protocol, packet level: one `GdbSession` per connected debugger. It parses
// commands, talks to a `DebugTarget`, and writes replies through the framing layer. All-stop mode,
// one thread. (GDB manual, appendix E "Packets", "Stop Reply Packets", "General Query Packets",
// "Target Descriptions", "Memory Map Format".)
import { encodePacket, PacketDecoder, type FrameEvent } from './framing.js';
import {
  SIGTRAP, type BreakKind, type DebugTarget, type MemoryRegionInfo, type RegisterInfo, type StopEvent, type WatchKind,
} from './target.js';

/** Largest decoded packet we accept from GDB (announced in qSupported). */
export const PACKET_SIZE = 0x4000;
const THREAD_ID = 1;

export interface SessionOptions {
  /** Diagnostics of the session (unknown packets, protocol errors); default: none. */
  log?: (line: string) => void;
  /** GDB sent `D`: the target is already resumed, the connection should close. */
  onDetach?: () => void;
  /** GDB sent `k` / `vKill`: the connection should close; the target stays halted. */
  onKill?: () => void;
  /** The target exited (semihosting) while this session watched it. */
  onExit?: (code: number) => void;
  /** Closes the connection (after `D` or `k`). */
  close?: () => void;
}

const textEncoder = new TextEncoder();

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
}

function fromHex(text: string): Uint8Array | null {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
  return out;
}

/** Parses a hex number as GDB sends it; NaN when malformed or beyond 32 bits. */
function parseHex(text: string | undefined): number {
  if (text === undefined || !/^[0-9a-fA-F]{1,8}$/.test(text)) return NaN;
  return parseInt(text, 16);
}

function hex8(value: number): string {
  return (value & 0xff).toString(16).padStart(2, '0');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The target description GDB reads as `target.xml`, built from the target's register list. */
export function targetDescriptionXml(target: Pick<DebugTarget, 'registers' | 'architecture'>): string {
  const features = new Map<string, Array<{ regnum: number; info: RegisterInfo }>>();
  target.registers.forEach((info, regnum) => {
    let list = features.get(info.feature);
    if (!list) { list = []; features.set(info.feature, list); }
    list.push({ regnum, info });
  });
  const lines = ['<?xml version="1.0"?>', '<!DOCTYPE target SYSTEM "gdb-target.dtd">', '<target version="1.0">',
    `  <architecture>${escapeXml(target.architecture)}</architecture>`];
  for (const [feature, regs] of features) {
    lines.push(`  <feature name="${escapeXml(feature)}">`);
    for (const { regnum, info } of regs) {
      const attributes = [`name="${escapeXml(info.name)}"`, `bitsize="${info.bits}"`, `regnum="${regnum}"`];
      if (info.type) attributes.push(`type="${info.type}"`);
      if (info.group) attributes.push(`group="${info.group}"`);
      lines.push(`    <reg ${attributes.join(' ')}/>`);
    }
    lines.push('  </feature>');
  }
  lines.push('</target>', '');
  return lines.join('\n');
}

/** The memory map GDB reads with qXfer:memory-map:read; gaps are declared RAM so GDB reaches peripherals. */
export function memoryMapXml(regions: MemoryRegionInfo[]): string {
  const sorted = [...regions].filter((r) => r.length > 0).sort((a, b) => a.start - b.start);
  const lines = ['<?xml version="1.0"?>',
    '<!DOCTYPE memory-map PUBLIC "+//IDN gnu.org//DTD GDB Memory Map V1.0//EN" "http://sourceware.org/gdb/gdb-memory-map.dtd">',
    '<memory-map>'];
  const region = (kind: string, start: number, length: number, blockSize?: number) => {
    const head = `  <memory type="${kind}" start="0x${start.toString(16)}" length="0x${length.toString(16)}"`;
    if (kind === 'flash') lines.push(`${head}>`, `    <property name="blocksize">0x${(blockSize ?? 0x1000).toString(16)}</property>`, '  </memory>');
    else lines.push(`${head}/>`);
  };
  let next = 0;
  for (const r of sorted) {
    if (r.start < next) continue; // overlapping entries: keep the first
    if (r.start > next) region('ram', next, r.start - next);
    region(r.kind, r.start, r.length, r.blockSize);
    next = r.start + r.length;
  }
  if (next < 0x1_0000_0000) region('ram', next, 0x1_0000_0000 - next);
  lines.push('</memory-map>', '');
  return lines.join('\n');
}

export class GdbSession {
  private readonly decoder: PacketDecoder;
  private lastSent: Uint8Array | null = null;
  private resends = 0;
  private running = false;
  private closed = false;
  private ready = false;
  private readonly pendingInput: Uint8Array[] = [];
  private features = { swbreak: false, hwbreak: false };
  private targetXml: string | null = null;

  constructor(
    private readonly target: DebugTarget,
    private readonly write: (bytes: Uint8Array) => void,
    private readonly options: SessionOptions = {},
  ) {
    this.decoder = new PacketDecoder((bytes) => this.writeRaw(bytes));
  }

  /** Marks the session ready (the target is halted for it); input received before is processed now. */
  start(): void {
    this.ready = true;
    this.target.output = (text) => this.consoleOutput(text);
    for (const chunk of this.pendingInput.splice(0)) this.receive(chunk);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Bytes from the transport. Never throws. */
  receive(bytes: Uint8Array): void {
    if (this.closed) return;
    if (!this.ready) {
      this.pendingInput.push(bytes);
      return;
    }
    let events: FrameEvent[];
    try {
      events = this.decoder.feed(bytes);
    } catch (error) {
      this.options.log?.(`gdb: framing error ${String(error)}`);
      return;
    }
    for (const event of events) {
      try {
        this.handleEvent(event);
      } catch (error) {
        this.options.log?.(`gdb: error handling packet: ${error instanceof Error ? error.stack : String(error)}`);
        if (event.kind === 'packet' && !this.running) this.reply('E01');
      }
    }
  }

  /** The connection is gone. */
  close(): void {
    this.closed = true;
    if (this.target.output) this.target.output = undefined;
  }

  get framingStats() {
    return this.decoder.stats;
  }

  private handleEvent(event: FrameEvent): void {
    switch (event.kind) {
      case 'ack':
        this.resends = 0;
        return;
      case 'nack':
        if (this.lastSent && this.resends < 3) {
          this.resends++;
          this.writeRaw(this.lastSent);
        }
        return;
      case 'interrupt':
        if (this.running) this.target.halt();
        return;
      case 'packet':
        if (this.running) {
          // All-stop: GDB waits for the stop reply before sending more; anything else is dropped.
          this.options.log?.(`gdb: packet while running ignored: ${latin1(event.payload.subarray(0, 40))}`);
          return;
        }
        this.handlePacket(event.payload);
    }
  }

  private writeRaw(bytes: Uint8Array): void {
    if (this.closed) return;
    try {
      this.write(bytes);
    } catch (error) {
      this.options.log?.(`gdb: write failed: ${String(error)}`);
    }
  }

  private reply(payload: string | Uint8Array): void {
    const packet = encodePacket(payload);
    this.lastSent = this.decoder.noAck ? null : packet;
    this.resends = 0;
    this.writeRaw(packet);
  }

  private consoleOutput(text: string): void {
    if (this.closed || !this.running) return;
    this.sendConsole(text);
  }

  /** `O` packets carry text to GDB's console (allowed while the target runs, or before a qRcmd's OK). */
  private sendConsole(text: string): void {
    const bytes = textEncoder.encode(text);
    for (let i = 0; i < bytes.length; i += 1024) this.reply(`O${toHex(bytes.subarray(i, i + 1024))}`);
  }

  private pcRegnum(): number {
    return this.target.registers.findIndex((r) => r.name === 'pc');
  }

  stopReply(stop: StopEvent): string {
    if (stop.kind === 'exited') return `W${hex8(stop.code)}`;
    const signal = stop.kind === 'signal' || stop.kind === 'fault' ? stop.signal : SIGTRAP;
    let reply = `T${hex8(signal)}`;
    if (stop.kind === 'watchpoint') {
      const name = stop.watch === 'write' ? 'watch' : stop.watch === 'read' ? 'rwatch' : 'awatch';
      reply += `${name}:${stop.address.toString(16)};`;
    } else if (stop.kind === 'breakpoint') {
      if (stop.type === 'software' && this.features.swbreak) reply += 'swbreak:;';
      if (stop.type === 'hardware' && this.features.hwbreak) reply += 'hwbreak:;';
    }
    const pc = this.pcRegnum();
    const pcValue = pc >= 0 ? this.target.readRegister(pc) : null;
    if (pcValue) reply += `${hex8(pc)}:${toHex(pcValue)};`;
    return `${reply}thread:${THREAD_ID.toString(16)};`;
  }

  private execute(action: 'continue' | 'step'): void {
    this.running = true;
    const run = action === 'step' ? this.target.step() : this.target.resume();
    run.then((stop) => this.stopped(stop), (error: unknown) => {
      this.options.log?.(`gdb: target error: ${error instanceof Error ? error.stack : String(error)}`);
      this.stopped({ kind: 'fault', signal: 6, report: `h5sim: ${String(error)}` });
    });
  }

  private stopped(stop: StopEvent): void {
    if (stop.kind === 'fault') this.sendConsole(`${stop.report.trimEnd()}\n`);
    this.running = false;
    if (this.closed) return;
    this.reply(this.stopReply(stop));
    if (stop.kind === 'exited') this.options.onExit?.(stop.code);
  }

  private handlePacket(payload: Uint8Array): void {
    const text = latin1(payload);
    const command = text[0] ?? '';
    switch (command) {
      case '?':
        this.reply(this.stopReply(this.target.currentStop()));
        return;
      case 'g':
        this.reply(this.readAllRegisters());
        return;
      case 'G':
        this.reply(this.writeAllRegisters(text.slice(1)));
        return;
      case 'p': {
        const regnum = parseHex(text.slice(1));
        if (!(regnum < this.target.registers.length)) { this.reply('E01'); return; }
        const value = this.target.readRegister(regnum);
        this.reply(value ? toHex(value) : 'x'.repeat(this.target.registers[regnum]!.bits / 4));
        return;
      }
      case 'P': {
        const [regText, valueText] = text.slice(1).split('=');
        const regnum = parseHex(regText);
        const value = fromHex(valueText ?? '');
        const info = this.target.registers[regnum];
        if (!info || !value || value.length !== info.bits / 8) { this.reply('E01'); return; }
        this.reply(this.target.writeRegister(regnum, value) ? 'OK' : 'E02');
        return;
      }
      case 'm':
        this.reply(this.readMemory(text.slice(1)));
        return;
      case 'M':
        this.reply(this.writeMemoryHex(text.slice(1)));
        return;
      case 'X':
        this.reply(this.writeMemoryBinary(payload));
        return;
      case 'c':
      case 's':
      case 'C':
      case 'S': {
        if (!this.setPcFromResumeArgument(command, text.slice(1))) { this.reply('E01'); return; }
        this.execute(command === 's' || command === 'S' ? 'step' : 'continue');
        return;
      }
      case 'Z':
      case 'z':
        this.reply(this.breakpointPacket(command === 'Z', text.slice(1)));
        return;
      case 'H':
      case 'T':
        this.reply('OK');
        return;
      case 'D':
        this.reply('OK');
        this.options.onDetach?.();
        this.options.close?.();
        return;
      case 'k':
        this.options.onKill?.();
        this.options.close?.();
        return;
      case 'q':
      case 'Q':
        if (text === 'QStartNoAckMode') {
          this.reply('OK');
          this.decoder.noAck = true;
          this.lastSent = null;
          return;
        }
        this.reply(this.query(text, payload));
        return;
      case 'v':
        this.vPacket(text, payload);
        return;
      default:
        this.reply('');
    }
  }

  private readAllRegisters(): string {
    let out = '';
    this.target.registers.forEach((info, regnum) => {
      const value = this.target.readRegister(regnum);
      out += value ? toHex(value) : 'x'.repeat(info.bits / 4);
    });
    return out;
  }

  private writeAllRegisters(hexText: string): string {
    const bytes = fromHex(hexText);
    if (!bytes) return 'E01';
    let offset = 0;
    for (let regnum = 0; regnum < this.target.registers.length && offset < bytes.length; regnum++) {
      const size = this.target.registers[regnum]!.bits / 8;
      if (offset + size > bytes.length) return 'E01';
      this.target.writeRegister(regnum, bytes.subarray(offset, offset + size));
      offset += size;
    }
    return 'OK';
  }

  private parseAddressLength(text: string): { address: number; length: number } | null {
    const [a, l] = text.split(',');
    const address = parseHex(a);
    const length = parseHex(l);
    if (Number.isNaN(address) || Number.isNaN(length)) return null;
    return { address, length };
  }

  private readMemory(args: string): string {
    const parsed = this.parseAddressLength(args);
    if (!parsed) return 'E01';
    const length = Math.min(parsed.length, PACKET_SIZE / 2);
    if (length === 0) return '';
    const whole = this.target.readMemory(parsed.address, length);
    if (whole) return toHex(whole);
    // Partial read: as many leading bytes as decode.
    const bytes: number[] = [];
    for (let i = 0; i < length; i++) {
      const one = this.target.readMemory((parsed.address + i) >>> 0, 1);
      if (!one) break;
      bytes.push(one[0]!);
    }
    return bytes.length ? toHex(Uint8Array.from(bytes)) : 'E14';
  }

  private writeMemoryHex(args: string): string {
    const colon = args.indexOf(':');
    if (colon < 0) return 'E01';
    const parsed = this.parseAddressLength(args.slice(0, colon));
    const data = fromHex(args.slice(colon + 1));
    if (!parsed || !data || data.length !== parsed.length) return 'E01';
    if (data.length === 0) return 'OK';
    return this.target.writeMemory(parsed.address, data) ? 'OK' : 'E14';
  }

  private writeMemoryBinary(payload: Uint8Array): string {
    const colon = payload.indexOf(0x3a);
    if (colon < 0) return 'E01';
    const parsed = this.parseAddressLength(latin1(payload.subarray(1, colon)));
    const data = payload.subarray(colon + 1);
    if (!parsed || data.length !== parsed.length) return 'E01';
    if (data.length === 0) return 'OK';
    return this.target.writeMemory(parsed.address, data.slice()) ? 'OK' : 'E14';
  }

  /** `c addr` / `C sig;addr` resume at an address; we honour it by writing PC. */
  private setPcFromResumeArgument(command: string, args: string): boolean {
    let addressText = args;
    if (command === 'C' || command === 'S') {
      const semicolon = args.indexOf(';');
      if (Number.isNaN(parseHex(semicolon < 0 ? args : args.slice(0, semicolon)))) return false;
      addressText = semicolon < 0 ? '' : args.slice(semicolon + 1);
    }
    if (addressText === '') return true;
    const address = parseHex(addressText);
    const pc = this.pcRegnum();
    if (Number.isNaN(address) || pc < 0) return false;
    return this.target.writeRegister(pc, Uint8Array.of(address & 0xff, (address >>> 8) & 0xff, (address >>> 16) & 0xff, address >>> 24));
  }

  private breakpointPacket(insert: boolean, args: string): string {
    const [typeText, addressText, kindText, ...rest] = args.split(',');
    const type = Number(typeText);
    const address = parseHex(addressText);
    const kind = parseHex(kindText?.split(';')[0]);
    if (!/^[0-4]$/.test(typeText ?? '') || Number.isNaN(address) || Number.isNaN(kind) || rest.length > 0) return 'E01';
    if (type <= 1) {
      const breakType: BreakKind = type === 0 ? 'software' : 'hardware';
      const ok = insert ? this.target.addBreakpoint(address, breakType) : this.target.removeBreakpoint(address, breakType);
      return ok ? 'OK' : 'E01';
    }
    if (kind === 0 || kind > 0x1000) return 'E01';
    const watch: WatchKind = type === 2 ? 'write' : type === 3 ? 'read' : 'access';
    const ok = insert ? this.target.addWatchpoint(address, kind, watch) : this.target.removeWatchpoint(address, kind, watch);
    return ok ? 'OK' : 'E01';
  }

  private xfer(document: string, offsetText: string): string {
    const [o, l] = offsetText.split(',');
    const offset = parseHex(o);
    const length = parseHex(l);
    if (Number.isNaN(offset) || Number.isNaN(length)) return 'E01';
    const bytes = textEncoder.encode(document);
    if (offset >= bytes.length) return 'l';
    const end = Math.min(bytes.length, offset + Math.min(length, PACKET_SIZE - 16));
    return `${end >= bytes.length ? 'l' : 'm'}${latin1(bytes.subarray(offset, end))}`;
  }

  private query(text: string, payload: Uint8Array): string {
    if (text.startsWith('qSupported')) {
      const offered = text.slice('qSupported:'.length).split(';');
      this.features.swbreak = offered.includes('swbreak+');
      this.features.hwbreak = offered.includes('hwbreak+');
      return [`PacketSize=${PACKET_SIZE.toString(16)}`, 'qXfer:features:read+', 'qXfer:memory-map:read+',
        'QStartNoAckMode+', 'vContSupported+', 'swbreak+', 'hwbreak+'].join(';');
    }
    if (text.startsWith('qXfer:features:read:')) {
      const rest = text.slice('qXfer:features:read:'.length);
      const colon = rest.lastIndexOf(':');
      if (rest.slice(0, colon) !== 'target.xml') return 'E00';
      this.targetXml ??= targetDescriptionXml(this.target);
      return this.xfer(this.targetXml, rest.slice(colon + 1));
    }
    if (text.startsWith('qXfer:memory-map:read::')) {
      return this.xfer(memoryMapXml(this.target.memoryMap()), text.slice('qXfer:memory-map:read::'.length));
    }
    if (text.startsWith('qRcmd,')) {
      const command = fromHex(text.slice('qRcmd,'.length));
      if (!command) return 'E01';
      this.sendConsole(this.monitor(latin1(command).trim()));
      return 'OK';
    }
    switch (text) {
      case 'qAttached': return '1';
      case 'qC': return `QC${THREAD_ID.toString(16)}`;
      case 'qfThreadInfo': return `m${THREAD_ID.toString(16)}`;
      case 'qsThreadInfo': return 'l';
      case 'qOffsets': return 'Text=0;Data=0;Bss=0';
      case 'qSymbol::': return 'OK';
      default:
        void payload;
        return '';
    }
  }

  private monitor(command: string): string {
    const [verb = '', ...args] = command.split(/\s+/);
    switch (verb) {
      case 'reset': {
        this.target.reset();
        const pc = this.pcRegnum();
        const value = pc >= 0 ? this.target.readRegister(pc) : null;
        const address = value ? (value[0]! | (value[1]! << 8) | (value[2]! << 16) | (value[3]! << 24)) >>> 0 : 0;
        return `reset: halted at 0x${address.toString(16).padStart(8, '0')}\n`;
      }
      case 'halt':
        return 'halted\n';
      case 'help':
      case '':
        return ['monitor commands:', '  reset              system reset; the target stays halted at the reset vector',
          '  halt               the target is halted (all-stop: it already is when GDB can type)',
          ...(this.target.monitor?.('help')?.split('\n').filter(Boolean) ?? []), ''].join('\n');
      default: {
        const answer = this.target.monitor?.([verb, ...args].join(' '));
        return answer ?? `unknown monitor command "${command}" (try "monitor help")\n`;
      }
    }
  }

  private vPacket(text: string, payload: Uint8Array): void {
    if (text === 'vCont?') { this.reply('vCont;c;C;s;S'); return; }
    if (text.startsWith('vCont;')) {
      const first = text.slice('vCont;'.length).split(';')[0] ?? '';
      const action = first.split(':')[0] ?? '';
      if (action === 'c' || /^C[0-9a-fA-F]{2}$/.test(action)) { this.execute('continue'); return; }
      if (action === 's' || /^S[0-9a-fA-F]{2}$/.test(action)) { this.execute('step'); return; }
      this.reply('E01');
      return;
    }
    if (text.startsWith('vKill')) {
      this.reply('OK');
      this.options.onKill?.();
      this.options.close?.();
      return;
    }
    if (text.startsWith('vFlashErase:')) {
      const parsed = this.parseAddressLength(text.slice('vFlashErase:'.length));
      this.reply(parsed && this.target.eraseFlash(parsed.address, parsed.length) ? 'OK' : 'E01');
      return;
    }
    if (text.startsWith('vFlashWrite:')) {
      const start = 'vFlashWrite:'.length;
      const colon = payload.indexOf(0x3a, start);
      const address = colon < 0 ? NaN : parseHex(latin1(payload.subarray(start, colon)));
      if (Number.isNaN(address)) { this.reply('E01'); return; }
      const data = payload.slice(colon + 1);
      this.reply(data.length === 0 || this.target.writeMemory(address, data) ? 'OK' : 'E.memtype');
      return;
    }
    if (text === 'vFlashDone') {
      this.target.flashDone();
      this.reply('OK');
      return;
    }
    this.reply('');
  }
}
