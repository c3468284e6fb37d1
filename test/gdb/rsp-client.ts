// Test-side helpers: frame packets as GDB does and collect what a session writes back.
import { encodePacket, PacketDecoder } from '../../emulator/gdb/framing.js';
import { GdbSession } from '../../emulator/gdb/protocol.js';
import type { DebugTarget } from '../../emulator/gdb/target.js';

export const bytes = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
export const text = (data: Uint8Array): string => String.fromCharCode(...data);

/** A session wired to an in-memory client that decodes the replies. */
export class SessionHarness {
  readonly session: GdbSession;
  readonly replies: string[] = [];
  readonly raw: number[] = [];
  private readonly decoder = new PacketDecoder(() => {});
  closed = false;
  detached = false;
  killed = false;

  constructor(readonly target: DebugTarget) {
    this.decoder.noAck = true;
    this.session = new GdbSession(target, (data) => {
      this.raw.push(...data);
      for (const event of this.decoder.feed(data)) {
        if (event.kind === 'packet') this.replies.push(text(event.payload));
      }
    }, {
      close: () => { this.closed = true; },
      onDetach: () => { this.detached = true; },
      onKill: () => { this.killed = true; },
    });
    this.session.start();
  }

  send(payload: string | Uint8Array): void {
    this.session.receive(encodePacket(typeof payload === 'string' ? bytes(payload) : payload));
  }

  /** Sends one packet and returns the reply it produced synchronously (undefined if none). */
  ask(payload: string | Uint8Array): string | undefined {
    const before = this.replies.length;
    this.send(payload);
    return this.replies.length > before ? this.replies[this.replies.length - 1] : undefined;
  }

  /** Waits for the reply with index `index` (count replies before sending to get it). */
  async replyAt(index: number, timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length <= index) {
      if (Date.now() > deadline) throw new Error(`no reply #${index} (have ${this.replies.length})`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return this.replies[index]!;
  }
}
