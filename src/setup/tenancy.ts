import type * as common from 'oci-common';
import { EventsClient } from 'oci-events';
import { FunctionsManagementClient } from 'oci-functions';
import { IdentityClient } from 'oci-identity';
import { LoggingManagementClient } from 'oci-logging';
import { ObjectStorageClient } from 'oci-objectstorage';
import { NotificationControlPlaneClient, NotificationDataPlaneClient } from 'oci-ons';
import { type CallPolicy, callOci } from '../oci/call';
import { clientConfiguration, placeClient } from '../oci/clients';
import { ErrorCode, OciCallError, OnboardingError } from '../support/errors';
import type { DeployedFunction, DesiredSetup, SetupInput } from './desired';
import {
  type CatalogCompartment,
  catalogCompartments,
  compartmentKey,
  convergedRuleActions,
  mergedFunctionConfig,
  type ObservedSetup,
  type SetupStep,
} from './plan';

// The set-up's adapter: reads what the tenancy holds and writes the planned steps, through the
// per-service SDK clients, signed with the administrator's config-file profile.

/** The SDK clients the set-up uses: IAM in the home region, the rest in the function's region. */
export interface SetupClients {
  readonly identity: IdentityClient;
  readonly ons: NotificationControlPlaneClient;
  /** Subscriptions are in the SDK's data-plane client, though the API calls them control plane. */
  readonly subscriptions: NotificationDataPlaneClient;
  readonly objects: ObjectStorageClient;
  readonly events: EventsClient;
  readonly logging: LoggingManagementClient;
  readonly functions: FunctionsManagementClient;
  readonly tenancyId: string;
  readonly policy: CallPolicy;
}

/**
 * Builds the clients for the profile's region, and finds the home region (IAM writes are accepted
 * only there). `endpointTemplate` points every client at the local OCI in tests.
 */
export async function setupClients(
  provider: common.AuthenticationDetailsProvider & { getTenantId(): string; getRegion(): common.Region | undefined },
  policy: CallPolicy,
  endpointTemplate: string | undefined,
): Promise<SetupClients> {
  const auth = { authenticationDetailsProvider: provider };
  const region = provider.getRegion()?.regionId ?? '';
  const tenancyId = provider.getTenantId();
  const place = <T extends { endpoint: string; regionId: string }>(client: T, where = region) =>
    placeClient(client, where, endpointTemplate);
  const localIdentity = place(new IdentityClient(auth, clientConfiguration));
  const subscriptions = await callOci('ListRegionSubscriptions', () => localIdentity.listRegionSubscriptions({ tenancyId }), policy);
  const home = subscriptions.items.find((s) => s.isHomeRegion)?.regionName ?? region;
  return {
    identity: place(new IdentityClient(auth, clientConfiguration), home),
    ons: place(new NotificationControlPlaneClient(auth, clientConfiguration)),
    subscriptions: place(new NotificationDataPlaneClient(auth, clientConfiguration)),
    objects: place(new ObjectStorageClient(auth, clientConfiguration)),
    events: place(new EventsClient(auth, clientConfiguration)),
    logging: place(new LoggingManagementClient(auth, clientConfiguration)),
    functions: place(new FunctionsManagementClient(auth, clientConfiguration)),
    tenancyId,
    policy,
  };
}

const isNotFound = (error: unknown) => error instanceof OciCallError && error.status === 404;

/** The deployed function (by application and function name), with the config it has now. */
export async function findFunction(
  c: SetupClients,
  input: SetupInput,
): Promise<
  DeployedFunction & { config: Record<string, string>; applicationConfig: Record<string, string>; detachedTimeoutSeconds?: number }
> {
  const apps = await callOci(
    'ListApplications',
    () => c.functions.listApplications({ compartmentId: input.compartmentId, displayName: input.application }),
    c.policy,
  );
  const app = apps.items.find((a) => a.lifecycleState !== 'DELETED');
  if (!app) {
    throw new OnboardingError(
      ErrorCode.InvalidConfig,
      `No application "${input.application}" in compartment ${input.compartmentId}: create it and deploy the function first (README "Deploying to OCI")`,
    );
  }
  const fns = await callOci(
    'ListFunctions',
    () => c.functions.listFunctions({ applicationId: app.id, displayName: input.function }),
    c.policy,
  );
  const summary = fns.items.find((f) => f.lifecycleState !== 'DELETED');
  if (!summary) {
    throw new OnboardingError(
      ErrorCode.InvalidConfig,
      `No function "${input.function}" in application "${input.application}": run fn deploy first`,
    );
  }
  const [fn, application] = await Promise.all([
    callOci('GetFunction', () => c.functions.getFunction({ functionId: summary.id }), c.policy),
    callOci('GetApplication', () => c.functions.getApplication({ applicationId: app.id }), c.policy),
  ]);
  return {
    id: fn.function.id,
    applicationId: app.id,
    compartmentId: input.compartmentId,
    tenancyId: c.tenancyId,
    config: { ...fn.function.config },
    applicationConfig: { ...application.application.config },
    ...(typeof fn.function.detachedModeTimeoutInSeconds === 'number'
      ? { detachedTimeoutSeconds: fn.function.detachedModeTimeoutInSeconds }
      : {}),
  };
}

