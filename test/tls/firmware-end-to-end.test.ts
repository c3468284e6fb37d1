// The story end to end: the mqtt-tls fixture (lib/tls13, ECDSA-only signature_algorithms, as NetX
// Duo offers) runs on the simulated STM32H563, its Ethernet goes through usernet to a mosquitto on
// 127.0.0.1, and the TLS inspector watches the cable. Against an RSA certificate the broker's
// alert 40 is decoded and explained; against an ECDSA one the handshake completes, and the key log
// taken from the unchanged firmware (ELF symbols) decrypts its MQTT in the inspector and in tshark.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/fixtures.js';
import { describe, expect, it } from 'vitest';
import { Reg } from '../../emulator/core/engine.js';
import { Machine } from '../../emulator/machine/machine.js';
import { stm32h563 } from '../../emulator/machine/stm32h563.js';
import { UserNet, netClockFrom } from '../../emulator/net/index.js';
import { PcapWriter } from '../../emulator/net/pcap.js';
import {
  KeyLogWriter, TlsInspector, diagnose, symbolsFromElf, watchFirmwareKeySchedule, type DiagnoseResult, type FirmwareKeyLog,
} from '../../emulator/tls/index.js';
import { makeCertificates, startMosquitto, tempDir } from './tls-peers.js';

const root = new URL('../..', import.meta.url).pathname;
const elfPath = `${root}firmware-fixtures/build/mqtt-tls.elf`;
// Built by scripts/build-fixtures.sh; a missing or failed build fails these tests.
fixture('mqtt-tls');

/** The provisioning block of lib/tls13/provision.h (little-endian items after "H5PV"). */
function provisioning(caDer: Uint8Array, port: number): Buffer {
  const item = (type: number, value: Uint8Array) => Buffer.concat([Buffer.from([type, value.length & 0xff, value.length >> 8]), value]);
  const u16 = (v: number) => Buffer.from([v & 0xff, v >> 8]);
  const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
  const items = Buffer.concat([
    item(0x01, caDer), item(0x04, Buffer.from('broker.local')), item(0x05, u16(port)), item(0x0a, Buffer.from([10, 0, 2, 2])),
    item(0x07, u32(1)), item(0x0d, u32(200)), item(0x0f, u32(200)),
  ]);
  return Buffer.concat([Buffer.from('H5PV'), u16(1), u16(items.length), items]);
}

interface Run { exitCode: number | null; console: string; inspector: TlsInspector; keys: KeyLogWriter; keyLog: FirmwareKeyLog }

