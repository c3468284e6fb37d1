import { describe, expect, it } from 'vitest';
import { Fnv1a64 } from '../../emulator/harness/trace-digest.js';
import { Simulation, type SimulationOptions } from '../../emulator/harness/simulation.js';
import { existsSync } from 'node:fs';
import { ROOT, fixture } from '../helpers/fixtures.js';

function referenceFnv1a64(bytes: Uint8Array): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return hash.toString(16).padStart(16, '0');
}

async function digestOf(name: string, options: SimulationOptions = {}, run = '10s'): Promise<{ digest: string; writes: number; uart: string }> {
  const sim = await Simulation.load(fixture(name), options);
  try {
    await sim.runFor(run);
    return { digest: sim.digest, writes: sim.trace!.counts.writes, uart: sim.uart().text() };
  } finally {
    await sim.close();
  }
}

describe('FNV-1a 64', () => {
  it('matches the published vectors and a BigInt reference', () => {
    const hash = new Fnv1a64();
    expect(hash.hex()).toBe('cbf29ce484222325');
    hash.bytes(new TextEncoder().encode('a'));
    expect(hash.hex()).toBe('af63dc4c8601ec8c');
    const foobar = new Fnv1a64();
    foobar.bytes(new TextEncoder().encode('foobar'));
    expect(foobar.hex()).toBe('85944171f73967e8');
    const bytes = Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24);
    const long = new Fnv1a64();
    long.bytes(bytes);
    expect(long.hex()).toBe(referenceFnv1a64(bytes));
  });
});

describe('trace digest', () => {
  it('is the same for ten runs of boot-clock', async () => {
    const digests = new Set<string>();
    for (let i = 0; i < 10; i++) digests.add((await digestOf('boot-clock')).digest);
    expect(digests.size).toBe(1);
    expect([...digests][0]).toMatch(/^[0-9a-f]{16}$/);
  });

  it('is the same for repeated runs of the exception fixture and differs between fixtures', async () => {
    const a = await digestOf('core-exceptions');
    const b = await digestOf('core-exceptions');
    expect(a.writes).toBeGreaterThan(0);
    expect(b.digest).toBe(a.digest);
    expect((await digestOf('boot-clock')).digest).not.toBe(a.digest);
  });

  // rng-words stores RNG output (seeded DRBG by default) in TAMP registers: the seed is an input of the run.
  it('changes with the seed of the deterministic generators', async () => {
    const first = await digestOf('rng-words', { seed: 1 }, '2s');
    const again = await digestOf('rng-words', { seed: 1 }, '2s');
    const other = await digestOf('rng-words', { seed: 2 }, '2s');
    expect(again.digest).toBe(first.digest);
    expect(other.digest).not.toBe(first.digest);
  });

  it('can be switched off', async () => {
    const sim = await Simulation.load(fixture('boot-clock'), { traceDigest: false });
    try {
      await sim.runFor('10s');
      expect(sim.digest).toBe('');
    } finally {
      await sim.close();
    }
  });
});
