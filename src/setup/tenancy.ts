import type * as common from 'oci-common';
import { EventsClient } from 'oci-events';
import { FunctionsManagementClient } from 'oci-functions';
import { IdentityClient } from 'oci-identity';
import { LoggingManagementClient } from 'oci-logging';
import { ObjectStorageClient } from 'oci-objectstorage';
import { NotificationControlPlaneClient, NotificationDataPlaneClient } from 'oci-ons';
import { QueueAdminClient } from 'oci-queue';
import { ScheduleClient } from 'oci-resourcescheduler';
import { type CallPolicy, callOci } from '../oci/call';
import { clientConfiguration, placeClient } from '../oci/clients';
import { ErrorCode, OciCallError, OnboardingError } from '../support/errors';
import type { DeployedFunction, DesiredSetup, SetupInput } from './desired';
import {
  type CatalogCompartment,
  catalogCompartments,
  compartmentKey,
  type ObservedQueue,
  type ObservedSchedule,
  type ObservedSetup,
} from './plan';

// The set-up's adapter: reads what the tenancy holds, through the per-service SDK clients, signed
// with the administrator's config-file profile (apply.ts writes the planned steps with them).

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
  readonly queues: QueueAdminClient;
  readonly schedules: ScheduleClient;
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
    queues: place(new QueueAdminClient(auth, clientConfiguration)),
    schedules: place(new ScheduleClient(auth, clientConfiguration)),
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
      `No application "${input.application}" in compartment ${input.compartmentId}: create it and deploy the function first (docs/deploying.md)`,
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
  const [queue, schedule, schedulePolicy] = await Promise.all([
    desired.queue ? observeQueue(c, desired.queue) : undefined,
    desired.schedule ? observeSchedule(c, desired.schedule) : undefined,
    desired.schedule
      ? callOci(
          'ListPolicies',
          () =>
            identity.listPolicies({
              compartmentId: desired.schedule?.policy.compartmentId ?? c.tenancyId,
              name: desired.schedule?.policy.name,
            }),
          policy,
        ).then((found) => found.items.find((p) => p.lifecycleState !== 'DELETED'))
      : undefined,
  ]);
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
    ...(queue ? { queue } : {}),
    ...(schedule ? { schedule } : {}),
    ...(schedulePolicy
      ? { schedulePolicy: { id: schedulePolicy.id, statements: schedulePolicy.statements, description: schedulePolicy.description } }
      : {}),
  };
}

/** The queue by its display name (ListQueues), with its settings and messages endpoint (GetQueue). */
export async function observeQueue(c: SetupClients, wanted: NonNullable<DesiredSetup['queue']>): Promise<ObservedQueue | undefined> {
  const listed = await callOci(
    'ListQueues',
    () => c.queues.listQueues({ compartmentId: wanted.compartmentId, displayName: wanted.displayName }),
    c.policy,
  );
  const summary = listed.queueCollection.items.find((q) => q.lifecycleState !== 'DELETED' && q.lifecycleState !== 'DELETING');
  if (!summary) return undefined;
  const { queue } = await callOci('GetQueue', () => c.queues.getQueue({ queueId: summary.id }), c.policy);
  return {
    id: queue.id,
    messagesEndpoint: queue.messagesEndpoint,
    visibilityInSeconds: queue.visibilityInSeconds,
    retentionInSeconds: queue.retentionInSeconds,
    deadLetterQueueDeliveryCount: queue.deadLetterQueueDeliveryCount ?? 0,
    channelConsumptionLimit: queue.channelConsumptionLimit ?? 100,
  };
}

/** The sweep schedule by its display name; ListSchedules gives each summary with its resources. */
async function observeSchedule(c: SetupClients, wanted: NonNullable<DesiredSetup['schedule']>): Promise<ObservedSchedule | undefined> {
  const listed = await callOci(
    'ListSchedules',
    () => c.schedules.listSchedules({ compartmentId: wanted.compartmentId, displayName: wanted.displayName }),
    c.policy,
  );
  const found = listed.scheduleCollection.items.find((s) => s.lifecycleState !== 'DELETED' && s.lifecycleState !== 'DELETING');
  if (!found) return undefined;
  return {
    id: found.id,
    recurrenceType: String(found.recurrenceType),
    recurrenceDetails: found.recurrenceDetails,
    action: String(found.action),
    lifecycleState: String(found.lifecycleState),
    resources: (found.resources ?? []).map((r) => {
      const body = (r.parameters ?? []).find((p) => p.parameterType === 'BODY') as { value?: unknown } | undefined;
      return { id: r.id, body: body?.value === undefined ? '' : JSON.stringify(body.value) };
    }),
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
