import { describe, expect, it } from 'vitest';
import { ModelBench } from '../helpers/model-bench.js';
import { Rcc } from '../../peripherals/system/rcc.js';
import { RCC_REGISTERS } from '../../peripherals/system/rcc.regs.js';
import { Pwr } from '../../peripherals/system/pwr.js';
import { PWR_REGISTERS } from '../../peripherals/system/pwr.regs.js';
import { Flash } from '../../peripherals/system/flash.js';
import { FLASH_REGISTERS } from '../../peripherals/system/flash.regs.js';
import { DCACHE_REGISTERS, ICACHE_REGISTERS, Icache } from '../../peripherals/system/cache.js';
import { SBS_REGISTERS } from '../../peripherals/system/sbs.js';
import { DBGMCU_REGISTERS, Dbgmcu } from '../../peripherals/system/dbgmcu.js';
import { RAMCFG_REGISTERS } from '../../peripherals/system/ramcfg.js';
import { BackupSram } from '../../peripherals/system/bkpsram.js';
import { NamedStub } from '../../peripherals/system/stub.js';
import { StrictAccessError } from '../../emulator/diagnostics/access-log.js';
import { compareTable, reference } from './reference.js';

const RCC = 0x4402_0c00;
const PWR = 0x4402_0800;
const FLASH = 0x4002_2000;

function bench(options: Record<string, unknown> = {}) {
  const b = new ModelBench({ frequencyHz: 64_000_000, options });
  const rcc = b.attach(new Rcc(b.context('RCC')), RCC);
  const pwr = b.attach(new Pwr(b.context('PWR')), PWR);
  const flash = b.attach(new Flash(b.context('FLASH')), FLASH);
  return { b, rcc, pwr, flash };
}

describe('register tables agree with the CMSIS header', () => {
  const h563 = reference('stm32h563');
  const h573 = reference('stm32h573');
  it('RCC (H573 superset for the AES/SAES/OTFDEC1 bits)', () => {
    expect(compareTable(h573, 'RCC', RCC_REGISTERS)).toEqual([]);
  });
  it('PWR, FLASH, ICACHE, DCACHE, SBS, DBGMCU', () => {
    expect(compareTable(h563, 'PWR', PWR_REGISTERS)).toEqual([]);
    const flashPrefix = (name: string) => ({ NSCR: 'CR', SECCR: 'CR', NSSR: 'SR', SECSR: 'SR', NSCCR: 'CCR', SECCCR: 'CCR', OPTSR_CUR: 'OPTSR', OPTSR_PRG: 'OPTSR', OPTSR2_CUR: 'OPTSR2', OPTSR2_PRG: 'OPTSR2' }[name] ?? name);
    expect(compareTable(h563, 'FLASH', FLASH_REGISTERS, flashPrefix)).toEqual([]);
    expect(compareTable(h563, 'ICACHE', ICACHE_REGISTERS)).toEqual([]);
    expect(compareTable(h563, 'DCACHE', DCACHE_REGISTERS)).toEqual([]);
    expect(compareTable(h563, 'SBS', SBS_REGISTERS)).toEqual([]);
    expect(compareTable(h563, 'DBGMCU', DBGMCU_REGISTERS)).toEqual([]);
  });
  it('RAMCFG: each sub-instance has the header layout at its offset', () => {
    const prefixes = { SRAM1: 0x00, SRAM2: 0x40, SRAM3: 0x80, BKPRAM: 0x100 };
    for (const [prefix, base] of Object.entries(prefixes)) {
      const specs = RAMCFG_REGISTERS.filter((s) => s.name.startsWith(`${prefix}_`)).map((s) => ({ ...s, name: s.name.slice(prefix.length + 1), offset: s.offset - base }));
      expect(compareTable(h563, 'RAMCFG', specs, (n) => (n === 'ECCKEY' ? 'ECCKEYR' : n)), prefix).toEqual([]);
    }
  });
});

