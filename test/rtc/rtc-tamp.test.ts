import { describe, expect, it } from 'vitest';
import { ModelBench } from '../helpers/model-bench.js';
import { Rtc, calendarRegisters } from '../../peripherals/rtc/rtc.js';
import { RTC_REGISTERS } from '../../peripherals/rtc/rtc.regs.js';
import { Tamp } from '../../peripherals/rtc/tamp.js';
import { TAMP_REGISTERS } from '../../peripherals/rtc/tamp.regs.js';
import { ALWAYS_CLOCKED, type ClockQuery } from '../../peripherals/core/peripheral.js';
import { Rcc } from '../../peripherals/system/rcc.js';
import { Pwr } from '../../peripherals/system/pwr.js';
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
  it('power-on (backup-domain reset) gives the RM0481 reset values: INITS = 0, year 00, Monday January 1st', () => {
    const { b, rtc } = bench();
    expect(b.read32(RTC + TR)).toBe(0);
    expect(b.read32(RTC + DR)).toBe(0x2101);
    expect(b.read32(RTC + ICSR)).toBe(0x7); // ALRAWF, ALRBWF, WUTWF; INITS and RSF clear
    b.pollUntil(() => (b.read32(RTC + ICSR) & RSF) !== 0, 1_000_000, 10); // shadow copy after two RTCCLK periods
    expect(b.read32(RTC + ICSR) & INITS).toBe(0);
    b.runSeconds(86_400 + 1); // the calendar counts from its reset value; the weekday counter from 1
    expect(b.read32(RTC + TR)).toBe(0x00_0001);
    expect(b.read32(RTC + DR)).toBe(0x4102); // Tuesday (2 << 13), January 2nd, year 00
    expect(rtc.calendarDate().toISOString()).toBe('2000-01-02T00:00:01.000Z');
  });

  it('without RTCCLK the reset calendar stands still and RSF stays clear until RCC selects a clock', () => {
    let hz = 0;
    const listeners: Array<() => void> = [];
    const b = new ModelBench({ frequencyHz: 1_000_000, clocks: { ...ALWAYS_CLOCKED, kernelFrequency: () => hz, onChange: (l) => listeners.push(l) } });
    const rtc = b.attach(new Rtc(b.context('RTC')), RTC);
    b.runSeconds(10);
    expect(rtc.calendarDate().toISOString()).toBe('2000-01-01T00:00:00.000Z');
    expect(b.read32(RTC + ICSR) & RSF).toBe(0);
    hz = 32_768;
    for (const l of listeners) l();
    b.runSeconds(10);
    expect(rtc.calendarDate().toISOString()).toBe('2000-01-01T00:00:10.000Z');
    expect(b.read32(RTC + ICSR) & RSF).toBe(RSF);
  });

  it('a host preset (rtcStart) starts with INITS set and advances with virtual time', () => {
    const { b, rtc } = bench({ rtcStart: '2026-01-01T00:00:00Z' });
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
    let hz = 0; // no RTC clock selected yet: a preset calendar runs on an assumed 32.768 kHz LSE
    const listeners: Array<() => void> = [];
    const b = new ModelBench({ frequencyHz: 1_000_000, options: { rtcStart: '2026-01-01T00:00:00Z' },
      clocks: { ...ALWAYS_CLOCKED, kernelFrequency: () => hz, onChange: (l) => listeners.push(l) } });
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

  it('keeps the time in the AM/PM format when CR.FMT = 1 (HAL_RTC_Init with RTC_HOURFORMAT_12)', () => {
    const { b, rtc } = bench();
    unlock(b);
    b.write32(RTC + ICSR, INIT);
    b.write32(RTC + CR, 1 << 6); // FMT
    const PM = 1 << 22;
    // As HAL_RTC_GetTime/GetDate: SSR and TR lock the shadow registers until DR is read.
    const readTime = () => {
      b.read32(RTC + SSR);
      const tr = b.read32(RTC + TR);
      return { tr, day: b.read32(RTC + DR) & 0x3f };
    };
    b.write32(RTC + TR, PM | (0x11 << 16) | (0x59 << 8) | 0x55); // 11:59:55 PM
    b.write32(RTC + DR, calendarRegisters(Date.UTC(2027, 0, 1) / 1000).dr);
    b.write32(RTC + ICSR, 0);
    b.pollUntil(() => (b.read32(RTC + ICSR) & RSF) !== 0, 1_000_000, 10);
    expect(rtc.calendarDate().toISOString()).toBe('2027-01-01T23:59:55.000Z');
    b.runSeconds(10); // past midnight: 12:00:05 AM, PM clear
    expect(readTime()).toEqual({ tr: (0x12 << 16) | 0x05, day: 0x02 });
    b.runSeconds(12 * 3600); // noon: 12:00:05 PM
    expect(readTime().tr).toBe(PM | (0x12 << 16) | 0x05);
    b.runSeconds(3600); // 1:00:05 PM
    expect(readTime().tr).toBe(PM | (0x01 << 16) | 0x05);
    // Back to 24 hours, as HAL_RTC_Init then HAL_RTC_SetTime do: FMT cleared, the time written as 13:00:05.
    b.write32(RTC + ICSR, INIT);
    b.write32(RTC + CR, 0);
    b.write32(RTC + TR, 0x13_0005);
    b.write32(RTC + ICSR, 0);
    b.pollUntil(() => (b.read32(RTC + ICSR) & RSF) !== 0, 1_000_000, 10);
    expect(readTime().tr & 0x7f_ff00).toBe(0x13_0000);
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
    expect(rtc.calendarDate().toISOString()).toBe('2000-01-01T00:00:01.000Z');
  });
});

