// Registers the system models (RCC, PWR, FLASH, caches, SBS, DBGMCU, RAMCFG, backup SRAM) and the
// named stub under the keys the machine tables use.
import { registerModels } from '../registry.js';
import { BackupSram } from './bkpsram.js';
import { Dcache, Icache } from './cache.js';
import { Dbgmcu } from './dbgmcu.js';
import { Flash } from './flash.js';
import { Pwr } from './pwr.js';
import { Ramcfg } from './ramcfg.js';
import { Rcc } from './rcc.js';
import { Sbs } from './sbs.js';
import { NamedStub, type StubOptions } from './stub.js';

export { Rcc } from './rcc.js';

registerModels({
  rcc: (ctx, options) => new Rcc(ctx, options),
  pwr: (ctx, options) => new Pwr(ctx, options),
  flash: (ctx, options) => new Flash(ctx, options),
  icache: (ctx, options) => new Icache(ctx, options),
  dcache: (ctx, options) => new Dcache(ctx, options),
  sbs: (ctx, options) => new Sbs(ctx, options),
  dbgmcu: (ctx, options) => new Dbgmcu(ctx, options),
  ramcfg: (ctx, options) => new Ramcfg(ctx, options),
  bkpsram: (ctx) => new BackupSram(ctx),
  stub: (ctx, options) => new NamedStub(ctx, options as StubOptions),
});
