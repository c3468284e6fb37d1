// FLASH quad-word programming at the model level (RM0481 §7.3.7), for what the guest-faults
// fixture does not reach: STRBERR, FW (force write), WRPERR from the WRP option bytes, bits only
// going from 1 to 0, the error interrupt, and the secure interface taking writes to 0x0C00_0000.
import { describe, expect, it } from 'vitest';
import { ModelBench } from '../helpers/model-bench.js';
import { Flash } from '../../peripherals/system/flash.js';

const FLASH = 0x4002_2000;
const NSKEYR = 0x04, SECKEYR = 0x08, OPTKEYR = 0x0c, OPTCR = 0x1c, NSSR = 0x20, SECSR = 0x24, NSCR = 0x28, SECCR = 0x2c, NSCCR = 0x30;
const WRP1R_PRG = 0xec, OPTSR_CUR = 0x50, OPTSR_PRG = 0x54;
const LOCK = 1 << 0, PG = 1 << 1, FW = 1 << 4;
const BSY = 1 << 0, WBNE = 1 << 1, EOP = 1 << 16, WRPERR = 1 << 17, PGSERR = 1 << 18, STRBERR = 1 << 19, INCERR = 1 << 20;

function setup() {
  const memory = new Uint8Array(2 * 1024 * 1024).fill(0xff);
  const b = new ModelBench({ frequencyHz: 64_000_000, options: { flashMemory: memory } });
  const flash = b.attach(new Flash(b.context('FLASH')), FLASH);
  b.log.strict = false;
  const unlock = (keyr = NSKEYR) => { b.write32(FLASH + keyr, 0x4567_0123); b.write32(FLASH + keyr, 0xcdef_89ab); };
  const word = (offset: number) => new DataView(memory.buffer).getUint32(offset, true);
  const store32 = (offset: number, value: number, secure = false) => flash.programWrite(offset, 4, value, secure);
  const settle = () => b.pollUntil(() => (b.read32(FLASH + NSSR) & BSY) === 0 && (b.read32(FLASH + SECSR) & BSY) === 0);
  return { b, flash, memory, unlock, word, store32, settle };
}

describe('FLASH programming', () => {
  it('programs only when all 16 bytes are written; programming ANDs with what flash holds', () => {
    const { b, unlock, word, store32, settle, memory } = setup();
    new DataView(memory.buffer).setUint32(0x2000, 0xffff_00ff, true);
    unlock();
    b.write32(FLASH + NSCR, PG);
    store32(0x2000, 0x1234_5678);
    store32(0x2004, 1);
    store32(0x2008, 2);
    expect(b.read32(FLASH + NSSR)).toBe(WBNE);
    expect(word(0x2004)).toBe(0xffff_ffff);
    store32(0x200c, 3);
    expect(b.read32(FLASH + NSSR) & (BSY | WBNE)).toBe(BSY);
    settle();
    expect(b.read32(FLASH + NSSR)).toBe(EOP);
    expect([word(0x2000), word(0x2004), word(0x2008), word(0x200c)]).toEqual([0x1234_0078, 1, 2, 3]);
  });

  it('a second write to a byte of the buffer is STRBERR; the quad-word is dropped', () => {
    const { b, unlock, word, store32 } = setup();
    unlock();
    b.write32(FLASH + NSCR, PG);
    store32(0x3000, 0xaaaa_aaaa);
    store32(0x3000, 0xbbbb_bbbb);
    expect(b.read32(FLASH + NSSR)).toBe(STRBERR);
    store32(0x3004, 1); store32(0x3008, 2); store32(0x300c, 3);
    expect(b.read32(FLASH + NSSR) & WBNE).toBe(WBNE); // the buffer restarted empty: 12 of 16 bytes
    expect(word(0x3000)).toBe(0xffff_ffff);
  });

  it('FW programs a partly written buffer, the rest left erased', () => {
    const { b, unlock, word, store32, settle } = setup();
    unlock();
    b.write32(FLASH + NSCR, PG);
    store32(0x4008, 0x0bad_f00d);
    b.write32(FLASH + NSCR, PG | FW);
    settle();
    expect(b.read32(FLASH + NSSR)).toBe(EOP);
    expect(b.read32(FLASH + NSCR) & FW).toBe(0);
    expect([word(0x4000), word(0x4008)]).toEqual([0xffff_ffff, 0x0bad_f00d]);
  });

  it('a sector the WRP option bytes protect refuses the write with WRPERR, and the enabled error interrupt fires', () => {
    const { b, unlock, store32, word } = setup();
    b.write32(FLASH + OPTKEYR, 0x0819_2a3b);
    b.write32(FLASH + OPTKEYR, 0x4c5d_6e7f);
    b.write32(FLASH + WRP1R_PRG, 0xffff_fffe); // group 0: sectors 0-3 of bank 1 protected
    b.write32(FLASH + OPTCR, 2); // OPTSTART
    unlock();
    b.write32(FLASH + NSCR, PG | WRPERR); // WRPERRIE sits at the flag's bit
    store32(0x0100, 0);
    expect(b.read32(FLASH + NSSR)).toBe(WRPERR);
    expect(b.irqLevel('FLASH')).toBe(true);
    expect(word(0x0100)).toBe(0xffff_ffff);
    b.write32(FLASH + NSCCR, WRPERR);
    expect(b.irqLevel('FLASH')).toBe(false);
    store32(4 * 8192, 0); // sector 4: not protected, goes to the buffer
    expect(b.read32(FLASH + NSSR)).toBe(WBNE);
  });

  it('writes through the secure alias go to SECCR/SECSR, which have their own lock', () => {
    const { b, unlock, store32 } = setup();
    unlock(NSKEYR);
    b.write32(FLASH + NSCR, PG);
    store32(0x5000, 0, true);
    expect(b.read32(FLASH + SECSR)).toBe(PGSERR);
    expect(b.read32(FLASH + NSSR)).toBe(0);
    unlock(SECKEYR);
    b.write32(FLASH + SECCR, PG);
    store32(0x5000, 0, true);
    store32(0x5010, 0, true);
    expect(b.read32(FLASH + SECSR) & (INCERR | PGSERR)).toBe(INCERR | PGSERR);
  });
});

