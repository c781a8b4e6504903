import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, sdkClients } from './sdk';

describe('local OCI: Identity', () => {
  let oci: LocalOci;
  let sdk: ReturnType<typeof sdkClients>;
  beforeAll(async () => {
    oci = await startLocalOci({ timing: { activationDelayMs: 150, groupVisibilityDelayMs: 300 } });
    sdk = sdkClients(oci);
  });
  afterAll(() => oci.stop());

  it('finds the home region through region subscriptions and the tenancy', async () => {
    const { items } = await sdk.identity.listRegionSubscriptions({ tenancyId: sdk.tenancyId });
    expect(items.filter((r) => r.isHomeRegion).map((r) => r.regionName)).toEqual(['us-ashburn-1']);
    const { tenancy } = await sdk.identity.getTenancy({ tenancyId: sdk.tenancyId });
    expect(tenancy).toMatchObject({ id: sdk.tenancyId, homeRegionKey: 'IAD' });
  });

  it('sends an etag with a single resource, which changes when the resource does', async () => {
    // Prepare: time stands still, so the group cannot turn ACTIVE (a change of etag) between the two reads.
    oci.state.clock.freeze();
    const { group, etag } = await sdk.identity.createGroup({
      createGroupDetails: { compartmentId: sdk.tenancyId, name: 'etagged', description: 'd' },
    });
    expect(etag).toMatch(/^[0-9a-f]{32}$/);
    expect((await sdk.identity.getGroup({ groupId: group.id })).etag).toBe((await sdk.identity.getGroup({ groupId: group.id })).etag);
    oci.state.clock.advance(150);
    expect((await sdk.identity.getGroup({ groupId: group.id })).group.lifecycleState).toBe('ACTIVE');
    oci.state.clock.resume();
    const user = (
      await sdk.identity.createUser({
        createUserDetails: { compartmentId: sdk.tenancyId, name: 'etag-user@example.com', description: 'd' },
      })
    ).user;
    const before = (await sdk.identity.getUser({ userId: user.id })).etag;
    await sdk.identity.updateUser({ userId: user.id, updateUserDetails: { description: 'changed' } });
    expect((await sdk.identity.getUser({ userId: user.id })).etag).not.toBe(before);
  });

  it('creates users CREATING, then ACTIVE, answering with opc-request-id', async () => {
    const created = await sdk.identity.createUser({
      createUserDetails: { compartmentId: sdk.tenancyId, name: 'lifecycle@example.com', description: 'd' },
    });
    expect(created.user.lifecycleState).toBe('CREATING');
    expect(created.opcRequestId).toMatch(/^[0-9A-F]{32}\/[0-9A-F]{32}$/);
    // Time moved on by the emulator's clock rather than waited for.
    oci.state.clock.freeze();
    oci.state.clock.advance(150);
    try {
      expect((await sdk.identity.getUser({ userId: created.user.id })).user.lifecycleState).toBe('ACTIVE');
    } finally {
      oci.state.clock.resume();
    }
  });

  it('answers 409 for a duplicate user, group or policy name (names are case-insensitive)', async () => {
    const details = { compartmentId: sdk.tenancyId, description: 'd' };
    await sdk.identity.createUser({ createUserDetails: { ...details, name: 'dup@example.com' } });
    await sdk.identity.createGroup({ createGroupDetails: { ...details, name: 'dup-group' } });
    await new Promise((resolve) => setTimeout(resolve, 350));
    await sdk.identity.createPolicy({
      createPolicyDetails: {
        ...details,
        name: 'dup-policy',
        statements: ['Allow group dup-group to read buckets in tenancy'],
      },
    });
    for (const attempt of [
      sdk.identity.createUser({ createUserDetails: { ...details, name: 'DUP@example.com' } }),
      sdk.identity.createGroup({ createGroupDetails: { ...details, name: 'dup-group' } }),
      sdk.identity.createPolicy({
        createPolicyDetails: {
          ...details,
          name: 'dup-policy',
          statements: ['Allow group dup-group to read buckets in tenancy'],
        },
      }),
    ]) {
      expect(await failure(attempt)).toMatchObject({
        statusCode: 409,
        serviceCode: 'NotAuthorizedOrResourceAlreadyExists',
      });
    }
  });

  it('answers 404 NotAuthorizedOrNotFound for unknown OCIDs', async () => {
    expect(await failure(sdk.identity.getUser({ userId: 'ocid1.user.oc1..nope' }))).toMatchObject({
      statusCode: 404,
      serviceCode: 'NotAuthorizedOrNotFound',
    });
    expect(await failure(sdk.identity.getPolicy({ policyId: 'ocid1.policy.oc1..nope' }))).toMatchObject({
      statusCode: 404,
    });
  });

  it('refuses statements naming a missing group or compartment, and a group created moments ago', async () => {
    const base = { compartmentId: sdk.tenancyId, description: 'd' };
    const missingGroup = await failure(
      sdk.identity.createPolicy({
        createPolicyDetails: {
          ...base,
          name: 'p1',
          statements: ['Allow group ghosts to read buckets in tenancy'],
        },
      }),
    );
    expect(missingGroup).toMatchObject({ statusCode: 400, serviceCode: 'InvalidParameter' });
    await sdk.identity.createGroup({ createGroupDetails: { ...base, name: 'fresh' } });
    const fresh = await failure(
      sdk.identity.createPolicy({
        createPolicyDetails: {
          ...base,
          name: 'p2',
          statements: ['Allow group fresh to read buckets in compartment dev'],
        },
      }),
    );
    expect(fresh).toMatchObject({ statusCode: 400, serviceCode: 'InvalidParameter' });
    await new Promise((resolve) => setTimeout(resolve, 350));
    const noCompartment = await failure(
      sdk.identity.createPolicy({
        createPolicyDetails: {
          ...base,
          name: 'p3',
          statements: ['Allow group fresh to read buckets in compartment nowhere'],
        },
      }),
    );
    expect(noCompartment.message).toMatch(/compartment nowhere does not exist/);
    oci.state.addCompartment('dev');
    const ok = await sdk.identity.createPolicy({
      createPolicyDetails: {
        ...base,
        name: 'p4',
        statements: ['Allow  group fresh to read buckets in compartment dev'],
      },
    });
    expect(ok.policy.statements).toEqual(['Allow group fresh to read buckets in compartment dev']);
  });

  it('refuses IAM writes outside the home region with 403 NotAllowed, but serves reads', async () => {
    const frankfurt = sdkClients(oci, 'eu-frankfurt-1');
    const write = await failure(
      frankfurt.identity.createGroup({
        createGroupDetails: { compartmentId: sdk.tenancyId, name: 'elsewhere', description: 'd' },
      }),
    );
    expect(write).toMatchObject({ statusCode: 403, serviceCode: 'NotAllowed' });
    expect((await frankfurt.identity.listGroups({ compartmentId: sdk.tenancyId })).items.length).toBeGreaterThan(0);
    expect(oci.state.findGroupByName('elsewhere')).toBeUndefined();
  });

  it('decodes query strings as a real server does: an unencoded + arrives as a space', async () => {
    await sdk.identity.createUser({
      createUserDetails: { compartmentId: sdk.tenancyId, name: 'a+b@example.com', description: 'd' },
    });
    const raw = await sdk.identity.listUsers({ compartmentId: sdk.tenancyId, name: 'a+b@example.com' });
    const encoded = await sdk.identity.listUsers({
      compartmentId: sdk.tenancyId,
      name: encodeURIComponent('a+b@example.com'),
    });
    expect(raw.items).toHaveLength(0);
    expect(encoded.items.map((u) => u.name)).toEqual(['a+b@example.com']);
  });

  it('pages lists with opc-next-page', async () => {
    for (let i = 0; i < 5; i += 1)
      await sdk.identity.createGroup({
        createGroupDetails: { compartmentId: sdk.tenancyId, name: `paged-${i}`, description: 'd' },
      });
    const names: string[] = [];
    let page: string | undefined;
    let pages = 0;
    do {
      const response = await sdk.identity.listGroups({ compartmentId: sdk.tenancyId, limit: 2, page });
      names.push(...response.items.map((g) => g.name));
      page = response.opcNextPage;
      pages += 1;
    } while (page);
    expect(names.filter((n) => n.startsWith('paged-')).sort()).toEqual(['paged-0', 'paged-1', 'paged-2', 'paged-3', 'paged-4']);
    expect(pages).toBe(Math.ceil(names.length / 2));
  });

  it('manages memberships and refuses to delete a user still in a group', async () => {
    const base = { compartmentId: sdk.tenancyId, description: 'd' };
    const user = (await sdk.identity.createUser({ createUserDetails: { ...base, name: 'member@example.com' } })).user;
    const group = (await sdk.identity.createGroup({ createGroupDetails: { ...base, name: 'members' } })).group;
    const early = await failure(sdk.identity.addUserToGroup({ addUserToGroupDetails: { userId: user.id, groupId: group.id } }));
    expect(early).toMatchObject({ statusCode: 409, serviceCode: 'IncorrectState' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const membership = (await sdk.identity.addUserToGroup({ addUserToGroupDetails: { userId: user.id, groupId: group.id } }))
      .userGroupMembership;
    expect(
      (await sdk.identity.listUserGroupMemberships({ compartmentId: sdk.tenancyId, groupId: group.id })).items.map((m) => m.userId),
    ).toEqual([user.id]);
    expect(await failure(sdk.identity.addUserToGroup({ addUserToGroupDetails: { userId: user.id, groupId: group.id } }))).toMatchObject({
      statusCode: 409,
    });
    expect(await failure(sdk.identity.deleteUser({ userId: user.id }))).toMatchObject({
      statusCode: 409,
      serviceCode: 'IncorrectState',
    });
    await sdk.identity.removeUserFromGroup({ userGroupMembershipId: membership.id });
    await sdk.identity.deleteUser({ userId: user.id });
    expect(oci.state.users.has(user.id)).toBe(false);
  });

  it('generates a one-time console password, returned once, and reports that one exists', async () => {
    const user = (
      await sdk.identity.createUser({
        createUserDetails: { compartmentId: sdk.tenancyId, name: 'console@example.com', description: 'd' },
      })
    ).user;
    expect(await failure(sdk.identity.getUserUIPasswordInformation({ userId: user.id }))).toMatchObject({
      statusCode: 404,
    });
    const { uIPassword } = await sdk.identity.createOrResetUIPassword({ userId: user.id });
    expect(uIPassword.password?.length).toBeGreaterThanOrEqual(12);
    const info = await sdk.identity.getUserUIPasswordInformation({ userId: user.id });
    expect(JSON.stringify(info)).not.toContain(uIPassword.password);
  });

  it('updates policies and capabilities, lists API keys and compartments', async () => {
    const base = { compartmentId: sdk.tenancyId, description: 'd' };
    await sdk.identity.createGroup({ createGroupDetails: { ...base, name: 'upd' } });
    await new Promise((resolve) => setTimeout(resolve, 350));
    const policy = (
      await sdk.identity.createPolicy({
        createPolicyDetails: {
          ...base,
          name: 'upd',
          statements: ['Allow group upd to read buckets in tenancy'],
        },
      })
    ).policy;
    const updated = await sdk.identity.updatePolicy({
      policyId: policy.id,
      updatePolicyDetails: { statements: ['Allow group upd to inspect buckets in tenancy'] },
    });
    expect(updated.policy.statements).toEqual(['Allow group upd to inspect buckets in tenancy']);
    const user = (await sdk.identity.createUser({ createUserDetails: { ...base, name: 'caps@example.com' } })).user;
    const caps = await sdk.identity.updateUserCapabilities({
      userId: user.id,
      updateUserCapabilitiesDetails: { canUseApiKeys: false },
    });
    expect(caps.user.capabilities?.canUseApiKeys).toBe(false);
    expect((await sdk.identity.listApiKeys({ userId: user.id })).items).toEqual([]);
    const compartments = await sdk.identity.listCompartments({ compartmentId: sdk.tenancyId });
    expect(compartments.items.map((c) => c.name)).toContain('functions');
    await sdk.identity.deletePolicy({ policyId: policy.id });
    expect(oci.state.policies.has(policy.id)).toBe(false);
  });

  it('replays a create sent again with the same opc-retry-token instead of creating twice', async () => {
    const request = {
      createGroupDetails: { compartmentId: sdk.tenancyId, name: 'tokened', description: 'd' },
      opcRetryToken: 'token-1',
    };
    const first = await sdk.identity.createGroup(request);
    const second = await sdk.identity.createGroup(request);
    expect(second.group.id).toBe(first.group.id);
    // The first answer again, as it was sent: the same resource, the same etag.
    expect(second.group).toEqual(first.group);
    expect(second.etag).toBe(first.etag);
    expect(second.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(second.opcRequestId).not.toBe(first.opcRequestId);
    const reused = await failure(
      sdk.identity.createGroup({
        ...request,
        createGroupDetails: { ...request.createGroupDetails, name: 'other' },
      }),
    );
    expect(reused).toMatchObject({ statusCode: 409, serviceCode: 'InvalidatedRetryToken' });
  });

  it('forgets a retry token after 24 hours, as OCI does', async () => {
    // Prepare: a create with a token, then a day goes by on the emulator's clock.
    const request = {
      createGroupDetails: { compartmentId: sdk.tenancyId, name: 'day-old', description: 'd' },
      opcRetryToken: 'token-day',
    };
    const first = await sdk.identity.createGroup(request);
    oci.state.clock.freeze();
    try {
      oci.state.clock.advance(24 * 60 * 60_000 - 1000);
      // Assess: still answered from the token a second before the day is out…
      expect((await sdk.identity.createGroup(request)).group.id).toBe(first.group.id);
      oci.state.clock.advance(1000);
      // …and a day on, the same token is a new request: this one creates a group of another name.
      const later = await sdk.identity.createGroup({
        ...request,
        createGroupDetails: { ...request.createGroupDetails, name: 'day-later' },
      });
      expect(later.group.id).not.toBe(first.group.id);
      expect(later.group.name).toBe('day-later');
    } finally {
      oci.state.clock.resume();
    }
  });
});
