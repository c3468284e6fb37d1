// I/O models: GPIO ports, EXTI and the U(S)ARTs.
import { registerModels } from '../registry.js';
import { Usart, type UsartOptions } from './usart.js';

registerModels({
  usart: (ctx, options) => new Usart(ctx, options as UsartOptions),
});
