// The connection between a UART model and the host side (CharPort). The model transmits bytes
// when they leave its shift register (already paced in virtual time) and takes received bytes at
// its own baud pace; the host only queues.

export interface SerialLink {
  /** The device sent one byte (called by the model at the virtual time it finished sending). */
  transmit(byte: number): void;
  /** Bytes the host queued that the device has not taken yet. */
  readonly rxPending: number;
  /** The next host byte for the device's receiver, or undefined. */
  takeRx(): number | undefined;
  /** The model is told when the host queues bytes while it was idle. */
  onRxAvailable(listener: () => void): void;
}

/** A host-side endpoint: what the harness, stdout or a TCP socket see of one UART. */
export interface CharPort {
  /** Bytes the device transmitted. */
  onData(listener: (bytes: Uint8Array) => void): void;
  /** Queue bytes for the device to receive. */
  send(bytes: Uint8Array | string): void;
}

/** One link per UART; the harness holds them and connects host endpoints. */
export class SerialHub {
  private readonly links = new Map<string, QueueSerialLink>();

  link(name: string): QueueSerialLink {
    let link = this.links.get(name);
    if (!link) {
      link = new QueueSerialLink(name);
      this.links.set(name, link);
    }
    return link;
  }

  names(): string[] {
    return [...this.links.keys()];
  }
}

export class QueueSerialLink implements SerialLink, CharPort {
  private readonly rx: number[] = [];
  private rxHead = 0;
  private readonly rxListeners: Array<() => void> = [];
  private readonly txListeners: Array<(bytes: Uint8Array) => void> = [];
  /** Everything the device sent, for harness assertions (bounded). One byte per byte: a number
   *  array cost eight, and a long run filled it. */
  private transcript = new Uint8Array(4096);
  private transcriptLength = 0;
  maxTranscript = 1 << 20;

  constructor(readonly name: string) {}

  transmit(byte: number): void {
    if (this.transcriptLength < this.maxTranscript) {
      if (this.transcriptLength === this.transcript.length) {
        const grown = new Uint8Array(Math.min(this.transcript.length * 2, Math.max(this.maxTranscript, 1)));
        grown.set(this.transcript);
        this.transcript = grown;
      }
      this.transcript[this.transcriptLength++] = byte & 0xff;
    }
    const bytes = Uint8Array.of(byte & 0xff);
    for (const listener of this.txListeners) listener(bytes);
  }

  get rxPending(): number {
    return this.rx.length - this.rxHead;
  }

  takeRx(): number | undefined {
    if (this.rxHead >= this.rx.length) return undefined;
    const byte = this.rx[this.rxHead++];
    if (this.rxHead > 4096 && this.rxHead * 2 > this.rx.length) {
      this.rx.splice(0, this.rxHead);
      this.rxHead = 0;
    }
    return byte;
  }

  onRxAvailable(listener: () => void): void {
    this.rxListeners.push(listener);
  }

  onData(listener: (bytes: Uint8Array) => void): void {
    this.txListeners.push(listener);
  }

  send(bytes: Uint8Array | string): void {
    const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
    const wasEmpty = this.rxPending === 0;
    for (const b of data) this.rx.push(b);
    if (wasEmpty && data.length > 0) for (const listener of this.rxListeners) listener();
  }

  /** The device's output so far, as text (latin-1, one char per byte). */
  text(): string {
    return Buffer.from(this.transcript.buffer, 0, this.transcriptLength).toString('latin1');
  }

  clearTranscript(): void {
    this.transcript = new Uint8Array(4096);
    this.transcriptLength = 0;
  }
}
