// Behaviour of the System Control Space: NVIC set/clear views, SCB (ICSR, AIRCR, SHCSR, SHPRx),
// SysTick, STIR, MPU/SAU region banks, FPU control. The registers are declared in
// system-control.regs.ts; this file hangs behaviour on them.
import { RegisterBlock } from '../../peripherals/registers/register-block.js';
import type { AccessSize, Peripheral } from '../../peripherals/core/peripheral.js';
import type { ModelLog } from '../diagnostics/access-log.js';
import { Exception, type Nvic } from './nvic.js';
import { SysTick } from './systick.js';
import { SCS_BASE, systemControlRegisters } from './system-control.regs.js';

export interface CoreHooks {
  /** Exception number in IPSR (VECTACTIVE). */
  currentException(): number;
  /** AIRCR.SYSRESETREQ with the right key. */
  requestSystemReset(): void;
  /** Execution of pending state may change: end the slice so the core re-evaluates. */
  interruptStateChanged(): void;
}

const SHCSR_BITS = {
  MEMFAULTACT: 0, BUSFAULTACT: 1, HARDFAULTACT: 2, USGFAULTACT: 3, SECUREFAULTACT: 4, NMIACT: 5, SVCALLACT: 7,
  MONITORACT: 8, PENDSVACT: 10, SYSTICKACT: 11, USGFAULTPENDED: 12, MEMFAULTPENDED: 13, BUSFAULTPENDED: 14,
  SVCALLPENDED: 15, MEMFAULTENA: 16, BUSFAULTENA: 17, USGFAULTENA: 18, SECUREFAULTENA: 19, SECUREFAULTPENDED: 20,
  HARDFAULTPENDED: 21,
} as const;

const ACTIVE_BITS: Array<[number, number]> = [
  [SHCSR_BITS.MEMFAULTACT, Exception.MemManage], [SHCSR_BITS.BUSFAULTACT, Exception.BusFault],
  [SHCSR_BITS.HARDFAULTACT, Exception.HardFault], [SHCSR_BITS.USGFAULTACT, Exception.UsageFault],
  [SHCSR_BITS.SECUREFAULTACT, Exception.SecureFault], [SHCSR_BITS.NMIACT, Exception.NMI],
  [SHCSR_BITS.SVCALLACT, Exception.SVCall], [SHCSR_BITS.MONITORACT, Exception.DebugMonitor],
  [SHCSR_BITS.PENDSVACT, Exception.PendSV], [SHCSR_BITS.SYSTICKACT, Exception.SysTick],
];
const PENDED_BITS: Array<[number, number]> = [
  [SHCSR_BITS.USGFAULTPENDED, Exception.UsageFault], [SHCSR_BITS.MEMFAULTPENDED, Exception.MemManage],
  [SHCSR_BITS.BUSFAULTPENDED, Exception.BusFault], [SHCSR_BITS.SVCALLPENDED, Exception.SVCall],
  [SHCSR_BITS.SECUREFAULTPENDED, Exception.SecureFault], [SHCSR_BITS.HARDFAULTPENDED, Exception.HardFault],
];

export class SystemControlSpace implements Peripheral {
  readonly name = 'SCS';
  readonly size = 0x1000;
  readonly regs: RegisterBlock;
  readonly systick: SysTick;
  private readonly mpuRegions = { rbar: new Uint32Array(8), rlar: new Uint32Array(8) };
  private readonly sauRegions = { rbar: new Uint32Array(8), rlar: new Uint32Array(8) };

  constructor(
    private readonly nvic: Nvic,
    clock: import('../time/virtual-clock.js').VirtualClock,
    log: ModelLog,
    private readonly core: CoreHooks,
    /** SysTick external reference frequency (HCLK/8 on the STM32H5). */
    systickReferenceHz: () => number,
    private readonly resetVtor: number,
  ) {
    this.regs = new RegisterBlock('SCS', systemControlRegisters(nvic.externalInterrupts), log, SCS_BASE);
    this.systick = new SysTick(clock, systickReferenceHz, () => {
      this.nvic.setPending(Exception.SysTick);
      this.core.interruptStateChanged();
    });
    this.attachBehaviour();
    this.reset();
  }

