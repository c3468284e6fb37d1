// STM32H573: the H563 die plus AES, SAES and OTFDEC1 (stm32h573xx.h).
import { H573_ONLY_PERIPHERALS, h5Machine } from './h5-common.js';
import type { MachineDescription } from './machine-description.js';

export const stm32h573: MachineDescription = h5Machine('stm32h573', H573_ONLY_PERIPHERALS);
