import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest files, longest first: they start at once, so that no long file starts last and holds the
 * run up by itself. Vitest orders by the durations it cached on this machine, and a fresh clone (CI) has
 * none: there it would order by file size, and the 10,000-row upload (upload-queue, a short file) could
 * start among the last. The rest run as Vitest orders them. Measured with `npx vitest run` (docs/testing.md).
 */
const LONGEST_FIRST = [
  'test/integration/bulk-loads.test.ts',
  'test/integration/upload-queue.test.ts',
  'test/integration/uploads.test.ts',
  'test/integration/policy-proof.test.ts',
  'test/integration/accounting.test.ts',
  'test/setup/deployer-policy.test.ts',
  'test/integration/roster.test.ts',
  'test/integration/triggers.test.ts',
  'test/integration/two-containers.test.ts',
  'test/cli/invoke.test.ts',
  'test/cli/start.test.ts',
  'test/integration/one-identity.test.ts',
];

const rank = (spec: TestSpecification) => {
  const index = LONGEST_FIRST.findIndex((file) => spec.moduleId.endsWith(file));
  return index === -1 ? LONGEST_FIRST.length : index;
};

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // Array.prototype.sort is stable: within a rank, Vitest's own order stays.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // A worker runs file after file without a fresh process for each: each file otherwise loaded the OCI SDK
    // and made its RSA keys again (68 s of the suite's import time, about a fifth of its CPU on 2 cores).
    // What a test changes in the process (process.env, the resource principal's variables) it restores.
    isolate: false,
    // Most files wait on processes, sockets and timers (the function under the Fn harness, the local OCI,
    // deadlines, a domain's rate windows): at three at a time the suite kept 2 cores about half busy (234
    // CPU s in 219 s); four overlap more of the waits (148 s; docs/testing.md). VITEST_WORKERS overrides it.
    maxWorkers: Number(process.env.VITEST_WORKERS ?? 4),
    sequence: { sequencer: LongestFirst },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    // The OCI SDK warns on stderr for every failed call; the tests make many on purpose.
    onConsoleLog: (log: string) => !/^(Request cannot be retried|All retry attempts have exhausted)/.test(log),
  },
});
