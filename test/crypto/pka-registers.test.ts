// PKA register table against the CMSIS facts, and the control/status behaviour firmware relies on:
// INITOK after EN, BUSY before PROCENDF, error flags, CLRFR, the interrupt line.
import { beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PKA_REGISTERS, PKA_RAM_OFFSET, PKA_RAM_WORDS, PKA_BLOCK_SIZE } from '../../peripherals/crypto/pka.regs.js';
import { PkaMode, PkaStatus, Ram } from '../../peripherals/crypto/pka-ram-layout.js';
import { modelFactory } from '../../peripherals/index.js';
import {
  PkaDriver, PKA_BASE, CR, SR, CLRFR, EN, START, INITOK, BUSY, PROCENDF, RAMERRF, ADDRERRF, OPERRF,
  PROCENDIE, RAMERRIE, OPERRIE, ALL_FLAGS,
} from './pka-driver.js';

interface Reference {
  instances: Record<string, { base: number; type: string }>;
  layouts: Record<string, Array<{ name: string; offset: number; count?: number }>>;
  fields: Record<string, { pos: number; width: number }>;
  irqs: Record<string, number>;
}

const reference = JSON.parse(readFileSync(fileURLToPath(new URL('../../../shared/reference/stm32h563-registers.json', import.meta.url)), 'utf8')) as Reference;

describe('PKA register table', () => {
  it('matches stm32h563xx.h: registers, fields, RAM, base and IRQ', () => {
    expect(reference.instances.PKA).toEqual({ base: PKA_BASE, type: 'PKA' });
    expect(reference.irqs.PKA).toBe(118);
    const layout = reference.layouts.PKA!;
    for (const entry of layout) {
      if (entry.name === 'RAM') {
        expect([entry.offset, entry.count]).toEqual([PKA_RAM_OFFSET, PKA_RAM_WORDS]);
        continue;
      }
      const spec = PKA_REGISTERS.find((r) => r.name === entry.name);
      expect(spec?.offset, entry.name).toBe(entry.offset);
    }
    expect(PKA_REGISTERS.map((r) => r.name).sort()).toEqual(layout.filter((e) => e.name !== 'RAM').map((e) => e.name).sort());
    const ours = new Map<string, { pos: number; width: number }>();
    for (const reg of PKA_REGISTERS) for (const f of reg.fields ?? []) ours.set(`PKA_${reg.name}_${f.name}`, { pos: f.bit, width: f.width ?? 1 });
    const theirs = Object.entries(reference.fields).filter(([name]) => name.startsWith('PKA_'));
    expect(theirs.length).toBeGreaterThan(0);
    for (const [name, field] of theirs) expect(ours.get(name), name).toEqual(field);
    expect(ours.size).toBe(theirs.length);
    expect(PKA_RAM_OFFSET + PKA_RAM_WORDS * 4).toBeLessThanOrEqual(PKA_BLOCK_SIZE);
  });

  it('is registered under the key "pka"', () => {
    expect(modelFactory('pka')).toBeTypeOf('function');
  });
});

