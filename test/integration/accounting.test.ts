import { afterEach, describe, expect, it } from 'vitest';
import type { FaultRule } from '../../src/local-oci/faults';
import { newHire, outcomes, type Scenario, startScenario } from './scenario';

/** Writes a report step stands for: the console password set at creation travels in the CreateUser request. */
const reportedWrites = (steps: readonly { step: string; outcome: string; action: string }[]) =>
  steps.filter(
    (s) => ['created', 'updated', 'added', 'removed'].includes(s.outcome) && !(s.step === 'console-password' && s.action === 'create'),
  ).length;

describe.each([
  ['classic IAM', undefined, ['CreateUser', 'CreateGroup', 'CreatePolicy', 'AddUserToGroup']],
  ['an identity domain', 'Employees', ['CreateUser', 'CreateGroup', 'CreatePolicy']],
])('every write is accounted for, %s', (_label, identityDomain, lost) => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.stop();
    scenario = undefined;
  });

  it('reports a create whose answer was lost, and whose retry found it, as created by this run', async () => {
    // Prepare: OCI does each of these writes once, then the answer never arrives
    const faults: FaultRule[] = lost.map((operation) => ({ operations: [operation], dropAfterWrite: true, count: 1 }));
    scenario = await startScenario({ ...(identityDomain ? { identityDomain } : {}), faults });
    // Act
    const { result, writes } = await scenario.onboard(newHire());
    // Assess
    const answersLost = scenario.stack.oci.requests.entries().filter((e) => e.answerLost);
    expect(answersLost.map((e) => e.operation).sort()).toEqual([...lost].sort());
    expect(result.status).toBe('succeeded');
    expect(outcomes(result)).toEqual([
      'user:ada.lovelace+oci@example.com:created',
      'group:developers-dev:created',
      'group:auditors:created',
      'membership:developers-dev:added',
      'membership:auditors:added',
      'policy:developers-dev:created',
      'policy:auditors:created',
      `console-password:ada.lovelace+oci@example.com:${identityDomain ? 'created' : 'skipped'}`,
    ]);
    expect(result.steps.some((s) => s.reason?.includes('meanwhile'))).toBe(false);
    // The request log and the report agree: every IAM write OCI did is a step of the report.
    expect(writes).toBe(7);
    expect(reportedWrites(result.steps)).toBe(writes);
  });

  it('counts the same IAM writes in the request log as the report shows, for a joiner, a mover and a leaver', async () => {
    scenario = await startScenario({ ...(identityDomain ? { identityDomain } : {}) });
    const events = [
      newHire({ eventId: 'joiner' }),
      newHire({ eventId: 'mover', roles: ['developer'], compartment: 'test', email: 'ada@example.org' }),
      { type: 'leaver', eventId: 'leaver', employeeId: 'E104233', effectiveDate: '2026-01-31' },
      newHire({ eventId: 'rehire' }),
    ];
    for (const event of events) {
      const { result, writes } = await scenario.onboard(event);
      expect(result.status).toBe('succeeded');
      expect(reportedWrites(result.steps)).toBe(writes);
    }
  });
});
