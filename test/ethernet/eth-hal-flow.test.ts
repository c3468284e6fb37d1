// The ETH model driven the way ST's HAL drives it (HAL_ETH_Start_IT, HAL_ETH_ReadData with
// ETH_UpdateDescriptor's tail pointer on the last re-armed descriptor, HAL_ETH_Transmit_IT and
// HAL_ETH_ReleaseTxPacket), exchanging frames with a host that answers each one.
import { describe, expect, it } from 'vitest';
import { Board, DMACSR, OWN, FD, LD, R, RING, BUF1V, IOC_RX } from './eth-driver.js';
import { BOARD_MAC, HOST_MAC, ipv4Frame, verifyIpv4, withChecksums } from './frames.js';

/** HAL_ETH_ReadData + ETH_UpdateDescriptor, reduced to what touches the hardware. */
class HalRx {
  index = 0;
  buildIndex = 0;
  buildCount = 0;
  constructor(private readonly board: Board) {}

  read(): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let parts: number[] = [];
    let taken = 0;
    for (;;) {
      const d = this.board.rxDesc(this.index);
      const rdes3 = this.board.mem32(d + 12);
      if (rdes3 & OWN || taken >= RING - this.buildCount) break;
      const length = rdes3 & 0x7fff;
      if (rdes3 & FD) parts = [];
      const already = parts.length;
      const bytes = this.board.bytes(this.board.rxBuffer(this.index), length - already);
      parts.push(...bytes);
      if (rdes3 & LD) frames.push(new Uint8Array(parts));
      this.index = (this.index + 1) % RING;
      taken++;
    }
    this.buildCount += taken;
    this.update();
    return frames;
  }

  update(): void {
    let count = this.buildCount;
    let index = this.buildIndex;
    while (count > 0) {
      const d = this.board.rxDesc(index);
      this.board.setMem32(d, this.board.rxBuffer(index));
      this.board.setMem32(d + 12, OWN | BUF1V | IOC_RX);
      index = (index + 1) % RING;
      count--;
    }
    if (count !== this.buildCount) {
      const tail = (RING + index - 1) % RING;
      this.board.w(R.DMACRDTPR, this.board.rxDesc(tail));
      this.buildIndex = index;
      this.buildCount = count;
    }
  }
}

describe('ETH with a HAL-style driver', () => {
  it('exchanges 300 request/reply pairs with the host through the rings in steady state', () => {
    const board = new Board();
    board.start();
    // HAL_ETH_Start_IT builds every descriptor: the model's start() did, with the tail on the last.
    const rx = new HalRx(board);
    let txBusy: number[] = [];
    const replies: Uint8Array[] = [];
    for (let n = 0; n < 300; n++) {
      const request = withChecksums(ipv4Frame('udp', Array.from({ length: 20 + (n % 700) }, (_, i) => (i + n) & 0xff)));
      board.link.deliver(request);
      // The ISR: RI pending, clear RI|NIS, read and re-arm.
      expect(board.r(R.DMACSR) & DMACSR.RI, `frame ${n}`).toBe(DMACSR.RI);
      board.w(R.DMACSR, DMACSR.RI | DMACSR.NIS);
      const frames = rx.read();
      expect(frames, `frame ${n}`).toHaveLength(1);
      expect(frames[0]).toEqual(request);
      // Reply: swap addresses, checksums left to the MAC (NetX style).
      const reply = ipv4Frame('udp', [...frames[0]!.subarray(42)], HOST_MAC, BOARD_MAC).bytes;
      // HAL_ETH_ReleaseTxPacket frees what the DMA gave back; Transmit_IT refuses a busy descriptor.
      txBusy = txBusy.filter((d) => (board.mem32(d + 12) & OWN) !== 0);
      expect(txBusy.length).toBeLessThan(RING);
      txBusy.push(board.send([reply]));
      board.bench.runSeconds(0.0002);
      replies.push(reply);
    }
    board.bench.runSeconds(0.01);
    expect(board.link.sent).toHaveLength(300);
    for (const sent of board.link.sent) expect(verifyIpv4(sent)).toEqual({ header: true, payload: true });
    expect(board.eth.statistics.rxDelivered).toBe(300);
    expect(board.r(R.DMACSR) & DMACSR.RBU).toBe(0);
    expect(board.r(R.MMCTPCGR)).toBe(300);
  });

  it('lets a burst wait in the MTL queue while the ring is full and drains it as the driver re-arms', () => {
    const board = new Board();
    board.start();
    const rx = new HalRx(board);
    const burst = [0, 1, 2, 3, 4].map((n) => withChecksums(ipv4Frame('udp', [n, n, n, n])));
    for (const frame of burst) board.link.deliver(frame);
    const received: Uint8Array[] = [];
    for (let round = 0; round < 5 && received.length < burst.length; round++) {
      board.w(R.DMACSR, 0xffff);
      received.push(...rx.read());
    }
    // 46-byte frames arrive padded to the 60-byte minimum, as they would on the wire.
    expect(received).toEqual(burst.map((frame) => { const padded = new Uint8Array(60); padded.set(frame); return padded; }));
    expect(board.eth.statistics.rxFifoOverflow).toBe(0);
  });
});
