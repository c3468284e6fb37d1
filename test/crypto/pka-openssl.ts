// OpenSSL as the independent judge of the PKA model's results: keys, signatures and shared
// secrets made by the `openssl` command line, DER signatures encoded and decoded here.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class OpenSsl {
  readonly dir = mkdtempSync(join(tmpdir(), 'h5sim-pka-'));

  path(name: string): string {
    return join(this.dir, name);
  }

  run(args: string[], input?: Uint8Array): { status: number; stdout: Buffer; stderr: string } {
    const result = spawnSync('openssl', args, { cwd: this.dir, input });
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr?.toString() ?? '' };
  }

  ok(args: string[], input?: Uint8Array): Buffer {
    const result = this.run(args, input);
    if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  }

  write(name: string, data: Uint8Array): string {
    const file = this.path(name);
    writeFileSync(file, data);
    return file;
  }

  read(name: string): Buffer {
    return readFileSync(this.path(name));
  }

  /** An EC key on `curve` (openssl name): private scalar and public point. */
  ecKey(name: string, curve = 'prime256v1'): { d: bigint; x: bigint; y: bigint; pem: string; pubPem: string } {
    const pem = this.path(`${name}.pem`);
    const pubPem = this.path(`${name}.pub.pem`);
    this.ok(['ecparam', '-name', curve, '-genkey', '-noout', '-out', pem]);
    this.ok(['pkey', '-in', pem, '-pubout', '-out', pubPem]);
    const text = this.ok(['ec', '-in', pem, '-text', '-noout']).toString();
    const d = hexBlock(text, 'priv:');
    const pub = hexBlock(text, 'pub:');
    const size = (pub.toString(16).length + 1) >> 1;
    // Uncompressed point 04 || X || Y
    const coordinateBytes = (size - 1) / 2;
    const mask = (1n << BigInt(8 * coordinateBytes)) - 1n;
    return { d, x: (pub >> BigInt(8 * coordinateBytes)) & mask, y: pub & mask, pem, pubPem };
  }

  /** RSA key: every number `openssl rsa -text` prints. */
  rsaKey(name: string, bits: number): Record<'n' | 'e' | 'd' | 'p' | 'q' | 'dP' | 'dQ' | 'qInv', bigint> & { pem: string } {
    const pem = this.path(`${name}.pem`);
    this.ok(['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`, '-out', pem]);
    const text = this.ok(['rsa', '-in', pem, '-text', '-noout']).toString();
    const e = BigInt(/publicExponent: (\d+)/.exec(text)![1]!);
    return {
      pem, e,
      n: hexBlock(text, 'modulus:'), d: hexBlock(text, 'privateExponent:'), p: hexBlock(text, 'prime1:'),
      q: hexBlock(text, 'prime2:'), dP: hexBlock(text, 'exponent1:'), dQ: hexBlock(text, 'exponent2:'),
      qInv: hexBlock(text, 'coefficient:'),
    };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The hex number printed after `label` in openssl's `-text` output (colon-separated lines). */
function hexBlock(text: string, label: string): bigint {
  const start = text.indexOf(label);
  if (start < 0) throw new Error(`no ${label} in openssl output`);
  const lines = text.slice(start + label.length).split('\n').slice(1);
  let hex = '';
  for (const line of lines) {
    if (!/^\s+[0-9a-f]{2}(:[0-9a-f]{2})*:?\s*$/.test(line)) break;
    hex += line.replace(/[\s:]/g, '');
  }
  return BigInt(`0x${hex}`);
}

function derLength(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let l = length; l > 0; l >>= 8) bytes.unshift(l & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function derInteger(value: bigint): number[] {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = [...Buffer.from(hex, 'hex')];
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return [0x02, ...derLength(bytes.length), ...bytes];
}

/** ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } */
export function encodeSignature(r: bigint, s: bigint): Uint8Array {
  const body = [...derInteger(r), ...derInteger(s)];
  return Uint8Array.from([0x30, ...derLength(body.length), ...body]);
}

export function decodeSignature(der: Uint8Array): { r: bigint; s: bigint } {
  let i = 1;
  const readLength = () => {
    const first = der[i++]!;
    if (first < 0x80) return first;
    let length = 0;
    for (let n = first & 0x7f; n > 0; n--) length = (length << 8) | der[i++]!;
    return length;
  };
  readLength();
  const integer = () => {
    if (der[i++] !== 0x02) throw new Error('not a DER INTEGER');
    const length = readLength();
    const value = BigInt(`0x${Buffer.from(der.subarray(i, i + length)).toString('hex') || '0'}`);
    i += length;
    return value;
  };
  const r = integer();
  const s = integer();
  return { r, s };
}