describe('RTC across resets', () => {
  /** RTC, RCC and PWR on one bench, the RTC clocked by RCC's RTCSEL as in the machine. */
  function machineBench(options: Record<string, unknown> = {}) {
    let rcc: Rcc | undefined;
    const clocks: ClockQuery = {
      isClockEnabled: () => true,
      kernelFrequency: (p) => rcc!.kernelFrequency(p),
      busFrequency: (p) => rcc!.busFrequency(p),
      onChange: (l) => rcc!.onChange(l),
    };
    const b = new ModelBench({ frequencyHz: 64_000_000, options, clocks });
    rcc = b.attach(new Rcc(b.context('RCC')), 0x4402_0c00);
    const pwr = b.attach(new Pwr(b.context('PWR')), 0x4402_0800);
    const rtc = b.attach(new Rtc(b.context('RTC')), RTC);
    const systemReset = () => { for (const model of [rcc!, pwr, rtc]) model.reset(); };
    const BDCR = 0x4402_0c00 + 0xf0;
    const startLse = () => {
      b.write32(0x4402_0800 + 0x24, 1); // PWR_DBPCR.DBP
      b.write32(BDCR, 1 | (1 << 8)); // LSEON, RTCSEL = LSE
      b.pollUntil(() => (b.read32(BDCR) & 2) !== 0);
      b.write32(BDCR, b.read32(BDCR) | (1 << 15)); // RTCEN
    };
    return { b, rtc, systemReset, startLse, BDCR };
  }

  function setCalendar(b: ModelBench, when: number) {
    unlock(b);
    b.write32(RTC + ICSR, INIT);
    const { tr, dr } = calendarRegisters(when);
    b.write32(RTC + TR, tr);
    b.write32(RTC + DR, dr);
    b.write32(RTC + ICSR, 0);
  }

  it('a system reset keeps the calendar running, INITS set and the LSE selected (RCC_BDCR is backup domain)', () => {
    const { b, rtc, systemReset, startLse, BDCR } = machineBench();
    startLse();
    expect(b.read32(RTC + ICSR) & INITS).toBe(0); // what HAL_RTC_Init looks at after power-on
    setCalendar(b, Date.UTC(2030, 6, 4, 12, 0, 0) / 1000);
    expect(b.read32(RTC + ICSR) & INITS).toBe(INITS);
    b.runSeconds(5);
    const bdcr = b.read32(BDCR);
    systemReset();
    expect(b.read32(BDCR)).toBe(bdcr);
    expect(b.read32(RTC + ICSR) & INITS).toBe(INITS); // warm boot: HAL_RTC_Init skips the set-up
    b.runSeconds(5);
    expect(rtc.calendarDate().toISOString()).toBe('2030-07-04T12:00:10.000Z');
  });

  it('a backup-domain reset (RCC_BDCR.VSWRST) brings back the reset values, also after a host preset', () => {
    const { b, rtc, startLse, BDCR } = machineBench({ rtcStart: '2030-07-04T12:00:00Z' });
    expect(b.read32(RTC + ICSR) & INITS).toBe(INITS);
    startLse();
    b.runSeconds(2);
    expect(rtc.calendarDate().toISOString()).toBe('2030-07-04T12:00:02.000Z');
    b.write32(BDCR, 1 << 16);
    b.write32(BDCR, 0);
    expect(b.read32(RTC + TR)).toBe(0);
    expect(b.read32(RTC + DR)).toBe(0x2101);
    expect(b.read32(RTC + ICSR) & INITS).toBe(0);
    b.runSeconds(3); // RCC_BDCR is cleared too: no RTCCLK, the calendar stands still
    expect(rtc.calendarDate().toISOString()).toBe('2000-01-01T00:00:00.000Z');
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
