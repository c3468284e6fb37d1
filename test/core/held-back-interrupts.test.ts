import { describe, expect, it } from 'vitest';
import { Simulation } from '../../emulator/harness/simulation.js';
import { Reg } from '../../emulator/core/engine.js';
import { fixture } from '../helpers/fixtures.js';

// ThreadX's Cortex-M33 port waits for a ready thread inside PendSV, at the lowest priority, in a
// `cpsid i; ldr; str; cbnz; cpsie i; b` loop, while ST's HAL timebase (TIM6, TICK_INT_PRIORITY 15)
// sits at the same group priority and stays pending: no CPSIE can let it in, only the end of
// PendSV. Such an interrupt must not cut the run into the short slices kept for interrupts that
// PRIMASK holds back (ST's Nx_UDP_Echo_Client took 75 s of wall time per virtual second in them,
// 2.7 s without).
const CODE = 0x2005_0000;
const VECTORS = 0x2005_1000;
const WORDS = 0x2005_2000;
const TIM6_IRQ = 49;
const SCS = { ICSR: 0xe000_ed04, VTOR: 0xe000_ed08, SHPR3: 0xe000_ed20, ISER1: 0xe000_e104, ISPR1: 0xe000_e204, IPR: 0xe000_e400 };

const IDLE_LOOP = [
  0xb672, // 0x00 cpsid i
  0x6811, // 0x02 ldr r1, [r2]
  0x6001, // 0x04 str r1, [r0]
  0xb909, // 0x06 cbnz r1, 0x0c
  0xb662, // 0x08 cpsie i
  0xe7f9, // 0x0a b.n 0x00
  0xe7fe, // 0x0c b . (a thread became ready: not reached here)
  0xbf00, // 0x0e
  0xe7fe, // 0x10 b . (TIM6 handler)
  0xbf00, // 0x12
  0xe7fe, // 0x14 b . (thread mode)
];

function halfwords(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  values.forEach((h, i) => { bytes[2 * i] = h & 0xff; bytes[2 * i + 1] = h >> 8; });
  return bytes;
}

function words(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  values.forEach((w, i) => new DataView(bytes.buffer).setUint32(4 * i, w >>> 0, true));
  return bytes;
}

/**
 * Puts the idle loop at `code` (and `extraCode` after it), points VTOR at a table with `handlers`
 * (exception number → offset in the code), sets SHPR3, and enters PendSV from thread mode (the
 * thread is a `b .` at +0x14), as ThreadX's scheduler does.
 */
function enterIdleLoop(sim: Simulation, code: number, extraCode: number[], handlers: Record<number, number>, shpr3: number): void {
  const { bus, engine, core } = sim.machine;
  sim.writeMemory(code, halfwords([...IDLE_LOOP, ...extraCode]));
  if (code < 0x2000_0000) sim.machine.reset(); // flash: the reset scans it for CPSIE
  const vectors = new Array<number>(16 + 64).fill(0);
  vectors[14] = code | 1; // PendSV: the idle loop
  for (const [exception, offset] of Object.entries(handlers)) vectors[Number(exception)] = (code + offset) | 1;
  sim.writeMemory(VECTORS, words(vectors));
  sim.writeMemory(WORDS, words([0, 0]));
  bus.cpuWrite(SCS.VTOR, 4, VECTORS);
  bus.cpuWrite(SCS.SHPR3, 4, shpr3);
  engine.writeRegister(Reg.R0, WORDS);
  engine.writeRegister(Reg.R2, WORDS + 4);
  engine.writeRegister(Reg.PC, (code + 0x14) | 1);
  bus.cpuWrite(SCS.ICSR, 4, 1 << 28); // PENDSVSET
  core.run(100);
}

describe('an interrupt held back by the active handler priority, not by PRIMASK', () => {
  it('leaves the ThreadX idle loop running in long slices, and is taken once it outranks PendSV', async () => {
    const sim = await Simulation.load(fixture('hello'));
    try {
      const { bus, engine, core } = sim.machine;
      bus.cpuWrite(SCS.IPR + TIM6_IRQ, 1, 0xf0); // HAL_NVIC_SetPriority(TIM6_IRQn, 15, 0)
      bus.cpuWrite(SCS.ISER1, 4, 1 << (TIM6_IRQ - 32));
      // PendSV 0xff, as tx_initialize_low_level sets it
      enterIdleLoop(sim, CODE, [], { [16 + TIM6_IRQ]: 0x10 }, 0x00ff_0000);
      expect(core.currentException).toBe(14);
      bus.cpuWrite(SCS.ISPR1, 4, 1 << (TIM6_IRQ - 32));

      let runs = 0;
      const run = engine.run.bind(engine);
      engine.run = (count: number) => { runs++; return run(count); };
      const before = sim.machine.clock.now;
      core.run(10_000_000);
      expect(sim.machine.clock.now - before).toBe(10_000_000);
      expect(core.currentException).toBe(14);
      expect(engine.readRegister(Reg.PC) - CODE).toBeLessThan(0x0c);
      expect(bus.cpuRead(SCS.ISPR1, 4) & (1 << (TIM6_IRQ - 32))).not.toBe(0);
      // 10 M cycles in 64-instruction slices took 156 250 runs of the engine
      expect(runs).toBeLessThan(100);

      bus.cpuWrite(SCS.IPR + TIM6_IRQ, 1, 0x80); // now it outranks PendSV: taken at once
      core.run(100);
      expect(core.currentException).toBe(16 + TIM6_IRQ);
      expect(engine.readRegister(Reg.PC)).toBe(CODE + 0x10);
    } finally {
      await sim.close();
    }
  });

  it('skips the idle loop again right after each SysTick that interrupts it (it is remembered as a spin loop)', async () => {
    const sim = await Simulation.load(fixture('hello'));
    try {
      const { bus, core } = sim.machine;
      const SYST = { CSR: 0xe000_e010, RVR: 0xe000_e014, CVR: 0xe000_e018 };
      // In flash, where ThreadX's loop is, so the SysTick held back by the loop's CPSID is taken
      // right after its CPSIE (0x16: bx lr, the SysTick handler). PendSV 0xff, SysTick 0x40.
      enterIdleLoop(sim, 0x0810_0000, [0x4770], { 15: 0x16 }, 0x40ff_0000);
      bus.cpuWrite(SYST.RVR, 4, 64_000 - 1); // 1 kHz at 64 MHz
      bus.cpuWrite(SYST.CVR, 4, 0);
      bus.cpuWrite(SYST.CSR, 4, 7);
      expect(core.currentException).toBe(14);

      const skippedBefore = core.skippedCycles;
      const before = sim.machine.clock.now;
      core.run(64_000 * 100); // 100 ticks
      const executed = sim.machine.clock.now - before - (core.skippedCycles - skippedBefore);
      expect(core.currentException).toBe(14);
      // Each tick: the handler and a probe of three passes, a few hundred instructions; running the
      // loop until a blind probe was due cost about 20 000 per tick.
      expect(executed / 100).toBeLessThan(2_000);
    } finally {
      await sim.close();
    }
  });
});
