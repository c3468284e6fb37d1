import { describe, expect, it } from 'vitest';
import { ModelBench } from '../helpers/model-bench.js';
import { Usart } from '../../peripherals/io/usart.js';
import { USART_REGISTERS } from '../../peripherals/io/usart.regs.js';
import { ALWAYS_CLOCKED, type ClockQuery } from '../../peripherals/core/peripheral.js';
import { checkAgainstReference, reference } from './reference-check.js';

const BASE = 0x4000_4800; // USART3
const CR1 = BASE + 0x00, CR3 = BASE + 0x08, BRR = BASE + 0x0c, RQR = BASE + 0x18, ISR = BASE + 0x1c;
const ICR = BASE + 0x20, RDR = BASE + 0x24, TDR = BASE + 0x28;
const UE = 1, RE = 1 << 2, TE = 1 << 3, RXNEIE = 1 << 5, TCIE = 1 << 6, FIFOEN = 1 << 29;
const RXNE = 1 << 5, TC = 1 << 6, TXE = 1 << 7, ORE = 1 << 3, IDLE = 1 << 4, TEACK = 1 << 21, REACK = 1 << 22;
const KERNEL = 250_000_000;

function bench(clocks: Partial<ClockQuery> = {}, options: Record<string, unknown> = {}) {
  const b = new ModelBench({ frequencyHz: KERNEL, clocks: { ...ALWAYS_CLOCKED, kernelFrequency: () => KERNEL, ...clocks }, options });
  const usart = b.attach(new Usart(b.context('USART3'), { kind: 'usart' }), BASE);
  const link = b.serial.link('USART3');
  const sent: Array<{ byte: number; cycle: number }> = [];
  link.onData((bytes) => { for (const byte of bytes) sent.push({ byte, cycle: b.clock.now }); });
  return { b, usart, link, sent };
}

function enable115200(b: ModelBench, extra = 0) {
  b.write32(BRR, Math.round(KERNEL / 115200)); // 2170
  b.write32(CR1, UE | TE | RE | extra);
}

describe('USART register table', () => {
  it('matches the reference layout and field positions', () => {
    checkAgainstReference('USART', USART_REGISTERS, 'USART', ['CR1', 'CR2', 'CR3', 'ISR', 'ICR', 'RQR', 'GTPR', 'RTOR', 'PRESC']);
    expect(reference.fields.USART_ISR_TEACK!.pos).toBe(21);
    expect(reference.fields.USART_ISR_REACK!.pos).toBe(22);
  });

  it('resets with TXE and TC set', () => {
    const { b } = bench();
    expect(b.read32(ISR)).toBe(TXE | TC);
  });
});

