import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnboardingResult } from '../../src/core/result';
import { DEMO_CATALOG_PATH, type LocalStack, startLocalStack } from '../../src/local-stack/stack';
import { startInProcess } from '../in-process';
import { sdkClients } from '../local-oci/sdk';
import { newHire, outcomes } from './scenario';

// A tenancy whose landing zone requires a defined tag on every resource (a required tag default on
// the root compartment): the function's creates fail until its config gives the tag a value. Roles
// of the catalog tag their own group and policy, over DEFINED_TAGS, on both IAM paths.

/** The administrator makes Operations.CostCenter required in the whole tenancy; Operations.Owner exists too. */
async function requireCostCenter(stack: LocalStack) {
  const { identity, tenancyId } = sdkClients(stack.oci);
  const namespace = await identity.createTagNamespace({
    createTagNamespaceDetails: { compartmentId: tenancyId, name: 'Operations', description: 'Landing-zone tags' },
  });
  const tagNamespaceId = namespace.tagNamespace.id;
  const tag = await identity.createTag({ tagNamespaceId, createTagDetails: { name: 'CostCenter', description: 'Who pays' } });
  await identity.createTag({ tagNamespaceId, createTagDetails: { name: 'Owner', description: 'Who answers' } });
  await identity.createTagDefault({
    createTagDefaultDetails: { compartmentId: tenancyId, tagDefinitionId: tag.tag.id, value: '', isRequired: true },
  });
  // The deployment policy for a config with DEFINED_TAGS: it may use the Operations namespace.
  stack.grantFor({ DEFINED_TAGS: JSON.stringify({ Operations: { CostCenter: 'hr-42' } }) });
}

/** The example catalog with tags on the developer role. */
function taggedCatalog(costCenter: string): string {
  const catalog = JSON.parse(readFileSync(DEMO_CATALOG_PATH, 'utf8'));
  catalog.roles.developer.definedTags = { Operations: { CostCenter: costCenter, Owner: 'platform-team' } };
  catalog.roles.developer.freeformTags = { team: 'platform' };
  return JSON.stringify(catalog);
}
const DEFINED_TAGS = JSON.stringify({ Operations: { CostCenter: 'hr-42' } });

async function onboarder(stack: LocalStack) {
  return async (env: Record<string, string>, event = newHire()) => {
    const fn = startInProcess({ env: { ...stack.functionEnv, ...env } });
    try {
      const mark = stack.oci.requests.mark();
      const response = await fn.invoke(JSON.stringify(event));
      return { result: response.json as OnboardingResult, writes: stack.oci.requests.iamWrites(mark).length, mark };
    } finally {
      await fn.stop();
    }
  };
}