describe('PKA control and status', () => {
  let driver: PkaDriver;
  beforeEach(() => {
    driver = new PkaDriver({ strict: false });
  });

  const bench = () => driver.bench;

  /** Loads a small modular exponentiation (3^5 mod 7 … sized `bits`) so START has work to do. */
  function loadModExp(bits = 2048): void {
    const L = Ram.MODULAR_EXP;
    driver.word(L.IN_EXP_NB_BITS, bits);
    driver.word(L.IN_OP_NB_BITS, bits);
    driver.number(L.IN_EXPONENT_BASE, 3n, bits / 8);
    driver.number(L.IN_EXPONENT, (1n << BigInt(bits - 1)) | 5n, bits / 8);
    driver.number(L.IN_MODULUS, (1n << BigInt(bits - 1)) + 111n, bits / 8);
  }

  it('ignores EN during the RAM erase after reset, then sets INITOK some cycles after EN', () => {
    bench().write32(CR, EN);
    expect(bench().read32(CR) & EN).toBe(0);
    expect(bench().read32(SR) & INITOK).toBe(0);
    driver.init();
    expect(bench().read32(SR)).toBe(INITOK);
    bench().write32(CR, 0);
    expect(bench().read32(SR) & INITOK).toBe(0);
  });

  it('shows BUSY before PROCENDF, for a time that grows with the operand size', () => {
    driver.init();
    loadModExp(1024);
    bench().write32(CR, EN | (PkaMode.MODULAR_EXP << 8));
    bench().write32(CR, bench().read32(CR) | START);
    expect(bench().read32(CR) & START).toBe(0);
    expect(bench().read32(SR) & (BUSY | PROCENDF)).toBe(BUSY);
    const small = bench().pollUntil(() => (bench().read32(SR) & PROCENDF) !== 0, 1e9, 1000);
    expect(bench().read32(SR) & BUSY).toBe(0);
    bench().write32(CLRFR, ALL_FLAGS);
    expect(bench().read32(SR) & PROCENDF).toBe(0);
    loadModExp(2048);
    const large = driver.run(PkaMode.MODULAR_EXP, { step: 1000 }).cycles;
    expect(small).toBeGreaterThan(1_000_000);
    expect(large).toBeGreaterThan(4 * small);
  });

  it('raises RAMERRF when the CPU touches PKA RAM while BUSY (read 0, write ignored)', () => {
    driver.init();
    loadModExp(512);
    bench().write32(CR, EN | (PkaMode.MODULAR_EXP << 8) | START);
    expect(bench().read32(SR) & BUSY).toBe(BUSY);
    expect(bench().read32(PKA_BASE + Ram.MODULAR_EXP.IN_OP_NB_BITS)).toBe(0);
    bench().write32(PKA_BASE + Ram.MODULAR_EXP.IN_OP_NB_BITS, 8);
    expect(bench().read32(SR) & RAMERRF).toBe(RAMERRF);
    bench().pollUntil(() => (bench().read32(SR) & PROCENDF) !== 0, 1e9, 10_000);
    expect(bench().read32(PKA_BASE + Ram.MODULAR_EXP.IN_OP_NB_BITS)).toBe(512);
    bench().write32(CLRFR, RAMERRF);
    expect(bench().read32(SR) & (RAMERRF | PROCENDF)).toBe(PROCENDF);
  });

  it('raises ADDRERRF for addresses the block does not decode', () => {
    driver.init();
    expect(bench().read32(PKA_BASE + 0x1ffc)).toBe(0);
    expect(bench().read32(SR) & ADDRERRF).toBe(ADDRERRF);
    bench().write32(CLRFR, ADDRERRF);
    bench().write32(PKA_BASE + 0x200, 1);
    expect(bench().read32(SR) & ADDRERRF).toBe(ADDRERRF);
    // the last RAM word is fine
    bench().write32(CLRFR, ADDRERRF);
    bench().write32(PKA_BASE + 0x18d4, 0x1234);
    expect(bench().read32(PKA_BASE + 0x18d4)).toBe(0x1234);
    expect(bench().read32(SR) & ADDRERRF).toBe(0);
  });

  it('raises OPERRF for a MODE the PKA does not have, and starts nothing', () => {
    driver.init();
    bench().write32(CR, EN | (0x3e << 8) | START);
    expect(bench().read32(SR) & (OPERRF | BUSY)).toBe(OPERRF);
    bench().runCycles(10_000_000);
    expect(bench().read32(SR) & PROCENDF).toBe(0);
    bench().write32(CLRFR, OPERRF);
    expect(bench().read32(SR) & OPERRF).toBe(0);
  });

  it('flags operand sizes out of range with OPERRF and ends the operation', () => {
    driver.init();
    driver.word(Ram.ARITHMETIC.IN_OP_NB_BITS, 0);
    expect(driver.run(PkaMode.ARITHMETIC_ADD).sr & (OPERRF | PROCENDF)).toBe(OPERRF | PROCENDF);
    driver.word(Ram.ECC_MUL.IN_OP_NB_BITS, 100_000);
    driver.word(Ram.ECC_MUL.IN_EXP_NB_BITS, 256);
    const out = driver.run(PkaMode.ECC_MUL);
    expect(out.sr & OPERRF).toBe(OPERRF);
    expect(driver.readWord(Ram.ECC_MUL.OUT_ERROR)).toBe(PkaStatus.FAILED_COMPUTATION);
  });

  it('aborts the operation when EN is cleared: no PROCENDF, no result', () => {
    driver.init();
    loadModExp(1024);
    bench().write32(CR, EN | (PkaMode.MODULAR_EXP << 8) | START);
    bench().runCycles(1000);
    bench().write32(CR, 0);
    expect(bench().read32(SR) & (BUSY | INITOK)).toBe(0);
    bench().runCycles(100_000_000);
    expect(bench().read32(SR) & PROCENDF).toBe(0);
    expect(bench().read32(PKA_BASE + Ram.MODULAR_EXP.OUT_RESULT)).toBe(0);
    driver.init();
    expect(bench().read32(SR)).toBe(INITOK);
  });

  it('ignores START while BUSY', () => {
    driver.init();
    loadModExp(1024);
    bench().write32(CR, EN | (PkaMode.MODULAR_EXP << 8) | START);
    bench().runCycles(1000);
    bench().write32(CR, EN | (PkaMode.ARITHMETIC_ADD << 8) | START);
    expect(bench().read32(SR) & OPERRF).toBe(0);
    const spent = bench().pollUntil(() => (bench().read32(SR) & PROCENDF) !== 0, 1e9, 1000);
    // The modular exponentiation finished; the add never replaced it.
    expect(spent).toBeGreaterThan(1_000_000);
    expect(bench().read32(PKA_BASE + Ram.MODULAR_EXP.OUT_RESULT)).not.toBe(0);
  });

  it('raises the IRQ line only when the matching enable bit is set', () => {
    driver.init();
    driver.word(Ram.ARITHMETIC.IN_OP_NB_BITS, 32);
    driver.run(PkaMode.ARITHMETIC_ADD, { step: 100 });
    expect(bench().irqLevel('PKA')).toBe(false);
    bench().write32(CR, EN | (PkaMode.ARITHMETIC_ADD << 8) | PROCENDIE | START);
    bench().pollUntil(() => (bench().read32(SR) & PROCENDF) !== 0, 1e6, 10);
    expect(bench().irqLevel('PKA')).toBe(true);
    bench().write32(CLRFR, PROCENDF);
    expect(bench().irqLevel('PKA')).toBe(false);
    bench().write32(CR, EN | OPERRIE | RAMERRIE | (0x3f << 8) | START);
    expect(bench().irqLevel('PKA')).toBe(true);
    bench().write32(CLRFR, ALL_FLAGS);
    expect(bench().irqLevel('PKA')).toBe(false);
  });

  it('ignores RAM writes narrower than 32 bits', () => {
    driver.init();
    bench().write32(PKA_BASE + 0x800, 0x1122_3344);
    bench().write(PKA_BASE + 0x800, 1, 0xff);
    bench().write(PKA_BASE + 0x802, 2, 0xffff);
    expect(bench().read32(PKA_BASE + 0x800)).toBe(0x1122_3344);
  });

  it('in limited mode (STM32H563) runs ECDSA verification only; other modes raise OPERRF', () => {
    driver = new PkaDriver({ strict: false, limited: true });
    driver.init();
    bench().write32(CR, EN | (PkaMode.ECC_MUL << 8) | START);
    expect(bench().read32(SR) & (OPERRF | BUSY)).toBe(OPERRF);
    bench().runCycles(10_000_000);
    expect(bench().read32(SR) & PROCENDF).toBe(0);
    bench().write32(CLRFR, ALL_FLAGS);
    // Verification still runs (here on empty operands: the verdict is "invalid", not an error flag).
    const out = driver.run(PkaMode.ECDSA_VERIFY);
    expect(out.sr & OPERRF).toBe(OPERRF);
    expect(driver.readWord(Ram.ECDSA_VERIFY.OUT_RESULT)).not.toBe(PkaStatus.NO_ERROR);
    driver.word(Ram.ECDSA_VERIFY.IN_ORDER_NB_BITS, 256);
    driver.word(Ram.ECDSA_VERIFY.IN_MOD_NB_BITS, 256);
    expect(driver.run(PkaMode.ECDSA_VERIFY).sr & (OPERRF | PROCENDF)).toBe(PROCENDF);
  });

  it('never throws on arbitrary RAM contents, whatever the mode', () => {
    driver.init();
    let seed = 0x1234_5678;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    for (const mode of Object.values(PkaMode)) {
      for (let round = 0; round < 3; round++) {
        for (let offset = 0x400; offset < 0x18d8; offset += 4) driver.word(offset, round === 0 ? 0 : next());
        // Plausible sizes in round 2 so the arithmetic gets past the size checks.
        if (round === 2) for (const offset of [0x400, 0x408, 0x4c8]) driver.word(offset, 1 + (next() % 640));
        const out = driver.run(mode, { step: 100_000, maxCycles: 5e9 });
        expect(out.sr & PROCENDF).toBe(PROCENDF);
      }
    }
    // The model's safety net (an exception turned into OPERRF) never had to catch anything.
    expect(bench().log.records.filter((r) => r.kind === 'unimplemented')).toEqual([]);
  });
});