  private attachBehaviour(): void {
    const r = this.regs;
    const nvic = this.nvic;
    const words = Math.ceil(nvic.externalInterrupts / 32);
    const bitsOf = (array: Uint8Array, word: number, base: number) => {
      let value = 0;
      for (let bit = 0; bit < 32; bit++) {
        const index = word * 32 + bit;
        if (index < nvic.externalInterrupts && array[base + index]) value |= 1 << bit;
      }
      return value >>> 0;
    };
    const forEachBit = (value: number, word: number, action: (irq: number) => void) => {
      for (let bit = 0; bit < 32; bit++) {
        const irq = word * 32 + bit;
        if (value & (1 << bit) && irq < nvic.externalInterrupts) action(irq);
      }
    };
    for (let w = 0; w < words; w++) {
      r.on(`NVIC_ISER${w}`, {
        read: () => bitsOf(nvic.enabled, w, 16),
        write: (_v, _p, written) => { forEachBit(written, w, (irq) => { nvic.enabled[16 + irq] = 1; }); this.core.interruptStateChanged(); },
      });
      r.on(`NVIC_ICER${w}`, {
        read: () => bitsOf(nvic.enabled, w, 16),
        write: (_v, _p, written) => forEachBit(written, w, (irq) => { nvic.enabled[16 + irq] = 0; }),
      });
      r.on(`NVIC_ISPR${w}`, {
        read: () => bitsOf(nvic.pending, w, 16),
        write: (_v, _p, written) => { forEachBit(written, w, (irq) => nvic.setPending(16 + irq)); this.core.interruptStateChanged(); },
      });
      r.on(`NVIC_ICPR${w}`, {
        read: () => bitsOf(nvic.pending, w, 16),
        write: (_v, _p, written) => forEachBit(written, w, (irq) => { nvic.pending[16 + irq] = 0; }),
      });
      r.on(`NVIC_IABR${w}`, { read: () => bitsOf(nvic.active, w, 16) });
      r.on(`NVIC_ITNS${w}`, {
        read: () => bitsOf(nvic.targetNonSecure, w, 0),
        write: (v) => { for (let bit = 0; bit < 32; bit++) { const irq = w * 32 + bit; if (irq < nvic.externalInterrupts) nvic.targetNonSecure[irq] = (v >>> bit) & 1; } },
      });
    }
    for (let w = 0; w < Math.ceil(nvic.externalInterrupts / 4); w++) {
      r.on(`NVIC_IPR${w}`, {
        read: () => {
          let value = 0;
          for (let b = 0; b < 4; b++) if (w * 4 + b < nvic.externalInterrupts) value |= nvic.priority[16 + w * 4 + b]! << (8 * b);
          return value >>> 0;
        },
        write: (v) => {
          for (let b = 0; b < 4; b++) if (w * 4 + b < nvic.externalInterrupts) nvic.setPriority(16 + w * 4 + b, (v >>> (8 * b)) & 0xff);
          this.core.interruptStateChanged();
        },
      });
    }
    for (const [name, first] of [['SHPR1', 4], ['SHPR2', 8], ['SHPR3', 12]] as const) {
      r.on(name, {
        read: () => {
          let value = 0;
          for (let b = 0; b < 4; b++) value |= nvic.priority[first + b]! << (8 * b);
          return value >>> 0;
        },
        write: (v) => { for (let b = 0; b < 4; b++) nvic.setPriority(first + b, (v >>> (8 * b)) & 0xff); this.core.interruptStateChanged(); },
      });
    }
    r.on('ICTR', { read: () => Math.ceil(nvic.externalInterrupts / 32) - 1 });
    r.on('ICSR', {
      read: () => {
        const active = this.core.currentException() & 0x1ff;
        const pending = nvic.highestPending() & 0x1ff;
        let isrPending = 0;
        for (let e = 16; e < nvic.count; e++) if (nvic.pending[e]) { isrPending = 1; break; }
        const rettobase = nvic.activeCount() <= 1 ? 1 : 0;
        return ((nvic.pending[Exception.NMI]! << 31) | (nvic.pending[Exception.PendSV]! << 28) | (nvic.pending[Exception.SysTick]! << 26)
          | (isrPending << 22) | (pending << 12) | (rettobase << 11) | active) >>> 0;
      },
      write: (_v, _p, w) => {
        if (w & (1 << 31)) nvic.setPending(Exception.NMI);
        if (w & (1 << 28)) nvic.setPending(Exception.PendSV);
        else if (w & (1 << 27)) nvic.pending[Exception.PendSV] = 0;
        if (w & (1 << 26)) nvic.setPending(Exception.SysTick);
        else if (w & (1 << 25)) nvic.pending[Exception.SysTick] = 0;
        this.core.interruptStateChanged();
      },
    });
    r.on('AIRCR', {
      read: () => (0xfa05_0000 | (nvic.prigroup << 8)) >>> 0,
      write: (_v, _p, w) => {
        if (w >>> 16 !== 0x05fa) return; // writes without VECTKEY are ignored
        nvic.prigroup = (w >>> 8) & 7;
        if (w & (1 << 2)) this.core.requestSystemReset();
        this.core.interruptStateChanged();
      },
    });
    r.on('SHCSR', {
      read: () => {
        let value = 0;
        for (const [bit, e] of ACTIVE_BITS) if (nvic.active[e]) value |= 1 << bit;
        for (const [bit, e] of PENDED_BITS) if (nvic.pending[e]) value |= 1 << bit;
        const f = nvic.faultEnabled;
        value |= (f.memManage ? 1 << SHCSR_BITS.MEMFAULTENA : 0) | (f.busFault ? 1 << SHCSR_BITS.BUSFAULTENA : 0)
          | (f.usageFault ? 1 << SHCSR_BITS.USGFAULTENA : 0) | (f.secureFault ? 1 << SHCSR_BITS.SECUREFAULTENA : 0);
        return value >>> 0;
      },
      write: (v) => {
        nvic.faultEnabled = {
          memManage: !!(v & (1 << SHCSR_BITS.MEMFAULTENA)), busFault: !!(v & (1 << SHCSR_BITS.BUSFAULTENA)),
          usageFault: !!(v & (1 << SHCSR_BITS.USGFAULTENA)), secureFault: !!(v & (1 << SHCSR_BITS.SECUREFAULTENA)),
        };
        // Active and pended bits are writable on ARMv8-M (used by context-switching debuggers).
        for (const [bit, e] of ACTIVE_BITS) nvic.active[e] = (v >>> bit) & 1;
        for (const [bit, e] of PENDED_BITS) nvic.pending[e] = (v >>> bit) & 1;
        this.core.interruptStateChanged();
      },
    });
    r.on('STIR', {
      write: (v) => {
        const irq = v & 0x1ff;
        if (irq < nvic.externalInterrupts) nvic.setPending(16 + irq);
        this.core.interruptStateChanged();
      },
    });
    r.on('SYST_CSR', {
      read: () => this.systick.readCsr(true),
      peek: () => this.systick.readCsr(false),
      write: (v) => this.systick.writeCsr(v),
    });
    r.on('SYST_RVR', { read: () => this.systick.reloadValue, write: (v) => this.systick.writeReload(v) });
    r.on('SYST_CVR', { read: () => this.systick.currentValue, write: () => this.systick.writeCurrent() });
    r.on('SYST_CALIB', { read: () => 0x4000_0000 | 39_999 }); // SKEW: 10 ms at HCLK/8 = 4 MHz is exact only at the reset clock
    const banked = (rnr: string, array: Uint32Array) => ({
      read: () => array[r.get(rnr) & 7]!,
      write: (v: number) => { array[r.get(rnr) & 7] = v; },
    });
    r.on('MPU_RBAR', banked('MPU_RNR', this.mpuRegions.rbar));
    r.on('MPU_RLAR', banked('MPU_RNR', this.mpuRegions.rlar));
    r.on('SAU_RBAR', banked('SAU_RNR', this.sauRegions.rbar));
    r.on('SAU_RLAR', banked('SAU_RNR', this.sauRegions.rlar));
    for (let i = 0; i < 3; i++) {
      r.on(`MPU_RBAR_A${i}`, {
        read: () => this.mpuRegions.rbar[((r.get('MPU_RNR') & ~3) + i + 1) & 7]!,
        write: (v) => { this.mpuRegions.rbar[((r.get('MPU_RNR') & ~3) + i + 1) & 7] = v; },
      });
      r.on(`MPU_RLAR_A${i}`, {
        read: () => this.mpuRegions.rlar[((r.get('MPU_RNR') & ~3) + i + 1) & 7]!,
        write: (v) => { this.mpuRegions.rlar[((r.get('MPU_RNR') & ~3) + i + 1) & 7] = v; },
      });
    }
  }

