import { describe, expect, it } from 'vitest';
import { BatchThrottle, isRetryable } from '../../src/core/batch';
import { ClassicPacer } from '../../src/oci/pacing';

describe('a failed row', () => {
  it('calls a row retryable when its failures pass or a shared step it needs failed, not when OCI refused it', () => {
    const error = (status: number) => ({ code: 'OCI_REQUEST_FAILED' as const, message: String(status), status });
    const step = (status: number) => ({
      step: 'user' as const,
      target: 'u',
      action: 'create' as const,
      outcome: 'failed' as const,
      error: error(status),
    });
    expect(isRetryable({ steps: [step(429)], errors: [] })).toBe(true);
    expect(isRetryable({ steps: [step(503)], errors: [] })).toBe(true);
    expect(isRetryable({ steps: [step(400)], errors: [] })).toBe(false);
    // A call refused before it was sent because the invocation's time ran out under a domain's windows.
    const outOfTime = { ...step(0), error: { code: 'OCI_REQUEST_FAILED' as const, message: 'Bulk call failed', ociCode: 'OutOfTime' } };
    expect(isRetryable({ steps: [outOfTime], errors: [] })).toBe(true);
    expect(
      isRetryable({
        steps: [
          { step: 'membership', target: 'g', action: 'create', outcome: 'skipped', reason: 'skipped: the group step did not complete' },
        ],
        errors: [],
      }),
    ).toBe(true);
  });
});

describe('batch concurrency', () => {
  it('cuts once for a burst of throttled answers, not once per answer, and grows back one per full window', () => {
    // Prepare
    const pacer = new ClassicPacer(1000);
    const throttle = new BatchThrottle(16);
    const throttled = (now: number) => {
      if (pacer.throttled('write', now)) throttle.throttled();
    };
    // Act: eight calls in flight come back throttled together.
    for (let i = 0; i < 8; i += 1) throttled(10_000 + i);
    // Assess
    expect(throttle.limit).toBe(12);
    expect(throttle.cuts).toBe(1);
    for (let i = 0; i < 11; i += 1) throttle.completed();
    expect(throttle.limit).toBe(12);
    throttle.completed();
    expect(throttle.limit).toBe(13);
    throttled(11_500);
    expect(throttle.limit).toBe(9);
  });
});