/** `whileBrokerUp` runs after the firmware exits, before the broker stops. */
async function runFirmware(dir: string, kind: 'rsa' | 'ec', whileBrokerUp?: (run: Run, brokerPort: number) => Promise<void>, brokerOptions: string[] = []): Promise<Run & { brokerPort: number; capture: string; keyPath: string }> {
  const files = makeCertificates(dir, kind);
  const caDer = execFileSync('openssl', ['x509', '-in', files.ca, '-outform', 'DER'], { timeout: 10_000 });
  const broker = await startMosquitto(dir, files, ['tls_version tlsv1.3', ...brokerOptions], 110_000);
  const machine = new Machine(stm32h563, { strict: false, console: () => {}, logSink: () => {} });
  const capture = join(dir, `${kind}.pcapng`);
  const keyPath = join(dir, `${kind}-keys.txt`);
  const pcap = new PcapWriter(capture, () => 1_767_225_600 + machine.clock.seconds);
  const net = new UserNet({ clock: netClockFrom(machine.clock), now: () => Date.now() / 1000, log: () => {} });
  try {
    let uart = '';
    let pendingLine = '';
    const keys = new KeyLogWriter(keyPath);
    const inspector = new TlsInspector({ keys: keys.keys });
    machine.serial.link('USART3').onData((bytes) => {
      const text = String.fromCharCode(...bytes);
      uart += text;
      pendingLine += text;
      let end;
      while ((end = pendingLine.indexOf('\n')) >= 0) {
        inspector.noteConsoleLine(pendingLine.slice(0, end).replace(/\r$/, ''), machine.clock.seconds);
        pendingLine = pendingLine.slice(end + 1);
      }
    });
    const elf = machine.loadElf(readFileSync(elfPath), elfPath);
    const block = provisioning(caDer, broker.port);
    const target = machine.bus.findRegion(0x081f_e000, block.length)!;
    target.region.data.set(block, target.offset);
    const engine = machine.engine;
    const keyLog = watchFirmwareKeySchedule({
      symbols: symbolsFromElf(elf.symbols),
      readMemory: (address, length) => engine.readMemory(address, length),
      onFunctionEntry: (address, callback) => engine.addCodeHook(address, address, () => callback({
        r0: engine.readRegister(Reg.R0) >>> 0, r1: engine.readRegister(Reg.R1) >>> 0, r2: engine.readRegister(Reg.R2) >>> 0,
        r3: engine.readRegister(Reg.R3) >>> 0, sp: engine.readRegister(Reg.SP) >>> 0,
      })),
    }, keys);
    const link = machine.ethernet.get('ETH')!;
    link.tap((direction, frame) => { pcap.packet(frame, direction === 'tx'); inspector.feed(direction, frame, machine.clock.seconds); });
    link.connect(net);
    machine.reset();
    // Never ahead of the wall clock: the broker and usernet's sockets live in real time.
    const start = performance.now();
    let exitCode: number | null = null;
    while (performance.now() - start < 100_000) {
      const { stop } = machine.core.run(2_500_000);
      link.deliverPending();
      if (stop.kind === 'exit') { exitCode = stop.code; break; }
      if (stop.kind !== 'budget' && stop.kind !== 'sleeping-forever') throw new Error(`firmware stopped: ${JSON.stringify(stop).slice(0, 300)}\n${uart}`);
      const ahead = machine.clock.seconds - (performance.now() - start) / 1000;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, ahead * 1000)));
    }
    const run = { exitCode, console: uart, inspector, keys, keyLog };
    await whileBrokerUp?.(run, broker.port);
    return { ...run, brokerPort: broker.port, capture, keyPath };
  } finally {
    pcap.close();
    await net.close();
    machine.close();
    await broker.stop();
  }
}

