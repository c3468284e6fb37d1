// GDB remote serial protocol stub: see README.md.
export { startGdbServer, type GdbServer, type GdbServerEnd, type GdbServerOptions } from './server.js';
export { MachineTarget, type MachineTargetOptions } from './machine-target.js';
export { GdbSession, targetDescriptionXml, memoryMapXml, type SessionOptions } from './protocol.js';
export { PacketDecoder, encodePacket, decodePayload } from './framing.js';
export type { DebugTarget, StopEvent, RegisterInfo, MemoryRegionInfo } from './target.js';
