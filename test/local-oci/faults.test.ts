import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { failure, sdkClients } from './sdk';

describe('local OCI: faults on demand and the request log', () => {
  let oci: LocalOci;
  let sdk: ReturnType<typeof sdkClients>;
  beforeAll(async () => {
    oci = await startLocalOci();
    sdk = sdkClients(oci);
  });
  beforeEach(() => oci.faults.clear());
  afterAll(() => oci.stop());
  const list = () => sdk.identity.listUsers({ compartmentId: sdk.tenancyId });

  it.each([429, 500, 503] as const)('answers %i for the chosen operation only, as many times as asked', async (status) => {
    oci.faults.set([{ operations: ['ListUsers'], status, count: 2 }]);
    const mark = oci.requests.mark();
    expect(await failure(list())).toMatchObject({ statusCode: status });
    expect(await failure(list())).toMatchObject({ statusCode: status });
    await list();
    await sdk.identity.listGroups({ compartmentId: sdk.tenancyId });
    expect(oci.requests.counts(mark)).toEqual({ ListUsers: { fault: 2, ok: 1 }, ListGroups: { ok: 1 } });
  });

  it('fails a share of requests, repeatably for a seed', async () => {
    const outcomes = async () => {
      const seeded = await startLocalOci({ faults: [{ status: 503, rate: 0.5 }], faultSeed: 7 });
      const client = sdkClients(seeded);
      const results: boolean[] = [];
      for (let i = 0; i < 20; i += 1)
        results.push(
          await client.identity.listUsers({ compartmentId: client.tenancyId }).then(
            () => true,
            () => false,
          ),
        );
      await seeded.stop();
      return results;
    };
    const first = await outcomes();
    expect(first.filter((ok) => !ok).length).toBeGreaterThan(3);
    expect(first.filter((ok) => ok).length).toBeGreaterThan(3);
    expect(await outcomes()).toEqual(first);
  });

  it('drops connections, which the SDK reports as a network failure', async () => {
    oci.faults.set([{ operations: ['ListUsers'], drop: true, count: 1 }]);
    const mark = oci.requests.mark();
    const error = await failure(list());
    expect(error.statusCode).toBeUndefined();
    expect(oci.requests.counts(mark)).toEqual({ ListUsers: { dropped: 1 } });
  });

  it('adds latency to matching operations', async () => {
    oci.faults.set([{ operations: ['ListUsers'], latencyMs: 120 }]);
    const started = performance.now();
    await list();
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('counts successful IAM writes apart from reads and failures', async () => {
    const mark = oci.requests.mark();
    await sdk.identity.createGroup({
      createGroupDetails: { compartmentId: sdk.tenancyId, name: 'counted', description: 'd' },
    });
    await failure(
      sdk.identity.createGroup({
        createGroupDetails: { compartmentId: sdk.tenancyId, name: 'counted', description: 'd' },
      }),
    );
    await list();
    expect(oci.requests.iamWrites(mark).map((e) => e.operation)).toEqual(['CreateGroup']);
  });
});