describe('RCC', () => {
  it('resets to HSI = 64 MHz with the documented reset values', () => {
    const { b, rcc } = bench();
    expect(b.read32(RCC + 0x00)).toBe(0x0000_0023);
    expect(b.read32(RCC + 0xb0)).toBe(0xf13a_d103);
    expect(b.read32(RCC + 0xc4)).toBe(0xdffe_c9ff);
    expect(b.read32(RCC + 0x34)).toBe(0x0101_0280);
    expect(b.read32(RCC + 0x88)).toBe(0xd000_0100);
    expect(rcc.snapshot()).toEqual({ sysclk: 64e6, hclk: 64e6, pclk1: 64e6, pclk2: 64e6, pclk3: 64e6 });
    expect(rcc.kernelFrequency('USART3')).toBe(64e6);
    expect(rcc.kernelFrequency('RNG')).toBe(0);
    expect(rcc.isClockEnabled('USART3')).toBe(false);
    expect(rcc.isClockEnabled('FLASH')).toBe(true);
  });

  it('runs SystemClock_Config: VOS0, HSE bypass, PLL1 M=4 N=250 P=2, 250 MHz with SWS = 3', () => {
    const { b, rcc } = bench();
    const frequencies: number[] = [];
    b.clock.onFrequencyChange((hz) => frequencies.push(hz));
    // PWR: scale 0, then wait for VOSRDY (no timeout in CubeMX code)
    b.write32(PWR + 0x10, 3 << 4);
    expect(b.read32(PWR + 0x14) & 8).toBe(0);
    b.pollUntil(() => (b.read32(PWR + 0x14) & 8) !== 0);
    expect((b.read32(PWR + 0x14) >>> 14) & 3).toBe(3);
    // HSE on in digital bypass
    b.write32(RCC, b.read32(RCC) | (1 << 18) | (1 << 20));
    b.write32(RCC, b.read32(RCC) | (1 << 16));
    b.pollUntil(() => (b.read32(RCC) & (1 << 17)) !== 0);
    // PLL1 off, configure, FRACN, ranges, P output, on
    b.write32(RCC, b.read32(RCC) & ~(1 << 24));
    b.write32(RCC + 0x28, (3 << 0) | (4 << 8) | (1 << 2) );
    b.write32(RCC + 0x34, (250 - 1) | ((2 - 1) << 9) | ((2 - 1) << 16) | ((2 - 1) << 24));
    b.write32(RCC + 0x38, 0);
    b.write32(RCC + 0x28, b.read32(RCC + 0x28) | (1 << 4) | (1 << 16));
    b.write32(RCC, b.read32(RCC) | (1 << 24));
    expect(b.read32(RCC) & (1 << 25)).toBe(0);
    b.pollUntil(() => (b.read32(RCC) & (1 << 25)) !== 0);
    // FLASH latency 5, WRHIGHFREQ 2
    b.write32(FLASH, (b.read32(FLASH) & ~0x3f) | 5 | (2 << 4));
    expect(b.read32(FLASH) & 0xf).toBe(5);
    // switch to PLL1 and wait for SWS
    b.write32(RCC + 0x1c, 3);
    b.pollUntil(() => ((b.read32(RCC + 0x1c) >>> 3) & 3) === 3, 10_000, 1);
    expect(rcc.snapshot().sysclk).toBe(250e6);
    expect(b.clock.frequencyHz).toBe(250e6);
    expect(frequencies.at(-1)).toBe(250e6);
    // HAL_RCC_GetSysClockFreq recomputes from the registers it wrote
    expect(b.read32(RCC + 0x28) & 0x3f03).toBe(0x0403);
    expect(b.read32(RCC + 0x34) & 0x1ff).toBe(249);
    // The running PLL and its source cannot be switched off
    b.write32(RCC, b.read32(RCC) & ~((1 << 24) | (1 << 16)));
    expect(b.read32(RCC) & ((1 << 24) | (1 << 16))).toBe((1 << 24) | (1 << 16));
    // APB prescalers and timer clocks
    b.write32(RCC + 0x20, (4 << 4)); // PPRE1 = /2
    expect(rcc.busFrequency('USART3')).toBe(125e6);
    expect(rcc.kernelFrequency('TIM2')).toBe(250e6);
    expect(rcc.kernelFrequency('TIM1')).toBe(250e6);
    expect(rcc.busFrequency('USART1')).toBe(250e6);
  });

  it('answers kernel clocks from the CCIPR muxes and HSI48', () => {
    const { b, rcc } = bench();
    b.write32(RCC, b.read32(RCC) | (1 << 12));
    b.pollUntil(() => (b.read32(RCC) & (1 << 13)) !== 0);
    expect(rcc.kernelFrequency('RNG')).toBe(48e6);
    b.write32(RCC + 0x20, 4 << 4); // PPRE1 = /2
    b.write32(RCC + 0xd8, 3 << 6); // USART3SEL = HSI
    expect(rcc.kernelFrequency('USART3')).toBe(64e6);
    b.write32(RCC + 0xd8, 0);
    expect(rcc.kernelFrequency('USART3')).toBe(32e6);
    b.write32(RCC, b.read32(RCC) | (1 << 8));
    b.pollUntil(() => (b.read32(RCC) & (1 << 9)) !== 0);
    b.write32(RCC + 0xe0, 4 << 24); // LPUART1SEL = CSI
    expect(rcc.kernelFrequency('LPUART1')).toBe(4e6);
  });

  it('enables and resets peripheral clocks by instance name and notifies listeners', () => {
    const { b, rcc } = bench();
    let changes = 0;
    rcc.onChange(() => { changes++; });
    b.write32(RCC + 0x9c, 1 << 18);
    expect(rcc.isClockEnabled('USART3')).toBe(true);
    expect(changes).toBe(1);
    b.write32(RCC + 0x74, 1 << 18);
    expect(rcc.isClockEnabled('USART3')).toBe(false);
    b.write32(RCC + 0x74, 0);
    b.write32(RCC + 0x8c, b.read32(RCC + 0x8c) | (1 << 2) | (1 << 18));
    expect(rcc.isClockEnabled('GPIOC')).toBe(true);
    expect(rcc.isClockEnabled('RNG')).toBe(true);
    expect(rcc.isClockEnabled('GPIOD')).toBe(false);
    b.write32(RCC + 0xa0, 1 << 9);
    expect(rcc.isClockEnabled('FDCAN1')).toBe(true);
  });

  it('switches SYSCLK to HSE after HSERDY and reports SWS = 2; HSIDIV change goes through HSIDIVF', () => {
    const { b, rcc } = bench({ hseHz: 25_000_000 });
    b.write32(RCC, b.read32(RCC) | (1 << 3)); // HSIDIV = /2
    expect(b.read32(RCC) & (1 << 5)).toBe(0);
    expect(b.clock.frequencyHz).toBe(64e6);
    b.pollUntil(() => (b.read32(RCC) & (1 << 5)) !== 0, 1000, 1);
    expect(b.clock.frequencyHz).toBe(32e6);
    b.write32(RCC, b.read32(RCC) | (1 << 16));
    b.write32(RCC + 0x1c, 2);
    b.pollUntil(() => ((b.read32(RCC + 0x1c) >>> 3) & 3) === 2);
    expect(rcc.snapshot().sysclk).toBe(25e6);
    expect(b.clock.frequencyHz).toBe(25e6);
  });

  it('protects BDCR until PWR_DBPCR.DBP and starts LSE', () => {
    const { b, rcc } = bench();
    b.log.strict = false;
    b.write32(RCC + 0xf0, 1);
    expect(b.read32(RCC + 0xf0)).toBe(0);
    b.write32(PWR + 0x24, 1);
    b.write32(RCC + 0xf0, 1 | (1 << 8));
    b.pollUntil(() => (b.read32(RCC + 0xf0) & 2) !== 0);
    b.write32(RCC + 0xf0, b.read32(RCC + 0xf0) | (1 << 15));
    expect(rcc.kernelFrequency('RTC')).toBe(32_768);
  });

  it('lets LSION through without DBP, as HAL_RCC_OscConfig expects, and still protects the rest', () => {
    const { b } = bench();
    b.write32(RCC + 0xf0, 1 << 26);
    b.pollUntil(() => (b.read32(RCC + 0xf0) & (1 << 27)) !== 0);
    expect(b.read32(RCC + 0xf0) & 0x0c00_0000).toBe(0x0c00_0000);
    b.log.strict = false;
    b.write32(RCC + 0xf0, (1 << 26) | 1);
    expect(b.read32(RCC + 0xf0) & 1).toBe(0);
    b.write32(RCC + 0xf0, 0);
    b.pollUntil(() => (b.read32(RCC + 0xf0) & (1 << 27)) === 0);
  });
});

