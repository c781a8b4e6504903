import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classicIdentityDirectory } from '../../src/oci/identity-directory';
import { createLogger } from '../../src/support/logger';
import { failure, sdkClients } from './sdk';

describe('eventual consistency after IAM writes', () => {
  let oci: LocalOci;
  let sdk: ReturnType<typeof sdkClients>;
  beforeAll(async () => {
    oci = await startLocalOci({ timing: { consistencyDelayMs: 400 } });
    sdk = sdkClients(oci);
  });
  afterAll(() => oci.stop());
  const details = (name: string) => ({ compartmentId: sdk.tenancyId, name, description: 'd' });

  it('hides a new resource for a while: 404 NotAuthorizedOrNotFound by OCID, 400 RelatedResourceNotAuthorizedOrNotFound in a body', async () => {
    // Prepare: the local OCI's clock stopped, so that a loaded machine's slow calls stay inside the while.
    oci.state.clock.freeze();
    const { user } = await sdk.identity.createUser({ createUserDetails: details('ec.user@example.com') });
    const { group } = await sdk.identity.createGroup({ createGroupDetails: details('ec-group') });
    // Act
    const get = await failure(sdk.identity.getUser({ userId: user.id }));
    const add = await failure(sdk.identity.addUserToGroup({ addUserToGroupDetails: { userId: user.id, groupId: group.id } }));
    oci.state.clock.advance(450);
    const later = await sdk.identity.getUser({ userId: user.id });
    oci.state.clock.resume();
    // Assess
    expect(get).toMatchObject({ statusCode: 404, serviceCode: 'NotAuthorizedOrNotFound' });
    expect(add).toMatchObject({ statusCode: 400, serviceCode: 'RelatedResourceNotAuthorizedOrNotFound' });
    expect([...oci.state.memberships.values()].filter((m) => m.userId === user.id)).toEqual([]);
    expect(later.user.id).toBe(user.id);
  });

  it('is ridden out by the adapter, which retries those two answers after its own IAM write, as the SDKs do', async () => {
    // Prepare
    const policy = { deadline: Date.now() + 20_000, maxAttempts: 12, log: createLogger({ level: 'error', write: () => undefined }) };
    const directory = classicIdentityDirectory(sdk.identity, sdk.tenancyId, 'call-ec', policy);
    // Act
    const { record: user } = await directory.createUser({
      name: 'ec.hire@example.com',
      description: 'd',
      email: 'e@example.com',
      freeformTags: {},
    } as never);
    const { record: group } = await directory.createGroup({ name: 'ec-team', description: 'd' });
    const { added } = await directory.addUserToGroup(user.id, group.id);
    // Assess
    expect(added).toBe(true);
    expect([...oci.state.memberships.values()].filter((m) => m.userId === user.id && m.groupId === group.id)).toHaveLength(1);
  });
});
