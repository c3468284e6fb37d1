// Model factories by key, as machine tables name them. Each area of models registers its own.
import type { Peripheral, PeripheralContext } from './core/peripheral.js';

export type ModelFactory = (ctx: PeripheralContext, options: Record<string, unknown>) => Peripheral;

const factories = new Map<string, ModelFactory>();

export function registerModels(models: Record<string, ModelFactory>): void {
  for (const [key, factory] of Object.entries(models)) {
    if (factories.has(key)) throw new Error(`model ${key} registered twice`);
    factories.set(key, factory);
  }
}

export function modelFactory(key: string): ModelFactory | undefined {
  return factories.get(key);
}

export function registeredModels(): string[] {
  return [...factories.keys()].sort();
}
