import { OciError } from 'oci-common';
import { describe, expect, it } from 'vitest';
import { callOci, translateOciError } from '../../src/oci/call';
import { OciCallError } from '../../src/support/errors';
import { createLogger } from '../../src/support/logger';
import { WriteWithdrawn, writeChecks } from '../../src/support/write-checks';

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
  it('retries throttling until it succeeds', async () => {
    let calls = 0;
    const value = await callOci(
      'X',
      async () => {
        calls += 1;
        if (calls < 3) throw ociError(429, 'TooManyRequests');
        return 'ok';
      },
      { deadline: Date.now() + 10_000, maxAttempts: 5, log },
    );
    expect([value, calls]).toEqual(['ok', 3]);
  });

  it('does not retry a client error', async () => {
    let calls = 0;
    const attempt = callOci(
      'X',
      async () => {
        calls += 1;
        throw ociError(400, 'InvalidParameter');
      },
      { deadline: Date.now() + 10_000, maxAttempts: 5, log },
    );
    await expect(attempt).rejects.toMatchObject({ status: 400 });
    expect(calls).toBe(1);
  });

  it('stops at the attempt limit and never starts an attempt past the deadline', async () => {
    let calls = 0;
    const failing = async () => {
      calls += 1;
      throw ociError(503, 'ServiceUnavailable');
    };
    await expect(callOci('X', failing, { deadline: Date.now() + 10_000, maxAttempts: 3, log })).rejects.toMatchObject({ status: 503 });
    expect(calls).toBe(3);
    calls = 0;
    await expect(callOci('X', failing, { deadline: Date.now() - 1, maxAttempts: 10, log })).rejects.toMatchObject({ status: 503 });
    expect(calls).toBe(1);
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
