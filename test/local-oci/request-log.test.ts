import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { afterEach, describe, expect, it } from 'vitest';
import { failure, sdkClients } from './sdk';

describe('local OCI: the request log', () => {
  let oci: LocalOci | undefined;
  afterEach(async () => {
    await oci?.stop();
    oci = undefined;
  });

  /** Two groups made (one of them twice, by its retry token), one missing user asked for. */
  const someCalls = async (running: LocalOci) => {
    const sdk = sdkClients(running);
    const request = { createGroupDetails: { compartmentId: sdk.tenancyId, name: 'counted', description: 'd' }, opcRetryToken: 'tally-1' };
    await sdk.identity.createGroup(request);
    await sdk.identity.createGroup(request);
    await sdk.identity.createGroup({ createGroupDetails: { compartmentId: sdk.tenancyId, name: 'counted-2', description: 'd' } });
    expect(await failure(sdk.identity.getUser({ userId: 'ocid1.user.oc1..missing' }))).toMatchObject({ statusCode: 404 });
  };

  it('tallies requests by service, operation and outcome, the same as its entries count them', async () => {
    // Prepare
    oci = await startLocalOci();
    // Act
    await someCalls(oci);
    // Assess
    const tally = oci.requests.tally();
    expect(tally).toEqual(
      expect.arrayContaining([
        { service: 'identity', operation: 'CreateGroup', outcome: 'ok', iamWrite: true, calls: 3 },
        { service: 'identity', operation: 'GetUser', outcome: 'error', iamWrite: false, calls: 1 },
      ]),
    );
    const counts = oci.requests.counts();
    for (const row of tally) expect(counts[row.operation]?.[row.outcome]).toBe(row.calls);
    expect(tally.reduce((sum, row) => sum + row.calls, 0)).toBe(oci.requests.entries().length);
  });

  it('keeps only the tally when asked to, and says so to a reader of entries rather than answering none', async () => {
    // Prepare
    oci = await startLocalOci({ requestLog: 'tally' });
    // Act
    await someCalls(oci);
    // Assess
    expect(oci.requests.tally()).toEqual(
      expect.arrayContaining([{ service: 'identity', operation: 'CreateGroup', outcome: 'ok', iamWrite: true, calls: 3 }]),
    );
    expect(() => oci?.requests.entries()).toThrow(/keeps only its tally/);
    expect(() => oci?.requests.iamWrites()).toThrow(/keeps only its tally/);
  });
});
