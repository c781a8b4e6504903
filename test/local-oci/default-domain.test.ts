import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import type { IdentityDomainsClient, models } from 'oci-identitydomains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPLOYEE_TAG, MANAGED_BY, MANAGED_BY_TAG } from '../../src/core/role-catalog';
import { domainDirectory, scimFilter } from '../../src/oci/domain-directory';
import { createLogger } from '../../src/support/logger';
import { failure, scimClient, sdkClients } from './sdk';

// In an identity-domain tenancy the classic IAM API works on the Default domain: one store, two views.

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('local OCI: the Default domain through the classic and the SCIM API', () => {
  let oci: LocalOci;
  let scim: IdentityDomainsClient;
  let classic: ReturnType<typeof sdkClients>['identity'];
  let tenancy: string;
  beforeAll(async () => {
    oci = await startLocalOci({ identityDomain: 'Default', timing: { activationDelayMs: 0 } });
    scim = scimClient(oci);
    classic = sdkClients(oci).identity;
    tenancy = oci.credentials.tenancyId;
  });
  afterAll(() => oci.stop());

  it('shows a user, a group and a membership made through either API through the other, with one OCID', async () => {
    // Prepare: a user and a group through the classic API; a SCIM user and group.
    const { user } = await classic.createUser({
      createUserDetails: {
        compartmentId: tenancy,
        name: 'classic.made@example.com',
        description: 'made classic',
        email: 'classic.made@example.com',
        freeformTags: { team: 'blue' },
      },
    });
    const { group } = await classic.createGroup({ createGroupDetails: { compartmentId: tenancy, name: 'made-classic', description: 'd' } });
    const scimUser = (
      await scim.createUser({
        user: {
          schemas: [USER],
          userName: 'scim.made@example.com',
          emails: [{ value: 'scim.made@example.com', type: 'work' as models.UserEmails.Type, primary: true }],
        },
      })
    ).user;
    const scimGroup = (
      await scim.createGroup({ group: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'made-scim' } })
    ).group;

    // Act: the classic user joins the SCIM group through the classic API, the SCIM user the classic group through SCIM.
    await classic.addUserToGroup({ addUserToGroupDetails: { userId: user.id, groupId: scimGroup.ocid ?? '' } });
    await scim.patchGroup({
      groupId: (await scim.listGroups({ filter: scimFilter('displayName', 'made-classic') })).groups.resources[0]?.id ?? '',
      patchOp: {
        schemas: [PATCH],
        operations: [{ op: 'add' as models.Operations.Op, path: 'members', value: [{ value: scimUser.id, type: 'User' }] }],
      },
    });

    // Assess: SCIM sees the classic user with the classic OCID, its tags and its group; classic sees the SCIM user and its group.
    const seen = (
      await scim.listUsers({
        filter: scimFilter('userName', 'classic.made@example.com'),
        attributes: 'ocid,userName,emails,groups,urn:ietf:params:scim:schemas:oracle:idcs:extension:OCITags:freeformTags',
      })
    ).users.resources;
    expect(seen).toHaveLength(1);
    expect(seen[0]?.ocid).toBe(user.id);
    expect(seen[0]?.emails?.[0]?.value).toBe('classic.made@example.com');
    expect(seen[0]?.groups?.map((g: models.UserGroups) => g.ocid)).toEqual([scimGroup.ocid]);
    expect(seen[0]?.urnIetfParamsScimSchemasOracleIdcsExtensionOciTags?.freeformTags).toEqual([{ key: 'team', value: 'blue' }]);
    const listed = (await classic.listUsers({ compartmentId: tenancy, name: 'scim.made@example.com' })).items;
    expect(listed.map((u) => u.id)).toEqual([scimUser.ocid]);
    const memberships = (await classic.listUserGroupMemberships({ compartmentId: tenancy, userId: scimUser.ocid ?? '' })).items;
    expect(memberships.map((m) => m.groupId)).toEqual([group.id]);

    // Act, then assess: removing the membership classic-side is seen by SCIM; deleting the user classic-side deletes it.
    await classic.removeUserFromGroup({ userGroupMembershipId: memberships[0]?.id ?? '' });
    expect((await scim.getGroup({ groupId: scimGroupIdOf(group.id), attributes: 'members' })).group.members ?? []).toEqual([]);
    await classic.deleteUser({ userId: scimUser.ocid ?? '' });
    expect(await failure(scim.getUser({ userId: scimUser.id ?? '' }))).toMatchObject({ statusCode: 404 });
  });

  it("keeps a classic user's defined tags on the domain user, and shows them back through the classic API", async () => {
    // Prepare: a tag namespace with one tag.
    const ns = await classic.createTagNamespace({
      createTagNamespaceDetails: { compartmentId: tenancy, name: 'Finance', description: 'd' },
    });
    await classic.createTag({ tagNamespaceId: ns.tagNamespace.id, createTagDetails: { name: 'CostCenter', description: 'd' } });
    // Act
    const { user } = await classic.createUser({
      createUserDetails: {
        compartmentId: tenancy,
        name: 'tagged@example.com',
        description: 'd',
        email: 'tagged@example.com',
        definedTags: { Finance: { CostCenter: '42' } },
      },
    });
    // Assess
    expect((await classic.getUser({ userId: user.id })).user.definedTags).toEqual({ Finance: { CostCenter: '42' } });
    expect(oci.state.domainUserOf(user.id)?.user.definedTags).toEqual([{ namespace: 'Finance', key: 'CostCenter', value: '42' }]);
  });

  it('answers as a domain does through the classic API: IdcsConversionError for a taken name or a missing e-mail', async () => {
    // Prepare: a SCIM user.
    await scim.createUser({
      user: {
        schemas: [USER],
        userName: 'taken@example.com',
        emails: [{ value: 't@example.com', type: 'work' as models.UserEmails.Type, primary: true }],
      },
    });
    // Act: the classic API creates the same name (another case) and a user without e-mail.
    const taken = await failure(
      classic.createUser({
        createUserDetails: { compartmentId: tenancy, name: 'Taken@example.com', description: 'd', email: 'x@example.com' },
      }),
    );
    const noEmail = await failure(classic.createUser({ createUserDetails: { compartmentId: tenancy, name: 'no.mail', description: 'd' } }));
    // Assess
    expect(taken).toMatchObject({ statusCode: 409, serviceCode: 'IdcsConversionError' });
    expect(noEmail).toMatchObject({ statusCode: 400, serviceCode: 'IdcsConversionError' });
  });

  it("deletes a domain user's credentials through the classic API, by the OCIDs and fingerprints the classic API lists", async () => {
    // Prepare: a classic user holding one credential of each kind.
    const { user } = await classic.createUser({
      createUserDetails: { compartmentId: tenancy, name: 'holder@example.com', description: 'd', email: 'holder@example.com' },
    });
    for (const kind of ['apiKeys', 'authTokens', 'customerSecretKeys', 'smtpCredentials', 'oauth2ClientCredentials'] as const) {
      oci.state.addCredential(user.id, kind);
    }
    // Act
    const [keys, smtp, tokens] = await Promise.all([
      classic.listApiKeys({ userId: user.id }),
      classic.listSmtpCredentials({ userId: user.id }),
      classic.listAuthTokens({ userId: user.id }),
    ]);
    await classic.deleteApiKey({ userId: user.id, fingerprint: keys.items[0]?.fingerprint ?? '' });
    await classic.deleteSmtpCredential({ userId: user.id, smtpCredentialId: smtp.items[0]?.id ?? '' });
    // Assess: the SCIM view holds what is left.
    expect(tokens.items).toHaveLength(1);
    const left = (await scim.listSmtpCredentials({})).smtpCredentials.resources ?? [];
    expect(left).toEqual([]);
    expect(
      oci.state
        .credentialsOf(user.id)
        .map((c) => c.kind)
        .sort(),
    ).toEqual(['authTokens', 'customerSecretKeys', 'oauth2ClientCredentials']);
  });

  it('lets the domain path see a managed user the classic path made, so a roster can find it gone', async () => {
    // Prepare: a user as the function's classic path makes it: the marks as freeform tags, no externalId.
    const { user } = await classic.createUser({
      createUserDetails: {
        compartmentId: tenancy,
        name: 'classic.hire@example.com',
        description: 'made by the classic path',
        email: 'classic.hire@example.com',
        freeformTags: { [MANAGED_BY_TAG]: MANAGED_BY, [EMPLOYEE_TAG]: 'C100' },
      },
    });
    const unused = () => Promise.reject(new Error('not used here'));
    const log = createLogger({ level: 'error', write: () => undefined });
    const directory = domainDirectory(
      scim,
      { findPolicy: unused, createPolicy: unused, updatePolicy: unused },
      { domainName: 'Default', welcomeEmail: false },
      { deadline: Date.now() + 60_000, maxAttempts: 2, log },
    );
    // Act
    const managed = await directory.listManagedUsers();
    // Assess: found with its employee id, as a roster compares it; the unmarked users made above are not.
    expect(managed.map((u) => [u.ocid, u.employeeId])).toEqual([[user.id, 'C100']]);
  });

  function scimGroupIdOf(ocid: string): string {
    return [...(oci.state.domain?.groups.values() ?? [])].find((g) => g.ocid === ocid)?.id ?? '';
  }
});

describe('local OCI: a tenancy whose served domain is not the Default one', () => {
  it('keeps classic users in the Default domain, apart from the served domain', async () => {
    // Prepare
    const oci = await startLocalOci({ identityDomain: 'Employees', timing: { activationDelayMs: 0 } });
    try {
      const classic = sdkClients(oci).identity;
      // Act
      const { user } = await classic.createUser({
        createUserDetails: {
          compartmentId: oci.credentials.tenancyId,
          name: 'apart@example.com',
          description: 'd',
          email: 'apart@example.com',
        },
      });
      // Assess
      expect([...(oci.state.defaultDomain?.users.values() ?? [])].map((u) => u.ocid)).toEqual([user.id]);
      expect(oci.state.domain?.users.size).toBe(0);
      expect(oci.state.users.size).toBe(0);
    } finally {
      await oci.stop();
    }
  });
});
