// RM0481 §22 EXTI: edges on the selected GPIO pin of each line 0–15 (signals 'GPIOx.n') set the
// rising/falling pending bits; SWIER sets them from software; IMR routes them to EXTI0..EXTI15.
import { RegisterPeripheral } from '../core/register-peripheral.js';
import type { IrqLine, PeripheralContext } from '../core/peripheral.js';
import { EXTI_REGISTERS } from './exti.regs.js';

const PORTS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I'];

export class Exti extends RegisterPeripheral {
  private readonly lines: IrqLine[];

  constructor(ctx: PeripheralContext) {
    super(ctx, 0x400, EXTI_REGISTERS);
    this.lines = Array.from({ length: 16 }, (_, line) => ctx.irq(`EXTI${line}`));
    PORTS.forEach((port, portIndex) => {
      for (let pin = 0; pin < 16; pin++) {
        let last = ctx.signal(`GPIO${port}.${pin}`).value;
        ctx.signal(`GPIO${port}.${pin}`).onChange((value) => {
          const rising = value !== 0 && last === 0;
          const falling = value === 0 && last !== 0;
          last = value;
          if (this.selectedPort(pin) === portIndex) this.edge(pin, rising, falling);
        });
      }
    });
    this.regs.on('SWIER1', { write: (value) => {
      this.regs.setBits('RPR1', value);
      this.regs.set('SWIER1', 0);
      this.updateIrq();
    } });
    this.regs.on('SWIER2', { write: (value) => {
      this.regs.setBits('RPR2', value);
      this.regs.set('SWIER2', 0);
    } });
    for (const name of ['RPR1', 'FPR1', 'IMR1']) this.regs.on(name, { write: () => this.updateIrq() });
  }

  /** Port index (0 = A) selected for a GPIO line by EXTICR1–4 (8 bits per line). */
  selectedPort(line: number): number {
    return (this.regs.get(`EXTICR${(line >> 2) + 1}`) >>> (8 * (line & 3))) & 0xff;
  }

  private edge(line: number, rising: boolean, falling: boolean): void {
    const bit = 1 << line;
    if (rising && this.regs.get('RTSR1') & bit) this.regs.setBits('RPR1', bit);
    if (falling && this.regs.get('FTSR1') & bit) this.regs.setBits('FPR1', bit);
    this.updateIrq();
  }

  updateIrq(): void {
    const pending = (this.regs.get('RPR1') | this.regs.get('FPR1')) & this.regs.get('IMR1');
    for (let line = 0; line < 16; line++) this.lines[line]!.set((pending & (1 << line)) !== 0);
  }

  protected override onReset(): void {
    this.updateIrq();
  }
}
