// The crypto-selftest fixture (firmware-fixtures/crypto-selftest) drives RNG, HASH, PKA and, on the
// STM32H573, AES and SAES from firmware in the HAL's register order and prints what they computed.
// Every printed value is checked here against OpenSSL (the `openssl` command line; node:crypto,
// itself OpenSSL, only for AES-GCM, which `openssl enc` does not do), never against the models:
// digests and MACs with `openssl dgst`, ciphertexts with `openssl enc`, public keys and ECDH
// secrets with `openssl ec` / `openssl pkeyutl -derive`, the PKA's ECDSA signatures with
// `openssl pkeyutl -verify`, RSA results with `openssl pkeyutl -verifyrecover / -decrypt` (padding none). Keys, curve
// parameters and OpenSSL's own signatures are made in a temporary folder and written into the
// fixture's input_* symbols before it runs.
import { createCipheriv } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Simulation } from '../../emulator/harness/simulation.js';
import { fixture } from '../helpers/fixtures.js';
import { hex, opensslDigest, opensslEnc, type AlgoName } from './hal-like.js';
import { decodeSignature, encodeSignature, OpenSsl } from './pka-openssl.js';

// Sizes and layout shared with firmware-fixtures/crypto-selftest/selftest.h.
const INPUT_MAGIC = 0x4b41_5421;
const EC_BYTES_MAX = 68;
const EC_INPUT_BYTES = 8 + 11 * EC_BYTES_MAX;
const EC_FIELDS = ['p', 'a', 'b', 'n', 'gx', 'gy', 'd', 'peer_x', 'peer_y', 'sig_r', 'sig_s'] as const;
const RSA_BYTES_MAX = 512;
const AES_DATA_BYTES = 64;
const GCM_PAYLOAD_BYTES = 61;
const GCM_AAD_BYTES = 20;

const ALGOS: AlgoName[] = ['sha1', 'sha224', 'sha256', 'sha384', 'sha512-224', 'sha512-256', 'sha512'];
const CURVES = [
  { openssl: 'prime256v1', label: 'ec256', bytes: 32, hash: 'sha256' as const, hashBits: 256 },
  { openssl: 'secp384r1', label: 'ec384', bytes: 48, hash: 'sha384' as const, hashBits: 384 },
  { openssl: 'secp521r1', label: 'ec521', bytes: 66, hash: 'sha512' as const, hashBits: 512 },
];
const RSA_BITS = 2048;

/** Deterministic filler bytes (a small LCG), so failures repeat. */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function bytesOf(value: bigint, length: number): Uint8Array {
  const text = value.toString(16).padStart(2 * length, '0');
  if (text.length > 2 * length) throw new Error(`${value.toString(16)} does not fit in ${length} bytes`);
  return new Uint8Array(Buffer.from(text, 'hex'));
}

function word(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, true);
  return out;
}

/** A number printed by `openssl ... -text` after `label` (hex bytes separated by colons). */
function textNumber(text: string, label: string): bigint {
  const start = text.indexOf(label);
  if (start < 0) throw new Error(`no "${label}" in openssl output`);
  let digits = '';
  for (const line of text.slice(start + label.length).split('\n').slice(1)) {
    if (!/^\s+[0-9a-f]{2}(:[0-9a-f]{2})*:?\s*$/.test(line)) break;
    digits += line.replace(/[\s:]/g, '');
  }
  return BigInt(`0x${digits}`);
}

interface CurveCase {
  label: string;
  bytes: number;
  hash: AlgoName;
  hashBits: number;
  values: Record<(typeof EC_FIELDS)[number], bigint>;
  ours: { pem: string; pubPem: string; x: bigint; y: bigint };
  digestFile: string;
}

interface Inputs {
  message: Uint8Array;
  shortKey: Uint8Array;
  longKey: Uint8Array;
  curves: CurveCase[];
  rsa: ReturnType<OpenSsl['rsaKey']> & { signature: Uint8Array; pssSignature: Uint8Array; message: Uint8Array };
  aesKey: Uint8Array;
  aesIv: Uint8Array;
  aesData: Uint8Array;
  aad: Uint8Array;
}

