// DNS answers from a hosts table (RFC 1035). Nothing is forwarded: names not in the table get
// NXDOMAIN, so firmware that resolves a public broker name cannot reach the internet by accident.
import { ipToNumber } from '../packet.js';

const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE_FORMERR = 1, RCODE_NXDOMAIN = 3, RCODE_NOTIMP = 4;

export class HostsTable {
  private readonly entries = new Map<string, number>();

  set(name: string, address: number): void {
    this.entries.set(normalise(name), address >>> 0);
  }

  lookup(name: string): number | undefined {
    return this.entries.get(normalise(name));
  }

  /** Parses `NAME=IP` (the `--host` option). */
  static parseEntry(text: string): { name: string; address: number } {
    const at = text.indexOf('=');
    const name = text.slice(0, at).trim();
    const address = at > 0 ? ipToNumber(text.slice(at + 1)) : null;
    if (!name || address === null) throw new Error(`--host expects NAME=IPv4, got "${text}"`);
    return { name, address };
  }
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Answers one query message; null when the message is not worth an answer (a response, too short). */
export function answerDnsQuery(query: Uint8Array, hosts: HostsTable, ttl = 60): Uint8Array | null {
  if (query.length < 12) return null;
  const view = new DataView(query.buffer, query.byteOffset, query.byteLength);
  const flags = view.getUint16(2);
  if (flags & 0x8000) return null; // a response, not a query
  const opcode = (flags >>> 11) & 0x0f;
  const recursionDesired = flags & 0x0100;
  const header = (rcode: number, answers: number, questionEnd: number): Uint8Array => {
    const out = new Uint8Array(questionEnd + (answers ? 16 : 0));
    out.set(query.subarray(0, questionEnd));
    const o = new DataView(out.buffer);
    o.setUint16(2, 0x8000 | (opcode << 11) | 0x0400 | recursionDesired | 0x0080 | rcode);
    o.setUint16(4, questionEnd > 12 ? 1 : 0);
    o.setUint16(6, answers);
    o.setUint16(8, 0);
    o.setUint16(10, 0);
    return out;
  };
  if (opcode !== 0) return header(RCODE_NOTIMP, 0, 12);
  if (view.getUint16(4) !== 1) return header(RCODE_FORMERR, 0, 12);
  const labels: string[] = [];
  let offset = 12;
  for (;;) {
    if (offset >= query.length) return header(RCODE_FORMERR, 0, 12);
    const length = query[offset]!;
    if (length === 0) { offset++; break; }
    if (length > 63 || offset + 1 + length > query.length) return header(RCODE_FORMERR, 0, 12);
    labels.push(String.fromCharCode(...query.subarray(offset + 1, offset + 1 + length)));
    offset += 1 + length;
    if (offset - 12 > 255) return header(RCODE_FORMERR, 0, 12);
  }
  if (offset + 4 > query.length) return header(RCODE_FORMERR, 0, 12);
  const qtype = view.getUint16(offset);
  const qclass = view.getUint16(offset + 2);
  const questionEnd = offset + 4;
  const address = hosts.lookup(labels.join('.'));
  if (address === undefined) return header(RCODE_NXDOMAIN, 0, questionEnd);
  if (qtype !== TYPE_A || qclass !== CLASS_IN) return header(0, 0, questionEnd); // the name exists, no such record
  const out = header(0, 1, questionEnd);
  const o = new DataView(out.buffer);
  o.setUint16(questionEnd, 0xc00c); // pointer to the name in the question
  o.setUint16(questionEnd + 2, TYPE_A);
  o.setUint16(questionEnd + 4, CLASS_IN);
  o.setUint32(questionEnd + 6, ttl);
  o.setUint16(questionEnd + 10, 4);
  o.setUint32(questionEnd + 12, address);
  return out;
}
