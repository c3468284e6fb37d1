// ARM semihosting (BKPT 0xAB), the subset test firmware uses: console output, exit with a code,
// clock/time, errno. File access is off unless the user enables it (it is not implemented yet:
// opening anything but the console ":tt" fails with an error the firmware can see).

export interface SemihostingIo {
  /** Reads guest memory without side effects. */
  readMemory(address: number, length: number): Uint8Array | null;
  writeConsole(text: string): void;
  virtualSeconds(): number;
}

export type SemihostingResult =
  | { kind: 'continue'; r0: number }
  | { kind: 'exit'; code: number; reason: string };

const SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITEC = 0x03, SYS_WRITE0 = 0x04, SYS_WRITE = 0x05, SYS_READ = 0x06;
const SYS_ISTTY = 0x09, SYS_SEEK = 0x0a, SYS_FLEN = 0x0c, SYS_CLOCK = 0x10, SYS_TIME = 0x11, SYS_ERRNO = 0x13;
const SYS_GET_CMDLINE = 0x15, SYS_HEAPINFO = 0x16, SYS_EXIT = 0x18, SYS_EXIT_EXTENDED = 0x20, SYS_ELAPSED = 0x30, SYS_TICKFREQ = 0x31;
const ADP_STOPPED_APPLICATION_EXIT = 0x20026;
const CONSOLE_HANDLE = 1;
const EACCES = 13;

const EXIT_REASONS: Record<number, string> = {
  0x20000: 'BranchThroughZero', 0x20001: 'UndefinedInstr', 0x20002: 'SoftwareInterrupt', 0x20003: 'PrefetchAbort',
  0x20004: 'DataAbort', 0x20005: 'AddressException', 0x20006: 'IRQ', 0x20007: 'FIQ', 0x20020: 'BreakPoint',
  0x20021: 'WatchPoint', 0x20022: 'StepComplete', 0x20023: 'RunTimeErrorUnknown', 0x20024: 'InternalError',
  0x20025: 'UserInterruption', 0x20026: 'ApplicationExit', 0x20027: 'StackOverflow', 0x20028: 'DivisionByZero', 0x20029: 'OSSpecific',
};

export class Semihosting {
  private errno = 0;
  /** Lines of output are also kept for tests and the harness. */
  output = '';
  constructor(private readonly io: SemihostingIo, readonly allowFiles = false) {}

  private word(address: number): number {
    const bytes = this.io.readMemory(address, 4);
    if (!bytes) return 0;
    return (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
  }

  private cString(address: number, limit = 4096): string {
    let text = '';
    for (let i = 0; i < limit; i++) {
      const b = this.io.readMemory(address + i, 1);
      if (!b || b[0] === 0) break;
      text += String.fromCharCode(b[0]!);
    }
    return text;
  }

  private emit(text: string): void {
    this.output += text;
    if (this.output.length > 1 << 20) this.output = this.output.slice(-(1 << 19));
    this.io.writeConsole(text);
  }

  call(operation: number, argument: number): SemihostingResult {
    switch (operation) {
      case SYS_WRITEC: {
        const b = this.io.readMemory(argument, 1);
        if (b) this.emit(String.fromCharCode(b[0]!));
        return { kind: 'continue', r0: 0 };
      }
      case SYS_WRITE0:
        this.emit(this.cString(argument, 1 << 16));
        return { kind: 'continue', r0: 0 };
      case SYS_WRITE: {
        const handle = this.word(argument);
        const address = this.word(argument + 4);
        const length = this.word(argument + 8);
        if (handle !== CONSOLE_HANDLE && handle !== 2) { this.errno = EACCES; return { kind: 'continue', r0: length }; }
        const data = this.io.readMemory(address, Math.min(length, 1 << 16));
        if (data) this.emit(String.fromCharCode(...data));
        return { kind: 'continue', r0: 0 };
      }
      case SYS_OPEN: {
        const name = this.cString(this.word(argument), 256);
        if (name === ':tt') return { kind: 'continue', r0: CONSOLE_HANDLE };
        this.errno = EACCES;
        return { kind: 'continue', r0: 0xffff_ffff };
      }
      case SYS_CLOSE: return { kind: 'continue', r0: 0 };
      case SYS_ISTTY: return { kind: 'continue', r0: this.word(argument) === CONSOLE_HANDLE ? 1 : 0 };
      case SYS_READ: return { kind: 'continue', r0: this.word(argument + 8) }; // nothing read
      case SYS_SEEK: case SYS_FLEN: this.errno = EACCES; return { kind: 'continue', r0: 0xffff_ffff };
      case SYS_CLOCK: return { kind: 'continue', r0: Math.floor(this.io.virtualSeconds() * 100) >>> 0 };
      case SYS_TIME: return { kind: 'continue', r0: Math.floor(this.io.virtualSeconds()) >>> 0 };
      case SYS_ELAPSED: return { kind: 'continue', r0: 0 };
      case SYS_TICKFREQ: return { kind: 'continue', r0: 100 };
      case SYS_ERRNO: return { kind: 'continue', r0: this.errno };
      case SYS_GET_CMDLINE: return { kind: 'continue', r0: 0xffff_ffff };
      case SYS_HEAPINFO: return { kind: 'continue', r0: 0 };
      case SYS_EXIT: {
        const reason = argument;
        return { kind: 'exit', code: reason === ADP_STOPPED_APPLICATION_EXIT ? 0 : 1, reason: EXIT_REASONS[reason] ?? `reason 0x${reason.toString(16)}` };
      }
      case SYS_EXIT_EXTENDED: {
        const reason = this.word(argument);
        const code = this.word(argument + 4) | 0;
        return { kind: 'exit', code: reason === ADP_STOPPED_APPLICATION_EXIT ? code : 1, reason: EXIT_REASONS[reason] ?? `reason 0x${reason.toString(16)}` };
      }
      default:
        this.errno = EACCES;
        return { kind: 'continue', r0: 0xffff_ffff };
    }
  }
}
