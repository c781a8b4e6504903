import { OciError } from 'oci-common';
import { describe, expect, it } from 'vitest';
import { callOci, translateOciError } from '../../src/oci/call';
import { OciCallError } from '../../src/support/errors';
import { createLogger } from '../../src/support/logger';

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
