// Guest faults stay in the guest (issue 8) — one fixture variant per way firmware can misbehave
// (firmware-fixtures/guest-faults). Each case checks the architected outcome the firmware's own
// fault handler printed (which handler, CFSR/HFSR, MMFAR/BFAR, stacked PC), h5sim's host-side
// report (kind, PC and symbol, register names in words), and that the host carries on.
import { describe, expect, it } from 'vitest';
import { Simulation, type RunResult } from '../../emulator/harness/simulation.js';
import { formatFaultReport, type FaultReport } from '../../emulator/diagnostics/fault-report.js';
import { fixture } from '../helpers/fixtures.js';

interface CaseRun { result: RunResult; console: string; log: string[]; report: FaultReport | null; text: string; symbol: (address: number) => string | undefined }

async function runCase(variant: string): Promise<CaseRun> {
  const log: string[] = [];
  const sim = await Simulation.load(fixture(`guest-faults-${variant}`), { log: (line) => log.push(line), traceBlocks: 4 });
  try {
    const result = await sim.runFor('100ms');
    const report = result.fault ?? sim.machine.core.lastFault;
    // A second run must answer at once with the same end (no host hang after a lockup).
    const again = await sim.runFor('1ms');
    expect(again.reason).toBe(result.reason === 'exit' ? 'exit' : result.reason);
    return {
      result, console: sim.consoleText, log, report, text: report ? formatFaultReport(report) : '',
      symbol: (address) => sim.machine.core.symbol(address),
    };
  } finally {
    await sim.close();
  }
}

/** The line the fixture's handler printed: "<Handler>: CFSR xxxxxxxx HFSR xxxxxxxx [MMFAR|BFAR x] stacked PC x". */
function handlerLine(console: string): { handler: string; cfsr: number; hfsr: number; mmfar?: number; bfar?: number; stackedPc: number } {
  const match = /(\w+): CFSR ([0-9a-f]{8}) HFSR ([0-9a-f]{8})(?: MMFAR ([0-9a-f]{8}))?(?: BFAR ([0-9a-f]{8}))? stacked PC ([0-9a-f]{8})/.exec(console);
  if (!match) throw new Error(`no fault handler line in:\n${console}`);
  const n = (s?: string) => (s === undefined ? undefined : parseInt(s, 16));
  return { handler: match[1]!, cfsr: n(match[2])!, hfsr: n(match[3])!, mmfar: n(match[4]), bfar: n(match[5]), stackedPc: n(match[6])! };
}

const CFSR_IACCVIOL = 1 << 0;
const CFSR_MMARVALID = 1 << 7;
const CFSR_INVSTATE = 1 << 17;
const CFSR_STKOF = 1 << 20;
const HFSR_FORCED = 0x4000_0000;

describe('guest faults: bad vector table', () => {
  it('an SVCall vector without its Thumb bit faults INVSTATE on the handler address, escalated to HardFault (SVCall is active at priority 0)', async () => {
    const run = await runCase('vector-even');
    expect(run.result).toMatchObject({ reason: 'exit', exitCode: 10 });
    const line = handlerLine(run.console);
    expect(line).toMatchObject({ handler: 'HardFault', cfsr: CFSR_INVSTATE, hfsr: HFSR_FORCED });
    expect(run.symbol(line.stackedPc)).toBe('SVC_Handler');
    expect(run.console).not.toContain('SVC handler ran');
    expect(run.report).toMatchObject({ kind: 'HardFault', pcSymbol: 'SVC_Handler' });
    expect(run.text).toMatch(/INVSTATE: invalid state/);
    expect(run.text).toMatch(/FORCED: a configurable fault escalated to HardFault/);
  });

  it('a table of garbage (handlers in the execute-never PPB) ends in a lockup report, not a host hang', async () => {
    const run = await runCase('vector-garbage');
    expect(run.result.reason).toBe('lockup');
    expect(run.report!.pc >>> 0).toBe(0xe00f_f000);
    expect(run.report!.cfsr & CFSR_IACCVIOL).toBeTruthy();
    expect(run.text).toMatch(/^lockup: fault while at HardFault\/NMI priority \(IACCVIOL\)/);
    expect(run.text).toContain('PC 0xe00ff000');
    expect(run.text).toMatch(/IACCVIOL: instruction fetch from a location that does not permit execution/);
  });
});

