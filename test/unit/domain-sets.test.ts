import type { models } from 'oci-identitydomains';
import { describe, expect, it } from 'vitest';
import { type Answer, Coalescer } from '../../src/oci/coalesce';
import { bulkRequest, operationError, usersFor } from '../../src/oci/domain-sets';

describe('coalesced calls', () => {
  it('sends concurrent requests as one call and gives each caller its own answer, a failure to its caller alone', async () => {
    // Prepare
    const sent: number[][] = [];
    const coalescer = new Coalescer<number, number>({
      windowMs: 5,
      inFlight: 1,
      fits: (batch) => batch.length < 10,
      async send(batch) {
        sent.push([...batch]);
        return batch.map((n): Answer<number> => (n === 3 ? { ok: false, error: new Error('three') } : { ok: true, value: n * 10 }));
      },
    });
    // Act
    const answers = await Promise.allSettled([1, 2, 3, 4].map((n) => coalescer.push(n)));
    // Assess
    expect(sent).toEqual([[1, 2, 3, 4]]);
    expect(answers.map((a) => (a.status === 'fulfilled' ? a.value : (a.reason as Error).message))).toEqual([10, 20, 'three', 40]);
  });

  it('cuts batches where they stop fitting, and gathers what arrives while a batch is out into the next one', async () => {
    // Prepare
    const sent: number[][] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const coalescer = new Coalescer<number, number>({
      windowMs: 1,
      inFlight: 1,
      fits: (batch) => batch.length < 3,
      async send(batch) {
        sent.push([...batch]);
        if (sent.length === 1) await held;
        return batch.map((n) => ({ ok: true, value: n }));
      },
    });
    // Act: one request goes alone and is held; five more arrive meanwhile.
    const first = coalescer.push(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const rest = [1, 2, 3, 4, 5].map((n) => coalescer.push(n));
    release();
    await Promise.all([first, ...rest]);
    // Assess
    expect(sent).toEqual([[0], [1, 2, 3], [4, 5]]);
  });

  it('fails every caller of a batch whose call failed as a whole', async () => {
    const coalescer = new Coalescer<number, number>({
      windowMs: 1,
      inFlight: 1,
      fits: () => true,
      send: () => Promise.reject(new Error('lost')),
    });
    const answers = await Promise.allSettled([1, 2].map((n) => coalescer.push(n)));
    expect(answers.map((a) => a.status)).toEqual(['rejected', 'rejected']);
  });
});

describe('SCIM Bulk requests of creates and memberships', () => {
  it('makes one POST per user and one PATCH per group for all its new members, and names the operation of each write', () => {
    // Act
    const { body, bulkIdOf } = bulkRequest([
      { kind: 'create-user', user: { userName: 'a' } },
      { kind: 'add-member', groupId: 'g1', userId: 'u1' },
      { kind: 'create-user', user: { userName: 'b' } },
      { kind: 'add-member', groupId: 'g2', userId: 'u1' },
      { kind: 'add-member', groupId: 'g1', userId: 'u2' },
    ]);
    // Assess
    expect(body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', bulkId: 'user-0', path: '/Users', data: { userName: 'a' } },
        { method: 'POST', bulkId: 'user-2', path: '/Users', data: { userName: 'b' } },
        {
          method: 'PATCH',
          bulkId: 'group-0',
          path: '/Groups/g1',
          data: {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [
              {
                op: 'add',
                path: 'members',
                value: [
                  { value: 'u1', type: 'User' },
                  { value: 'u2', type: 'User' },
                ],
              },
            ],
          },
        },
        {
          method: 'PATCH',
          bulkId: 'group-1',
          path: '/Groups/g2',
          data: {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [{ op: 'add', path: 'members', value: [{ value: 'u1', type: 'User' }] }],
          },
        },
      ],
    });
    expect(bulkIdOf).toEqual(['user-0', 'group-0', 'user-2', 'group-1', 'group-0']);
  });

  it("reads an operation's failure as the single call's: its status, SCIM type and detail", () => {
    const error = operationError('CreateUser', { status: 409, response: { scimType: 'uniqueness', detail: 'taken' } });
    expect(error).toMatchObject({ operation: 'CreateUser', status: 409, ociCode: 'uniqueness', retryable: false });
    expect(operationError('PatchGroup', { status: 503, response: {} }).retryable).toBe(true);
  });

  it('gives each look-up the users its employee id (exactly) and user name (any case) name, out of one answer for many', () => {
    const users = [
      { userName: 'Ada@example.com', externalId: 'E1' },
      { userName: 'grace@example.com', externalId: 'e1' },
      { userName: 'other@example.com', externalId: 'E2' },
    ] as models.User[];
    expect(usersFor({ employeeId: 'E1', userName: 'ada@EXAMPLE.com' }, users).map((u) => u.userName)).toEqual(['Ada@example.com']);
    expect(usersFor({ employeeId: 'E2', userName: 'grace@example.com' }, users).map((u) => u.userName)).toEqual([
      'grace@example.com',
      'other@example.com',
    ]);
    expect(usersFor({ employeeId: 'E3', userName: undefined }, users)).toEqual([]);
  });
});
