// The packet layer against a fake target: queries, registers, memory, breakpoints, execution, monitor.
import { describe, expect, it } from 'vitest';
import { memoryMapXml, targetDescriptionXml } from '../../emulator/gdb/protocol.js';
import { FakeTarget, FLASH_BASE, RAM_BASE } from './fake-target.js';
import { bytes, SessionHarness } from './rsp-client.js';

const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex');

describe('gdb protocol session', () => {
  it('announces its features and switches to no-ack mode', () => {
    const h = new SessionHarness(new FakeTarget());
    const supported = h.ask('qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+')!;
    for (const feature of ['PacketSize=4000', 'qXfer:features:read+', 'qXfer:memory-map:read+', 'QStartNoAckMode+', 'vContSupported+', 'swbreak+', 'hwbreak+']) {
      expect(supported.split(';')).toContain(feature);
    }
    const acksBefore = h.raw.filter((b) => b === 0x2b).length;
    expect(h.ask('QStartNoAckMode')).toBe('OK');
    h.ask('?');
    expect(h.raw.filter((b) => b === 0x2b).length).toBe(acksBefore + 1); // the QStartNoAckMode packet itself is acked
  });

  it('serves target.xml and the memory map in pieces', () => {
    const target = new FakeTarget();
    const h = new SessionHarness(target);
    const xml = targetDescriptionXml(target);
    let got = '';
    for (let offset = 0; ; offset += 100) {
      const reply = h.ask(`qXfer:features:read:target.xml:${offset.toString(16)},64`)!;
      got += reply.slice(1);
      if (reply[0] === 'l') break;
      expect(reply[0]).toBe('m');
    }
    expect(got.length).toBeGreaterThan(0);
    expect(xml.startsWith(got.slice(0, 64))).toBe(true);
    const whole = h.ask('qXfer:features:read:target.xml:0,3fff')!;
    expect(whole[0]).toBe('l');
    expect(whole.slice(1)).toBe(xml);
    expect(xml).toContain('<architecture>armv8-m.main</architecture>');
    expect(xml).toContain('<feature name="org.gnu.gdb.arm.m-profile">');
    expect(xml).toContain('<reg name="pc" bitsize="32" regnum="15" type="code_ptr"/>');
    expect(h.ask('qXfer:features:read:other.xml:0,100')).toBe('E00');
    const map = h.ask('qXfer:memory-map:read::0,3fff')!;
    expect(map.slice(1)).toBe(memoryMapXml(target.memoryMap()));
    expect(map).toContain('<memory type="flash" start="0x8000000" length="0x10000">');
    expect(map).toContain('<property name="blocksize">0x800</property>');
    expect(map).toContain('<memory type="ram" start="0x0" length="0x8000000"/>');
  });

  it('reads and writes registers with g/G/p/P', () => {
    const target = new FakeTarget();
    const h = new SessionHarness(target);
    const g = h.ask('g')!;
    expect(g.length).toBe((17 * 4 + 8) * 2);
    expect(g.slice(15 * 8, 16 * 8)).toBe('00000008');
    expect(h.ask('P1=78563412')).toBe('OK');
    expect(h.ask('p1')).toBe('78563412');
    expect(h.ask('P11=0102030405060708')).toBe('OK');
    expect(h.ask('p11')).toBe('0102030405060708');
    expect(h.ask('P11=01')).toBe('E01');
    expect(h.ask('p99')).toBe('E01');
    expect(h.ask('pzz')).toBe('E01');
    const all = 'ab'.repeat(17 * 4 + 8);
    expect(h.ask(`G${all}`)).toBe('OK');
    expect(h.ask('g')).toBe(all);
    expect(h.ask('Gabc')).toBe('E01');
  });

  it('reads and writes memory with m/M/X, partial reads included', () => {
    const target = new FakeTarget();
    const h = new SessionHarness(target);
    expect(h.ask(`M${RAM_BASE.toString(16)},4:deadbeef`)).toBe('OK');
    expect(h.ask(`m${RAM_BASE.toString(16)},4`)).toBe('deadbeef');
    // X: binary, with bytes that need escaping
    const data = Uint8Array.of(0x24, 0x23, 0x7d, 0x2a, 0x00, 0xff);
    expect(h.ask(Uint8Array.of(...bytes(`X${(RAM_BASE + 8).toString(16)},6:`), ...data))).toBe('OK');
    expect(h.ask(`m${(RAM_BASE + 8).toString(16)},6`)).toBe('24237d2a00ff');
    expect(h.ask(`X${RAM_BASE.toString(16)},0:`)).toBe('OK');
    // partial: the last 2 bytes of RAM then unmapped space
    expect(h.ask(`m${(RAM_BASE + 0xfffe).toString(16)},8`)).toBe('0000');
    expect(h.ask('m10000000,4')).toMatch(/^E/);
    expect(h.ask('M10000000,1:00')).toMatch(/^E/);
    expect(h.ask(`M${RAM_BASE.toString(16)},4:dead`)).toBe('E01');
    expect(h.ask('m,')).toBe('E01');
  });

  it('programs flash through vFlashErase / vFlashWrite / vFlashDone', () => {
    const target = new FakeTarget();
    const h = new SessionHarness(target);
    target.flash.fill(0);
    expect(h.ask(`vFlashErase:${FLASH_BASE.toString(16)},800`)).toBe('OK');
    expect(target.flash[0x7ff]).toBe(0xff);
    expect(target.flash[0x800]).toBe(0);
    expect(h.ask(Uint8Array.of(...bytes(`vFlashWrite:${FLASH_BASE.toString(16)}:`), 0x24, 0x01))).toBe('OK');
    expect([...target.flash.subarray(0, 3)]).toEqual([0x24, 0x01, 0xff]);
    expect(h.ask('vFlashDone')).toBe('OK');
    expect(target.flashDoneCalls).toBe(1);
  });

  it('inserts and removes breakpoints and watchpoints', () => {
    const target = new FakeTarget();
    const h = new SessionHarness(target);
    expect(h.ask('Z0,8000100,2')).toBe('OK');
    expect(h.ask('Z1,8000200,4')).toBe('OK');
    expect([...target.breakpoints]).toEqual([0x8000100, 0x8000200]);
    expect(h.ask('z0,8000100,2')).toBe('OK');
    expect(h.ask('Z2,20000010,4')).toBe('OK');
    expect(h.ask('Z3,20000020,1')).toBe('OK');
    expect(h.ask('Z4,20000030,2')).toBe('OK');
    expect(target.watchpoints.map((w) => w.watch)).toEqual(['write', 'read', 'access']);
    expect(h.ask('z3,20000020,1')).toBe('OK');
    expect(target.watchpoints).toHaveLength(2);
    expect(h.ask('Z9,0,0')).toBe('E01');
    expect(h.ask('Z2,20000000,0')).toBe('E01');
    expect(h.ask('Z0,xyz,2')).toBe('E01');
  });

  it('continues to a breakpoint and reports swbreak with the thread; steps; vCont', async () => {
    const target = new FakeTarget();
    const h = new SessionHarness(target);
    h.ask('qSupported:swbreak+;hwbreak+');
    expect(h.ask('vCont?')).toBe('vCont;c;C;s;S');
    h.ask('Z0,8000010,2');
    let n = h.replies.length;
    expect(h.ask('vCont;c')).toBeUndefined();
    expect(await h.replyAt(n)).toBe('T05swbreak:;0f:10000008;thread:1;');
    n = h.replies.length;
    h.send('vCont;s:1;c');
    expect(await h.replyAt(n)).toBe('T050f:12000008;thread:1;');
    n = h.replies.length;
    h.send('s');
    expect(await h.replyAt(n)).toBe('T050f:14000008;thread:1;');
    expect(h.ask('?')).toBe('T050f:14000008;thread:1;');
    n = h.replies.length;
    h.send('c8000000');
    expect(await h.replyAt(n)).toMatch(/^T05swbreak:;0f:10000008/);
  });

  it('interrupts a running target with 0x03 (T02) and ignores packets while it runs', async () => {
    const target = new FakeTarget();
    const h = new SessionHarness(target);
    const n = h.replies.length;
    h.send('c');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(target.running).toBe(true);
    h.send('g'); // all-stop: dropped
    h.session.receive(Uint8Array.of(0x03));
    expect(await h.replyAt(n)).toBe('T020f:00000008;thread:1;');
    expect(h.replies).toHaveLength(n + 1);
  });

  it('answers thread and session queries, detaches and kills', () => {
    const target = new FakeTarget();
    const h = new SessionHarness(target);
    expect(h.ask('qAttached')).toBe('1');
    expect(h.ask('qC')).toBe('QC1');
    expect(h.ask('qfThreadInfo')).toBe('m1');
    expect(h.ask('qsThreadInfo')).toBe('l');
    expect(h.ask('qOffsets')).toBe('Text=0;Data=0;Bss=0');
    expect(h.ask('Hg0')).toBe('OK');
    expect(h.ask('qTStatus')).toBe('');
    expect(h.ask('vMustReplyEmpty')).toBe('');
    expect(h.ask('!')).toBe('');
    expect(h.ask('D')).toBe('OK');
    expect(h.detached && h.closed).toBe(true);
    const k = new SessionHarness(new FakeTarget());
    expect(k.ask('k')).toBeUndefined();
    expect(k.killed && k.closed).toBe(true);
  });

  it('reports a semihosting exit as W and a fault as O text followed by T0b', async () => {
    const target = new FakeTarget();
    const h = new SessionHarness(target);
    target.exitOnResume = 7;
    let n = h.replies.length;
    h.send('c');
    expect(await h.replyAt(n)).toBe('W07');
    target.exitOnResume = null;
    target.resume = async () => ({ kind: 'fault', signal: 11, report: 'HardFault: boom' });
    n = h.replies.length;
    h.send('c');
    expect(await h.replyAt(n)).toBe(`O${hex('HardFault: boom\n')}`);
    expect(await h.replyAt(n + 1)).toBe('T0b0f:00000008;thread:1;');
  });

  it('runs monitor commands through qRcmd', () => {
    const target = new FakeTarget();
    const h = new SessionHarness(target);
    target.setPc(0x8000123);
    let n = h.replies.length;
    expect(h.ask(`qRcmd,${hex('reset')}`)).toBe('OK');
    expect(target.resets).toBe(1);
    expect(Buffer.from(h.replies[n]!.slice(1), 'hex').toString()).toBe('reset: halted at 0x08000000\n');
    n = h.replies.length;
    h.ask(`qRcmd,${hex('ping')}`);
    expect(Buffer.from(h.replies[n]!.slice(1), 'hex').toString()).toBe('pong\n');
    n = h.replies.length;
    h.ask(`qRcmd,${hex('frobnicate')}`);
    expect(Buffer.from(h.replies[n]!.slice(1), 'hex').toString()).toContain('unknown monitor command');
    expect(h.ask('qRcmd,zz')).toBe('E01');
  });

  it('answers unknown packets with an empty reply', () => {
    const h = new SessionHarness(new FakeTarget());
    for (const p of ['jMemoryTagging', 'Qfoo', 'qXfer:exec-file:read::0,100', 'vFoo', '~', 'bc']) expect(h.ask(p)).toBe('');
  });

  it('resends its last reply on a nack', () => {
    const h = new SessionHarness(new FakeTarget());
    h.ask('qC');
    const count = h.replies.length;
    h.session.receive(Uint8Array.of(0x2d));
    expect(h.replies.length).toBe(count + 1);
    expect(h.replies[count]).toBe('QC1');
  });
});
