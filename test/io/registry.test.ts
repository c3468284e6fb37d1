import { describe, expect, it } from 'vitest';
import { modelFactory } from '../../peripherals/registry.js';
import '../../peripherals/io/index.js';
import '../../peripherals/timers/index.js';
import '../../peripherals/rtc/index.js';
import '../../peripherals/misc/index.js';
import { ModelBench } from '../helpers/model-bench.js';
import { Timer } from '../../peripherals/timers/tim.js';
import { Usart } from '../../peripherals/io/usart.js';
import { Gpio } from '../../peripherals/io/gpio.js';

describe('model keys of the I/O, timer, RTC and CRC areas', () => {
  it('are registered and honour the machine-table options', () => {
    for (const key of ['gpio', 'exti', 'usart', 'tim', 'iwdg', 'wwdg', 'rtc', 'tamp', 'crc']) expect(modelFactory(key), key).toBeDefined();
    const b = new ModelBench();
    const tim = modelFactory('tim')!(b.context('TIM2'), { kind: 'general', width: 32, channels: 4, type: 'TIM', base: 0x4000_0000, size: 0x400 });
    expect(tim).toBeInstanceOf(Timer);
    expect((tim as Timer).width).toBe(32);
    const lpuart = modelFactory('usart')!(b.context('LPUART1'), { kind: 'lpuart' });
    expect((lpuart as Usart).kind).toBe('lpuart');
    const gpio = modelFactory('gpio')!(b.context('GPIOE'), { port: 'E' });
    expect((gpio as Gpio).port).toBe('E');
  });
});