describe('PWR', () => {
  it('reports scale 3 ready at reset', () => {
    const { b } = bench();
    expect(b.read32(PWR + 0x14)).toBe(0x2008);
    expect(b.read32(PWR + 0x00)).toBe(0x0c);
  });

  it('stores the wakeup-pin configuration in WUCR (HAL_PWR_EnableWakeUpPin reads it back under --strict)', () => {
    const { b } = bench();
    expect(b.read32(PWR + 0x48)).toBe(0);
    b.write32(PWR + 0x48, 0x0001_0101);
    expect(b.read32(PWR + 0x48)).toBe(0x0001_0101);
  });
});

describe('FLASH', () => {
  it('reads back latency, unlocks with the key sequence and reports OPSR idle', () => {
    const { b } = bench();
    expect(b.read32(FLASH + 0x00)).toBe(0x13);
    expect(b.read32(FLASH + 0x18) >>> 29).toBe(0);
    expect(b.read32(FLASH + 0x28) & 1).toBe(1);
    b.write32(FLASH + 0x04, 0x4567_0123);
    b.write32(FLASH + 0x04, 0xcdef_89ab);
    expect(b.read32(FLASH + 0x28) & 1).toBe(0);
    b.write32(FLASH + 0x28, 1);
    expect(b.read32(FLASH + 0x28) & 1).toBe(1);
    expect((b.read32(FLASH + 0x50) >>> 8) & 0xff).toBe(0xed);
    expect(b.read32(FLASH + 0x70) >>> 24).toBe(0xc3);
  });

  it('refuses a wrong key until reset and erases a sector through flashMemory', () => {
    const flashMemory = new Uint8Array(2 * 1024 * 1024);
    const { b, flash } = bench({ flashMemory });
    b.log.strict = false;
    b.write32(FLASH + 0x04, 0x1234);
    b.write32(FLASH + 0x04, 0x4567_0123);
    b.write32(FLASH + 0x04, 0xcdef_89ab);
    expect(b.read32(FLASH + 0x28) & 1).toBe(1);
    expect(b.log.records.map((r) => r.register)).toContain('NSKEYR');
    flash.reset();
    flashMemory.fill(0x5a, 0x10_0000 + 3 * 8192, 0x10_0000 + 4 * 8192 + 16);
    b.write32(FLASH + 0x04, 0x4567_0123);
    b.write32(FLASH + 0x04, 0xcdef_89ab);
    // bank 2, sector 3: SER, SNB = 3, BKSEL, then START
    b.write32(FLASH + 0x28, (1 << 2) | (3 << 6) | (1 << 31));
    b.write32(FLASH + 0x28, b.read32(FLASH + 0x28) | (1 << 5));
    expect(b.read32(FLASH + 0x20) & 1).toBe(1);
    b.pollUntil(() => (b.read32(FLASH + 0x20) & 1) === 0);
    expect(b.read32(FLASH + 0x20) & (1 << 16)).not.toBe(0);
    expect(flashMemory[0x10_0000 + 3 * 8192]).toBe(0xff);
    expect(flashMemory[0x10_0000 + 4 * 8192 - 1]).toBe(0xff);
    expect(flashMemory[0x10_0000 + 4 * 8192]).toBe(0x5a);
    b.write32(FLASH + 0x30, 1 << 16);
    expect(b.read32(FLASH + 0x20)).toBe(0);
  });
});

