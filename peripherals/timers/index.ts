// Timer models: TIM1–17 time bases and the watchdogs.
import { registerModels } from '../registry.js';
import { Iwdg } from './iwdg.js';
import { Timer, type TimerOptions } from './tim.js';
import { Wwdg } from './wwdg.js';

registerModels({
  tim: (ctx, options) => new Timer(ctx, options as TimerOptions),
  iwdg: (ctx) => new Iwdg(ctx),
  wwdg: (ctx) => new Wwdg(ctx),
});
