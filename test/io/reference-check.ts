// Checks a model's register table against the CMSIS-derived reference map (test data only).
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { expandRegisters, type RegisterSpec } from '../../peripherals/registers/register-block.js';

interface ReferenceRegister { name: string; offset: number; width: number; count?: number }
interface Reference {
  constants: Record<string, number>;
  fields: Record<string, { pos: number; width: number }>;
  instances: Record<string, { base: number; type: string }>;
  irqs: Record<string, number>;
  layouts: Record<string, ReferenceRegister[]>;
}

export const reference: Reference = JSON.parse(
  readFileSync(new URL('../../../shared/reference/stm32h563-registers.json', import.meta.url), 'utf8'),
);

/** Reference registers with arrays expanded the way CMSIS names them (AFR[2] → AFR0, AFR1). */
export function referenceRegisters(layout: string): Array<{ name: string; offset: number }> {
  const regs = reference.layouts[layout];
  if (!regs) throw new Error(`no layout ${layout} in the reference`);
  return regs.flatMap((r) => (r.count ? Array.from({ length: r.count }, (_, i) => ({ name: `${r.name}${i}`, offset: r.offset + 4 * i })) : [{ name: r.name, offset: r.offset }]));
}

/**
 * Every register of the model sits at the reference offset, and every field of the listed registers
 * that the reference names sits at the reference position. `rename` maps model names to CMSIS names.
 */
export function checkAgainstReference(layout: string, specs: RegisterSpec[], prefix: string, fieldRegisters: string[] = [], rename: Record<string, string> = {}): void {
  const expected = new Map(referenceRegisters(layout).map((r) => [r.name, r.offset]));
  const model = expandRegisters(specs);
  for (const spec of model) {
    const name = rename[spec.name] ?? spec.name;
    expect(expected.get(name), `${layout}.${name} offset`).toBe(spec.offset);
  }
  let checked = 0;
  for (const spec of model.filter((s) => fieldRegisters.includes(s.name))) {
    for (const field of spec.fields ?? []) {
      const ref = reference.fields[`${prefix}_${rename[spec.name] ?? spec.name}_${field.name}`];
      if (!ref) continue;
      checked++;
      expect({ field: `${spec.name}.${field.name}`, pos: field.bit, width: field.width ?? 1 }).toEqual({ field: `${spec.name}.${field.name}`, pos: ref.pos, width: ref.width });
    }
  }
  if (fieldRegisters.length > 0) expect(checked, `${layout}: fields compared`).toBeGreaterThan(0);
}
