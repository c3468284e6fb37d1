// NSS key log: lines from an embedded broker (node:tls + aedes) decrypt an MQTT CONNECT in tshark;
// the firmware-side watcher recomputes lib/tls13's secrets from what its HMAC calls see.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { Aedes } from 'aedes';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/fixtures.js';
import { ElfFile } from '../../emulator/elf/elf-file.js';
import { PcapWriter } from '../../emulator/net/pcap.js';
import {
  FirmwareKeyLogError, KeyLogWriter, attachNodeTlsKeyLog, symbolsFromElf, watchFirmwareKeySchedule, type FunctionEntry,
} from '../../emulator/tls/index.js';
import { startFrameRelay, withTimeout } from './frame-relay.js';
import { makeCertificates, tempDir } from './tls-peers.js';

const dir = tempDir();
afterAll(() => dir.remove());

const CLIENT_ID = 'h5sim-keylog';
function mqttConnect(): Uint8Array {
  const id = new TextEncoder().encode(CLIENT_ID);
  const variable = [0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 60];
  const remaining = variable.length + 2 + id.length;
  return Uint8Array.from([0x10, remaining, ...variable, 0, id.length, ...id]);
}

function tshark(args: string[]): string {
  const result = spawnSync('tshark', args, { timeout: 30_000, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tshark ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

describe('key log from an embedded broker', () => {
  it('decrypts the MQTT CONNECT in tshark with the lines node:tls gave', async () => {
    const certs = makeCertificates(dir.path, 'ec');
    const keyPath = join(dir.path, 'keys.txt');
    const capture = join(dir.path, 'mqtt.pcapng');
    const writer = new KeyLogWriter(keyPath);
    const broker = await Aedes.createBroker();
    const server = tls.createServer({ key: certs.keyPem, cert: certs.certPem, minVersion: 'TLSv1.3' }, (socket) => broker.handle(socket));
    attachNodeTlsKeyLog(server, writer);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    let stamp = 0;
    const pcap = new PcapWriter(capture, () => 1_767_225_600 + stamp);
    const relay = await startFrameRelay({
      targetPort: (server.address() as { port: number }).port, wirePort: 8883,
      onFrame: (direction, frame, time) => { stamp = time; pcap.packet(frame, direction === 'board-to-network'); },
    });
    try {
      await withTimeout(new Promise<void>((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port: relay.port, servername: 'broker.local', ca: certs.caPem });
        socket.on('secureConnect', () => socket.write(mqttConnect()));
        socket.on('data', (data: Buffer) => { if (data[0] === 0x20) socket.end(Uint8Array.of(0xe0, 0)); });
        socket.on('error', reject);
        socket.on('close', () => resolve());
      }), 10_000, 'MQTT over TLS');
      await withTimeout(relay.idle(), 5000, 'relay idle');
    } finally {
      await relay.close();
      pcap.close();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const lines = readFileSync(keyPath, 'utf8').trim().split('\n');
    expect(lines.map((l) => l.split(' ')[0]).sort()).toEqual([
      'CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'EXPORTER_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0']);
    const decoded = tshark(['-r', capture, '-o', `tls.keylog_file:${keyPath}`, '-Y', 'mqtt', '-T', 'fields', '-e', 'mqtt.msgtype', '-e', 'mqtt.clientid']);
    expect(decoded).toContain(`1\t${CLIENT_ID}`);
    expect(decoded.split('\n').map((l) => l.split('\t')[0])).toEqual(expect.arrayContaining(['1', '2', '14']));
    // Without the key log, nothing of MQTT is visible.
    expect(tshark(['-r', capture, '-Y', 'mqtt']).trim()).toBe('');
  });
});

// ---- The firmware side ----------------------------------------------------------------------

const root = new URL('../..', import.meta.url).pathname;
const elfPath = `${root}firmware-fixtures/build/mqtt-tls.elf`;
// Built by scripts/build-fixtures.sh; a missing or failed build fails these tests.
fixture('mqtt-tls');

/** A fake Cortex-M: sparse RAM, and function-entry hooks the test fires the way lib/tls13 calls them. */
class FakeBoard {
  readonly ram = new Uint8Array(0x4000);
  readonly base = 0x2000_0000;
  private top = 0;
  readonly hooks = new Map<number, Array<(entry: FunctionEntry) => void>>();
  readMemory = (address: number, length: number) => {
    const offset = address - this.base;
    if (offset < 0 || offset + length > this.ram.length) throw new RangeError(`read outside RAM at 0x${address.toString(16)}`);
    return this.ram.slice(offset, offset + length);
  };
  onFunctionEntry = (address: number, callback: (entry: FunctionEntry) => void) => {
    this.hooks.set(address, [...(this.hooks.get(address) ?? []), callback]);
    return { remove: () => this.hooks.delete(address) };
  };
  place(bytes: Uint8Array): number {
    const address = this.base + this.top;
    this.ram.set(bytes, this.top);
    this.top += (bytes.length + 7) & ~7;
    return address;
  }
  parts(list: Uint8Array[]): number {
    const table = new Uint8Array(8 * list.length);
    const view = new DataView(table.buffer);
    list.forEach((bytes, i) => { view.setUint32(8 * i, this.place(bytes), true); view.setUint32(8 * i + 4, bytes.length, true); });
    return this.place(table);
  }
  call(address: number, registers: Partial<FunctionEntry>): void {
    for (const hook of this.hooks.get(address) ?? []) hook({ r0: 0, r1: 0, r2: 0, r3: 0, sp: 0x2000_3f00, ...registers });
  }
}

/** lib/tls13's hkdf_expand_label, as bytes in memory and as the value it computes. */
function expandLabel(board: FakeBoard, hmacAt: number, secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const full = new TextEncoder().encode(`tls13 ${label}`);
  const info = Uint8Array.from([length >> 8, length & 0xff, full.length, ...full, context.length, ...context]);
  board.call(hmacAt, { r0: board.place(secret), r1: 32, r2: board.parts([info, Uint8Array.of(1)]), r3: 2 });
  return createHmac('sha256', secret).update(info).update(Uint8Array.of(1)).digest().subarray(0, length);
}

describe('key log from the firmware (lib/tls13 key schedule)', () => {
  const symbols = symbolsFromElf(new ElfFile(readFileSync(elfPath), elfPath).symbols);

  it('writes the four traffic secrets and a KeyUpdate from the HMAC calls, keyed by the ClientHello random', () => {
    const board = new FakeBoard();
    const writer = new KeyLogWriter();
    const watcher = watchFirmwareKeySchedule({ symbols, readMemory: board.readMemory, onFunctionEntry: board.onFunctionEntry }, writer);
    const hmacAt = symbols.get('crypto_hmac_sha256')!.address & ~1;
    const sha256At = symbols.get('crypto_sha256')!.address & ~1;
    expect(board.hooks.has(hmacAt) && board.hooks.has(sha256At)).toBe(true);

    const random = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);
    const clientHello = Uint8Array.from([1, 0, 0, 70, 3, 3, ...random, 32, ...new Uint8Array(32), 0, 2, 0x13, 0x01]);
    const transcriptHash = new Uint8Array(32).fill(0x5c);
    const handshakeSecret = new Uint8Array(32).fill(0x11);
    // derive_handshake_keys: "derived" (ignored), the transcript hash (ClientHello first), then c/s hs traffic.
    expandLabel(board, hmacAt, new Uint8Array(32), 'derived', new Uint8Array(32), 32);
    board.call(sha256At, { r0: board.parts([Uint8Array.from([...clientHello, 2, 0, 0, 1, 0])]), r1: 1 });
    const chs = expandLabel(board, hmacAt, handshakeSecret, 'c hs traffic', transcriptHash, 32);
    const shs = expandLabel(board, hmacAt, handshakeSecret, 's hs traffic', transcriptHash, 32);
    expandLabel(board, hmacAt, shs, 'key', new Uint8Array(0), 16);
    expandLabel(board, hmacAt, shs, 'iv', new Uint8Array(0), 12);
    const master = new Uint8Array(32).fill(0x22);
    const cap = expandLabel(board, hmacAt, master, 'c ap traffic', transcriptHash, 32);
    const sap = expandLabel(board, hmacAt, master, 's ap traffic', transcriptHash, 32);
    board.call(sha256At, { r0: board.parts([Uint8Array.from([0x20, 0x20])]), r1: 1 }); // not a transcript
    const sap1 = expandLabel(board, hmacAt, sap, 'traffic upd', new Uint8Array(0), 32);
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const r = hex(random);
    expect(writer.lines).toEqual([
      `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${r} ${hex(chs)}`,
      `SERVER_HANDSHAKE_TRAFFIC_SECRET ${r} ${hex(shs)}`,
      `CLIENT_TRAFFIC_SECRET_0 ${r} ${hex(cap)}`,
      `SERVER_TRAFFIC_SECRET_0 ${r} ${hex(sap)}`,
      `SERVER_TRAFFIC_SECRET_1 ${r} ${hex(sap1)}`,
    ]);
    expect(watcher.status()).toMatchObject({ clientHellos: 1, secrets: 5, waitingForRandom: 0, warnings: [] });
    watcher.stop();
    expect(board.hooks.size).toBe(0);
  });

  it('fails loudly on a stripped ELF', () => {
    const stripped = join(dir.path, 'mqtt-tls-stripped.elf');
    copyFileSync(elfPath, stripped);
    execFileSync('arm-none-eabi-strip', [stripped], { timeout: 30_000 });
    const board = new FakeBoard();
    const access = { symbols: symbolsFromElf(new ElfFile(readFileSync(stripped), stripped).symbols), readMemory: board.readMemory, onFunctionEntry: board.onFunctionEntry };
    expect(() => watchFirmwareKeySchedule(access, new KeyLogWriter())).toThrow(FirmwareKeyLogError);
    expect(() => watchFirmwareKeySchedule(access, new KeyLogWriter())).toThrow(/no symbol crypto_hmac_sha256, crypto_sha256 — it is stripped/);
  });
});