/** Reads what the tenancy holds for every resource the set-up manages. */
export async function observeSetup(
  c: SetupClients,
  desired: DesiredSetup,
  fn: { id: string; config: Record<string, string>; applicationConfig: Record<string, string>; detachedTimeoutSeconds?: number },
): Promise<ObservedSetup> {
  const { identity, policy } = c;
  const absentOn404 = (error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  };
  const [dynamicGroups, policies, topics, logGroups, namespace] = await Promise.all([
    callOci('ListDynamicGroups', () => identity.listDynamicGroups({ compartmentId: c.tenancyId, name: desired.dynamicGroup.name }), policy),
    callOci(
      'ListPolicies',
      () => identity.listPolicies({ compartmentId: desired.policy.compartmentId, name: desired.policy.name }),
      policy,
    ),
    callOci('ListTopics', () => c.ons.listTopics({ compartmentId: desired.topic.compartmentId, name: desired.topic.name }), policy),
    callOci(
      'ListLogGroups',
      () => c.logging.listLogGroups({ compartmentId: desired.logGroup.compartmentId, displayName: desired.logGroup.displayName }),
      policy,
    ),
    callOci('GetNamespace', () => c.objects.getNamespace({}), policy),
  ]);
  const dg = dynamicGroups.items.find((g) => g.lifecycleState !== 'DELETED');
  const pol = policies.items.find((p) => p.lifecycleState !== 'DELETED');
  const topic = topics.items.find((t) => t.lifecycleState !== 'DELETING');
  const logGroup = logGroups.items[0];

  const catalog = desired.catalog;
  const [subscriptions, logs, catalogText, triggers, compartments, ...buckets] = await Promise.all([
    topic
      ? callOci(
          'ListSubscriptions',
          () => c.subscriptions.listSubscriptions({ compartmentId: desired.topic.compartmentId, topicId: topic.topicId }),
          policy,
        )
      : undefined,
    logGroup
      ? callOci(
          'ListLogs',
          () =>
            c.logging.listLogs({ logGroupId: logGroup.id, sourceService: 'functions', sourceResource: desired.invokeLog.applicationId }),
          policy,
        )
      : undefined,
    catalog
      ? callOci(
          'GetObject',
          () => c.objects.getObject({ namespaceName: namespace.value, bucketName: catalog.bucket, objectName: catalog.object }),
          policy,
        )
          .then((response) => new Response(response.value as ReadableStream).text())
          .catch(absentOn404)
      : undefined,
    Promise.all(desired.onsTriggers.map((topicId) => observeTrigger(c, topicId, fn.id))),
    Promise.all(
      catalogCompartments(catalog?.text ?? '{}', c.tenancyId).map(
        async (wanted) => [compartmentKey(wanted), await compartmentExists(c, wanted)] as const,
      ),
    ),
    ...desired.buckets.map((b) =>
      callOci('GetBucket', () => c.objects.getBucket({ namespaceName: namespace.value, bucketName: b.name }), policy).catch(absentOn404),
    ),
  ]);
  const found = new Map(buckets.flatMap((b) => (b ? [[b.bucket.name, b.bucket] as const] : [])));
  // The rule is looked for where it must be: the upload bucket's compartment, when the bucket exists.
  const rule = desired.rule ? await observeRule(c, desired.rule, found.get(desired.rule.bucket)?.compartmentId) : undefined;
  const log = logs?.items.find((l) => l.configuration?.source && (l.configuration.source as { category?: string }).category === 'invoke');
  return {
    ...(dg ? { dynamicGroup: { id: dg.id, matchingRule: dg.matchingRule, description: dg.description } } : {}),
    ...(pol ? { policy: { id: pol.id, statements: pol.statements, description: pol.description } } : {}),
    ...(topic ? { topic: { id: topic.topicId } } : {}),
    subscriptions: (subscriptions?.items ?? []).map((s) => ({
      protocol: s.protocol,
      endpoint: s.endpoint,
      lifecycleState: s.lifecycleState,
    })),
    buckets: new Map(
      [...found].map(([name, b]) => [
        name,
        {
          objectEventsEnabled: b.objectEventsEnabled === true,
          publicAccessType: String(b.publicAccessType),
          compartmentId: b.compartmentId,
        },
      ]),
    ),
    ...(catalogText !== undefined ? { catalogText } : {}),
    onsTriggers: new Map(triggers.flatMap((t) => (t ? [[t.topicId, t.topic] as const] : []))),
    ...(fn.detachedTimeoutSeconds !== undefined ? { detachedTimeoutSeconds: fn.detachedTimeoutSeconds } : {}),
    ...(catalog ? { catalogCompartments: new Map(compartments) } : {}),
    ...(logGroup ? { logGroup: { id: logGroup.id } } : {}),
    ...(log ? { invokeLog: { id: log.id, isEnabled: log.isEnabled !== false } } : {}),
    ...(rule
      ? {
          rule: {
            id: rule.rule.id,
            condition: rule.rule.condition,
            isEnabled: rule.rule.isEnabled,
            // Every field an update must send back to keep an action as it is.
            actions: rule.rule.actions.actions.map((a) => {
              const target = a as { functionId?: string; topicId?: string; streamId?: string };
              return {
                actionType: a.actionType,
                isEnabled: a.isEnabled,
                description: a.description,
                functionId: target.functionId,
                topicId: target.topicId,
                streamId: target.streamId,
              };
            }),
          },
        }
      : {}),
    functionConfig: fn.config,
    applicationConfig: fn.applicationConfig,
  };
}

