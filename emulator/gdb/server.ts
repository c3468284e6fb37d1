// The GDB server: one debugger at a time over a transport, a MachineTarget underneath. Without a
// debugger the target runs free (after `D`, on disconnect, or from the start when not waiting);
// a debugger that connects halts it.
import type { Machine } from '../machine/machine.js';
import { GdbSession } from './protocol.js';
import { MachineTarget } from './machine-target.js';
import { parseListenAddress, type Connection, type Listener } from './transports/connection.js';
import { listenTcp } from './transports/tcp.js';
import { listenWebSocket } from './transports/websocket.js';

export interface GdbServerOptions {
  /** A machine with its firmware loaded and reset. */
  machine: Machine;
  /** `host:port`, `:port` or a port number; default 127.0.0.1:3333. Port 0 picks a free port. */
  listen?: string | number;
  transport?: 'tcp' | 'ws';
  /** Keep the target halted at reset until a debugger attaches (QEMU's -S). Default true. */
  wait?: boolean;
  /** Called before each execution chunk (deliver host network frames, stop conditions). */
  beforeChunk?: () => void;
  /** Cycles per execution chunk (default 4 million). */
  chunkCycles?: number;
  /** The firmware exited through semihosting. */
  onExit?: (code: number) => void;
  /** Server diagnostics: connections, fault reports while no debugger is attached, protocol errors. */
  log?: (line: string) => void;
}

export type GdbServerEnd =
  | { kind: 'exit'; code: number }
  | { kind: 'killed' }
  | { kind: 'closed' };

export interface GdbServer {
  readonly host: string;
  readonly port: number;
  readonly target: MachineTarget;
  /** Stops listening, drops the client, halts the target. */
  close(): Promise<void>;
  /** Resolves when the firmware exits, GDB kills it, or close() is called — whichever comes first. */
  readonly done: Promise<GdbServerEnd>;
}

export async function startGdbServer(options: GdbServerOptions): Promise<GdbServer> {
  const { host, port } = parseListenAddress(options.listen);
  const log = options.log ?? (() => {});
  const target = new MachineTarget(options.machine, { chunkCycles: options.chunkCycles, beforeChunk: options.beforeChunk });
  let finish!: (end: GdbServerEnd) => void;
  let finished = false;
  const done = new Promise<GdbServerEnd>((resolve) => {
    finish = (end) => {
      if (finished) return;
      finished = true;
      resolve(end);
    };
  });
  const exited = (code: number) => {
    options.onExit?.(code);
    finish({ kind: 'exit', code });
  };
  let client: Connection | null = null;
  let closing = false;
  const idleOutput = (text: string) => log(`gdb: ${text.trimEnd()}`);

  const runFree = () => {
    if (closing || client || target.running || target.exited !== null) return;
    target.setDebuggerAttached(false);
    target.output = idleOutput;
    void target.resume().then((stop) => {
      if (stop.kind === 'exited') exited(stop.code);
      else if (stop.kind === 'fault') log(`gdb: target stopped with no debugger attached:\n${stop.report}`);
    });
  };

  const haltForDebugger = async () => {
    if (target.running) {
      target.halt();
      await target.whenIdle();
    }
  };

  const accept = (connection: Connection) => {
    if (client || closing) {
      log(`gdb: refusing ${connection.peer}: a debugger is already connected`);
      connection.close();
      return;
    }
    client = connection;
    log(`gdb: debugger connected from ${connection.peer}`);
    let killed = false;
    const session = new GdbSession(target, (bytes) => connection.write(bytes), {
      log,
      close: () => connection.close(),
      onDetach: () => log('gdb: debugger detached; the target runs on'),
      onKill: () => { killed = true; finish({ kind: 'killed' }); },
      onExit: (code) => exited(code),
    });
    connection.onData((bytes) => session.receive(bytes));
    connection.onClose(() => {
      session.close();
      if (client === connection) client = null;
      log(`gdb: debugger ${connection.peer} disconnected`);
      if (closing) return;
      void (async () => {
        await haltForDebugger();
        if (closing) return;
        target.clearDebugState();
        if (!killed) runFree();
      })();
    });
    void (async () => {
      await haltForDebugger();
      if (target.exited !== null) target.reset(); // a new session after the firmware ended starts it again
      target.setDebuggerAttached(true);
      session.start();
    })();
  };

  const listener: Listener = options.transport === 'ws'
    ? await listenWebSocket(host, port, accept)
    : await listenTcp(host, port, accept);
  log(`gdb: listening on ${options.transport === 'ws' ? 'ws' : 'tcp'}://${listener.host}:${listener.port}`);
  if (options.wait === false) runFree();

  return {
    host: listener.host,
    port: listener.port,
    target,
    done,
    close: async () => {
      closing = true;
      await listener.close();
      target.halt();
      await target.whenIdle();
      target.clearDebugState();
      target.setDebuggerAttached(false);
      target.output = undefined;
      finish({ kind: 'closed' });
    },
  };
}