describe('USART behaviour', () => {
  it('acknowledges TE and RE in ISR (UART_CheckIdleState)', () => {
    const { b } = bench();
    b.write32(CR1, UE | TE);
    expect(b.read32(ISR) & (TEACK | REACK)).toBe(TEACK);
    b.write32(CR1, UE | TE | RE);
    expect(b.read32(ISR) & (TEACK | REACK)).toBe(TEACK | REACK);
    b.write32(CR1, UE);
    expect(b.read32(ISR) & (TEACK | REACK)).toBe(0);
  });

  it('paces bytes at 115200 baud, 10 bit times each, with the TXE/TC sequence printf sees', () => {
    const { b, sent } = bench();
    enable115200(b);
    const start = b.clock.now;
    const bitCycles = KERNEL / (KERNEL / 2170); // 2170 kernel clocks per bit at SYSCLK = kernel clock
    const text = 'Hi!\n';
    for (const ch of text) {
      b.pollUntil(() => (b.read32(ISR) & TXE) !== 0, 1e7, 10);
      b.write32(TDR, ch.charCodeAt(0));
      expect(b.read32(ISR) & TC).toBe(0);
    }
    b.pollUntil(() => (b.read32(ISR) & TC) !== 0, 1e7, 10);
    expect(String.fromCharCode(...sent.map((s) => s.byte))).toBe(text);
    sent.forEach((s, i) => {
      expect(s.cycle - start).toBeGreaterThanOrEqual(Math.floor((i + 1) * 10 * bitCycles) - 1);
      expect(s.cycle - start).toBeLessThanOrEqual(Math.ceil((i + 1) * 10 * bitCycles) + 20);
    });
    // About 86.8 µs per byte at 115200 baud.
    expect((sent[3]!.cycle - sent[2]!.cycle) / KERNEL).toBeCloseTo(10 / 115207, 6);
  });

  it('keeps TXE clear while both TDR and the shift register are full', () => {
    const { b, sent } = bench();
    enable115200(b);
    b.write32(TDR, 0x41);
    expect(b.read32(ISR) & TXE).toBe(TXE); // moved to the shift register at once
    b.write32(TDR, 0x42);
    expect(b.read32(ISR) & (TXE | TC)).toBe(0);
    b.runCycles(21_700 + 10);
    expect(sent.map((s) => s.byte)).toEqual([0x41]);
    expect(b.read32(ISR) & (TXE | TC)).toBe(TXE);
    b.runCycles(21_700);
    expect(b.read32(ISR) & (TXE | TC)).toBe(TXE | TC);
    b.write32(ICR, TC);
    expect(b.read32(ISR) & TC).toBe(0);
  });

  it('interrupt-driven transmit as HAL does it: TXEIE for each byte, then TCIE for the end', () => {
    const { b, sent } = bench();
    enable115200(b);
    const TXEIE = 1 << 7;
    const message = [0x68, 0x69, 0x0a];
    let next = 0;
    let done = false;
    b.write32(CR1, UE | TE | RE | TXEIE);
    // The "handler": runs whenever the line is high, as the NVIC would.
    b.pollUntil(() => {
      if (!b.irqLevel('USART3')) return done;
      const isr = b.read32(ISR);
      const cr1 = b.read32(CR1);
      if (cr1 & TXEIE && isr & TXE) {
        if (next < message.length) b.write32(TDR, message[next++]!);
        else b.write32(CR1, (cr1 & ~TXEIE) | TCIE);
      } else if (cr1 & TCIE && isr & TC) {
        b.write32(CR1, cr1 & ~TCIE);
        done = true;
      }
      return done;
    }, 1e7, 50);
    expect(sent.map((s) => s.byte)).toEqual(message);
    expect(b.irqLevel('USART3')).toBe(false);
  });

  it('raises TC interrupt only with TCIE', () => {
    const { b } = bench();
    enable115200(b);
    b.write32(TDR, 0x55);
    b.runCycles(30_000);
    expect(b.irqLevel('USART3')).toBe(false);
    b.write32(CR1, UE | TE | RE | TCIE);
    expect(b.irqLevel('USART3')).toBe(true);
    b.write32(ICR, TC);
    expect(b.irqLevel('USART3')).toBe(false);
  });

  it('receives from the host at baud pace, RXNE raises the IRQ only with RXNEIE', () => {
    const { b, link } = bench();
    enable115200(b);
    link.send('ok');
    b.runCycles(21_700 - 100);
    expect(b.read32(ISR) & RXNE).toBe(0);
    b.runCycles(200);
    expect(b.read32(ISR) & RXNE).toBe(RXNE);
    expect(b.irqLevel('USART3')).toBe(false);
    b.write32(CR1, UE | TE | RE | RXNEIE);
    expect(b.irqLevel('USART3')).toBe(true);
    expect(b.read32(RDR)).toBe(0x6f);
    expect(b.irqLevel('USART3')).toBe(false);
    b.runCycles(21_700);
    expect(b.irqLevel('USART3')).toBe(true);
    expect(b.read32(RDR)).toBe(0x6b);
    b.runCycles(21_700 + 100);
    expect(b.read32(ISR) & IDLE).toBe(IDLE);
    b.write32(ICR, IDLE);
    expect(b.read32(ISR) & IDLE).toBe(0);
  });

  it('sets ORE when the firmware does not read RDR in time, and clears it through ICR', () => {
    const { b, link } = bench();
    enable115200(b);
    link.send('abc');
    b.runCycles(3 * 21_700 + 100);
    expect(b.read32(ISR) & (RXNE | ORE)).toBe(RXNE | ORE);
    expect(b.read32(RDR)).toBe(0x61);
    b.write32(ICR, ORE);
    expect(b.read32(ISR) & (RXNE | ORE)).toBe(0);
  });

  it('holds host bytes while full when uartRxBackpressure is set', () => {
    const { b, link } = bench({}, { uartRxBackpressure: true });
    enable115200(b);
    link.send('abc');
    b.runCycles(10 * 21_700);
    expect(b.read32(ISR) & ORE).toBe(0);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) {
      b.pollUntil(() => (b.read32(ISR) & RXNE) !== 0, 1e6, 100);
      got.push(b.read32(RDR));
    }
    expect(String.fromCharCode(...got)).toBe('abc');
  });

  it('buffers eight bytes in FIFO mode (TXFNF) and reports TXFE', () => {
    const { b, sent } = bench();
    b.write32(BRR, 2170);
    b.write32(CR1, FIFOEN | UE | TE | RE);
    for (let i = 0; i < 9; i++) {
      expect(b.read32(ISR) & TXE).toBe(TXE);
      b.write32(TDR, 0x30 + i);
    }
    expect(b.read32(ISR) & TXE).toBe(0);
    b.runCycles(9 * 21_700 + 100);
    expect(sent.map((s) => s.byte - 0x30)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(b.read32(ISR) & ((1 << 23) | TC | TXE)).toBe((1 << 23) | TC | TXE);
  });

  it('FIFO receive threshold and flush request', () => {
    const { b, link } = bench();
    b.write32(BRR, 2170);
    b.write32(CR3, (2 << 25) | (1 << 28)); // RXFTCFG = 1/2, RXFTIE
    b.write32(CR1, FIFOEN | UE | TE | RE);
    link.send('12345');
    b.runCycles(3 * 21_700 + 50);
    expect(b.irqLevel('USART3')).toBe(false);
    b.runCycles(21_700);
    expect(b.read32(ISR) & (1 << 26)).toBe(1 << 26);
    expect(b.irqLevel('USART3')).toBe(true);
    b.write32(RQR, 1 << 3); // RXFRQ
    expect(b.read32(ISR) & RXNE).toBe(0);
  });

  it('ignores writes and reads zero while its clock is off', () => {
    let on = false;
    const { b } = bench({ isClockEnabled: () => on });
    b.write32(BRR, 1234);
    expect(b.read32(ISR)).toBe(0);
    on = true;
    expect(b.read32(BRR)).toBe(0);
  });

  it('computes the baud rate with OVER8 and PRESC, and for LPUART', () => {
    const { b, usart } = bench();
    b.write32(BRR, 0x10);
    expect(usart.baudRate()).toBeCloseTo(KERNEL / 16);
    b.write32(BASE + 0x2c, 1); // PRESC /2
    expect(usart.baudRate()).toBeCloseTo(KERNEL / 32);
    b.write32(BASE + 0x2c, 0);
    b.write32(CR1, 1 << 15); // OVER8: USARTDIV = 0x10 → BRR[3:0] = 0
    b.write32(BRR, 0x13); // USARTDIV = 0x16
    expect(usart.baudRate()).toBeCloseTo((2 * KERNEL) / 0x16);
    const lp = new ModelBench({ clocks: { ...ALWAYS_CLOCKED, kernelFrequency: () => 32_768 } });
    const lpuart = lp.attach(new Usart(lp.context('LPUART1')), 0x4400_2400);
    lp.write32(0x4400_2400 + 0x0c, 0x369);
    expect(lpuart.kind).toBe('lpuart');
    expect(lpuart.baudRate()).toBeCloseTo((256 * 32_768) / 0x369);
  });
});
