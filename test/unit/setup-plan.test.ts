import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { desiredSetup, parseSetupInput, uploadCondition } from '../../src/setup/desired';
import { convergedRuleActions, type ObservedSetup, PLANNED_TOPIC_ID, planProblems, planSetup, renderPlan } from '../../src/setup/plan';
import { ValidationError } from '../../src/support/errors';

const fn = {
  id: 'ocid1.fnfunc.oc1.eu-frankfurt-1.aaaa',
  applicationId: 'ocid1.fnapp.oc1.eu-frankfurt-1.bbbb',
  compartmentId: 'ocid1.compartment.oc1..cccc',
  tenancyId: 'ocid1.tenancy.oc1..dddd',
};
const catalog = readFileSync(join(__dirname, '..', '..', 'examples', 'role-catalog.json'), 'utf8');
const nothing: ObservedSetup = { subscriptions: [], buckets: new Map(), functionConfig: {}, applicationConfig: {} };

describe('the set-up file', () => {
  it('accepts the example as shipped', () => {
    // Act
    const input = parseSetupInput(JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'setup.json'), 'utf8')));
    // Assess
    expect(input.uploads).toEqual({ bucket: 'hr-uploads', prefix: 'incoming/', stateBucket: 'onboarding-state' });
    expect(input.dynamicGroup.name).toBe('iam-onboarding-fn');
  });

  it('reports every problem at once', () => {
    // Act
    const attempt = () => parseSetupInput({ compartmentId: 'nope', topic: { emails: ['not-an-address'] }, extra: true });
    // Assess
    expect(attempt).toThrow(ValidationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ValidationError).problems.map((p) => p.path).sort()).toEqual(['(root)', 'compartmentId', 'topic.emails.0']);
    }
  });
});

describe('the set-up planner', () => {
  const input = parseSetupInput({
    compartmentId: fn.compartmentId,
    topic: { emails: ['a@example.com'] },
    uploads: { bucket: 'hr-uploads', stateBucket: 'hr-uploads' },
    functionConfig: { ROLE_CATALOG: catalog },
  });
  const desired = desiredSetup(input, fn, [{ statement: 'Allow dynamic-group iam-onboarding-fn to inspect users in tenancy' }]);

  it('plans the topic before the config that holds its OCID, and says so while it is unknown', () => {
    // Act
    const steps = planSetup(desired, nothing);
    // Assess: one bucket when uploads and state share it; no prefix key when there is no prefix.
    expect(steps.filter((s) => s.resource === 'bucket').map((s) => s.name)).toEqual(['hr-uploads']);
    const config = steps.find((s) => s.resource === 'function-config');
    expect(config?.changes).toContain('ONS_TOPIC_ID: (unset) → (the OCID of topic iam-onboarding-results)');
    expect(config?.changes.some((c) => c.startsWith('ONBOARDING_PREFIX'))).toBe(false);
    expect(renderPlan(steps)).toMatch(/\n8 to create, 1 to update, 0 unchanged$/);
    expect(planProblems(desired, nothing)).toEqual([]);
  });

  it('leaves alone what OCI stores in its own way: matching-rule spacing, condition key order, other config keys', () => {
    // Prepare
    const condition = JSON.parse(uploadCondition('hr-uploads', '')) as Record<string, unknown>;
    const observed: ObservedSetup = {
      dynamicGroup: {
        id: 'dg',
        matchingRule: `all { resource.type='fnfunc' , resource.id = '${fn.id}' }`,
        description: input.dynamicGroup.description,
      },
      policy: {
        id: 'p',
        statements: ['ALLOW dynamic-group iam-onboarding-fn TO inspect users IN tenancy'],
        description: input.policy.description,
      },
      topic: { id: 'ocid1.onstopic.oc1..eeee' },
      subscriptions: [{ protocol: 'EMAIL', endpoint: 'A@example.com', lifecycleState: 'ACTIVE' }],
      buckets: new Map([['hr-uploads', { objectEventsEnabled: true, publicAccessType: 'NoPublicAccess' }]]),
      logGroup: { id: 'lg' },
      invokeLog: { id: 'log', isEnabled: true },
      rule: {
        id: 'r',
        condition: JSON.stringify({ data: condition.data, eventType: condition.eventType }),
        isEnabled: true,
        actions: [{ actionType: 'FAAS', functionId: fn.id, isEnabled: true }],
      },
      functionConfig: {
        ROLE_CATALOG: catalog,
        ONS_TOPIC_ID: 'ocid1.onstopic.oc1..eeee',
        ONBOARDING_BUCKET: 'hr-uploads',
        STATE_BUCKET: 'hr-uploads',
        LOG_LEVEL: 'debug',
      },
      applicationConfig: {},
    };
    // Act
    const steps = planSetup(desired, observed);
    // Assess
    expect(steps.filter((s) => s.action !== 'none')).toEqual([]);
  });

  it('refuses a config over 4 KB and one the function would refuse, before any write', () => {
    // Prepare
    const big = desiredSetup(
      { ...input, functionConfig: { ROLE_CATALOG: catalog, PADDING: 'x'.repeat(4096) } },
      fn,
      desired.policy.statements.map((statement) => ({ statement })),
    );
    // Act
    const problems = planProblems(big, { ...nothing, applicationConfig: { OCI_AUTH: 'sometimes' } });
    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^the function's config would be \d+ bytes; OCI Functions allows 4096/),
      expect.stringMatching(/^function config: OCI_AUTH: /),
    ]);
    expect(PLANNED_TOPIC_ID).toMatch(/^ocid1\.onstopic\./);
  });
});

describe("the Events rule's actions", () => {
  const topic = { actionType: 'ONS', isEnabled: true, topicId: 'ocid1.onstopic.oc1..t', description: 'security' };
  const other = { actionType: 'FAAS', isEnabled: false, functionId: 'ocid1.fnfunc.oc1..other' };

  it("adds this function's action after an administrator's, which stay as they are", () => {
    expect(convergedRuleActions([topic, other], fn.id)).toEqual([topic, other, { actionType: 'FAAS', isEnabled: true, functionId: fn.id }]);
  });

  it('enables its own action where it stands and drops a second copy of it', () => {
    // Prepare
    const own = { actionType: 'FAAS', isEnabled: false, functionId: fn.id, description: 'old' };
    // Act
    const actions = convergedRuleActions([own, topic, { ...own, isEnabled: true }], fn.id);
    // Assess
    expect(actions).toEqual([{ actionType: 'FAAS', isEnabled: true, functionId: fn.id }, topic]);
  });
});
