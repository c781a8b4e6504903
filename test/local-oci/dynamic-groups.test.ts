import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, sdkClients } from './sdk';

describe('local OCI: dynamic groups through the real oci-identity client', () => {
  let oci: LocalOci;
  let sdk: ReturnType<typeof sdkClients>;
  const rule = (compartmentId: string) => `ALL {resource.type = 'fnfunc', resource.compartment.id = '${compartmentId}'}`;
  beforeAll(async () => {
    oci = await startLocalOci();
    sdk = sdkClients(oci);
  });
  afterAll(() => oci.stop());

  it('creates, gets, lists by name, updates and deletes a dynamic group', async () => {
    // Prepare
    const compartmentId = [...oci.state.compartments.values()][0]?.id ?? '';
    // Act
    const { dynamicGroup } = await sdk.identity.createDynamicGroup({
      createDynamicGroupDetails: {
        compartmentId: sdk.tenancyId,
        name: 'onboarding-fn',
        description: 'the function',
        matchingRule: rule(compartmentId),
      },
    });
    const fetched = (await sdk.identity.getDynamicGroup({ dynamicGroupId: dynamicGroup.id })).dynamicGroup;
    const listed = (await sdk.identity.listDynamicGroups({ compartmentId: sdk.tenancyId, name: 'onboarding-fn' })).items;
    const others = (await sdk.identity.listDynamicGroups({ compartmentId: sdk.tenancyId, name: 'someone-else' })).items;
    const updated = (
      await sdk.identity.updateDynamicGroup({
        dynamicGroupId: dynamicGroup.id,
        updateDynamicGroupDetails: { matchingRule: `ANY {instance.compartment.id = '${compartmentId}'}`, description: 'changed' },
      })
    ).dynamicGroup;
    await sdk.identity.deleteDynamicGroup({ dynamicGroupId: dynamicGroup.id });
    // Assess
    expect(dynamicGroup).toMatchObject({ compartmentId: sdk.tenancyId, name: 'onboarding-fn', matchingRule: rule(compartmentId) });
    expect(dynamicGroup.id).toMatch(/^ocid1\.dynamicgroup\.oc1\./);
    expect(fetched).toMatchObject({ id: dynamicGroup.id, lifecycleState: 'ACTIVE', description: 'the function' });
    expect(Number.isNaN(Date.parse(String(fetched.timeCreated)))).toBe(false);
    expect(listed.map((g) => g.id)).toEqual([dynamicGroup.id]);
    expect(others).toEqual([]);
    expect(updated).toMatchObject({ description: 'changed', matchingRule: `ANY {instance.compartment.id = '${compartmentId}'}` });
    expect(await failure(sdk.identity.getDynamicGroup({ dynamicGroupId: dynamicGroup.id }))).toMatchObject({
      statusCode: 404,
      serviceCode: 'NotAuthorizedOrNotFound',
    });
  });

  it.each([
    ['an unknown variable', "ALL {resource.kind = 'fnfunc'}"],
    ['an unquoted value', 'resource.type = fnfunc'],
    ['an unclosed brace', "ANY {instance.id = 'ocid1.instance.oc1..a'"],
    ['an empty rule', '   '],
  ])('refuses %s with 400 InvalidParameter and creates nothing', async (_why, matchingRule) => {
    // Act
    const refused = await failure(
      sdk.identity.createDynamicGroup({
        createDynamicGroupDetails: { compartmentId: sdk.tenancyId, name: 'bad-rule', description: 'd', matchingRule },
      }),
    );
    // Assess
    expect(refused).toMatchObject({ statusCode: 400, serviceCode: 'InvalidParameter' });
    expect([...oci.state.dynamicGroups.values()].filter((g) => g.name === 'bad-rule')).toEqual([]);
  });

  it('refuses an update to a rule that does not parse and keeps the old rule', async () => {
    // Prepare
    const { dynamicGroup } = await sdk.identity.createDynamicGroup({
      createDynamicGroupDetails: {
        compartmentId: sdk.tenancyId,
        name: 'kept-rule',
        description: 'd',
        matchingRule: rule('ocid1.compartment.oc1..x'),
      },
    });
    // Act
    const refused = await failure(
      sdk.identity.updateDynamicGroup({
        dynamicGroupId: dynamicGroup.id,
        updateDynamicGroupDetails: { matchingRule: "ALL {resource.type == 'fnfunc'}" },
      }),
    );
    // Assess
    expect(refused).toMatchObject({ statusCode: 400, serviceCode: 'InvalidParameter' });
    expect(oci.state.dynamicGroups.get(dynamicGroup.id)?.matchingRule).toBe(rule('ocid1.compartment.oc1..x'));
  });

  it('answers 409 for a second dynamic group of the same name', async () => {
    // Prepare
    const details = { compartmentId: sdk.tenancyId, name: 'twice', description: 'd', matchingRule: rule('ocid1.compartment.oc1..y') };
    await sdk.identity.createDynamicGroup({ createDynamicGroupDetails: details });
    // Act
    const second = await failure(sdk.identity.createDynamicGroup({ createDynamicGroupDetails: details }));
    // Assess
    expect(second).toMatchObject({ statusCode: 409, serviceCode: 'NotAuthorizedOrResourceAlreadyExists' });
  });

  it('writes dynamic groups only in the home region', async () => {
    // Prepare
    const elsewhere = sdkClients(oci, oci.defaultRegion);
    // Act
    const refused = await failure(
      elsewhere.identity.createDynamicGroup({
        createDynamicGroupDetails: {
          compartmentId: sdk.tenancyId,
          name: 'not-home',
          description: 'd',
          matchingRule: rule('ocid1.compartment.oc1..z'),
        },
      }),
    );
    // Assess
    expect(refused).toMatchObject({ statusCode: 403, serviceCode: 'NotAllowed' });
  });
});