/** The Events rule by its name, in the compartment given (the upload bucket's) or the one planned. */
async function observeRule(c: SetupClients, wanted: NonNullable<DesiredSetup['rule']>, bucketCompartment: string | undefined) {
  const compartmentId = bucketCompartment ?? wanted.compartmentId;
  const rules = await callOci('ListRules', () => c.events.listRules({ compartmentId, displayName: wanted.displayName }), c.policy);
  const summary = rules.items.find((r) => r.lifecycleState !== 'DELETED' && r.lifecycleState !== 'DELETING');
  return summary ? callOci('GetRule', () => c.events.getRule({ ruleId: summary.id }), c.policy) : undefined;
}

/** Whether a compartment path (`apps:dev`) exists under its base, one level at a time (ListCompartments lists children). */
async function compartmentExists(c: SetupClients, wanted: CatalogCompartment): Promise<boolean> {
  let parent = wanted.base;
  for (const name of wanted.path.split(':')) {
    const children = await callOci(
      'ListCompartments',
      () => c.identity.listCompartments({ compartmentId: parent, name, lifecycleState: 'ACTIVE' as never }),
      c.policy,
    );
    const child = children.items.find((item) => item.name === name && item.lifecycleState === 'ACTIVE');
    if (!child) return false;
    parent = child.id;
  }
  return true;
}

/** A trigger topic (undefined when there is none), and whether this function is subscribed to it. */
async function observeTrigger(c: SetupClients, topicId: string, functionId: string) {
  const found = await callOci('GetTopic', () => c.ons.getTopic({ topicId }), c.policy).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  if (!found) return undefined;
  const { compartmentId, name } = found.notificationTopic;
  const subscriptions = await callOci('ListSubscriptions', () => c.subscriptions.listSubscriptions({ compartmentId, topicId }), c.policy);
  const subscribed = subscriptions.items.some(
    (s) => s.protocol === 'ORACLE_FUNCTIONS' && s.endpoint === functionId && s.lifecycleState !== 'DELETED',
  );
  return { topicId, topic: { name, compartmentId, subscribed } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * IAM is eventually consistent: a policy naming a dynamic group created a moment ago can be refused
 * (400 InvalidParameter, 404) for a while, as Oracle's SDKs document ("Eventual Consistency").
 */
async function untilConsistent<T>(send: () => Promise<T>, attempts = 10, delayMs = 2000): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await send();
    } catch (error) {
      const transient = error instanceof OciCallError && (error.status === 400 || error.status === 404);
      if (!transient || attempt >= attempts) throw error;
      await sleep(delayMs);
    }
  }
}

