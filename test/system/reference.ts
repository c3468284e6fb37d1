// The register-map facts of ../shared/reference (CMSIS headers in JSON) for the system tests.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RegisterSpec } from '../../peripherals/registers/register-block.js';
import { expandRegisters } from '../../peripherals/registers/register-block.js';

export interface ReferenceMap {
  constants: Record<string, number>;
  fields: Record<string, { pos: number; width: number }>;
  instances: Record<string, { base: number; type: string }>;
  irqs: Record<string, number>;
  layouts: Record<string, Array<{ name: string; offset: number; width: number; count?: number }>>;
}

export function reference(part: 'stm32h563' | 'stm32h573'): ReferenceMap {
  const path = fileURLToPath(new URL(`../../../shared/reference/${part}-registers.json`, import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as ReferenceMap;
}

/**
 * Checks a model's table against the header: every register of the layout is declared at its
 * offset, and every declared field sits where the header puts `<TYPE>_<REG>_<FIELD>`.
 * `fieldRegister` maps a model register name to the header's field prefix (NSCR → CR).
 */
export function compareTable(ref: ReferenceMap, type: string, specs: RegisterSpec[], fieldRegister: (name: string) => string = (n) => n): string[] {
  const problems: string[] = [];
  const declared = new Map(expandRegisters(specs).map((s) => [s.name, s]));
  for (const reg of ref.layouts[type] ?? []) {
    const spec = declared.get(reg.name);
    if (!spec) problems.push(`${type}_${reg.name} missing`);
    else if (spec.offset !== reg.offset) problems.push(`${type}_${reg.name} at 0x${spec.offset.toString(16)}, header 0x${reg.offset.toString(16)}`);
  }
  for (const spec of declared.values()) {
    for (const field of spec.fields ?? []) {
      const key = `${type}_${fieldRegister(spec.name)}_${field.name}`;
      const fact = ref.fields[key];
      if (!fact) problems.push(`${key} not in the header`);
      else if (fact.pos !== field.bit || fact.width !== (field.width ?? 1)) problems.push(`${key} at ${field.bit}/${field.width ?? 1}, header ${fact.pos}/${fact.width}`);
    }
  }
  return problems;
}
