// I/O models: GPIO ports, EXTI and the U(S)ARTs.
import { registerModels } from '../registry.js';
import { Exti } from './exti.js';
import { Gpio, type GpioOptions } from './gpio.js';
import { Usart, type UsartOptions } from './usart.js';

registerModels({
  gpio: (ctx, options) => new Gpio(ctx, options as GpioOptions),
  exti: (ctx) => new Exti(ctx),
  usart: (ctx, options) => new Usart(ctx, options as UsartOptions),
});
