import { callRoute, type Route } from '@oci-iam-onboarding/local-oci/http';
import { IndexedMap } from '@oci-iam-onboarding/local-oci/indexed-map';
import { identityRoutes } from '@oci-iam-onboarding/local-oci/services/identity';
import { identityDomainRoutes } from '@oci-iam-onboarding/local-oci/services/identity-domains';
import { type DomainState, TenancyState } from '@oci-iam-onboarding/local-oci/state';
import { describe, expect, it } from 'vitest';

// The local OCI answers lookups from indexes kept in its Maps; these checks follow the indexes through
// create, delete and membership removal, calling the handlers directly (no HTTP: this is about state).

const TIMING = { activationDelayMs: 0, groupVisibilityDelayMs: 0, consistencyDelayMs: 0 };

function tenancy(domainName?: string): TenancyState {
  return new TenancyState({ tenancyId: 'ocid1.tenancy.oc1..t', homeRegion: 'us-ashburn-1', otherRegions: [], timing: TIMING, domainName });
}

/** Calls a route's handler; an ApiError becomes its status, as the server answers it. */
function caller(routes: Route[]) {
  return async (
    method: Route['method'],
    operation: string,
    options: { params?: string[]; query?: Record<string, string>; body?: unknown } = {},
  ) => {
    try {
      return await callRoute(routes, method, operation, options);
    } catch (error) {
      return { status: (error as { status?: number }).status ?? 500, body: (error as Error).message };
    }
  };
}

const ids = (response: { body?: unknown }) => ((response.body ?? []) as { id: string }[]).map((item) => item.id);

describe('IndexedMap', () => {
  it('finds values by index in the Map order and forgets them on delete, re-set and clear', () => {
    // Prepare: three users, two sharing a case-folded name.
    const map = new IndexedMap<string, { name: string }, 'name'>({ name: (v) => v.name.toLowerCase() });
    map.set('a', { name: 'Ada' }).set('b', { name: 'bob' }).set('c', { name: 'ADA' });

    // Act / Assess: lookups, then each way a value leaves its key.
    expect(map.find('name', 'ada').map((v) => v.name)).toEqual(['Ada', 'ADA']);
    map.delete('a');
    expect(map.find('name', 'ada').map((v) => v.name)).toEqual(['ADA']);
    map.set('c', { name: 'carl' });
    expect(map.find('name', 'ada')).toEqual([]);
    expect(map.findOne('name', 'carl')).toEqual({ name: 'carl' });
    map.clear();
    expect(map.find('name', 'bob')).toEqual([]);
  });
});

describe('IndexedMap: a changed field', () => {
  it('files a value again under its new key when it is set again, even when it was changed in place', () => {
    // Prepare: one value under one key.
    const map = new IndexedMap<string, { name: string }, 'name'>({ name: (v) => v.name });
    const value = { name: 'old' };
    map.set('a', value);

    // Act: the same object is changed in place, then set again.
    value.name = 'new';
    map.set('a', value);

    // Assess: found only under the new key.
    expect(map.find('name', 'old')).toEqual([]);
    expect(map.find('name', 'new')).toEqual([value]);
    map.delete('a');
    expect(map.find('name', 'new')).toEqual([]);
  });
});

describe('local OCI indexes: classic IAM without identity domains', () => {
  it('keeps names and memberships findable through create, membership removal and delete', async () => {
    // Prepare: a tenancy with a user, a group and a membership.
    const state = tenancy();
    const call = caller(identityRoutes(state));
    const t = state.tenancy.id;
    const user = (await call('POST', 'CreateUser', { body: { compartmentId: t, name: 'Ada@example.com', description: 'd' } })).body as {
      id: string;
    };
    const group = (await call('POST', 'CreateGroup', { body: { compartmentId: t, name: 'Staff', description: 'd' } })).body as {
      id: string;
    };
    const membership = (await call('POST', 'AddUserToGroup', { body: { userId: user.id, groupId: group.id } })).body as { id: string };

    // Act / Assess: the name filter is exact, uniqueness is without case, memberships by user and group.
    expect(ids(await call('GET', 'ListUsers', { query: { compartmentId: t, name: 'Ada@example.com' } }))).toEqual([user.id]);
    expect(ids(await call('GET', 'ListUsers', { query: { compartmentId: t, name: 'ada@example.com' } }))).toEqual([]);
    expect((await call('POST', 'CreateUser', { body: { compartmentId: t, name: 'ADA@example.com', description: 'd' } })).status).toBe(409);
    expect(ids(await call('GET', 'ListUserGroupMemberships', { query: { compartmentId: t, userId: user.id } }))).toEqual([membership.id]);
    expect(ids(await call('GET', 'ListUserGroupMemberships', { query: { compartmentId: t, groupId: group.id } }))).toEqual([membership.id]);
    expect((await call('DELETE', 'DeleteUser', { params: [user.id] })).status).toBe(409);

    // Act / Assess: removal and deletion leave nothing to find, and the name free again.
    expect((await call('DELETE', 'RemoveUserFromGroup', { params: [membership.id] })).status).toBe(204);
    expect(ids(await call('GET', 'ListUserGroupMemberships', { query: { compartmentId: t, userId: user.id } }))).toEqual([]);
    expect(ids(await call('GET', 'ListUserGroupMemberships', { query: { compartmentId: t, groupId: group.id } }))).toEqual([]);
    expect((await call('DELETE', 'DeleteUser', { params: [user.id] })).status).toBe(204);
    expect(ids(await call('GET', 'ListUsers', { query: { compartmentId: t, name: 'Ada@example.com' } }))).toEqual([]);
    expect((await call('POST', 'CreateUser', { body: { compartmentId: t, name: 'ada@example.com', description: 'd' } })).status).toBe(200);
  });
});

