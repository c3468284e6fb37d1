// Everything the harness needs to build the board's network (`--net user|tap:NAME|ws://HOST:PORT`,
// `--pcap FILE`, `--hostfwd RULE`, `--host NAME=IP`, `h5sim gateway --listen HOST:PORT`).
export type { EthernetLink, FramePort } from './frame-port.js';
export { ManualNetClock, hostNetClock, netClockFrom, type NetClock, type NetTimer } from './net-clock.js';
export { UserNet, DEFAULT_SIMULATION_EPOCH, type UserNetOptions } from './usernet/usernet.js';
export { parseHostForward, type HostForward } from './usernet/host-forward.js';
export { HostsTable } from './usernet/dns-responder.js';
export { PcapPort, PcapWriter, type PcapOptions } from './pcap.js';
export {
  WebSocketClientPort, WebSocketServerPort, WebSocketSwitch, startGateway,
  type Gateway, type GatewayOptions, type WebSocketClientOptions, type WebSocketServerOptions,
} from './websocket.js';
export { openFramePort, type NetworkSpec } from './open-port.js';
export { TapPort, TapUnavailableError, tapUnavailableReason, type TapOptions } from './tap.js';
