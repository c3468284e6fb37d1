// h5sim command line: a thin shell over the Simulation harness.
import { parseArgs } from 'node:util';
import { appendFileSync, writeFileSync } from 'node:fs';
import { attachTraces } from '../harness/tracing.js';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Simulation, type RunResult, type SimulationOptions, type UartHandle } from '../harness/simulation.js';
import { SetupError } from '../machine/machine.js';
import { ElfError } from '../elf/elf-file.js';
import { EngineUnavailableError } from '../core/unicorn.js';
import { StrictAccessError, formatAccess, hex } from '../diagnostics/access-log.js';
import { formatFaultReport } from '../diagnostics/fault-report.js';
import { parseDuration } from '../time/virtual-clock.js';
import { startRecording } from '../harness/record-replay.js';

export const EXIT = { pass: 0, expectationFailed: 1, timeout: 2, guestFault: 3, setupError: 4 } as const;

const HELP = `h5sim — run STM32H563/H573 firmware without a board

Usage:
  h5sim run <firmware.elf> [options]      boot the image and run it
  h5sim gateway --listen 127.0.0.1:PORT   run usernet as a WebSocket gateway for boards
  h5sim replay <run.h5rec> [--elf F]      rerun a recording offline in virtual time (same trace digest)
  h5sim replay <run.h5rec> --gdb [H:]PORT [--gdb-at CYCLE] [--gdb-no-wait]
                                          replay exactly to CYCLE, then serve GDB (later inputs at their cycles)
  h5sim demo                              the MQTT/TLS firmware against an embedded broker (npm start)
  h5sim --help | --version

Run options:
  --machine stm32h563|stm32h573   chip (default stm32h563)
  --timeout <time>                virtual time limit, e.g. 20s, 500ms (default 10s)
  --max-instructions <N>          stop after N instructions
  --strict                        unmodelled register accesses are errors
  --net user|tap:NAME[@NETNS]|ws://H:P
                                  attach Ethernet (default: none); tap:NAME@NETNS creates the TAP
                                  inside that existing network namespace
  --pcap <file.pcapng>            capture the board's frames
  --hostfwd tcp:127.0.0.1:H-:G    forward a host port to the board (repeatable)
  --host NAME=IP                  DNS entry for usernet (repeatable); broker.local → host loopback by default
  --allow CIDR                    host destinations the board may reach (default 127.0.0.0/8)
  --time-mode virtual|realtime    default: realtime with a network, virtual without
  --entropy seeded|host           RNG source (default seeded, deterministic)
  --seed <N>                      seed of the deterministic generators
  --rtc reset|epoch|host          RTC calendar at power-up: reset values, INITS = 0 (default, as after
                                  a backup-domain reset); preset to the simulated epoch (2026-01-01);
                                  or preset to the host's clock (as a battery-kept RTC, INITS = 1)
  --uart <NAME>                   UART shown on the terminal (default USART3, the NUCLEO's VCP)
  --uart-tcp [HOST:]PORT          also serve that UART on a TCP socket (127.0.0.1 by default): output
                                  to every client, client input to the UART's receiver
  --quiet                         do not echo UART and semihosting output
  --trace-blocks <N>              keep the last N basic blocks for fault reports
  --gdb [HOST:]PORT               serve GDB (remote serial protocol) on 127.0.0.1 by default
  --gdb-wait                      with --gdb: halt at reset until GDB attaches (like QEMU -S)
  --trace <list>                  exceptions, mmio:PERIPHERAL (repeatable in the list), tls, mqtt —
                                  e.g. --trace exceptions,mmio:USART3; lines go to stderr or --trace-file;
                                  mqtt decodes MQTT (plain, or inside TLS with the firmware's own keys)
  --trace-format text|json        one line per event (default text)
  --trace-file <file>             write traces there instead of stderr
  --tls-trace                     print each TLS connection's handshake and, on failure, why
  --keylog <file>                 NSS key log of the firmware's TLS 1.3 sessions (for Wireshark/tshark)
Expectations (CI): the run passes when every --expect-* holds, fails on any --fail-*:
  --expect-text <text>            UART output contains text (repeatable)
  --fail-text <text>              UART output contains text → fail (repeatable)
  --expect-symbol <NAME|0xADDR>   the PC reaches a function or address
  --fail-symbol <NAME|0xADDR>     reaching it fails the run (e.g. Error_Handler)
  --expect-pin <PB0=1>            a pin configured as output drives this level
  --junit <file.xml>              write the verdict as JUnit XML
Reproducing a run:
  --record <run.h5rec>            record the host's inputs (frames, UART bytes) at their virtual cycles
Exit codes:
  without expectations: the firmware's semihosting exit code; 2 timeout, 3 guest fault, 4 setup error
  with expectations:    0 pass, 1 expectation failed, 2 timeout, 3 guest fault, 4 setup error`;

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function die(message: string): number {
  process.stderr.write(`h5sim: ${message}\n`);
  return EXIT.setupError;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${HELP}\n`);
    return command ? 0 : EXIT.setupError;
  }
  if (command === '--version') {
    process.stdout.write('h5sim 0.1.0\n');
    return 0;
  }
  try {
    if (command === 'run') return await runCommand(rest);
    if (command === 'gateway') return await gatewayCommand(rest);
    if (command === 'replay') return await (await import('./replay.js')).replayCommand(rest);
    if (command === 'demo') return await (await import('./demo.js')).runDemo(rest);
    return die(`unknown command "${command}" (try h5sim --help)`);
  } catch (error) {
    return die(describeError(error));
  }
}

export function describeError(error: unknown): string {
  if (error instanceof StrictAccessError) return `strict mode: ${formatAccess(error.record)}`;
  if (error instanceof SetupError || error instanceof ElfError || error instanceof EngineUnavailableError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

async function runCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        machine: { type: 'string' }, timeout: { type: 'string' }, 'max-instructions': { type: 'string' },
        strict: { type: 'boolean' }, net: { type: 'string' }, pcap: { type: 'string' },
        hostfwd: { type: 'string', multiple: true }, host: { type: 'string', multiple: true }, allow: { type: 'string', multiple: true },
        'time-mode': { type: 'string' }, entropy: { type: 'string' }, seed: { type: 'string' }, uart: { type: 'string' }, rtc: { type: 'string' },
        quiet: { type: 'boolean' }, 'trace-blocks': { type: 'string' }, 'tls-trace': { type: 'boolean' }, keylog: { type: 'string' },
        gdb: { type: 'string' }, 'gdb-wait': { type: 'boolean' }, 'uart-tcp': { type: 'string' },
        trace: { type: 'string' }, 'trace-format': { type: 'string' }, 'trace-file': { type: 'string' },
        'expect-text': { type: 'string', multiple: true }, 'fail-text': { type: 'string', multiple: true },
        'expect-symbol': { type: 'string', multiple: true }, 'fail-symbol': { type: 'string', multiple: true },
        'expect-pin': { type: 'string', multiple: true }, junit: { type: 'string' },
        record: { type: 'string' },
      },
    });
  } catch (error) {
    return die(`${(error as Error).message} (try h5sim --help)`);
  }
  const { values, positionals } = parsed;
  const elfPath = positionals[0];
  if (!elfPath) return die('run needs a firmware ELF: h5sim run <firmware.elf>');
  if (positionals.length > 1) return die(`unexpected argument "${positionals[1]}"`);
  const timeout = values.timeout ? parseDuration(values.timeout) : 10;
  const machine = values.machine ?? 'stm32h563';
  if (machine !== 'stm32h563' && machine !== 'stm32h573') return die(`unknown machine "${machine}" (stm32h563 or stm32h573)`);
  const timeMode = values['time-mode'];
  if (timeMode && timeMode !== 'virtual' && timeMode !== 'realtime') return die('--time-mode is virtual or realtime');
  const entropy = values.entropy;
  if (entropy && entropy !== 'seeded' && entropy !== 'host') return die('--entropy is seeded or host');
  const rtc = values.rtc;
  if (rtc && rtc !== 'reset' && rtc !== 'epoch' && rtc !== 'host') return die('--rtc is reset, epoch or host');
  const quiet = values.quiet ?? false;
  const uartName = values.uart ?? 'USART3';
  const echo = (text: string) => { if (!quiet) process.stdout.write(text); };

  const options: SimulationOptions = {
    machine,
    net: values.net,
    pcap: values.pcap,
    hostForwards: values.hostfwd,
    hosts: values.host,
    allow: values.allow,
    strict: values.strict,
    timeMode: timeMode as SimulationOptions['timeMode'],
    entropy: entropy as SimulationOptions['entropy'],
    rtc: rtc as SimulationOptions['rtc'],
    seed: values.seed !== undefined ? Number(values.seed) : undefined,
    console: echo,
    log: (line) => process.stderr.write(`h5sim: ${line}\n`),
    traceBlocks: values['trace-blocks'] !== undefined ? Number(values['trace-blocks']) : undefined,
    keylog: values.keylog,
  };
  const started = performance.now();
  const sim = await Simulation.load(elfPath, options);
  let uartServer: Server | undefined;
  try {
    const recorder = values.record ? startRecording(sim, elfPath) : undefined;
    const uart = sim.uart(uartName);
    uart.onData(echo);
    if (values.trace) {
      const format = values['trace-format'] ?? 'text';
      if (format !== 'text' && format !== 'json') throw new SetupError('--trace-format is text or json');
      const file = values['trace-file'];
      if (file) writeFileSync(file, '');
      attachTraces(sim, values.trace, format, file ? (l) => appendFileSync(file, `${l}\n`) : (l) => process.stderr.write(`h5sim trace: ${l}\n`));
    }
    if (values['uart-tcp'] !== undefined) uartServer = await serveUartOverTcp(uart, values['uart-tcp']);
    if (values.gdb !== undefined) return await serveDebugger(sim, values.gdb, values['gdb-wait'] ?? false);
    const tlsTrace = values['tls-trace'] ?? false;
    const diagnoses: string[] = [];
    sim.on('tls-failure', ({ diagnosis }: { diagnosis?: { text: string } }) => {
      if (diagnosis && !diagnoses.includes(diagnosis.text)) diagnoses.push(diagnosis.text);
    });
    if (tlsTrace && sim.tls) {
      sim.tls.on('client-hello', ({ hello }) => process.stderr.write(`h5sim tls: ClientHello ${describeHello(hello)}\n`));
      sim.tls.on('alert', (event) => process.stderr.write(`h5sim tls: alert ${JSON.stringify(event.alert ?? event).slice(0, 160)}\n`));
    }

    const expectTexts = list(values['expect-text']);
    const failTexts = list(values['fail-text']);
    const expectPins = list(values['expect-pin']).map((spec) => {
      const match = /^(P[A-I]\d{1,2})=([01])$/i.exec(spec);
      if (!match) throw new SetupError(`--expect-pin expects PIN=LEVEL such as PB0=1, got "${spec}"`);
      return { pin: match[1]!.toUpperCase(), level: Number(match[2]) as 0 | 1 };
    });
    const reached = new Set<string>();
    let failedSymbol: string | undefined;
    const hookSymbol = (spec: string, onHit: () => void) => {
      const address = /^0x[0-9a-f]+$/i.test(spec) ? Number(spec) & ~1 : sim.symbol(spec);
      sim.machine.engine.addCodeHook(address, address, () => {
        onHit();
        sim.machine.core.requestStop({ kind: 'halted' });
      });
    };
    for (const spec of list(values['expect-symbol'])) hookSymbol(spec, () => reached.add(spec));
    for (const spec of list(values['fail-symbol'])) hookSymbol(spec, () => { failedSymbol ??= spec; });
    const maxInstructions = values['max-instructions'] !== undefined ? Number(values['max-instructions']) : Infinity;
    const hasExpectations = expectTexts.length + failTexts.length + expectPins.length + list(values['expect-symbol']).length + list(values['fail-symbol']).length > 0;

    const hasPositive = expectTexts.length + expectPins.length + list(values['expect-symbol']).length > 0;
    const expectationsMet = () => hasPositive && expectTexts.every((t) => uart.text().includes(t))
      && list(values['expect-symbol']).every((s) => reached.has(s))
      && expectPins.every(({ pin, level }) => sim.pinOutput(pin) === level);
    const failureSeen = () => failedSymbol !== undefined || failTexts.some((t) => uart.text().includes(t));

    let result: RunResult;
    for (;;) {
      result = await sim.runUntil(() => (hasExpectations && (expectationsMet() || failureSeen())) || sim.machine.clock.now >= maxInstructions,
        { timeout: Math.max(0, timeout - sim.virtualSeconds) });
      // A --expect-symbol/--fail-symbol hook halts the core; keep going unless a verdict is in.
      if (result.reason === 'condition' && hasExpectations && !expectationsMet() && !failureSeen() && sim.machine.clock.now < maxInstructions && sim.virtualSeconds < timeout) continue;
      break;
    }
    const wall = (performance.now() - started) / 1000;
    let code: number;
    let verdict: string;
    if (result.fault) {
      process.stderr.write(`\nh5sim: ${formatFaultReport(result.fault)}\n`);
    }
    if (result.reason === 'model-error') {
      code = EXIT.setupError;
      verdict = `stopped: ${describeError(result.error)}`;
    } else if (hasExpectations) {
      if (failureSeen()) {
        code = EXIT.expectationFailed;
        verdict = failedSymbol ? `FAIL: reached ${failedSymbol}` : `FAIL: UART printed "${failTexts.find((t) => uart.text().includes(t))}"`;
      } else if (expectationsMet()) {
        code = EXIT.pass;
        verdict = 'PASS: every expectation met';
      } else if (!hasPositive && !result.fault && result.reason !== 'lockup' && (result.reason !== 'exit' || result.exitCode === 0)) {
        code = EXIT.pass;
        verdict = `PASS: no failure seen (${result.reason === 'exit' ? 'firmware exited with 0' : `ran ${timeout} s virtual`})`;
      } else if (result.fault || result.reason === 'lockup') {
        code = EXIT.guestFault;
        verdict = `FAIL: guest fault (${result.fault?.kind ?? result.reason})`;
      } else if (result.reason === 'exit') {
        code = EXIT.expectationFailed;
        verdict = `FAIL: firmware exited with code ${result.exitCode} before the expectations were met`;
      } else {
        code = EXIT.timeout;
        verdict = `FAIL: timeout after ${timeout} s virtual with expectations unmet`;
      }
    } else if (result.reason === 'exit') {
      code = result.exitCode ?? 0;
      verdict = `firmware exited with code ${code}`;
    } else if (result.fault || result.reason === 'lockup') {
      code = EXIT.guestFault;
      verdict = `guest fault (${result.fault?.kind ?? result.reason})`;
    } else if (sim.machine.clock.now >= maxInstructions) {
      code = EXIT.timeout;
      verdict = `stopped after ${maxInstructions} instructions`;
    } else if (result.reason === 'sleeping-forever') {
      code = EXIT.timeout;
      verdict = 'the firmware sleeps with nothing scheduled to wake it';
    } else {
      code = EXIT.timeout;
      verdict = `timeout after ${timeout} s virtual`;
    }
    if (sim.tls && (tlsTrace || diagnoses.length > 0)) {
      const summary = sim.tls.summary();
      if (summary) process.stderr.write(`h5sim tls: ${summary.split('\n').join('\nh5sim tls: ')}\n`);
      for (const text of diagnoses) process.stderr.write(`h5sim tls diagnosis: ${text}\n`);
    }
    if (code === EXIT.timeout) {
      const polling = sim.machine.core.describePolling();
      if (polling) process.stderr.write(`h5sim: the firmware is waiting on ${polling}\n`);
    }
    const pc = sim.readRegister('pc');
    const where = sim.describeAddress(pc);
    process.stderr.write(`h5sim: ${verdict} — ${result.virtualSeconds.toFixed(6)} s virtual, ${wall.toFixed(2)} s wall, PC ${hex(pc)}${where ? ` <${where}>` : ''}\n`);
    process.stderr.write(`h5sim: trace digest ${sim.digest}\n`);
    if (recorder && values.record) recorder.save(values.record);
    if (values.junit) writeJunit(values.junit, elfPath, code, verdict, uart.text(), result.virtualSeconds);
    return code;
  } finally {
    uartServer?.close();
    await sim.close();
  }
}

/** A UART as a TCP socket (like QEMU's -serial tcp:…,server): loopback unless told otherwise.
 * The run waits for nothing: start the client first, or read the backlog a new client receives. */
export async function serveUartOverTcp(uart: UartHandle, listen: string): Promise<Server> {
  const match = /^(?:(.*):)?(\d+)$/.exec(listen);
  if (!match) throw new SetupError(`--uart-tcp expects [HOST:]PORT, got "${listen}"`);
  const host = match[1] || '127.0.0.1';
  const clients = new Set<Socket>();
  uart.onData((text) => { for (const client of clients) client.write(Buffer.from(text, 'latin1')); });
  const server = createServer((socket) => {
    // A client that connects late still gets what was printed so far (the boot log).
    socket.write(Buffer.from(uart.text(), 'latin1'));
    clients.add(socket);
    socket.on('data', (data) => uart.send(new Uint8Array(data)));
    socket.on('close', () => clients.delete(socket));
    socket.on('error', () => clients.delete(socket));
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(Number(match[2]), host, resolve); });
  const address = server.address() as AddressInfo;
  process.stderr.write(`h5sim: ${uart.name} on tcp ${address.address}:${address.port}\n`);
  return server;
}

async function serveDebugger(sim: Simulation, listen: string, wait: boolean): Promise<number> {
  const { startGdbServer } = await import('../gdb/index.js');
  const address = /^\d+$/.test(listen) ? `127.0.0.1:${listen}` : listen.startsWith(':') ? `127.0.0.1${listen}` : listen;
  const server = await startGdbServer({
    machine: sim.machine, listen: address, transport: 'tcp', wait,
    beforeChunk: () => sim.deliverHostInput(),
    log: (line) => process.stderr.write(`h5sim gdb: ${line}\n`),
  });
  process.stderr.write(`h5sim: GDB server on ${server.host}:${server.port}${wait ? ', target halted at reset until GDB attaches' : ''} — gdb-multiarch -ex 'target remote ${server.host}:${server.port}' fw.elf\n`);
  const end = await server.done;
  await server.close();
  if (end.kind === 'exit') {
    process.stderr.write(`h5sim: firmware exited with code ${end.code} under the debugger\n`);
    return end.code;
  }
  process.stderr.write(`h5sim: debugger session ended (${end.kind})\n`);
  return 0;
}

function describeHello(hello: unknown): string {
  const h = hello as { cipherSuites?: Array<{ name: string }>; signatureAlgorithms?: Array<{ name: string }>; supportedGroups?: Array<{ name: string }>; serverName?: string };
  const names = (list?: Array<{ name: string }>) => (list ?? []).map((x) => x.name).join(',');
  return `suites=${names(h.cipherSuites)} groups=${names(h.supportedGroups)} sigalgs=${names(h.signatureAlgorithms)}${h.serverName ? ` sni=${h.serverName}` : ''}`;
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!)
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '');
}

function writeJunit(path: string, elf: string, code: number, verdict: string, output: string, seconds: number): void {
  const failure = code === 0 ? '' : `\n      <failure message="${xmlEscape(verdict)}" type="exit-${code}"/>`;
  writeFileSync(path, `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="h5sim" tests="1" failures="${code === 0 ? 0 : 1}" time="${seconds.toFixed(6)}">
    <testcase classname="h5sim" name="${xmlEscape(elf)}" time="${seconds.toFixed(6)}">${failure}
      <system-out>${xmlEscape(output.slice(-65536))}</system-out>
    </testcase>
  </testsuite>
</testsuites>
`);
}

async function gatewayCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { listen: { type: 'string' }, token: { type: 'string' }, host: { type: 'string', multiple: true }, allow: { type: 'string', multiple: true } } });
  const { startGateway, hostNetClock } = await import('../net/index.js');
  const gateway = await startGateway({
    listen: values.listen ?? '127.0.0.1:8765', token: values.token, hosts: values.host, allow: values.allow, clock: hostNetClock(),
  } as Parameters<typeof startGateway>[0]);
  process.stderr.write(`h5sim: gateway listening on ${gateway.url} (usernet: gateway 10.0.2.2, DHCP 10.0.2.15)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await gateway.close();
  return 0;
}
