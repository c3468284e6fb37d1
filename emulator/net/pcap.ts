// Capture of every frame on a FramePort into a pcapng file (draft-ietf-opsawg-pcapng): a Section
// Header Block, one Interface Description Block (LINKTYPE_ETHERNET), an Enhanced Packet Block per
// frame with its direction from the board's point of view, and link changes as comments on
// Interface Statistics Blocks. Timestamps come from the simulation's clock, never the host's.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { FramePort } from './frame-port.js';

const BLOCK_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 0x00000001;
const BLOCK_ISB = 0x00000005;
const BLOCK_EPB = 0x00000006;
const LINKTYPE_ETHERNET = 1;
const OPT_COMMENT = 1;
const OPT_SHB_USERAPPL = 4;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_EPB_FLAGS = 2;

export interface PcapOptions {
  /** Simulation time in seconds since the Unix epoch (the virtual clock, not Date.now). */
  now(): number;
  interfaceName?: string;
}

interface Option {
  code: number;
  value: Uint8Array;
}

function padded(length: number): number {
  return (length + 3) & ~3;
}

function optionsLength(options: Option[]): number {
  return options.length === 0 ? 0 : options.reduce((sum, o) => sum + 4 + padded(o.value.length), 0) + 4;
}

function writeOptions(view: DataView, bytes: Uint8Array, offset: number, options: Option[]): number {
  if (options.length === 0) return offset;
  for (const option of options) {
    view.setUint16(offset, option.code, true);
    view.setUint16(offset + 2, option.value.length, true);
    bytes.set(option.value, offset + 4);
    offset += 4 + padded(option.value.length);
  }
  return offset + 4; // opt_endofopt
}

function block(type: number, body: Uint8Array, options: Option[]): Uint8Array {
  const total = 12 + padded(body.length) + optionsLength(options);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, total, true);
  bytes.set(body, 8);
  writeOptions(view, bytes, 8 + padded(body.length), options);
  view.setUint32(total - 4, total, true);
  return bytes;
}

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

/** Writes pcapng blocks to a file as they happen (synchronous, so a crash loses nothing written). */
export class PcapWriter {
  private fd: number | null;

  constructor(path: string, private readonly now: () => number, interfaceName = 'h5sim-eth0') {
    this.fd = openSync(path, 'w');
    const shb = new Uint8Array(16);
    const shbView = new DataView(shb.buffer);
    shbView.setUint32(0, 0x1a2b3c4d, true);
    shbView.setUint16(4, 1, true);
    shbView.setUint16(6, 0, true);
    shbView.setBigInt64(8, -1n, true); // section length unknown
    this.write(block(BLOCK_SHB, shb, [{ code: OPT_SHB_USERAPPL, value: text('h5sim') }]));
    const idb = new Uint8Array(8);
    const idbView = new DataView(idb.buffer);
    idbView.setUint16(0, LINKTYPE_ETHERNET, true);
    idbView.setUint32(4, 0, true); // no snap length limit
    this.write(block(BLOCK_IDB, idb, [
      { code: OPT_IF_NAME, value: text(interfaceName) },
      { code: OPT_IF_TSRESOL, value: Uint8Array.of(9) }, // nanoseconds
    ]));
  }

  /** `outbound`: sent by the board; otherwise received by it. */
  packet(frame: Uint8Array, outbound: boolean, comment?: string): void {
    if (this.fd === null) return;
    const body = new Uint8Array(20 + frame.length);
    const view = new DataView(body.buffer);
    view.setUint32(0, 0, true);
    this.setTimestamp(view, 4);
    view.setUint32(12, frame.length, true);
    view.setUint32(16, frame.length, true);
    body.set(frame, 20);
    const flags = new Uint8Array(4);
    new DataView(flags.buffer).setUint32(0, outbound ? 2 : 1, true);
    const options: Option[] = [{ code: OPT_EPB_FLAGS, value: flags }];
    if (comment) options.push({ code: OPT_COMMENT, value: text(comment) });
    this.write(block(BLOCK_EPB, body, options));
  }

  /** A timestamped note (e.g. "link down") on an Interface Statistics Block. */
  comment(message: string): void {
    if (this.fd === null) return;
    const body = new Uint8Array(12);
    const view = new DataView(body.buffer);
    view.setUint32(0, 0, true);
    this.setTimestamp(view, 4);
    this.write(block(BLOCK_ISB, body, [{ code: OPT_COMMENT, value: text(message) }]));
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }

  private setTimestamp(view: DataView, offset: number): void {
    const seconds = this.now();
    const nanoseconds = Number.isFinite(seconds) && seconds > 0 ? BigInt(Math.round(seconds * 1e9)) : 0n;
    view.setUint32(offset, Number(nanoseconds >> 32n), true);
    view.setUint32(offset + 4, Number(nanoseconds & 0xffffffffn), true);
  }

  private write(bytes: Uint8Array): void {
    if (this.fd === null) return;
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
  }
}

/** Wraps a FramePort and records every frame both ways. Closing it closes the inner port too. */
export class PcapPort implements FramePort {
  private readonly writer: PcapWriter;
  private readonly listeners: Array<(frame: Uint8Array) => void> = [];

  constructor(private readonly inner: FramePort, path: string, options: PcapOptions) {
    this.writer = new PcapWriter(path, options.now, options.interfaceName);
    this.writer.comment(`link ${inner.linkUp ? 'up' : 'down'} at start`);
    inner.onReceive((frame) => {
      this.writer.packet(frame, false);
      for (const listener of this.listeners) listener(frame);
    });
    inner.onLinkChange((up) => this.writer.comment(`link ${up ? 'up' : 'down'}`));
  }

  /** The port being captured (e.g. the UserNet, for its hostfwd ports). */
  get captured(): FramePort {
    return this.inner;
  }

  get linkUp(): boolean {
    return this.inner.linkUp;
  }

  send(frame: Uint8Array): void {
    this.writer.packet(frame, true);
    this.inner.send(frame);
  }

  onReceive(listener: (frame: Uint8Array) => void): void {
    this.listeners.push(listener);
  }

  onLinkChange(listener: (up: boolean) => void): void {
    this.inner.onLinkChange(listener);
  }

  async close(): Promise<void> {
    try {
      await this.inner.close();
    } finally {
      this.writer.close();
    }
  }
}
