// `h5sim demo`: the whole story in one command. The mqtt-tls fixture boots on the simulated
// STM32H563, gets an address from usernet's DHCP, resolves broker.local (usernet's gateway, i.e.
// 127.0.0.1), completes a TLS 1.3 handshake with an in-process aedes broker and publishes.
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Simulation } from '../harness/simulation.js';
import { EmbeddedBroker } from '../harness/embedded-broker.js';
import { makeTestCertificates, provisionMqttFixture, DEFAULT_CERT_DIR } from '../harness/mqtt-fixture.js';
import { KeyLogWriter, TlsInspector, describeConnection } from '../tls/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const HELP = `h5sim demo — mqtt-tls firmware → usernet → TLS 1.3 → an in-process MQTT broker

Options:
  --count <N>          publications to wait for (default 5)
  --machine <name>     stm32h563 (default) or stm32h573 (runs the h573 build: AES peripheral)
  --elf <file>         firmware to run (default firmware-fixtures/build/mqtt-tls[-h573].elf)
  --wall-limit <s>     give up after this many wall-clock seconds (default 60)
  --certs <dir>        where certificates are generated (default test/.work/certs)
  --quiet              only the verdict line`;

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

export async function runDemo(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        count: { type: 'string' }, machine: { type: 'string' }, elf: { type: 'string' }, 'wall-limit': { type: 'string' },
        certs: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`h5sim demo: ${(error as Error).message}\n${HELP}\n`);
    return 4;
  }
  if (values.help) {
    out(HELP);
    return 0;
  }
  const count = Number(values.count ?? 5);
  const wallLimit = Number(values['wall-limit'] ?? 60);
  const machine = values.machine ?? 'stm32h563';
  const fail = (message: string) => {
    process.stderr.write(`h5sim demo: FAIL — ${message}\n`);
    return 1;
  };
  if (!Number.isInteger(count) || count < 1 || count > 1000) return fail('--count is a number from 1 to 1000');
  if (!(wallLimit > 0)) return fail('--wall-limit is a positive number of seconds');
  if (machine !== 'stm32h563' && machine !== 'stm32h573') return fail(`unknown machine "${machine}" (stm32h563 or stm32h573)`);
  const elf = values.elf ?? `${ROOT}firmware-fixtures/build/mqtt-tls${machine === 'stm32h573' ? '-h573' : ''}.elf`;
  if (!existsSync(elf)) return fail(`${elf} is missing: build the fixtures first (npm run build:fixtures)`);
  const show = values.quiet ? () => {} : out;

  const started = performance.now();
  const wall = () => (performance.now() - started) / 1000;
  let certificates;
  try {
    certificates = makeTestCertificates(values.certs ?? DEFAULT_CERT_DIR);
  } catch (error) {
    return fail(`could not make certificates with scripts/make-certs.sh: ${(error as Error).message}`);
  }

  const broker = await EmbeddedBroker.start({ cert: certificates.serverEc.cert, key: certificates.serverEc.key });
  let sim: Simulation | undefined;
  try {
    const keys = new KeyLogWriter();
    const inspector = new TlsInspector({ keys: keys.keys });
    broker.on('keylog', (line) => keys.write(line));
    broker.on('connect', ({ clientId, address }) => show(`[broker] client "${clientId}" connected from ${address}`));
    broker.on('tls-error', (error) => show(`[broker] TLS error: ${error.message}`));
    const clientId = 'demo';
    const outTopic = `h5sim/${clientId}/out`;
    let received = 0;
    broker.on('publish', ({ clientId: from, topic, payload, qos }) => {
      if (from !== clientId) return;
      if (topic === outTopic) received++;
      show(`[broker] PUBLISH ${topic} (QoS ${qos}): ${payload.toString('utf8')}`);
    });
    show(`h5sim demo: broker ${broker.url} (aedes, TLS 1.3, ECDSA P-256 certificate for broker.local)`);

    sim = await Simulation.load(elf, { machine, net: 'user', timeMode: 'realtime' });
    const simulation = sim;
    provisionMqttFixture(sim, {
      caDer: certificates.ca.certDer, brokerHost: 'broker.local', brokerPort: broker.port, clientId,
      publishCount: count, intervalMs: 200, echoWaitMs: 100,
    });
    sim.machine.ethernet.get('ETH')!.tap((direction, frame) => inspector.feed(direction, frame, simulation.virtualSeconds));
    let handshakeVirtual = 0;
    inspector.on('handshake-complete', ({ connection, time }) => {
      handshakeVirtual = time;
      show(`[tls] ${describeConnection(connection)}`);
    });
    inspector.on('handshake-failed', ({ diagnosis }) => show(`[tls] handshake failed: ${diagnosis.text}`));
    let pubacks = 0;
    let exitCode: number | null = null;
    let handshakeLine = '';
    sim.uart('USART3').onLine((line) => {
      inspector.noteConsoleLine(line, simulation.virtualSeconds);
      show(`[uart] ${line}`);
      if (/^MQTT PUBACK \d+/.test(line)) pubacks++;
      if (line.startsWith('TLS handshake complete')) handshakeLine = line;
      const exit = /^mqtt-tls: exit (\d+)/.exec(line);
      if (exit) exitCode = Number(exit[1]);
    });
    show(`h5sim demo: ${machine} running ${elf.replace(ROOT, '')} on usernet (broker.local → 10.0.2.2 → 127.0.0.1:${broker.port})`);

    const done = () => (pubacks >= count && received >= count) || exitCode !== null || wall() > wallLimit;
    const result = await sim.runUntil(done, { timeout: wallLimit * 4 });
    const virtual = sim.virtualSeconds;
    if (pubacks >= count && received >= count) {
      // Let the firmware disconnect cleanly; a bounded extra slice.
      await sim.runUntil(() => exitCode !== null || wall() > wallLimit, { timeout: 3 });
      out(`h5sim demo: PASS — TLS 1.3 handshake and ${count} MQTT publishes acknowledged by the broker in ${wall().toFixed(1)} s wall (${virtual.toFixed(1)} s virtual; handshake done at ${handshakeVirtual.toFixed(2)} s)`);
      if (!values.quiet && handshakeLine) out(`h5sim demo: ${handshakeLine}`);
      return 0;
    }
    const why = exitCode !== null ? `the firmware exited with code ${exitCode} (1 provisioning, 2 network, 3 TLS, 4 MQTT, 5 crypto)`
      : wall() > wallLimit ? `wall-clock limit of ${wallLimit} s reached`
        : `simulation stopped: ${result.reason}${result.fault ? ` (${result.fault.kind})` : ''}`;
    const summary = inspector.summary();
    return fail(`${why}; ${pubacks}/${count} PUBACKs, ${received}/${count} publishes at the broker after ${wall().toFixed(1)} s wall (${virtual.toFixed(1)} s virtual)${summary ? `\n${summary}` : ''}`);
  } catch (error) {
    return fail((error as Error).message);
  } finally {
    await sim?.close();
    await broker.close();
  }
}

// Run directly (node --import tsx emulator/cli/demo.ts) until the CLI dispatches `h5sim demo`.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await runDemo(process.argv.slice(2));
}
