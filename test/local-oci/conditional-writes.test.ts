import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import * as common from 'oci-common';
import type { IdentityDomainsClient, models } from 'oci-identitydomains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFileProvider, failure, scimClient, sdkClients } from './sdk';

// Writes conditional on what was read: the classic API's `if-match` with the resource's ETag, SCIM's
// `If-Match` with `meta.version`. A stale one answers 412 and changes nothing; none at all is unconditional.

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const replace = (path: string, value: unknown): models.Operations => ({ op: 'replace' as models.Operations.Op, path, value });
const patchOp = (...operations: models.Operations[]): models.PatchOp => ({ schemas: [PATCH], operations });
const weak = (version: string | undefined) => `W/"${version}"`;

describe('local OCI: classic IAM if-match', () => {
  let oci: LocalOci;
  let sdk: ReturnType<typeof sdkClients>;
  beforeAll(async () => {
    oci = await startLocalOci({ timing: { activationDelayMs: 0 } });
    sdk = sdkClients(oci);
  });
  afterAll(() => oci.stop());

  const newUser = async (name: string) =>
    sdk.identity.createUser({ createUserDetails: { compartmentId: sdk.tenancyId, name, description: 'first', email: name } });

  it('answers a stale ETag with 412 NoEtagMatch and writes nothing; the current one succeeds with a new ETag', async () => {
    // Prepare: a user, its ETag as created and as read.
    const created = await newUser('etag.update@example.com');
    const read = await sdk.identity.getUser({ userId: created.user.id });
    expect(read.etag).toBe(created.etag);

    // Act: an update with the ETag read, then another with the same (now stale) ETag.
    const updated = await sdk.identity.updateUser({
      userId: created.user.id,
      ifMatch: read.etag,
      updateUserDetails: { description: 'second' },
    });
    const stale = await failure(
      sdk.identity.updateUser({
        userId: created.user.id,
        ifMatch: read.etag,
        updateUserDetails: { description: 'stale', freeformTags: { x: 'y' } },
      }),
    );

    // Assess: the first wrote and gave a new ETag; the second was refused and wrote nothing.
    expect(updated.user.description).toBe('second');
    expect(updated.etag).not.toBe(read.etag);
    expect(stale).toMatchObject({ statusCode: 412, serviceCode: 'NoEtagMatch' });
    const after = await sdk.identity.getUser({ userId: created.user.id });
    expect(after.user).toMatchObject({ description: 'second', freeformTags: {} });
    expect(after.etag).toBe(updated.etag);
  });

  it('refuses a stale ETag on UpdateUserCapabilities, UpdateUserState and DeleteUser, and takes the current one', async () => {
    // Prepare: a user and an ETag that a description change has made stale.
    const { user, etag: first } = await newUser('etag.others@example.com');
    const { etag: current } = await sdk.identity.updateUser({ userId: user.id, updateUserDetails: { description: 'moved on' } });

    // Act / Assess: each write with the stale ETag is refused and changes nothing.
    expect(
      await failure(
        sdk.identity.updateUserCapabilities({ userId: user.id, ifMatch: first, updateUserCapabilitiesDetails: { canUseApiKeys: false } }),
      ),
    ).toMatchObject({ statusCode: 412, serviceCode: 'NoEtagMatch' });
    expect(
      await failure(sdk.identity.updateUserState({ userId: user.id, ifMatch: first, updateStateDetails: { blocked: false } })),
    ).toMatchObject({
      statusCode: 412,
    });
    expect(await failure(sdk.identity.deleteUser({ userId: user.id, ifMatch: first }))).toMatchObject({
      statusCode: 412,
      serviceCode: 'NoEtagMatch',
    });
    const unchanged = await sdk.identity.getUser({ userId: user.id });
    expect(unchanged.user.capabilities?.canUseApiKeys).toBe(true);
    expect(unchanged.etag).toBe(current);

    // Act / Assess: with the current ETag each succeeds and each change gives a new ETag.
    const capabilities = await sdk.identity.updateUserCapabilities({
      userId: user.id,
      ifMatch: current,
      updateUserCapabilitiesDetails: { canUseApiKeys: false },
    });
    expect(capabilities.user.capabilities?.canUseApiKeys).toBe(false);
    expect(capabilities.etag).not.toBe(current);
    const unblocked = await sdk.identity.updateUserState({
      userId: user.id,
      ifMatch: capabilities.etag,
      updateStateDetails: { blocked: false },
    });
    expect(unblocked.etag).not.toBe(capabilities.etag);
    await sdk.identity.deleteUser({ userId: user.id, ifMatch: unblocked.etag });
    expect(await failure(sdk.identity.getUser({ userId: user.id }))).toMatchObject({ statusCode: 404 });
  });

  it('stays unconditional without if-match', async () => {
    // Prepare: a user changed twice, so any ETag read at first is stale.
    const { user } = await newUser('etag.none@example.com');
    await sdk.identity.updateUser({ userId: user.id, updateUserDetails: { description: 'one' } });

    // Act: writes without if-match.
    await sdk.identity.updateUser({ userId: user.id, updateUserDetails: { description: 'two' } });
    await sdk.identity.updateUserCapabilities({ userId: user.id, updateUserCapabilitiesDetails: { canUseAuthTokens: false } });
    await sdk.identity.deleteUser({ userId: user.id });

    // Assess: all of them happened.
    expect(await failure(sdk.identity.getUser({ userId: user.id }))).toMatchObject({ statusCode: 404 });
  });

  it('versions groups, policies and memberships the same way', async () => {
    // Prepare: a group, a member, a policy naming the group, and stale ETags of each.
    const { group, etag: groupFirst } = await sdk.identity.createGroup({
      createGroupDetails: { compartmentId: sdk.tenancyId, name: 'etag-group', description: 'd' },
    });
    const { user } = await newUser('etag.member@example.com');
    const membership = await sdk.identity.addUserToGroup({ addUserToGroupDetails: { userId: user.id, groupId: group.id } });
    oci.state.clock.freeze();
    oci.state.clock.advance(60_000);
    const { policy, etag: policyFirst } = await sdk.identity.createPolicy({
      createPolicyDetails: {
        compartmentId: sdk.tenancyId,
        name: 'etag-policy',
        description: 'd',
        statements: ['Allow group etag-group to read users in tenancy'],
      },
    });
    oci.state.clock.resume();
    const groupNow = await sdk.identity.updateGroup({ groupId: group.id, updateGroupDetails: { description: 'changed' } });
    const policyNow = await sdk.identity.updatePolicy({ policyId: policy.id, updatePolicyDetails: { description: 'changed' } });

    // Act / Assess: stale ETags are refused, and nothing changed.
    expect(
      await failure(sdk.identity.updateGroup({ groupId: group.id, ifMatch: groupFirst, updateGroupDetails: { description: 'x' } })),
    ).toMatchObject({
      statusCode: 412,
      serviceCode: 'NoEtagMatch',
    });
    expect(
      await failure(
        sdk.identity.updatePolicy({
          policyId: policy.id,
          ifMatch: policyFirst,
          updatePolicyDetails: { statements: ['Allow group etag-group to read groups in tenancy'] },
        }),
      ),
    ).toMatchObject({ statusCode: 412, serviceCode: 'NoEtagMatch' });
    expect(await failure(sdk.identity.deletePolicy({ policyId: policy.id, ifMatch: policyFirst }))).toMatchObject({ statusCode: 412 });
    expect(
      await failure(sdk.identity.removeUserFromGroup({ userGroupMembershipId: membership.userGroupMembership.id, ifMatch: 'stale' })),
    ).toMatchObject({
      statusCode: 412,
      serviceCode: 'NoEtagMatch',
    });
    expect((await sdk.identity.getGroup({ groupId: group.id })).group.description).toBe('changed');
    expect((await sdk.identity.getPolicy({ policyId: policy.id })).policy.statements).toEqual([
      'Allow group etag-group to read users in tenancy',
    ]);
    expect((await sdk.identity.listUserGroupMemberships({ compartmentId: sdk.tenancyId, groupId: group.id })).items).toHaveLength(1);

    // Act / Assess: the current ETags are taken (the membership's from AddUserToGroup and GetUserGroupMembership alike).
    const membershipEtag = (await sdk.identity.getUserGroupMembership({ userGroupMembershipId: membership.userGroupMembership.id })).etag;
    expect(membershipEtag).toBe(membership.etag);
    await sdk.identity.removeUserFromGroup({ userGroupMembershipId: membership.userGroupMembership.id, ifMatch: membershipEtag });
    await sdk.identity.deleteGroup({ groupId: group.id, ifMatch: groupNow.etag });
    await sdk.identity.deletePolicy({ policyId: policy.id, ifMatch: policyNow.etag });
    expect(await failure(sdk.identity.getGroup({ groupId: group.id }))).toMatchObject({ statusCode: 404 });
    expect(await failure(sdk.identity.getPolicy({ policyId: policy.id }))).toMatchObject({ statusCode: 404 });
  });
});