  get vtor(): number {
    return this.regs.get('VTOR') & 0xffff_ff80;
  }

  /** Records fault status bits (CFSR/HFSR) and fault addresses as the hardware does. */
  recordFault(cfsr: number, hfsr = 0, address?: { bfar?: number; mmfar?: number }): void {
    this.regs.setBits('CFSR', cfsr);
    if (hfsr) this.regs.setBits('HFSR', hfsr);
    if (address?.bfar !== undefined) this.regs.set('BFAR', address.bfar >>> 0);
    if (address?.mmfar !== undefined) this.regs.set('MMFAR', address.mmfar >>> 0);
  }

  get sleepOnExit(): boolean {
    return this.regs.field('SCR', 'SLEEPONEXIT') === 1;
  }

  get fpccr(): number {
    return this.regs.get('FPCCR');
  }

  read(offset: number, size: AccessSize): number { return this.regs.read(offset, size); }
  write(offset: number, size: AccessSize, value: number): void { this.regs.write(offset, size, value); }
  peek(offset: number, size: AccessSize): number { return this.regs.peek(offset, size); }

  reset(): void {
    this.regs.reset();
    this.regs.set('VTOR', this.resetVtor);
    this.mpuRegions.rbar.fill(0); this.mpuRegions.rlar.fill(0);
    this.sauRegions.rbar.fill(0); this.sauRegions.rlar.fill(0);
    this.systick.reset();
  }
}
