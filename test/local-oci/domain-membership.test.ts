import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import type { IdentityDomainsClient } from 'oci-identitydomains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdentityDirectory } from '../../src/core/ports';
import { domainDirectory } from '../../src/oci/domain-directory';
import { createLogger } from '../../src/support/logger';
import { failure, scimClient } from './sdk';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('identity domain memberships: a duplicate add is 409 at OCI and "already a member" for the adapter', () => {
  let oci: LocalOci;
  let scim: IdentityDomainsClient;
  let directory: IdentityDirectory;
  beforeAll(async () => {
    oci = await startLocalOci({ identityDomain: 'Employees' });
    scim = scimClient(oci);
    const policy = { deadline: Date.now() + 60_000, maxAttempts: 2, log: createLogger({ level: 'error', write: () => undefined }) };
    const unused = () => Promise.reject(new Error('not used here'));
    directory = domainDirectory(
      scim,
      { findPolicy: unused, createPolicy: unused, updatePolicy: unused },
      { domainName: 'Employees', welcomeEmail: false },
      policy,
    );
  });
  afterAll(() => oci.stop());

  const newMember = async (suffix: string) => {
    const { user } = await scim.createUser({
      user: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `m.${suffix}@example.com` },
    });
    const { group } = await scim.createGroup({
      group: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `g-${suffix}` },
    });
    return { userId: user.id ?? '', groupId: group.id ?? '' };
  };

  it('answers a second add of the same member with 409 and keeps one membership', async () => {
    // Prepare
    const { userId, groupId } = await newMember('emulator');
    const add = () =>
      scim.patchGroup({
        groupId,
        patchOp: { schemas: [PATCH], operations: [{ op: 'add' as never, path: 'members', value: [{ value: userId, type: 'User' }] }] },
      });
    await add();
    // Act
    const second = await failure(add());
    // Assess
    expect(second.statusCode).toBe(409);
    expect(oci.state.domain?.groups.get(groupId)?.members.size).toBe(1);
  });

  it('reports added only for the add that really added the member, and the other as already a member', async () => {
    // Prepare
    const { userId, groupId } = await newMember('adapter');
    // Act: two deliveries of one hire race to the same membership
    const outcomes = await Promise.all([directory.addUserToGroup(userId, groupId), directory.addUserToGroup(userId, groupId)]);
    // Assess
    expect(outcomes.map((o) => o.added).sort()).toEqual([false, true]);
    expect(oci.state.domain?.groups.get(groupId)?.members.size).toBe(1);
  });
});

describe('SCIM attributes', () => {
  let oci: LocalOci;
  let scim: IdentityDomainsClient;
  beforeAll(async () => {
    oci = await startLocalOci({ identityDomain: 'Employees' });
    scim = scimClient(oci);
  });
  afterAll(() => oci.stop());

  it('returns ocid by default or on request, groups only on request, and only the attributes asked for', async () => {
    // Prepare
    const { user } = await scim.createUser({
      user: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'attrs@example.com' },
    });
    const { group } = await scim.createGroup({ group: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'attrs' } });
    oci.state.domain?.groups.get(group.id ?? '')?.members.add(user.id ?? '');
    const userId = user.id ?? '';
    // Act
    const byDefault = (await scim.getUser({ userId })).user;
    const named = (await scim.getUser({ userId, attributes: 'userName' })).user;
    const withOcid = (await scim.getUser({ userId, attributes: 'ocid,userName' })).user;
    const withGroups = (await scim.getUser({ userId, attributes: 'groups' })).user;
    const listed = (await scim.listUsers({ filter: 'userName eq "attrs@example.com"', attributes: 'userName' })).users.resources ?? [];
    // Assess
    expect(byDefault.ocid).toMatch(/^ocid1\.user\./);
    expect(byDefault.groups).toBeUndefined();
    expect(named).toMatchObject({ id: userId, userName: 'attrs@example.com' });
    expect(named.ocid).toBeUndefined();
    expect(named.emails).toBeUndefined();
    expect(withOcid.ocid).toBe(byDefault.ocid);
    expect(withGroups.groups?.map((g) => g.value)).toEqual([group.id]);
    expect(withGroups.userName).toBeUndefined();
    expect(listed.map((u) => [u.userName, u.ocid])).toEqual([['attrs@example.com', undefined]]);
  });
});

describe("a group's members in answers, as Oracle's Group schema says (returned on request, at most 10,000)", () => {
  let oci: LocalOci;
  let scim: IdentityDomainsClient;
  let groupId: string;
  let memberIds: string[];
  beforeAll(async () => {
    oci = await startLocalOci({ identityDomain: 'Employees' });
    scim = scimClient(oci);
    const { group } = await scim.createGroup({ group: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'crowd' } });
    groupId = group.id ?? '';
    // 10,001 members, put straight into the state: creating them through the API would take minutes.
    memberIds = Array.from({ length: 10_001 }, (_, i) => `member-${String(i).padStart(5, '0')}`);
    for (const id of memberIds) oci.state.domain?.groups.get(groupId)?.members.add(id);
  });
  afterAll(() => oci.stop());

  it('leaves members out of a read, a list and a membership PATCH unless asked', async () => {
    // Prepare
    const { user } = await scim.createUser({
      user: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'crowd.one@example.com' },
    });
    // Act
    const read = (await scim.getGroup({ groupId })).group;
    const listed = (await scim.listGroups({ filter: 'displayName eq "crowd"' })).groups.resources ?? [];
    const patched = await scim.patchGroup({
      groupId,
      patchOp: { schemas: [PATCH], operations: [{ op: 'add' as never, path: 'members', value: [{ value: user.id, type: 'User' }] }] },
    });
    // Assess
    expect(read).toMatchObject({ id: groupId, displayName: 'crowd' });
    expect(read.members).toBeUndefined();
    expect(listed.map((g) => [g.displayName, g.members])).toEqual([['crowd', undefined]]);
    expect(patched.group.members).toBeUndefined();
    expect(oci.state.domain?.groups.get(groupId)?.members.has(user.id ?? '')).toBe(true);
    await scim.patchGroup({
      groupId,
      patchOp: { schemas: [PATCH], operations: [{ op: 'remove' as never, path: `members[value eq "${user.id}"]` }] },
    });
  });

  it('refuses to answer more than 10,000 members at once and pages them on request', async () => {
    // Act: the SDK puts query values in the URL as they are, so the page's `&` is written `%26`, as
    // Oracle's documentation of `members` writes it.
    const all = await failure(scim.getGroup({ groupId, attributes: 'members' }));
    const listedAll = await failure(scim.listGroups({ filter: 'displayName eq "crowd"', attributes: 'members' }));
    const first = (await scim.getGroup({ groupId, attributes: 'members[startIndex=1%26count=10000]' })).group;
    const last = (await scim.getGroup({ groupId, attributes: 'members[startIndex=10001%26count=10000]' })).group;
    const tooBig = await failure(scim.getGroup({ groupId, attributes: 'members[startIndex=1%26count=10001]' }));
    // Assess
    expect(all.statusCode).toBe(400);
    expect(listedAll.statusCode).toBe(400);
    expect(first.members?.length).toBe(10_000);
    expect(first.members?.[0]?.value).toBe('member-00000');
    expect(last.members?.map((m) => m.value)).toEqual(['member-10000']);
    expect(tooBig.statusCode).toBe(400);
  });
});