function makeInputs(ssl: OpenSsl): Inputs {
  const message = new Uint8Array(1003);
  message.set(Buffer.from('abc'));
  message.set(pattern(1000, 7), 3);
  const messageFile = ssl.write('message.bin', message);
  const curves = CURVES.map((curve): CurveCase => {
    const params = ssl.ok(['ecparam', '-name', curve.openssl, '-param_enc', 'explicit', '-text', '-noout']).toString();
    const generator = textNumber(params, 'Generator (uncompressed):');
    const coordinateMask = (1n << BigInt(8 * curve.bytes)) - 1n;
    const ours = ssl.ecKey(`${curve.label}-ours`, curve.openssl);
    const peer = ssl.ecKey(`${curve.label}-peer`, curve.openssl);
    const digestFile = ssl.path(`${curve.label}.digest`);
    ssl.ok(['dgst', `-${curve.hash}`, '-binary', '-out', digestFile, messageFile]);
    const signature = ssl.ok(['pkeyutl', '-sign', '-inkey', peer.pem, '-in', digestFile]);
    const { r, s } = decodeSignature(new Uint8Array(signature));
    return {
      label: curve.label, bytes: curve.bytes, hash: curve.hash, hashBits: curve.hashBits, ours, digestFile,
      values: {
        p: textNumber(params, 'Prime:'), a: textNumber(params, 'A:'), b: textNumber(params, 'B:'), n: textNumber(params, 'Order:'),
        gx: (generator >> BigInt(8 * curve.bytes)) & coordinateMask, gy: generator & coordinateMask,
        d: ours.d, peer_x: peer.x, peer_y: peer.y, sig_r: r, sig_s: s,
      },
    };
  });
  const rsaKey = ssl.rsaKey('rsa', RSA_BITS);
  const signature = new Uint8Array(ssl.ok(['dgst', '-sha256', '-sign', rsaKey.pem, messageFile]));
  const pssSignature = new Uint8Array(ssl.ok(['dgst', '-sha256', '-sign', rsaKey.pem, '-sigopt', 'rsa_padding_mode:pss',
    '-sigopt', 'rsa_pss_saltlen:32', messageFile]));
  const rsaMessage = pattern(RSA_BITS / 8, 11);
  rsaMessage[0] = 0x01; // below n, whose top bit is set
  return {
    message, shortKey: pattern(20, 1), longKey: pattern(200, 2), curves,
    rsa: { ...rsaKey, signature, pssSignature, message: rsaMessage },
    aesKey: pattern(32, 3), aesIv: pattern(16, 4), aesData: pattern(AES_DATA_BYTES, 5), aad: pattern(GCM_AAD_BYTES, 6),
  };
}

function writeInputs(sim: Simulation, inputs: Inputs): void {
  const put = (name: string, data: Uint8Array, offset = 0) => sim.writeMemory(sim.symbol(name) + offset, data);
  put('input_message_length', word(inputs.message.length));
  put('input_message', inputs.message);
  put('input_short_key_length', word(inputs.shortKey.length));
  put('input_short_key', inputs.shortKey);
  put('input_long_key_length', word(inputs.longKey.length));
  put('input_long_key', inputs.longKey);
  inputs.curves.forEach((curve, index) => {
    const base = index * EC_INPUT_BYTES;
    put('input_curves', word(curve.bytes), base);
    put('input_curves', word(curve.hashBits), base + 4);
    EC_FIELDS.forEach((field, f) => put('input_curves', bytesOf(curve.values[field], curve.bytes), base + 8 + f * EC_BYTES_MAX));
  });
  const rsa = inputs.rsa;
  const size = RSA_BITS / 8;
  put('input_rsa', word(size));
  put('input_rsa', word(Number(rsa.e)), 4);
  put('input_rsa', bytesOf(rsa.n, size), 8);
  const halves = [rsa.p, rsa.q, rsa.dP, rsa.dQ, rsa.qInv];
  halves.forEach((value, i) => put('input_rsa', bytesOf(value, size / 2), 8 + RSA_BYTES_MAX + i * (RSA_BYTES_MAX / 2)));
  put('input_rsa', rsa.signature, 8 + RSA_BYTES_MAX + 5 * (RSA_BYTES_MAX / 2));
  put('input_rsa', rsa.message, 8 + 2 * RSA_BYTES_MAX + 5 * (RSA_BYTES_MAX / 2));
  put('input_rsa', bytesOf(rsa.d, size), 8 + 3 * RSA_BYTES_MAX + 5 * (RSA_BYTES_MAX / 2));
  put('input_rsa', bytesOf((rsa.p - 1n) * (rsa.q - 1n), size), 8 + 4 * RSA_BYTES_MAX + 5 * (RSA_BYTES_MAX / 2));
  put('input_rsa', rsa.pssSignature, 8 + 5 * RSA_BYTES_MAX + 5 * (RSA_BYTES_MAX / 2));
  put('input_aes_key', inputs.aesKey);
  put('input_aes_iv', inputs.aesIv);
  put('input_aes_data', inputs.aesData);
  put('input_aes_aad', inputs.aad);
  put('input_magic', word(INPUT_MAGIC));
}

