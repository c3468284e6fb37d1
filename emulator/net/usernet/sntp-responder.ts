// SNTP server (RFC 4330): answers client-mode requests with the simulation's time of day, so
// firmware that checks certificate validity sees the time the test chose.

/** Seconds from the NTP era origin (1900) to the Unix epoch. */
const NTP_UNIX_OFFSET = 2_208_988_800;

export function answerSntpRequest(request: Uint8Array, unixSeconds: number): Uint8Array | null {
  if (request.length < 48) return null;
  const mode = request[0]! & 0x07;
  const version = (request[0]! >>> 3) & 0x07;
  if (mode !== 3 || version < 1 || version > 4) return null;
  const reply = new Uint8Array(48);
  const view = new DataView(reply.buffer);
  reply[0] = (0 << 6) | (version << 3) | 4; // LI 0, server mode
  reply[1] = 1; // stratum 1: the simulation's clock is the reference
  reply[2] = request[2]!;
  reply[3] = 0xec; // precision 2^-20 s
  view.setUint32(4, 0);
  view.setUint32(8, 0x0000_0010);
  reply.set([0x48, 0x35, 0x53, 0x4d], 12); // reference id "H5SM"
  const time = Number.isFinite(unixSeconds) ? Math.max(0, unixSeconds) : 0;
  const seconds = (Math.floor(time) + NTP_UNIX_OFFSET) >>> 0;
  const fraction = Math.floor((time - Math.floor(time)) * 0x1_0000_0000) >>> 0;
  for (const at of [16, 32, 40]) {
    view.setUint32(at, seconds);
    view.setUint32(at + 4, fraction);
  }
  reply.set(request.subarray(40, 48), 24); // originate = the client's transmit timestamp
  return reply;
}
