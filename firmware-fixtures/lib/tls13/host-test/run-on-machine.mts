// Interim runner until `h5sim run` exists: runs a fixture ELF on the h5sim Machine (Unicorn core +
// models) with usernet (broker.local -> gateway -> 127.0.0.1), after writing a provisioning block
// (make-provision.py) at 0x081FE000 in flash. Console (USART3) and semihosting go to stdout.
// Usage (from the repository root):
//   node --import tsx firmware-fixtures/lib/tls13/host-test/run-on-machine.mts ELF PROVISION.bin [h563|h573] [virtual-seconds]
// Environment: STRICT=1 (strict access log), NONET=1 (no network).
import { readFileSync } from 'node:fs';
import { Machine } from '../../../../emulator/machine/machine.js';
import { stm32h563 } from '../../../../emulator/machine/stm32h563.js';
import { stm32h573 } from '../../../../emulator/machine/stm32h573.js';
import { openFramePort } from '../../../../emulator/net/open-port.js';
import { netClockFrom } from '../../../../emulator/net/net-clock.js';
import { registeredModels } from '../../../../peripherals/index.js';
import type { MachineDescription } from '../../../../emulator/machine/machine-description.js';
import { Reg } from '../../../../emulator/core/engine.js';

const [elfPath, provisionPath, machineName = 'h563', seconds = '60'] = process.argv.slice(2);
if (!elfPath) throw new Error('usage: run-on-machine.mts ELF [PROVISION.bin] [h563|h573] [seconds]');
// Blocks whose model is not registered yet run as named stubs.
const known = new Set(registeredModels());
function withStubs(d: MachineDescription): MachineDescription {
  return { ...d, peripherals: d.peripherals.map((p) => (known.has(p.model) ? p : { ...p, model: 'stub' })) };
}
const machine = new Machine(withStubs(machineName === 'h573' ? stm32h573 : stm32h563), {
  strict: process.env.STRICT === '1',
  console: (text) => process.stdout.write(`[semihosting] ${text}`),
  logSink: (line) => process.stderr.write(`[log] ${line}\n`),
});
machine.loadElf(readFileSync(elfPath));
if (provisionPath) {
  const block = readFileSync(provisionPath);
  const target = machine.bus.findRegion(0x081f_e000, block.length);
  if (!target) throw new Error('no flash at 0x081FE000');
  target.region.data.set(block, target.offset);
}
machine.reset();
for (const name of machine.serial.names()) {
  machine.serial.link(name).onData((bytes) => process.stdout.write(Buffer.from(bytes).toString('latin1')));
}
const epoch = Math.floor(Date.now() / 1000);
const links = [...machine.ethernet.values()];
if (links.length > 0 && process.env.NONET !== '1') {
  const port = await openFramePort({ clock: netClockFrom(machine.clock), now: () => epoch + machine.clock.seconds });
  links[0]!.connect(port);
}
const limit = Number(seconds);
const wallStart = Date.now();
let code = 124;
for (;;) {
  for (const link of links) link.deliverPending();
  const { stop } = machine.core.run(2_000_000);
  if (stop.kind === 'exit') {
    code = stop.code;
    console.log(`== exit ${stop.code} at ${machine.clock.seconds.toFixed(3)} s virtual, ${Date.now() - wallStart} ms wall`);
    break;
  }
  if (stop.kind !== 'budget') {
    console.log('== stop', JSON.stringify(stop).slice(0, 800));
    code = 125;
    break;
  }
  if (machine.clock.seconds > limit) {
    const pc = machine.engine.readRegister(Reg.PC);
    console.log(`== virtual time limit at pc 0x${pc.toString(16)} ${machine.core.symbol(pc) ?? ''}`);
    break;
  }
  await new Promise((resolve) => setImmediate(resolve));
}
machine.close();
process.exit(code);
