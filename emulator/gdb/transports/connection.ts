// What the GDB server needs from a transport: a byte stream per client and a listener.

export interface Connection {
  /** Writes RSP bytes to the client. */
  write(bytes: Uint8Array): void;
  close(): void;
  onData(callback: (bytes: Uint8Array) => void): void;
  onClose(callback: () => void): void;
  /** Who is connected (for messages). */
  readonly peer: string;
}

export interface Listener {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export type ConnectionHandler = (connection: Connection) => void;

/** Parses `port`, `:port`, `host:port` or `[v6]:port`; the host defaults to 127.0.0.1 (never all interfaces by accident). */
export function parseListenAddress(listen: string | number | undefined, defaultPort = 3333): { host: string; port: number } {
  if (listen === undefined || listen === '') return { host: '127.0.0.1', port: defaultPort };
  if (typeof listen === 'number') return { host: '127.0.0.1', port: listen };
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(listen);
  const match = v6 ?? /^(?:([^:]*):)?(\d+)$/.exec(listen);
  if (!match) throw new Error(`gdb: cannot parse listen address "${listen}" (expected host:port or port)`);
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`gdb: port out of range in "${listen}"`);
  return { host: match[1] || '127.0.0.1', port };
}
