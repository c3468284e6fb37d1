// The firmware key-log watcher against the compiled lib/tls13 (mqtt-tls.elf, -O2, on the Cortex-M33
// engine): the real hkdf_expand_label and sha256 run; only the two crypto entry points the watcher
// hooks are answered from TypeScript (the HASH block is not what this test is about), so the bytes
// the watcher parses are exactly those the compiled code lays out.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/fixtures.js';
import { describe, expect, it } from 'vitest';
import { Reg } from '../../emulator/core/engine.js';
import { Machine } from '../../emulator/machine/machine.js';
import { stm32h563 } from '../../emulator/machine/stm32h563.js';
import { KeyLogWriter, symbolsFromElf, watchFirmwareKeySchedule, type FunctionEntry } from '../../emulator/tls/index.js';

const root = new URL('../..', import.meta.url).pathname;
const elfPath = `${root}firmware-fixtures/build/mqtt-tls.elf`;
// Built by scripts/build-fixtures.sh; a missing or failed build fails these tests.
fixture('mqtt-tls');

describe('firmware key log on the compiled lib/tls13', () => {
  it('recovers the secrets hkdf_expand_label computes, and the ClientHello random from the transcript hash', () => {
    const machine = new Machine(stm32h563, { strict: false, console: () => {}, logSink: () => {} });
    try {
      const elf = machine.loadElf(readFileSync(elfPath), elfPath);
      machine.reset();
      const engine = machine.engine;
      const symbols = symbolsFromElf(elf.symbols);
      const at = (name: string) => symbols.get(name)!.address & ~1;
      const entry = (): FunctionEntry => ({
        r0: engine.readRegister(Reg.R0) >>> 0, r1: engine.readRegister(Reg.R1) >>> 0, r2: engine.readRegister(Reg.R2) >>> 0,
        r3: engine.readRegister(Reg.R3) >>> 0, sp: engine.readRegister(Reg.SP) >>> 0,
      });
      const writer = new KeyLogWriter();
      const watcher = watchFirmwareKeySchedule({
        symbols, readMemory: (address, length) => engine.readMemory(address, length),
        onFunctionEntry: (address, callback) => engine.addCodeHook(address, address, () => callback(entry())),
      }, writer);

      const u32 = (address: number) => Buffer.from(engine.readMemory(address, 4)).readUInt32LE(0);
      const parts = (table: number, count: number) => Buffer.concat(Array.from({ length: count }, (_, i) =>
        Buffer.from(engine.readMemory(u32(table + 8 * i), u32(table + 8 * i + 4)))));
      // Unicorn takes the Thumb state from bit 0 of a PC write: keep it set.
      const returnToCaller = () => engine.writeRegister(Reg.PC, engine.readRegister(Reg.LR) | 1);
      // Stand-ins for the HASH block, after the watcher's hooks (registered first) have looked.
      engine.addCodeHook(at('crypto_hmac_sha256'), at('crypto_hmac_sha256'), () => {
        const { r0, r1, r2, r3, sp } = entry();
        const mac = createHmac('sha256', Buffer.from(engine.readMemory(r0, r1))).update(parts(r2, r3)).digest();
        engine.writeMemory(u32(sp), mac);
        returnToCaller();
      });
      engine.addCodeHook(at('crypto_sha256'), at('crypto_sha256'), () => {
        const { r0, r1, r2 } = entry();
        engine.writeMemory(r2, createHash('sha256').update(parts(r0, r1)).digest());
        returnToCaller();
      });
      const sentinel = at('tls_close'); // never reached by these calls: a return address to stop at
      engine.addCodeHook(sentinel, sentinel, () => engine.stopBeforeCurrentInstruction());
      const stackTop = engine.readRegister(Reg.SP) >>> 0;
      const call = (name: string, args: number[], stacked: number[] = []) => {
        const sp = (stackTop - 0x800) >>> 0;
        stacked.forEach((value, i) => { const b = Buffer.alloc(4); b.writeUInt32LE(value >>> 0); engine.writeMemory(sp + 4 * i, b); });
        args.forEach((value, i) => engine.writeRegister(Reg.R0 + i, value >>> 0));
        engine.writeRegister(Reg.SP, sp);
        engine.writeRegister(Reg.LR, sentinel | 1);
        engine.writeRegister(Reg.PC, at(name));
        const { stop } = engine.run(200_000);
        expect(stop, `${name} returned: ${JSON.stringify(stop)} pc=0x${(engine.readRegister(Reg.PC) >>> 0).toString(16)}`).toMatchObject({ kind: 'requested' });
        expect(engine.readRegister(Reg.PC) & ~1).toBe(sentinel);
      };

      const scratch = 0x2008_0000;
      const random = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 5) & 0xff));
      const body = [3, 3, ...random, 0, 0, 2, 0x13, 0x01, 1, 0];
      const clientHello = Buffer.from([1, 0, 0, body.length, ...body]);
      engine.writeMemory(scratch, clientHello);
      call('sha256', [scratch, clientHello.length, scratch + 0x100]); // transcript_hash(): ClientHello first
      const transcriptHash = Buffer.from(engine.readMemory(scratch + 0x100, 32));
      expect(transcriptHash).toEqual(createHash('sha256').update(clientHello).digest());

      const handshakeSecret = Buffer.alloc(32, 0x42);
      engine.writeMemory(scratch + 0x200, handshakeSecret);
      const derive = (label: string, out: number) => {
        engine.writeMemory(scratch + 0x300, Buffer.from(`${label}\0`));
        call('hkdf_expand_label', [scratch + 0x200, scratch + 0x300, scratch + 0x100, 32], [out, 32]);
        return Buffer.from(engine.readMemory(out, 32));
      };
      const clientSecret = derive('c hs traffic', scratch + 0x400);
      const serverSecret = derive('s hs traffic', scratch + 0x440);
      // RFC 8446 §7.1 computed here independently: HKDF-Expand-Label(secret, label, transcript hash, 32).
      const expected = (label: string) => {
        const full = Buffer.from(`tls13 ${label}`);
        return createHmac('sha256', handshakeSecret).update(Buffer.concat([Buffer.from([0, 32, full.length]), full, Buffer.from([32]), transcriptHash, Buffer.from([1])])).digest();
      };
      expect(clientSecret).toEqual(expected('c hs traffic'));
      expect(serverSecret).toEqual(expected('s hs traffic'));
      const r = random.toString('hex');
      expect(writer.lines).toEqual([
        `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${r} ${clientSecret.toString('hex')}`,
        `SERVER_HANDSHAKE_TRAFFIC_SECRET ${r} ${serverSecret.toString('hex')}`,
      ]);
      expect(watcher.status()).toMatchObject({ clientHellos: 1, secrets: 2, warnings: [] });
    } finally {
      machine.close();
    }
  });
});