describe('guest faults: bad reset vector', () => {
  /** hello with its reset vector replaced, then a reset: what the core does with it. */
  async function resetWith(vector: number): Promise<{ result: RunResult; console: string; text: string }> {
    const sim = await Simulation.load(fixture('hello'));
    try {
      const word = new Uint8Array(4);
      new DataView(word.buffer).setUint32(0, vector, true);
      expect(sim.machine.bus.debugWrite(0x0800_0004, word)).toBe(true);
      sim.machine.reset();
      const result = await sim.runFor('10ms');
      const report = result.fault ?? sim.machine.core.lastFault;
      return { result, console: sim.consoleText, text: report ? formatFaultReport(report) : '' };
    } finally {
      await sim.close();
    }
  }

  it('a reset vector into unmapped space (0x60000001, FMC bank 1 with no memory) is an IBUSERR bus fault escalated to HardFault', async () => {
    const run = await resetWith(0x6000_0001);
    // hello's HardFault handler is the common Default_Handler: it prints IPSR and exits 100 + 3.
    expect(run.result).toMatchObject({ reason: 'exit', exitCode: 103 });
    expect(run.console).toContain('unexpected exception 3');
    expect(run.text).toMatch(/^HardFault: instruction fetch from 0x60000000 \(nothing is mapped there\): IBUSERR/);
    expect(run.text).toMatch(/IBUSERR: bus error on instruction fetch/);
    expect(run.text).toMatch(/FORCED/);
  });

  it('a reset vector without the Thumb bit is INVSTATE on the first instruction, escalated to HardFault', async () => {
    const sim = await Simulation.load(fixture('hello'));
    const entry = sim.machine.bus.debugRead(0x0800_0004, 4)!;
    await sim.close();
    const run = await resetWith(new DataView(entry.buffer).getUint32(0, true) & ~1);
    expect(run.result).toMatchObject({ reason: 'exit', exitCode: 103 });
    expect(run.text).toMatch(/^HardFault: INVSTATE/);
    expect(run.text).toMatch(/<Reset_Handler>/);
  });
});

describe('guest faults: thread stack overflow under PSPLIM', () => {
  it('recursion on PSP below PSPLIM is a UsageFault STKOF naming the function and the limit', async () => {
    const run = await runCase('stkof');
    expect(run.result).toMatchObject({ reason: 'exit', exitCode: 13 });
    const line = handlerLine(run.console);
    expect(line).toMatchObject({ handler: 'UsageFault', cfsr: CFSR_STKOF, hfsr: 0 });
    expect(run.symbol(line.stackedPc)).toMatch(/^recurse_forever/);
    const limit = /PSPLIM ([0-9a-f]{8}) PSP/.exec(run.console)![1]!;
    expect(run.report).toMatchObject({ kind: 'UsageFault' });
    expect(run.report!.pcSymbol).toMatch(/^recurse_forever/);
    expect(run.text).toMatch(/STKOF: stack pointer went below its limit/);
    expect(run.text).toContain(`PSPLIM 0x${limit}`);
  });

  it('a UsageFault handler that spins ends the run with the fault report: stacked PC in recurse_forever, the limit and its symbol', async () => {
    const run = await runCase('stkof-spin');
    expect(run.result.reason).toBe('fault');
    expect(run.report).toMatchObject({ kind: 'UsageFault', pcSymbol: 'UsageFault_Handler' });
    expect(run.report!.stackedPcSymbol).toMatch(/^recurse_forever/);
    expect(run.report!.cfsr).toBe(CFSR_STKOF);
    const limit = /PSPLIM ([0-9a-f]{8})\n/.exec(run.console)![1]!;
    expect(run.text).toMatch(new RegExp(`^UsageFault: firmware is looping in its UsageFault handler at 0x[0-9a-f]{8} <UsageFault_Handler>; STKOF; PSPLIM 0x${limit}, PSP 0x[0-9a-f]{8} \\(limit at <thread_stack\\+0x100>\\)`));
    expect(run.text).toMatch(/stacked frame: .*\n.* PC 0x[0-9a-f]{8} <recurse_forever\+0x[0-9a-f]+>/);
  });

  it('with UsageFault disabled the same overflow escalates to HardFault with STKOF and FORCED', async () => {
    const run = await runCase('stkof-hardfault');
    expect(run.result).toMatchObject({ reason: 'exit', exitCode: 10 });
    expect(handlerLine(run.console)).toMatchObject({ handler: 'HardFault', cfsr: CFSR_STKOF, hfsr: HFSR_FORCED });
    expect(run.report).toMatchObject({ kind: 'HardFault' });
    expect(run.report!.pcSymbol).toMatch(/^recurse_forever/);
    expect(run.text).toMatch(/STKOF/);
  });
});

