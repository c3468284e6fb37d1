// Registers the symmetric crypto models (RNG, HASH, AES, SAES). PKA registers itself from pka-index.ts.
import { registerModels } from '../registry.js';
import { AesModel } from './aes.js';
import { HashModel } from './hash.js';
import { RngModel } from './rng.js';

registerModels({
  rng: (ctx) => new RngModel(ctx),
  hash: (ctx) => new HashModel(ctx),
  aes: (ctx) => new AesModel(ctx, { secure: false }),
  saes: (ctx) => new AesModel(ctx, { secure: true }),
});
