import { describe, expect, it } from 'vitest';
import { ModelBench } from '../helpers/model-bench.js';
import { Rtc, calendarRegisters } from '../../peripherals/rtc/rtc.js';
import { RTC_REGISTERS } from '../../peripherals/rtc/rtc.regs.js';
import { Tamp } from '../../peripherals/rtc/tamp.js';
import { TAMP_REGISTERS } from '../../peripherals/rtc/tamp.regs.js';
import { ALWAYS_CLOCKED } from '../../peripherals/core/peripheral.js';
import { checkAgainstReference, reference } from '../io/reference-check.js';

const RTC = 0x4400_7800, TAMP = 0x4400_7c00;
const TR = 0x00, DR = 0x04, SSR = 0x08, ICSR = 0x0c, PRER = 0x10, WUTR = 0x14, CR = 0x18, WPR = 0x24, ALRMAR = 0x40, SR = 0x50, SCR = 0x5c;
const INIT = 1 << 7, INITF = 1 << 6, RSF = 1 << 5, INITS = 1 << 4;

function bench(options: Record<string, unknown> = {}) {
  const b = new ModelBench({ frequencyHz: 1_000_000, options, clocks: { ...ALWAYS_CLOCKED, kernelFrequency: () => 32_768 } });
  b.signals.get('PWR.DBP').set(1);
  const rtc = b.attach(new Rtc(b.context('RTC')), RTC);
  return { b, rtc };
}

function unlock(b: ModelBench) {
  b.write32(RTC + WPR, 0xca);
  b.write32(RTC + WPR, 0x53);
}

describe('RTC and TAMP register tables', () => {
  it('match the reference layouts', () => {
    checkAgainstReference('RTC', RTC_REGISTERS, 'RTC', ['TR', 'DR', 'ICSR', 'PRER', 'WUTR', 'CR', 'ALRMAR', 'WPR']);
    checkAgainstReference('TAMP', TAMP_REGISTERS, 'TAMP');
    expect(reference.irqs.RTC).toBe(2);
  });
});

describe('RTC', () => {
  it('starts at rtcStart (default 2026-01-01) and advances with virtual time', () => {
    const { b, rtc } = bench();
    expect(b.read32(RTC + TR)).toBe(0);
    expect(b.read32(RTC + DR)).toBe(0x26_8101); // 2026, Thursday (4 << 13), January 1st
    expect(b.read32(RTC + ICSR) & (INITS | RSF)).toBe(INITS | RSF);
    b.runSeconds(3661.5);
    expect(b.read32(RTC + SSR)).toBe(127); // half a second left of PREDIV_S = 255
    expect(b.read32(RTC + TR)).toBe(0x01_0101);
    expect(b.read32(RTC + DR)).toBe(0x26_8101);
    expect(rtc.calendarDate().toISOString()).toBe('2026-01-01T01:01:01.000Z');
  });

  it('keeps the time it reached when RTCCLK changes', () => {
    let hz = 0; // no RTC clock selected yet: an assumed 32.768 kHz LSE
    const listeners: Array<() => void> = [];
    const b = new ModelBench({ frequencyHz: 1_000_000, clocks: { ...ALWAYS_CLOCKED, kernelFrequency: () => hz, onChange: (l) => listeners.push(l) } });
    const rtc = b.attach(new Rtc(b.context('RTC')), RTC);
    b.runSeconds(10);
    hz = 65_536; // twice as fast with the default prescalers
    for (const l of listeners) l();
    b.runSeconds(10);
    expect(rtc.calendarDate().toISOString()).toBe('2026-01-01T00:00:30.000Z');
  });

  it('takes its start from the host option', () => {
    const { b } = bench({ rtcStart: '2031-12-31T23:59:58Z' });
    b.runSeconds(3);
    expect(b.read32(RTC + TR)).toBe(0x00_0001);
    expect(b.read32(RTC + DR)).toBe(0x32_8101); // 2032-01-01, Thursday
  });

  it('sets the calendar in initialisation mode behind the write protection', () => {
    const { b, rtc } = bench();
    b.log.strict = false;
    b.write32(RTC + ICSR, INIT);
    expect(b.read32(RTC + ICSR) & INITF).toBe(0); // locked
    unlock(b);
    b.write32(RTC + ICSR, INIT);
    expect(b.read32(RTC + ICSR) & INITF).toBe(INITF);
    b.write32(RTC + PRER, (127 << 16) | 255);
    const { tr, dr } = calendarRegisters(Date.UTC(2027, 5, 15, 12, 30, 0) / 1000);
    b.write32(RTC + TR, tr);
    b.write32(RTC + DR, dr);
    b.runSeconds(5); // stopped while INITF
    expect(b.read32(RTC + TR)).toBe(tr);
    b.write32(RTC + ICSR, 0);
    expect(b.read32(RTC + ICSR) & RSF).toBe(0);
    b.pollUntil(() => (b.read32(RTC + ICSR) & RSF) !== 0, 1_000_000, 10);
    b.runSeconds(10);
    expect(rtc.calendarDate().toISOString()).toBe('2027-06-15T12:30:10.000Z');
    b.write32(RTC + WPR, 0xff);
    b.write32(RTC + TR, 0);
    expect(b.read32(RTC + TR)).toBe(0x12_3010);
  });

  it('alarm A and the wakeup timer set flags and raise the IRQ when enabled', () => {
    const { b } = bench();
    unlock(b);
    b.write32(RTC + ALRMAR, (1 << 31) | (1 << 23) | (1 << 15) | 0x05); // every minute at second 05
    b.write32(RTC + CR, (1 << 8) | (1 << 12));
    b.runSeconds(4.9);
    expect(b.irqLevel('RTC')).toBe(false);
    b.runSeconds(0.2);
    expect(b.read32(RTC + SR) & 1).toBe(1);
    expect(b.irqLevel('RTC')).toBe(true);
    b.write32(RTC + SCR, 1);
    expect(b.irqLevel('RTC')).toBe(false);
    b.write32(RTC + WUTR, 2047); // RTCCLK/16 = 2048 Hz: 1 s
    b.write32(RTC + CR, (1 << 10) | (1 << 14));
    b.runSeconds(0.99);
    expect(b.read32(RTC + SR) & 4).toBe(0);
    b.runSeconds(0.02);
    expect(b.read32(RTC + SR) & 4).toBe(4);
  });
});

