import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { ROOT, fixture } from '../helpers/fixtures.js';

describe('h5sim run --gdb', () => {
  it('halts at reset with --gdb-wait, lets gdb-multiarch break in main, and exits with the firmware code', async () => {
    const elf = fixture('hello');
    const child = spawn(process.execPath, [`${ROOT}emulator/cli/h5sim.mjs`, 'run', elf, '--gdb', '127.0.0.1:0', '--gdb-wait'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no GDB port announced: ${stderr}`)), 30_000);
      child.stderr.on('data', (d) => {
        stderr += d;
        const match = /GDB server on 127\.0\.0\.1:(\d+)/.exec(stderr);
        if (match) { clearTimeout(timer); resolve(Number(match[1])); }
      });
    });
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    try {
      const gdb = spawnSync('gdb-multiarch', ['-batch', '-nx', '-ex', 'set pagination off', '-ex', `target remote 127.0.0.1:${port}`,
        '-ex', 'break main', '-ex', 'continue', '-ex', 'info symbol $pc', '-ex', 'continue', elf], { encoding: 'utf8', timeout: 60_000 });
      expect(gdb.stdout).toMatch(/Breakpoint 1, .*main/);
      expect(gdb.stdout).toMatch(/main \+ \d+ in section \.text|main in section \.text/);
      expect(await exited).toBe(7);
      expect(stdout).toContain('hello from h5sim 563');
    } finally {
      child.kill();
    }
  });
});
