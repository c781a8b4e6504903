import { describe, expect, it } from 'vitest';
import { createOrFind } from '../../src/oci/call';
import { OciCallError } from '../../src/support/errors';

const conflict = new OciCallError({
  operation: 'CreateUser',
  status: 409,
  ociCode: 'uniqueness',
  message: 'exists',
  opcRequestId: undefined,
  retryable: false,
});
const failing = () => Promise.reject(conflict);

describe('createOrFind', () => {
  it('reports a resource that carries the mark of this call as created by it, and any other as found', async () => {
    // Prepare
    const mine = { id: 'u1', createdByCall: 'call-1' };
    const theirs = { id: 'u1', createdByCall: 'call-0' };
    const byThisCall = (found: { createdByCall: string }) => found.createdByCall === 'call-1';
    // Act
    const lostAnswer = await createOrFind(
      failing,
      async () => mine,
      () => true,
      byThisCall,
    );
    const otherDelivery = await createOrFind(
      failing,
      async () => theirs,
      () => true,
      byThisCall,
    );
    // Assess
    expect(lostAnswer).toEqual({ record: mine, created: true });
    expect(otherDelivery).toEqual({ record: theirs, created: false });
  });

  it('passes on a conflict whose resource cannot be found, and any other error', async () => {
    await expect(
      createOrFind(
        failing,
        async () => undefined,
        () => true,
      ),
    ).rejects.toBe(conflict);
    await expect(
      createOrFind(
        failing,
        async () => ({ id: 'x' }),
        () => false,
      ),
    ).rejects.toBe(conflict);
  });
});