describe('local OCI: SCIM If-Match and meta.version', () => {
  let oci: LocalOci;
  let scim: IdentityDomainsClient;
  beforeAll(async () => {
    oci = await startLocalOci({ identityDomain: 'Employees' });
    scim = scimClient(oci);
  });
  afterAll(() => oci.stop());

  const newUser = async (userName: string, externalId?: string) =>
    scim.createUser({
      user: {
        schemas: [USER],
        userName,
        ...(externalId ? { externalId } : {}),
        emails: [{ value: userName, type: 'work' as models.UserEmails.Type, primary: true }],
      },
    });

  it('shows meta.version in every representation, and the ETag W/"version" on single resources', async () => {
    // Prepare / Act: a user, read singly and in a list.
    const created = await newUser('version.shown@example.com');
    const version = created.user.meta?.version;
    const got = await scim.getUser({ userId: created.user.id ?? '' });
    const listed = await scim.listUsers({ filter: encodeURIComponent('userName eq "version.shown@example.com"') });

    // Assess: one opaque version everywhere; the create's ETag carries it.
    expect(version).toMatch(/^[0-9a-f]{32}$/);
    expect(created.etag).toBe(weak(version));
    expect(got.user.meta?.version).toBe(version);
    expect(listed.users.resources?.[0]?.meta?.version).toBe(version);
  });

  it('answers a stale version with 412 and writes nothing; the current one (weak, strong or *) succeeds with a new version', async () => {
    // Prepare: a user and its version.
    const { user } = await newUser('version.patch@example.com');
    const first = user.meta?.version;

    // Act: a patch with the version read, then the same stale version on PATCH, PUT and DELETE.
    const patched = await scim.patchUser({
      userId: user.id ?? '',
      ifMatch: weak(first),
      patchOp: patchOp(replace('description', 'second')),
    });
    const stalePatch = await failure(
      scim.patchUser({ userId: user.id ?? '', ifMatch: weak(first), patchOp: patchOp(replace('active', false)) }),
    );
    const stalePut = await failure(
      scim.putUser({
        userId: user.id ?? '',
        ifMatch: weak(first),
        user: { schemas: [USER], userName: 'version.put@example.com', active: false },
      }),
    );
    const staleDelete = await failure(scim.deleteUser({ userId: user.id ?? '', ifMatch: weak(first) }));

    // Assess: the first wrote with a new version and ETag; the stale ones were refused and changed nothing.
    const second = patched.user.meta?.version;
    expect(second).not.toBe(first);
    expect(patched.etag).toBe(weak(second));
    for (const refused of [stalePatch, stalePut, staleDelete]) expect(refused.statusCode).toBe(412);
    const after = await scim.getUser({ userId: user.id ?? '' });
    expect(after.user).toMatchObject({ userName: 'version.patch@example.com', description: 'second', active: true });
    expect(after.user.meta?.version).toBe(second);

    // Act / Assess: a strong tag and * match too, each write giving a new version.
    const strong = await scim.patchUser({ userId: user.id ?? '', ifMatch: `"${second}"`, patchOp: patchOp(replace('active', false)) });
    expect(strong.user.active).toBe(false);
    const any = await scim.patchUser({ userId: user.id ?? '', ifMatch: '*', patchOp: patchOp(replace('active', true)) });
    expect(new Set([first, second, strong.user.meta?.version, any.user.meta?.version]).size).toBe(4);
    // A bare version is not an entity tag: it matches nothing.
    expect((await failure(scim.deleteUser({ userId: user.id ?? '', ifMatch: any.user.meta?.version ?? '' }))).statusCode).toBe(412);
    await scim.deleteUser({ userId: user.id ?? '', ifMatch: any.etag });
    expect((await failure(scim.getUser({ userId: user.id ?? '' }))).statusCode).toBe(404);
  });

  it('answers the 412 with a SCIM error body', async () => {
    // Prepare: a user.
    const { user } = await newUser('version.body@example.com');

    // Act: a stale PATCH through the SDK's own signed HTTP client, read raw (the SDK's clients keep only
    // the status of a SCIM error).
    const http = new common.FetchHttpClient(new common.DefaultRequestSigner(configFileProvider(oci)));
    const response = await http.send({
      method: 'PATCH',
      uri: `${oci.domainUrl}/admin/v1/Users/${user.id}`,
      headers: new Headers({ 'content-type': 'application/json', 'if-match': 'W/"stale"' }),
      body: JSON.stringify(patchOp(replace('active', false))),
    });
    const answer = { status: response.status, body: await response.json() };

    // Assess
    expect(answer).toMatchObject({
      status: 412,
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '412', detail: expect.stringContaining('If-Match') },
    });
    expect((await scim.getUser({ userId: user.id ?? '' })).user.active).toBe(true);
  });

  it('stays unconditional without If-Match', async () => {
    // Prepare: a user changed once.
    const { user } = await newUser('version.none@example.com');
    await scim.patchUser({ userId: user.id ?? '', patchOp: patchOp(replace('description', 'one')) });

    // Act
    const patched = await scim.patchUser({ userId: user.id ?? '', patchOp: patchOp(replace('description', 'two')) });
    await scim.deleteUser({ userId: user.id ?? '' });

    // Assess
    expect(patched.user.description).toBe('two');
    expect((await failure(scim.getUser({ userId: user.id ?? '' }))).statusCode).toBe(404);
  });

  it('gives a group a new version for each member added or removed, and refuses a stale one', async () => {
    // Prepare: a group and two users.
    const { group, etag } = await scim.createGroup({ group: { schemas: [GROUP], displayName: 'versioned-group' } });
    const ada = (await newUser('group.ada@example.com')).user;
    const bob = (await newUser('group.bob@example.com')).user;
    const add = (id: string | undefined, ifMatch?: string) =>
      scim.patchGroup({
        groupId: group.id ?? '',
        ...(ifMatch ? { ifMatch } : {}),
        attributes: 'members',
        patchOp: patchOp({ op: 'add' as models.Operations.Op, path: 'members', value: [{ value: id, type: 'User' }] }),
      });

    // Act: ada joins with the group's ETag; bob then tries with the same, stale one.
    const added = await add(ada.id, etag);
    const stale = await failure(add(bob.id, etag));
    const removed = await scim.patchGroup({
      groupId: group.id ?? '',
      ifMatch: added.etag,
      patchOp: patchOp({ op: 'remove' as models.Operations.Op, path: `members[value eq "${ada.id}"]` }),
    });

    // Assess: each membership change is a new version; the stale add changed nothing.
    expect(added.group.meta?.version).not.toBe(group.meta?.version);
    expect(stale.statusCode).toBe(412);
    expect(added.group.members?.map((m) => m.value)).toEqual([ada.id]);
    expect(removed.group.meta?.version).not.toBe(added.group.meta?.version);
    // A patch refused half-way (bob, then ada a second time: 409) changes nothing, version included.
    const again = await failure(
      scim.patchGroup({
        groupId: group.id ?? '',
        patchOp: patchOp({
          op: 'add' as models.Operations.Op,
          path: 'members',
          value: [{ value: bob.id }, { value: ada.id }, { value: ada.id }],
        }),
      }),
    );
    expect(again.statusCode).toBe(409);
    expect((await scim.getGroup({ groupId: group.id ?? '' })).group.meta?.version).toBe(removed.group.meta?.version);
    expect((await scim.getGroup({ groupId: group.id ?? '', attributes: 'members' })).group.members ?? []).toEqual([]);
    expect((await failure(scim.deleteGroup({ groupId: group.id ?? '', ifMatch: added.etag }))).statusCode).toBe(412);
    await scim.deleteGroup({ groupId: group.id ?? '', ifMatch: removed.etag });
    expect((await failure(scim.getGroup({ groupId: group.id ?? '' }))).statusCode).toBe(404);
  });
});

