import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { queuesOf } from '@oci-iam-onboarding/local-oci/queue-state';
import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import type { FunctionCall } from '@oci-iam-onboarding/local-oci/services/functions-invoke';
import { seedFunctionApp } from '@oci-iam-onboarding/local-oci/services/functions-management';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config';
import { checkStatement } from '../../src/core/policy/lint';
import { parseRoleCatalogText } from '../../src/core/role-catalog';
import { deploymentPolicy } from '../../src/deploy/deployment-policy';
import { runSetup, type SetupOptions } from '../../src/setup/run';

// `npm run setup` against the local OCI, through the real SDK clients signed with the
// administrator's config-file profile: it plans, converges, and a second run writes nothing.

const catalog = JSON.stringify(JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'role-catalog.json'), 'utf8')));

/** Least-privilege statements of the kind the deployment policy has (lint-clean). */
const statements = [
  'Allow dynamic-group iam-onboarding-fn to inspect users in tenancy',
  "Allow dynamic-group iam-onboarding-fn to manage groups in tenancy where all {target.group.name != 'Administrators', any {request.permission = 'GROUP_CREATE', request.permission = 'GROUP_UPDATE'}}",
  'Allow dynamic-group iam-onboarding-fn to use ons-topics in compartment apps',
  "Allow dynamic-group iam-onboarding-fn to manage objects in compartment apps where any {target.bucket.name = 'hr-uploads', target.bucket.name = 'onboarding-state'}",
];

