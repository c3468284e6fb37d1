// RTC and TAMP (backup domain).
import { registerModels } from '../registry.js';
import { Rtc } from './rtc.js';
import { Tamp } from './tamp.js';

registerModels({
  rtc: (ctx) => new Rtc(ctx),
  tamp: (ctx) => new Tamp(ctx),
});
