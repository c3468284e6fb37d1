import { describe, expect, it } from 'vitest';
import { stm32h573 } from '../../emulator/machine/stm32h573.js';
import { modelFactory } from '../../peripherals/index.js';
import { ModelBench } from '../helpers/model-bench.js';
import { Rcc } from '../../peripherals/system/rcc.js';

const SYSTEM_KEYS = new Set(['rcc', 'pwr', 'flash', 'icache', 'dcache', 'sbs', 'dbgmcu', 'ramcfg', 'bkpsram', 'stub']);

describe('system models in the machine table', () => {
  it('every block with a system model or a stub builds from its description, with the described size', () => {
    const bench = new ModelBench({ strict: false });
    for (const desc of stm32h573.peripherals.filter((p) => SYSTEM_KEYS.has(p.model))) {
      const factory = modelFactory(desc.model);
      expect(factory, desc.model).toBeDefined();
      // The same options the machine builder passes.
      const model = factory!(bench.context(desc.name), { ...(desc.options ?? {}), type: desc.type, base: desc.base, size: desc.size });
      expect(model.size, desc.name).toBe(desc.size);
      bench.attach(model, desc.base);
    }
    // a stub reached through the bus names its register
    bench.read32(0x4000_3800);
    expect(bench.log.records.at(-1)?.register).toBe('CR1');
  });

  it('RCC knows an enable bit for every block that has one, and none is enabled by accident', () => {
    const bench = new ModelBench();
    const rcc = new Rcc(bench.context('RCC'));
    const clockedAtReset = new Set(['FLASH', 'DCACHE1', 'BKPSRAM', 'RAMCFG']);
    const noEnableBit = new Set(['RCC', 'PWR', 'EXTI', 'DBGMCU', 'ICACHE', 'IWDG']);
    for (const desc of stm32h573.peripherals) {
      const expected = noEnableBit.has(desc.name) || (clockedAtReset.has(desc.name) && desc.name !== 'RAMCFG');
      expect(rcc.isClockEnabled(desc.name), desc.name).toBe(expected);
    }
  });
});