describe('npm run setup against the local OCI', () => {
  let oci: LocalOci;
  let compartmentId: string;
  let functionId: string;
  let applicationId: string;
  const writes = (from: number) => oci.requests.entries(from).filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
  const run = (overrides: Partial<SetupOptions> & { input?: Record<string, unknown> } = {}) =>
    runSetup({
      apply: false,
      configFile: oci.credentials.files.configFile,
      endpointTemplate: oci.endpointTemplate,
      consistencyDelayMs: 10,
      ...overrides,
      input: {
        compartmentId,
        topic: { emails: ['iam-admins@example.com'] },
        uploads: { bucket: 'hr-uploads', prefix: 'incoming/', stateBucket: 'onboarding-state' },
        functionConfig: { ROLE_CATALOG: catalog },
        ...overrides.input,
      },
    });

  beforeEach(async () => {
    oci = await startLocalOci();
    // Prepare: a tenancy where only `fn create app` and `fn deploy` have been run.
    compartmentId = oci.state.addCompartment('apps').id;
    const seeded = seedFunctionApp(oci.state, { compartmentId, functionId: `ocid1.fnfunc.oc1..fn${Date.now()}` });
    seeded.fn.config = { LOG_LEVEL: 'debug' };
    functionId = seeded.fn.id;
    applicationId = seeded.application.id;
  });
  afterEach(() => oci.stop());

  /** The tag Operations.CostCenter, required in the whole tenancy. */
  function requireCostCenter() {
    const cp = oci.state.controlPlane;
    const timeCreated = new Date();
    cp.tagNamespaces.set('ns', { id: 'ns', compartmentId: oci.credentials.tenancyId, name: 'Operations', description: '', timeCreated });
    cp.tags.set('tag', { id: 'tag', tagNamespaceId: 'ns', name: 'CostCenter', description: '', timeCreated });
    const tagDefault = {
      id: 'td',
      compartmentId: oci.credentials.tenancyId,
      tagDefinitionId: 'tag',
      value: '',
      isRequired: true,
      timeCreated,
    };
    cp.tagDefaults.set('td', tagDefault);
  }

  it('plans every resource on a dry run and writes nothing', async () => {
    // Prepare
    const mark = oci.requests.mark();
    // Act
    const outcome = await run();
    // Assess
    expect(outcome.problems).toEqual([]);
    expect(outcome.applied).toEqual([]);
    expect(outcome.steps.map((s) => `${s.action} ${s.resource} ${s.name}`)).toEqual([
      'create queue iam-onboarding-work',
      'create dynamic-group iam-onboarding-fn',
      'create policy iam-onboarding-fn',
      'create topic iam-onboarding-results',
      'create subscription EMAIL iam-admins@example.com',
      'create bucket hr-uploads',
      'create bucket onboarding-state',
      'create log-group iam-onboarding',
      'create invoke-log iam-invoke',
      'create events-rule iam-onboarding-uploads',
      'update function-config function config',
      'create schedule iam-onboarding-sweep',
      'create schedule-policy iam-onboarding-sweep',
    ]);
    // The queue does not exist yet: the plan names it for people, and apply writes its OCID.
    expect(outcome.steps.find((s) => s.resource === 'policy')?.changes).toContain(
      `+ Allow dynamic-group iam-onboarding-fn to use queues in compartment id ${compartmentId} where all {target.queue.id = '(the OCID of queue iam-onboarding-work)', any {request.permission = 'QUEUE_PRODUCE', request.permission = 'QUEUE_CONSUME', request.permission = 'QUEUE_READ'}}`,
    );
    expect(writes(mark)).toEqual([]);
  });

  it('converges the tenancy with --apply, and a second run changes nothing', async () => {
    // Act
    const first = await run({ apply: true });
    const mark = oci.requests.mark();
    const second = await run({ apply: true });
    // Assess: the first run wrote every step, in order.
    expect(first.problems).toEqual([]);
    expect(first.applied).toHaveLength(13);
    const dg = [...oci.state.dynamicGroups.values()].find((g) => g.name === 'iam-onboarding-fn');
    expect(dg?.matchingRule).toBe(`ALL {resource.type = 'fnfunc', resource.id = '${functionId}'}`);
    const policy = [...oci.state.policies.values()].find((p) => p.name === 'iam-onboarding-fn');
    expect(policy?.compartmentId).toBe(oci.credentials.tenancyId);
    const cp = oci.state.controlPlane;
    // The generated deployment policy, for this function and compartment, lint-clean but for the rules it allows with a reason.
    const generated = deploymentPolicy({
      config: parseConfig(cp.functions.get(functionId)?.config ?? {}),
      dynamicGroup: { name: 'iam-onboarding-fn' },
      functionId,
      compartments: { function: compartmentId, topic: compartmentId, uploads: compartmentId, state: compartmentId, queue: compartmentId },
      catalog: parseRoleCatalogText(catalog, 'ROLE_CATALOG'),
      queue: { id: cp.functions.get(functionId)?.config.QUEUE_ID ?? '' },
    });
    expect(generated.matchingRule).toBe(dg?.matchingRule);
    expect(policy?.statements).toEqual(generated.statements.map((s) => s.statement));
    for (const s of generated.statements) {
      const errors = checkStatement(s.statement).filter((f) => f.severity === 'error' && !s.allow?.includes(f.rule));
      expect(errors, s.statement).toEqual([]);
    }
    expect(policy?.statements).toContain(
      `Allow dynamic-group iam-onboarding-fn to use fn-invocation in compartment id ${compartmentId} where request.operation = 'InvokeFunction'`,
    );
    const topic = [...oci.state.topics.values()].find((t) => t.name === 'iam-onboarding-results');
    expect([...cp.subscriptions.values()].map((s) => [s.topicId, s.protocol, s.endpoint, s.lifecycleState])).toEqual([
      [topic?.id, 'EMAIL', 'iam-admins@example.com', 'PENDING'],
    ]);
    expect(cp.buckets.get('hr-uploads')).toMatchObject({ objectEventsEnabled: true, publicAccessType: 'NoPublicAccess', compartmentId });
    expect(cp.buckets.get('onboarding-state')).toMatchObject({ objectEventsEnabled: false, publicAccessType: 'NoPublicAccess' });
    const log = [...cp.logs.values()].find((l) => l.configuration?.source.resource === applicationId);
    expect(log?.configuration?.source).toEqual({
      sourceType: 'OCISERVICE',
      service: 'functions',
      resource: applicationId,
      category: 'invoke',
    });
    const rule = [...cp.rules.values()].find((r) => r.compartmentId === compartmentId);
    expect(JSON.parse(rule?.condition ?? '{}')).toEqual({
      eventType: ['com.oraclecloud.objectstorage.createobject', 'com.oraclecloud.objectstorage.updateobject'],
      data: { additionalDetails: { bucketName: ['hr-uploads'] }, resourceName: ['incoming/*'] },
    });
    expect(rule?.actions.map((a) => [a.actionType, a.functionId, a.isEnabled])).toEqual([['FAAS', functionId, true]]);
    // The queue, with the settings set-up chose for the upload engine, named by the function's config and policy.
    const queue = [...queuesOf(oci.state).queues.values()].find((q) => q.displayName === 'iam-onboarding-work');
    expect(queue).toMatchObject({
      compartmentId,
      visibilityInSeconds: 300,
      retentionInSeconds: 86_400,
      deadLetterQueueDeliveryCount: 3,
      channelConsumptionLimit: 100,
    });
    expect(policy?.statements).toContain(
      `Allow dynamic-group iam-onboarding-fn to use queues in compartment id ${compartmentId} where all {target.queue.id = '${queue?.id}', any {request.permission = 'QUEUE_PRODUCE', request.permission = 'QUEUE_CONSUME', request.permission = 'QUEUE_READ'}}`,
    );
    // The sweep schedule: the function, with the body the upload engine decodes, every five minutes; and the policy naming it alone.
    const schedule = [...oci.schedules.schedules.values()].find((x) => x.displayName === 'iam-onboarding-sweep');
    expect(schedule).toMatchObject({
      compartmentId,
      action: 'START_RESOURCE',
      recurrenceType: 'ICAL',
      recurrenceDetails: 'FREQ=MINUTELY;INTERVAL=5',
      resources: [{ id: functionId, parameters: [{ parameterType: 'BODY', value: { sweep: true } }] }],
      lifecycleState: 'ACTIVE',
    });
    const sweepPolicy = [...oci.state.policies.values()].find((p) => p.name === 'iam-onboarding-sweep');
    expect(sweepPolicy?.statements).toEqual([
      `Allow any-user to use fn-invocation in compartment id ${compartmentId} where all {request.principal.type = 'resourceschedule', request.principal.id = '${schedule?.id}', request.operation = 'InvokeFunction'}`,
    ]);
    expect(cp.functions.get(functionId)?.config).toEqual({
      LOG_LEVEL: 'debug',
      ROLE_CATALOG: catalog,
      ONS_TOPIC_ID: topic?.id,
      QUEUE_ID: queue?.id,
      QUEUE_ENDPOINT: oci.endpointFor(oci.defaultRegion),
      ONBOARDING_BUCKET: 'hr-uploads',
      ONBOARDING_PREFIX: 'incoming/',
      STATE_BUCKET: 'onboarding-state',
    });
    // Assess: the second run found everything as it should be and wrote nothing.
    expect(second.steps.filter((s) => s.action !== 'none')).toEqual([]);
    expect(second.applied).toEqual([]);
    expect(writes(mark)).toEqual([]);
  });

  it('puts back what drifted, and only that', async () => {
    // Prepare
    await run({ apply: true, input: { policy: { statements } } });
    const cp = oci.state.controlPlane;
    const bucket = cp.buckets.get('hr-uploads');
    if (bucket) bucket.objectEventsEnabled = false;
    const rule = [...cp.rules.values()].find((r) => r.compartmentId === compartmentId);
    if (rule) rule.isEnabled = false;
    const policy = [...oci.state.policies.values()].find((p) => p.name === 'iam-onboarding-fn');
    if (policy)
      policy.statements = [...statements.slice(0, 2), 'Allow dynamic-group iam-onboarding-fn to manage all-resources in compartment apps'];
    // OCI stores statements with its own case and spacing: no change for that alone.
    if (policy) policy.statements[0] = statements[0]?.toUpperCase().replace(' TO ', '  to ') ?? '';
    // Act
    const outcome = await run({ apply: true, input: { policy: { statements } } });
    const after = await run({ apply: true, input: { policy: { statements } } });
    // Assess
    expect(outcome.steps.filter((s) => s.action !== 'none').map((s) => [s.resource, s.changes])).toEqual([
      [
        'policy',
        ['- Allow dynamic-group iam-onboarding-fn to manage all-resources in compartment apps', `+ ${statements[2]}`, `+ ${statements[3]}`],
      ],
      ['bucket', ['objectEventsEnabled: false → true']],
      ['events-rule', ['isEnabled: false → true']],
    ]);
    expect(cp.buckets.get('hr-uploads')?.objectEventsEnabled).toBe(true);
    expect(rule?.isEnabled).toBe(true);
    expect(after.steps.every((s) => s.action === 'none')).toBe(true);
  });

  it("keeps an administrator's other actions on the Events rule and tags on a bucket while putting back its own", async () => {
    // Prepare: after a first set-up, an administrator adds a second function and a topic to the rule,
    // tags the upload bucket; then our action is switched off and the bucket's object events too.
    requireCostCenter();
    const input = { policy: { statements }, definedTags: { Operations: { CostCenter: 'iam-42' } } };
    await run({ apply: true, input });
    const cp = oci.state.controlPlane;
    const audit = seedFunctionApp(oci.state, { compartmentId, functionId: 'ocid1.fnfunc.oc1..audit', applicationName: 'audit' });
    const topic = oci.state.addTopic('security-alerts', compartmentId);
    const rule = [...cp.rules.values()].find((r) => r.compartmentId === compartmentId);
    if (!rule) throw new Error('the first run made no rule');
    rule.actions = [
      { id: 'a1', actionType: 'ONS', isEnabled: true, topicId: topic.id, description: 'security sees uploads' },
      ...rule.actions.map((a) => ({ ...a, isEnabled: false })),
      { id: 'a3', actionType: 'FAAS', isEnabled: true, functionId: audit.fn.id },
    ];
    const bucket = cp.buckets.get('hr-uploads');
    if (bucket) {
      bucket.objectEventsEnabled = false;
      bucket.definedTags = { Security: { Classification: 'confidential' } };
    }
    // Act
    const outcome = await run({ apply: true, input });
    const after = await run({ apply: true, input });
    // Assess
    expect(outcome.steps.filter((s) => s.action !== 'none').map((s) => [s.resource, s.changes])).toEqual([
      ['bucket', ['objectEventsEnabled: false → true']],
      ['events-rule', ['action: the function, isEnabled: false → true (the 2 other actions kept)']],
    ]);
    expect(rule.actions.map((a) => [a.actionType, a.functionId ?? a.topicId, a.isEnabled, a.description])).toEqual([
      ['ONS', topic.id, true, 'security sees uploads'],
      ['FAAS', functionId, true, undefined],
      ['FAAS', audit.fn.id, true, undefined],
    ]);
    expect(cp.buckets.get('hr-uploads')?.definedTags).toEqual({ Security: { Classification: 'confidential' } });
    expect(after.steps.every((s) => s.action === 'none')).toBe(true);
  });

  it('writes nothing when a statement has a lint error or the function would refuse its config', async () => {
    // Prepare
    const mark = oci.requests.mark();
    // Act
    const outcome = await run({
      apply: true,
      input: {
        policy: { statements: ['Allow dynamic-group iam-onboarding-fn to manage all-resources in tenancy'] },
        functionConfig: { ROLE_CATALOG: catalog, BATCH_CONCURRENCY: 'many' },
      },
    });
    // Assess
    expect(outcome.applied).toEqual([]);
    expect(outcome.problems).toEqual([
      expect.stringMatching(/^policy statement 1, column \d+: tenancy-admin: /),
      expect.stringMatching(/^function config: BATCH_CONCURRENCY: /),
    ]);
    expect(writes(mark)).toEqual([]);
  });

  it('writes nothing when the generated policy cannot be narrowed, and says which compartment is missing', async () => {
    // Prepare: a bootstrap secret whose compartment the set-up file does not name.
    const mark = oci.requests.mark();
    // Act
    const outcome = await run({
      apply: true,
      input: { functionConfig: { ROLE_CATALOG: catalog, BOOTSTRAP_SECRET_ID: 'ocid1.vaultsecret.oc1..s' } },
    });
    // Assess
    expect(outcome.problems).toEqual([expect.stringMatching(/^policy: compartments\.secrets: /)]);
    expect(writes(mark)).toEqual([]);
  });

  it('says to deploy the function first when it is not there', async () => {
    // Act
    const failed = run({ input: { function: 'not-deployed' } });
    // Assess
    await expect(failed).rejects.toThrow(/No function "not-deployed" in application "iam": run fn deploy first/);
  });

  it('tags what it creates, and gives the function the tags, where a tag default is required', async () => {
    // Prepare: Operations.CostCenter is required in the whole tenancy.
    const cp = oci.state.controlPlane;
    requireCostCenter();
    const definedTags = { Operations: { CostCenter: 'iam-42' } };
    const mark = oci.requests.mark();
    // Act
    const outcome = await run({ apply: true, input: { definedTags } });
    // Assess
    expect(outcome.problems).toEqual([]);
    const policyCreate = oci.requests.entries(mark).find((r) => r.operation === 'CreatePolicy');
    expect(policyCreate?.outcome).toBe('ok');
    expect(JSON.parse(policyCreate?.body ?? '{}').definedTags).toEqual(definedTags);
    expect(cp.functions.get(functionId)?.config.DEFINED_TAGS).toBe(JSON.stringify(definedTags));
  });

  /** A bucket made before the set-up, in a compartment of its own. */
  function existingBucket(name: string, compartment: string) {
    oci.state.buckets.set(name, new Map());
    oci.state.controlPlane.buckets.set(name, {
      name,
      compartmentId: compartment,
      objectEventsEnabled: false,
      publicAccessType: 'NoPublicAccess',
      storageTier: 'Standard',
      versioning: 'Disabled',
      etag: 'e1',
      timeCreated: new Date(),
      freeformTags: {},
      definedTags: {},
    });
  }

  it('puts the Events rule and the upload statements where an existing upload bucket is, not in its own compartment', async () => {
    // Prepare: HR's bucket is in compartment hr; the function and everything new in apps.
    const hr = oci.state.addCompartment('hr').id;
    existingBucket('hr-uploads', hr);
    // Act
    const first = await run({ apply: true });
    const second = await run({ apply: true });
    // Assess: a rule matches the events of its own compartment and below, so it is in hr.
    expect(first.problems).toEqual([]);
    const cp = oci.state.controlPlane;
    expect([...cp.rules.values()].map((r) => r.compartmentId)).toEqual([hr]);
    expect(cp.buckets.get('hr-uploads')).toMatchObject({ compartmentId: hr, objectEventsEnabled: true });
    expect(cp.buckets.get('onboarding-state')?.compartmentId).toBe(compartmentId);
    const policy = [...oci.state.policies.values()].find((p) => p.name === 'iam-onboarding-fn');
    const uploads = policy?.statements.filter((st) => st.includes("target.bucket.name = 'hr-uploads'")) ?? [];
    expect(uploads).toHaveLength(2);
    for (const statement of uploads) expect(statement).toContain(`in compartment id ${hr} where`);
    expect(policy?.statements.find((st) => st.includes("'onboarding-state'"))).toContain(`in compartment id ${compartmentId} where`);
    expect(second.steps.filter((st) => st.action !== 'none')).toEqual([]);
  });

  it('creates the catalog bucket, uploads the catalog file the function accepts, and pins the policy writes to its names', async () => {
    // Prepare: the example catalog, read from Object Storage by the function; the compartments its roles name.
    const catalogs = oci.state.addCompartment('config').id;
    oci.state.addCompartment('dev');
    oci.state.addCompartment('test');
    const input = {
      catalogFile: 'role-catalog.json',
      compartments: { catalog: catalogs },
      functionConfig: { ROLE_CATALOG_BUCKET: 'iam-config', ROLE_CATALOG_OBJECT: 'role-catalog.json' },
    };
    // Act
    const first = await run({ apply: true, input, catalogText: catalog });
    const second = await run({ apply: true, input, catalogText: catalog });
    const changed = await run({ input, catalogText: catalog.replace('Read-only auditors', 'Auditors') });
    // Assess
    expect(first.problems).toEqual([]);
    expect(first.applied).toContain('created catalog-object iam-config/role-catalog.json');
    expect(oci.state.controlPlane.buckets.get('iam-config')).toMatchObject({ compartmentId: catalogs, objectEventsEnabled: false });
    expect(oci.state.buckets.get('iam-config')?.get('role-catalog.json')?.body.toString('utf8')).toBe(catalog);
    const policy = [...oci.state.policies.values()].find((p) => p.name === 'iam-onboarding-fn');
    expect(policy?.statements).toContain(
      `Allow dynamic-group iam-onboarding-fn to read objects in compartment id ${catalogs} where all {target.bucket.name = 'iam-config', target.object.name = 'role-catalog.json'}`,
    );
    expect(policy?.statements.some((st) => st.includes("target.policy.name = 'developers-dev'"))).toBe(true);
    expect(second.steps.filter((st) => st.action !== 'none')).toEqual([]);
    expect(changed.steps.filter((st) => st.action !== 'none').map((st) => `${st.action} ${st.resource}`)).toEqual([
      'update catalog-object',
    ]);
  });

  it('writes nothing when a compartment the catalog names does not exist', async () => {
    // Prepare: dev exists, test does not.
    oci.state.addCompartment('dev');
    const mark = oci.requests.mark();
    // Act
    const outcome = await run({
      apply: true,
      catalogText: catalog,
      input: {
        catalogFile: 'role-catalog.json',
        compartments: { catalog: compartmentId },
        functionConfig: { ROLE_CATALOG_BUCKET: 'iam-config', ROLE_CATALOG_OBJECT: 'role-catalog.json' },
      },
    });
    // Assess
    expect(outcome.problems).toEqual([
      `catalog: no compartment test under ${oci.credentials.tenancyId}, where its role policy would name it`,
    ]);
    expect(writes(mark)).toEqual([]);
  });

  it('writes nothing when the catalog file is one the function would refuse with its config', async () => {
    // Prepare: the example catalog's policy names do not carry the prefix; its compartments exist.
    oci.state.addCompartment('dev');
    oci.state.addCompartment('test');
    const mark = oci.requests.mark();
    // Act
    const outcome = await run({
      apply: true,
      catalogText: catalog,
      input: {
        catalogFile: 'role-catalog.json',
        compartments: { catalog: compartmentId },
        functionConfig: { ROLE_CATALOG_BUCKET: 'iam-config', ROLE_CATALOG_OBJECT: 'c.json', POLICY_NAME_PREFIX: 'onboarding-' },
      },
    });
    // Assess
    expect(outcome.problems).toEqual([
      expect.stringMatching(/^catalog: roles\.developer\.policy\.name: policy name "developers-dev" must start with "onboarding-"/),
      expect.stringMatching(/^catalog: roles\.auditor\.policy\.name: /),
    ]);
    expect(writes(mark)).toEqual([]);
  });

  it('subscribes the function to an ONS trigger topic, and refuses its own results topic', async () => {
    // Prepare: HR publishes hires to a topic of its own.
    const hrEvents = oci.state.addTopic('hr-events', compartmentId);
    // Act
    const first = await run({ apply: true, input: { onsTriggers: [hrEvents.id] } });
    const second = await run({ apply: true, input: { onsTriggers: [hrEvents.id] } });
    const results = [...oci.state.topics.values()].find((t) => t.name === 'iam-onboarding-results');
    const mark = oci.requests.mark();
    const own = await run({ apply: true, input: { onsTriggers: [results?.id] } });
    // Assess
    expect(first.problems).toEqual([]);
    expect(first.steps.at(-1)).toMatchObject({ resource: 'trigger-subscription', name: 'ORACLE_FUNCTIONS on hr-events', action: 'create' });
    const subscribed = [...oci.state.controlPlane.subscriptions.values()].filter((sub) => sub.protocol === 'ORACLE_FUNCTIONS');
    expect(subscribed.map((sub) => [sub.topicId, sub.endpoint, sub.lifecycleState])).toEqual([[hrEvents.id, functionId, 'ACTIVE']]);
    expect(second.steps.filter((st) => st.action !== 'none')).toEqual([]);
    expect(own.problems).toEqual([expect.stringMatching(/^onsTriggers: iam-onboarding-results is the function's results topic/)]);
    expect(writes(mark)).toEqual([]);
  });

  it('sets the detached timeout with the function config', async () => {
    // Prepare
    const mark = oci.requests.mark();
    // Act
    const dry = await run({ input: { detachedTimeoutSeconds: 900 } });
    const applied = await run({ apply: true, input: { detachedTimeoutSeconds: 900 } });
    const again = await run({ input: { detachedTimeoutSeconds: 900 } });
    // Assess: the UpdateFunction body carries it, GetFunction reads it back, and a second run plans nothing.
    expect(dry.steps.find((st) => st.resource === 'function-config')?.changes).toContain(
      'detachedModeTimeoutInSeconds: (unset: the timeout) → 900',
    );
    expect(applied.problems).toEqual([]);
    const update = oci.requests.entries(mark).find((r) => r.operation === 'UpdateFunction');
    expect(update?.outcome).toBe('ok');
    expect(JSON.parse(update?.body ?? '{}').detachedModeTimeoutInSeconds).toBe(900);
    expect(oci.state.controlPlane.functions.get(functionId)?.detachedModeTimeoutInSeconds).toBe(900);
    expect(again.steps.find((st) => st.resource === 'function-config')).toMatchObject({ action: 'none', changes: [] });
  });

  it('writes a sweep schedule that the local OCI fires at the function with {"sweep":true}, under the policy set-up wrote for it alone', async () => {
    // Prepare: the function the local OCI's invoke API delivers to, in an application of its own.
    seedFunctionApp(oci.state, { compartmentId, functionId: oci.functionId, applicationName: 'iam-live' });
    const calls: FunctionCall[] = [];
    oci.functions.invoker = async (call) => {
      calls.push(call);
      return { status: 200, body: '{}' };
    };
    oci.schedules.timerPaused = true;
    oci.state.clock.freeze();
    const applied = await run({ apply: true, input: { application: 'iam-live', schedule: { everyMinutes: 10 } } });
    // Act
    oci.state.clock.advance(10 * 60_000);
    const runs = await oci.runSchedules();
    oci.state.clock.resume();
    // Assess
    expect(applied.problems).toEqual([]);
    expect(runs.map((r) => [r.resourceId, r.outcome, r.status])).toEqual([[oci.functionId, 'invoked', 202]]);
    await expect.poll(() => calls.length).toBe(1);
    expect(calls[0]?.body.toString('utf8')).toBe('{"sweep":true}');
    expect(calls[0]?.detached).toBe(true);
    expect(oci.authz.denials().filter((d) => d.operation === 'InvokeFunction')).toEqual([]);
  });

  it('puts back a queue setting and a schedule that drifted, and only those', async () => {
    // Prepare
    await run({ apply: true });
    const queue = [...queuesOf(oci.state).queues.values()].find((q) => q.displayName === 'iam-onboarding-work');
    const schedule = [...oci.schedules.schedules.values()].find((x) => x.displayName === 'iam-onboarding-sweep');
    if (!queue || !schedule) throw new Error('set-up made no queue or schedule');
    queue.visibilityInSeconds = 30;
    schedule.lifecycleState = 'INACTIVE';
    schedule.recurrenceDetails = 'FREQ=HOURLY;INTERVAL=1';
    // Act
    const fixed = await run({ apply: true });
    const again = await run();
    // Assess
    expect(fixed.steps.filter((st) => st.action !== 'none').map((st) => [st.resource, st.action, st.changes])).toEqual([
      ['queue', 'update', ['visibilityInSeconds: 30 → 300']],
      [
        'schedule',
        'update',
        ['recurrence: ICAL FREQ=HOURLY;INTERVAL=1 → ICAL FREQ=MINUTELY;INTERVAL=5', 'lifecycleState: INACTIVE → ACTIVE'],
      ],
    ]);
    expect(queue.visibilityInSeconds).toBe(300);
    expect(schedule).toMatchObject({ lifecycleState: 'ACTIVE', recurrenceDetails: 'FREQ=MINUTELY;INTERVAL=5' });
    expect(again.steps.filter((st) => st.action !== 'none')).toEqual([]);
  });
});
