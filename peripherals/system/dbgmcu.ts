// RM0481 debug support chapter, DBGMCU: device identification (IDCODE), debug-in-low-power and
// freeze configuration (stored), and the CoreSight identification registers of the block.
import type { PeripheralContext } from '../core/peripheral.js';
import { RegisterPeripheral } from '../core/register-peripheral.js';
import type { FieldSpec, RegisterSpec } from '../registers/register-block.js';

const bit = (name: string, position: number, access: FieldSpec['access'] = 'rw'): FieldSpec => ({ name, bit: position, access });
const bits = (name: string, position: number, width: number, access: FieldSpec['access'] = 'rw'): FieldSpec => ({ name, bit: position, width, access });

/** STM32H563/H573 device ID and a revision of production silicon (revision X). */
export const DEV_ID = 0x484;
export const REV_ID = 0x1001;

export const DBGMCU_REGISTERS: RegisterSpec[] = [
  { name: 'IDCODE', offset: 0x00, reset: ((REV_ID << 16) | DEV_ID) >>> 0, fields: [bits('DEV_ID', 0, 12, 'r'), bits('REV_ID', 16, 16, 'r')] },
  { name: 'CR', offset: 0x04, fields: [bit('DBG_STOP', 1), bit('DBG_STANDBY', 2), bit('TRACE_IOEN', 4), bit('TRACE_CLKEN', 5), bits('TRACE_MODE', 6, 2), bit('DCRT', 16)] },
  { name: 'APB1FZR1', offset: 0x08 },
  { name: 'APB1FZR2', offset: 0x0c },
  { name: 'APB2FZR', offset: 0x10 },
  { name: 'APB3FZR', offset: 0x14 },
  { name: 'AHB1FZR', offset: 0x20 },
  // Reset value as ST's SVD gives it (access ports present, debug open).
  { name: 'SR', offset: 0xfc, reset: 0x0001_0003, access: 'r' },
  { name: 'DBG_AUTH_HOST', offset: 0x100, access: 'w' },
  { name: 'DBG_AUTH_DEV', offset: 0x104, access: 'r' },
  { name: 'DBG_AUTH_ACK', offset: 0x108 },
  // CoreSight identification registers, values of ST's SVD.
  { name: 'PIDR4', offset: 0xfd0, access: 'r' },
  { name: 'PIDR5', offset: 0xfd4, access: 'r' },
  { name: 'PIDR6', offset: 0xfd8, access: 'r' },
  { name: 'PIDR7', offset: 0xfdc, access: 'r' },
  { name: 'PIDR0', offset: 0xfe0, access: 'r' },
  { name: 'PIDR1', offset: 0xfe4, access: 'r' },
  { name: 'PIDR2', offset: 0xfe8, reset: 0x0a, access: 'r' },
  { name: 'PIDR3', offset: 0xfec, access: 'r' },
  { name: 'CIDR0', offset: 0xff0, reset: 0x0d, access: 'r' },
  { name: 'CIDR1', offset: 0xff4, reset: 0xf0, access: 'r' },
  { name: 'CIDR2', offset: 0xff8, reset: 0x05, access: 'r' },
  { name: 'CIDR3', offset: 0xffc, reset: 0xb1, access: 'r' },
];

export class Dbgmcu extends RegisterPeripheral {
  constructor(ctx: PeripheralContext, options: Record<string, unknown> = {}) {
    super(ctx, 0x1000, DBGMCU_REGISTERS, typeof options.base === 'number' ? options.base : 0);
  }
}