describe('local OCI: conditional writes in the Default domain, through both APIs', () => {
  let oci: LocalOci;
  let scim: IdentityDomainsClient;
  let classic: ReturnType<typeof sdkClients>['identity'];
  beforeAll(async () => {
    oci = await startLocalOci({ identityDomain: 'Default', timing: { activationDelayMs: 0 } });
    scim = scimClient(oci);
    classic = sdkClients(oci).identity;
  });
  afterAll(() => oci.stop());

  it('makes a classic ETag stale by a SCIM change, and a SCIM version stale by a classic change', async () => {
    // Prepare: a user made through the classic API, read through both.
    const { user } = await classic.createUser({
      createUserDetails: {
        compartmentId: oci.credentials.tenancyId,
        name: 'both.views@example.com',
        description: 'd',
        email: 'both.views@example.com',
      },
    });
    const scimId = (await scim.listUsers({ filter: encodeURIComponent(`ocid eq "${user.id}"`) })).users.resources?.[0]?.id ?? '';
    const classicEtag = (await classic.getUser({ userId: user.id })).etag;

    // Act: a SCIM change; then the classic write with the ETag read before it.
    const patched = await scim.patchUser({ userId: scimId, patchOp: patchOp(replace('active', false)) });
    const staleClassic = await failure(
      classic.updateUser({ userId: user.id, ifMatch: classicEtag, updateUserDetails: { description: 'stale' } }),
    );

    // Act: a classic change with the current ETag; then the SCIM write with the version read before it.
    const current = (await classic.getUser({ userId: user.id })).etag;
    await classic.updateUser({ userId: user.id, ifMatch: current, updateUserDetails: { freeformTags: { manager: 'x' } } });
    const staleScim = await failure(scim.patchUser({ userId: scimId, ifMatch: patched.etag, patchOp: patchOp(replace('active', true)) }));

    // Assess: both stale writes were refused and wrote nothing; each view shows the other's change.
    expect(current).not.toBe(classicEtag);
    expect(staleClassic).toMatchObject({ statusCode: 412, serviceCode: 'NoEtagMatch' });
    expect(staleScim.statusCode).toBe(412);
    const now = (await scim.getUser({ userId: scimId })).user;
    expect(now.active).toBe(false);
    expect((await classic.getUser({ userId: user.id })).user).toMatchObject({ description: 'd', freeformTags: { manager: 'x' } });
    expect(now.meta?.version).not.toBe(patched.user.meta?.version);
  });

  it('makes a group stale through either API when a member joins through the other', async () => {
    // Prepare: a classic group and user, and the group's SCIM version.
    const tenancy = oci.credentials.tenancyId;
    const { group, etag } = await classic.createGroup({
      createGroupDetails: { compartmentId: tenancy, name: 'both-views', description: 'd' },
    });
    const { user } = await classic.createUser({
      createUserDetails: { compartmentId: tenancy, name: 'joiner@example.com', description: 'd', email: 'joiner@example.com' },
    });
    const scimGroup = (await scim.listGroups({ filter: encodeURIComponent('displayName eq "both-views"') })).groups.resources?.[0];

    // Act: the user joins through the classic API.
    await classic.addUserToGroup({ addUserToGroupDetails: { userId: user.id, groupId: group.id } });

    // Assess: the group's SCIM version and classic ETag read before the join are both stale.
    const stale = await failure(
      scim.patchGroup({
        groupId: scimGroup?.id ?? '',
        ifMatch: weak(scimGroup?.meta?.version),
        patchOp: patchOp(replace(`urn:ietf:params:scim:schemas:oracle:idcs:extension:OCITags:freeformTags`, [])),
      }),
    );
    expect(stale.statusCode).toBe(412);
    expect(
      await failure(classic.updateGroup({ groupId: group.id, ifMatch: etag, updateGroupDetails: { description: 'x' } })),
    ).toMatchObject({
      statusCode: 412,
      serviceCode: 'NoEtagMatch',
    });
    expect((await classic.getGroup({ groupId: group.id })).group.description).toBe('d');
  });
});
