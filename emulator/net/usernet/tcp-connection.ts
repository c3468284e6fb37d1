// usernet's end of one TCP connection with the firmware (RFC 9293). The other end is a host
// socket, reached through the callbacks. The firmware's stack may lose, duplicate or reorder
// segments (and tests make it), so this side retransmits on a timer, buffers out-of-order data,
// honours the firmware's MSS and window, and supports half-close. There is no TIME_WAIT: once
// both FINs are acknowledged the connection is forgotten (a late retransmitted FIN gets a RST).
import type { NetClock, NetTimer } from '../net-clock.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, seqAdd, seqDiff, seqLe, seqLt, type TcpFields, type TcpSegment } from '../packet.js';

export interface TcpConnectionCallbacks {
  /** Sends a segment to the firmware (ports are filled in by the caller). */
  emit(fields: Omit<TcpFields, 'sourcePort' | 'destinationPort'>): void;
  /** In-order data from the firmware. */
  onData(data: Uint8Array): void;
  /** The firmware will send no more (its FIN, in order). */
  onPeerFinished(): void;
  /** The three-way handshake completed. */
  onEstablished(): void;
  /** The connection ended abnormally: RST from the firmware or retransmissions gave up. */
  onReset(reason: string): void;
  /**
   * The connection is over (after onReset too). `graceful`: both FINs were exchanged; the caller may
   * keep passing segments for a short while so a retransmitted FIN (our last ACK was lost) is
   * answered with an ACK instead of a RST.
   */
  onClosed(graceful: boolean): void;
  /** Bytes from the firmware not yet taken by the host side; shrinks the advertised window. */
  hostBacklog(): number;
}

export interface TcpTuning {
  /** First retransmission timeout, seconds (doubled on each retry). */
  initialRto: number;
  maxRto: number;
  /** Retransmissions of one segment before the connection is reset. */
  maxRetries: number;
  /** Our receive window (no window scaling is offered). */
  receiveWindow: number;
  /** Our MSS, announced in our SYN. */
  mss: number;
  /** Out-of-order bytes from the firmware kept while waiting for a gap to fill. */
  reorderLimit: number;
}

export const DEFAULT_TCP_TUNING: TcpTuning = {
  initialRto: 1,
  maxRto: 30,
  maxRetries: 8,
  receiveWindow: 65535,
  mss: 1460,
  reorderLimit: 256 * 1024,
};

type State = 'syn-sent' | 'syn-received' | 'established' | 'closed';

export class TcpConnection {
  private state: State;
  private readonly iss: number;
  private sndUna: number;
  private sndNxt: number;
  /** Highest sequence number ever sent: after a go-back, ACKs up to here are still valid. */
  private sndMax: number;
  private sndWnd = 0;
  private sndWl1 = 0;
  private sndWl2 = 0;
  private peerMss = 536;
  private irs = 0;
  private rcvNxt = 0;
  private lastAdvertisedWindow = 0;
  /** Data from the host not yet acknowledged by the firmware; byte 0 is at sndUna (after the SYN). */
  private sendBuffer = Buffer.alloc(0);
  private finQueued = false;
  private finAcked = false;
  private peerFinished = false;
  private readonly outOfOrder = new Map<number, { data: Uint8Array; fin: boolean }>();
  private outOfOrderBytes = 0;
  private retransmitTimer: NetTimer | null = null;
  private rto: number;
  private retries = 0;
  private duplicateAcks = 0;
  /** After a timeout only one segment is in flight until an ACK advances (a minimal slow start). */
  private recovering = false;
  private probing = false;
  /** After a fast retransmit: sndNxt at that moment; ACKs below it resend the next hole at once (RFC 6582). */
  private recoverPoint: number | null = null;
  private closedGracefully = false;

  constructor(
    private readonly clock: NetClock,
    private readonly callbacks: TcpConnectionCallbacks,
    private readonly tuning: TcpTuning,
    initialSequence: number,
    /** The firmware's SYN when it opened the connection; absent when we open it (hostfwd). */
    peerSyn?: TcpSegment,
  ) {
    this.iss = initialSequence >>> 0;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.sndMax = this.iss;
    this.rto = tuning.initialRto;
    if (peerSyn) {
      this.state = 'syn-received';
      this.irs = peerSyn.sequence;
      this.rcvNxt = seqAdd(peerSyn.sequence, 1);
      this.peerMss = clampMss(peerSyn.mss);
      this.sndWnd = peerSyn.window;
    } else {
      this.state = 'syn-sent';
    }
    this.sendSyn();
  }

