import { describe, expect, it } from 'vitest';
import { ModelBench } from '../helpers/model-bench.js';
import { Gpio, isGpioPort } from '../../peripherals/io/gpio.js';
import { gpioRegisters } from '../../peripherals/io/gpio.regs.js';
import { Exti } from '../../peripherals/io/exti.js';
import { EXTI_REGISTERS } from '../../peripherals/io/exti.regs.js';
import { checkAgainstReference, reference } from './reference-check.js';

const GPIOA = 0x4202_0000, GPIOB = 0x4202_0400, GPIOC = 0x4202_0800;
const MODER = 0x00, OTYPER = 0x04, OSPEEDR = 0x08, PUPDR = 0x0c, IDR = 0x10, ODR = 0x14, BSRR = 0x18, LCKR = 0x1c, BRR = 0x28;
const EXTI = 0x4402_2000;
const RTSR1 = 0x00, FTSR1 = 0x04, SWIER1 = 0x08, RPR1 = 0x0c, FPR1 = 0x10, EXTICR4 = 0x6c, EXTICR1 = 0x60, IMR1 = 0x80;

function bench() {
  const b = new ModelBench();
  const ports = {
    A: b.attach(new Gpio(b.context('GPIOA')), GPIOA),
    B: b.attach(new Gpio(b.context('GPIOB')), GPIOB),
    C: b.attach(new Gpio(b.context('GPIOC'), { port: 'C' }), GPIOC),
  };
  const exti = b.attach(new Exti(b.context('EXTI')), EXTI);
  return { b, ports, exti };
}

describe('GPIO and EXTI register tables', () => {
  it('match the reference layouts', () => {
    checkAgainstReference('GPIO', gpioRegisters('C'), 'GPIO', [], { AFRL: 'AFR0', AFRH: 'AFR1' });
    checkAgainstReference('EXTI', EXTI_REGISTERS, 'EXTI', [], { EXTICR1: 'EXTICR0', EXTICR2: 'EXTICR1', EXTICR3: 'EXTICR2', EXTICR4: 'EXTICR3' });
    expect(reference.instances.GPIOB!.base).toBe(GPIOB);
    expect(reference.instances.EXTI!.base).toBe(EXTI);
    for (let line = 0; line < 16; line++) expect(reference.irqs[`EXTI${line}`]).toBe(11 + line);
  });

  it('GPIOA and GPIOB reset with the debug pins configured', () => {
    const { b } = bench();
    expect(b.read32(GPIOA + MODER)).toBe(0xabff_ffff);
    expect(b.read32(GPIOA + OSPEEDR)).toBe(0x0c00_0000);
    expect(b.read32(GPIOA + PUPDR)).toBe(0x6400_0000);
    expect(b.read32(GPIOB + MODER)).toBe(0xffff_febf);
    expect(b.read32(GPIOB + OSPEEDR)).toBe(0x0000_00c0);
    expect(b.read32(GPIOB + PUPDR)).toBe(0x0000_0100);
    expect(b.read32(GPIOC + MODER)).toBe(0xffff_ffff);
    expect(b.read32(GPIOC + PUPDR)).toBe(0);
    // PA13 (SWDIO) is pulled up, PA14 pulled down, PA15 pulled up, PB4 pulled up; all in AF mode
    expect(b.read32(GPIOA + IDR)).toBe((1 << 13) | (1 << 15));
  });
});

