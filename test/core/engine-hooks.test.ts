import { describe, expect, it } from 'vitest';
import { UnicornEngine } from '../../emulator/core/unicorn.js';
import { Reg } from '../../emulator/core/engine.js';

// Single-address code hooks (breakpoints, probes, function-entry watches) are served by the
// instruction counter's own hook, not by extra Unicorn hooks (each of which slows every
// instruction): they must still fire at their instruction, in order, be removable, and be able to
// stop the run before their instruction with an exact count.
//
//   0: movs r0,#0   2: movs r2,#20
// loop (4): adds r0,#1   6: subs r2,#1   8: bne loop
// done (a): b done
const CODE = Buffer.from('002014220130013afcd1fee7', 'hex');
const BASE = 0x0800_0000;
const LOOP = BASE + 4;
const DONE = BASE + 0xa;

function engineWithCode(): UnicornEngine {
  const engine = new UnicornEngine();
  const flash = new Uint8Array(0x1000);
  flash.set(CODE);
  engine.mapMemory(BASE, flash, { write: false, execute: true });
  engine.writeRegister(Reg.PC, BASE);
  return engine;
}

describe('single-address code hooks', () => {
  it('fire at their instruction for every pass, each handler once, until removed', () => {
    const engine = engineWithCode();
    try {
      const seen: string[] = [];
      const first = engine.addCodeHook(LOOP, LOOP, (address) => seen.push(`a@${address.toString(16)}:${engine.readRegister(Reg.R0)}`));
      engine.addCodeHook(LOOP, LOOP, () => seen.push('b'));
      engine.addCodeHook(DONE, DONE, () => seen.push('done'));
      engine.run(2 + 3 * 3); // three passes
      expect(seen).toEqual(['a@8000004:0', 'b', 'a@8000004:1', 'b', 'a@8000004:2', 'b']);
      first.remove();
      seen.length = 0;
      const { executed } = engine.run(3 * 17 + 1); // the remaining passes and `b done` once
      expect(executed).toBe(52);
      expect(seen).toEqual([...Array(17).fill('b'), 'done']);
      expect(engine.readRegister(Reg.R0)).toBe(20);
    } finally {
      engine.close();
    }
  });

  it('can stop the run before their instruction with an exact count', () => {
    const engine = engineWithCode();
    try {
      let passes = 0;
      engine.addCodeHook(LOOP, LOOP, () => { if (++passes === 5) engine.stopBeforeCurrentInstruction(); });
      const { executed, stop } = engine.run(1000);
      expect(stop.kind).toBe('requested');
      expect(executed).toBe(2 + 4 * 3); // two moves and four whole passes
      expect(engine.readRegister(Reg.PC)).toBe(LOOP);
      expect(engine.readRegister(Reg.R0)).toBe(4);
    } finally {
      engine.close();
    }
  });

  it('keep working past the table size (falling back to engine hooks)', () => {
    const engine = engineWithCode();
    try {
      const removers = Array.from({ length: 300 }, (_, i) => engine.addCodeHook(0x0900_0000 + 2 * i, 0x0900_0000 + 2 * i, () => {}));
      let hits = 0;
      engine.addCodeHook(LOOP, LOOP, () => hits++);
      engine.run(2 + 3 * 20);
      expect(hits).toBe(20);
      for (const remover of removers) remover.remove();
    } finally {
      engine.close();
    }
  });
});
