// RM0481 §36 AES and §37 SAES (STM32H573 only): ECB, CBC, CTR, GCM/GMAC and CCM, block by block
// through the 4-word DINR/DOUTR FIFOs, with key derivation for ECB/CBC decryption and DATATYPE
// swapping. The cipher is @noble/ciphers' AES block (DESIGN.md decision 7); the chaining modes are
// assembled here because the peripheral exposes their phases, and CCM in particular must take B0
// exactly as firmware writes it into IVR (ST's CCM example writes a B0 whose declared length differs
// from its data, and expects the tag the hardware computes from that B0).
//
// Facts from ST's HAL that shape this model: the key goes KEYR3..KEYR0 (KEYR7..KEYR0 for 256 bits),
// first word most significant; the IV goes IVR3..IVR0; GCM firmware writes IV||0x00000002 and the
// hardware uses IV||0x00000001 as J0 for the tag; the GCM final block (0, header bits, 0, payload
// bits) is written without DATATYPE swapping; the CCM final phase has no input — setting GCMPH=11
// starts it. IVR registers carry the running CBC chaining value / counter, so they reflect progress.
//
// SAES extras: KEYSEL hardware keys (DHUK from ctx.host.options.deviceSecret, BHK from the signals
// TAMP.BKP0R..BKP7R, and DHUK xor BHK), KMOD=01 wrapped keys (encrypt: output readable; decrypt: the
// result is loaded into the key registers, DOUTR reads 0), KMOD=10 shared keys published on the
// signals SAES.shared_key0..7 + SAES.shared_key_valid for AES KMOD=10 to load. Suspend/resume:
// SUSP0R–SUSP3R read the GHASH accumulator (GCM) or CBC-MAC (CCM) — our encoding, not the RM's —
// and writing them before EN rebuilds the state (HAL_CRYP_Suspend/Resume). Not modelled: DPA
// countermeasures, KEYPROT's security contexts, the SAES-to-RNG link (RNGEIF never sets), and
// GPDMA (requests are driven on the signals <name>.dma_in_request / <name>.dma_out_request).
import { sha256 } from '@noble/hashes/sha2.js';
import { RegisterPeripheral } from '../core/register-peripheral.js';
import type { IrqLine, PeripheralContext } from '../core/peripheral.js';
import type { ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import { AES_CR, AES_ISR, AES_REGISTERS, AES_SIZE, AES_SR } from './aes.regs.js';
import { blockToWords, swapWord, wordsToBlock } from './data-swap.js';
import { AesBlockCipher, GhashState, incrementCounter32, xorBlocks } from './aes-engine.js';

const enum Mode { Encrypt = 0, KeyDerivation = 1, Decrypt = 2 }
const enum Chain { ECB = 0, CBC = 1, CTR = 2, GCM = 3, CCM = 4 }
const enum Phase { Init = 0, Header = 1, Payload = 2, Final = 3 }

/** Cycles per block (approximate; SAES is slower because of its side-channel countermeasures). */
const AES_CYCLES = { 128: 52, 256: 76 } as const;
const SAES_CYCLES = { 128: 240, 256: 336 } as const;
const SAES_KEY_LOAD_CYCLES = 100;
const SAES_RESET_BUSY_CYCLES = 128;
const DEFAULT_DEVICE_SECRET = 'h5sim default device secret';

export interface AesOptions {
  /** SAES: hardware keys, wrapped and shared keys. */
  secure: boolean;
}

export class AesModel extends RegisterPeripheral {
  private readonly irq: IrqLine;
  private readonly secure: boolean;
  private inWords: number[] = [];
  private outWords: number[] = [];
  private busyEvent: ScheduledEvent | null = null;
  private keyWritten = 0;
  private hardwareKey: Uint8Array | null = null;
  private gcm: { ghash: GhashState; j0: Uint8Array } | null = null;
  /** CCM's running CBC-MAC; the counter block lives in IVR as on silicon. */
  private ccm: { mac: Uint8Array } | null = null;
  private suspendRestorePending = false;
  private unwrappedKeyWords: number[] = [];
  private keySelectAfterUnwrap = false;

  constructor(ctx: PeripheralContext, options: AesOptions = { secure: false }, baseAddress = 0) {
    super(ctx, AES_SIZE, AES_REGISTERS, baseAddress);
    this.secure = options.secure;
    this.irq = ctx.irq();
    this.regs.on('CR', { write: (value, previous) => this.controlWritten(value, previous) });
    this.regs.on('DINR', { write: (value) => this.dataIn(value) });
    this.regs.on('DOUTR', {
      read: () => this.outWords[0] ?? 0,
      peek: () => this.outWords[0] ?? 0,
      afterRead: () => this.dataOut(),
    });
    for (let n = 0; n < 8; n++) this.regs.on(`KEYR${n}`, { write: () => this.keyWrittenAt(n) });
    for (let n = 0; n < 4; n++) {
      this.regs.on(`SUSP${n}R`, {
        read: (stored) => this.suspendWord(n) ?? stored,
        peek: (stored) => this.suspendWord(n) ?? stored,
        write: () => { this.suspendRestorePending = true; },
      });
    }
    this.regs.on('IER', { write: () => this.updateIrq() });
    this.regs.on('ICR', {
      write: (value) => {
        this.regs.set('ICR', 0);
        this.regs.setBits('ISR', value & 0xf, false);
        if (value & AES_ISR.RWEIF) this.regs.setBits('SR', AES_SR.RDERR | AES_SR.WRERR, false);
        this.updateIrq();
      },
    });
    this.onReset();
  }

  protected override onReset(): void {
    this.busyEvent?.cancel();
    this.busyEvent = null;
    this.inWords = [];
    this.outWords = [];
    this.keyWritten = 0;
    this.hardwareKey = null;
    this.unwrappedKeyWords = [];
    this.gcm = null;
    this.ccm = null;
    this.suspendRestorePending = false;
    this.irq.set(false);
    // SAES fetches masking randomness after reset; firmware waits for BUSY to clear (HAL_CRYP_Init).
    if (this.secure) this.runBusy(SAES_RESET_BUSY_CYCLES, () => {});
  }

  // ---- configuration --------------------------------------------------------------------------

  private get cr(): number { return this.regs.get('CR'); }
  private get mode(): Mode { return ((this.cr >>> 3) & 3) as Mode; }
  private get chain(): Chain { return (((this.cr >>> 5) & 3) | (this.cr & AES_CR.CHMOD2 ? 4 : 0)) as Chain; }
  private get phase(): Phase { return ((this.cr >>> 13) & 3) as Phase; }
  private get dataType(): number { return (this.cr >>> 1) & 3; }
  private get keyBits(): 128 | 256 { return this.cr & AES_CR.KEYSIZE ? 256 : 128; }
  private get keyMode(): number { return (this.cr >>> 24) & 3; }
  private get keySelect(): number { return (this.cr >>> 28) & 7; }
  private get npblb(): number { return (this.cr >>> 20) & 0xf; }

  private controlWritten(value: number, previous: number): void {
    if (value & AES_CR.IPRST) {
      this.regs.reset();
      this.onReset();
      return;
    }
    const changed = value ^ previous;
    if (changed & (AES_CR.KEYSIZE | (7 << 28))) {
      this.keyWritten = 0;
      this.hardwareKey = null;
      this.regs.setBits('SR', AES_SR.KEYVALID, false);
      if (this.secure && this.keySelect !== 0) this.loadHardwareKey();
    }
    if (changed & (3 << 24) && this.keyMode === 2 && !this.secure) this.loadSharedKey();
    const enabled = (value & AES_CR.EN) !== 0;
    if (!enabled) {
      this.inWords = [];
    } else if (!(previous & AES_CR.EN)) {
      this.started();
    } else if (changed & (3 << 13) && this.phase === Phase.Final && this.chain === Chain.CCM) {
      this.ccmFinal();
    }
    this.updateIrq();
  }

  /** EN went 1: key derivation and the GCM/CCM init phase run without data; CCM final likewise. */
  private started(): void {
    if (!this.keyValid()) {
      this.regs.setBits('ISR', AES_ISR.KEIF, true);
      this.regs.setBits('CR', AES_CR.EN, false);
      this.ctx.log.guestError('EN set without a valid key (KEYVALID=0): key error', { register: 'CR', field: 'EN' });
      return;
    }
    if (this.mode === Mode.KeyDerivation) {
      // The decryption key schedule is computed on demand; only the timing and CCF are observable.
      this.runBusy(this.blockCycles() * 1.5, () => this.complete([], true));
      return;
    }
    if (this.chain === Chain.GCM && this.phase === Phase.Init) {
      const cipher = this.cipher();
      const iv = this.ivBlock();
      const j0 = iv.slice();
      new DataView(j0.buffer).setUint32(12, 1);
      this.gcm = { ghash: new GhashState(cipher.encrypt(new Uint8Array(16))), j0 };
      this.suspendRestorePending = false;
      this.runBusy(this.blockCycles(), () => this.complete([], true));
      return;
    }
    if (this.chain === Chain.CCM && this.phase === Phase.Init) {
      const b0 = this.ivBlock();
      this.ccm = { mac: this.cipher().encrypt(b0) };
      this.setIv(counterZero(b0));
      this.suspendRestorePending = false;
      this.runBusy(this.blockCycles(), () => this.complete([], true));
      return;
    }
    if (this.chain === Chain.GCM || this.chain === Chain.CCM) this.resumeFromSuspend();
    if (this.chain === Chain.CCM && this.phase === Phase.Final) this.ccmFinal();
  }

  /** SUSP0R–SUSP3R hold the GHASH accumulator (GCM) or the CBC-MAC (CCM), most significant word in SUSP3R; our encoding. */
  private suspendWord(n: number): number | undefined {
    const state = this.gcm ? this.gcm.ghash.value() : this.ccm?.mac;
    return state ? blockToWords(state)[3 - n] : undefined;
  }

  /** HAL_CRYP_Resume rewrote SUSPxR, key and IVR and set EN: rebuild the GCM/CCM state from them. */
  private resumeFromSuspend(): void {
    if (!this.suspendRestorePending) return;
    this.suspendRestorePending = false;
    const state = wordsToBlock([3, 2, 1, 0].map((n) => this.regs.get(`SUSP${n}R`)));
    if (this.chain === Chain.GCM) {
      const cipher = this.cipher();
      const j0 = this.ivBlock();
      new DataView(j0.buffer).setUint32(12, 1);
      const ghash = new GhashState(cipher.encrypt(new Uint8Array(16)));
      ghash.load(state);
      this.gcm = { ghash, j0 };
    } else {
      this.ccm = { mac: state };
    }
  }

  // ---- keys -----------------------------------------------------------------------------------

  private keyWrittenAt(n: number): void {
    if (this.keyMode === 2 && !this.secure) return;
    this.keyWritten |= 1 << n;
    this.hardwareKey = null;
    const needed = this.keyBits === 256 ? 0xff : 0x0f;
    if ((this.keyWritten & needed) === needed) this.regs.setBits('SR', AES_SR.KEYVALID, true);
  }

  private keyValid(): boolean {
    return (this.regs.get('SR') & AES_SR.KEYVALID) !== 0;
  }

  private softwareKey(): Uint8Array {
    const count = this.keyBits / 32;
    const words: number[] = [];
    for (let n = count - 1; n >= 0; n--) words.push(this.regs.get(`KEYR${n}`));
    return wordsToBlock(words);
  }

  private key(): Uint8Array {
    return this.hardwareKey ?? this.softwareKey();
  }

  /** The key schedule of the last key used, so a long payload does not expand the key per block. */
  private cached: { key: string; cipher: AesBlockCipher } | null = null;
  private cipher(): AesBlockCipher {
    const key = this.key();
    const id = Array.from(key, (b) => b.toString(16).padStart(2, '0')).join('');
    if (this.cached?.key !== id) this.cached = { key: id, cipher: new AesBlockCipher(key) };
    return this.cached.cipher;
  }

  /** SAES KEYSEL: DHUK (001), BHK (010), DHUK xor BHK (100). Loaded with BUSY, then KEYVALID. */
  private loadHardwareKey(): void {
    const select = this.keySelect;
    const dhuk = (): Uint8Array => {
      const secret = this.ctx.host.options['deviceSecret'];
      const bytes = secret instanceof Uint8Array ? secret : new TextEncoder().encode(typeof secret === 'string' ? secret : DEFAULT_DEVICE_SECRET);
      const input = new Uint8Array(bytes.length + 5);
      input.set(new TextEncoder().encode('DHUK:'));
      input.set(bytes, 5);
      return sha256(input);
    };
    const bhk = (): Uint8Array => {
      const words: number[] = [];
      for (let n = 7; n >= 0; n--) words.push(this.ctx.signal(`TAMP.BKP${n}R`).value >>> 0);
      return wordsToBlock(words);
    };
    let key: Uint8Array;
    if (select === 1) key = dhuk();
    else if (select === 2) key = bhk();
    else if (select === 4) { const a = dhuk(), b = bhk(); key = a.map((x, i) => x ^ b[i]!); }
    else {
      this.ctx.log.unimplemented(`KEYSEL=${select} (test or reserved key) not modelled`, { register: 'CR', field: 'KEYSEL' });
      return;
    }
    const sized = this.keyBits === 256 ? key : key.subarray(16);
    this.runBusy(SAES_KEY_LOAD_CYCLES, () => {
      this.hardwareKey = sized.slice();
      this.regs.setBits('SR', AES_SR.KEYVALID, true);
    });
  }

  /** AES with KMOD=10 loads the key SAES decrypted in shared-key mode. */
  private loadSharedKey(): void {
    if (this.ctx.signal('SAES.shared_key_valid').value !== 1) {
      this.regs.setBits('ISR', AES_ISR.KEIF, true);
      this.ctx.log.guestError('KMOD=10 but SAES has not shared a key', { register: 'CR', field: 'KMOD' });
      return;
    }
    const words: number[] = [];
    for (let n = this.keyBits / 32 - 1; n >= 0; n--) words.push(this.ctx.signal(`SAES.shared_key${n}`).value >>> 0);
    this.hardwareKey = wordsToBlock(words);
    this.regs.setBits('SR', AES_SR.KEYVALID, true);
  }

  /** Wrapped-key decryption (KMOD=01) or shared-key decryption (KMOD=10): the result becomes the key. */
  private acceptUnwrapped(block: Uint8Array): void {
    this.unwrappedKeyWords.push(...blockToWords(block));
    const count = this.keyBits / 32;
    if (this.unwrappedKeyWords.length < count) return;
    const words = this.unwrappedKeyWords.slice(0, count);
    this.unwrappedKeyWords = [];
    if (this.keyMode === 2) {
      words.forEach((w, i) => this.ctx.signal(`SAES.shared_key${count - 1 - i}`).set(w));
      this.ctx.signal('SAES.shared_key_valid').set(1);
    } else {
      this.hardwareKey = wordsToBlock(words);
      this.keySelectAfterUnwrap = true;
    }
  }

  // ---- data path ------------------------------------------------------------------------------

  private dataIn(value: number): void {
    if (!(this.cr & AES_CR.EN)) {
      this.ctx.log.guestError('DINR written while EN=0; ignored', { register: 'DINR' });
      return;
    }
    if (this.busyEvent || this.outWords.length > 0) {
      // RM0481 §36.4: a write during computation or before the output is read is a write error.
      this.regs.setBits('SR', AES_SR.WRERR, true);
      this.regs.setBits('ISR', AES_ISR.RWEIF, true);
      this.updateIrq();
      return;
    }
    const finalGcm = this.chain === Chain.GCM && this.phase === Phase.Final;
    this.inWords.push(finalGcm ? value >>> 0 : swapWord(value, this.dataType));
    if (this.inWords.length < 4) return;
    const block = wordsToBlock(this.inWords);
    this.inWords = [];
    this.processBlock(block);
  }

  private dataOut(): void {
    if (this.outWords.length === 0) {
      this.regs.setBits('SR', AES_SR.RDERR, true);
      this.regs.setBits('ISR', AES_ISR.RWEIF, true);
      this.ctx.log.guestError('DOUTR read with no output available (before CCF); returns 0', { register: 'DOUTR' });
      this.updateIrq();
      return;
    }
    this.outWords.shift();
    this.updateDma();
  }

  private processBlock(input: Uint8Array): void {
    let output: Uint8Array | null = null;
    const cipher = this.cipher();
    const valid = 16 - this.npblb;
    const masked = (b: Uint8Array) => { const c = b.slice(); c.fill(0, valid); return c; };
    switch (this.chain) {
      case Chain.ECB:
        output = this.mode === Mode.Decrypt ? cipher.decrypt(input) : cipher.encrypt(input);
        break;
      case Chain.CBC: {
        const iv = this.ivBlock();
        if (this.mode === Mode.Decrypt) {
          output = xorBlocks(cipher.decrypt(input), iv);
          this.setIv(input);
        } else {
          output = cipher.encrypt(xorBlocks(input, iv));
          this.setIv(output);
        }
        break;
      }
      case Chain.CTR: {
        const counter = this.ivBlock();
        output = xorBlocks(input, cipher.encrypt(counter));
        this.setIv(incrementCounter32(counter));
        break;
      }
      case Chain.GCM:
        output = this.gcmBlock(cipher, input, masked);
        break;
      case Chain.CCM:
        output = this.ccmBlock(cipher, input, masked);
        break;
    }
    const keyOut = this.keyMode !== 0 && this.secure && this.mode === Mode.Decrypt;
    if (keyOut && output) {
      this.acceptUnwrapped(output);
      output = null;
    }
    const words = output ? blockToWords(output) : [];
    this.runBusy(this.blockCycles(), () => this.complete(words, false));
  }

  private gcmBlock(cipher: AesBlockCipher, input: Uint8Array, masked: (b: Uint8Array) => Uint8Array): Uint8Array | null {
    if (!this.gcm) {
      this.ctx.log.guestError('GCM data before the init phase; run GCMPH=00 with EN first', { register: 'DINR' });
      return null;
    }
    switch (this.phase) {
      case Phase.Init:
        this.ctx.log.guestError('DINR written during the GCM init phase', { register: 'DINR' });
        return null;
      case Phase.Header:
        this.gcm.ghash.absorb(input);
        return null;
      case Phase.Payload: {
        const counter = this.ivBlock();
        const output = xorBlocks(input, cipher.encrypt(counter));
        this.setIv(incrementCounter32(counter));
        const ciphertext = this.mode === Mode.Decrypt ? input : output;
        this.gcm.ghash.absorb(masked(ciphertext));
        return masked(output);
      }
      case Phase.Final:
        this.gcm.ghash.absorb(input);
        return xorBlocks(this.gcm.ghash.value(), cipher.encrypt(this.gcm.j0));
    }
  }

  private ccmBlock(cipher: AesBlockCipher, input: Uint8Array, masked: (b: Uint8Array) => Uint8Array): Uint8Array | null {
    if (!this.ccm) {
      this.ctx.log.guestError('CCM data before the init phase; write B0 to IVR and run GCMPH=00 with EN first', { register: 'DINR' });
      return null;
    }
    switch (this.phase) {
      case Phase.Init:
      case Phase.Final:
        this.ctx.log.guestError('DINR written during the CCM init or final phase', { register: 'DINR' });
        return null;
      case Phase.Header:
        this.ccm.mac = cipher.encrypt(xorBlocks(this.ccm.mac, input));
        return null;
      case Phase.Payload: {
        const counter = incrementCounterBytes(this.ivBlock());
        this.setIv(counter);
        const stream = cipher.encrypt(counter);
        const plaintext = masked(this.mode === Mode.Decrypt ? xorBlocks(input, stream) : input);
        this.ccm.mac = cipher.encrypt(xorBlocks(this.ccm.mac, plaintext));
        return this.mode === Mode.Decrypt ? plaintext : masked(xorBlocks(plaintext, stream));
      }
    }
  }

  private ccmFinal(): void {
    if (!this.ccm) {
      this.ctx.log.guestError('CCM final phase without init', { register: 'CR', field: 'GCMPH' });
      return;
    }
    const tag = xorBlocks(this.ccm.mac, this.cipher().encrypt(counterZero(this.ivBlock())));
    this.runBusy(this.blockCycles(), () => this.complete(blockToWords(tag), false));
  }

  private ivBlock(): Uint8Array {
    return wordsToBlock([this.regs.get('IVR3'), this.regs.get('IVR2'), this.regs.get('IVR1'), this.regs.get('IVR0')]);
  }

  private setIv(block: Uint8Array): void {
    const [w3, w2, w1, w0] = blockToWords(block);
    this.regs.set('IVR3', w3!);
    this.regs.set('IVR2', w2!);
    this.regs.set('IVR1', w1!);
    this.regs.set('IVR0', w0!);
  }

  // ---- timing and outputs ---------------------------------------------------------------------

  private blockCycles(): number {
    return (this.secure ? SAES_CYCLES : AES_CYCLES)[this.keyBits];
  }

  private runBusy(cycles: number, done: () => void): void {
    this.busyEvent?.cancel();
    this.regs.setBits('SR', AES_SR.BUSY, true);
    this.busyEvent = this.ctx.clock.afterCycles(Math.ceil(cycles), () => {
      this.busyEvent = null;
      this.regs.setBits('SR', AES_SR.BUSY, false);
      done();
      this.updateIrq();
    }, `${this.name} block`);
    this.updateDma();
  }

  /** A computation finished: output words (swapped back per DATATYPE, except key material), CCF. */
  private complete(words: number[], clearEnable: boolean): void {
    this.outWords = words.map((w) => swapWord(w, this.dataType));
    if (clearEnable) this.regs.setBits('CR', AES_CR.EN, false);
    if (this.keySelectAfterUnwrap) {
      this.keySelectAfterUnwrap = false;
      this.regs.setBits('SR', AES_SR.KEYVALID, true);
    }
    this.regs.setBits('ISR', AES_ISR.CCF, true);
  }

  private updateIrq(): void {
    this.irq.set((this.regs.get('ISR') & this.regs.get('IER') & 0xf) !== 0);
    this.updateDma();
  }

  private updateDma(): void {
    const cr = this.cr;
    const idle = !this.busyEvent && (cr & AES_CR.EN) !== 0;
    this.ctx.signal(`${this.name}.dma_in_request`).set(idle && cr & AES_CR.DMAINEN && this.outWords.length === 0 ? 1 : 0);
    this.ctx.signal(`${this.name}.dma_out_request`).set(cr & AES_CR.DMAOUTEN && this.outWords.length > 0 ? 1 : 0);
  }
}

/** CTR0 of CCM from B0 or any counter block: flags reduced to q-1, the q-byte counter field zeroed. */
function counterZero(block: Uint8Array): Uint8Array {
  const q = (block[0]! & 7) + 1;
  const ctr0 = block.slice();
  ctr0[0] = block[0]! & 7;
  ctr0.fill(0, 16 - q);
  return ctr0;
}

/** CCM counter: increments the q-byte counter field (the flags byte gives q). */
function incrementCounterBytes(counter: Uint8Array): Uint8Array {
  const q = (counter[0]! & 7) + 1;
  const out = counter.slice();
  for (let i = 15; i >= 16 - q; i--) {
    out[i] = (out[i]! + 1) & 0xff;
    if (out[i] !== 0) break;
  }
  return out;
}
