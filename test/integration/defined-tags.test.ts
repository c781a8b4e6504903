import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnboardingResult } from '../../src/core/result';
import { startFunction } from '../../src/local-oci/fn-harness';
import { type LocalStack, startLocalStack } from '../../src/local-oci/stack';
import { sdkClients } from '../local-oci/sdk';
import { BUNDLE, newHire } from './scenario';

// A tenancy whose landing zone requires a defined tag on every resource (a required tag default on
// the root compartment): the function's creates fail until its config gives the tag a value.

describe('a tenancy with a required tag default', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    // Prepare: the administrator makes Operations.CostCenter required in the whole tenancy.
    stack = await startLocalStack();
    const { identity, tenancyId } = sdkClients(stack.oci);
    const namespace = await identity.createTagNamespace({
      createTagNamespaceDetails: { compartmentId: tenancyId, name: 'Operations', description: 'Landing-zone tags' },
    });
    const tag = await identity.createTag({
      tagNamespaceId: namespace.tagNamespace.id,
      createTagDetails: { name: 'CostCenter', description: 'Who pays' },
    });
    await identity.createTagDefault({
      createTagDefaultDetails: { compartmentId: tenancyId, tagDefinitionId: tag.tag.id, value: '', isRequired: true },
    });
  });
  afterAll(() => stack.oci.stop());

  async function onboard(env: Record<string, string>, event = newHire()) {
    const fn = await startFunction({ entry: BUNDLE, env: { ...stack.functionEnv, ...env } });
    try {
      const mark = stack.oci.requests.mark();
      const response = await fn.invoke(JSON.stringify(event));
      return { result: response.json as OnboardingResult, writes: stack.oci.requests.iamWrites(mark).length };
    } finally {
      await fn.stop();
    }
  }

  it('refuses the creates of a function that sets no defined tags, naming the tag', async () => {
    // Act
    const { result, writes } = await onboard({});
    // Assess
    expect(result.status).toBe('failed');
    expect(writes).toBe(0);
    const user = result.steps.find((s) => s.step === 'user');
    expect(user?.outcome).toBe('failed');
    expect(user?.reason).toMatch(/400.*Operations\.CostCenter is required/);
  });

  it('onboards when DEFINED_TAGS gives the tag a value, and a replay writes nothing', async () => {
    // Prepare
    const env = { DEFINED_TAGS: JSON.stringify({ Operations: { CostCenter: 'hr-42' } }) };
    // Act
    const first = await onboard(env);
    const replay = await onboard(env);
    // Assess
    expect(first.result.status).toBe('succeeded');
    expect(first.result.counts.failed).toBe(0);
    expect(first.writes).toBeGreaterThan(0);
    const tagged = stack.oci.requests
      .entries()
      .filter((r) => ['CreateUser', 'CreateGroup', 'CreatePolicy'].includes(r.operation) && r.outcome === 'ok');
    expect(tagged.length).toBeGreaterThanOrEqual(3);
    for (const request of tagged) expect(JSON.parse(request.body).definedTags).toEqual({ Operations: { CostCenter: 'hr-42' } });
    expect(replay.result.status).toBe('succeeded');
    expect(replay.writes).toBe(0);
  });

  it('reports a DEFINED_TAGS that is not JSON as a configuration problem', async () => {
    // Act
    const { result, writes } = await onboard({ DEFINED_TAGS: '{Operations: CostCenter}' });
    // Assess
    expect(result.status).toBe('failed');
    expect(result.errors[0]?.code).toBe('INVALID_CONFIG');
    expect(writes).toBe(0);
  });
});
