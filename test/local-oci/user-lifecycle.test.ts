import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, sdkClients } from './sdk';

describe('local OCI: what classic IAM offers to disable a user and take its access away', () => {
  let oci: LocalOci;
  let sdk: ReturnType<typeof sdkClients>;
  beforeAll(async () => {
    oci = await startLocalOci();
    sdk = sdkClients(oci);
  });
  afterAll(() => oci.stop());

  const newUser = async (name: string) =>
    (await sdk.identity.createUser({ createUserDetails: { compartmentId: sdk.tenancyId, name, description: 'd' } })).user;

  it('turns capabilities off (the only way to stop sign-in), and UpdateUserState only unblocks', async () => {
    // Prepare
    const user = await newUser('capable@example.com');
    // Act
    const { user: updated } = await sdk.identity.updateUserCapabilities({
      userId: user.id,
      updateUserCapabilitiesDetails: { canUseConsolePassword: false, canUseApiKeys: false, canUseDBCredentials: false },
    });
    const block = await failure(sdk.identity.updateUserState({ userId: user.id, updateStateDetails: { blocked: true } }));
    const unblock = await sdk.identity.updateUserState({ userId: user.id, updateStateDetails: { blocked: false } });
    // Assess
    expect(updated.capabilities).toMatchObject({
      canUseConsolePassword: false,
      canUseApiKeys: false,
      canUseDBCredentials: false,
      canUseAuthTokens: true,
    });
    expect([block.statusCode, block.serviceCode]).toEqual([400, 'InvalidParameter']);
    expect(unblock.user.id).toBe(user.id);
  });

  it('lists and deletes every kind of credential at its own path, and refuses to delete a user still in a group', async () => {
    // Prepare
    const user = await newUser('keyholder@example.com');
    const ids = (['apiKeys', 'authTokens', 'customerSecretKeys', 'smtpCredentials', 'oauth2ClientCredentials'] as const).map((kind) =>
      oci.state.addCredential(user.id, kind),
    );
    const { group } = await sdk.identity.createGroup({
      createGroupDetails: { compartmentId: sdk.tenancyId, name: 'keyholders', description: 'd' },
    });
    const { userGroupMembership } = await sdk.identity.addUserToGroup({ addUserToGroupDetails: { userId: user.id, groupId: group.id } });
    const userId = user.id;
    // Act
    const listed = await Promise.all([
      sdk.identity.listApiKeys({ userId }),
      sdk.identity.listAuthTokens({ userId }),
      sdk.identity.listCustomerSecretKeys({ userId }),
      sdk.identity.listSmtpCredentials({ userId }),
      sdk.identity.listOAuthClientCredentials({ userId }),
    ]);
    const inGroup = await failure(sdk.identity.deleteUser({ userId }));
    await sdk.identity.deleteApiKey({ userId, fingerprint: ids[0] ?? '' });
    await sdk.identity.deleteAuthToken({ userId, authTokenId: ids[1] ?? '' });
    await sdk.identity.deleteCustomerSecretKey({ userId, customerSecretKeyId: ids[2] ?? '' });
    await sdk.identity.deleteSmtpCredential({ userId, smtpCredentialId: ids[3] ?? '' });
    await sdk.identity.deleteOAuthClientCredential({ userId, oauth2ClientCredentialId: ids[4] ?? '' });
    const again = await failure(sdk.identity.deleteAuthToken({ userId, authTokenId: ids[1] ?? '' }));
    await sdk.identity.removeUserFromGroup({ userGroupMembershipId: userGroupMembership.id });
    await sdk.identity.deleteUser({ userId });
    // Assess
    expect(listed.map((l) => l.items.length)).toEqual([1, 1, 1, 1, 1]);
    expect(listed[0]?.items[0]?.fingerprint).toBe(ids[0]);
    expect([inGroup.statusCode, inGroup.serviceCode]).toEqual([409, 'IncorrectState']);
    expect([again.statusCode, again.serviceCode]).toEqual([404, 'NotAuthorizedOrNotFound']);
    expect(oci.state.credentialsOf(userId)).toEqual([]);
    expect(oci.state.users.has(userId)).toBe(false);
  });
});
