import { defineConfig } from 'vitest/config';
import LongestFirst from './test/sequencer';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Most files wait on processes and sockets (the function under the Fn harness, the local OCI): two at a
    // time on the 2-core machines here took the suite from 679 s to 363 s. Vitest's default here was one.
    maxWorkers: Number(process.env.VITEST_WORKERS ?? 2),
    sequence: { sequencer: LongestFirst },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    // The OCI SDK warns on stderr for every failed call; the tests make many on purpose.
    onConsoleLog: (log: string) => !/^(Request cannot be retried|All retry attempts have exhausted)/.test(log),
  },
});
