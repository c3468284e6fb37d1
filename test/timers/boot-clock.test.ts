// End to end: the board library's clock, console, tick and LED on the whole machine.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture } from '../helpers/fixtures.js';
import { Machine } from '../../emulator/machine/machine.js';
import { stm32h563 } from '../../emulator/machine/stm32h563.js';
import { isGpioPort } from '../../peripherals/io/gpio.js';


const elf = fixture('boot-clock');

describe('boot-clock fixture', () => {
  it('reaches 250 MHz, ticks TIM6 at 1 kHz, prints on USART3 and drives LD1', () => {
    let semihosting = '';
    const machine = new Machine(stm32h563, { strict: false, console: (text) => { semihosting += text; }, logSink: () => {} });
    let uart = '';
    machine.serial.link('USART3').onData((bytes) => { uart += String.fromCharCode(...bytes); });
    machine.loadElf(readFileSync(elf), elf);
    machine.reset();
    const { stop } = machine.core.run(500_000_000);
    machine.close();
    expect(stop).toMatchObject({ kind: 'exit' });
    expect(uart).toContain('boot-clock: sysclk=250000000 hclk=250000000 pclk1=250000000\r\n');
    const cycles = Number(/tick cycles=(\d+)/.exec(uart)?.[1]);
    expect(Math.abs(cycles - 250_000)).toBeLessThan(2_500);
    expect(uart).toContain('boot-clock: led=1\r\nboot-clock: led=0\r\n');
    expect(uart).toContain('boot-clock: done');
    const portB = machine.models.get('GPIOB')!;
    expect(isGpioPort(portB) && portB.outputLevel(0)).toBe(1);
    expect(semihosting).toContain('ok');
    expect(stop.kind === 'exit' && stop.code).toBe(0);
  });
});
