// Registers the PKA model under the key the machine tables use.
import { registerModels } from '../registry.js';
import { Pka } from './pka.js';

registerModels({
  pka: (ctx, options) => new Pka(ctx, {
    baseAddress: typeof options.baseAddress === 'number' ? options.baseAddress : undefined,
    limited: options.limited === true,
  }),
});
