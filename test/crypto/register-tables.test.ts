// The crypto models' register tables against the CMSIS facts in ../shared/reference.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expandRegisters, type RegisterSpec } from '../../peripherals/registers/register-block.js';
import { RNG_REGISTERS } from '../../peripherals/crypto/rng.regs.js';
import { HASH_REGISTERS } from '../../peripherals/crypto/hash.regs.js';
import { AES_REGISTERS } from '../../peripherals/crypto/aes.regs.js';
import { registeredModels } from '../../peripherals/index.js';

interface Reference {
  instances: Record<string, { type: string; base: number }>;
  layouts: Record<string, Array<{ name: string; offset: number; count?: number }>>;
  fields: Record<string, { pos: number; width: number }>;
  irqs: Record<string, number>;
}

function reference(part: 'stm32h563' | 'stm32h573'): Reference {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../../shared/reference/${part}-registers.json`, import.meta.url)), 'utf8')) as Reference;
}

/** Every register of the header's layout at its offset (arrays expanded), `prefix` for HASH_DIGEST's place in HASH. */
function checkLayout(ref: Reference, type: string, table: RegisterSpec[], shift = 0, rename: (name: string) => string = (n) => n): void {
  const ours = new Map(expandRegisters(table).map((r) => [r.name, r.offset]));
  for (const reg of ref.layouts[type]!) {
    const names = reg.count ? Array.from({ length: reg.count }, (_, i) => ({ name: `${rename(reg.name)}${i}`, offset: reg.offset + i * 4 })) : [{ name: rename(reg.name), offset: reg.offset }];
    for (const { name, offset } of names) expect(ours.get(name), `${type}.${name}`).toBe(offset + shift);
  }
}

/** Every field the header defines for the type sits at the same bit with the same width in our table. */
function checkFields(ref: Reference, type: string, table: RegisterSpec[], skip: string[] = []): number {
  const byName = new Map(expandRegisters(table).map((r) => [r.name, r]));
  let checked = 0;
  for (const [key, field] of Object.entries(ref.fields)) {
    if (!key.startsWith(`${type}_`) || skip.includes(key)) continue;
    const rest = key.slice(type.length + 1);
    const split = rest.indexOf('_');
    const regName = split < 0 ? rest : rest.slice(0, split);
    const fieldName = split < 0 ? rest : rest.slice(split + 1);
    const reg = byName.get(regName) ?? byName.get(`${regName}0`);
    expect(reg, key).toBeDefined();
    if (!reg!.fields) {
      expect(field.width, `${key}: our ${regName} has no fields, so it must be a whole-word field`).toBe(32);
      continue;
    }
    const ours = reg!.fields.find((f) => f.name === fieldName);
    expect(ours, key).toBeDefined();
    expect([ours!.bit, ours!.width ?? 1], key).toEqual([field.pos, field.width]);
    checked++;
  }
  return checked;
}

describe('crypto register tables match the CMSIS headers', () => {
  for (const part of ['stm32h563', 'stm32h573'] as const) {
    it(`${part}: RNG and HASH (with HASH_DIGEST at HASH+0x310)`, () => {
      const ref = reference(part);
      checkLayout(ref, 'RNG', RNG_REGISTERS);
      expect(checkFields(ref, 'RNG', RNG_REGISTERS)).toBeGreaterThan(15);
      checkLayout(ref, 'HASH', HASH_REGISTERS);
      checkLayout(ref, 'HASH_DIGEST', HASH_REGISTERS, ref.instances['HASH_DIGEST']!.base - ref.instances['HASH']!.base);
      expect(checkFields(ref, 'HASH', HASH_REGISTERS)).toBeGreaterThan(15);
      expect(ref.instances['RNG']!.base).toBe(0x420c_0800);
      expect(ref.instances['HASH']!.base).toBe(0x420c_0400);
      expect([ref.irqs['RNG'], ref.irqs['HASH']]).toEqual([114, 117]);
    });
  }

  it('stm32h573: AES and SAES share the AES layout', () => {
    const ref = reference('stm32h573');
    expect(ref.instances['SAES']!.type).toBe('AES');
    checkLayout(ref, 'AES', AES_REGISTERS);
    // The header's CHMOD mask is 0x0001_0060 (bits 5–6 and 16): our table names the parts CHMOD and CHMOD2.
    expect(ref.fields['AES_CR_CHMOD']!.pos).toBe(5);
    expect(checkFields(ref, 'AES', AES_REGISTERS, ['AES_CR_CHMOD'])).toBeGreaterThan(25);
    const cr = AES_REGISTERS.find((r) => r.name === 'CR')!;
    expect(cr.fields!.filter((f) => f.name.startsWith('CHMOD')).map((f) => [f.bit, f.width ?? 1])).toEqual([[5, 2], [16, 1]]);
    expect([ref.instances['AES']!.base, ref.instances['SAES']!.base]).toEqual([0x420c_0000, 0x420c_0c00]);
    expect([ref.irqs['AES'], ref.irqs['SAES']]).toEqual([116, 36]);
  });

  it('stm32h563 has no AES or SAES', () => {
    const ref = reference('stm32h563');
    expect(ref.instances['AES']).toBeUndefined();
    expect(ref.instances['SAES']).toBeUndefined();
  });

  it('registers the models under their keys', () => {
    expect(registeredModels()).toEqual(expect.arrayContaining(['rng', 'hash', 'aes', 'saes']));
  });
});
