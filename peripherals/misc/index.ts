// Miscellaneous models.
import { registerModels } from '../registry.js';
import { Crc } from './crc.js';

registerModels({
  crc: (ctx) => new Crc(ctx),
});
