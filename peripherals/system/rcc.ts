// RM0481 §11 RCC: oscillators, the three PLLs, the system clock switch, bus prescalers, peripheral
// clock enables and kernel clock muxes. This model is the machine's ClockQuery: other models ask it
// whether their bus clock is enabled and at which frequency their kernel clock runs.
import type { ScheduledEvent } from '../../emulator/time/virtual-clock.js';
import type { ClockQuery, IrqLine, PeripheralContext, Signal } from '../core/peripheral.js';
import { RegisterPeripheral } from '../core/register-peripheral.js';
import { BUS_BITS, RCC_REGISTERS } from './rcc.regs.js';

export const HSI_HZ = 64_000_000;
export const CSI_HZ = 4_000_000;
export const HSI48_HZ = 48_000_000;
export const LSE_HZ = 32_768;
export const LSI_HZ = 32_000;
/** NUCLEO-H563ZI feeds HSE from the ST-LINK's 8 MHz (bypass). */
export const DEFAULT_HSE_HZ = 8_000_000;

/** Start-up times in virtual seconds: long enough that firmware sees the flag low first. */
const STARTUP = {
  HSI: 2e-6, CSI: 2e-6, HSI48: 5e-6, HSE: 50e-6, HSE_BYPASS: 1e-6, PLL: 20e-6, LSI: 100e-6, LSE: 2e-3,
  SWITCH: 1e-7, HSIDIV: 1e-7,
};

const AHB_DIVIDERS = [2, 4, 8, 16, 64, 128, 256, 512];

/** A clock source: control bit, ready bit, register, and its interrupt flag position in CIFR. */
interface Oscillator {
  name: 'HSI' | 'CSI' | 'HSI48' | 'HSE' | 'PLL1' | 'PLL2' | 'PLL3' | 'LSI' | 'LSE';
  register: 'CR' | 'BDCR';
  on: number;
  ready: number;
  flag: number;
}

const OSCILLATORS: Oscillator[] = [
  { name: 'HSI', register: 'CR', on: 0, ready: 1, flag: 3 },
  { name: 'CSI', register: 'CR', on: 8, ready: 9, flag: 2 },
  { name: 'HSI48', register: 'CR', on: 12, ready: 13, flag: 5 },
  { name: 'HSE', register: 'CR', on: 16, ready: 17, flag: 4 },
  { name: 'PLL1', register: 'CR', on: 24, ready: 25, flag: 6 },
  { name: 'PLL2', register: 'CR', on: 26, ready: 27, flag: 7 },
  { name: 'PLL3', register: 'CR', on: 28, ready: 29, flag: 8 },
  { name: 'LSE', register: 'BDCR', on: 0, ready: 1, flag: 1 },
  { name: 'LSI', register: 'BDCR', on: 26, ready: 27, flag: 0 },
];

/** Instance names whose RCC enable bit is named differently from the instance. */
const ENABLE_ALIASES: Record<string, string> = {
  ADC12: 'ADC', ADC1: 'ADC', ADC2: 'ADC', ADC12_COMMON: 'ADC', DCMI: 'DCMI_PSSI', PSSI: 'DCMI_PSSI',
  FDCAN1: 'FDCAN', FDCAN2: 'FDCAN', FDCAN_CONFIG: 'FDCAN', SRAMCAN: 'FDCAN', USB_DRD_FS: 'USB', USB_DRD_PMA: 'USB',
  GTZC_TZSC1: 'TZSC1', GTZC_TZIC1: 'TZSC1', GTZC_MPCBB1: 'TZSC1', GTZC_MPCBB2: 'TZSC1', GTZC_MPCBB3: 'TZSC1',
  BKPSRAM: 'BKPRAM', FLASH: 'FLITF', VREFBUF: 'VREF', RTC: 'RTCAPB', TAMP: 'RTCAPB', DLYB_SDMMC1: 'SDMMC1',
  DLYB_SDMMC2: 'SDMMC2', DLYB_OCTOSPI1: 'OCTOSPI1', HASH_DIGEST: 'HASH', RAMCFG_SRAM1: 'RAMCFG',
  RAMCFG_SRAM2: 'RAMCFG', RAMCFG_SRAM3: 'RAMCFG', RAMCFG_BKPRAM: 'RAMCFG', ETH_MAC: 'ETH',
};

