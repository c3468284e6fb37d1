// MSPLIM and PSPLIM live inside the engine: libunicorn2 2.0.1 has no register id for them, yet it
// enforces them (STKOF). To name the limit in a fault report we let the engine tell us: two MRS
// instructions are executed from a scratch word of executable RAM (its bytes and the registers
// they touch are put back), in handler mode, where MRS of the limits is allowed. Only fault
// reports use this, outside any running slice.
import { Reg, type Engine } from '../core/engine.js';
import type { Bus } from '../bus/bus.js';

/** MRS r0, PSPLIM; MRS r1, MSPLIM (T1 encoding: F3EF 8<Rd><SYSm>, SYSm 0x0B and 0x0A). */
const PROBE = Uint8Array.from([0xef, 0xf3, 0x0b, 0x80, 0xef, 0xf3, 0x0a, 0x81]);

export function readStackLimits(engine: Engine, bus: Bus): { psplim: number; msplim: number } | null {
  const region = bus.regions.find((r) => r.writable && r.executable && r.data.byteLength >= 64);
  if (!region) return null;
  const offset = region.data.byteLength - PROBE.length;
  const address = region.base + offset;
  const savedBytes = region.data.slice(offset, offset + PROBE.length);
  const saved = engine.readRegisters([Reg.R0, Reg.R1, Reg.PC]);
  try {
    region.data.set(PROBE, offset);
    engine.invalidateCode(address, address + PROBE.length);
    engine.writeRegister(Reg.PC, address | 1);
    const { executed } = engine.run(2);
    if (executed !== 2) return null;
    const [psplim, msplim] = engine.readRegisters([Reg.R0, Reg.R1]);
    return { psplim: psplim! >>> 0, msplim: msplim! >>> 0 };
  } finally {
    region.data.set(savedBytes, offset);
    engine.invalidateCode(address, address + PROBE.length);
    engine.writeRegisters([Reg.R0, Reg.R1, Reg.PC], [saved[0]!, saved[1]!, saved[2]! | 1]);
  }
}