describe('GPIO behaviour', () => {
  it('BSRR, BRR and ODR drive output pins, IDR reads them back, the host sees the level', () => {
    const { b, ports } = bench();
    expect(isGpioPort(ports.B)).toBe(true);
    expect(ports.B.outputLevel(0)).toBeUndefined(); // analog at reset: never matches --expect-pin
    b.write32(GPIOB + MODER, (b.read32(GPIOB + MODER) & ~0b11) | 0b01);
    expect(ports.B.pinMode(0)).toBe('output');
    expect(ports.B.outputLevel(0)).toBe(0);
    b.write32(GPIOB + BSRR, 1);
    expect(ports.B.outputLevel(0)).toBe(1);
    expect(b.read32(GPIOB + ODR)).toBe(1);
    expect(b.read32(GPIOB + IDR) & 1).toBe(1);
    expect(b.signals.get('GPIOB.0').value).toBe(1);
    b.write32(GPIOB + BSRR, 1 | (1 << 16)); // set wins over reset
    expect(ports.B.outputLevel(0)).toBe(1);
    b.write32(GPIOB + BSRR, 1 << 16);
    expect(ports.B.outputLevel(0)).toBe(0);
    b.write32(GPIOB + BSRR, 1);
    b.write32(GPIOB + BRR, 1);
    expect(ports.B.outputLevel(0)).toBe(0);
    expect(b.read32(GPIOB + BSRR)).toBe(0);
  });

  it('inputs follow the host driver, else the pull resistor; open drain releases the line', () => {
    const { b, ports } = bench();
    b.write32(GPIOC + MODER, 0xffff_ffff & ~(0b11 << 26)); // PC13 input
    expect(b.read32(GPIOC + IDR) & (1 << 13)).toBe(0);
    b.write32(GPIOC + PUPDR, 0b01 << 26);
    expect(b.read32(GPIOC + IDR) & (1 << 13)).toBe(1 << 13);
    ports.C.drive(13, 0);
    expect(ports.C.inputLevel(13)).toBe(0);
    ports.C.drive(13, null);
    expect(ports.C.inputLevel(13)).toBe(1);
    b.write32(GPIOC + MODER, 0xffff_ffff & ~(0b10 << 2)); // PC1 output
    b.write32(GPIOC + OTYPER, 1 << 1);
    b.write32(GPIOC + ODR, 1 << 1);
    ports.C.drive(1, 0);
    expect(ports.C.inputLevel(1)).toBe(0);
  });

  it('the lock sequence freezes the configuration of the locked pins', () => {
    const { b } = bench();
    const key = 1 << 16;
    b.write32(GPIOC + LCKR, key | 0x0001);
    b.write32(GPIOC + LCKR, 0x0001);
    b.write32(GPIOC + LCKR, key | 0x0001);
    b.read32(GPIOC + LCKR);
    expect(b.read32(GPIOC + LCKR)).toBe(key | 1);
    b.write32(GPIOC + MODER, 0);
    expect(b.read32(GPIOC + MODER)).toBe(0b11);
  });
});

describe('EXTI behaviour', () => {
  it('a rising edge on the selected pin sets RPR1 and raises EXTI13 only when unmasked', () => {
    const { b, ports } = bench();
    b.write32(GPIOC + MODER, 0xffff_ffff & ~(0b11 << 26));
    b.write32(EXTI + EXTICR4, 2 << 8); // line 13 ← port C
    b.write32(EXTI + RTSR1, 1 << 13);
    ports.A.drive(13, 1); // another port's pin 13 is not selected
    expect(b.read32(EXTI + RPR1)).toBe(0);
    ports.C.drive(13, 1);
    expect(b.read32(EXTI + RPR1)).toBe(1 << 13);
    expect(b.irqLevel('EXTI13')).toBe(false);
    b.write32(EXTI + IMR1, 1 << 13);
    expect(b.irqLevel('EXTI13')).toBe(true);
    b.write32(EXTI + RPR1, 1 << 13);
    expect(b.irqLevel('EXTI13')).toBe(false);
    ports.C.drive(13, 0); // falling edge not enabled
    expect(b.read32(EXTI + FPR1)).toBe(0);
    b.write32(EXTI + FTSR1, 1 << 13);
    ports.C.drive(13, 1);
    ports.C.drive(13, 0);
    expect(b.read32(EXTI + FPR1)).toBe(1 << 13);
    expect(b.irqLevel('EXTI13')).toBe(true);
  });

  it('an output pin toggled by firmware reaches EXTI; SWIER sets a pending bit', () => {
    const { b } = bench();
    b.write32(GPIOB + MODER, (b.read32(GPIOB + MODER) & ~0b11) | 0b01);
    b.write32(EXTI + EXTICR1, 1); // line 0 ← port B
    b.write32(EXTI + RTSR1, 1);
    b.write32(EXTI + IMR1, 0b101);
    b.write32(GPIOB + BSRR, 1);
    expect(b.irqLevel('EXTI0')).toBe(true);
    b.write32(EXTI + SWIER1, 1 << 2);
    expect(b.read32(EXTI + RPR1)).toBe(0b101);
    expect(b.irqLevel('EXTI2')).toBe(true);
  });
});