/** Logging creates answer with a work request; the new log group is then found by its name. */
async function findLogGroup(c: SetupClients, desired: DesiredSetup): Promise<string> {
  for (let attempt = 1; attempt <= 30; attempt += 1) {
    const groups = await callOci(
      'ListLogGroups',
      () => c.logging.listLogGroups({ compartmentId: desired.logGroup.compartmentId, displayName: desired.logGroup.displayName }),
      c.policy,
    );
    const id = groups.items[0]?.id;
    if (id) return id;
    await sleep(1000);
  }
  throw new OnboardingError(ErrorCode.Internal, `Log group ${desired.logGroup.displayName} did not appear after its creation`);
}

/**
 * Writes the planned steps in order; a step with nothing to do writes nothing. Returns what it wrote,
 * one line per step.
 */
export async function applySetup(
  c: SetupClients,
  desired: DesiredSetup,
  observed: ObservedSetup,
  steps: readonly SetupStep[],
  options: { consistencyDelayMs?: number } = {},
): Promise<string[]> {
  const { identity, policy } = c;
  const done: string[] = [];
  // Required tag defaults refuse a create without its tags; updates leave tags as they are.
  const tagged = desired.definedTags ? { definedTags: structuredClone(desired.definedTags) as Record<string, Record<string, string>> } : {};
  let topicId = observed.topic?.id;
  let logGroupId = observed.logGroup?.id;
  const namespace = desired.buckets.length ? (await callOci('GetNamespace', () => c.objects.getNamespace({}), policy)).value : '';

  for (const s of steps) {
    if (s.action === 'none') continue;
    switch (s.resource) {
      case 'dynamic-group': {
        const details = { description: desired.dynamicGroup.description, matchingRule: desired.dynamicGroup.matchingRule };
        if (s.action === 'create') {
          await callOci(
            'CreateDynamicGroup',
            () =>
              identity.createDynamicGroup({
                createDynamicGroupDetails: { compartmentId: c.tenancyId, name: desired.dynamicGroup.name, ...details, ...tagged },
              }),
            policy,
          );
        } else {
          await callOci(
            'UpdateDynamicGroup',
            () => identity.updateDynamicGroup({ dynamicGroupId: s.id ?? '', updateDynamicGroupDetails: details }),
            policy,
          );
        }
        break;
      }
      case 'policy': {
        const { name, description, compartmentId, statements } = desired.policy;
        const send =
          s.action === 'create'
            ? () =>
                callOci(
                  'CreatePolicy',
                  () =>
                    identity.createPolicy({
                      createPolicyDetails: { compartmentId, name, description, statements: [...statements], ...tagged },
                    }),
                  policy,
                )
            : () =>
                callOci(
                  'UpdatePolicy',
                  () => identity.updatePolicy({ policyId: s.id ?? '', updatePolicyDetails: { description, statements: [...statements] } }),
                  policy,
                );
        await untilConsistent(send, 10, options.consistencyDelayMs ?? 2000);
        break;
      }
      case 'topic': {
        const created = await callOci(
          'CreateTopic',
          () =>
            c.ons.createTopic({
              createTopicDetails: {
                name: desired.topic.name,
                compartmentId: desired.topic.compartmentId,
                description: 'Results of the IAM onboarding function',
                ...tagged,
              },
            }),
          policy,
        );
        topicId = created.notificationTopic.topicId;
        break;
      }
      case 'subscription': {
        const wanted = desired.subscriptions.find((w) => `${w.protocol} ${w.endpoint}` === s.name);
        if (!wanted || !topicId) throw new OnboardingError(ErrorCode.Internal, `No topic for subscription ${s.name}`);
        const topic = topicId;
        await callOci(
          'CreateSubscription',
          () =>
            c.subscriptions.createSubscription({
              createSubscriptionDetails: {
                topicId: topic,
                compartmentId: desired.topic.compartmentId,
                protocol: wanted.protocol,
                endpoint: wanted.endpoint,
              },
            }),
          policy,
        );
        break;
      }
      case 'bucket': {
        const bucket = desired.buckets.find((b) => b.name === s.name);
        if (!bucket) break;
        if (s.action === 'create') {
          await callOci(
            'CreateBucket',
            () =>
              c.objects.createBucket({
                namespaceName: namespace,
                createBucketDetails: {
                  name: bucket.name,
                  compartmentId: bucket.compartmentId,
                  objectEventsEnabled: bucket.objectEventsEnabled,
                  publicAccessType: 'NoPublicAccess' as never,
                  ...tagged,
                },
              }),
            policy,
          );
        } else {
          await callOci(
            'UpdateBucket',
            () =>
              c.objects.updateBucket({
                namespaceName: namespace,
                bucketName: bucket.name,
                // No tags: a definedTags given to UpdateBucket replaces the bucket's set (assumed), an administrator's tags with it.
                updateBucketDetails: {
                  ...(bucket.objectEventsEnabled ? { objectEventsEnabled: true } : {}),
                  publicAccessType: 'NoPublicAccess' as never,
                },
              }),
            policy,
          );
        }
        break;
      }
      case 'log-group': {
        await callOci(
          'CreateLogGroup',
          () =>
            c.logging.createLogGroup({
              createLogGroupDetails: {
                compartmentId: desired.logGroup.compartmentId,
                displayName: desired.logGroup.displayName,
                description: 'IAM onboarding function',
                ...tagged,
              },
            }),
          policy,
        );
        logGroupId = await findLogGroup(c, desired);
        break;
      }
      case 'invoke-log': {
        const group = logGroupId ?? (await findLogGroup(c, desired));
        if (s.action === 'create') {
          await callOci(
            'CreateLog',
            () =>
              c.logging.createLog({
                logGroupId: group,
                createLogDetails: {
                  displayName: desired.invokeLog.displayName,
                  logType: 'SERVICE' as never,
                  isEnabled: true,
                  ...tagged,
                  configuration: {
                    compartmentId: desired.logGroup.compartmentId,
                    source: {
                      sourceType: 'OCISERVICE',
                      service: 'functions',
                      resource: desired.invokeLog.applicationId,
                      category: 'invoke',
                    },
                  },
                },
              }),
            policy,
          );
        } else {
          await callOci(
            'UpdateLog',
            () => c.logging.updateLog({ logGroupId: group, logId: s.id ?? '', updateLogDetails: { isEnabled: true } }),
            policy,
          );
        }
        break;
      }
      case 'events-rule': {
        const rule = desired.rule;
        if (!rule) break;
        if (s.action === 'create') {
          const details = {
            displayName: rule.displayName,
            description: 'Files of hires uploaded to the bucket go to the IAM onboarding function',
            compartmentId: rule.compartmentId,
            condition: rule.condition,
            isEnabled: true,
            actions: { actions: convergedRuleActions([], rule.functionId) },
            ...tagged,
          };
          await callOci('CreateRule', () => c.events.createRule({ createRuleDetails: details as never }), policy);
        } else {
          // The condition and the action for this function are ours; an administrator's other actions
          // and the description are kept (the update sends the whole action list back).
          const details = {
            condition: rule.condition,
            isEnabled: true,
            actions: { actions: convergedRuleActions(observed.rule?.actions ?? [], rule.functionId) },
          };
          await callOci('UpdateRule', () => c.events.updateRule({ ruleId: s.id ?? '', updateRuleDetails: details as never }), policy);
        }
        break;
      }
      case 'catalog-object': {
        const catalog = desired.catalog;
        if (!catalog) break;
        await callOci(
          'PutObject',
          () =>
            c.objects.putObject({
              namespaceName: namespace,
              bucketName: catalog.bucket,
              objectName: catalog.object,
              putObjectBody: Buffer.from(catalog.text, 'utf8'),
              contentLength: Buffer.byteLength(catalog.text, 'utf8'),
              contentType: 'application/json',
            }),
          policy,
        );
        break;
      }
      case 'function-config': {
        const config = mergedFunctionConfig(desired.functionConfig, observed.functionConfig, topicId);
        const detached = desired.detachedTimeoutSeconds;
        await callOci(
          'UpdateFunction',
          () =>
            c.functions.updateFunction({
              functionId: desired.functionId,
              updateFunctionDetails: { config, ...(detached !== undefined ? { detachedModeTimeoutInSeconds: detached } : {}) },
            }),
          policy,
        );
        break;
      }
      case 'trigger-subscription': {
        const topic = observed.onsTriggers.get(s.id ?? '');
        if (!topic || !s.id) throw new OnboardingError(ErrorCode.Internal, `No topic for ${s.name}`);
        const trigger = s.id;
        // Protocol ORACLE_FUNCTIONS, the endpoint the function's OCID ("Creating a Function Subscription"): active at once.
        await callOci(
          'CreateSubscription',
          () =>
            c.subscriptions.createSubscription({
              createSubscriptionDetails: {
                topicId: trigger,
                compartmentId: topic.compartmentId,
                protocol: 'ORACLE_FUNCTIONS',
                endpoint: desired.functionId,
              },
            }),
          policy,
        );
        break;
      }
    }
    done.push(`${s.action === 'create' ? 'created' : 'updated'} ${s.resource} ${s.name}`);
  }
  return done;
}
