import { OciError } from 'oci-common';
import { describe, expect, it } from 'vitest';
import { callOci, translateOciError } from '../../src/oci/call';
import { OciCallError } from '../../src/support/errors';
import { createLogger } from '../../src/support/logger';
import { WriteWithdrawn, writeChecks } from '../../src/support/write-checks';
import { FakeClock } from '../fake-clock';

const log = createLogger({ write: () => {} });
const ociError = (status: number, code: string) =>
  new OciError(status, code, `${code} happened`, 'REQ-1', 'Identity', 'CreateUser', '', '', '');

describe('translateOciError', () => {
  it('keeps the status, OCI code and opc-request-id', () => {
    const error = translateOciError('CreateUser', ociError(409, 'NotAuthorizedOrResourceAlreadyExists'));
    expect(error).toBeInstanceOf(OciCallError);
    expect(error).toMatchObject({
      operation: 'CreateUser',
      status: 409,
      ociCode: 'NotAuthorizedOrResourceAlreadyExists',
      opcRequestId: 'REQ-1',
      retryable: false,
    });
  });

  it.each([
    [429, 'TooManyRequests', true],
    [503, 'ServiceUnavailable', true],
    [409, 'IncorrectState', true],
    [400, 'InvalidParameter', false],
    [404, 'NotAuthorizedOrNotFound', false],
  ])('%i %s is retryable: %s', (status, code, retryable) => {
    expect(translateOciError('X', ociError(status, code)).retryable).toBe(retryable);
  });

  it('treats a network failure (no answer) as retryable', () => {
    expect(translateOciError('X', { message: 'fetch failed' })).toMatchObject({
      status: undefined,
      ociCode: 'NetworkError',
      retryable: true,
    });
  });
});

describe('callOci', () => {
  it('retries throttling until it succeeds, waiting out each backoff on the clock', async () => {
    // Prepare: two throttled answers, then one that passes.
    const clock = new FakeClock();
    let calls = 0;
    // Act
    const value = await callOci(
      'X',
      async () => {
        calls += 1;
        if (calls < 3) throw ociError(429, 'TooManyRequests');
        return 'ok';
      },
      { deadline: clock.now() + 10_000, maxAttempts: 5, log, clock },
    );
    // Assess: one wait before each retry, full jitter under 100 ms then 200 ms.
    expect([value, calls]).toEqual(['ok', 3]);
    expect(clock.sleeps).toHaveLength(2);
    expect(clock.sleeps[0]).toBeLessThan(100);
    expect(clock.sleeps[1]).toBeLessThan(200);
  });

  it('waits out more throttled answers than it has attempts, since throttling is pacing, while other failures still end at the last attempt', async () => {
    // Prepare: a service that throttles twelve times, then answers; another that fails with 503 every time.
    const clock = new FakeClock();
    let throttledCalls = 0;
    let failingCalls = 0;
    // Act
    const value = await callOci(
      'X',
      async () => {
        throttledCalls += 1;
        if (throttledCalls <= 12) throw ociError(429, 'TooManyRequests');
        return 'ok';
      },
      { deadline: clock.now() + 3_600_000, maxAttempts: 3, log, clock },
    );
    const failing = callOci(
      'X',
      async () => {
        failingCalls += 1;
        throw ociError(503, 'ServiceUnavailable');
      },
      { deadline: clock.now() + 3_600_000, maxAttempts: 3, log, clock },
    );
    // Assess
    expect([value, throttledCalls]).toEqual(['ok', 13]);
    await expect(failing).rejects.toMatchObject({ status: 503 });
    expect(failingCalls).toBe(3);
  });

  it('gives up on throttled answers that would outlast the deadline', async () => {
    // Prepare: a service that always throttles, and a deadline 5 s away.
    const clock = new FakeClock();
    const started = clock.now();
    let calls = 0;
    // Act
    const attempt = callOci(
      'X',
      async () => {
        calls += 1;
        throw ociError(429, 'TooManyRequests');
      },
      { deadline: clock.now() + 5_000, maxAttempts: 3, log, clock },
    );
    // Assess: it stopped before the deadline, after more tries than attempts.
    await expect(attempt).rejects.toMatchObject({ status: 429 });
    expect(clock.now()).toBeLessThan(started + 5_000);
    expect(calls).toBeGreaterThan(3);
  });

  it('does not retry a client error', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const attempt = callOci(
      'X',
      async () => {
        calls += 1;
        throw ociError(400, 'InvalidParameter');
      },
      { deadline: clock.now() + 10_000, maxAttempts: 5, log, clock },
    );
    await expect(attempt).rejects.toMatchObject({ status: 400 });
    expect([calls, clock.sleeps.length]).toEqual([1, 0]);
  });

  it('stops at the attempt limit and never starts an attempt past the deadline', async () => {
    // Prepare: a service that always answers 503.
    const clock = new FakeClock();
    let calls = 0;
    const startedAt: number[] = [];
    const failing = async () => {
      calls += 1;
      startedAt.push(clock.now());
      throw ociError(503, 'ServiceUnavailable');
    };
    // Act, Assess: the attempt limit ends it first; then a deadline already past allows one attempt only.
    await expect(callOci('X', failing, { deadline: clock.now() + 10_000, maxAttempts: 3, log, clock })).rejects.toMatchObject({
      status: 503,
    });
    expect(calls).toBe(3);
    calls = 0;
    await expect(callOci('X', failing, { deadline: clock.now() - 1, maxAttempts: 10, log, clock })).rejects.toMatchObject({ status: 503 });
    expect(calls).toBe(1);
    // Act: a deadline 30 s away and 1,000 attempts allowed (the SDK's own retrier would take 94 s here).
    startedAt.length = 0;
    const deadline = clock.now() + 30_000;
    await expect(callOci('X', failing, { deadline, maxAttempts: 1000, log, clock })).rejects.toMatchObject({ status: 503 });
    // Assess: the backoff grew to its 4 s cap, every attempt started before the deadline, none waited past it.
    expect(startedAt.length).toBeGreaterThan(5);
    expect(startedAt.every((at) => at < deadline)).toBe(true);
    expect(clock.now()).toBeLessThan(deadline);
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(4000);
  });

  it('retries a 404 about what was just written only within four minutes of an IAM write', async () => {
    // Prepare: an IAM write just now; a read that is not found once, then found.
    const clock = new FakeClock(Date.now());
    await callOci('CreateGroup', async () => 'created', { deadline: clock.now() + 10_000, maxAttempts: 3, log, clock });
    let reads = 0;
    const notFoundOnce = async () => {
      reads += 1;
      if (reads === 1) throw ociError(404, 'NotAuthorizedOrNotFound');
      return 'found';
    };
    // Act, Assess: within the window the 404 is retried.
    expect(await callOci('GetGroup', notFoundOnce, { deadline: clock.now() + 10_000, maxAttempts: 3, log, clock })).toBe('found');
    // Act, Assess: five minutes later it is an answer.
    clock.advance(5 * 60_000);
    reads = 0;
    await expect(callOci('GetGroup', notFoundOnce, { deadline: clock.now() + 10_000, maxAttempts: 3, log, clock })).rejects.toMatchObject({
      status: 404,
    });
    expect(reads).toBe(1);
  });
});

