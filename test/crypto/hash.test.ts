import { describe, expect, it } from 'vitest';
import { ModelBench } from '../helpers/model-bench.js';
import { HashModel } from '../../peripherals/crypto/hash.js';
import { ALGO, BLOCK_BYTES, HalHash, HASH_BASE, hex, opensslDigest, type AlgoName } from './hal-like.js';

function setup() {
  const bench = new ModelBench();
  const model = bench.attach(new HashModel(bench.context('HASH'), HASH_BASE), HASH_BASE);
  return { bench, model, hal: new HalHash(bench) };
}

/** Deterministic test bytes of a given length. */
function message(length: number, salt = 0): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + salt * 7 + 5) & 0xff);
}

const ALGOS = Object.keys(ALGO) as AlgoName[];

describe('HASH digests against openssl dgst', () => {
  it.each(ALGOS)('%s over lengths around block and word boundaries', (algo) => {
    const { hal } = setup();
    hal.init(algo);
    const block = BLOCK_BYTES[algo];
    for (const length of [0, 1, 3, 4, 55, 56, 63, 64, 65, block - 1, block, block + 1, 3 * block + 2, 1000]) {
      const data = message(length, length);
      expect(hex(hal.start(algo, data)), `${algo} length ${length}`).toBe(opensslDigest(algo, data));
    }
  });

  it('SHA-256 with 32-bit (no swap) and 16-bit data types matches the byte-order rules', () => {
    const { hal, bench } = setup();
    const data = message(64);
    // 32-bit data: the CPU writes words whose value is the big-endian reading of the message.
    hal.init('sha256', 0);
    hal.modify(0x00, 0, 1 << 2);
    for (let i = 0; i < 64; i += 4) bench.write32(HASH_BASE + 4, ((data[i]! << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!) >>> 0);
    hal.modify(0x08, 0, 1 << 8);
    hal.waitFlag(2, true);
    expect(hex(hal.digest('sha256'))).toBe(opensslDigest('sha256', data));
    // 16-bit data: half-words swapped.
    hal.init('sha256', 1);
    hal.modify(0x00, 0, 1 << 2);
    for (let i = 0; i < 64; i += 4) bench.write32(HASH_BASE + 4, ((data[i + 2]! << 24) | (data[i + 3]! << 16) | (data[i]! << 8) | data[i + 1]!) >>> 0);
    hal.modify(0x08, 0, 1 << 8);
    hal.waitFlag(2, true);
    expect(hex(hal.digest('sha256'))).toBe(opensslDigest('sha256', data));
  });

  it('accumulates over several calls (HAL_HASH_Accumulate / AccumulateLast)', () => {
    const { hal } = setup();
    hal.init('sha256');
    const data = message(300);
    hal.accumulate(data.subarray(0, 64), true);
    hal.accumulate(data.subarray(64, 200), false);
    expect(hex(hal.accumulateLast('sha256', data.subarray(200)))).toBe(opensslDigest('sha256', data));
  });
});

describe('HMAC against openssl dgst -mac HMAC', () => {
  it.each(ALGOS)('%s with short, block-sized and long keys', (algo) => {
    const { hal } = setup();
    hal.init(algo);
    const block = BLOCK_BYTES[algo];
    for (const keyLength of [1, 13, 20, block, block + 1, 200]) {
      for (const length of [0, 5, 64, 131]) {
        const key = message(keyLength, 99);
        const data = message(length, keyLength);
        expect(hex(hal.hmac(algo, key, data)), `${algo} key ${keyLength} msg ${length}`).toBe(opensslDigest(algo, data, key));
      }
    }
  });
});

describe('HMAC key length and CR.LKEY (RM0481 §35)', () => {
  it.each(['sha256', 'sha512'] as AlgoName[])('%s: a key longer than the block with LKEY=1 gives the HMAC openssl computes, no guest error', (algo) => {
    const { hal, bench } = setup();
    hal.init(algo);
    const key = message(BLOCK_BYTES[algo] + 37, 11);
    const data = message(100, 12);
    expect(hex(hal.hmac(algo, key, data, true))).toBe(opensslDigest(algo, data, key));
    expect((hal.reg(0x00) >>> 16) & 1).toBe(1);
    expect(bench.log.records.filter((r) => r.kind === 'guest-error')).toEqual([]);
  });

  it('LKEY=1 with a short key: the core still hashes the key and uses its digest (= HMAC keyed with that digest)', () => {
    const { hal } = setup();
    hal.init('sha256');
    const key = message(20, 13);
    const data = message(64, 14);
    const keyDigest = Buffer.from(opensslDigest('sha256', key), 'hex');
    const mac = hex(hal.hmac('sha256', key, data, true));
    expect(mac).toBe(opensslDigest('sha256', data, keyDigest));
    expect(mac).not.toBe(opensslDigest('sha256', data, key));
  });

  it.each(['sha1', 'sha384'] as AlgoName[])('%s: a long key with LKEY=0 is used unhashed, not as HMAC, and the guest error names CR.LKEY', (algo) => {
    const bench = new ModelBench({ strict: false });
    bench.attach(new HashModel(bench.context('HASH'), HASH_BASE), HASH_BASE);
    const hal = new HalHash(bench);
    hal.init(algo);
    const block = BLOCK_BYTES[algo];
    const key = message(block + 9, 15);
    const data = message(70, 16);
    const mac = hex(hal.hmac(algo, key, data, false));
    expect(mac).not.toBe(opensslDigest(algo, data, key));
    // The key as written, zero-padded to two blocks, XORed with ipad and opad over its whole length.
    const k0 = new Uint8Array(2 * block);
    k0.set(key);
    const inner = Buffer.from(opensslDigest(algo, Buffer.concat([k0.map((b) => b ^ 0x36), data])), 'hex');
    expect(mac).toBe(opensslDigest(algo, Buffer.concat([k0.map((b) => b ^ 0x5c), inner])));
    const errors = bench.log.records.filter((r) => r.kind === 'guest-error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ register: 'CR', field: 'LKEY' });
    expect(errors[0]!.message).toMatch(new RegExp(`HMAC key of ${block + 9} bytes .* CR\\.LKEY=0`));
  });

  it('in strict mode the DCAL that closes a long key written with LKEY=0 throws, naming CR.LKEY', () => {
    const { hal } = setup();
    hal.init('sha256');
    expect(() => hal.hmac('sha256', message(65, 17), message(8), false)).toThrow(/LKEY/);
  });
});

describe('HASH flags, timing and interrupts', () => {
  it('keeps BUSY for the block time, with NBWE counting the first 17 words', () => {
    const { hal, bench } = setup();
    hal.init('sha256');
    hal.modify(0x00, 0, 1 << 2);
    const sr0 = hal.reg(0x24);
    expect(sr0 & 1).toBe(1); // DINIS: FIFO ready after INIT
    expect((sr0 >>> 16) & 0x1f).toBe(17);
    for (let i = 0; i < 16; i++) hal.set(0x04, i);
    expect((hal.reg(0x24) >>> 16) & 0x1f).toBe(1);
    expect((hal.reg(0x24) >>> 9) & 0x1f).toBe(16);
    expect(hal.reg(0x24) & (1 << 15)).not.toBe(0); // DINNE
    hal.set(0x04, 16);
    expect(hal.reg(0x24) & 8).toBe(8); // BUSY
    const spent = hal.waitFlag(8, false);
    expect(spent).toBeGreaterThanOrEqual(60);
    expect(spent).toBeLessThan(100);
    expect(hal.reg(0x24) & 1).toBe(1); // DINIS again
    expect((hal.reg(0x24) >>> 16) & 0x1f).toBe(16);
    hal.modify(0x08, 0, 1 << 8);
    expect(hal.reg(0x24) & 2).toBe(0);
    bench.runCycles(1000);
    expect(hal.reg(0x24) & 2).toBe(2);
  });

  it('raises the IRQ for DCIS only when DCIE is set, and DINIS with DINIE', () => {
    const { hal, bench } = setup();
    hal.init('sha1');
    hal.modify(0x00, 0, 1 << 2);
    expect(bench.irqLevel('HASH')).toBe(false);
    hal.set(0x20, 1); // DINIE: DINIS is set after INIT
    expect(bench.irqLevel('HASH')).toBe(true);
    hal.set(0x20, 2);
    expect(bench.irqLevel('HASH')).toBe(false);
    hal.set(0x04, 0x61626300);
    hal.modify(0x08, 0x1f, 24);
    hal.modify(0x08, 0, 1 << 8);
    expect(bench.irqLevel('HASH')).toBe(false);
    bench.runCycles(500);
    expect(bench.irqLevel('HASH')).toBe(true);
    hal.set(0x24, ~2 >>> 0); // clear DCIS by writing 0
    expect(bench.irqLevel('HASH')).toBe(false);
  });

  it('drives the DMA request line when DMAE is set (GPDMA itself is not modelled)', () => {
    const { hal, bench } = setup();
    hal.init('sha256');
    hal.modify(0x00, 0, (1 << 3) | (1 << 2));
    expect(bench.signals.get('HASH.dma_request').value).toBe(1);
    expect(hal.reg(0x24) & 4).toBe(4); // DMAS
    hal.modify(0x00, 1 << 3, 0);
    expect(bench.signals.get('HASH.dma_request').value).toBe(0);
  });
});

describe('HASH interrupt-driven feeding (HAL_HASH_Start_IT and HASH_WriteData_IT)', () => {
  it.each([0, 3, 64, 65, 200, 1027])('SHA-256 of %i bytes fed by NBWE-sized chunks on DINIS interrupts', (length) => {
    const { hal, bench } = setup();
    const data = message(length, 5);
    const words = Array.from(new Uint32Array(Uint8Array.from({ length: Math.ceil(length / 4) * 4 }, (_, i) => data[i] ?? 0).buffer));
    let sent = 0;
    let digest: string | null = null;
    // HASH_WriteData_IT: NBWE words while more than that remain (then poll DINIS), else the rest and DCAL.
    const writeDataIt = (): void => {
      const chunk = (hal.reg(0x24) >>> 16) & 0x1f;
      if (sent + chunk < words.length) {
        for (let i = 0; i < chunk; i++) hal.set(0x04, words[sent++]!);
        hal.waitFlag(1, true, 10_000);
      } else {
        while (sent < words.length) hal.set(0x04, words[sent++]!);
        if (hal.reg(0x20) & 1) {
          hal.modify(0x08, 0, 1 << 8);
          hal.waitFlag(2, true, 10_000);
        }
      }
    };
    const irqHandler = (): void => {
      const sr = hal.reg(0x24);
      if (sr & 2) {
        digest = hex(hal.digest('sha256'));
        hal.modify(0x20, 3, 0);
      }
      if (sr & 1 && !(sr & 2) && hal.reg(0x20) & 1) writeDataIt();
    };
    hal.init('sha256');
    hal.modify(0x00, 1 << 6, 0);
    hal.modify(0x00, 0, 1 << 2);
    hal.modify(0x08, 0x1f, 8 * (length % 4));
    hal.modify(0x20, 0, 3);
    writeDataIt();
    for (let spins = 0; digest === null && spins < 100_000; spins++) {
      if (bench.irqLevel('HASH')) irqHandler();
      else bench.runCycles(4);
    }
    expect(digest).toBe(opensslDigest('sha256', data));
  });
});

describe('HASH context swap through CSR registers', () => {
  it.each(['sha256', 'sha512', 'sha1'] as AlgoName[])('%s: suspend, hash something else, resume gives the same digest', (algo) => {
    const { hal } = setup();
    hal.init(algo);
    const data = message(777);
    hal.accumulate(data.subarray(0, 300), true);
    const saved = hal.suspend();
    // a higher-priority job in between
    const other = message(50, 3);
    hal.init('sha224');
    expect(hex(hal.start('sha224', other))).toBe(opensslDigest('sha224', other));
    hal.resume(saved);
    hal.accumulate(data.subarray(300, 700), false);
    expect(hex(hal.accumulateLast(algo, data.subarray(700)))).toBe(opensslDigest(algo, data));
  });

  it('HMAC-SHA256 survives a context swap in the message phase', () => {
    const { hal } = setup();
    hal.init('sha256');
    const key = message(32, 1);
    const data = message(200, 2);
    hal.modify(0x00, (1 << 16) | (1 << 6) | (1 << 2), (1 << 6) | (1 << 2));
    hal.modify(0x08, 0x1f, 0);
    hal.writeData(key);
    hal.modify(0x08, 0, 1 << 8);
    hal.waitFlag(8, false);
    hal.writeData(data.subarray(0, 128));
    hal.waitFlag(8, false);
    const saved = hal.suspend();
    hal.init('sha1');
    hal.start('sha1', message(10));
    hal.resume(saved);
    hal.writeData(data.subarray(128));
    hal.modify(0x08, 0x1f, 0);
    hal.modify(0x08, 0, 1 << 8);
    hal.waitFlag(8, false);
    hal.writeData(key);
    hal.modify(0x08, 0, 1 << 8);
    hal.waitFlag(2, true);
    expect(hex(hal.digest('sha256'))).toBe(opensslDigest('sha256', data, key));
  });
});