describe('mqtt-tls firmware on the simulator against mosquitto', () => {
  it('RSA broker certificate: alert 40 decoded and diagnosed; diagnose() on the captured ClientHello names the signature algorithm', async () => {
    const dir = tempDir();
    try {
      let replay: DiagnoseResult | null = null;
      const run = await runFirmware(dir.path, 'rsa', async (r, port) => {
        const hello = r.inspector.connections.find((x) => x.isTls)?.clientHello;
        if (hello) replay = await diagnose({ clientHello: hello, broker: `127.0.0.1:${port}` });
      });
      expect(run.console).toContain('TLS ClientHello sent: TLS_AES_128_GCM_SHA256, secp256r1, signature_algorithms ecdsa_secp256r1_sha256');
      expect(run.console).toContain('TLS alert received: 40 handshake_failure');
      expect(run.exitCode).not.toBe(0);
      const c = run.inspector.connections.find((x) => x.isTls)!;
      expect(c.board.ip).toBe('10.0.2.15');
      expect(c.clientHello!.signatureAlgorithms!.map((s) => s.name)).toEqual(['ecdsa_secp256r1_sha256']);
      expect(c.clientHello!.serverName).toBe('broker.local');
      expect(c.alerts).toEqual([expect.objectContaining({ from: 'peer', code: 40, name: 'handshake_failure', source: 'clear' })]);
      expect(c.diagnosis!.text).toContain('broker sent alert 40 handshake_failure right after a ClientHello that offered only ECDSA signature algorithms (ecdsa_secp256r1_sha256); a server with an RSA certificate cannot satisfy that; NetX Duo\'s TLS 1.3 supports only ECC certificates — give the broker an ECDSA P-256 certificate, or offer rsa_pss_rsae_sha256');
      expect(run.inspector.summary()).toMatch(/^10\.0\.2\.15:\d+ → 10\.0\.2\.2:\d+: handshake failed: broker sent alert 40/);
      expect(run.keys.lines).toEqual([]); // no ServerHello, no secrets
      const result = replay as DiagnoseResult | null;
      expect(result!.baseline.alert).toEqual({ code: 40, name: 'handshake_failure' });
      expect(result!.cause).toBe('signature_algorithms');
      expect(result!.text).toMatch(/cause: signature algorithm — the broker needs rsa_pss_rsae_sha256/);
    } finally {
      dir.remove();
    }
  });

  it('ECDSA broker certificate: the firmware key log decrypts its MQTT session (inspector and tshark)', async () => {
    const dir = tempDir();
    try {
      const run = await runFirmware(dir.path, 'ec');
      expect(run.console).toContain('TLS handshake complete: TLS_AES_128_GCM_SHA256, secp256r1, server signature ecdsa_secp256r1_sha256');
      expect(run.exitCode).toBe(0);
      expect(run.keyLog.status()).toMatchObject({ clientHellos: 1, secrets: 4, warnings: [] });
      const c = run.inspector.connections.find((x) => x.isTls)!;
      expect(run.keys.lines.map((l) => l.split(' ')[0])).toEqual([
        'CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0']);
      expect(run.keys.lines.every((l) => l.split(' ')[1] === c.clientHello!.randomHex)).toBe(true);
      expect(c.decrypting).toBe(true);
      expect(c.handshakeComplete).toBe(true);
      expect(c.messages.map((m) => `${m.from}:${m.name}`)).toEqual(expect.arrayContaining([
        'peer:encrypted_extensions', 'peer:certificate', 'peer:certificate_verify', 'peer:finished', 'board:finished']));
      expect(c.alerts).toEqual([expect.objectContaining({ from: 'board', code: 0, source: 'decrypted' })]); // close_notify
      expect(run.inspector.summary()).toMatch(/TLS 1\.3 TLS_AES_128_GCM_SHA256 secp256r1 SNI broker\.local, established/);
      const port = String(run.brokerPort);
      const tshark = spawnSync('tshark', ['-r', run.capture, '-o', `tls.keylog_file:${run.keyPath}`, '-d', `tcp.port==${port},tls`,
        '-d', `tls.port==${port},mqtt`, '-Y', 'mqtt', '-T', 'fields', '-e', 'mqtt.msgtype', '-e', 'mqtt.clientid', '-e', 'mqtt.topic'],
      { timeout: 30_000, encoding: 'utf8' });
      expect(tshark.status).toBe(0);
      expect(tshark.stdout).toContain('1\th5sim\t'); // CONNECT
      expect(tshark.stdout).toContain('3\t\th5sim/h5sim/out'); // PUBLISH
    } finally {
      dir.remove();
    }
  });

  it('broker requiring a client certificate: the encrypted alert 116 is read with the firmware key log', async () => {
    const dir = tempDir();
    try {
      const run = await runFirmware(dir.path, 'ec', undefined, ['require_certificate true']);
      expect(run.console).toContain('TLS server asked for a client certificate; sending none');
      expect(run.exitCode).not.toBe(0);
      const c = run.inspector.connections.find((x) => x.isTls)!;
      expect(c.certificateRequested).toBe(true);
      expect(c.clientCertificateSent).toBe(false);
      expect(c.alerts.find((a) => a.from === 'peer')).toMatchObject({ code: 116, name: 'certificate_required', source: 'decrypted' });
      expect(c.diagnosis!.kind).toBe('client-certificate-rejected');
      expect(c.diagnosis!.text).toMatch(/broker sent alert 116 certificate_required after the client's certificate flight: mutual TLS rejected; the board sent no client certificate/);
    } finally {
      dir.remove();
    }
  });
});