describe('RTC write protection as the H5 HAL uses it', () => {
  it('arms alarm A and the wakeup timer without the WPR key (HAL_RTC_SetAlarm_IT, HAL_RTCEx_SetWakeUpTimer_IT)', () => {
    const { b } = bench();
    b.write32(RTC + ALRMAR, (1 << 31) | (1 << 23) | (1 << 15) | 0x02);
    b.write32(RTC + CR, (1 << 8) | (1 << 12));
    expect(b.read32(RTC + CR) & 0x1100).toBe(0x1100);
    b.runSeconds(2.1);
    expect(b.read32(RTC + SR) & 1).toBe(1);
    b.write32(RTC + SCR, 1);
    b.write32(RTC + WUTR, 2047);
    b.write32(RTC + CR, (1 << 10) | (1 << 14));
    b.runSeconds(1.01);
    expect(b.read32(RTC + SR) & 4).toBe(4);
  });

  it('runs a 1 s wakeup timer while alarm A is enabled (the per-second alarm check does not restart it)', () => {
    const { b } = bench();
    b.write32(RTC + ALRMAR, (1 << 31) | (1 << 23) | (1 << 15) | 0x30);
    b.write32(RTC + CR, (1 << 8) | (1 << 12));
    b.write32(RTC + WUTR, 2047);
    b.write32(RTC + CR, b.read32(RTC + CR) | (1 << 10) | (1 << 14));
    b.runSeconds(0.99);
    expect(b.read32(RTC + SR) & 4).toBe(0);
    b.runSeconds(0.02);
    expect(b.read32(RTC + SR) & 4).toBe(4);
    b.write32(RTC + SCR, 4);
    b.runSeconds(1);
    expect(b.read32(RTC + SR) & 4).toBe(4);
  });

  it('still keys the calendar, PRER and CR.ADD1H', () => {
    const { b, rtc } = bench();
    b.log.strict = false;
    b.write32(RTC + PRER, 0);
    expect(b.read32(RTC + PRER)).toBe(0x007f_00ff);
    b.write32(RTC + CR, 1 << 16);
    b.runSeconds(1.5);
    expect(rtc.calendarDate().toISOString()).toBe('2026-01-01T00:00:01.000Z');
  });
});

describe('TAMP', () => {
  it('publishes backup registers as signals and keeps them across a system reset', () => {
    const b = new ModelBench();
    b.signals.get('PWR.DBP').set(1);
    const tamp = b.attach(new Tamp(b.context('TAMP')), TAMP);
    b.write32(TAMP + 0x100, 0x1234_5678);
    b.write32(TAMP + 0x17c, 0xdead_beef);
    expect(b.signals.get('TAMP.BKP0R').value).toBe(0x1234_5678);
    expect(b.signals.get('TAMP.BKP31R').value).toBe(0xdead_beef);
    tamp.reset();
    expect(b.read32(TAMP + 0x100)).toBe(0x1234_5678);
    b.signals.get('RCC.VSWRST').set(1); // RCC_BDCR.VSWRST resets the backup domain
    b.signals.get('RCC.VSWRST').set(0);
    expect(b.read32(TAMP + 0x17c)).toBe(0);
    expect(b.signals.get('TAMP.BKP31R').value).toBe(0);
  });

  it('ignores writes while the backup domain is write-protected (PWR_DBPCR.DBP = 0)', () => {
    const b = new ModelBench({ strict: false });
    b.attach(new Tamp(b.context('TAMP')), TAMP);
    b.attach(new Rtc(b.context('RTC')), RTC);
    b.write32(TAMP + 0x100, 5);
    b.write32(RTC + WPR, 0xca);
    b.write32(RTC + WPR, 0x53);
    b.write32(RTC + ICSR, INIT);
    expect(b.read32(TAMP + 0x100)).toBe(0);
    expect(b.read32(RTC + ICSR) & INITF).toBe(0);
    expect(b.log.records.filter((r) => r.kind === 'guest-error').map((r) => r.peripheral)).toEqual(['TAMP', 'RTC']);
  });
});
