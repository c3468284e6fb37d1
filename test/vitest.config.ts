import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Unicorn instances are heavy and end-to-end tests start brokers: two workers on CI's 2 cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