describe('guest faults: unaligned access with CCR.UNALIGN_TRP', () => {
  const CFSR_UNALIGNED = 1 << 24;
  it('an unaligned word load is a UsageFault UNALIGNED at the load, in load_word', async () => {
    const run = await runCase('unaligned-load');
    expect(run.result).toMatchObject({ reason: 'exit', exitCode: 13 });
    const line = handlerLine(run.console);
    expect(line).toMatchObject({ handler: 'UsageFault', cfsr: CFSR_UNALIGNED, hfsr: 0 });
    expect(run.symbol(line.stackedPc)).toBe('load_word');
    expect(run.report).toMatchObject({ kind: 'UsageFault', pcSymbol: 'load_word' });
    expect(run.text).toMatch(/^UsageFault: unaligned 4-byte read of 0x2[0-9a-f]{7} with CCR.UNALIGN_TRP set/);
    expect(run.text).toMatch(/UNALIGNED: unaligned access/);
  });

  it('an unaligned halfword store faults before it changes memory', async () => {
    const run = await runCase('unaligned-store');
    expect(run.result).toMatchObject({ reason: 'exit', exitCode: 13 });
    expect(handlerLine(run.console)).toMatchObject({ handler: 'UsageFault', cfsr: CFSR_UNALIGNED });
    expect(run.symbol(handlerLine(run.console).stackedPc)).toBe('store_halfword');
    expect(run.console).toContain('words[1] 22222222');
    expect(run.text).toMatch(/unaligned 2-byte write/);
  });

  it('without UNALIGN_TRP the same load completes, as on silicon', async () => {
    const run = await runCase('unaligned-allowed');
    expect(run.result).toMatchObject({ reason: 'exit', exitCode: 0 });
    expect(run.console).toContain('unaligned load returned 22111111');
  });
});

describe('guest faults: executing from execute-never space', () => {
  for (const [variant, address] of [['xn-peripheral', 0x4000_0000], ['xn-system', 0xe000_1000]] as const) {
    it(`a call to ${address.toString(16)} (${variant}) is a MemManage IACCVIOL with the target as stacked PC and no MMFAR`, async () => {
      const run = await runCase(variant);
      expect(run.result).toMatchObject({ reason: 'exit', exitCode: 11 });
      const line = handlerLine(run.console);
      expect(line).toMatchObject({ handler: 'MemManage', cfsr: CFSR_IACCVIOL, hfsr: 0, stackedPc: address });
      expect(line.cfsr & CFSR_MMARVALID).toBe(0);
      expect(run.report).toMatchObject({ kind: 'MemManage', pc: address });
      expect(run.report!.lrSymbol).toMatch(/^jump_to|^main/);
      expect(run.text).toMatch(/IACCVIOL: instruction fetch from a location that does not permit execution/);
      expect(run.text).toMatch(new RegExp(`^MemManage: instruction fetch from 0x${address.toString(16).padStart(8, '0')} \\(execute-never region of the memory map\\): IACCVIOL`));
    });
  }
});

describe('guest faults: writing flash', () => {
  it('a write while FLASH_NSCR is locked leaves flash unchanged, sets PGSERR (cleared through NSCCR) and logs the address and PC', async () => {
    const run = await runCase('flash-locked');
    expect(run.result).toMatchObject({ reason: 'exit', exitCode: 0 });
    expect(run.console).toContain('after a write while locked: NSSR 00040000 word ffffffff');
    expect(run.console).toContain('after NSCCR: NSSR 00000000');
    const error = run.log.find((l) => l.includes('write to flash memory ignored'));
    expect(error).toMatch(/\(0x081fe000\) value 0x12345678 at PC 0x[0-9a-f]{8} <write_flash_word\+0x[0-9a-f]+>/);
    expect(error).toMatch(/NSCR is locked .*PGSERR set/);
  });

  it('unlock, PG and four word writes program one quad-word (WBNE while partial, EOP after); a write to another quad-word before the buffer is full is INCERR', async () => {
    const run = await runCase('flash-program');
    expect(run.result).toMatchObject({ reason: 'exit', exitCode: 0 });
    expect(run.console).toContain('after two words: NSSR 00000002 word0 ffffffff');
    expect(run.console).toContain('programmed: NSSR 00010000 words a1a2a3a4 b1b2b3b4 c1c2c3c4 d1d2d3d4');
    expect(run.console).toContain('inconsistent: NSSR 00110000 word4 ffffffff');
    expect(run.console).toContain('locked again: NSCR 00000001 NSSR 00000000');
    expect(run.log.some((l) => /INCERR set/.test(l))).toBe(true);
  });
});

describe('after every guest fault', () => {
  it('the host process still loads and runs firmware normally', async () => {
    const sim = await Simulation.load(fixture('hello'));
    const result = await sim.runFor('1s');
    await sim.close();
    expect(result).toMatchObject({ reason: 'exit', exitCode: 7 });
  });
});
