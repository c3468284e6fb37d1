// RM0481 §38–41 TIM1/8 (advanced), TIM2–5 (general 16/32-bit), TIM6/7 (basic), TIM12–17: the
// common register map; a timer without a register decodes it as stored storage.
import type { FieldSpec, RegisterSpec } from '../registers/register-block.js';

export const TIM_CR1 = { CEN: 1 << 0, UDIS: 1 << 1, URS: 1 << 2, OPM: 1 << 3, DIR: 1 << 4, CMS: 3 << 5, ARPE: 1 << 7, UIFREMAP: 1 << 11 } as const;
export const TIM_SR = { UIF: 1 << 0, COMIF: 1 << 5, TIF: 1 << 6, BIF: 1 << 7, B2IF: 1 << 8 } as const;
export const TIM_DIER = { UIE: 1 << 0, COMIE: 1 << 5, TIE: 1 << 6, BIE: 1 << 7 } as const;
export const TIM_EGR = { UG: 1 << 0, COMG: 1 << 5, TG: 1 << 6, BG: 1 << 7, B2G: 1 << 8 } as const;
/** CCxIF in SR and CCxIE in DIER, x = 1..6. */
export const ccFlag = (channel: number): number => (channel <= 4 ? 1 << channel : 1 << (channel + 11));

const bits = (names: Array<[string, number]>, access?: FieldSpec['access']): FieldSpec[] =>
  names.map(([name, bit]) => ({ name, bit, ...(access ? { access } : {}) }));

export function timRegisters(width: 16 | 32): RegisterSpec[] {
  const counterMax = width === 32 ? 0xffff_ffff : 0xffff;
  return [
    { name: 'CR1', offset: 0x00, fields: [
      ...bits([['CEN', 0], ['UDIS', 1], ['URS', 2], ['OPM', 3], ['DIR', 4]]), { name: 'CMS', bit: 5, width: 2 },
      { name: 'ARPE', bit: 7 }, { name: 'CKD', bit: 8, width: 2 }, { name: 'UIFREMAP', bit: 11 },
      { name: 'DITHEN', bit: 12, modelled: false },
    ] },
    { name: 'CR2', offset: 0x04 },
    { name: 'SMCR', offset: 0x08 },
    { name: 'DIER', offset: 0x0c, fields: [
      ...bits([['UIE', 0], ['CC1IE', 1], ['CC2IE', 2], ['CC3IE', 3], ['CC4IE', 4], ['COMIE', 5], ['TIE', 6], ['BIE', 7],
        ['UDE', 8], ['CC1DE', 9], ['CC2DE', 10], ['CC3DE', 11], ['CC4DE', 12], ['COMDE', 13], ['TDE', 14],
        ['IDXIE', 20], ['DIRIE', 21], ['IERRIE', 22], ['TERRIE', 23]]),
    ] },
    { name: 'SR', offset: 0x10, fields: bits([['UIF', 0], ['CC1IF', 1], ['CC2IF', 2], ['CC3IF', 3], ['CC4IF', 4], ['COMIF', 5],
      ['TIF', 6], ['BIF', 7], ['B2IF', 8], ['CC1OF', 9], ['CC2OF', 10], ['CC3OF', 11], ['CC4OF', 12], ['SBIF', 13],
      ['CC5IF', 16], ['CC6IF', 17], ['IDXF', 20], ['DIRF', 21], ['IERRF', 22], ['TERRF', 23]], 'rc_w0') },
    { name: 'EGR', offset: 0x14, fields: bits([['UG', 0], ['CC1G', 1], ['CC2G', 2], ['CC3G', 3], ['CC4G', 4], ['COMG', 5],
      ['TG', 6], ['BG', 7], ['B2G', 8]], 'w') },
    { name: 'CCMR1', offset: 0x18 },
    { name: 'CCMR2', offset: 0x1c },
    { name: 'CCER', offset: 0x20 },
    { name: 'CNT', offset: 0x24 },
    { name: 'PSC', offset: 0x28, fields: [{ name: 'PSC', bit: 0, width: 16 }] },
    { name: 'ARR', offset: 0x2c, reset: counterMax, fields: [{ name: 'ARR', bit: 0, width: width === 32 ? 32 : 20 }] },
    { name: 'RCR', offset: 0x30, fields: [{ name: 'REP', bit: 0, width: 16 }] },
    { name: 'CCR1', offset: 0x34 },
    { name: 'CCR2', offset: 0x38 },
    { name: 'CCR3', offset: 0x3c },
    { name: 'CCR4', offset: 0x40 },
    { name: 'BDTR', offset: 0x44 },
    { name: 'CCR5', offset: 0x48 },
    { name: 'CCR6', offset: 0x4c },
    { name: 'CCMR3', offset: 0x50 },
    { name: 'DTR2', offset: 0x54 },
    { name: 'ECR', offset: 0x58 },
    { name: 'TISEL', offset: 0x5c },
    { name: 'AF1', offset: 0x60 },
    { name: 'AF2', offset: 0x64 },
    { name: 'OR1', offset: 0x68 },
    { name: 'DCR', offset: 0x3dc },
    { name: 'DMAR', offset: 0x3e0, modelled: false },
  ];
}
