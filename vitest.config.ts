import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Servers in tests listen on real sockets; files run in parallel workers, tests in a file in order.
    pool: 'forks',
    // Memory tests call global.gc() to measure what is really retained.
    execArgv: ['--expose-gc'],
    reporters: ['default'],
  },
});