describe('a tenancy with a required tag default (classic IAM)', () => {
  let stack: LocalStack;
  let onboard: Awaited<ReturnType<typeof onboarder>>;
  beforeAll(async () => {
    stack = await startLocalStack();
    await requireCostCenter(stack);
    onboard = await onboarder(stack);
  });
  afterAll(() => stack.oci.stop());

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
    const env = { DEFINED_TAGS };
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

  it("retags the role's group and policy when the catalog tags them, keeping other tags, then writes nothing on a replay", async () => {
    // Prepare: the groups and policies of the previous case carry DEFINED_TAGS only; the catalog now tags the developer role.
    const env = { DEFINED_TAGS, ROLE_CATALOG: taggedCatalog('dev-7') };
    const hire = newHire({ employeeId: 'E200001', userName: 'grace.hopper', email: 'grace@example.com' });
    // Act
    const first = await onboard(env, hire);
    const replay = await onboard(env, hire);
    // Assess
    expect(outcomes(first.result)).toEqual([
      'user:grace.hopper:created',
      'group:developers-dev:updated',
      'group:auditors:unchanged',
      'membership:developers-dev:added',
      'membership:auditors:added',
      'policy:developers-dev:updated',
      'policy:auditors:unchanged',
      'console-password:grace.hopper:skipped',
    ]);
    const group = [...stack.oci.state.groups.values()].find((g) => g.name === 'developers-dev');
    const policy = [...stack.oci.state.policies.values()].find((p) => p.name === 'developers-dev');
    for (const resource of [group, policy]) {
      expect(resource?.definedTags).toEqual({ Operations: { CostCenter: 'dev-7', Owner: 'platform-team' } });
      expect(resource?.freeformTags).toEqual({ team: 'platform' });
    }
    const user = [...stack.oci.state.users.values()].find((u) => u.name === 'grace.hopper');
    expect(user?.definedTags).toEqual({ Operations: { CostCenter: 'hr-42' } });
    expect(replay.writes).toBe(0);
    expect(replay.result.counts.updated).toBe(0);
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

describe('a tenancy with a required tag default (identity domain, SCIM)', () => {
  let stack: LocalStack;
  let onboard: Awaited<ReturnType<typeof onboarder>>;
  beforeAll(async () => {
    stack = await startLocalStack({ identityDomain: 'Employees' });
    await requireCostCenter(stack);
    onboard = await onboarder(stack);
  });
  afterAll(() => stack.oci.stop());

  it('refuses a SCIM create without the required tag, as the classic API does', async () => {
    // Act
    const { result, writes } = await onboard({});
    // Assess
    expect(writes).toBe(0);
    const failed = result.steps.filter((s) => s.outcome === 'failed').map((s) => `${s.step}:${s.target}`);
    expect(failed).toEqual(['user:ada.lovelace+oci@example.com', 'group:developers-dev', 'group:auditors']);
    // The SDK keeps no part of a SCIM error body (its text is `detail`, not `message`): the status is all the step can say.
    expect(result.steps[0]?.reason).toMatch(/^CreateUser failed: 400\b/);
    const refused = stack.oci.requests.entries().filter((r) => r.service === 'identitydomains' && r.operation.startsWith('Create'));
    expect(refused.map((r) => r.status)).toEqual([400, 400, 400]);
  });

  it('tags SCIM users and groups (DEFINED_TAGS, role tags) beside the managed-by mark; a replay writes nothing; a tag change updates', async () => {
    // Prepare
    const env = { DEFINED_TAGS, ROLE_CATALOG: taggedCatalog('dev-7') };
    // Act
    const first = await onboard(env);
    const replay = await onboard(env);
    const changed = await onboard({ ...env, ROLE_CATALOG: taggedCatalog('dev-8') });
    // Assess
    expect(first.result.status).toBe('succeeded');
    const domain = stack.oci.state.domain;
    const user = [...(domain?.users.values() ?? [])][0];
    expect(user?.definedTags).toEqual([{ namespace: 'Operations', key: 'CostCenter', value: 'hr-42' }]);
    expect(user?.tags).toEqual(
      expect.arrayContaining([
        { key: 'managed-by', value: 'iam-onboarding-function' },
        { key: 'employee-id', value: 'E104233' },
      ]),
    );
    const groups = new Map([...(domain?.groups.values() ?? [])].map((g) => [g.displayName, g]));
    expect(groups.get('auditors')?.definedTags).toEqual([{ namespace: 'Operations', key: 'CostCenter', value: 'hr-42' }]);
    expect(replay.writes).toBe(0);
    expect(outcomes(changed.result).filter((o) => o.startsWith('group') || o.startsWith('policy'))).toEqual([
      'group:developers-dev:updated',
      'group:auditors:unchanged',
      'policy:developers-dev:updated',
      'policy:auditors:unchanged',
    ]);
    const developers = groups.get('developers-dev');
    expect(developers?.definedTags).toEqual([
      { namespace: 'Operations', key: 'CostCenter', value: 'dev-8' },
      { namespace: 'Operations', key: 'Owner', value: 'platform-team' },
    ]);
    // The call mark that makes a lost create's retry report `created` is kept through a retag.
    expect(developers?.tags?.map((t) => t.key)).toEqual(expect.arrayContaining(['team', 'onboarding-call']));
    const policy = [...stack.oci.state.policies.values()].find((p) => p.name === 'developers-dev');
    expect(policy?.definedTags).toEqual({ Operations: { CostCenter: 'dev-8', Owner: 'platform-team' } });
  });
});
