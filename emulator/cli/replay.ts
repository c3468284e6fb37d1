// h5sim replay: reruns a recording (`h5sim run --record`) offline, in virtual time, and checks that
// the trace digest is the recorded one.
import { parseArgs } from 'node:util';
import { replay, replayUnderDebugger } from '../harness/record-replay.js';

export async function replayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      elf: { type: 'string' }, uart: { type: 'string' }, quiet: { type: 'boolean' },
      gdb: { type: 'string' }, 'gdb-at': { type: 'string' }, 'gdb-no-wait': { type: 'boolean' },
    },
  });
  const path = positionals[0];
  if (!path) {
    process.stderr.write('h5sim: replay needs a recording: h5sim replay <run.h5rec>\n');
    return 4;
  }
  const quiet = values.quiet ?? false;
  const echo = (text: string) => { if (!quiet) process.stdout.write(text); };
  if (values.gdb !== undefined) return replayWithGdb(path, values.gdb, values['gdb-at'], !(values['gdb-no-wait'] ?? false), values.elf, values.uart, echo);
  const started = performance.now();
  const result = await replay(path, {
    elf: values.elf,
    console: echo,
    log: (line) => process.stderr.write(`h5sim: ${line}\n`),
    onLoad: (simulation) => simulation.uart(values.uart ?? 'USART3').onData(echo),
  });
  const wall = (performance.now() - started) / 1000;
  process.stderr.write(`h5sim: replayed ${path}: ${result.cycles} cycles${result.exitCode !== undefined ? `, firmware exited with code ${result.exitCode}` : ''}, ${wall.toFixed(2)} s wall${result.lateInputs ? `, ${result.lateInputs} inputs off their recorded cycle` : ''}\n`);
  process.stderr.write(`h5sim: trace digest ${result.digest}\n`);
  if (result.matches && result.uartMatches) return 0;
  process.stderr.write(`h5sim: replay diverged: recorded digest ${result.recordedDigest ?? '(none: the recording has no end line)'}${result.uartMatches ? '' : ', UART output differs'}\n`);
  return 1;
}

/** `--gdb [HOST:]PORT`: replays exactly up to `--gdb-at CYCLE` (default: reset), then serves GDB. */
async function replayWithGdb(path: string, listen: string, at: string | undefined, wait: boolean, elf: string | undefined, uartName: string | undefined,
  echo: (text: string) => void): Promise<number> {
  const { startGdbServer } = await import('../gdb/index.js');
  const atCycle = at === undefined ? 0 : Number(at);
  if (!Number.isInteger(atCycle) || atCycle < 0) {
    process.stderr.write('h5sim: --gdb-at takes a cycle count (a non-negative integer)\n');
    return 4;
  }
  let end: Promise<{ kind: string; code?: number }> = Promise.resolve({ kind: 'closed' });
  let close = async () => {};
  const { simulation, lateInputs } = await replayUnderDebugger(path, {
    elf,
    atCycle,
    console: echo,
    log: (line) => process.stderr.write(`h5sim: ${line}\n`),
    onLoad: (sim) => sim.uart(uartName ?? 'USART3').onData(echo),
    startDebugger: async (sim, hooks) => {
      const handedOver = sim.machine.clock.now;
      let started: { target: { chunkCycles: number } } | undefined;
      const server = await startGdbServer({
        machine: sim.machine, listen: listen || 3333, wait,
        // runFree may start before startGdbServer returns: reach the target through a late binding.
        beforeChunk: () => { hooks.beforeChunk(); if (started) started.target.chunkCycles = hooks.chunkCycles(); },
        chunkCycles: hooks.chunkCycles(),
        log: (line) => process.stderr.write(`h5sim gdb: ${line}\n`),
        onExit: (code) => sim.trace?.finish('exit', code, sim.machine.clock.now),
      });
      started = server;
      process.stderr.write(`h5sim: replayed exactly to cycle ${handedOver}; gdb server on ${server.host}:${server.port}\n`);
      end = server.done;
      close = () => server.close();
    },
  });
  try {
    const result = await end;
    process.stderr.write(`h5sim: replay under gdb ended (${result.kind}${result.code !== undefined ? ` ${result.code}` : ''}) at cycle ${simulation.machine.clock.now}${lateInputs() ? `, ${lateInputs()} inputs off their recorded cycle` : ''}\n`);
    process.stderr.write(`h5sim: trace digest ${simulation.digest}\n`);
    return result.kind === 'exit' ? result.code ?? 0 : 0;
  } finally {
    await close();
    await simulation.close();
  }
}