type Bus = keyof typeof BUS_BITS;
const BUS_DISABLE_BIT: Record<Bus, number> = { AHB1: 16, AHB2: 17, AHB4: 19, APB1L: 20, APB1H: 20, APB2: 21, APB3: 22 };

/** Blocks without an enable bit, by the bus they sit on (RM0481 §2 memory map). */
const ALWAYS_CLOCKED: Record<string, 'AHB' | 'APB1' | 'APB2' | 'APB3'> = {
  RCC: 'AHB', PWR: 'AHB', EXTI: 'AHB', DBGMCU: 'AHB', ICACHE: 'AHB', IWDG: 'APB1',
};

export interface ClockSnapshot {
  sysclk: number;
  hclk: number;
  pclk1: number;
  pclk2: number;
  pclk3: number;
}

export class Rcc extends RegisterPeripheral implements ClockQuery {
  private readonly hseHz: number;
  private readonly listeners: Array<() => void> = [];
  private readonly startups = new Map<string, ScheduledEvent>();
  private switchEvent: ScheduledEvent | undefined;
  private dividerEvent: ScheduledEvent | undefined;
  /** HSIDIV in effect (a new divider applies once HSIDIVF sets again). */
  private hsiDivider = 0;
  private lastSnapshot = '';
  private readonly irq: IrqLine;
  private readonly backupWriteEnable: Signal;
  private readonly enableBits = new Map<string, { bus: Bus; bit: number }>();

  constructor(ctx: PeripheralContext, options: Record<string, unknown> = {}) {
    super(ctx, 0x400, RCC_REGISTERS, typeof options.base === 'number' ? options.base : 0);
    const hse = ctx.host.options.hseHz;
    this.hseHz = typeof hse === 'number' ? hse : DEFAULT_HSE_HZ;
    this.irq = ctx.irq('RCC');
    this.backupWriteEnable = ctx.signal('PWR.DBP');
    for (const [bus, list] of Object.entries(BUS_BITS) as Array<[Bus, Array<[string, number]>]>) {
      for (const [name, position] of list) if (name !== 'ICACHE') this.enableBits.set(name, { bus, bit: position });
    }

    this.regs.on('CR', { write: (value, previous) => this.controlWritten(value, previous) });
    this.regs.on('CFGR1', { write: () => { this.startSwitch(); this.clockChanged(); } });
    this.regs.on('CFGR2', { write: () => this.clockChanged() });
    for (const name of ['PLL1CFGR', 'PLL2CFGR', 'PLL3CFGR', 'PLL1DIVR', 'PLL2DIVR', 'PLL3DIVR', 'PLL1FRACR', 'PLL2FRACR', 'PLL3FRACR',
      'CCIPR1', 'CCIPR2', 'CCIPR3', 'CCIPR4', 'CCIPR5']) {
      this.regs.on(name, { write: () => this.clockChanged() });
    }
    for (const bus of Object.keys(BUS_BITS)) {
      this.regs.on(`${bus}ENR`, { write: () => this.clockChanged() });
      this.regs.on(`${bus}RSTR`, { write: () => this.clockChanged() });
    }
    this.regs.on('CIER', { write: () => this.updateIrq() });
    this.regs.on('CICR', {
      write: (value) => {
        this.regs.setBits('CIFR', value, false);
        this.regs.set('CICR', 0);
        this.updateIrq();
      },
    });
    this.regs.on('BDCR', { write: (value, previous) => this.backupControlWritten(value, previous) });
    this.regs.on('RSR', {
      write: (value) => {
        // RMVF clears every reset flag and reads back 0.
        if (value & (1 << 23)) this.regs.set('RSR', 0);
      },
    });
  }

