// RM0481 §35 Hash processor (HASH): SHA-1, SHA-224, SHA-256, SHA-384, SHA-512/224, SHA-512/256,
// SHA-512 and HMAC over each, fed word by word through DIN, digest in HR0–HR15, context swap
// through CSR0–CSR102. The arithmetic is @noble/hashes (DESIGN.md decision 7); this file is the
// FIFO, the flags, the timing and the HMAC phases.
//
// The last word written is held back until another word or DCAL arrives, because only DCAL says
// (through STR.NBLW) how many of its bits are valid. The CSR encoding is our own (a running hash's
// chaining words, length and buffered bytes, plus the HMAC phase state); it round-trips through
// HAL_HASH_Suspend/HAL_HASH_Resume but is not the silicon's layout.
// HMAC keys (RM0481 §35, HASH_CR.LKEY): with LKEY=1 the core hashes the key and uses that digest
// in its place; with LKEY=0 it uses the key exactly as written. The manual requires LKEY=1 for a key
// longer than the block (64 bytes for SHA-1/SHA-224/SHA-256, 128 for the SHA-512 family) and does
// not say what silicon computes without it: the model then uses the key unhashed (padded with zeros
// to whole blocks, every byte XORed with ipad/opad), which is not RFC 2104's HMAC, and reports a
// guest error naming CR.LKEY so the firmware's mistake is visible.
// GPDMA is not modelled: with DMAE set we drive the request line 'HASH.dma_request' and SR.DMAS,
// and nothing else moves data.
import { RegisterPeripheral } from '../core/register-peripheral.js';
import type { IrqLine, PeripheralContext, Signal } from '../core/peripheral.js';
import type { ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import { HASH_CR, HASH_CSR_COUNT, HASH_IMR, HASH_REGISTERS, HASH_SIZE, HASH_SR, HASH_STR } from './hash.regs.js';
import { swapWord, wordToBytes, bytesToWord } from './data-swap.js';
import { ContextReader, ContextWriter, hashAlgorithm, HASH_ALGORITHMS, type HashAlgorithm, type Hasher } from './hash-engine.js';

/** 0: plain hash; 1–3: HMAC key, message, key again; 4: HMAC done. */
type Phase = 0 | 1 | 2 | 3 | 4;

const CONTEXT_MAGIC = 0x4853_4331; // 'HSC1'

/** Where the bytes of the current phase go: a running hash, or (HMAC key phases, short key) a byte buffer. */
type Sink = { kind: 'hash'; hasher: Hasher } | { kind: 'bytes'; bytes: number[] };

export class HashModel extends RegisterPeripheral {
  private readonly irq: IrqLine;
  private readonly dmaRequest: Signal;
  private algo: HashAlgorithm = HASH_ALGORITHMS[0]!;
  private hmac = false;
  private longKey = false;
  private phase: Phase = 0;
  private sink: Sink = { kind: 'hash', hasher: this.algo.create() };
  private innerDigest: Uint8Array = new Uint8Array(0);
  /** Last word written (already swapped), not yet given to the sink. */
  private held: number | null = null;
  /** Words in the input FIFO since the last block started (drives NBWP/NBWE/DINNE). */
  private fifoWords = 0;
  private busyEvents = 0;
  private busyUntil = 0;
  private pending: ScheduledEvent[] = [];
  private restorePending = false;
  private contextCache: number[] | null = null;

  constructor(ctx: PeripheralContext, baseAddress = 0) {
    super(ctx, HASH_SIZE, HASH_REGISTERS, baseAddress);
    this.irq = ctx.irq();
    this.dmaRequest = ctx.signal(`${ctx.name}.dma_request`);
    this.regs.on('CR', {
      read: (stored) => this.crView(stored),
      write: (value, _previous, written) => {
        if (written & HASH_CR.INIT) this.init();
        this.regs.set('CR', value & ~HASH_CR.INIT);
        this.updateDma();
      },
    });
    this.regs.on('DIN', { write: (value) => this.pushWord(value) });
    this.regs.on('STR', {
      write: (value, _previous, written) => {
        this.regs.set('STR', value & ~HASH_STR.DCAL);
        if (written & HASH_STR.DCAL) this.digestCalculation();
      },
    });
    this.regs.on('SR', { read: (stored) => this.srView(stored), write: () => this.updateIrq() });
    this.regs.on('IMR', { write: () => this.updateIrq() });
    for (let i = 0; i < HASH_CSR_COUNT; i++) {
      this.regs.on(`CSR${i}`, {
        read: (stored) => (this.restorePending ? stored : this.contextWord(i)),
        peek: (stored) => (this.restorePending ? stored : this.contextWord(i)),
        write: () => { this.restorePending = true; this.contextCache = null; },
      });
    }
  }

  protected override onReset(): void {
    for (const event of this.pending) event.cancel();
    this.pending = [];
    this.busyEvents = 0;
    this.algo = HASH_ALGORITHMS[0]!;
    this.hmac = false;
    this.longKey = false;
    this.startPhase(0);
    this.restorePending = false;
    this.irq.set(false);
    this.dmaRequest.set(0);
  }

  // ---- register views -------------------------------------------------------------------------

  private get blockWords(): number { return this.algo.blockLen / 4; }

  /** Words that start a block: one more than a block for the 64-byte algorithms (the core keeps the
   *  last word for NBLW); a plain block for the 128-byte ones, whose count would not fit NBWE. */
  private get expectedWords(): number { return this.blockWords === 16 ? 17 : this.blockWords; }

  private get busy(): boolean { return this.busyEvents > 0; }

  private crView(stored: number): number {
    const nbw = Math.min(this.fifoWords, 15);
    return ((stored & ~(0xf << 8) & ~(1 << 12)) | (nbw << 8) | (this.fifoWords > 0 ? 1 << 12 : 0)) >>> 0;
  }

  private srView(stored: number): number {
    let value = stored & (HASH_SR.DINIS | HASH_SR.DCIS);
    if (this.regs.get('CR') & HASH_CR.DMAE) value |= HASH_SR.DMAS;
    if (this.busy) value |= HASH_SR.BUSY;
    if (this.fifoWords > 0) value |= HASH_SR.DINNE;
    value |= Math.min(this.fifoWords, 31) << 9;
    value |= Math.min(Math.max(this.expectedWords - this.fifoWords, 0), 31) << 16;
    return value >>> 0;
  }

  // ---- data path ------------------------------------------------------------------------------

  private init(): void {
    const code = (this.regs.get('CR') >>> 17) & 0xf;
    const algo = hashAlgorithm(code);
    if (!algo) this.ctx.log.guestError(`ALGO 0x${code.toString(16)} is reserved; using SHA-1`, { register: 'CR' });
    this.algo = algo ?? HASH_ALGORITHMS[0]!;
    this.hmac = (this.regs.get('CR') & HASH_CR.MODE) !== 0;
    this.longKey = (this.regs.get('CR') & HASH_CR.LKEY) !== 0;
    for (const event of this.pending) event.cancel();
    this.pending = [];
    this.busyEvents = 0;
    this.startPhase(this.hmac ? 1 : 0);
    this.innerDigest = new Uint8Array(0);
    this.restorePending = false;
    this.regs.setBits('SR', HASH_SR.DCIS, false);
    this.regs.setBits('SR', HASH_SR.DINIS, true);
    this.updateIrq();
  }

  private startPhase(phase: Phase): void {
    this.phase = phase;
    this.held = null;
    this.fifoWords = 0;
    this.contextCache = null;
    this.sink = (phase === 1 || phase === 3) && !this.longKey ? { kind: 'bytes', bytes: [] } : { kind: 'hash', hasher: this.algo.create() };
  }

  private feed(bytes: Uint8Array): void {
    if (this.sink.kind === 'hash') this.sink.hasher.update(bytes);
    else for (const b of bytes) this.sink.bytes.push(b);
  }

  private pushWord(value: number): void {
    this.applyRestore();
    if (this.phase === 4 || (this.phase === 0 && this.regs.get('SR') & HASH_SR.DCIS)) {
      // A new message after a digest without INIT: the core starts over with the same settings.
      this.startPhase(this.hmac ? 1 : 0);
      this.regs.setBits('SR', HASH_SR.DCIS, false);
    }
    const word = swapWord(value, (this.regs.get('CR') >>> 4) & 3);
    if (this.held !== null) this.feed(wordToBytes(this.held));
    this.held = word;
    this.fifoWords++;
    this.contextCache = null;
    this.regs.setBits('SR', HASH_SR.DINIS, false);
    if (this.fifoWords >= this.expectedWords) {
      this.fifoWords -= this.blockWords;
      this.runCore(1, () => this.regs.setBits('SR', HASH_SR.DINIS, true));
    }
    this.updateIrq();
  }

  /** Keeps BUSY set for `blocks` blocks of core time after whatever is already running. */
  private runCore(blocks: number, done: () => void): void {
    const start = Math.max(this.ctx.clock.now, this.busyUntil);
    this.busyUntil = start + blocks * this.algo.cyclesPerBlock;
    this.busyEvents++;
    const event = this.ctx.clock.afterCycles(this.busyUntil - this.ctx.clock.now, () => {
      this.pending = this.pending.filter((e) => e !== event);
      this.busyEvents--;
      done();
      this.updateIrq();
    }, 'HASH block');
    this.pending.push(event);
    this.updateDma();
  }

  private takeHeld(): void {
    if (this.held === null) return;
    const nblw = this.regs.get('STR') & HASH_STR.NBLW_MASK;
    if (nblw % 8 !== 0) this.ctx.log.unimplemented(`NBLW=${nblw}: messages that end inside a byte are not modelled; rounding up`, { register: 'STR', field: 'NBLW' });
    const valid = nblw === 0 ? 4 : Math.ceil(nblw / 8);
    this.feed(wordToBytes(this.held).subarray(0, valid));
    this.held = null;
  }

  /** The key as the core uses it: its digest (LKEY=1) or the bytes written (LKEY=0), zero-padded to whole blocks. */
  private keyBlock(): Uint8Array {
    const key = this.sink.kind === 'hash' ? this.sink.hasher.digest() : new Uint8Array(this.sink.bytes);
    const blockLen = this.algo.blockLen;
    if (key.length > blockLen && this.phase === 1) {
      this.ctx.log.guestError(`HMAC key of ${key.length} bytes is longer than the ${this.algo.name} block (${blockLen} bytes) but CR.LKEY=0: `
        + 'RM0481 requires LKEY=1 for such a key; it is used unhashed, so the result is not the HMAC', { register: 'CR', field: 'LKEY' });
    }
    const k0 = new Uint8Array(Math.max(1, Math.ceil(key.length / blockLen)) * blockLen);
    k0.set(key);
    return k0;
  }

  private digestCalculation(): void {
    this.applyRestore();
    this.takeHeld();
    const blocks = this.sink.kind === 'hash' ? 2 : 1;
    let digest: Uint8Array | null = null;
    switch (this.phase) {
      case 0:
        digest = (this.sink as { hasher: Hasher }).hasher.digest();
        this.phase = 4;
        break;
      case 1: {
        const k0 = this.keyBlock();
        this.startPhase(2);
        this.feed(k0.map((b) => b ^ 0x36));
        break;
      }
      case 2:
        this.innerDigest = (this.sink as { hasher: Hasher }).hasher.digest();
        this.startPhase(3);
        break;
      case 3: {
        const k0 = this.keyBlock();
        const outer = this.algo.create();
        outer.update(k0.map((b) => b ^ 0x5c));
        outer.update(this.innerDigest);
        digest = outer.digest();
        this.phase = 4;
        break;
      }
      case 4:
        this.ctx.log.guestError('DCAL with no message since the last digest (write INIT first)', { register: 'STR', field: 'DCAL' });
        return;
    }
    this.fifoWords = 0;
    this.contextCache = null;
    this.regs.setBits('SR', HASH_SR.DINIS, false);
    const final = digest;
    this.runCore(blocks, () => {
      if (final) {
        this.publishDigest(final);
        this.regs.setBits('SR', HASH_SR.DCIS, true);
      } else {
        this.regs.setBits('SR', HASH_SR.DINIS, true);
      }
    });
    this.updateIrq();
  }

  private publishDigest(digest: Uint8Array): void {
    const padded = new Uint8Array(64);
    padded.set(digest);
    for (let i = 0; i < 16; i++) {
      const word = bytesToWord(padded, i * 4);
      this.regs.set(`HR${i}`, word);
      if (i < 5) this.regs.set(`HRA${i}`, word);
    }
  }

  // ---- context swap ---------------------------------------------------------------------------

  private contextWord(index: number): number {
    if (!this.contextCache) this.contextCache = this.encodeContext();
    return this.contextCache[index] ?? 0;
  }

  private encodeContext(): number[] {
    const w = new ContextWriter();
    w.u32(CONTEXT_MAGIC);
    w.u32(this.algo.code | (this.hmac ? 1 << 4 : 0) | (this.longKey ? 1 << 5 : 0) | (this.phase << 8) | (this.held !== null ? 1 << 12 : 0) | (this.fifoWords << 16));
    w.u32(this.held ?? 0);
    if (this.sink.kind === 'hash') w.u32(1).hasher(this.sink.hasher);
    else w.u32(2).blob(new Uint8Array(this.sink.bytes));
    w.blob(this.innerDigest);
    const words = w.words();
    if (words.length > HASH_CSR_COUNT) {
      this.ctx.log.unimplemented(`context needs ${words.length} words, more than the ${HASH_CSR_COUNT} CSRs (HMAC key longer than a block without LKEY?)`, { register: 'CSR0' });
    }
    return words;
  }

  /** After HAL_HASH_Resume wrote the CSRs (following INIT), the next DIN or DCAL continues from them. */
  private applyRestore(): void {
    if (!this.restorePending) return;
    this.restorePending = false;
    const words = Array.from({ length: HASH_CSR_COUNT }, (_, i) => this.regs.get(`CSR${i}`));
    if (words[0] !== CONTEXT_MAGIC) {
      this.ctx.log.guestError('CSR registers written with a context this model did not produce; ignored', { register: 'CSR0' });
      return;
    }
    try {
      const r = new ContextReader(words);
      r.u32();
      const config = r.u32();
      const algo = hashAlgorithm(config & 0xf);
      if (!algo) throw new Error('bad algorithm');
      const heldWord = r.u32();
      this.algo = algo;
      this.hmac = (config & (1 << 4)) !== 0;
      this.longKey = (config & (1 << 5)) !== 0;
      this.phase = ((config >>> 8) & 7) as Phase;
      this.held = config & (1 << 12) ? heldWord : null;
      this.fifoWords = (config >>> 16) & 0xff;
      const kind = r.u32();
      this.sink = kind === 1 ? { kind: 'hash', hasher: r.hasher(algo) } : { kind: 'bytes', bytes: Array.from(r.blob()) };
      this.innerDigest = r.blob();
      this.contextCache = null;
    } catch (error) {
      this.ctx.log.guestError(`CSR context unreadable (${(error as Error).message}); ignored`, { register: 'CSR0' });
    }
  }

  // ---- outputs --------------------------------------------------------------------------------

  private updateIrq(): void {
    const sr = this.regs.get('SR');
    const imr = this.regs.get('IMR');
    this.irq.set(((sr & HASH_SR.DINIS) !== 0 && (imr & HASH_IMR.DINIE) !== 0) || ((sr & HASH_SR.DCIS) !== 0 && (imr & HASH_IMR.DCIE) !== 0));
    this.updateDma();
  }

  private updateDma(): void {
    const dmae = (this.regs.get('CR') & HASH_CR.DMAE) !== 0;
    this.dmaRequest.set(dmae && !this.busy && this.phase !== 4 && this.fifoWords < this.expectedWords ? 1 : 0);
  }
}

