// STM32H563 (NUCLEO-H563ZI): the default machine. Its table is in h5-common.ts.
import { h5Machine } from './h5-common.js';
import type { MachineDescription } from './machine-description.js';

// The H563 has no AES/SAES, and its PKA only verifies ECDSA signatures (RM0481 §36.3).
export const stm32h563: MachineDescription = h5Machine('stm32h563', [], { PKA: { limited: true } });