interface Report {
  lines: Map<string, { tag: string; value: string }>;
  console: string;
  log: string;
  exitCode: number | undefined;
  reason: string;
}

/** Strict everywhere but on the H563, where the refused PKA modes are guest errors the run expects. */
async function runFixture(elf: string, machine: 'stm32h563' | 'stm32h573', inputs: Inputs): Promise<Report> {
  let log = '';
  const sim = await Simulation.load(elf, { machine, strict: machine === 'stm32h573', log: (line) => { log += `${line}\n`; } });
  try {
    writeInputs(sim, inputs);
    const result = await sim.runUntil(() => false, { timeout: '600s' });
    const lines = new Map<string, { tag: string; value: string }>();
    for (const line of sim.consoleText.split('\n')) {
      const match = /^(KAT|SIGNATURE|VERIFY|UNAVAILABLE|FAIL|RNG) (\S+) ?(.*)$/.exec(line);
      if (!match) continue;
      const key = `${match[1]} ${match[2]}`;
      if (lines.has(key)) throw new Error(`the fixture printed "${key}" twice`);
      lines.set(key, { tag: match[1]!, value: match[3]! });
    }
    return { lines, console: sim.consoleText, log, exitCode: result.exitCode, reason: result.reason };
  } finally {
    await sim.close();
  }
}

/** The value the fixture printed for `tag name`, failing with the console when it is missing. */
function printed(report: Report, tag: string, name: string): string {
  const entry = report.lines.get(`${tag} ${name}`);
  if (!entry) throw new Error(`the fixture printed no "${tag} ${name}" line; console:\n${report.console}`);
  return entry.value;
}

function gcmReference(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, data: Uint8Array): { ciphertext: string; tag: string } {
  const cipher = createCipheriv(`aes-${key.length * 8}-gcm` as 'aes-128-gcm', key, iv);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
  return { ciphertext: hex(ciphertext), tag: hex(cipher.getAuthTag()) };
}

const ssl = new OpenSsl();
let inputs: Inputs;
afterAll(() => ssl.dispose());
beforeAll(() => {
  inputs = makeInputs(ssl);
});

function hashChecks(report: () => Report): void {
  it.each(ALGOS)('%s: digests and HMACs (short and long key) equal openssl dgst', (algo) => {
    const r = report();
    const short = inputs.message.subarray(0, 3);
    expect(printed(r, 'KAT', `${algo}-short`)).toBe(opensslDigest(algo, short));
    expect(printed(r, 'KAT', `${algo}-long`)).toBe(opensslDigest(algo, inputs.message));
    expect(printed(r, 'KAT', `hmac-${algo}-short-key`)).toBe(opensslDigest(algo, inputs.message, inputs.shortKey));
    expect(printed(r, 'KAT', `hmac-${algo}-long-key`)).toBe(opensslDigest(algo, short, inputs.longKey));
  });

  it('context swap (CSR suspend/resume) in the middle of SHA-256, SHA-512 and HMAC-SHA256 keeps the digests', () => {
    const r = report();
    const short = inputs.message.subarray(0, 3);
    expect(printed(r, 'KAT', 'swap-sha256')).toBe(opensslDigest('sha256', inputs.message));
    expect(printed(r, 'KAT', 'swap-sha512')).toBe(opensslDigest('sha512', inputs.message));
    expect(printed(r, 'KAT', 'swap-hmac-sha256')).toBe(opensslDigest('sha256', inputs.message, inputs.shortKey));
    // the jobs run while the others were suspended
    expect(printed(r, 'KAT', 'swap-sha256-interleaved')).toBe(opensslDigest('sha224', short));
    expect(printed(r, 'KAT', 'swap-sha512-interleaved')).toBe(opensslDigest('sha224', short));
    expect(printed(r, 'KAT', 'swap-interleaved-sha1')).toBe(opensslDigest('sha1', short));
  });

  it('the RNG delivered words (no seed or clock error)', () => {
    const words = printed(report(), 'RNG', 'words');
    expect(words).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(words.match(/.{8}/g)).size).toBe(8);
  });
}

