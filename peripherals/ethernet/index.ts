// Registers the Ethernet model under the key machine tables use. Harness model options:
// `ethPhyAutonegSeconds` (number) and `ethPhyColdStart` (boolean) tune the LAN8742A.
import { registerModels } from '../registry.js';
import { EthernetMac } from './eth.js';

registerModels({
  eth: (ctx, options) => {
    const host = ctx.host.options;
    return new EthernetMac(ctx, {
      baseAddress: typeof options.base === 'number' ? options.base : undefined,
      link: typeof options.link === 'string' ? options.link : undefined,
      phyAddress: typeof options.phyAddress === 'number' ? options.phyAddress : undefined,
      phyAutonegSeconds: typeof host.ethPhyAutonegSeconds === 'number' ? host.ethPhyAutonegSeconds : undefined,
      phyColdStart: typeof host.ethPhyColdStart === 'boolean' ? host.ethPhyColdStart : undefined,
    });
  },
});

export { EthernetMac } from './eth.js';
export type { EthOptions } from './eth.js';
export type { EthernetStatistics } from './mac.js';
