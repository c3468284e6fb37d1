// Timer models: TIM1–17 time bases and the watchdogs.
import { registerModels } from '../registry.js';
import { Timer, type TimerOptions } from './tim.js';

registerModels({
  tim: (ctx, options) => new Timer(ctx, options as TimerOptions),
});