describe('caches, DBGMCU, backup SRAM and the named stub', () => {
  it('ICACHE invalidation shows BUSYF then BSYENDF', () => {
    const b = new ModelBench();
    b.attach(new Icache(b.context('ICACHE')), 0x4003_0400);
    expect(b.read32(0x4003_0400)).toBe(4);
    expect(b.read32(0x4003_0404)).toBe(1);
    b.pollUntil(() => b.read32(0x4003_0404) === 2);
    b.write32(0x4003_040c, 2);
    b.write32(0x4003_0400, 4 | 2);
    expect(b.read32(0x4003_0404) & 1).toBe(1);
    b.pollUntil(() => (b.read32(0x4003_0404) & 2) !== 0);
    expect(b.read32(0x4003_0404) & 1).toBe(0);
    b.write32(0x4003_040c, 2);
    expect(b.read32(0x4003_0404)).toBe(0);
    b.write32(0x4003_0400, 5);
    expect(b.read32(0x4003_0400) & 1).toBe(1);
  });

  it('DBGMCU IDCODE reads DEV_ID 0x484', () => {
    const b = new ModelBench();
    b.attach(new Dbgmcu(b.context('DBGMCU')), 0x4402_4000);
    expect(b.read32(0x4402_4000) & 0xfff).toBe(0x484);
  });

  it('backup SRAM keeps data written with DBP set, across reset', () => {
    const b = new ModelBench({ strict: false });
    const sram = b.attach(new BackupSram(b.context('BKPSRAM')), 0x4003_6400);
    b.write32(0x4003_6400, 0xdead_beef);
    expect(b.read32(0x4003_6400)).toBe(0);
    b.signals.get('PWR.DBP').set(1);
    b.write32(0x4003_6ffc, 0xdead_beef);
    sram.reset();
    expect(b.read32(0x4003_6ffc)).toBe(0xdead_beef);
    expect(b.read(0x4003_6ffe, 2)).toBe(0xdead);
  });

  it('the stub stores writes and names registers, parts included, once per access', () => {
    const b = new ModelBench({ strict: false });
    const stub = b.attach(new NamedStub(b.context('GPDMA1'), {
      type: 'DMA', size: 0x1000, parts: [{ name: 'GPDMA1_Channel3', type: 'DMA_Channel', offset: 0x1d0 }],
    }), 0x4002_0000);
    b.write32(0x4002_01d0, 0x1234);
    b.write32(0x4002_01d0, 0x5678);
    expect(b.read32(0x4002_01d0)).toBe(0x5678);
    expect(stub.registerAt(0)).toBe('SECCFGR');
    expect(b.log.records.map((r) => `${r.peripheral} ${r.register} ${r.access}`)).toEqual([
      'GPDMA1 GPDMA1_Channel3.CLBAR write', 'GPDMA1 GPDMA1_Channel3.CLBAR read',
    ]);
    const strict = new ModelBench();
    strict.attach(new NamedStub(strict.context('SPI2'), { type: 'SPI' }), 0x4000_3800);
    expect(() => strict.read32(0x4000_3800)).toThrow(StrictAccessError);
    expect(() => strict.read32(0x4000_3800)).toThrow(/SPI2 CR1/);
  });
});
