// Log lines name the bus address of the access, also for models whose factory is not given the
// block's base (TIM, USART, GPIO, EXTI, CRC, RTC, TAMP, the watchdogs used to log the offset
// inside the block as if it were the address).
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../emulator/harness/simulation.js';
import type { AccessRecord } from '../../emulator/diagnostics/access-log.js';
import { RegisterBlock } from '../../peripherals/registers/register-block.js';
import { Usart } from '../../peripherals/io/usart.js';
import { Rtc } from '../../peripherals/rtc/rtc.js';
import { ModelBench } from '../helpers/model-bench.js';
import { fixture } from '../helpers/fixtures.js';

describe('addresses in log lines', () => {
  it('a model built without a base, mapped by a bench, logs bus addresses and register names', () => {
    const b = new ModelBench({ strict: false });
    const lines: string[] = [];
    b.log.setSink((line) => lines.push(line));
    b.attach(new Usart(b.context('USART3')), 0x4000_4800);
    b.write32(0x4000_4800 + 0x3fc, 1); // reserved
    b.write32(0x4000_4800 + 0x04, 1 << 14); // CR2.LINEN: not modelled
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('USART3 +0x3fc (0x40004bfc)');
    expect(lines[1]).toContain('USART3 CR2.LINEN (0x40004804)');
  });

  it('a guest error raised by behaviour code (RTC backup-domain protection) gets the register\'s bus address', () => {
    const b = new ModelBench({ strict: false });
    const lines: string[] = [];
    b.log.setSink((line) => lines.push(line));
    b.attach(new Rtc(b.context('RTC')), 0x4400_7800);
    b.write32(0x4400_7800 + 0x04, 0x0101); // DR while PWR_DBPCR.DBP = 0
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^guest error: write of RTC DR \(0x44007804\) value 0x00000101.*backup domain write-protected/);
  });

  it('every register-table model of the STM32H563 logs a reserved-offset write at its bus address', async () => {
    const sim = await Simulation.load(fixture('hello'));
    try {
      const records: AccessRecord[] = [];
      sim.machine.log.setSink((_line, record) => records.push(record));
      // Every bus clock on: a gated block (ETH) ignores writes without logging them.
      for (const enr of [0x88, 0x8c, 0x94, 0x9c, 0xa0, 0xa4, 0xa8]) sim.machine.bus.cpuWrite(0x4402_0c00 + enr, 4, 0xffff_ffff);
      const checked: string[] = [];
      for (const [name, model] of sim.machine.models) {
        const regs = (model as { regs?: unknown }).regs;
        if (!(regs instanceof RegisterBlock)) continue;
        const mapping = sim.machine.bus.findPeripheral(regs.baseAddress);
        if (mapping?.peripheral !== model) throw new Error(`${name}: its register table says it starts at 0x${regs.baseAddress.toString(16)}, the bus maps something else there`);
        // The first word offset no register decodes below the last register (never a model's
        // RAM), or else the word after the last register (dense tables: GPIO, USART, watchdogs).
        const last = Math.max(...regs.specs.map((s) => s.offset));
        let offset = 0;
        while (offset < last && regs.decodes(offset)) offset += 4;
        const inside = offset < last;
        if (!inside && offset + 4 >= model.size) continue;
        if (!inside) offset += 4;
        records.length = 0;
        sim.machine.bus.cpuWrite(regs.baseAddress + offset, 4, 0);
        const logged = records.find((r) => r.kind === 'guest-error');
        if (!inside && !logged) continue; // a model that decodes memory past its registers
        expect(logged, `${name} +0x${offset.toString(16)}`).toBeDefined();
        expect(logged!.address, name).toBe(regs.baseAddress + offset);
        expect(logged!.peripheral, name).toBe(name);
        checked.push(name);
      }
      expect(checked, checked.join(' ')).toEqual(expect.arrayContaining(['TIM2', 'TIM6', 'USART3', 'GPIOA', 'GPIOI', 'EXTI', 'CRC', 'RTC', 'TAMP', 'IWDG', 'WWDG', 'RCC', 'ETH']));
    } finally {
      await sim.close();
    }
  });
});