describe('write checks', () => {
  const policy = { maxAttempts: 4, deadline: Date.now() + 60_000, log };

  it('runs the check before every attempt of a write, after a throttled answer too, and never for a read', async () => {
    // Prepare: a write throttled once, then answered; a read.
    let checks = 0;
    let sends = 0;
    const check = async () => {
      checks += 1;
    };
    // Act
    await writeChecks.run(check, () =>
      callOci(
        'AddUserToGroup',
        async () => {
          sends += 1;
          if (sends === 1) throw ociError(429, 'TooManyRequests');
          return 'ok';
        },
        policy,
      ),
    );
    await writeChecks.run(check, () => callOci('ListUsers', async () => 'ok', policy));
    // Assess
    expect([sends, checks]).toEqual([2, 2]);
  });

  it('sends nothing and does not retry once the check withdraws the write', async () => {
    // Prepare: the first attempt is throttled; before the retry a newer fact is found.
    let sends = 0;
    let checks = 0;
    const check = async () => {
      checks += 1;
      if (checks === 2) throw new WriteWithdrawn('2026-01-10T09:03:00.000Z');
    };
    // Act
    const outcome = writeChecks.run(check, () =>
      callOci(
        'PatchGroup',
        async () => {
          sends += 1;
          throw ociError(429, 'TooManyRequests');
        },
        policy,
      ),
    );
    // Assess
    await expect(outcome).rejects.toBeInstanceOf(WriteWithdrawn);
    expect([sends, checks]).toEqual([1, 2]);
  });
});

describe('a write check that cannot be made', () => {
  it('sends nothing, does not retry, and carries the read error as its cause', async () => {
    // Prepare: the check's own read fails.
    let sends = 0;
    const readError = new Error('GetUser failed: 503');
    // Act
    const outcome = writeChecks.run(
      async () => {
        throw readError;
      },
      () =>
        callOci(
          'AddUserToGroup',
          async () => {
            sends += 1;
            return 'ok';
          },
          { maxAttempts: 4, deadline: Date.now() + 60_000, log },
        ),
    );
    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'WriteCheckFailed', cause: readError });
    expect(sends).toBe(0);
  });
});
