// Linux TAP: the board's frames go to a kernel network interface. koffi is reserved for the
// engine binding, so a tiny C relay (native/tap-helper.c, compiled with `cc` on first use) opens
// /dev/net/tun, attaches with TUNSETIFF (IFF_TAP | IFF_NO_PI) and relays frames over its
// stdin/stdout with a 2-byte length prefix. Killing the relay detaches (and removes a
// non-persistent TAP), so cleanup cannot leak a file descriptor into node.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FramePort } from './frame-port.js';

export class TapUnavailableError extends Error {}

export interface TapOptions {
  /** Interface name, e.g. `tap0` (created if absent, which needs CAP_NET_ADMIN). */
  name: string;
  /** Run the relay inside this network namespace (`ip netns exec NS ...`). */
  netns?: string;
  /** Runs the relay through this command prefix, e.g. `['sudo', '-n']` to lend it CAP_NET_ADMIN. */
  launcher?: string[];
  log?: (message: string) => void;
}

const PERMISSION_HINT = 'creating or attaching a TAP needs CAP_NET_ADMIN: run as root, or let your user own a persistent TAP '
  + 'first (`sudo ip tuntap add dev NAME mode tap user $USER && sudo ip link set NAME up`)';

/** Builds the relay if needed and returns its path. */
export function tapHelperPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const source = join(here, 'native', 'tap-helper.c');
  const output = join(here, 'native', 'build', 'h5sim-tap-helper');
  if (existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs) return output;
  mkdirSync(dirname(output), { recursive: true });
  // Build beside and rename, so concurrent first uses never run a half-written binary.
  const temporary = `${output}.${process.pid}.tmp`;
  try {
    execFileSync('cc', ['-O2', '-o', temporary, source], { stdio: 'pipe' });
  } catch (error) {
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim() || String(error);
    throw new TapUnavailableError(`cannot build the TAP relay with cc (${detail}); install a C compiler (apt-get install gcc)`);
  }
  renameSync(temporary, output);
  return output;
}

/** Why TAP cannot work here, or null when it may (the final word is the relay's). */
export function tapUnavailableReason(): string | null {
  if (process.platform !== 'linux') return 'TAP is supported on Linux only';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun does not exist (load the tun module or pass --device /dev/net/tun to the container)';
  return null;
}

export class TapPort implements FramePort {
  private readonly child: ChildProcess;
  private readonly listeners: Array<(frame: Uint8Array) => void> = [];
  private readonly linkListeners: Array<(up: boolean) => void> = [];
  private up = false;
  private pending: Buffer = Buffer.alloc(0);
  private readonly started: Promise<void>;
  private readonly exited: Promise<void>;

  constructor(options: TapOptions) {
    const reason = tapUnavailableReason();
    if (reason) throw new TapUnavailableError(reason);
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(options.name)) throw new TapUnavailableError(`bad TAP interface name "${options.name}"`);
    const helper = tapHelperPath();
    const argv = [...(options.launcher ?? []), ...(options.netns ? ['ip', 'netns', 'exec', options.netns] : []), helper, options.name];
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.once('close', () => resolve()));
    let status = '';
    this.started = new Promise<void>((resolve, reject) => {
      this.child.stderr!.on('data', (chunk: Buffer) => {
        status += chunk.toString();
        if (status.includes('ready ')) { this.setLink(true); resolve(); }
        const error = /error: (.*)/.exec(status);
        if (error) {
          const permission = /Operation not permitted|Permission denied/.test(error[1]!);
          reject(new TapUnavailableError(`TAP ${options.name}: ${error[1]}${permission ? `; ${PERMISSION_HINT}` : ''}`));
        }
      });
      this.child.once('error', (error) => reject(new TapUnavailableError(`cannot start the TAP relay: ${error.message}`)));
      this.child.once('close', (code) => {
        this.setLink(false);
        reject(new TapUnavailableError(`TAP relay for ${options.name} exited (code ${code}): ${status.trim() || 'no message'}`));
      });
    });
    this.started.catch(() => undefined);
    this.child.stdin!.on('error', () => {});
    this.child.stdout!.on('data', (chunk: Buffer) => this.take(chunk));
  }

  /** Resolves when the TAP is attached; rejects with a TapUnavailableError saying why not. */
  ready(): Promise<void> {
    return this.started;
  }

  get linkUp(): boolean {
    return this.up;
  }

  send(frame: Uint8Array): void {
    if (!this.up || frame.length === 0 || frame.length > 0xffff) return;
    const header = Buffer.from([frame.length >> 8, frame.length & 0xff]);
    this.child.stdin!.write(Buffer.concat([header, frame]));
  }

  onReceive(listener: (frame: Uint8Array) => void): void {
    this.listeners.push(listener);
  }

  onLinkChange(listener: (up: boolean) => void): void {
    this.linkListeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin!.end();
      const timer = setTimeout(() => this.child.kill('SIGTERM'), 1000);
      await this.exited;
      clearTimeout(timer);
    }
    this.setLink(false);
  }

  private take(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 2) {
      const length = this.pending.readUInt16BE(0);
      if (this.pending.length < 2 + length) break;
      const frame = new Uint8Array(this.pending.subarray(2, 2 + length));
      this.pending = this.pending.subarray(2 + length);
      for (const listener of this.listeners) listener(frame);
    }
  }

  private setLink(up: boolean): void {
    if (this.up === up) return;
    this.up = up;
    for (const listener of this.linkListeners) listener(up);
  }
}
