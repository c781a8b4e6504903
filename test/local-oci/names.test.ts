import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classicIdentityDirectory } from '../../src/oci/identity-directory';
import { createLogger } from '../../src/support/logger';
import { failure, sdkClients } from './sdk';

describe('local OCI: names as OCI reads them', () => {
  let oci: LocalOci;
  let sdk: ReturnType<typeof sdkClients>;
  beforeAll(async () => {
    oci = await startLocalOci();
    sdk = sdkClients(oci);
  });
  afterAll(() => oci.stop());

  it('keeps policy names unique in the whole tenancy, not per compartment', async () => {
    // Prepare
    const dev = oci.state.addCompartment('names-dev');
    const statements = ['Allow any-user to inspect users in tenancy'];
    await sdk.identity.createPolicy({
      createPolicyDetails: { compartmentId: sdk.tenancyId, name: 'shared-name', description: 'd', statements },
    });
    // Act
    const second = await failure(
      sdk.identity.createPolicy({
        createPolicyDetails: {
          compartmentId: dev.id,
          name: 'Shared-Name',
          description: 'd',
          statements: [`Allow any-user to inspect users in compartment id ${dev.id}`],
        },
      }),
    );
    // Assess
    expect(second).toMatchObject({ statusCode: 409, serviceCode: 'NotAuthorizedOrResourceAlreadyExists' });
    expect([...oci.state.policies.values()].filter((p) => p.name.toLowerCase() === 'shared-name')).toHaveLength(1);
  });

  it('filters lists by the exact name, while names stay unique without regard to case', async () => {
    // Prepare
    await sdk.identity.createUser({ createUserDetails: { compartmentId: sdk.tenancyId, name: 'case.user@example.com', description: 'd' } });
    // Act
    const exact = await sdk.identity.listUsers({ compartmentId: sdk.tenancyId, name: 'case.user@example.com' });
    const otherCase = await sdk.identity.listUsers({ compartmentId: sdk.tenancyId, name: 'Case.User@example.com' });
    const duplicate = await failure(
      sdk.identity.createUser({ createUserDetails: { compartmentId: sdk.tenancyId, name: 'Case.User@example.com', description: 'd' } }),
    );
    // Assess
    expect(exact.items.map((u) => u.name)).toEqual(['case.user@example.com']);
    expect(otherCase.items).toEqual([]);
    expect(duplicate).toMatchObject({ statusCode: 409 });
  });

  it('never takes over or duplicates a user whose name differs only in case: the create fails, naming the conflict', async () => {
    // Prepare
    await sdk.identity.createUser({
      createUserDetails: { compartmentId: sdk.tenancyId, name: 'mixed.case@example.com', description: 'd' },
    });
    const policy = { deadline: Date.now() + 30_000, maxAttempts: 2, log: createLogger({ level: 'error', write: () => undefined }) };
    const directory = classicIdentityDirectory(sdk.identity, sdk.tenancyId, 'call-1', policy);
    // Act
    const found = await directory.findUserByName('Mixed.Case@example.com');
    const created = await directory
      .createUser({ name: 'Mixed.Case@example.com', description: 'd', email: 'm@example.com', freeformTags: {} } as never)
      .then(
        () => 'created',
        (error: Error) => error.message,
      );
    // Assess
    expect(found).toBeUndefined();
    expect(created).toContain('409');
    expect([...oci.state.users.values()].filter((u) => u.name.toLowerCase() === 'mixed.case@example.com')).toHaveLength(1);
  });
});
