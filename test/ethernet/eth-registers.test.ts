// The ETH register tables against the CMSIS facts in ../shared/reference (names, offsets, field positions).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expandRegisters } from '../../peripherals/registers/register-block.js';
import { macRegisters } from '../../peripherals/ethernet/mac.regs.js';
import { mtlRegisters } from '../../peripherals/ethernet/mtl.regs.js';
import { dmaRegisters } from '../../peripherals/ethernet/dma.regs.js';
import { modelFactory } from '../../peripherals/index.js';
import { EthernetMac } from '../../peripherals/ethernet/eth.js';
import { ModelBench } from '../helpers/model-bench.js';

interface Reference {
  instances: Record<string, { base: number; type: string }>;
  irqs: Record<string, number>;
  layouts: Record<string, Array<{ name: string; offset: number }>>;
  fields: Record<string, { pos: number; width?: number }>;
}

const reference = JSON.parse(readFileSync(new URL('../../../shared/reference/stm32h563-registers.json', import.meta.url), 'utf8')) as Reference;

/** Registers and fields the model declares that the CMSIS header does not name (documented in RM0481). */
const NOT_IN_HEADER = new Set(['MACHWF3R', 'MTLTQOMR.TXQEN', 'MTLTQOMR.TQS', 'DMADSR.AXWHSTS', 'DMACCR.PBLX8', 'DMACRIWTR.RWTU']);

describe('ETH register table', () => {
  const specs = expandRegisters([...macRegisters, ...mtlRegisters, ...dmaRegisters]);
  const layout = new Map(reference.layouts.ETH!.map((r) => [r.name, r.offset]));

  it('sits where the header puts it, with the header IRQ numbers', () => {
    expect(reference.instances.ETH).toEqual({ base: 0x4002_8000, type: 'ETH' });
    expect(reference.irqs.ETH).toBe(106);
    expect(reference.irqs.ETH_WKUP).toBe(107);
  });

  it('is registered as "eth" and built from a machine-table entry', () => {
    const bench = new ModelBench({ options: { ethPhyAutonegSeconds: 0.25 } });
    const model = modelFactory('eth')!(bench.context('ETH'), { type: 'ETH', base: 0x4002_8000, size: 0x2000, parts: [] });
    expect(model).toBeInstanceOf(EthernetMac);
    expect(model.size).toBe(0x2000);
    bench.attach(model, 0x4002_8000);
    expect(bench.read32(0x4002_8110)).toBe(0x3242);
  });

  it('names every register at the header offset and covers the whole header layout', () => {
    for (const spec of specs) {
      if (NOT_IN_HEADER.has(spec.name)) continue;
      expect(layout.get(spec.name), spec.name).toBe(spec.offset);
    }
    const declared = new Set(specs.map((s) => s.name));
    expect([...layout.keys()].filter((name) => !declared.has(name))).toEqual([]);
  });

  it('places every field the header names at the header position and width', () => {
    const missing: string[] = [];
    for (const spec of specs) {
      for (const field of spec.fields ?? []) {
        const key = `ETH_${spec.name}_${field.name}`;
        const fact = reference.fields[key];
        if (!fact) {
          if (!NOT_IN_HEADER.has(`${spec.name}.${field.name}`)) missing.push(key);
          continue;
        }
        expect(field.bit, key).toBe(fact.pos);
        if (fact.width !== undefined) expect(field.width ?? 1, key).toBe(fact.width);
      }
    }
    expect(missing).toEqual([]);
  });
});
