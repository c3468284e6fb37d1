// Host ends of the board's Ethernet MACs. Frames from the network arrive asynchronously (host
// sockets); they are queued and handed to the MAC only at slice boundaries, in order, so a run in
// virtual time stays a function of its inputs.
import type { EthernetLink, FramePort } from '../net/frame-port.js';

export class HostEthernetLink implements EthernetLink {
  private receiver: (frame: Uint8Array) => void = () => {};
  private readonly linkListeners: Array<(up: boolean) => void> = [];
  private readonly inbound: Uint8Array[] = [];
  private port: FramePort | null = null;
  private up = false;
  /** Observers of both directions (pcap, TLS inspector, traces). */
  private readonly taps: Array<(direction: 'tx' | 'rx', frame: Uint8Array) => void> = [];
  /** Frames waiting are dropped beyond this many (a misbehaving host side must not eat memory). */
  maxQueued = 4096;
  dropped = 0;

  constructor(readonly name: string) {}

  get linkUp(): boolean {
    return this.up;
  }

  transmit(frame: Uint8Array): void {
    const copy = new Uint8Array(frame);
    for (const tap of this.taps) tap('tx', copy);
    this.port?.send(copy);
  }

  setReceiver(receiver: (frame: Uint8Array) => void): void {
    this.receiver = receiver;
  }

  onLinkChange(listener: (up: boolean) => void): void {
    this.linkListeners.push(listener);
  }

  tap(observer: (direction: 'tx' | 'rx', frame: Uint8Array) => void): void {
    this.taps.push(observer);
  }

  /** Connects the cable to a network. */
  connect(port: FramePort): void {
    this.port = port;
    port.onReceive((frame) => {
      if (this.inbound.length >= this.maxQueued) { this.dropped++; return; }
      this.inbound.push(new Uint8Array(frame));
    });
    port.onLinkChange((up) => this.setLink(up));
    this.setLink(port.linkUp);
  }

  /** Cable plugged or unplugged (from the harness or the port). */
  setLink(up: boolean): void {
    if (up === this.up) return;
    this.up = up;
    for (const listener of this.linkListeners) listener(up);
  }

  /** Injects a frame as if it came from the network (tests, fuzzers, replay). */
  inject(frame: Uint8Array): void {
    this.inbound.push(new Uint8Array(frame));
  }

  get pendingFrames(): number {
    return this.inbound.length;
  }

  /** Delivers queued frames to the MAC; called by the run loop between slices. */
  deliverPending(): number {
    let delivered = 0;
    while (this.inbound.length > 0) {
      const frame = this.inbound.shift()!;
      for (const tap of this.taps) tap('rx', frame);
      this.receiver(frame);
      delivered++;
    }
    return delivered;
  }
}
