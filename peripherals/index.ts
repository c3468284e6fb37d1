// Loads every area of models so their factories are registered (see peripherals/registry.ts).
// Each area adds one import line here.
export { modelFactory, registeredModels } from './registry.js';
import './io/index.js';
import './crypto/pka-index.js';
import './crypto/index.js';
import './system/index.js';
import './ethernet/index.js';
import './timers/index.js';
import './rtc/index.js';
import './misc/index.js';
