// h5sim replay: reruns a recording (`h5sim run --record`) offline, in virtual time, and checks that
// the trace digest is the recorded one.
import { parseArgs } from 'node:util';
import { replay } from '../harness/record-replay.js';

export async function replayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { elf: { type: 'string' }, uart: { type: 'string' }, quiet: { type: 'boolean' } },
  });
  const path = positionals[0];
  if (!path) {
    process.stderr.write('h5sim: replay needs a recording: h5sim replay <run.h5rec>\n');
    return 4;
  }
  const quiet = values.quiet ?? false;
  const echo = (text: string) => { if (!quiet) process.stdout.write(text); };
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
