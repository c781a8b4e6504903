import { createHash } from 'node:crypto';
import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import type { IdentityDomainsClient, models } from 'oci-identitydomains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scimFilter } from '../../src/oci/domain-directory';
import { failure, scimClient, sdkClients } from './sdk';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('local OCI: Identity Domains (SCIM)', () => {
  let oci: LocalOci;
  let scim: IdentityDomainsClient;
  beforeAll(async () => {
    oci = await startLocalOci({ identityDomain: 'Employees' });
    scim = scimClient(oci);
  });
  afterAll(() => oci.stop());
  const createUser = (userName: string, extra: Partial<models.User> = {}) =>
    scim.createUser({
      user: {
        schemas: [USER],
        userName,
        emails: [{ value: 'x@example.com', type: 'work' as models.UserEmails.Type, primary: true }],
        ...extra,
      },
    });

  it('creates a user with a chosen password it never returns, and honours bypassNotification', async () => {
    const { user } = await createUser('pw.user@example.com', {
      password: 'Chosen-Passw0rd',
      externalId: 'E1',
      urnIetfParamsScimSchemasOracleIdcsExtensionUserUser: { bypassNotification: true },
    });
    expect(user).toMatchObject({ userName: 'pw.user@example.com', externalId: 'E1' });
    expect(JSON.stringify(user)).not.toContain('Chosen-Passw0rd');
    const stored = oci.state.domain?.users.get(user.id ?? '');
    expect(stored?.passwordHash).toBe(createHash('sha256').update('Chosen-Passw0rd').digest('hex'));
    expect(stored?.notified).toBe(false);
  });

  it('answers SCIM errors: 409 uniqueness, 404, 400 for a weak password and for a bad filter', async () => {
    await createUser('taken@example.com');
    expect(await failure(createUser('TAKEN@example.com'))).toMatchObject({ statusCode: 409 });
    expect(await failure(scim.getUser({ userId: 'nope' }))).toMatchObject({ statusCode: 404 });
    expect(await failure(createUser('weak@example.com', { password: 'short' }))).toMatchObject({ statusCode: 400 });
    expect(oci.state.domain?.users.size).toBeGreaterThan(0);
    const response = await fetch(`${oci.domainUrl}/admin/v1/Users`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(401);
    expect(await failure(scim.listUsers({ filter: encodeURIComponent('userName eq "unterminated') }))).toMatchObject({ statusCode: 400 });
    const raw = oci.requests.entries().find((e) => e.operation === 'ListUsers' && e.status === 400);
    expect(raw).toBeDefined();
  });

  it('finds a name with +, quotes and a backslash exactly, and a quote cannot widen the filter', async () => {
    const tricky = `o'brien"+\\x@example.com`;
    await createUser(tricky);
    await createUser('victim@example.com');
    const found = await scim.listUsers({ filter: scimFilter('userName', tricky) });
    expect(found.users.resources?.map((u) => u.userName)).toEqual([tricky]);
    // An attacker's name that tries to close the string and add "or true" matches nothing.
    const injection = await scim.listUsers({ filter: scimFilter('userName', 'x" or userName pr or userName eq "y') });
    expect(injection.users.resources).toEqual([]);
  });

  it('pages lists with startIndex and count', async () => {
    for (let i = 0; i < 5; i += 1)
      await scim.createGroup({ group: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `paged-${i}` } });
    const page = await scim.listGroups({ filter: encodeURIComponent('displayName sw "paged-"'), startIndex: 3, count: 2 });
    expect(page.groups.totalResults).toBe(5);
    expect(page.groups.resources?.map((g) => g.displayName)).toEqual(['paged-2', 'paged-3']);
  });

  it("adds members with a SCIM patch and lists a user's groups; sets a password through the changer", async () => {
    const { user } = await createUser('member@example.com');
    const { group } = await scim.createGroup({
      group: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'members' },
    });
    await scim.patchGroup({
      groupId: group.id ?? '',
      patchOp: {
        schemas: [PATCH],
        operations: [{ op: 'add' as models.Operations.Op, path: 'members', value: [{ value: user.id, type: 'User' }] }],
      },
    });
    const withGroups = await scim.getUser({ userId: user.id ?? '', attributes: 'groups' });
    expect(withGroups.user.groups?.map((g) => g.display)).toEqual(['members']);
    await scim.putUserPasswordChanger({
      userPasswordChangerId: user.id ?? '',
      userPasswordChanger: { schemas: ['urn:ietf:params:scim:schemas:oracle:idcs:UserPasswordChanger'], password: 'Later-Passw0rd' },
    });
    expect(oci.state.domain?.users.get(user.id ?? '')?.passwordSetAt).toBeInstanceOf(Date);
  });

  it('lets classic policies name domain groups as Domain/Group, and answers IdcsConversionError for a duplicate classic membership', async () => {
    const classic = sdkClients(oci).identity;
    const tenancy = oci.credentials.tenancyId;
    await scim.createGroup({ group: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'net-admins' } });
    const ok = await classic.createPolicy({
      createPolicyDetails: {
        compartmentId: tenancy,
        name: 'net',
        description: 'd',
        statements: ['Allow group Employees/net-admins to read buckets in tenancy'],
      },
    });
    expect(ok.policy.statements).toHaveLength(1);
    const missing = await failure(
      classic.createPolicy({
        createPolicyDetails: {
          compartmentId: tenancy,
          name: 'x',
          description: 'd',
          statements: ["Allow group 'Other'/'net-admins' to read buckets in tenancy"],
        },
      }),
    );
    expect(missing).toMatchObject({ statusCode: 400, serviceCode: 'InvalidParameter' });
    const user = (
      await classic.createUser({
        createUserDetails: { compartmentId: tenancy, name: 'classic@example.com', description: 'd', email: 'classic@example.com' },
      })
    ).user;
    const group = (await classic.createGroup({ createGroupDetails: { compartmentId: tenancy, name: 'classic-group', description: 'd' } }))
      .group;
    await classic.addUserToGroup({ addUserToGroupDetails: { userId: user.id, groupId: group.id } });
    expect(await failure(classic.addUserToGroup({ addUserToGroupDetails: { userId: user.id, groupId: group.id } }))).toMatchObject({
      statusCode: 409,
      serviceCode: 'IdcsConversionError',
    });
  });
});
