// Registers the Ethernet model under the key machine tables use.
import { registerModels } from '../registry.js';
import { EthernetMac, type EthOptions } from './eth.js';

registerModels({
  eth: (ctx, options) => {
    const host = ctx.host.options;
    return new EthernetMac(ctx, {
      phyAutonegSeconds: typeof host.phyAutonegSeconds === 'number' ? host.phyAutonegSeconds : undefined,
      phyColdStart: typeof host.phyColdStart === 'boolean' ? host.phyColdStart : undefined,
      ...(options as EthOptions),
    });
  },
});

export { EthernetMac } from './eth.js';
export type { EthOptions } from './eth.js';
export type { EthernetStatistics } from './mac.js';
