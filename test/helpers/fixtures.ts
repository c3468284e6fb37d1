// Paths of the firmware fixtures (built by scripts/build-fixtures.sh) and a CLI runner for tests.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Path of a built fixture; builds fixtures first if this one is missing. */
export function fixture(name: string): string {
  const path = `${ROOT}firmware-fixtures/build/${name}.elf`;
  if (!existsSync(path)) execFileSync(`${ROOT}scripts/build-fixtures.sh`, { stdio: 'pipe' });
  if (!existsSync(path)) throw new Error(`fixture ${name} did not build`);
  return path;
}

export interface CliResult { code: number; stdout: string; stderr: string }

/** Runs `h5sim` as a user would. */
export function runCli(args: string[], timeoutMs = 120_000): CliResult {
  const result = spawnSync(process.execPath, [`${ROOT}emulator/cli/h5sim.mjs`, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A tool scripts/setup.sh installs (mosquitto, tshark, gdb-multiarch): a test that needs it fails
 * with this message when it is missing, instead of skipping in silence.
 */
export function requireInstalled(path: string, debianPackage: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: install the Debian package ${debianPackage} (scripts/setup.sh does)`);
  return path;
}
