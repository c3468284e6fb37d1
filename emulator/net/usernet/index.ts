export { UserNet, DEFAULT_SIMULATION_EPOCH, type UserNetOptions } from './usernet.js';
export { parseHostForward, type HostForward } from './host-forward.js';
export { HostsTable } from './dns-responder.js';
export { DEFAULT_TCP_TUNING, type TcpTuning } from './tcp-connection.js';
