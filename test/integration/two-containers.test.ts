import { startFunction } from '@oci-iam-onboarding/local-oci/fn-harness';
import { describe, it } from 'vitest';
import type { OnboardingResult } from '../../src/core/result';
import type { FunctionUnderTest } from '../in-process';
import { accounts } from './employee-accounts';
import { BUNDLE, newHire, type Scenario, startScenario } from './scenario';

// One person's joiner and mover delivered at once to two function containers (processes), as OCI
// Functions scales out: whatever the order they land in, the newer HR fact wins. Both IAM paths run at
// the same time (`it.concurrent`): each waits mostly on its processes, and one after the other they
// were the suite's longest file. `CONCURRENT_RUNS` sets the pairs per path (docs/lifecycle-and-rosters.md).

const at = (minute: number) => new Date(Date.UTC(2026, 0, 10, 9, minute)).toISOString();
const hire = (overrides: Record<string, unknown> = {}) => newHire({ startDate: '2026-01-05', ...overrides });

describe('a joiner and its mover on two containers', () => {
  it.concurrent.for([
    ['classic IAM', undefined],
    ['an identity domain', 'Employees'],
  ] as const)(
    '%s: delivered concurrently 100 times with random delays, always end at the mover',
    { timeout: 600_000 },
    async ([, identityDomain], { expect }) => {
      let scenario: Scenario | undefined;
      let second: FunctionUnderTest | undefined;
      try {
        // Prepare: two containers against one local OCI. On a domain, the function paces itself to its
        // type's published windows: on the default Free type (150 calls a minute) the 2,000 events here
        // took six minutes of waiting, which tests nothing about order. A Premium domain (5,000 a minute)
        // leaves the race as the only subject. Likewise the result topic: OCI takes 60 publishes a
        // minute on a topic, and the 400 results here waited on it for 27 s a round of ten pairs.
        const env = identityDomain ? { IDENTITY_DOMAIN_TYPE: 'premium' } : undefined;
        scenario = await startScenario({
          ...(identityDomain ? { identityDomain } : {}),
          ...(env ? { env } : {}),
          onsPublishesPerMinute: 100_000,
        });
        second = await startFunction({ entry: BUNDLE, env: scenario.stack.functionEnv });
        const started = scenario;
        const fns = [started.fn, second];
        const runs = Number(process.env.CONCURRENT_RUNS ?? 100);
        const endings: string[] = [];
        const statuses = new Set<string>();
        // Act: ten people at a time, each person's joiner and mover on different containers.
        const one = async (i: number) => {
          const employeeId = `C${String(i).padStart(5, '0')}`;
          const userName = `person.${i}@example.com`;
          const joiner = hire({ employeeId, userName, occurredAt: at(1) });
          const mover = hire({
            employeeId,
            userName,
            roles: ['developer'],
            compartment: 'test',
            email: `moved.${i}@example.org`,
            occurredAt: at(2),
          });
          const [delayJ, delayM] = [Math.floor(Math.random() * 40), Math.floor(Math.random() * 40)];
          const answers = await Promise.all([
            fns[i % 2]?.invoke(JSON.stringify(joiner), { delayMs: delayJ }),
            fns[(i + 1) % 2]?.invoke(JSON.stringify(mover), { delayMs: delayM }),
          ]);
          for (const answer of answers) statuses.add((answer?.json as OnboardingResult).status);
          const [account, ...more] = accounts(started, employeeId);
          endings[i] =
            more.length === 0 && account
              ? `${account.email} ${account.groups.join(',')} ${account.enabled}`
              : `${more.length + 1} accounts`;
        };
        for (let i = 0; i < runs; i += 10) {
          await Promise.all(Array.from({ length: Math.min(10, runs - i) }, (_, k) => one(i + k)));
        }
        // Assess: every run ended in the mover's state, and neither delivery failed.
        const wrong = endings.flatMap((e, i) => (e === `moved.${i}@example.org developers-test true` ? [] : [`run ${i}: ${e}`]));
        expect(wrong.join('; ')).toBe('');
        expect([...statuses].filter((s) => s !== 'succeeded' && s !== 'stale').join(', ')).toBe('');
        // Replays of both write nothing.
        const mark = started.stack.oci.requests.mark();
        await started.onboard(hire({ employeeId: 'C00000', userName: 'person.0@example.com', occurredAt: at(1) }));
        await started.onboard(
          hire({
            employeeId: 'C00000',
            userName: 'person.0@example.com',
            roles: ['developer'],
            compartment: 'test',
            email: 'moved.0@example.org',
            occurredAt: at(2),
          }),
        );
        expect(started.stack.oci.requests.iamWrites(mark)).toHaveLength(0);
      } finally {
        await second?.stop();
        await scenario?.stop();
      }
    },
  );
});
