import { makeOcid } from '@oci-iam-onboarding/local-oci/ocid';
import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { BULK_LIMITS } from '@oci-iam-onboarding/local-oci/services/scim-bulk';
import { afterEach, describe, expect, it } from 'vitest';
import { scimClient } from './sdk';
import { signedScim } from './signed-scim';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const OCI_TAGS = 'urn:ietf:params:scim:schemas:oracle:idcs:extension:OCITags';

interface BulkAnswer {
  schemas: string[];
  Operations: {
    method: string;
    bulkId?: string;
    status: string;
    location?: string;
    version?: string;
    response?: { id?: string; detail?: string };
  }[];
}

const createUser = (bulkId: string, userName: string, extra: Record<string, unknown> = {}) => ({
  method: 'POST',
  path: '/Users',
  bulkId,
  data: { schemas: [USER], userName, name: { givenName: 'G', familyName: 'F' }, emails: [{ value: userName, primary: true }], ...extra },
});

describe('SCIM Bulk and ServiceProviderConfigs in the local identity domain (RFC 7644 section 3.7)', () => {
  let oci: LocalOci | undefined;
  afterEach(async () => {
    await oci?.stop();
    oci = undefined;
  });
  const bulk = async (operations: unknown[], extra: Record<string, unknown> = {}, configFile?: string) => {
    const answer = await signedScim(
      oci as LocalOci,
      'POST',
      '/admin/v1/Bulk',
      { schemas: [BULK_REQUEST], Operations: operations, ...extra },
      configFile,
    );
    return { status: answer.status, body: answer.json as BulkAnswer };
  };

  it('creates users and a group in order, resolving bulkId references in a PATCH that adds both members', async () => {
    // Prepare
    oci = await startLocalOci({ identityDomain: 'Employees', domainLimits: 'published' });
    // Act
    const answer = await bulk([
      createUser('u1', 'ada@example.com', { [OCI_TAGS]: { freeformTags: [{ key: 'source', value: 'hr' }] } }),
      createUser('u2', 'alan@example.com'),
      { method: 'POST', path: '/Groups', bulkId: 'g1', data: { schemas: [GROUP], displayName: 'Engineers' } },
      {
        method: 'PATCH',
        path: '/Groups/bulkId:g1',
        data: {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [
            {
              op: 'add',
              path: 'members',
              value: [
                { value: 'bulkId:u1', type: 'User' },
                { value: 'bulkId:u2', type: 'User' },
              ],
            },
          ],
        },
      },
    ]);
    // Assess: the group read back through the SDK holds the two users created by the same request.
    const ops = answer.body.Operations;
    expect([answer.status, ...ops.map((o) => o.status)]).toEqual([200, '201', '201', '201', '200']);
    const [ada, alan, group] = ops.map((o) => o.response?.id ?? '');
    expect(ops[0]?.location).toBe(`${oci.domainUrl}/admin/v1/Users/${ada}`);
    const read = await scimClient(oci).getGroup({ groupId: group ?? '', attributes: 'members' });
    expect(read.group.members?.map((m) => m.value).sort()).toEqual([ada, alan].sort());
    expect(oci.state.domain?.users.get(ada ?? '')?.tags).toEqual([{ key: 'source', value: 'hr' }]);
  });

  it('answers 409 for the one operation whose userName is taken; the others are created', async () => {
    // Prepare
    oci = await startLocalOci({ identityDomain: 'Employees', domainLimits: 'published' });
    await scimClient(oci).createUser({ user: { schemas: [USER], userName: 'grace@example.com', name: { familyName: 'H' } } });
    // Act
    const answer = await bulk([
      createUser('a', 'one@example.com'),
      createUser('b', 'GRACE@example.com'),
      createUser('c', 'two@example.com'),
    ]);
    // Assess
    expect(answer.body.Operations.map((o) => [o.bulkId, o.status])).toEqual([
      ['a', '201'],
      ['b', '409'],
      ['c', '201'],
    ]);
    expect([...(oci.state.domain?.users.values() ?? [])].map((u) => u.userName).sort()).toEqual([
      'grace@example.com',
      'one@example.com',
      'two@example.com',
    ]);
  });

  it('stops after the first error with failOnErrors: 1, and a reference to a failed create is not resolved', async () => {
    // Prepare
    oci = await startLocalOci({ identityDomain: 'Employees', domainLimits: 'published' });
    await bulk([createUser('x', 'taken@example.com')]);
    const group = { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP], displayName: 'G' } };
    const addDup = {
      method: 'PATCH',
      path: '/Groups/bulkId:g',
      data: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'add', path: 'members', value: [{ value: 'bulkId:d' }] }],
      },
    };
    // Act
    const stopped = await bulk([createUser('d', 'taken@example.com'), createUser('e', 'new@example.com')], { failOnErrors: 1 });
    const unresolved = await bulk([createUser('d', 'taken@example.com'), group, addDup]);
    // Assess
    expect(stopped.body.Operations.map((o) => o.status)).toEqual(['409']);
    expect(oci.state.domain?.users.find('userName', 'new@example.com')).toEqual([]);
    expect(unresolved.body.Operations.map((o) => o.status)).toEqual(['409', '201', '409']);
  });

  it('refuses more than maxOperations operations and more than maxPayloadSize bytes with 413, changing nothing', async () => {
    // Prepare
    oci = await startLocalOci({ identityDomain: 'Employees', domainLimits: 'published' });
    const tooMany = Array.from({ length: BULK_LIMITS.maxOperations + 1 }, (_, i) => createUser(`u${i}`, `u${i}@example.com`));
    const big = [createUser('big', 'big@example.com', { description: 'x'.repeat(BULK_LIMITS.maxPayloadSize) })];
    // Act
    const many = await bulk(tooMany);
    const large = await bulk(big);
    const justEnough = await bulk(tooMany.slice(0, BULK_LIMITS.maxOperations));
    // Assess
    expect([many.status, large.status, justEnough.status]).toEqual([413, 413, 200]);
    expect(oci.state.domain?.users.size).toBe(BULK_LIMITS.maxOperations);
  });

  it('answers the bulk limits in ServiceProviderConfigs', async () => {
    // Prepare
    oci = await startLocalOci({ identityDomain: 'Employees', domainLimits: 'published' });
    // Act
    const answer = await signedScim(oci, 'GET', '/admin/v1/ServiceProviderConfigs');
    // Assess
    expect(answer.status).toBe(200);
    expect((answer.json as { bulk: unknown }).bulk).toEqual({ supported: true, maxOperations: 100, maxPayloadSize: 1_048_576 });
  });

  it('authorizes each operation as its single call: a clerk who may manage users but not groups', async () => {
    // Prepare
    oci = await startLocalOci({ identityDomain: 'Employees', domainLimits: 'published' });
    const clerk = oci.addUser({ name: 'clerk', groups: ['Clerks'] });
    const id = makeOcid('policy');
    oci.state.policies.set(id, {
      id,
      compartmentId: oci.state.tenancy.id,
      name: 'clerks',
      description: 'clerks',
      statements: ['Allow group Clerks to manage users in tenancy'],
      freeformTags: {},
      timeCreated: new Date(),
      activeAt: 0,
    });
    // Act
    const answer = await bulk(
      [
        createUser('u', 'by-clerk@example.com'),
        { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP], displayName: 'ByClerk' } },
      ],
      {},
      clerk.configFile,
    );
    // Assess
    expect(answer.body.Operations.map((o) => o.status)).toEqual(['201', '403']);
    expect(oci.state.domain?.groups.size).toBe(0);
  });

  it('applies a PATCH only at the version given; a stale version is 412 for that operation', async () => {
    // Prepare
    oci = await startLocalOci({ identityDomain: 'Employees', domainLimits: 'published' });
    const created = await bulk([createUser('u', 'v@example.com')]);
    const userId = created.body.Operations[0]?.response?.id ?? '';
    const patch = (version: string) => ({
      method: 'PATCH',
      path: `/Users/${userId}`,
      version,
      data: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'description', value: version }],
      },
    });
    const current = created.body.Operations[0]?.version ?? '';
    // Act
    const answer = await bulk([patch(current), patch(current)]);
    // Assess: the first moved the version on, so the second names a stale one.
    expect(current).toMatch(/^W\/"/);
    expect(answer.body.Operations.map((o) => o.status)).toEqual(['200', '412']);
  });

  it('applies every operation when the answer is lost after the write; the same request again duplicates nothing', async () => {
    // Prepare
    oci = await startLocalOci({
      identityDomain: 'Employees',
      domainLimits: 'published',
      faults: [{ operations: ['Bulk'], dropAfterWrite: true, count: 1 }],
    });
    const operations = [createUser('a', 'lost1@example.com'), createUser('b', 'lost2@example.com')];
    // Act
    const lost = await bulk(operations).then(
      () => 'answered',
      () => 'lost',
    );
    const again = await bulk(operations);
    // Assess
    expect(lost).toBe('lost');
    expect(again.body.Operations.map((o) => o.status)).toEqual(['409', '409']);
    expect(oci.state.domain?.users.size).toBe(2);
    expect(
      oci.requests
        .entries(0)
        .filter((e) => e.operation === 'Bulk')
        .map((e) => e.answerLost ?? false),
    ).toEqual([true, false]);
  });

  it('logs each operation with its request: one call, and an IAM write for each change it applied, a member each', async () => {
    // Prepare
    oci = await startLocalOci({ identityDomain: 'Employees', domainLimits: 'published' });
    await bulk([createUser('x', 'taken@example.com')]);
    const mark = oci.requests.mark();
    // Act: two users created, one refused (409), then a group and a PATCH adding both new members.
    await bulk([
      createUser('a', 'one@example.com'),
      createUser('b', 'taken@example.com'),
      createUser('c', 'two@example.com'),
      { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP], displayName: 'Logged' } },
      {
        method: 'PATCH',
        path: '/Groups/bulkId:g',
        data: {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'add', path: 'members', value: [{ value: 'bulkId:a' }, { value: 'bulkId:c' }] }],
        },
      },
    ]);
    // Assess: one call, five operations under their own names; the refused create wrote nothing.
    expect(oci.requests.entries(mark).map((e) => [e.operation, e.operations?.length])).toEqual([['Bulk', 5]]);
    expect(oci.requests.counts(mark)).toEqual({
      Bulk: { ok: 1 },
      CreateUser: { ok: 2, error: 1 },
      CreateGroup: { ok: 1 },
      PatchGroup: { ok: 1 },
    });
    expect(oci.requests.iamWrites(mark).map((e) => `${e.operation} ${e.within}`)).toEqual([
      'CreateUser Bulk',
      'CreateUser Bulk',
      'CreateGroup Bulk',
      'PatchGroup Bulk',
      'PatchGroup Bulk',
    ]);
  });

  it("answers an operation the status a fault of its own operation names, and applies the others; drops stay the request's", async () => {
    // Prepare: every group PATCH fails 503; a create's lost answer would be the whole request's, so it does not fire inside one.
    oci = await startLocalOci({
      identityDomain: 'Employees',
      domainLimits: 'published',
      faults: [
        { operations: ['PatchGroup'], status: 503 },
        { operations: ['CreateUser'], dropAfterWrite: true, count: 1 },
      ],
    });
    const created = await bulk([
      createUser('a', 'one@example.com'),
      { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP], displayName: 'Faulted' } },
    ]);
    const [userId, groupId] = created.body.Operations.map((o) => o.response?.id ?? '');
    const mark = oci.requests.mark();
    // Act
    const answer = await bulk([
      createUser('b', 'two@example.com'),
      {
        method: 'PATCH',
        path: `/Groups/${groupId}`,
        data: {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }],
        },
      },
    ]);
    // Assess
    expect(created.body.Operations.map((o) => o.status)).toEqual(['201', '201']);
    expect(answer.body.Operations.map((o) => o.status)).toEqual(['201', '503']);
    expect(oci.state.domain?.groups.get(groupId ?? '')?.members.size).toBe(0);
    expect(oci.requests.counts(mark)).toEqual({ Bulk: { ok: 1 }, CreateUser: { ok: 1 }, PatchGroup: { fault: 1 } });
    expect(oci.requests.iamWrites(mark).map((e) => e.operation)).toEqual(['CreateUser']);
  });
});