function verifyChecks(report: () => Report): void {
  it.each(CURVES.map((c) => c.label))('%s: OpenSSL signatures verify on the PKA; corrupted s and another hash are rejected', (label) => {
    const r = report();
    expect(printed(r, 'VERIFY', `${label}-openssl-signature`)).toBe('valid');
    expect(printed(r, 'VERIFY', `${label}-openssl-signature-corrupted`)).toBe('invalid');
    expect(printed(r, 'VERIFY', `${label}-openssl-signature-other-hash`)).toBe('invalid');
  });
}

/** An ECDSA signature r || s the fixture printed, checked by `openssl pkeyutl -verify` with our key. */
function opensslVerifies(curve: CurveCase, printedValue: string, flip = 0n): { status: number; stdout: Buffer; stderr: string } {
  const r = BigInt(`0x${printedValue.slice(0, 2 * curve.bytes)}`);
  const s = BigInt(`0x${printedValue.slice(2 * curve.bytes)}`) ^ flip;
  return ssl.run(['pkeyutl', '-verify', '-pubin', '-inkey', curve.ours.pubPem, '-in', curve.digestFile,
    '-sigfile', ssl.write(`${curve.label}-fixture.sig`, encodeSignature(r, s))]);
}

function rsaRecovered(): string {
  return hex(ssl.ok(['pkeyutl', '-verifyrecover', '-inkey', inputs.rsa.pem, '-pkeyopt', 'rsa_padding_mode:none',
    '-in', ssl.write('rsa.sig', inputs.rsa.signature)]));
}

