// The crypto models inside the real STM32H573 machine table: bases, secure aliases, IRQ numbers.
// Blocks whose models other areas have not registered yet are replaced by named stubs here.
import { describe, expect, it } from 'vitest';
import { Machine } from '../../emulator/machine/machine.js';
import { stm32h573 } from '../../emulator/machine/stm32h573.js';
import type { MachineDescription } from '../../emulator/machine/machine-description.js';
import { registeredModels } from '../../peripherals/index.js';
import { opensslDigest } from './hal-like.js';

function machine(): Machine {
  const known = new Set(registeredModels());
  const description: MachineDescription = {
    ...stm32h573,
    peripherals: stm32h573.peripherals.map((p) => (known.has(p.model) ? p : { ...p, model: 'stub' })),
  };
  const m = new Machine(description, { strict: true });
  // As firmware would: HSI48 on (the RNG kernel clock at reset), bus clocks of AES, HASH, RNG, SAES enabled.
  const rcc = 0x4402_0c00;
  m.bus.cpuWrite(rcc + 0x00, 4, m.bus.cpuRead(rcc + 0x00, 4) | (1 << 12));
  m.clock.advance(10_000);
  m.bus.cpuWrite(rcc + 0x8c, 4, m.bus.cpuRead(rcc + 0x8c, 4) | (1 << 16) | (1 << 17) | (1 << 18) | (1 << 20));
  return m;
}

describe('crypto models in the stm32h573 machine', () => {
  it('HASH at 0x420C_0400 (and its secure alias) computes SHA-256 and pends IRQ 117 on DCIS', () => {
    const m = machine();
    const w = (a: number, v: number) => m.bus.cpuWrite(a, 4, v);
    const r = (a: number) => m.bus.cpuRead(a, 4) >>> 0;
    w(0x420c_0420, 2); // DCIE
    w(0x420c_0400, (3 << 17) | (2 << 4) | (1 << 2)); // SHA-256, 8-bit data, INIT
    w(0x420c_0404, 0x0063_6261); // "abc"
    w(0x420c_0408, 24);
    w(0x420c_0408, 24 | (1 << 8));
    m.clock.advance(1000);
    expect(r(0x420c_0424) & 2).toBe(2);
    const digest = Array.from({ length: 8 }, (_, i) => r(0x520c_0710 + 4 * i).toString(16).padStart(8, '0')).join('');
    expect(digest).toBe(opensslDigest('sha256', new TextEncoder().encode('abc')));
    expect(m.nvic.pending[16 + 117]).toBe(1);
  });

  it('RNG at 0x420C_0800 pends IRQ 114 on DRDY; AES at 0x420C_0000 pends 116; SAES at 0x420C_0C00 pends 36', () => {
    const m = machine();
    const w = (a: number, v: number) => m.bus.cpuWrite(a, 4, v);
    w(0x420c_0800, 0x00f0_0e00 | (1 << 30));
    w(0x420c_0800, 0x00f0_0e00);
    m.clock.advance(10_000);
    w(0x420c_0800, 0x00f0_0e00 | (1 << 2) | (1 << 3));
    m.clock.advance(100_000);
    expect(m.nvic.pending[16 + 114]).toBe(1);
    for (const [base, irq] of [[0x420c_0000, 116], [0x420c_0c00, 36]] as const) {
      m.clock.advance(1000); // SAES start-up BUSY
      for (let n = 0; n < 4; n++) w(base + 0x10 + 4 * n, 0x0101_0101 * (n + 1));
      w(base + 0x300, 1); // CCFIE
      w(base, 1); // ECB encrypt, EN
      for (let n = 0; n < 4; n++) w(base + 0x08, n);
      m.clock.advance(1000);
      expect(m.nvic.pending[16 + irq], `IRQ ${irq}`).toBe(1);
    }
  });
});
