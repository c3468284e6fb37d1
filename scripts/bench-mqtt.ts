// Reset → CONNACK of the mqtt-tls fixture against the embedded broker, split by phase from the
// firmware's console lines: virtual and wall time when each line appears.
// Usage: node --import tsx scripts/bench-mqtt.ts [--machine stm32h573] [--time-mode virtual|realtime] [--runs N]
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Simulation, type TimeMode } from '../emulator/harness/simulation.js';
import { EmbeddedBroker } from '../emulator/harness/embedded-broker.js';
import { makeTestCertificates, provisionMqttFixture } from '../emulator/harness/mqtt-fixture.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TARGET_WALL_SECONDS = 2;

const PHASES: Array<{ name: string; line: RegExp }> = [
  { name: 'boot', line: /^ETH: link up/ },
  { name: 'DHCP', line: /^DHCP bound/ },
  { name: 'SNTP+DNS', line: /^DNS broker\.local ->/ },
  { name: 'TCP connect', line: /^TCP connected/ },
  { name: 'TLS handshake', line: /^TLS handshake complete/ },
  { name: 'MQTT', line: /^MQTT CONNACK/ },
];

interface Mark { virtual: number; wall: number }

async function once(machine: 'stm32h563' | 'stm32h573', timeMode: TimeMode, broker: EmbeddedBroker, caDer: Uint8Array): Promise<Mark[]> {
  const elf = `${ROOT}firmware-fixtures/build/mqtt-tls${machine === 'stm32h573' ? '-h573' : ''}.elf`;
  const loadStart = performance.now();
  const sim = await Simulation.load(elf, { machine, net: 'user', timeMode });
  try {
    provisionMqttFixture(sim, { caDer, brokerHost: 'broker.local', brokerPort: broker.port, clientId: 'bench', publishCount: 1, intervalMs: 100, echoWaitMs: 0 });
    const marks: Mark[] = [];
    const start = performance.now();
    sim.uart('USART3').onLine((line) => {
      const phase = PHASES[marks.length];
      if (phase?.line.test(line)) marks.push({ virtual: sim.virtualSeconds, wall: (performance.now() - start) / 1000 });
      if (/^mqtt-tls: exit [1-9]/.test(line)) throw new Error(`firmware failed: ${line}`);
    });
    const result = await sim.runUntil(() => marks.length === PHASES.length || performance.now() - start > 120_000, { timeout: 60 });
    if (marks.length < PHASES.length) {
      throw new Error(`stopped before ${PHASES[marks.length]!.name} (${result.reason} at ${result.virtualSeconds.toFixed(3)} s virtual)\n${sim.uart().text().slice(-1500)}`);
    }
    process.stdout.write(`load+reset ${((start - loadStart) / 1000).toFixed(3)} s wall\n`);
    return marks;
  } finally {
    await sim.close();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { machine: { type: 'string' }, 'time-mode': { type: 'string' }, runs: { type: 'string' } } });
  const machine = (values.machine ?? 'stm32h563') as 'stm32h563' | 'stm32h573';
  const timeMode = (values['time-mode'] ?? 'virtual') as TimeMode;
  const runs = Number(values.runs ?? 1);
  const certificates = makeTestCertificates();
  const broker = await EmbeddedBroker.start({ cert: certificates.serverEc.cert, key: certificates.serverEc.key });
  let worst = 0;
  try {
    for (let run = 1; run <= runs; run++) {
      const marks = await once(machine, timeMode, broker, certificates.ca.certDer);
      process.stdout.write(`run ${run}: ${machine}, ${timeMode} time\n${'phase'.padEnd(16)}${'virtual s'.padStart(11)}${'wall s'.padStart(10)}\n`);
      let previous: Mark = { virtual: 0, wall: 0 };
      PHASES.forEach((phase, i) => {
        const mark = marks[i]!;
        process.stdout.write(`${phase.name.padEnd(16)}${(mark.virtual - previous.virtual).toFixed(3).padStart(11)}${(mark.wall - previous.wall).toFixed(3).padStart(10)}\n`);
        previous = mark;
      });
      process.stdout.write(`${'reset→CONNACK'.padEnd(16)}${previous.virtual.toFixed(3).padStart(11)}${previous.wall.toFixed(3).padStart(10)}  (target ≤ ${TARGET_WALL_SECONDS} s wall)\n`);
      worst = Math.max(worst, previous.wall);
    }
  } finally {
    await broker.close();
  }
  return worst <= TARGET_WALL_SECONDS ? 0 : 1;
}

process.exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`bench-mqtt: ${(error as Error).message}\n`);
  return 2;
});