/** lib/crypto (the TLS fixture's drivers): PKA or software P-256, RSA checks, AES-GCM on the block or in software. */
function libraryChecks(report: () => Report): void {
  it('lib/crypto: incremental and software SHA-256, HMAC-SHA256 equal openssl dgst', () => {
    const r = report();
    const digest = opensslDigest('sha256', inputs.message);
    expect(printed(r, 'KAT', 'lib-sha256-incremental')).toBe(digest);
    expect(printed(r, 'KAT', 'lib-sha256-soft')).toBe(digest);
    expect(printed(r, 'KAT', 'lib-hmac-sha256-short-key')).toBe(opensslDigest('sha256', inputs.message, inputs.shortKey));
    expect(printed(r, 'KAT', 'lib-hmac-sha256-long-key')).toBe(opensslDigest('sha256', inputs.message, inputs.longKey));
  });

  it('lib/crypto P-256: public key and ECDH (both paths) equal OpenSSL; its signatures verify with OpenSSL; OpenSSL\'s verify on it', () => {
    const r = report();
    const curve = inputs.curves[0]!;
    const expectedPublic = hex(bytesOf(curve.ours.x, 32)) + hex(bytesOf(curve.ours.y, 32));
    const secret = hex(ssl.ok(['pkeyutl', '-derive', '-inkey', curve.ours.pem, '-peerkey', ssl.path('ec256-peer.pub.pem')]));
    expect(printed(r, 'KAT', 'lib-p256-public')).toBe(expectedPublic);
    expect(printed(r, 'KAT', 'lib-p256-soft-public')).toBe(expectedPublic);
    expect(printed(r, 'KAT', 'lib-p256-ecdh')).toBe(secret);
    expect(printed(r, 'KAT', 'lib-p256-soft-ecdh')).toBe(secret);
    for (const name of ['lib-p256-sign', 'lib-p256-soft-sign']) {
      const result = opensslVerifies(curve, printed(r, 'SIGNATURE', name));
      expect(result.status, `${name}: ${result.stderr}`).toBe(0);
    }
    expect(printed(r, 'VERIFY', 'lib-p256-own-signature')).toBe('valid');
    expect(printed(r, 'VERIFY', 'lib-p256-openssl-signature')).toBe('valid');
    expect(printed(r, 'VERIFY', 'lib-p256-soft-openssl-signature')).toBe('valid');
    expect(printed(r, 'VERIFY', 'lib-p256-soft-openssl-signature-other-hash')).toBe('invalid');
  });

  it('lib/crypto RSA-2048: s^e mod n equals OpenSSL; OpenSSL\'s PKCS#1 v1.5 and PSS signatures verify, PSS over another hash does not', () => {
    const r = report();
    expect(printed(r, 'KAT', 'lib-rsa-public')).toBe(rsaRecovered());
    expect(printed(r, 'VERIFY', 'lib-rsa-pkcs1-openssl-signature')).toBe('valid');
    expect(printed(r, 'VERIFY', 'lib-rsa-pss-openssl-signature')).toBe('valid');
    expect(printed(r, 'VERIFY', 'lib-rsa-pss-openssl-signature-other-hash')).toBe('invalid');
  });

  it('lib/crypto AES-128-GCM: ciphertext and tag equal OpenSSL; decryption checks the tag', () => {
    const r = report();
    const expected = gcmReference(inputs.aesKey.subarray(0, 16), inputs.aesIv.subarray(0, 12), inputs.aad,
      inputs.aesData.subarray(0, GCM_PAYLOAD_BYTES));
    expect(printed(r, 'KAT', 'lib-gcm-128-ciphertext')).toBe(expected.ciphertext);
    expect(printed(r, 'KAT', 'lib-gcm-128-tag')).toBe(expected.tag);
    expect(printed(r, 'VERIFY', 'lib-gcm-128-decrypt')).toBe('valid');
    expect(printed(r, 'VERIFY', 'lib-gcm-128-decrypt-wrong-tag')).toBe('invalid');
  });
}

function run(report: () => Report): void {
  it('ran to the end with no driver failure', () => {
    const r = report();
    const failures = [...r.lines.keys()].filter((key) => key.startsWith('FAIL '));
    expect(failures, r.console).toEqual([]);
    expect(r.reason, `${r.console}\n${r.log}`).toBe('exit');
    expect(r.exitCode, r.console).toBe(0);
  });
}

describe('crypto-selftest on stm32h563 (PKA in limited mode, no AES)', () => {
  let report: Report;
  beforeAll(async () => {
    report = await runFixture(fixture('crypto-selftest'), 'stm32h563', inputs);
  });
  run(() => report);
  hashChecks(() => report);
  verifyChecks(() => report);
  libraryChecks(() => report);

  it('every PKA operation other than ECDSA verification is refused (OPERRF), and AES is absent', () => {
    for (const curve of CURVES) {
      for (const operation of ['public', 'ecdh', 'sign']) expect(printed(report, 'UNAVAILABLE', `${curve.label}-${operation}`)).toBe('OPERRF');
      expect(report.lines.has(`SIGNATURE ${curve.label}-sign`)).toBe(false);
    }
    for (const operation of ['rsa-public', 'rsa-crt-private', 'rsa-protected-private']) expect(printed(report, 'UNAVAILABLE', operation)).toBe('OPERRF');
    expect(printed(report, 'UNAVAILABLE', 'aes')).toMatch(/no AES/);
    // the access log names the register, the firmware function and the refused mode; nothing else was logged
    expect(report.log).toMatch(/guest error: PKA CR\.MODE .* <pka_run\+0x[0-9a-f]+>: PKA mode 0x20 is not available.*RM0481 §36\.3/);
    expect(report.log.split('\n').filter((line) => line && !/PKA mode 0x[0-9a-f]+ is not available/.test(line))).toEqual([]);
  });
});

