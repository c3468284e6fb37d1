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
/** Lengths that overflow 32 bits, ask for gigabytes, or are not numbers at all. */
const HUGE_LENGTHS = ['ffffffff', '100000000', '7fffffff', '80000000', 'fffffffffffffffff', '10000000', '-1', ''];
/** What one chunk of traffic was, for the fuzzers' counts. */
export type ChunkKind =
  | 'interrupt' | 'ack' | 'junk' | 'overlong' | 'bad-checksum' | 'truncated' | 'flipped' | 'valid' | 'unknown-command' | 'huge-length';

export interface FuzzOptions {
  /** Include commands that end the session (D, k, vKill). */
  allowSessionEnd?: boolean;
}

export class RspFuzzer {
  private readonly random: () => number;
  /** The kind of the chunk `next()` returned last. */
  lastKind: ChunkKind = 'valid';

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

  /** A well-formed m/M/X/vFlashWrite/qXfer packet whose length field is absurd. */
  private hugeLength(): Uint8Array {
    const length = HUGE_LENGTHS[this.int(HUGE_LENGTHS.length)]!;
    const address = this.address();
    const text = [
      `m${address},${length}`,
      `M${address},${length}:${'cd'.repeat(this.int(8))}`,
      `X${address},${length}:`,
      `vFlashWrite:${address}:`,
      `qXfer:memory-map:read::0,${length}`,
      `qXfer:features:read:target.xml:${length},${length}`,
      `m${length},4`,
    ][this.int(7)]!;
    const bytes = [...text].map((c) => c.charCodeAt(0));
    if (text.startsWith('X') || text.startsWith('vFlashWrite')) bytes.push(...this.binary(this.int(32)));
    return encodePacket(Uint8Array.from(bytes));
  }

  /** A packet no stub knows: random letters, or a known prefix with a made-up tail. */
  private unknownCommand(): Uint8Array {
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_;:,.=';
    let name = ['q', 'Q', 'v', 'j', '_', 'y', 'A', 'i', 'I', 'F', 'Y'][this.int(11)]!;
    for (let i = this.int(24); i > 0; i--) name += letters[this.int(letters.length)];
    return encodePacket(name);
  }

  /** One chunk of traffic: a valid packet, a mutated one, junk, an interrupt or an acknowledgement. */
  next(): Uint8Array {
    const roll = this.int(100);
    if (roll < 3) { this.lastKind = 'interrupt'; return Uint8Array.of(0x03); }
    if (roll < 5) { this.lastKind = 'ack'; return Uint8Array.of(this.int(2) ? 0x2b : 0x2d); }
    if (roll < 12) { this.lastKind = 'junk'; return Uint8Array.from(this.binary(1 + this.int(64))); }
    if (roll === 12 && this.int(10) === 0) {
      // overlong: beyond the framing limit
      this.lastKind = 'overlong';
      const body = new Uint8Array(MAX_PACKET_BYTES + 1 + this.int(100)).fill(0x61);
      return encodePacket(body);
    }
    if (roll >= 95) {
      this.lastKind = roll < 98 ? 'huge-length' : 'unknown-command';
      return roll < 98 ? this.hugeLength() : this.unknownCommand();
    }
    let command = COMMANDS[this.int(COMMANDS.length)]!;
    if (this.options.allowSessionEnd && this.int(200) === 0) command = ['D', 'k', 'vKill;1'][this.int(3)]!;
    const payload = Uint8Array.from([...[...command].map((c) => c.charCodeAt(0)), ...this.args(command)]);
    const packet = encodePacket(payload);
    if (roll < 20) {
      // wrong checksum
      this.lastKind = 'bad-checksum';
      const bad = packet.slice();
      bad[bad.length - 1] = HEX.charCodeAt((HEX.indexOf(String.fromCharCode(bad[bad.length - 1]!)) + 1) % 16);
      return bad;
    }
    if (roll < 25) { this.lastKind = 'truncated'; return packet.subarray(0, this.int(packet.length)); }
    if (roll < 30) {
      // a flipped byte inside
      this.lastKind = 'flipped';
      const flipped = packet.slice();
      const at = this.int(flipped.length);
      flipped[at] = flipped[at]! ^ (1 << this.int(8));
      return flipped;
    }
    this.lastKind = 'valid';
    return packet;
  }
}
