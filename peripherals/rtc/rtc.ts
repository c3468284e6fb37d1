// RM0481 §47 RTC: a BCD calendar that runs in virtual time at RTCCLK / ((PREDIV_A+1)(PREDIV_S+1)),
// initialisation mode, shadow-register synchronisation (RSF), write protection, alarms A/B and the
// wakeup timer. The backup domain keeps the calendar across system resets.
//
// Power-on (backup-domain reset) follows the RM's reset values: TR 0, DR 0x2101 (year 00, Monday
// January 1st), ICSR 0x7 (INITS = 0: year 00 is "not initialised", so HAL_RTC_Init and CubeMX code
// that checks INITS or a backup-register magic do their cold-boot set-up). Without RTCCLK the
// calendar stands still. The host option rtcStart (an ISO date) instead presets the calendar as a
// battery-kept backup domain would have it: INITS = 1, running, on an assumed 32.768 kHz LSE until
// RCC selects a clock. RCC_BDCR.VSWRST always goes back to the RM's reset values.
import { BackupDomainPeripheral } from './backup-domain.js';
import type { IrqLine, PeripheralContext } from '../core/peripheral.js';
import type { ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import { RTC_CR, RTC_ICSR, RTC_REGISTERS, RTC_SR } from './rtc.regs.js';

const LSE_HZ = 32_768;
/** RM0481 reset values of RTC_TR and RTC_DR (00-01-01, weekday 1 = Monday, 00:00:00). */
const TR_RESET = 0;
const DR_RESET = 0x0000_2101;
/** Registers with write behaviour; only KEYED ones need the WPR key (0xCA, 0x53). */
const PROTECTED = ['TR', 'DR', 'PRER', 'WUTR', 'CR', 'CALR', 'ALRMAR', 'ALRMASSR', 'ALRMBR', 'ALRMBSSR', 'ALRABINR', 'ALRBBINR'];
// Since H5 HAL v1.2.0, HAL_RTC_SetAlarm(_IT), HAL_RTC_DeactivateAlarm, HAL_RTCEx_SetWakeUpTimer(_IT),
// the timestamp/calibration-output/bypass-shadow helpers and HAL_RTC_DST_Set/ClearStoreOperation write
// RTC_CR, RTC_WUTR and the alarm registers without the key; the key still wraps the calendar
// (TR/DR/ICSR.INIT), PRER, CALR and the daylight-saving ADD1H/SUB1H bits of RTC_CR.
const KEYED = new Set(['TR', 'DR', 'PRER', 'CALR']);
const CR_KEYED_BITS = (1 << 16) | (1 << 17);

const bcd = (value: number) => ((Math.floor(value / 10) % 10) << 4) | (value % 10);
const fromBcd = (value: number) => (value >> 4) * 10 + (value & 0xf);

/** TR's PM bit: the hours are 1–12 after noon in the AM/PM format (CR.FMT = 1). */
const TR_PM = 1 << 22;

/** Calendar fields of a UTC time in seconds since 1970 (years 2000–2099); `twelveHour` for the
 * AM/PM format (CR.FMT = 1): hours 12, 1–11 with PM clear before noon, set from noon. */
export function calendarRegisters(epochSeconds: number, twelveHour = false): { tr: number; dr: number } {
  const date = new Date(Math.floor(epochSeconds) * 1000);
  const hours = date.getUTCHours();
  const hourField = twelveHour ? bcd(hours % 12 === 0 ? 12 : hours % 12) | (hours >= 12 ? TR_PM >> 16 : 0) : bcd(hours);
  const tr = (hourField << 16) | (bcd(date.getUTCMinutes()) << 8) | bcd(date.getUTCSeconds());
  const weekday = date.getUTCDay() === 0 ? 7 : date.getUTCDay();
  const dr = (bcd(date.getUTCFullYear() % 100) << 16) | (weekday << 13) | (bcd(date.getUTCMonth() + 1) << 8) | bcd(date.getUTCDate());
  return { tr, dr };
}

export function calendarSeconds(tr: number, dr: number, twelveHour = false): number {
  const hourField = fromBcd((tr >> 16) & 0x3f);
  // In the 24-hour format the PM bit is ignored; in AM/PM, 12 AM is midnight and 12 PM is noon.
  const hours = twelveHour ? (hourField % 12) + (tr & TR_PM ? 12 : 0) : hourField;
  return Date.UTC(2000 + fromBcd((dr >> 16) & 0xff), fromBcd((dr >> 8) & 0x1f) - 1, fromBcd(dr & 0x3f),
    hours, fromBcd((tr >> 8) & 0x7f), fromBcd(tr & 0x7f)) / 1000;
}

export class Rtc extends BackupDomainPeripheral {
  private readonly irqLine: IrqLine;
  /** Calendar (s since 1970, fractional) at virtual time `anchorSeconds`. */
  private calendarAtAnchor = 0;
  private anchorSeconds = 0;
  private unlockStep = 0;
  /** TR or SSR read latches the calendar until DR is read. */
  private latched: number | null = null;
  private syncEvent: ScheduledEvent | null = null;
  private alarmEvent: ScheduledEvent | null = null;
  private wakeupEvent: ScheduledEvent | null = null;
  /** Calendar preset by the host (rtcStart), or undefined: power-on reset values. */
  private readonly presetSeconds: number | undefined;
  /** Calendar seconds per virtual second since the anchor. */
  private runningRate = 1;
  /** RTCCLK is assumed to be a 32.768 kHz LSE while RCC selects none (preset calendars only). */
  private assumedLse = false;
  /** Days the weekday counter is ahead of the date's real weekday (it is set with DR, not derived). */
  private weekdayShift = 0;

  constructor(ctx: PeripheralContext) {
    super(ctx, 0x400, RTC_REGISTERS);
    this.irqLine = ctx.irq();
    ctx.signal('RCC.VSWRST').onChange((held) => { if (held) this.powerOnReset(); });
    // A new RTCCLK: the calendar keeps the time it reached and runs on at the new rate.
    ctx.clocks.onChange(() => {
      if (this.rate() !== this.runningRate) this.reanchor(this.calendarNow());
      if (!(this.regs.get('ICSR') & RTC_ICSR.RSF) && !this.syncEvent && !this.initMode) this.resync();
    });
    const start = ctx.host.options.rtcStart;
    if (start !== undefined) {
      const parsed = Date.parse(String(start));
      if (Number.isNaN(parsed)) throw new Error(`rtcStart: cannot read "${String(start)}" as an ISO date`);
      const year = new Date(parsed).getUTCFullYear();
      if (year < 2000 || year > 2099) throw new Error(`rtcStart: ${String(start)} is outside the RTC's years 2000-2099`);
      this.presetSeconds = Math.floor(parsed / 1000);
    }

    for (const name of PROTECTED.filter((n) => n !== 'TR' && n !== 'DR')) {
      this.regs.on(name, { write: (value, previous) => this.protectedWrite(name, value, previous) });
    }
    this.regs.on('TR', {
      read: () => this.shadow().tr,
      write: (value, previous) => this.calendarWrite('TR', value, previous),
    });
    this.regs.on('DR', {
      read: () => this.shadow(true).dr,
      peek: () => this.current().dr,
      write: (value, previous) => this.calendarWrite('DR', value, previous),
    });
    this.regs.on('SSR', { read: () => this.subseconds(this.shadow().seconds), peek: () => this.subseconds(this.current().seconds) });
    this.regs.on('WPR', { write: (value) => this.key(value & 0xff) });
    this.regs.on('ICSR', { write: (value, previous) => this.statusWrite(value, previous) });
    this.regs.on('SCR', { write: (value) => {
      this.regs.setBits('SR', value & 0x7f, false);
      this.regs.set('SCR', 0);
      this.updateIrq();
    } });
    this.regs.on('MISR', { read: () => this.regs.get('SR') & this.enabledInterrupts() });
    this.regs.on('SMISR', { read: () => 0 });
    this.powerOnReset();
    if (this.presetSeconds !== undefined) this.preset(this.presetSeconds);
  }


  /** Backup-domain reset (power-on, RCC_BDCR.VSWRST): the RM's reset values, INITS = 0. */
  powerOnReset(): void {
    this.regs.reset();
    this.stopEvents();
    this.syncEvent?.cancel();
    this.syncEvent = null;
    this.unlockStep = 0;
    this.latched = null;
    this.assumedLse = false;
    this.calendarAtAnchor = calendarSeconds(TR_RESET, DR_RESET);
    this.setWeekday(this.calendarAtAnchor, DR_RESET);
    this.anchorSeconds = this.ctx.clock.seconds;
    this.runningRate = this.rate();
    if (this.rtcclk() > 0) this.resync();
    this.updateIrq();
  }

  /** The calendar a battery-kept backup domain brings to power-up (host option rtcStart). */
  private preset(seconds: number): void {
    this.assumedLse = true;
    this.calendarAtAnchor = seconds;
    this.weekdayShift = 0;
    this.anchorSeconds = this.ctx.clock.seconds;
    this.runningRate = this.rate();
    const { tr, dr } = this.registersAt(seconds);
    this.regs.set('TR', tr);
    this.regs.set('DR', dr);
    this.regs.setBits('ICSR', RTC_ICSR.INITS | RTC_ICSR.RSF);
  }

  /** A system reset leaves the backup domain (calendar, configuration) running. */
  override reset(): void {
    this.unlockStep = 0;
    this.latched = null;
  }

  private get initMode(): boolean {
    return (this.regs.get('ICSR') & RTC_ICSR.INITF) !== 0;
  }

  /**
   * RTCCLK as RCC selects it. Without one the calendar stands still, except after the host preset
   * it (rtcStart): then it runs on an assumed 32.768 kHz LSE, as the battery-kept backup domain
   * it stands for would, until the next backup-domain reset.
   */
  private rtcclk(): number {
    return this.ctx.clocks.kernelFrequency(this.name) || (this.assumedLse ? LSE_HZ : 0);
  }

  /** Calendar seconds per virtual second for the current RTCCLK and prescalers. */
  private rate(): number {
    const rtcclk = this.rtcclk();
    const prescale = (this.regs.field('PRER', 'PREDIV_A') + 1) * (this.regs.field('PRER', 'PREDIV_S') + 1);
    return rtcclk / prescale;
  }

  private calendarNow(): number {
    if (this.initMode) return this.calendarAtAnchor;
    return this.calendarAtAnchor + (this.ctx.clock.seconds - this.anchorSeconds) * this.runningRate;
  }

  private current(): { tr: number; dr: number; seconds: number } {
    if (this.initMode) return { tr: this.regs.get('TR'), dr: this.regs.get('DR'), seconds: this.calendarAtAnchor };
    const seconds = this.calendarNow();
    return { ...this.registersAt(seconds + 1e-9), seconds };
  }

  /** TR/DR for a calendar time, with the weekday counter as firmware last set it. */
  private registersAt(seconds: number): { tr: number; dr: number } {
    const { tr, dr } = calendarRegisters(seconds, this.twelveHour);
    const weekday = (((dr >> 13) & 7) - 1 + this.weekdayShift) % 7 + 1;
    return { tr, dr: (dr & ~(7 << 13)) | (weekday << 13) };
  }

  /** CR.FMT: TR (and the alarms, compared field by field) use the AM/PM format. */
  private get twelveHour(): boolean {
    return (this.regs.get('CR') & RTC_CR.FMT) !== 0;
  }

  /** The weekday counter starts from DR's WDU, whatever day of the week the date really was. */
  private setWeekday(seconds: number, dr: number): void {
    const real = (calendarRegisters(seconds).dr >> 13) & 7;
    this.weekdayShift = ((((dr >> 13) & 7) - real) % 7 + 7) % 7;
  }

  private shadow(release = false): { tr: number; dr: number; seconds: number } {
    const seconds = this.latched ?? this.calendarNow();
    if (!this.initMode) this.latched = release ? null : seconds;
    if (this.initMode) return this.current();
    return { ...this.registersAt(seconds + 1e-9), seconds };
  }

  /** SSR counts down from PREDIV_S within each second. */
  private subseconds(seconds: number): number {
    const prediv = this.regs.field('PRER', 'PREDIV_S');
    const fraction = seconds - Math.floor(seconds + 1e-9);
    return Math.max(0, prediv - Math.floor(Math.max(0, fraction) * (prediv + 1) + 1e-6));
  }

  private key(value: number): void {
    this.regs.set('WPR', 0);
    if (this.unlockStep === 0 && value === 0xca) this.unlockStep = 1;
    else if (this.unlockStep === 1 && value === 0x53) this.unlockStep = 2;
    else this.unlockStep = 0;
  }

  private get unlocked(): boolean {
    return this.unlockStep === 2;
  }

  private protectedWrite(name: string, value: number, previous: number): void {
    if (!this.unlocked && KEYED.has(name)) {
      this.regs.set(name, previous);
      this.ctx.log.guestError('write ignored: RTC write protection active (WPR 0xCA, 0x53 first)', { register: name, value });
      return;
    }
    if (!this.unlocked && name === 'CR' && (value & CR_KEYED_BITS) !== 0) {
      value &= ~CR_KEYED_BITS;
      this.regs.set('CR', value);
      this.ctx.log.guestError('CR.ADD1H/SUB1H ignored: RTC write protection active (WPR 0xCA, 0x53 first)', { register: name, value });
    }
    if (name === 'CR') {
      if (value & (1 << 16)) this.shiftHours(+1);
      if (value & (1 << 17)) this.shiftHours(-1);
      this.regs.setBits('CR', 3 << 16, false);
      this.schedule();
      this.updateIrq();
    } else if (name === 'PRER' || name === 'WUTR') {
      if (name === 'PRER' && !this.initMode) {
        this.regs.set(name, previous);
        this.ctx.log.guestError('PRER is written only in initialisation mode', { register: name, value });
        return;
      }
      this.schedule();
    } else if (name.startsWith('ALRM')) {
      this.schedule();
    }
  }

  private shiftHours(hours: number): void {
    this.reanchor(this.calendarNow() + 3600 * hours);
  }

  private calendarWrite(name: 'TR' | 'DR', value: number, previous: number): void {
    if (!this.unlocked) {
      this.regs.set(name, previous);
      this.ctx.log.guestError('write ignored: RTC write protection active (WPR 0xCA, 0x53 first)', { register: name, value });
    } else if (!this.initMode) {
      this.regs.set(name, previous);
      this.ctx.log.guestError('calendar written outside initialisation mode (ICSR.INIT)', { register: name, value });
    }
  }

  private statusWrite(value: number, previous: number): void {
    if ((value ^ previous) & RTC_ICSR.INIT) {
      if (!this.unlocked) {
        this.regs.setBits('ICSR', RTC_ICSR.INIT, (previous & RTC_ICSR.INIT) !== 0);
        this.ctx.log.guestError('ICSR.INIT ignored: RTC write protection active', { register: 'ICSR', value });
        return;
      }
      if (value & RTC_ICSR.INIT) {
        // Entering initialisation mode stops the calendar; TR/DR show the value it reached.
        const { tr, dr } = this.registersAt(this.calendarNow() + 1e-9);
        this.calendarAtAnchor = Math.floor(this.calendarNow() + 1e-9);
        this.regs.set('TR', tr);
        this.regs.set('DR', dr);
        this.regs.setBits('ICSR', RTC_ICSR.INITF);
      } else {
        this.regs.setBits('ICSR', RTC_ICSR.INITF, false);
        const seconds = calendarSeconds(this.regs.get('TR'), this.regs.get('DR'), this.twelveHour);
        this.setWeekday(seconds, this.regs.get('DR'));
        this.reanchor(seconds);
        this.regs.setBits('ICSR', RTC_ICSR.INITS, ((this.regs.get('DR') >> 16) & 0xff) !== 0);
        this.regs.setBits('ICSR', RTC_ICSR.RSF, false);
        this.resync();
      }
    }
    if (!(value & RTC_ICSR.RSF) && previous & RTC_ICSR.RSF) this.resync();
  }

  /** RSF rises again once the shadow registers are copied (two RTCCLK periods). */
  private resync(): void {
    this.syncEvent?.cancel();
    this.syncEvent = null;
    const rtcclk = this.rtcclk();
    if (rtcclk === 0) return; // no copies without RTCCLK; the clock's arrival starts them
    this.syncEvent = this.ctx.clock.afterSeconds(2 / rtcclk, () => {
      this.syncEvent = null;
      if (!this.initMode) this.regs.setBits('ICSR', RTC_ICSR.RSF);
    }, `${this.name} shadow sync`);
  }

  private reanchor(calendar: number): void {
    this.calendarAtAnchor = calendar;
    this.anchorSeconds = this.ctx.clock.seconds;
    this.runningRate = this.rate();
    this.latched = null;
    this.schedule();
  }

  private enabledInterrupts(): number {
    const cr = this.regs.get('CR');
    return (cr & RTC_CR.ALRAIE ? RTC_SR.ALRAF : 0) | (cr & RTC_CR.ALRBIE ? RTC_SR.ALRBF : 0) | (cr & RTC_CR.WUTIE ? RTC_SR.WUTF : 0);
  }

  updateIrq(): void {
    this.irqLine.set((this.regs.get('SR') & this.enabledInterrupts()) !== 0);
  }

  private alarmMatches(register: 'ALRMAR' | 'ALRMBR', tr: number, dr: number): boolean {
    const alarm = this.regs.get(register);
    if (!(alarm & 0x80) && (alarm & 0x7f) !== (tr & 0x7f)) return false;
    if (!(alarm & 0x8000) && ((alarm >> 8) & 0x7f) !== ((tr >> 8) & 0x7f)) return false;
    if (!(alarm & 0x80_0000) && ((alarm >> 16) & 0x7f) !== ((tr >> 16) & 0x7f)) return false;
    if (!(alarm & 0x8000_0000)) {
      const day = (alarm >>> 24) & 0x3f;
      if (alarm & (1 << 30) ? (day & 0xf) !== ((dr >> 13) & 7) : day !== (dr & 0x3f)) return false;
    }
    return true;
  }

  /** Alarms are checked once per calendar second while enabled; the wakeup timer fires periodically. */
  private schedule(): void {
    this.stopEvents();
    if (this.initMode) return;
    this.scheduleAlarmCheck();
    if (this.regs.get('CR') & RTC_CR.WUTE) this.scheduleWakeup();
  }

  /** The once-a-second alarm comparison; it re-arms itself only, leaving the wakeup timer running. */
  private scheduleAlarmCheck(): void {
    const cr = this.regs.get('CR');
    const rate = this.runningRate;
    if (cr & (RTC_CR.ALRAE | RTC_CR.ALRBE) && rate > 0) {
      const now = this.calendarNow();
      const next = Math.floor(now + 1e-9) + 1;
      this.alarmEvent = this.ctx.clock.afterSeconds((next - now) / rate, () => {
        this.alarmEvent = null;
        const { tr, dr } = this.registersAt(next);
        const cr2 = this.regs.get('CR');
        if (cr2 & RTC_CR.ALRAE && this.alarmMatches('ALRMAR', tr, dr)) this.regs.setBits('SR', RTC_SR.ALRAF);
        if (cr2 & RTC_CR.ALRBE && this.alarmMatches('ALRMBR', tr, dr)) this.regs.setBits('SR', RTC_SR.ALRBF);
        this.updateIrq();
        if (!this.initMode) this.scheduleAlarmCheck();
      }, `${this.name} alarm check`);
    }
  }

  private scheduleWakeup(): void {
    const rtcclk = this.rtcclk();
    const select = this.regs.get('CR') & RTC_CR.WUCKSEL;
    if (rtcclk === 0 || (select >= 4 && this.rate() === 0)) return; // no clock, no ticks
    const ticks = this.regs.field('WUTR', 'WUT') + 1 + (select >= 6 ? 0x10000 : 0);
    const tickSeconds = select < 4 ? (16 >> select) / rtcclk : 1 / this.rate();
    this.wakeupEvent = this.ctx.clock.afterSeconds(ticks * tickSeconds, () => {
      this.wakeupEvent = null;
      this.regs.setBits('SR', RTC_SR.WUTF);
      this.updateIrq();
      if (this.regs.get('CR') & RTC_CR.WUTE) this.scheduleWakeup();
    }, `${this.name} wakeup`);
  }

  private stopEvents(): void {
    this.alarmEvent?.cancel();
    this.wakeupEvent?.cancel();
    this.alarmEvent = this.wakeupEvent = null;
  }

  /** The calendar now, as a UTC date (for traces and tests). */
  calendarDate(): Date {
    return new Date(Math.floor(this.calendarNow() + 1e-9) * 1000);
  }
}
