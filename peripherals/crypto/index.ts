// Registers the symmetric crypto models (RNG, HASH, AES, SAES). PKA registers itself from pka-index.ts.
import { registerModels } from '../registry.js';
import { AesModel } from './aes.js';
import { HashModel } from './hash.js';
import { RngModel } from './rng.js';

/** The machine builder passes the block's base address, used in log messages. */
const base = (options: Record<string, unknown>): number => (typeof options['base'] === 'number' ? options['base'] : 0);

registerModels({
  rng: (ctx, options) => new RngModel(ctx, base(options)),
  hash: (ctx, options) => new HashModel(ctx, base(options)),
  aes: (ctx, options) => new AesModel(ctx, { secure: false }, base(options)),
  saes: (ctx, options) => new AesModel(ctx, { secure: true }, base(options)),
});
