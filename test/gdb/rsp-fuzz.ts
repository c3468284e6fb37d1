// Random and mutated RSP traffic for robustness runs (test/gdb/fuzz.test.ts, scripts/fuzz-gdb.ts).
// Deterministic: a seeded generator, so a failing seed can be replayed.
import { encodePacket, MAX_PACKET_BYTES } from '../../emulator/gdb/framing.js';

export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    // xorshift32
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

const COMMANDS = [
  '?', 'g', 'G', 'p', 'P', 'm', 'M', 'X', 'c', 's', 'C', 'S', 'Z', 'z', 'H', 'T',
  'qSupported', 'qXfer:features:read:target.xml:', 'qXfer:memory-map:read::', 'qXfer:features:read:',
  'qRcmd,', 'qAttached', 'qC', 'qfThreadInfo', 'qsThreadInfo', 'qOffsets', 'qSymbol::', 'QStartNoAckMode',
  'vCont?', 'vCont;', 'vFlashErase:', 'vFlashWrite:', 'vFlashDone', 'vMustReplyEmpty', 'qL', 'x', 'b', 'B', 'R', 'r',
];
const HEX = '0123456789abcdef';

export interface FuzzOptions {
  /** Include commands that end the session (D, k, vKill). */
  allowSessionEnd?: boolean;
}

export class RspFuzzer {
  private readonly random: () => number;

  constructor(seed: number, private readonly options: FuzzOptions = {}) {
    this.random = seededRandom(seed);
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }

  private hexString(maxDigits: number): string {
    let s = '';
    const n = 1 + this.int(maxDigits);
    for (let i = 0; i < n; i++) s += HEX[this.int(16)];
    return s;
  }

  private address(): string {
    const interesting = [0x2000_0000, 0x2000_0100, 0x0800_0000, 0x4000_4400, 0xe000_e000, 0xffff_fffc, 0, 0x4002_8000];
    return (this.int(3) === 0 ? this.int(0x1_0000_0000) : interesting[this.int(interesting.length)]! + this.int(64)).toString(16);
  }

  private binary(length: number): number[] {
    return Array.from({ length }, () => this.int(256));
  }

  private args(command: string): number[] {
    const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
    switch (command) {
      case 'm': return ascii(`${this.address()},${this.hexString(4)}`);
      case 'M': { const n = this.int(16); return ascii(`${this.address()},${n.toString(16)}:${'ab'.repeat(this.int(3) ? n : this.int(20))}`); }
      case 'X': case 'vFlashWrite:': { const n = this.int(40); return [...ascii(`${this.address()},${n.toString(16)}:`), ...this.binary(this.int(4) ? n : this.int(80))]; }
      case 'p': return ascii(this.hexString(3));
      case 'P': return ascii(`${this.hexString(2)}=${this.hexString(16)}`);
      case 'G': return ascii(this.hexString(400));
      case 'Z': case 'z': return ascii(`${this.int(7)},${this.address()},${this.hexString(2)}`);
      case 'c': case 's': return this.int(2) ? [] : ascii(this.address());
      case 'C': case 'S': return ascii(`${this.hexString(2)}${this.int(2) ? `;${this.address()}` : ''}`);
      case 'vCont;': return ascii(['c', 's', 's:1;c', 'C05', 'x', 't', 'r0,10'][this.int(7)]!);
      case 'vFlashErase:': return ascii(`${this.address()},${this.hexString(5)}`);
      case 'qRcmd,': return ascii([...['reset', 'halt', 'help', 'step-irq on', 'step-irq off', 'trace exceptions on', 'trace exceptions off', 'bogus x y', 'fault']
        [this.int(9)]!].map((c) => c.charCodeAt(0).toString(16)).join('') + (this.int(5) === 0 ? 'z' : ''));
      case 'qXfer:features:read:target.xml:': case 'qXfer:memory-map:read::': return ascii(`${this.hexString(4)},${this.hexString(4)}`);
      case 'qXfer:features:read:': return ascii(`${this.hexString(6)}:0,100`);
      case 'qSupported': return ascii(this.int(2) ? ':swbreak+;hwbreak+;multiprocess+' : `:${this.hexString(10)}`);
      default: return this.int(4) === 0 ? this.binary(this.int(20)) : [];
    }
  }

  /** One chunk of traffic: a valid packet, a mutated one, junk, an interrupt or an acknowledgement. */
  next(): Uint8Array {
    const roll = this.int(100);
    if (roll < 3) return Uint8Array.of(0x03);
    if (roll < 5) return Uint8Array.of(this.int(2) ? 0x2b : 0x2d);
    if (roll < 12) return Uint8Array.from(this.binary(1 + this.int(64)));
    if (roll === 12 && this.int(10) === 0) {
      // overlong: beyond the framing limit
      const body = new Uint8Array(MAX_PACKET_BYTES + 1 + this.int(100)).fill(0x61);
      return encodePacket(body);
    }
    let command = COMMANDS[this.int(COMMANDS.length)]!;
    if (this.options.allowSessionEnd && this.int(200) === 0) command = ['D', 'k', 'vKill;1'][this.int(3)]!;
    const payload = Uint8Array.from([...[...command].map((c) => c.charCodeAt(0)), ...this.args(command)]);
    const packet = encodePacket(payload);
    if (roll < 20) {
      // wrong checksum
      const bad = packet.slice();
      bad[bad.length - 1] = HEX.charCodeAt((HEX.indexOf(String.fromCharCode(bad[bad.length - 1]!)) + 1) % 16);
      return bad;
    }
    if (roll < 25) return packet.subarray(0, this.int(packet.length)); // truncated
    if (roll < 30) {
      // a flipped byte inside
      const flipped = packet.slice();
      const at = this.int(flipped.length);
      flipped[at] = flipped[at]! ^ (1 << this.int(8));
      return flipped;
    }
    return packet;
  }
}