  get isEstablished(): boolean {
    return this.state === 'established';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Bytes queued towards the firmware and not yet acknowledged (for host-side backpressure). */
  get unacknowledgedBytes(): number {
    return this.sendBuffer.length;
  }

  /** Data from the host for the firmware. */
  write(data: Uint8Array): void {
    if (this.state === 'closed' || this.finQueued || data.length === 0) return;
    this.sendBuffer = this.sendBuffer.length === 0 ? Buffer.from(data) : Buffer.concat([this.sendBuffer, data]);
    this.output();
  }

  /** The host side has no more data: send FIN after what is queued. */
  finish(): void {
    if (this.state === 'closed' || this.finQueued) return;
    this.finQueued = true;
    this.output();
    this.maybeClosed();
  }

  /** Aborts with a RST to the firmware. */
  abort(): void {
    if (this.state === 'closed') return;
    if (this.state !== 'syn-sent') this.emit(TCP_RST | TCP_ACK, this.sndNxt);
    else this.emit(TCP_RST, this.sndNxt);
    this.close();
  }

  /** The host side consumed data: reopen the window if it had shrunk noticeably. */
  windowOpened(): void {
    if (this.state !== 'established') return;
    if (this.lastAdvertisedWindow < this.peerMss && this.receiveWindow() >= this.peerMss) this.sendAck();
  }

  receive(segment: TcpSegment): void {
    if (this.state === 'closed') {
      // Lingering: retransmissions (data or FIN, all of it already received) get our final ACK again.
      const occupiesSequence = segment.payload.length > 0 || (segment.flags & TCP_FIN) !== 0;
      if (this.closedGracefully && occupiesSequence && !(segment.flags & TCP_RST)) this.sendAck();
      return;
    }
    if (this.state === 'syn-sent') return this.receiveInSynSent(segment);
    const flags = segment.flags;

    if (flags & TCP_RST) {
      // RFC 5961: only an exactly placed RST closes; one elsewhere in the window earns an ACK.
      if (segment.sequence === this.rcvNxt) {
        this.callbacks.onReset('reset by the firmware');
        this.close();
      } else if (this.inReceiveWindow(segment.sequence)) {
        this.sendAck();
      }
      return;
    }
    if (flags & TCP_SYN) {
      if (this.state === 'syn-received' && segment.sequence === this.irs) this.sendSyn();
      else this.sendAck(); // a retransmitted or stray SYN: tell the firmware where we are
      return;
    }
    if (!(flags & TCP_ACK)) return;

    if (this.state === 'syn-received') {
      if (segment.acknowledgment !== seqAdd(this.iss, 1)) {
        this.emit(TCP_RST, segment.acknowledgment);
        return;
      }
      this.sndWnd = segment.window;
      this.sndWl1 = segment.sequence;
      this.sndWl2 = segment.acknowledgment;
      this.establish();
    }
    if (!this.processAck(segment)) return;
    if (this.state !== 'established') return;
    this.processData(segment);
    this.maybeClosed();
  }

  private receiveInSynSent(segment: TcpSegment): void {
    const flags = segment.flags;
    const ackOk = (flags & TCP_ACK) !== 0 && segment.acknowledgment === seqAdd(this.iss, 1);
    if (flags & TCP_ACK && !ackOk) {
      if (!(flags & TCP_RST)) this.emit(TCP_RST, segment.acknowledgment);
      return;
    }
    if (flags & TCP_RST) {
      if (ackOk) {
        this.callbacks.onReset('connection refused by the firmware');
        this.close();
      }
      return;
    }
    if (!(flags & TCP_SYN) || !ackOk) return;
    this.irs = segment.sequence;
    this.rcvNxt = seqAdd(segment.sequence, 1);
    this.peerMss = clampMss(segment.mss);
    this.sndWnd = segment.window;
    this.sndWl1 = segment.sequence;
    this.sndWl2 = segment.acknowledgment;
    this.establish();
    this.sendAck();
  }

  private establish(): void {
    this.state = 'established';
    this.sndUna = seqAdd(this.iss, 1);
    if (seqLt(this.sndNxt, this.sndUna)) this.sndNxt = this.sndUna;
    this.stopTimer();
    this.retries = 0;
    this.rto = this.tuning.initialRto;
    this.callbacks.onEstablished();
    this.output();
  }

  /** False when the segment must be dropped (it acknowledges data never sent). */
  private processAck(segment: TcpSegment): boolean {
    const ack = segment.acknowledgment;
    if (seqLt(this.sndMax, ack)) {
      this.sendAck();
      return false;
    }
    if (seqLt(this.sndUna, ack)) {
      let acked = seqDiff(ack, this.sndUna);
      const fromData = Math.min(acked, this.sendBuffer.length);
      this.sendBuffer = this.sendBuffer.subarray(fromData);
      acked -= fromData;
      if (acked > 0 && this.finQueued) this.finAcked = true;
      this.sndUna = ack;
      if (seqLt(this.sndNxt, ack)) this.sndNxt = ack; // acknowledges what was sent before a go-back
      this.retries = 0;
      this.rto = this.tuning.initialRto;
      this.duplicateAcks = 0;
      this.recovering = false;
      this.probing = false;
      this.stopTimer();
      if (this.recoverPoint !== null) {
        if (seqLt(ack, this.recoverPoint)) this.retransmitFirst(); // partial ACK: the next segment was lost too
        else this.recoverPoint = null;
      }
    } else if (ack === this.sndUna && segment.payload.length === 0 && !(segment.flags & TCP_FIN)
      && segment.window === this.sndWnd && this.sndNxt !== this.sndUna) {
      if (++this.duplicateAcks === 3 && this.recoverPoint === null) {
        this.recoverPoint = this.sndNxt;
        this.retransmitFirst();
      }
    }
    const fresh = seqLt(this.sndWl1, segment.sequence) || (this.sndWl1 === segment.sequence && seqLe(this.sndWl2, ack));
    if (seqLe(this.sndUna, ack) && fresh) {
      this.sndWnd = segment.window;
      this.sndWl1 = segment.sequence;
      this.sndWl2 = ack;
    }
    if (this.probing) {
      if (this.sndWnd > 0) {
        // The window opened: the probe byte was most likely discarded, so send it again in order.
        this.probing = false;
        this.sndNxt = this.sndUna;
        this.stopTimer();
      } else {
        this.retries = 0; // the firmware answers the probes: it is alive, keep waiting
      }
    }
    this.output();
    return true;
  }

  private processData(segment: TcpSegment): void {
    let data = segment.payload;
    let fin = (segment.flags & TCP_FIN) !== 0;
    const length = data.length + (fin ? 1 : 0);
    if (length === 0) return;
    let sequence = segment.sequence;
    if (this.peerFinished) {
      this.sendAck();
      return;
    }
    const behind = seqDiff(this.rcvNxt, sequence);
    if (behind > 0) {
      if (behind >= length) {
        this.sendAck(); // a duplicate: our ACK may have been lost
        return;
      }
      data = data.subarray(behind);
      sequence = this.rcvNxt;
    }
    const window = Math.max(this.receiveWindow(), 1);
    const ahead = seqDiff(sequence, this.rcvNxt);
    if (ahead >= window) {
      this.sendAck();
      return;
    }
    if (ahead + data.length > window) {
      data = data.subarray(0, window - ahead);
      fin = false;
    }
    if (ahead > 0) {
      if (!this.outOfOrder.has(sequence) && this.outOfOrderBytes + data.length <= this.tuning.reorderLimit) {
        this.outOfOrder.set(sequence, { data: Uint8Array.from(data), fin });
        this.outOfOrderBytes += data.length;
      }
      this.sendAck(); // a duplicate ACK tells the firmware about the gap
      return;
    }
    this.deliver(data, fin);
    // Pull in buffered segments that now line up.
    for (let progress = true; progress && !this.peerFinished;) {
      progress = false;
      for (const [seq, held] of this.outOfOrder) {
        const offset = seqDiff(this.rcvNxt, seq);
        if (offset < 0) continue;
        this.outOfOrder.delete(seq);
        this.outOfOrderBytes -= held.data.length;
        if (offset < held.data.length || (offset === held.data.length && held.fin)) {
          this.deliver(held.data.subarray(offset), held.fin);
        }
        progress = true;
      }
    }
    this.sendAck();
  }

  private deliver(data: Uint8Array, fin: boolean): void {
    if (data.length > 0) {
      this.rcvNxt = seqAdd(this.rcvNxt, data.length);
      this.callbacks.onData(data);
    }
    if (fin && !this.peerFinished) {
      this.rcvNxt = seqAdd(this.rcvNxt, 1);
      this.peerFinished = true;
      this.outOfOrder.clear();
      this.outOfOrderBytes = 0;
      this.callbacks.onPeerFinished();
    }
  }

  private output(): void {
    if (this.state !== 'established') return;
    for (;;) {
      const inFlight = seqDiff(this.sndNxt, this.sndUna);
      const offset = inFlight; // bytes of sendBuffer already sent (the FIN, if sent, is past the data)
      const unsent = this.sendBuffer.length - offset;
      let window = this.sndWnd - inFlight;
      if (this.recovering) window = Math.min(window, this.peerMss - inFlight);
      if (this.probing && inFlight === 0) window = Math.max(window, 1);
      if (unsent > 0 && window > 0) {
        const size = Math.min(unsent, window, this.peerMss);
        const payload = this.sendBuffer.subarray(offset, offset + size);
        const last = offset + size === this.sendBuffer.length;
        this.emit(TCP_ACK | (last ? TCP_PSH : 0), this.sndNxt, payload);
        this.sndNxt = seqAdd(this.sndNxt, size);
        if (seqLt(this.sndMax, this.sndNxt)) this.sndMax = this.sndNxt;
        this.armTimer();
        continue;
      }
      if (unsent === 0 && this.finQueued && !this.finAcked && offset === this.sendBuffer.length && !this.recoveringBlocks(inFlight)) {
        this.emit(TCP_FIN | TCP_ACK, this.sndNxt);
        this.sndNxt = seqAdd(this.sndNxt, 1);
        if (seqLt(this.sndMax, this.sndNxt)) this.sndMax = this.sndNxt;
        this.armTimer();
      }
      break;
    }
    if (this.sndNxt !== this.sndUna) this.armTimer();
    else if (this.sendBuffer.length > 0 && this.sndWnd === 0) this.armTimer(); // persist: probe the zero window when it fires
  }

  private recoveringBlocks(inFlight: number): boolean {
    return this.recovering && inFlight > 0;
  }

  private retransmitFirst(): void {
    if (this.state !== 'established' || this.sndNxt === this.sndUna) return;
    const size = Math.min(this.sendBuffer.length, seqDiff(this.sndNxt, this.sndUna), this.peerMss);
    if (size > 0) this.emit(TCP_ACK | TCP_PSH, this.sndUna, this.sendBuffer.subarray(0, size));
    else if (this.finQueued && !this.finAcked) this.emit(TCP_FIN | TCP_ACK, this.sndUna);
  }

  private armTimer(): void {
    if (this.retransmitTimer) return;
    this.retransmitTimer = this.clock.after(this.rto, () => {
      this.retransmitTimer = null;
      this.onTimeout();
    });
  }

  private stopTimer(): void {
    this.retransmitTimer?.cancel();
    this.retransmitTimer = null;
  }

  private onTimeout(): void {
    if (this.state === 'closed') return;
    if (++this.retries > this.tuning.maxRetries) {
      this.callbacks.onReset(`no answer from the firmware after ${this.tuning.maxRetries} retransmissions`);
      this.abort();
      return;
    }
    this.rto = Math.min(this.rto * 2, this.tuning.maxRto);
    if (this.state !== 'established') {
      this.sendSyn();
      return;
    }
    if (this.sndNxt === this.sndUna) {
      if (this.sendBuffer.length > 0 && this.sndWnd === 0) this.probing = true; // zero-window probe
      else this.retries = 0;
    } else {
      // Go back to the first unacknowledged byte; what the firmware already holds it will ACK past.
      this.sndNxt = this.sndUna;
      this.recovering = true;
      this.recoverPoint = null;
    }
    this.output();
  }

  private sendSyn(): void {
    const flags = this.state === 'syn-received' ? TCP_SYN | TCP_ACK : TCP_SYN;
    this.callbacks.emit({
      sequence: this.iss,
      acknowledgment: this.state === 'syn-received' ? this.rcvNxt : 0,
      flags,
      window: this.advertise(),
      mss: this.tuning.mss,
    });
    this.sndNxt = seqAdd(this.iss, 1);
    if (seqLt(this.sndMax, this.sndNxt)) this.sndMax = this.sndNxt;
    this.armTimer();
  }

  private sendAck(): void {
    this.emit(TCP_ACK, this.sndNxt);
  }

  private emit(flags: number, sequence: number, payload?: Uint8Array): void {
    this.callbacks.emit({ sequence, acknowledgment: flags & TCP_ACK ? this.rcvNxt : 0, flags, window: this.advertise(), payload });
  }

  private advertise(): number {
    this.lastAdvertisedWindow = this.receiveWindow();
    return this.lastAdvertisedWindow;
  }

  private receiveWindow(): number {
    return Math.max(0, Math.min(0xffff, this.tuning.receiveWindow - this.callbacks.hostBacklog()));
  }

  private inReceiveWindow(sequence: number): boolean {
    const offset = seqDiff(sequence, this.rcvNxt);
    return offset >= 0 && offset < Math.max(this.receiveWindow(), 1);
  }

  private maybeClosed(): void {
    if (this.state === 'established' && this.peerFinished && this.finAcked) this.close(true);
  }

  private close(graceful = false): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closedGracefully = graceful;
    this.stopTimer();
    this.callbacks.onClosed(graceful);
  }
}

function clampMss(mss: number | null): number {
  if (mss === null) return 536; // RFC 9293 §3.7.1 default
  return Math.max(64, Math.min(mss, 1460));
}
