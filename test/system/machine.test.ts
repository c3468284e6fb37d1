import { describe, expect, it } from 'vitest';
import { stm32h563 } from '../../emulator/machine/stm32h563.js';
import { stm32h573 } from '../../emulator/machine/stm32h573.js';
import type { MachineDescription } from '../../emulator/machine/machine-description.js';
import { knownLayoutTypes, registerLayout } from '../../emulator/machine/register-names.js';
import { reference } from './reference.js';

function located(machine: MachineDescription): Map<string, { base: number; type: string }> {
  const where = new Map<string, { base: number; type: string }>();
  for (const p of machine.peripherals) {
    where.set(p.name, { base: p.base, type: p.type });
    for (const part of (p.options?.parts as Array<{ name: string; type: string; offset: number }> | undefined) ?? []) {
      where.set(part.name, { base: p.base + part.offset, type: part.type });
    }
  }
  return where;
}

describe.each([['stm32h563', stm32h563], ['stm32h573', stm32h573]] as const)('%s machine table', (part, machine) => {
  const ref = reference(part);

  it('places every CMSIS instance at its base, as a block or a part of one', () => {
    const where = located(machine);
    for (const [name, fact] of Object.entries(ref.instances)) {
      expect(where.get(name), name).toBeDefined();
      expect(where.get(name)!.base, name).toBe(fact.base);
      if (fact.type !== 'FDCAN_Config') expect(where.get(name)!.type, name).toBe(fact.type);
    }
    expect(where.get('DBGMCU')?.base).toBe(ref.constants.DBGMCU_BASE);
    expect(where.get('BKPSRAM')?.base).toBe(ref.constants.BKPSRAM_BASE_NS);
  });

  it('wires every peripheral interrupt to its NVIC number', () => {
    const wired = new Map<string, number>();
    for (const p of machine.peripherals) for (const [line, n] of Object.entries(p.irqs ?? {})) wired.set(line, n);
    for (const [line, n] of Object.entries(ref.irqs)) {
      if (n < 0 || line === 'FPU') continue;
      expect(wired.get(line), line).toBe(n);
    }
    expect(machine.peripherals.find((p) => p.name === 'USART3')?.irqs).toEqual({ USART3: 60 });
    expect(machine.peripherals.find((p) => p.name === 'ETH')?.irqs).toEqual({ ETH: 106, ETH_WKUP: 107 });
    expect(Math.max(...wired.values())).toBeLessThan(machine.externalInterrupts);
  });

  it('has no overlapping blocks or memories, 1 KiB aligned blocks and 4 KiB aligned memories', () => {
    const spans = [
      ...machine.peripherals.flatMap((p) => [[p.base, p.size, p.name], [p.secureAlias ?? p.base + 0x1000_0000, p.size, `${p.name}_S`]] as const),
      ...machine.memories.flatMap((m) => [[m.base, m.size, m.name], ...(m.secureAlias ? [[m.secureAlias, m.size, `${m.name}_S`] as const] : [])] as const),
    ].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) {
      const [base, size, name] = spans[i - 1]!;
      expect(base + size, `${name} overlaps ${spans[i]![2]}`).toBeLessThanOrEqual(spans[i]![0]);
    }
    for (const p of machine.peripherals) {
      expect(p.base % 0x400, p.name).toBe(0);
      expect(p.size % 0x400, p.name).toBe(0);
    }
    for (const m of machine.memories) {
      expect(m.base % 0x1000, m.name).toBe(0);
      expect(m.size % 0x1000, m.name).toBe(0);
    }
  });

  it('describes the memories of the header and the device information', () => {
    const memory = (name: string) => machine.memories.find((m) => m.name === name)!;
    expect(memory('FLASH')).toMatchObject({ base: ref.constants.FLASH_BASE_NS, secureAlias: ref.constants.FLASH_BASE_S, size: 2 * 1024 * 1024, writable: false });
    for (const n of [1, 2, 3]) expect(memory(`SRAM${n}`)).toMatchObject({ base: ref.constants[`SRAM${n}_BASE_NS`], size: ref.constants[`SRAM${n}_SIZE`] });
    const info = memory('OTP_INFO');
    const data = new Uint8Array(info.size);
    info.initialise!(data);
    const view = new DataView(data.buffer);
    expect(view.getUint16(ref.constants.FLASHSIZE_BASE! - info.base, true)).toBe(0x0800);
    expect(view.getUint16(ref.constants.PACKAGE_BASE! - info.base, true)).toBe(4);
    expect(view.getUint32(ref.constants.UID_BASE! - info.base, true)).not.toBe(0xffffffff);
    expect(machine.resetFrequencyHz).toBe(64_000_000);
    expect(machine.externalInterrupts).toBe(131);
  });

  it('names the model keys the project agreed on', () => {
    const model = (name: string) => machine.peripherals.find((p) => p.name === name)?.model;
    expect([model('RCC'), model('PWR'), model('FLASH'), model('ICACHE'), model('DCACHE1'), model('SBS'), model('DBGMCU'), model('RAMCFG'), model('BKPSRAM')])
      .toEqual(['rcc', 'pwr', 'flash', 'icache', 'dcache', 'sbs', 'dbgmcu', 'ramcfg', 'bkpsram']);
    expect([model('GPIOC'), model('USART3'), model('LPUART1'), model('TIM1'), model('EXTI'), model('ETH'), model('RNG'), model('HASH'), model('PKA')])
      .toEqual(['gpio', 'usart', 'usart', 'tim', 'exti', 'eth', 'rng', 'hash', 'pka']);
    expect(machine.peripherals.find((p) => p.name === 'TIM2')?.options).toEqual({ kind: 'general', width: 32, channels: 4 });
    expect(machine.peripherals.find((p) => p.name === 'SPI2')?.options).toEqual({ type: 'SPI' });
  });
});

describe('H563 versus H573', () => {
  it('adds AES, SAES and OTFDEC1 on the H573 only', () => {
    const names = (m: MachineDescription) => new Set(m.peripherals.map((p) => p.name));
    expect(names(stm32h563).has('AES')).toBe(false);
    const aes = stm32h573.peripherals.find((p) => p.name === 'AES')!;
    const saes = stm32h573.peripherals.find((p) => p.name === 'SAES')!;
    expect([aes.base, aes.model, aes.irqs]).toEqual([0x420c_0000, 'aes', { AES: 116 }]);
    expect([saes.base, saes.model, saes.irqs]).toEqual([0x420c_0c00, 'saes', { SAES: 36 }]);
    expect(stm32h573.peripherals.length - stm32h563.peripherals.length).toBe(3);
  });
});

describe('register-name table', () => {
  it('matches every layout of the headers', () => {
    const ref = reference('stm32h573');
    for (const [type, layout] of Object.entries(ref.layouts)) {
      expect(registerLayout(type).map((r) => [r.name, r.offset, r.count]), type)
        .toEqual(layout.map((r) => [r.name, r.offset, r.count ?? 1]));
    }
    expect(knownLayoutTypes()).toEqual(expect.arrayContaining(['FDCAN_Global', 'FDCAN_Config']));
    expect(registerLayout('OCTOSPI')).toEqual(registerLayout('XSPI'));
  });
});
