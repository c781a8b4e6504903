import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { desiredSetup, parseSetupInput, uploadCondition } from '../../src/setup/desired';
import {
  catalogCompartments,
  convergedRuleActions,
  type ObservedSetup,
  PLANNED_TOPIC_ID,
  planProblems,
  planSetup,
  renderPlan,
} from '../../src/setup/plan';
import { ValidationError } from '../../src/support/errors';

const fn = {
  id: 'ocid1.fnfunc.oc1.eu-frankfurt-1.aaaa',
  applicationId: 'ocid1.fnapp.oc1.eu-frankfurt-1.bbbb',
  compartmentId: 'ocid1.compartment.oc1..cccc',
  tenancyId: 'ocid1.tenancy.oc1..dddd',
};
const catalog = readFileSync(join(__dirname, '..', '..', 'examples', 'role-catalog.json'), 'utf8');
const nothing: ObservedSetup = { subscriptions: [], buckets: new Map(), onsTriggers: new Map(), functionConfig: {}, applicationConfig: {} };

describe('the set-up file', () => {
  it('accepts the example as shipped', () => {
    // Act
    const input = parseSetupInput(JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'setup.json'), 'utf8')));
    // Assess
    expect(input.uploads).toEqual({ bucket: 'hr-uploads', prefix: 'incoming/', stateBucket: 'onboarding-state' });
    expect(input.dynamicGroup.name).toBe('iam-onboarding-fn');
  });

  it("names a catalog the function accepts with the config the example gives it, checked by the function's own parser", () => {
    // Prepare: the example set-up and the catalog file it names, as set-up reads them.
    const examples = join(__dirname, '..', '..', 'examples');
    const example = parseSetupInput(JSON.parse(readFileSync(join(examples, 'setup.json'), 'utf8')));
    const catalogText = readFileSync(join(examples, example.catalogFile ?? 'none'), 'utf8');
    // Act
    const desired = desiredSetup(example, fn, [], { catalogText });
    const withPrefix = desiredSetup(
      { ...example, functionConfig: { ...example.functionConfig, POLICY_NAME_PREFIX: 'onboarding-' } },
      fn,
      [],
      {
        catalogText,
      },
    );
    // Assess: accepted together; a prefix the catalog's policy names do not carry is refused before any write.
    expect(desired.catalog).toEqual({ bucket: 'iam-config', object: 'role-catalog.json', text: catalogText });
    expect(planProblems(desired, nothing)).toEqual([]);
    expect(planProblems(withPrefix, nothing)).toEqual([
      expect.stringMatching(/^catalog: roles.developer.policy.name: .*onboarding-/),
      expect.stringMatching(/^catalog: roles.auditor.policy.name: .*onboarding-/),
    ]);
    expect(example.detachedTimeoutSeconds).toBe(900);
    // The compartments its roles write policies about, from the root where those policies are attached.
    expect(catalogCompartments(catalogText, fn.tenancyId)).toEqual([
      { base: fn.tenancyId, path: 'dev' },
      { base: fn.tenancyId, path: 'test' },
    ]);
    const missingTest = new Map([
      [`${fn.tenancyId}/dev`, true],
      [`${fn.tenancyId}/test`, false],
    ]);
    expect(planProblems(desired, { ...nothing, catalogCompartments: missingTest })).toEqual([
      `catalog: no compartment test under ${fn.tenancyId}, where its role policy would name it`,
    ]);
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
    // The queue is planned first (the policy names it), its OCID and endpoint unknown until it exists.
    expect(steps[0]).toMatchObject({ resource: 'queue', action: 'create' });
    expect(config?.changes).toContain('QUEUE_ID: (unset) → (the OCID of queue iam-onboarding-work)');
    expect(config?.changes).toContain('QUEUE_ENDPOINT: (unset) → (the messages endpoint of queue iam-onboarding-work)');
    expect(renderPlan(steps)).toMatch(/\n11 to create, 1 to update, 0 unchanged$/);
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
      buckets: new Map([
        ['hr-uploads', { objectEventsEnabled: true, publicAccessType: 'NoPublicAccess', compartmentId: fn.compartmentId }],
      ]),
      onsTriggers: new Map(),
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
        QUEUE_ID: 'ocid1.queue.oc1..q',
        QUEUE_ENDPOINT: 'https://cell-1.queue.messaging.eu-frankfurt-1.oci.oraclecloud.com',
        ONBOARDING_BUCKET: 'hr-uploads',
        STATE_BUCKET: 'hr-uploads',
        LOG_LEVEL: 'debug',
      },
      applicationConfig: {},
      queue: {
        id: 'ocid1.queue.oc1..q',
        messagesEndpoint: 'https://cell-1.queue.messaging.eu-frankfurt-1.oci.oraclecloud.com',
        visibilityInSeconds: 300,
        retentionInSeconds: 86_400,
        deadLetterQueueDeliveryCount: 3,
        channelConsumptionLimit: 100,
      },
      schedule: {
        id: 'ocid1.resourceschedule.oc1..s',
        recurrenceType: 'ICAL',
        recurrenceDetails: 'FREQ=MINUTELY;INTERVAL=5',
        action: 'START_RESOURCE',
        lifecycleState: 'ACTIVE',
        resources: [{ id: fn.id, body: '{"sweep":true}' }],
      },
      schedulePolicy: {
        id: 'sp',
        // As OCI may store it: other case and spacing.
        statements: [
          `ALLOW any-user TO use fn-invocation IN compartment id ${fn.compartmentId} WHERE ALL {request.principal.type='resourceschedule', request.principal.id='ocid1.resourceschedule.oc1..s', request.operation='InvokeFunction'}`,
        ],
        description: 'Lets the sweep schedule invoke the IAM onboarding function',
      },
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

describe('the set-up planner, around the function', () => {
  const input = parseSetupInput({
    compartmentId: fn.compartmentId,
    uploads: { bucket: 'hr-uploads', stateBucket: 'state' },
    functionConfig: { ROLE_CATALOG: catalog },
    detachedTimeoutSeconds: 900,
    onsTriggers: ['ocid1.onstopic.oc1..hr-events'],
  });
  const hr = 'ocid1.compartment.oc1..hr';

  it('puts the Events rule where the upload bucket is, and leaves a bucket that exists where it is', () => {
    // Act
    const desired = desiredSetup(input, fn, [], { places: new Map([['hr-uploads', hr]]) });
    // Assess
    expect(desired.rule?.compartmentId).toBe(hr);
    expect(desired.buckets.map((b) => [b.name, b.compartmentId])).toEqual([
      ['hr-uploads', hr],
      ['state', fn.compartmentId],
    ]);
  });

  it('sets the detached timeout with the function config, and only when it differs', () => {
    // Prepare
    const desired = desiredSetup(input, fn, []);
    const observed = {
      ...nothing,
      onsTriggers: new Map([['ocid1.onstopic.oc1..hr-events', { name: 'hr-events', compartmentId: hr, subscribed: true }]]),
    };
    // Act
    const unset = planSetup(desired, observed).find((s) => s.resource === 'function-config');
    const same = planSetup(desired, { ...observed, detachedTimeoutSeconds: 900 }).find((s) => s.resource === 'function-config');
    // Assess
    expect(unset?.changes).toContain('detachedModeTimeoutInSeconds: (unset: the timeout) → 900');
    expect(same?.changes.some((c) => c.startsWith('detachedModeTimeoutInSeconds'))).toBe(false);
  });

  it('subscribes the function to its trigger topics last, and never to its own results topic', () => {
    // Prepare
    const desired = desiredSetup(input, fn, []);
    const trigger = (name: string, subscribed: boolean) =>
      new Map([['ocid1.onstopic.oc1..hr-events', { name, compartmentId: hr, subscribed }]]);
    // Act
    const fresh = planSetup(desired, { ...nothing, onsTriggers: trigger('hr-events', false) });
    const done = planSetup(desired, { ...nothing, onsTriggers: trigger('hr-events', true) });
    const missing = planProblems(desired, nothing);
    const own = planProblems(desired, { ...nothing, onsTriggers: trigger('iam-onboarding-results', false) });
    const ownById = planProblems(desired, {
      ...nothing,
      topic: { id: 'ocid1.onstopic.oc1..hr-events' },
      onsTriggers: trigger('renamed', false),
    });
    // Assess
    expect(fresh.at(-1)).toMatchObject({ resource: 'trigger-subscription', name: 'ORACLE_FUNCTIONS on hr-events', action: 'create' });
    expect(fresh.findIndex((s) => s.resource === 'function-config')).toBeLessThan(fresh.length - 1);
    expect(done.at(-1)?.action).toBe('none');
    expect(missing).toEqual(['onsTriggers: no topic ocid1.onstopic.oc1..hr-events']);
    expect(own).toEqual([expect.stringMatching(/^onsTriggers: iam-onboarding-results is the function's results topic/)]);
    expect(ownById).toEqual([expect.stringMatching(/^onsTriggers: renamed is the function's results topic/)]);
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

/** The shell lines of a deploy step of docs/deploying.md, continuations joined. */
function readmeStep(step: number): string[] {
  const readme = readFileSync(join(__dirname, '..', '..', 'docs', 'deploying.md'), 'utf8');
  const start = readme.indexOf(`\n### ${step}. `);
  const text = readme.slice(start, readme.indexOf('\n### ', start + 1));
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks
    .join('')
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter(Boolean);
}

describe('the deploy commands of docs/deploying.md, against what set-up does with the example', () => {
  const examples = join(__dirname, '..', '..', 'examples');
  const example = parseSetupInput(JSON.parse(readFileSync(join(examples, 'setup.json'), 'utf8')));
  const desired = desiredSetup(example, fn, [], { catalogText: readFileSync(join(examples, 'role-catalog.json'), 'utf8') });
  const option = (line: string | undefined, name: string) =>
    new RegExp(`${name} ('[^']*'|"[^"]*"|<[^>]*>|\\S+)`).exec(line ?? '')?.[1]?.replace(/^['"]|['"]$/g, '');

  it('step 12 makes the buckets, the Events rule, the catalog object and the function config set-up makes', () => {
    // Prepare
    const lines = readmeStep(12);
    // Act
    const buckets = lines.filter((l) => l.startsWith('oci os bucket create')).map((l) => option(l, '--name'));
    const rule = lines.find((l) => l.startsWith('oci events rule create'));
    const put = lines.find((l) => l.startsWith('oci os object put'));
    const config = lines
      .filter((l) => l.startsWith('fn config function '))
      .map((l) => l.split(' ').slice(3))
      .map(([app, name, key, value]) => ({ app, name, key, value }));
    // Assess
    expect(buckets).toEqual(desired.buckets.map((b) => b.name));
    expect(lines.find((l) => l.includes('--name hr-uploads'))).toContain('--object-events-enabled true');
    expect(JSON.parse(option(rule, '--condition') ?? '{}')).toEqual(JSON.parse(desired.rule?.condition ?? ''));
    expect(option(rule, '--display-name')).toBe(desired.rule?.displayName);
    expect(JSON.parse(option(rule, '--actions') ?? '{}').actions).toEqual([
      { actionType: 'FAAS', isEnabled: true, functionId: '<function OCID>' },
    ]);
    expect([option(put, '--bucket-name'), option(put, '--name')]).toEqual([desired.catalog?.bucket, desired.catalog?.object]);
    expect(new Set(config.map((c) => `${c.app} ${c.name}`))).toEqual(new Set([`${example.application} ${example.function}`]));
    // The queue's keys are set by the steps of docs/queue-and-schedule.md, not by this README step.
    const { QUEUE_ID: _id, QUEUE_ENDPOINT: _endpoint, ...withoutQueue } = desired.functionConfig;
    expect(Object.fromEntries(config.map((c) => [c.key, c.value]))).toEqual({
      ...withoutQueue,
      ONS_TOPIC_ID: '"$TOPIC"',
    });
  });

  it('steps 7, 10 and 14 say what set-up writes: the matching rule, the trigger subscription, the detached timeout', () => {
    // Prepare
    const readme = readFileSync(join(__dirname, '..', '..', 'docs', 'deploying.md'), 'utf8');
    const trigger = readmeStep(10).find((l) => l.includes('ORACLE_FUNCTIONS'));
    const detached = readmeStep(14).find((l) => l.startsWith('oci fn function update'));
    // Assess
    expect(readme).toContain(desired.dynamicGroup.matchingRule.replace(fn.id, '<function OCID>'));
    expect(option(trigger, '--protocol')).toBe('ORACLE_FUNCTIONS');
    expect(option(trigger, '--subscription-endpoint')).toBe('<function OCID>');
    expect(Number(option(detached, '--detached-mode-timeout-in-seconds'))).toBe(example.detachedTimeoutSeconds);
  });
});