describe('local OCI indexes: the Default domain through the classic API and SCIM', () => {
  it('finds users and memberships made through either API, and forgets them when SCIM removes them', async () => {
    // Prepare: a SCIM user with an externalId and a classic group; SCIM adds the user to the group.
    const state = tenancy('Default');
    const domain = state.domain as DomainState;
    const classic = caller(identityRoutes(state));
    const scim = caller(identityDomainRoutes(domain));
    const t = state.tenancy.id;
    const scimUser = (
      await scim('POST', 'CreateUser', {
        body: { userName: 'Grace@example.com', externalId: 'E-1', emails: [{ value: 'grace@example.com', type: 'work', primary: true }] },
      })
    ).body as { id: string; ocid: string };
    const group = (await classic('POST', 'CreateGroup', { body: { compartmentId: t, name: 'Staff', description: 'd' } })).body as {
      id: string;
    };
    const scimGroupId = domain.groups.findOne('ocid', group.id)?.id ?? '';
    const addMember = () =>
      scim('PATCH', 'PatchGroup', {
        params: [scimGroupId],
        body: { Operations: [{ op: 'add', path: 'members', value: [{ value: scimUser.id }] }] },
      });
    await addMember();
    const scimList = async (filter: string) =>
      ((await scim('GET', 'ListUsers', { query: { filter } })).body as { Resources: { id: string }[] }).Resources.map((r) => r.id);

    // Act / Assess: found by name (SCIM without case, classic exactly), by externalId (exactly), by membership.
    expect(await scimList('userName eq "grace@EXAMPLE.com"')).toEqual([scimUser.id]);
    expect(await scimList('externalId eq "E-1"')).toEqual([scimUser.id]);
    expect(await scimList('externalId eq "e-1"')).toEqual([]);
    expect(ids(await classic('GET', 'ListUsers', { query: { compartmentId: t, name: 'Grace@example.com' } }))).toEqual([scimUser.ocid]);
    const [first] = ids(await classic('GET', 'ListUserGroupMemberships', { query: { compartmentId: t, userId: scimUser.ocid } }));
    expect(first).toMatch(/^ocid1\.groupmembership\./);
    expect(ids(await classic('GET', 'ListUserGroupMemberships', { query: { compartmentId: t, groupId: group.id } }))).toEqual([first]);

    // Act / Assess: SCIM removes the member: the membership's OCID goes; adding it again makes a new one.
    await scim('PATCH', 'PatchGroup', {
      params: [scimGroupId],
      body: { Operations: [{ op: 'remove', path: `members[value eq "${scimUser.id}"]` }] },
    });
    expect(ids(await classic('GET', 'ListUserGroupMemberships', { query: { compartmentId: t, groupId: group.id } }))).toEqual([]);
    expect((await classic('DELETE', 'RemoveUserFromGroup', { params: [first ?? ''] })).status).toBe(404);
    await addMember();
    const [second] = ids(await classic('GET', 'ListUserGroupMemberships', { query: { compartmentId: t, userId: scimUser.ocid } }));
    expect(second).toMatch(/^ocid1\.groupmembership\./);
    expect(second).not.toBe(first);

    // Act / Assess: deleting the user through SCIM frees its name and its externalId.
    expect((await scim('DELETE', 'DeleteUser', { params: [scimUser.id] })).status).toBe(204);
    expect(await scimList('userName eq "grace@example.com"')).toEqual([]);
    expect(await scimList('externalId eq "E-1"')).toEqual([]);
    expect(ids(await classic('GET', 'ListUserGroupMemberships', { query: { compartmentId: t, groupId: group.id } }))).toEqual([]);
    expect(domain.membershipOcids.size).toBe(0);
    const again = await classic('POST', 'CreateUser', {
      body: { compartmentId: t, name: 'grace@example.com', description: 'd', email: 'grace@example.com' },
    });
    expect(again.status).toBe(200);
  });
});

describe('local OCI indexes: the same answer as a scan', () => {
  it('answers an indexed SCIM filter exactly as the scan of a filter the index cannot take', async () => {
    // Prepare: users whose userName and externalId differ only by case, and some that share them.
    const domain = tenancy('Default').domain as DomainState;
    const scim = caller(identityDomainRoutes(domain));
    const made = [
      ['ann@example.com', 'E-7'],
      ['ANN@example.org', 'e-7'],
      ['bob@example.com', 'E-7'],
      ['carl@example.com', 'E-8'],
      ['dora@example.com', undefined],
    ] as const;
    for (const [userName, externalId] of made) {
      await scim('POST', 'CreateUser', {
        body: { userName, ...(externalId ? { externalId } : {}), emails: [{ value: userName, type: 'work', primary: true }] },
      });
    }
    const list = async (filter: string) =>
      ((await scim('GET', 'ListUsers', { query: { filter } })).body as { Resources: { userName: string }[] }).Resources.map(
        (r) => r.userName,
      );

    // Act / Assess: each single equality (indexed) against the same test in parentheses (not an
    // equality an index takes, so every user is scanned).
    for (const filter of [
      'externalId eq "E-7"',
      'externalId eq "e-7"',
      'userName eq "ANN@EXAMPLE.COM"',
      'userName eq "dora@example.com"',
      'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob@example.com"',
      'externalId eq "nobody"',
    ]) {
      const indexed = await list(filter);
      const scanned = await list(`(${filter})`);
      expect(indexed, filter).toEqual(scanned);
    }
    expect(await list('externalId eq "E-7"')).toEqual(['ann@example.com', 'bob@example.com']);
  });
});
