// One logger for the register layer. It knows where the CPU is (PC and symbol) through a location
// provider the machine installs; peripherals never see the CPU. Guest errors (the firmware did
// something the hardware rejects) and unimplemented accesses (our model lacks it) are kept apart,
// as QEMU does with LOG_GUEST_ERROR and LOG_UNIMP. In strict mode both throw.

export type AccessKind = 'guest-error' | 'unimplemented' | 'info';

export interface AccessRecord {
  kind: AccessKind;
  peripheral: string;
  register?: string;
  field?: string;
  address?: number;
  value?: number;
  size?: number;
  access?: 'read' | 'write';
  pc?: number;
  symbol?: string;
  message: string;
}

export interface CpuLocation { pc: number; symbol?: string }

export class StrictAccessError extends Error {
  constructor(readonly record: AccessRecord) {
    super(formatAccess(record));
  }
}

export function hex(value: number, digits = 8): string {
  return `0x${(value >>> 0).toString(16).padStart(digits, '0')}`;
}

export function formatAccess(record: AccessRecord): string {
  const what = record.kind === 'guest-error' ? 'guest error' : record.kind === 'unimplemented' ? 'unimplemented' : 'note';
  const where = [record.peripheral, record.register].filter(Boolean).join(' ');
  const field = record.field ? `.${record.field}` : '';
  const addr = record.address !== undefined ? ` (${hex(record.address)})` : '';
  const val = record.value !== undefined && record.access === 'write' ? ` value ${hex(record.value)}` : '';
  const pc = record.pc !== undefined ? ` at PC ${hex(record.pc)}${record.symbol ? ` <${record.symbol}>` : ''}` : '';
  const access = record.access ? `${record.access} of ` : '';
  return `${what}: ${access}${where}${field}${addr}${val}${pc}: ${record.message}`;
}

export class AccessLog {
  strict = false;
  readonly records: AccessRecord[] = [];
  private readonly seen = new Set<string>();
  private locate: () => CpuLocation | undefined = () => undefined;
  private sink: (line: string, record: AccessRecord) => void = (line) => process.stderr.write(`h5sim: ${line}\n`);
  /** Keep at most this many records in memory (the fuzzers write millions). */
  maxRecords = 10_000;
  private readonly registerAddresses = new Map<string, (register: string) => number | undefined>();

  setLocationProvider(provider: () => CpuLocation | undefined): void {
    this.locate = provider;
  }

  /**
   * How a peripheral's register names map to bus addresses: a record that names a register but no
   * address gets the address added, so behaviour code need not compute it.
   */
  setRegisterAddresses(peripheral: string, resolve: (register: string) => number | undefined): void {
    this.registerAddresses.set(peripheral, resolve);
  }

  setSink(sink: (line: string, record: AccessRecord) => void): void {
    this.sink = sink;
  }

  report(record: Omit<AccessRecord, 'pc' | 'symbol'>): void {
    const location = this.locate();
    const full: AccessRecord = { ...record, pc: location?.pc, symbol: location?.symbol };
    if (full.address === undefined && full.register !== undefined) {
      full.address = this.registerAddresses.get(full.peripheral)?.(full.register);
    }
    if (this.strict && full.kind !== 'info') throw new StrictAccessError(full);
    // Each distinct access is logged once (peripheral, register, field, direction, kind).
    const key = `${full.kind}|${full.peripheral}|${full.register}|${full.field}|${full.access}|${full.register ? '' : full.address}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.records.length < this.maxRecords) this.records.push(full);
    this.sink(formatAccess(full), full);
  }

  /** A logger bound to one peripheral, as models receive it. */
  forPeripheral(peripheral: string): ModelLog {
    return {
      guestError: (message, details = {}) => this.report({ kind: 'guest-error', peripheral, message, ...details }),
      unimplemented: (message, details = {}) => this.report({ kind: 'unimplemented', peripheral, message, ...details }),
      info: (message, details = {}) => this.report({ kind: 'info', peripheral, message, ...details }),
    };
  }
}

export type AccessDetails = Partial<Pick<AccessRecord, 'register' | 'field' | 'address' | 'value' | 'size' | 'access'>>;

export interface ModelLog {
  guestError(message: string, details?: AccessDetails): void;
  unimplemented(message: string, details?: AccessDetails): void;
  info(message: string, details?: AccessDetails): void;
}
