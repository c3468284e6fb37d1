import { describe, expect, it } from 'vitest';
import { UnicornEngine } from '../../emulator/core/unicorn.js';
import { Reg } from '../../emulator/core/engine.js';

// The exception model relies on how the engine banks SP when IPSR and CONTROL are written
// (emulator/cpu/cortex-m33.ts applyCoreState). Pin that behaviour down.
describe('Unicorn SP banking as the exception model uses it', () => {
  for (const unprivileged of [false, true]) {
    it(`returning to thread mode on PSP${unprivileged ? ', unprivileged' : ''} makes PSP the active SP`, () => {
      const engine = new UnicornEngine();
      try {
        engine.writeRegister(Reg.IPSR, 3);
        engine.writeRegisters([Reg.IPSR, Reg.CONTROL, Reg.MSP, Reg.PSP, 138], [1, 2 | (unprivileged ? 1 : 0), 0x2000_1000, 0x2000_2000, 0x0100_0000]);
        expect(engine.readRegister(Reg.SP)).toBe(0x2000_2000);
        expect(engine.readRegister(Reg.IPSR)).toBe(0);
        expect(engine.readRegister(Reg.CONTROL) & 3).toBe(unprivileged ? 3 : 2);
        // entering handler mode again makes MSP active and both readable
        engine.writeRegister(Reg.IPSR, 1);
        expect(engine.readRegister(Reg.SP)).toBe(0x2000_1000);
        expect(engine.readRegisters([Reg.MSP, Reg.PSP])).toEqual([0x2000_1000, 0x2000_2000]);
      } finally {
        engine.close();
      }
    });
  }
});
