import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, notificationBody, notificationTitle } from '../../src/core/report';
import { countOutcomes, type OnboardingResult, type StepResult } from '../../src/core/result';

function result(steps: StepResult[]): OnboardingResult {
  return {
    kind: 'event',
    status: 'failed',
    correlation: { callId: 'CALL1', eventId: 'EVT1' },
    employeeId: 'E1',
    userName: 'jane@example.com',
    userId: 'ocid1.user.oc1..u',
    dryRun: false,
    steps,
    counts: countOutcomes(steps),
    errors: [],
    startedAt: '2026-11-22T00:00:00.000Z',
    durationMs: 12,
  };
}
const failedPolicy: StepResult = {
  step: 'policy',
  target: 'auditors',
  action: 'create',
  outcome: 'failed',
  reason: 'CreatePolicy failed: 500 InternalServerError',
  error: { code: 'OCI_REQUEST_FAILED', message: 'CreatePolicy failed', opcRequestId: 'REQ/42' },
};

describe('notification', () => {
  it('reads as a summary for people, then carries the full result as JSON', () => {
    const body = notificationBody(
      result([
        {
          step: 'user',
          target: 'jane@example.com',
          action: 'create',
          outcome: 'created',
          ocid: 'ocid1.user.oc1..u',
        },
        failedPolicy,
      ]),
    );
    const [human, json] = body.split('--- result (JSON) ---\n');
    expect(human).toContain('Onboarding of jane@example.com (employee E1): failed');
    expect(human).toContain('failed    policy           auditors — CreatePolicy failed: 500 InternalServerError [opc-request-id REQ/42]');
    expect(human).toContain('Call id CALL1, event id EVT1.');
    expect(JSON.parse(json ?? '')).toMatchObject({ status: 'failed', counts: { created: 1, failed: 1 } });
  });

  it('stays within the 64 KB ONS limit however many steps there are, keeping the failures', () => {
    const many = Array.from(
      { length: 3000 },
      (_, i): StepResult => ({
        step: 'membership',
        target: `group-${i}-${'x'.repeat(40)}`,
        action: 'none',
        outcome: 'unchanged',
      }),
    );
    const body = notificationBody(result([...many, failedPolicy]));
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(body).toContain('REQ/42');
  });

  it('has a short title naming the hire and the counts', () => {
    expect(notificationTitle(result([failedPolicy]))).toBe('Onboarding failed: jane@example.com (E1), 0 changed, 1 failed');
    expect(notificationTitle({ ...result([]), userName: 'x'.repeat(300) }).length).toBeLessThanOrEqual(128);
  });
});
