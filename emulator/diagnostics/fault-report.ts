// Turns the architected fault state into words a firmware engineer can act on.
import { hex } from './access-log.js';

const CFSR_WORDS: Array<[number, string]> = [
  [1 << 0, 'IACCVIOL: instruction fetch from a location that does not permit execution'],
  [1 << 1, 'DACCVIOL: data access violation (MPU or default memory map)'],
  [1 << 3, 'MUNSTKERR: MemManage fault on exception return unstacking'],
  [1 << 4, 'MSTKERR: MemManage fault on exception entry stacking'],
  [1 << 5, 'MLSPERR: MemManage fault during lazy FP state preservation'],
  [1 << 7, 'MMARVALID: MMFAR holds the faulting address'],
  [1 << 8, 'IBUSERR: bus error on instruction fetch'],
  [1 << 9, 'PRECISERR: precise data bus error'],
  [1 << 10, 'IMPRECISERR: imprecise data bus error'],
  [1 << 11, 'UNSTKERR: bus fault on exception return unstacking'],
  [1 << 12, 'STKERR: bus fault on exception entry stacking'],
  [1 << 13, 'LSPERR: bus fault during lazy FP state preservation'],
  [1 << 15, 'BFARVALID: BFAR holds the faulting address'],
  [1 << 16, 'UNDEFINSTR: undefined instruction'],
  [1 << 17, 'INVSTATE: invalid state (e.g. branch to an address with bit 0 clear)'],
  [1 << 18, 'INVPC: invalid EXC_RETURN or integrity check on exception return'],
  [1 << 19, 'NOCP: coprocessor (FPU) access while disabled or absent'],
  [1 << 20, 'STKOF: stack pointer went below its limit (MSPLIM/PSPLIM)'],
  [1 << 24, 'UNALIGNED: unaligned access'],
  [1 << 25, 'DIVBYZERO: division by zero'],
];

const HFSR_WORDS: Array<[number, string]> = [
  [1 << 1, 'VECTTBL: bus fault reading the vector table'],
  [1 << 30, 'FORCED: a configurable fault escalated to HardFault (disabled or not allowed to preempt)'],
  [1 << 31, 'DEBUGEVT: debug event (BKPT) with no debugger attached'],
];

export function describeCfsr(cfsr: number): string[] {
  return CFSR_WORDS.filter(([bit]) => cfsr & bit).map(([, words]) => words);
}

export function describeHfsr(hfsr: number): string[] {
  return HFSR_WORDS.filter(([bit]) => hfsr & bit).map(([, words]) => words);
}

export interface FaultReport {
  /** HardFault, BusFault, lockup, ... */
  kind: string;
  summary: string;
  pc: number;
  pcSymbol?: string;
  lr: number;
  lrSymbol?: string;
  cfsr: number;
  hfsr: number;
  bfar?: number;
  mmfar?: number;
  stackedFrame?: { r0: number; r1: number; r2: number; r3: number; r12: number; lr: number; pc: number; xpsr: number };
  stackedPcSymbol?: string;
  recentBlocks?: Array<{ address: number; symbol?: string }>;
}

export function formatFaultReport(report: FaultReport): string {
  const lines: string[] = [];
  const sym = (s?: string) => (s ? ` <${s}>` : '');
  lines.push(`${report.kind}: ${report.summary}`);
  lines.push(`  PC ${hex(report.pc)}${sym(report.pcSymbol)}  LR ${hex(report.lr)}${sym(report.lrSymbol)}`);
  if (report.cfsr || report.hfsr) lines.push(`  CFSR ${hex(report.cfsr)}  HFSR ${hex(report.hfsr)}`);
  for (const words of [...describeHfsr(report.hfsr), ...describeCfsr(report.cfsr)]) lines.push(`    ${words}`);
  if (report.bfar !== undefined) lines.push(`  BFAR ${hex(report.bfar)}`);
  if (report.mmfar !== undefined) lines.push(`  MMFAR ${hex(report.mmfar)}`);
  const f = report.stackedFrame;
  if (f) {
    lines.push(`  stacked frame: R0 ${hex(f.r0)} R1 ${hex(f.r1)} R2 ${hex(f.r2)} R3 ${hex(f.r3)} R12 ${hex(f.r12)}`);
    lines.push(`                 LR ${hex(f.lr)} PC ${hex(f.pc)}${sym(report.stackedPcSymbol)} xPSR ${hex(f.xpsr)}`);
  }
  if (report.recentBlocks?.length) {
    lines.push(`  last ${report.recentBlocks.length} basic blocks (oldest first):`);
    for (const block of report.recentBlocks) lines.push(`    ${hex(block.address)}${sym(block.symbol)}`);
  }
  return lines.join('\n');
}
