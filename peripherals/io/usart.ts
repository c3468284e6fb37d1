// RM0481 §50 USART and §51 LPUART: transmitter paced at the programmed baud rate in virtual time,
// receiver fed from the host's SerialLink at the same pace, FIFO mode, status flags and one IRQ.
import { RegisterPeripheral } from '../core/register-peripheral.js';
import type { AccessSize, IrqLine, PeripheralContext } from '../core/peripheral.js';
import type { SerialLink } from '../../emulator/ports/serial-link.js';
import type { ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import { USART_CR1, USART_CR3, USART_ISR, USART_REGISTERS, USART_RQR } from './usart.regs.js';

export type UsartKind = 'usart' | 'uart' | 'lpuart';

export interface UsartOptions {
  kind?: UsartKind;
}

const FIFO_DEPTH = 8;
const PRESCALER_DIVIDERS = [1, 2, 4, 6, 8, 10, 12, 16, 32, 64, 128, 256];
/** TXFTCFG/RXFTCFG: 1/8, 1/4, 1/2, 3/4, 7/8 of the depth, then the whole FIFO. */
const THRESHOLD_ENTRIES = [1, 2, 4, 6, 7, 8];
/** ICR bit → ISR flag it clears (TXFECF and TCBGTCF sit elsewhere in ISR). */
const ICR_TO_ISR: Array<[number, number]> = [
  [1 << 0, USART_ISR.PE], [1 << 1, USART_ISR.FE], [1 << 2, USART_ISR.NE], [1 << 3, USART_ISR.ORE],
  [1 << 4, USART_ISR.IDLE], [1 << 5, USART_ISR.TXFE], [1 << 6, USART_ISR.TC], [1 << 7, USART_ISR.TCBGT],
  [1 << 8, USART_ISR.LBDF], [1 << 9, USART_ISR.CTSIF], [1 << 11, USART_ISR.RTOF], [1 << 12, USART_ISR.EOBF],
  [1 << 13, USART_ISR.UDR], [1 << 17, USART_ISR.CMF], [1 << 20, USART_ISR.WUF],
];
/** ISR bits computed from the FIFOs rather than stored. */
const COMPUTED = USART_ISR.RXNE | USART_ISR.TXE | USART_ISR.TXFE | USART_ISR.RXFF | USART_ISR.RXFT | USART_ISR.TXFT | USART_ISR.BUSY;
const ISR_RESET = USART_ISR.TC;

export class Usart extends RegisterPeripheral {
  readonly kind: UsartKind;
  private readonly irqLine: IrqLine;
  private readonly link: SerialLink;
  /** TDR (one entry) or TXFIFO contents waiting for the shift register. */
  private txQueue: number[] = [];
  private txShift: ScheduledEvent | null = null;
  /** RDR (one entry) or RXFIFO contents. */
  private rxQueue: number[] = [];
  private rxFrame: ScheduledEvent | null = null;
  private idleTimer: ScheduledEvent | null = null;
  private timeoutTimer: ScheduledEvent | null = null;
  private breakTimer: ScheduledEvent | null = null;
  private lastRdr = 0;
  private warnedBaud = false;
  /** Hold host bytes while the receiver is full instead of losing them (QEMU's behaviour). */
  private readonly backpressure: boolean;

  constructor(ctx: PeripheralContext, options: UsartOptions = {}) {
    super(ctx, 0x400, USART_REGISTERS);
    this.kind = options.kind ?? (ctx.name.startsWith('LPUART') ? 'lpuart' : ctx.name.startsWith('UART') ? 'uart' : 'usart');
    this.irqLine = ctx.irq();
    this.link = ctx.host.serial(ctx.name);
    this.backpressure = ctx.host.options.uartRxBackpressure === true;
    this.link.onRxAvailable(() => this.startReceive());

    this.regs.on('CR1', { write: (value, previous) => this.controlWritten(value, previous) });
    this.regs.on('CR2', { write: () => this.updateIrq() });
    this.regs.on('CR3', { write: () => this.updateIrq() });
    this.regs.on('ISR', { read: (stored) => this.status(stored) });
    this.regs.on('ICR', { write: (value) => this.clearFlags(value) });
    this.regs.on('RQR', { write: (value) => this.request(value) });
    this.regs.on('RDR', {
      read: () => this.rxQueue[0] ?? this.lastRdr,
      afterRead: () => this.popReceived(),
    });
    this.regs.on('TDR', { write: (value) => this.queueTransmit(value & 0x1ff) });
  }

  // A USART whose bus clock is off ignores writes and reads as zero, as on silicon.
  override read(offset: number, size: AccessSize): number {
    if (!this.ctx.clocks.isClockEnabled(this.name)) return 0;
    return super.read(offset, size);
  }

  override write(offset: number, size: AccessSize, value: number): void {
    if (!this.ctx.clocks.isClockEnabled(this.name)) return;
    super.write(offset, size, value);
  }

  /** Bits per second from the kernel clock, PRESC, BRR and OVER8 (0 when undefined). */
  baudRate(): number {
    const kernel = this.ctx.clocks.kernelFrequency(this.name);
    const divider = PRESCALER_DIVIDERS[this.regs.get('PRESC') & 0xf] ?? 256;
    const brr = this.regs.get('BRR');
    if (this.kind === 'lpuart') {
      const div = brr & 0xfffff;
      return div === 0 ? 0 : (256 * kernel) / divider / div;
    }
    if (this.regs.get('CR1') & USART_CR1.OVER8) {
      const div = (brr & 0xfff0) | ((brr & 0x7) << 1);
      return div === 0 ? 0 : (2 * kernel) / divider / div;
    }
    const div = brr & 0xffff;
    return div === 0 ? 0 : kernel / divider / div;
  }

  /** Data bits of a frame including parity (M1:M0 = 00 → 8, 01 → 9, 10 → 7). */
  private wordLength(): number {
    const cr1 = this.regs.get('CR1');
    if (cr1 & USART_CR1.M1) return 7;
    return cr1 & USART_CR1.M0 ? 9 : 8;
  }

  /** Start bit, data (with parity) and stop bits (STOP: 1, 0.5, 2, 1.5). */
  frameBits(): number {
    const stop = [1, 0.5, 2, 1.5][this.regs.field('CR2', 'STOP')]!;
    return 1 + this.wordLength() + stop;
  }

  private frameSeconds(): number {
    const baud = this.baudRate();
    if (!(baud > 0)) {
      if (!this.warnedBaud) {
        this.warnedBaud = true;
        this.ctx.log.guestError('baud rate undefined (BRR = 0 or kernel clock off); frames complete at once', { register: 'BRR', value: this.regs.get('BRR') });
      }
      return 0;
    }
    return this.frameBits() / baud;
  }

  private get fifoMode(): boolean {
    return (this.regs.get('CR1') & USART_CR1.FIFOEN) !== 0;
  }

  private get capacity(): number {
    return this.fifoMode ? FIFO_DEPTH : 1;
  }

  private enabled(bit: number): boolean {
    const cr1 = this.regs.get('CR1');
    return (cr1 & USART_CR1.UE) !== 0 && (cr1 & bit) !== 0;
  }

  private status(stored: number): number {
    let isr = stored & ~COMPUTED;
    const fifo = this.fifoMode;
    if (this.rxQueue.length > 0) isr |= USART_ISR.RXNE;
    if (this.txQueue.length < this.capacity) isr |= USART_ISR.TXE;
    if (fifo) {
      if (this.txQueue.length === 0) isr |= USART_ISR.TXFE;
      if (this.rxQueue.length >= FIFO_DEPTH) isr |= USART_ISR.RXFF;
      const cr3 = this.regs.get('CR3');
      if (this.rxQueue.length >= (THRESHOLD_ENTRIES[(cr3 >>> 25) & 7] ?? FIFO_DEPTH)) isr |= USART_ISR.RXFT;
      if (FIFO_DEPTH - this.txQueue.length >= (THRESHOLD_ENTRIES[(cr3 >>> 29) & 7] ?? FIFO_DEPTH)) isr |= USART_ISR.TXFT;
    }
    if (this.rxFrame) isr |= USART_ISR.BUSY;
    return isr >>> 0;
  }

  updateIrq(): void {
    const isr = this.status(this.regs.get('ISR'));
    const cr1 = this.regs.get('CR1');
    const cr2 = this.regs.get('CR2');
    const cr3 = this.regs.get('CR3');
    const on = (enable: number, flags: number) => (enable !== 0 && (isr & flags) !== 0);
    const level =
      on(cr1 & USART_CR1.TXEIE, USART_ISR.TXE) ||
      on(cr1 & USART_CR1.TCIE, USART_ISR.TC) ||
      on(cr1 & USART_CR1.RXNEIE, USART_ISR.RXNE | USART_ISR.ORE) ||
      on(cr1 & USART_CR1.IDLEIE, USART_ISR.IDLE) ||
      on(cr1 & USART_CR1.PEIE, USART_ISR.PE) ||
      on(cr1 & USART_CR1.CMIE, USART_ISR.CMF) ||
      on(cr1 & USART_CR1.RTOIE, USART_ISR.RTOF) ||
      on(cr1 & USART_CR1.EOBIE, USART_ISR.EOBF) ||
      on(cr1 & USART_CR1.TXFEIE, USART_ISR.TXFE) ||
      on(cr1 & USART_CR1.RXFFIE, USART_ISR.RXFF) ||
      on(cr2 & (1 << 6), USART_ISR.LBDF) ||
      on(cr3 & USART_CR3.EIE, USART_ISR.FE | USART_ISR.NE | USART_ISR.ORE) ||
      on(cr3 & (1 << 10), USART_ISR.CTSIF) ||
      on(cr3 & (1 << 22), USART_ISR.WUF) ||
      on(cr3 & USART_CR3.TXFTIE, USART_ISR.TXFT) ||
      on(cr3 & (1 << 24), USART_ISR.TCBGT) ||
      on(cr3 & USART_CR3.RXFTIE, USART_ISR.RXFT);
    this.irqLine.set(level);
  }

  private controlWritten(value: number, previous: number): void {
    const ue = (value & USART_CR1.UE) !== 0;
    if (!ue) {
      // UE = 0 stops the USART: transfers in progress are lost and ISR returns to its reset value.
      if (previous & USART_CR1.UE) this.stopAll();
      this.updateIrq();
      return;
    }
    if ((value & USART_CR1.TE) && !(previous & USART_CR1.UE && previous & USART_CR1.TE)) {
      this.regs.setBits('ISR', USART_ISR.TEACK);
    } else if (!(value & USART_CR1.TE)) {
      this.regs.setBits('ISR', USART_ISR.TEACK, false);
    }
    if (value & USART_CR1.RE) {
      this.regs.setBits('ISR', USART_ISR.REACK);
    } else {
      this.regs.setBits('ISR', USART_ISR.REACK, false);
      this.cancelReceive();
    }
    this.startTransmit();
    this.startReceive();
    this.updateIrq();
  }

  private stopAll(): void {
    for (const event of [this.txShift, this.rxFrame, this.idleTimer, this.timeoutTimer, this.breakTimer]) event?.cancel();
    this.txShift = this.rxFrame = this.idleTimer = this.timeoutTimer = this.breakTimer = null;
    this.txQueue = [];
    this.rxQueue = [];
    this.regs.set('ISR', ISR_RESET);
  }

  private cancelReceive(): void {
    for (const event of [this.rxFrame, this.idleTimer, this.timeoutTimer]) event?.cancel();
    this.rxFrame = this.idleTimer = this.timeoutTimer = null;
  }

  private clearFlags(value: number): void {
    let clear = 0;
    for (const [icr, isr] of ICR_TO_ISR) if (value & icr) clear |= isr;
    this.regs.setBits('ISR', clear, false);
    this.regs.set('ICR', 0);
    this.updateIrq();
  }

  private request(value: number): void {
    if (value & USART_RQR.RXFRQ) {
      this.rxQueue = [];
      this.startReceive();
    }
    if (value & USART_RQR.TXFRQ) this.txQueue = [];
    if (value & USART_RQR.SBKRQ && this.enabled(USART_CR1.TE)) {
      this.regs.setBits('ISR', USART_ISR.SBKF);
      this.breakTimer?.cancel();
      this.breakTimer = this.ctx.clock.afterSeconds(this.frameSeconds(), () => {
        this.breakTimer = null;
        this.regs.setBits('ISR', USART_ISR.SBKF, false);
        this.updateIrq();
      }, `${this.name} break`);
    }
    if (value & USART_RQR.MMRQ) this.regs.setBits('ISR', USART_ISR.RWU);
    this.regs.set('RQR', 0);
    this.updateIrq();
  }

  // ---- transmitter ----

  private queueTransmit(data: number): void {
    if (this.txQueue.length >= this.capacity) {
      this.ctx.log.guestError('write to TDR while TXE/TXFNF = 0: the data is lost', { register: 'TDR', value: data });
      return;
    }
    this.txQueue.push(data);
    // Writing TDR clears TC.
    this.regs.setBits('ISR', USART_ISR.TC, false);
    this.startTransmit();
    this.updateIrq();
  }

  private startTransmit(): void {
    if (this.txShift || this.txQueue.length === 0 || !this.enabled(USART_CR1.TE)) return;
    const data = this.txQueue.shift()!;
    this.txShift = this.ctx.clock.afterSeconds(this.frameSeconds(), () => this.shifted(data), `${this.name} tx`);
  }

  private shifted(data: number): void {
    this.txShift = null;
    this.link.transmit(data & this.dataMask());
    if (this.txQueue.length > 0 && this.enabled(USART_CR1.TE)) {
      this.startTransmit();
    } else if (this.txQueue.length === 0) {
      this.regs.setBits('ISR', USART_ISR.TC);
    }
    this.updateIrq();
  }

  /** Data bits the host sees: the parity bit (MSB when PCE = 1) is not data. */
  private dataMask(): number {
    const bits = this.wordLength() - (this.regs.get('CR1') & USART_CR1.PCE ? 1 : 0);
    return ((1 << Math.min(bits, 8)) - 1) & 0xff;
  }

  // ---- receiver ----

  private startReceive(): void {
    if (this.rxFrame || !this.enabled(USART_CR1.RE) || this.link.rxPending === 0) return;
    if (this.backpressure && this.rxQueue.length >= this.capacity) return;
    this.idleTimer?.cancel();
    this.idleTimer = null;
    this.timeoutTimer?.cancel();
    this.timeoutTimer = null;
    this.rxFrame = this.ctx.clock.afterSeconds(this.frameSeconds(), () => this.received(), `${this.name} rx`);
    this.updateIrq();
  }

  private received(): void {
    this.rxFrame = null;
    const byte = this.link.takeRx();
    if (byte !== undefined) {
      const data = byte & this.dataMask();
      if (this.rxQueue.length < this.capacity) {
        this.rxQueue.push(data);
      } else if (this.regs.get('CR3') & USART_CR3.OVRDIS) {
        // Overrun detection disabled: in single-buffer mode the new data replaces RDR.
        if (!this.fifoMode) this.rxQueue[0] = data;
      } else {
        this.regs.setBits('ISR', USART_ISR.ORE);
      }
    }
    const frame = this.frameSeconds();
    if (this.link.rxPending > 0) {
      this.startReceive();
    } else {
      // IDLE: one idle frame after the last stop bit; RTOF: RTO bit times, when RTOEN.
      this.idleTimer = this.ctx.clock.afterSeconds(frame, () => {
        this.idleTimer = null;
        this.regs.setBits('ISR', USART_ISR.IDLE);
        this.updateIrq();
      }, `${this.name} idle`);
      const rto = this.regs.field('RTOR', 'RTO');
      const baud = this.baudRate();
      if (this.regs.field('CR2', 'RTOEN') && rto > 0 && baud > 0 && this.kind !== 'lpuart') {
        this.timeoutTimer = this.ctx.clock.afterSeconds(rto / baud, () => {
          this.timeoutTimer = null;
          this.regs.setBits('ISR', USART_ISR.RTOF);
          this.updateIrq();
        }, `${this.name} receiver timeout`);
      }
    }
    this.updateIrq();
  }

  private popReceived(): void {
    const data = this.rxQueue.shift();
    if (data !== undefined) this.lastRdr = data;
    if (this.backpressure) this.startReceive();
    this.updateIrq();
  }

  /** Bytes waiting in RDR/RXFIFO (for tests and traces). */
  get receivedPending(): number {
    return this.rxQueue.length;
  }

  protected override onReset(): void {
    this.stopAll();
    this.lastRdr = 0;
    this.warnedBaud = false;
    this.irqLine.set(false);
  }
}
