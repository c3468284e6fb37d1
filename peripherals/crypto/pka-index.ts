// Registers the PKA model under the key the machine tables use.
import { registerModels } from '../registry.js';
import { Pka } from './pka.js';

registerModels({
  pka: (ctx, options) => new Pka(ctx, {
    baseAddress: typeof options.base === 'number' ? options.base : undefined,
    // STM32H563/H562/H523: the machine table sets `limited: true` (RM0481 §36.3).
    limited: options.limited === true,
  }),
});
