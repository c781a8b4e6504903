import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    // The OCI SDK warns on stderr for every failed call; the tests make many on purpose.
    onConsoleLog: (log: string) => !/^(Request cannot be retried|All retry attempts have exhausted)/.test(log),
  },
});
