// `h5sim demo` as a user runs it: a child process with a time limit, judged by its verdict line.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fixture } from '../helpers/fixtures.js';
import { ROOT } from './peers.js';

fixture('mqtt-tls');
const command = [`${ROOT}emulator/cli/h5sim.mjs`, 'demo'];

function runDemoProcess(args: string[], limitMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...command, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('close', (code) => { clearTimeout(killer); resolve({ code, stdout, stderr }); });
  });
}

describe('h5sim demo', () => {
  it('publishes 3 messages to the embedded broker and prints a PASS verdict', async () => {
    const run = await runDemoProcess(['--count', '3', '--wall-limit', '80'], 100_000);
    expect(run.stdout).toMatch(/^h5sim demo: PASS — TLS 1\.3 handshake and 3 MQTT publishes acknowledged by the broker in [\d.]+ s wall \([\d.]+ s virtual/m);
    expect(run.stdout).toContain('[uart] MQTT CONNACK 0 (accepted)');
    expect(run.stdout).toContain('[broker] PUBLISH h5sim/demo/out (QoS 1): hello 3');
    expect(run.stdout).toMatch(/\[tls\] 10\.0\.2\.15:\d+ → 10\.0\.2\.2:\d+: TLS 1\.3 TLS_AES_128_GCM_SHA256 secp256r1 SNI broker\.local, established/);
    expect(run.code).toBe(0);
  });

  it('fails with one clear line when the firmware is missing', async () => {
    const run = await runDemoProcess(['--elf', '/nonexistent/fw.elf'], 20_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^h5sim demo: FAIL — \/nonexistent\/fw\.elf is missing/m);
  });
});