describe('crypto-selftest on stm32h573 (full PKA, AES, SAES)', () => {
  let report: Report;
  beforeAll(async () => {
    report = await runFixture(fixture('crypto-selftest-h573'), 'stm32h573', inputs);
  });
  run(() => report);
  hashChecks(() => report);
  verifyChecks(() => report);
  libraryChecks(() => report);

  it.each(CURVES.map((c) => c.label))('%s: public key d*G and ECDH secret equal openssl ec / pkeyutl -derive', (label) => {
    const curve = inputs.curves.find((c) => c.label === label)!;
    const expectedPublic = hex(bytesOf(curve.ours.x, curve.bytes)) + hex(bytesOf(curve.ours.y, curve.bytes));
    expect(printed(report, 'KAT', `${label}-public`)).toBe(expectedPublic);
    const secret = ssl.ok(['pkeyutl', '-derive', '-inkey', curve.ours.pem, '-peerkey', ssl.path(`${label}-peer.pub.pem`)]);
    expect(printed(report, 'KAT', `${label}-ecdh`)).toBe(hex(secret));
  });

  it.each(CURVES.map((c) => c.label))('%s: the PKA\'s ECDSA signature verifies with openssl pkeyutl -verify (and a flipped bit does not)', (label) => {
    const curve = inputs.curves.find((c) => c.label === label)!;
    const value = printed(report, 'SIGNATURE', `${label}-sign`);
    expect(value).toHaveLength(4 * curve.bytes);
    const good = opensslVerifies(curve, value);
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout.toString()).toMatch(/Signature Verified Successfully/);
    expect(opensslVerifies(curve, value, 1n).status).not.toBe(0);
    expect(printed(report, 'VERIFY', `${label}-own-signature`)).toBe('valid');
  });

  it('RSA-2048: s^e mod n, and m^d mod n in CRT and protected modes, equal openssl pkeyutl with padding none', () => {
    const rsa = inputs.rsa;
    expect(printed(report, 'KAT', 'rsa-public')).toBe(rsaRecovered());
    // m^d mod n: the raw private-key operation, which pkeyutl runs as a decryption without padding
    const signed = ssl.ok(['pkeyutl', '-decrypt', '-inkey', rsa.pem, '-pkeyopt', 'rsa_padding_mode:none',
      '-in', ssl.write('rsa.message', rsa.message)]);
    expect(printed(report, 'KAT', 'rsa-crt-private')).toBe(hex(signed));
    expect(printed(report, 'KAT', 'rsa-protected-private')).toBe(hex(signed));
  });

  it.each(['aes', 'saes'])('%s: ECB, CBC, CTR with 128- and 256-bit keys, both directions, equal openssl enc', (block) => {
    for (const mode of ['ecb', 'cbc', 'ctr'] as const) {
      for (const bits of [128, 256]) {
        const key = inputs.aesKey.subarray(0, bits / 8);
        const iv = mode === 'ecb' ? null : inputs.aesIv;
        expect(printed(report, 'KAT', `${block}-${mode}-${bits}-encrypt`), `${mode}-${bits}`).toBe(hex(opensslEnc(mode, key, iv, inputs.aesData)));
        expect(printed(report, 'KAT', `${block}-${mode}-${bits}-decrypt`), `${mode}-${bits}`).toBe(hex(opensslEnc(mode, key, iv, inputs.aesData, true)));
      }
    }
  });

  it.each([['aes', 128], ['aes', 256], ['saes', 128]] as const)('%s GCM-%d: ciphertext and tag (20 AAD bytes, 61-byte payload) equal OpenSSL; decryption round-trips', (block, bits) => {
    const expected = gcmReference(inputs.aesKey.subarray(0, bits / 8), inputs.aesIv.subarray(0, 12), inputs.aad,
      inputs.aesData.subarray(0, GCM_PAYLOAD_BYTES));
    expect(printed(report, 'KAT', `${block}-gcm-${bits}-ciphertext`)).toBe(expected.ciphertext);
    expect(printed(report, 'KAT', `${block}-gcm-${bits}-tag`)).toBe(expected.tag);
    expect(printed(report, 'VERIFY', `${block}-gcm-${bits}-decrypt`)).toBe('valid');
  });
});