  // ---- ClockQuery -------------------------------------------------------------------------------

  isClockEnabled(peripheral: string): boolean {
    if (ALWAYS_CLOCKED[peripheral]) return true;
    const key = ENABLE_ALIASES[peripheral] ?? peripheral;
    const enable = this.enableBits.get(key);
    if (!enable) return true;
    if (this.regs.get('CFGR2') & (1 << BUS_DISABLE_BIT[enable.bus])) return false;
    const mask = 1 << enable.bit;
    const resetName = `${enable.bus}RSTR`;
    const heldInReset = this.regs.has(resetName) && (this.regs.get(resetName) & mask) !== 0;
    return (this.regs.get(`${enable.bus}ENR`) & mask) !== 0 && !heldInReset;
  }

  busFrequency(peripheral: string): number {
    const clocks = this.snapshot();
    switch (this.busOf(peripheral)) {
      case 'APB1': return clocks.pclk1;
      case 'APB2': return clocks.pclk2;
      case 'APB3': return clocks.pclk3;
      default: return clocks.hclk;
    }
  }

  kernelFrequency(peripheral: string): number {
    const c = this.snapshot();
    const f = (register: string, field: string) => this.regs.field(register, field);
    const pick = (choices: number[], value: number) => choices[value] ?? 0;
    const hsi = this.hsiFrequency();
    const csi = this.ready('CSI') ? CSI_HZ : 0;
    const hse = this.ready('HSE') ? this.hseHz : 0;
    const lse = this.ready('LSE') ? LSE_HZ : 0;
    const lsi = this.ready('LSI') ? LSI_HZ : 0;
    const hsi48 = this.ready('HSI48') ? HSI48_HZ : 0;
    const pll1 = this.pllOutputs(1);
    const pll2 = this.pllOutputs(2);
    const pll3 = this.pllOutputs(3);
    const per = pick([hsi, csi, hse], f('CCIPR5', 'CKERPSEL'));
    const uart = (register: string, field: string, bus: number) => pick([bus, pll2.q, pll3.q, hsi, csi, lse], f(register, field));
    const lptim = (field: string, bus: number) => pick([bus, pll2.p, pll3.r, lse, lsi, per], f('CCIPR2', field));
    const i2c = (field: string, bus: number) => pick([bus, pll3.r, hsi, csi], f('CCIPR4', field));
    const spiHigh = (field: string, bus: number) => pick([bus, pll2.q, pll3.q, hsi, csi, hse], f('CCIPR3', field));
    const spiLow = (field: string) => pick([pll1.q, pll2.p, pll3.p, 0, per], f('CCIPR3', field));

    if (/^TIM\d+$/.test(peripheral)) return this.timerFrequency(this.busOf(peripheral));
    switch (peripheral) {
      case 'USART1': return uart('CCIPR1', 'USART1SEL', c.pclk2);
      case 'USART2': case 'USART3': case 'UART4': case 'UART5': case 'USART6': case 'UART7': case 'UART8':
      case 'UART9': case 'USART10':
        return uart('CCIPR1', `${peripheral}SEL`, c.pclk1);
      case 'USART11': case 'UART12': return uart('CCIPR2', `${peripheral}SEL`, c.pclk1);
      case 'LPUART1': return uart('CCIPR3', 'LPUART1SEL', c.pclk3);
      case 'SPI1': case 'SPI2': case 'SPI3': return spiLow(`${peripheral}SEL`);
      case 'SPI4': case 'SPI6': return spiHigh(`${peripheral}SEL`, c.pclk2);
      case 'SPI5': return spiHigh('SPI5SEL', c.pclk3);
      case 'I2C1': case 'I2C2': case 'I3C1': return i2c(`${peripheral}SEL`, c.pclk1);
      case 'I2C3': case 'I2C4': return i2c(`${peripheral}SEL`, c.pclk3);
      case 'LPTIM2': return lptim('LPTIM2SEL', c.pclk1);
      case 'LPTIM1': case 'LPTIM3': case 'LPTIM4': case 'LPTIM5': case 'LPTIM6': return lptim(`${peripheral}SEL`, c.pclk3);
      case 'RNG': return pick([hsi48, pll1.q, lse, lsi], f('CCIPR5', 'RNGSEL'));
      case 'ADC12': case 'ADC1': case 'ADC2': case 'ADC12_COMMON': case 'DAC1':
        return pick([c.hclk, c.sysclk, pll2.r, hse, hsi, csi], f('CCIPR5', 'ADCDACSEL'));
      case 'FDCAN1': case 'FDCAN2': return pick([hse, pll1.q, pll2.q], f('CCIPR5', 'FDCANSEL'));
      case 'USB_DRD_FS': return pick([0, pll1.q, pll3.q, hsi48], f('CCIPR4', 'USBSEL'));
      case 'OCTOSPI1': return pick([c.hclk, pll1.q, pll2.r, per], f('CCIPR4', 'OCTOSPISEL'));
      case 'SDMMC1': return pick([pll1.q, pll2.r], f('CCIPR4', 'SDMMC1SEL'));
      case 'SDMMC2': return pick([pll1.q, pll2.r], f('CCIPR4', 'SDMMC2SEL'));
      case 'SAI1': return pick([pll1.q, pll2.p, pll3.p, 0, per], f('CCIPR5', 'SAI1SEL'));
      case 'SAI2': return pick([pll1.q, pll2.p, pll3.p, 0, per], f('CCIPR5', 'SAI2SEL'));
      case 'CEC': return pick([lse, lsi, csi / 122], f('CCIPR5', 'CECSEL'));
      case 'SysTick': case 'SYSTICK': return pick([c.hclk / 8, lsi, lse], f('CCIPR4', 'SYSTICKSEL'));
      case 'RTC': case 'TAMP': return this.rtcFrequency();
      case 'IWDG': return LSI_HZ; // IWDG starts LSI on its own (RM0481 §11.4.9)
      case 'WWDG': return c.pclk1;
      default: return this.busFrequency(peripheral);
    }
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** The current system, AHB and APB clocks in Hz. */
  snapshot(): ClockSnapshot {
    const sysclk = this.sysclkFrequency();
    const hpre = this.regs.field('CFGR2', 'HPRE');
    const hclk = hpre < 8 ? sysclk : sysclk / AHB_DIVIDERS[hpre - 8]!;
    const apb = (ppre: number) => (ppre < 4 ? hclk : hclk / (2 << (ppre - 4)));
    return {
      sysclk, hclk,
      pclk1: apb(this.regs.field('CFGR2', 'PPRE1')),
      pclk2: apb(this.regs.field('CFGR2', 'PPRE2')),
      pclk3: apb(this.regs.field('CFGR2', 'PPRE3')),
    };
  }

  /** PLL outputs in Hz (0 when the PLL is not locked or the output is disabled). */
  pllOutputs(n: 1 | 2 | 3): { p: number; q: number; r: number; vco: number } {
    const off = { p: 0, q: 0, r: 0, vco: 0 };
    if (!this.ready(`PLL${n}`)) return off;
    const vco = this.pllVco(n);
    const cfg = this.regs.get(`PLL${n}CFGR`);
    const out = (enableBit: number, field: string) => ((cfg >>> enableBit) & 1 ? vco / (this.regs.field(`PLL${n}DIVR`, `PLL${n}${field}`) + 1) : 0);
    return { vco, p: out(16, 'P'), q: out(17, 'Q'), r: out(18, 'R') };
  }

  // ---- behaviour --------------------------------------------------------------------------------

  /**
   * A system reset leaves RCC_BDCR alone: it sits in the backup domain (LSE, RTC clock selection
   * and enable), which only a backup-domain reset (power-on, VSWRST) clears.
   */
  override reset(): void {
    const backupControl = this.regs.get('BDCR');
    super.reset();
    this.regs.set('BDCR', backupControl);
    this.updateOscillators();
  }

  protected override onReset(): void {
    for (const event of this.startups.values()) event.cancel();
    this.startups.clear();
    this.switchEvent?.cancel();
    this.dividerEvent?.cancel();
    this.switchEvent = undefined;
    this.dividerEvent = undefined;
    this.hsiDivider = 0;
    this.irq.set(false);
    this.clockChanged();
  }

  private ready(name: Oscillator['name']): boolean {
    const osc = OSCILLATORS.find((o) => o.name === name)!;
    return (this.regs.get(osc.register) & (1 << osc.ready)) !== 0;
  }

  private hsiFrequency(): number {
    return this.ready('HSI') ? HSI_HZ >> this.hsiDivider : 0;
  }

  private pllSourceFrequency(n: 1 | 2 | 3): number {
    switch (this.regs.field(`PLL${n}CFGR`, `PLL${n}SRC`)) {
      case 1: return this.hsiFrequency();
      case 2: return this.ready('CSI') ? CSI_HZ : 0;
      case 3: return this.ready('HSE') ? this.hseHz : 0;
      default: return 0;
    }
  }

  private pllVco(n: 1 | 2 | 3): number {
    const m = this.regs.field(`PLL${n}CFGR`, `PLL${n}M`);
    if (m === 0) return 0;
    const multiplier = this.regs.field(`PLL${n}DIVR`, `PLL${n}N`) + 1;
    const fraction = this.regs.field(`PLL${n}CFGR`, `PLL${n}FRACEN`) ? this.regs.field(`PLL${n}FRACR`, `PLL${n}FRACN`) / 8192 : 0;
    return (this.pllSourceFrequency(n) / m) * (multiplier + fraction);
  }

  private sourceFrequency(sw: number): number {
    switch (sw) {
      case 0: return this.hsiFrequency();
      case 1: return this.ready('CSI') ? CSI_HZ : 0;
      case 2: return this.ready('HSE') ? this.hseHz : 0;
      default: return this.pllOutputs(1).p;
    }
  }

  private sysclkFrequency(): number {
    return this.sourceFrequency(this.regs.field('CFGR1', 'SWS'));
  }

  private timerFrequency(bus: 'AHB' | 'APB1' | 'APB2' | 'APB3'): number {
    const c = this.snapshot();
    const ppre = this.regs.field('CFGR2', bus === 'APB2' ? 'PPRE2' : 'PPRE1');
    const pclk = bus === 'APB2' ? c.pclk2 : c.pclk1;
    const divider = ppre < 4 ? 1 : 2 << (ppre - 4);
    // RM0481 §11.4.13: TIMPRE = 0 → ×2 when the APB prescaler divides; TIMPRE = 1 → HCLK up to /4, else ×4.
    if (this.regs.field('CFGR1', 'TIMPRE') === 0) return divider === 1 ? pclk : pclk * 2;
    return divider <= 4 ? c.hclk : pclk * 4;
  }

  private rtcFrequency(): number {
    const bdcr = this.regs.get('BDCR');
    switch ((bdcr >>> 8) & 3) {
      case 1: return this.ready('LSE') ? LSE_HZ : 0;
      case 2: return this.ready('LSI') ? LSI_HZ : 0;
      case 3: {
        const prescaler = this.regs.field('CFGR1', 'RTCPRE');
        return this.ready('HSE') && prescaler > 1 ? this.hseHz / prescaler : 0;
      }
      default: return 0;
    }
  }

  private busOf(peripheral: string): 'AHB' | 'APB1' | 'APB2' | 'APB3' {
    if (ALWAYS_CLOCKED[peripheral]) return ALWAYS_CLOCKED[peripheral]!;
    const enable = this.enableBits.get(ENABLE_ALIASES[peripheral] ?? peripheral);
    if (!enable) return 'AHB';
    if (enable.bus === 'APB1L' || enable.bus === 'APB1H') return 'APB1';
    if (enable.bus === 'APB2' || enable.bus === 'APB3') return enable.bus;
    return 'AHB';
  }

  /** The source SYSCLK runs from cannot be switched off (RM0481 §11.4.1). */
  private protectActiveSources(): void {
    const keep: number[] = [];
    const sws = this.regs.field('CFGR1', 'SWS');
    const sourceOn = [0, 8, 16][sws];
    if (sourceOn !== undefined) keep.push(sourceOn);
    if (sws === 3) {
      keep.push(24);
      const pllSource = this.regs.field('PLL1CFGR', 'PLL1SRC');
      const pllSourceOn = [undefined, 0, 8, 16][pllSource];
      if (pllSourceOn !== undefined) keep.push(pllSourceOn);
    }
    for (const position of keep) this.regs.setBits('CR', 1 << position);
  }

  private controlWritten(value: number, previous: number): void {
    this.protectActiveSources();
    if ((((value ^ previous) >>> 3) & 3) && this.hsiFeedsRunningPll(previous)) {
      // HSIDIV cannot change under a running PLL that HSI feeds: the new value is ignored.
      this.regs.setField('CR', 'HSIDIV', (previous >>> 3) & 3);
    } else if (((value ^ previous) >>> 3) & 3) {
      // A new HSI divider: HSIDIVF drops until the divider has switched.
      this.regs.setBits('CR', 1 << 5, false);
      this.dividerEvent?.cancel();
      this.dividerEvent = this.ctx.clock.afterSeconds(STARTUP.HSIDIV, () => {
        this.dividerEvent = undefined;
        this.hsiDivider = this.regs.field('CR', 'HSIDIV');
        this.regs.setBits('CR', 1 << 5);
        this.clockChanged();
      }, 'RCC HSIDIVF');
    }
    this.updateOscillators();
  }

  private hsiFeedsRunningPll(control: number): boolean {
    return ([1, 2, 3] as const).some((n) => (control & (1 << (22 + 2 * n))) !== 0 && this.regs.field(`PLL${n}CFGR`, `PLL${n}SRC`) === 1);
  }

  private backupControlWritten(value: number, previous: number): void {
    if (!this.backupWriteEnable.value) {
      // Backup domain bits are write-protected until PWR_DBPCR.DBP is set. LSION is not one of
      // them: HAL_RCC_OscConfig switches the LSI on without touching DBP (it does set DBP for the
      // LSE), and ST's IWDG/RTC_LSI examples rely on that.
      const LSION = 1 << 26;
      this.regs.set('BDCR', (previous & ~LSION) | (value & LSION));
      if (((value ^ previous) & ~LSION & ~(1 << 27)) !== 0) {
        this.ctx.log.guestError('RCC_BDCR written while the backup domain is write-protected (PWR_DBPCR.DBP = 0)', { register: 'BDCR', access: 'write', value });
      }
      this.updateOscillators();
      return;
    }
    if (value & (1 << 16)) {
      // VSWRST resets the whole backup domain (RTC, LSE, TAMP) while it is held.
      this.regs.set('BDCR', 1 << 16);
      this.ctx.signal('RCC.VSWRST').set(1);
    } else if (previous & (1 << 16)) {
      this.ctx.signal('RCC.VSWRST').set(0);
    }
    this.updateOscillators();
  }

  private startupTime(osc: Oscillator): number {
    switch (osc.name) {
      case 'HSE': return this.regs.field('CR', 'HSEBYP') ? STARTUP.HSE_BYPASS : STARTUP.HSE;
      case 'PLL1': case 'PLL2': case 'PLL3': return STARTUP.PLL;
      default: return STARTUP[osc.name];
    }
  }

  /** Whether an oscillator that is switched on can become ready now. */
  private canStart(osc: Oscillator): boolean {
    if (osc.name === 'HSE') return this.hseHz > 0;
    if (osc.name === 'PLL1' || osc.name === 'PLL2' || osc.name === 'PLL3') {
      const n = Number(osc.name[3]) as 1 | 2 | 3;
      return this.pllSourceFrequency(n) > 0 && this.regs.field(`PLL${n}CFGR`, `PLL${n}M`) !== 0;
    }
    return true;
  }

  private updateOscillators(): void {
    let changed = false;
    for (const osc of OSCILLATORS) {
      const value = this.regs.get(osc.register);
      const on = (value & (1 << osc.on)) !== 0;
      const isReady = (value & (1 << osc.ready)) !== 0;
      const pending = this.startups.get(osc.name);
      if (on && !isReady && !pending && this.canStart(osc)) {
        this.startups.set(osc.name, this.ctx.clock.afterSeconds(this.startupTime(osc), () => {
          this.startups.delete(osc.name);
          if (!(this.regs.get(osc.register) & (1 << osc.on))) return;
          this.regs.setBits(osc.register, 1 << osc.ready);
          if (this.regs.get('CIER') & (1 << osc.flag)) this.regs.setBits('CIFR', 1 << osc.flag);
          this.updateIrq();
          this.updateOscillators();
          this.startSwitch();
          this.clockChanged();
        }, `RCC ${osc.name} ready`));
      } else if (!on && (isReady || pending)) {
        pending?.cancel();
        this.startups.delete(osc.name);
        this.regs.setBits(osc.register, 1 << osc.ready, false);
        changed = true;
      }
    }
    if (changed) this.updateOscillators();
    this.clockChanged();
  }

  /** SW selects a source; SWS follows once that source is ready (RM0481 §11.4.7). */
  private startSwitch(): void {
    const sw = this.regs.field('CFGR1', 'SW');
    if (sw === this.regs.field('CFGR1', 'SWS')) {
      this.switchEvent?.cancel();
      this.switchEvent = undefined;
      return;
    }
    if (this.switchEvent?.active) return;
    if (this.sourceFrequency(sw) <= 0) return;
    this.switchEvent = this.ctx.clock.afterSeconds(STARTUP.SWITCH, () => {
      this.switchEvent = undefined;
      const target = this.regs.field('CFGR1', 'SW');
      if (this.sourceFrequency(target) <= 0) return;
      this.regs.setField('CFGR1', 'SWS', target);
      this.protectActiveSources();
      this.clockChanged();
    }, 'RCC SWS');
  }

  private updateIrq(): void {
    this.irq.set((this.regs.get('CIFR') & this.regs.get('CIER') & 0x1ff) !== 0);
  }

  /** Retimes the CPU and tells listeners when anything in the clock tree moved. */
  private clockChanged(): void {
    const c = this.snapshot();
    const enables = Object.keys(BUS_BITS).map((bus) => `${this.regs.get(`${bus}ENR`)}:${this.regs.get(`${bus}RSTR`)}`).join(',');
    const muxes = ['CCIPR1', 'CCIPR2', 'CCIPR3', 'CCIPR4', 'CCIPR5', 'BDCR', 'CR', 'CFGR1', 'CFGR2', 'PLL1CFGR', 'PLL2CFGR', 'PLL3CFGR',
      'PLL1DIVR', 'PLL2DIVR', 'PLL3DIVR', 'PLL1FRACR', 'PLL2FRACR', 'PLL3FRACR'].map((r) => this.regs.get(r)).join(',');
    const fingerprint = `${c.sysclk},${c.hclk},${c.pclk1},${c.pclk2},${c.pclk3},${this.hsiDivider}|${enables}|${muxes}`;
    if (fingerprint === this.lastSnapshot) return;
    this.lastSnapshot = fingerprint;
    if (c.hclk > 0) this.ctx.clock.setFrequency(c.hclk);
    for (const listener of this.listeners) listener();
  }
}