describe('FLASH locks (RM0481 §7.9 register descriptions)', () => {
  it('a write with PG clear is refused with PGSERR and no bus error, locked or not; flash keeps its bytes', () => {
    const { b, unlock, store32, word } = setup();
    store32(0x6000, 0); // reset state: NSCR locked, PG clear
    expect(b.read32(FLASH + NSSR)).toBe(PGSERR);
    b.write32(FLASH + NSCCR, PGSERR);
    unlock();
    expect(b.read32(FLASH + NSCR) & (LOCK | PG)).toBe(0);
    store32(0x6010, 0); // unlocked, PG still clear (another address: the log keeps one line per access)
    expect(b.read32(FLASH + NSSR)).toBe(PGSERR);
    expect([word(0x6000), word(0x6010)]).toEqual([0xffff_ffff, 0xffff_ffff]);
    const errors = b.log.records.filter((r) => r.kind === 'guest-error').map((r) => r.message);
    expect(errors.some((m) => /NSCR is locked/.test(m))).toBe(true);
    expect(errors.some((m) => /NSCR\.PG is clear/.test(m))).toBe(true);
  });

  it('LOCK guards the control register, not the write buffer: PG set before LOCK still programs, and LOCK keeps PG', () => {
    const { b, unlock, store32, word, settle } = setup();
    unlock();
    b.write32(FLASH + NSCR, PG);
    b.write32(FLASH + NSCR, PG | LOCK);
    b.write32(FLASH + NSCR, 0); // locked: ignored, PG stays
    expect(b.read32(FLASH + NSCR) & (LOCK | PG)).toBe(LOCK | PG);
    for (let i = 0; i < 4; i++) store32(0x7000 + 4 * i, 0x1111_1111 * (i + 1));
    settle();
    expect(b.read32(FLASH + NSSR)).toBe(EOP);
    expect(word(0x700c)).toBe(0x4444_4444);
  });

  it('the key sequence written a second time while NSCR is unlocked locks it until reset', () => {
    const { b, flash, unlock } = setup();
    unlock();
    expect(b.read32(FLASH + NSCR) & LOCK).toBe(0);
    unlock();
    expect(b.read32(FLASH + NSCR) & LOCK).toBe(LOCK);
    unlock();
    expect(b.read32(FLASH + NSCR) & LOCK).toBe(LOCK); // blocked until reset
    expect(b.log.records.some((r) => r.kind === 'guest-error' && /already unlocked/.test(r.message))).toBe(true);
    flash.reset();
    unlock();
    expect(b.read32(FLASH + NSCR) & LOCK).toBe(0);
  });

  it('OPTLOCK guards the _PRG option registers: a write before the option keys is ignored and logged', () => {
    const { b } = setup();
    const before = b.read32(FLASH + OPTSR_PRG);
    b.write32(FLASH + OPTSR_PRG, before & ~(1 << 3)); // IWDG_SW = 0
    expect(b.read32(FLASH + OPTSR_PRG)).toBe(before);
    expect(b.log.records.some((r) => r.kind === 'guest-error' && /OPTSR_PRG written while OPTCR\.OPTLOCK/.test(r.message))).toBe(true);
    b.write32(FLASH + OPTCR, 2); // OPTSTART while locked: ignored too
    b.write32(FLASH + OPTKEYR, 0x0819_2a3b);
    b.write32(FLASH + OPTKEYR, 0x4c5d_6e7f);
    b.write32(FLASH + OPTSR_PRG, before & ~(1 << 3));
    expect(b.read32(FLASH + OPTSR_CUR)).toBe(before);
    b.write32(FLASH + OPTCR, 2);
    expect(b.read32(FLASH + OPTSR_CUR)).toBe(before & ~(1 << 3));
  });
});
