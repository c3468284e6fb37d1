import { describe, expect, it } from 'vitest';
import { fixture, runCli } from '../helpers/fixtures.js';

// A pending interrupt that PRIMASK or BASEPRI holds back is taken right after the instruction
// that unmasks it, as on silicon: the firmware's SysTick handler records the return address it
// stacked, and it must be the instruction after CPSIE / MSR PRIMASK / MSR BASEPRI even when the
// window is one instruction wide (the `cpsid i; wfi; cpsie i; cpsid i` idle pattern never took
// its interrupt before; see emulator/cpu/unmask-watch.ts).
describe('interrupts unmasked for one instruction', () => {
  it('are taken right after the unmasking instruction', () => {
    const { code, stdout, stderr } = runCli(['run', fixture('irq-masking'), '--strict', '--timeout', '1s']);
    expect(stderr).toMatch(/firmware exited with code 0/);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.map((line) => line.split(' ')[0])).toEqual(['cpsie-window', 'primask-restore', 'basepri-window']);
    for (const line of lines) {
      const match = /^(\S+) ticks (\d+) cycles (\d+) stacked ([0-9a-f]{8}) expected ([0-9a-f]{8})$/.exec(line);
      expect(match, line).not.toBeNull();
      const [, name, ticks, cycles, stacked, expected] = match!;
      // five ticks of 6400 cycles, each taken when it comes or right after the critical section
      // that held it (not at some later stop: 4 to 150 times longer before unmasking was watched)
      expect({ name, ticks: Number(ticks), onTime: Number(cycles) <= 6 * 6400, stacked })
        .toEqual({ name, ticks: 5, onTime: true, stacked: expected });
    }
  });
});

describe('the unmasking-instruction scan', () => {
  it('marks CPSIE and MSR to PRIMASK/BASEPRI/BASEPRI_MAX/FAULTMASK, nothing else', async () => {
    const { unmaskBitmap } = await import('../../emulator/cpu/unmask-watch.js');
    const halfwords = [
      0xb662, // 0  cpsie i        yes
      0xb672, // 2  cpsid i        no
      0xb661, // 4  cpsie f        yes
      0xf383, 0x8810, // 6  msr primask, r3    yes
      0xf380, 0x8811, // 10 msr basepri, r0    yes
      0xf381, 0x8813, // 14 msr faultmask, r1  yes
      0xf382, 0x8808, // 18 msr msp, r2        no
      0xf384, 0x8800, // 22 msr apsr, r4       no
      0xbf00, // 26 nop            no
      0xf385, 0x8890, // 28 msr primask_ns, r5 yes
    ];
    const code = new Uint8Array(halfwords.length * 2);
    halfwords.forEach((h, i) => { code[2 * i] = h & 0xff; code[2 * i + 1] = h >> 8; });
    const bitmap = unmaskBitmap(code);
    const marked: number[] = [];
    for (let offset = 0; offset < code.length; offset += 2) {
      if ((bitmap[offset >> 4]! >> ((offset >> 1) & 7)) & 1) marked.push(offset);
    }
    expect(marked).toEqual([0, 4, 6, 10, 14, 28]);
  });
});
