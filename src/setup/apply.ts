import { callOci } from '../oci/call';
import { ErrorCode, OciCallError, OnboardingError } from '../support/errors';
import { type DesiredSetup, schedulePolicyStatements } from './desired';
import { convergedRuleActions, mergedFunctionConfig, type ObservedSetup, PLANNED_QUEUE_ID, type SetupStep } from './plan';
import { observeQueue, type SetupClients } from './tenancy';

// The set-up's writer: the planned steps, in order, through the SDK clients of tenancy.ts.

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

/** CreateQueue answers a work request and no body: the new queue is then found by its name. */
async function findQueue(c: SetupClients, wanted: NonNullable<DesiredSetup['queue']>) {
  for (let attempt = 1; attempt <= 30; attempt += 1) {
    const queue = await observeQueue(c, wanted);
    if (queue) return queue;
    await sleep(1000);
  }
  throw new OnboardingError(ErrorCode.Internal, `Queue ${wanted.displayName} did not appear after its creation`);
}

/** The sweep schedule's details, as CreateScheduleDetails and UpdateScheduleDetails take them. */
function scheduleDetails(wanted: NonNullable<DesiredSetup['schedule']>) {
  return {
    displayName: wanted.displayName,
    description: 'Invokes the IAM onboarding function to start a worker where upload work is waiting',
    action: 'START_RESOURCE' as never,
    recurrenceType: 'ICAL' as never,
    recurrenceDetails: wanted.recurrenceDetails,
    resources: [{ id: wanted.functionId, parameters: [{ parameterType: 'BODY', value: wanted.body } as never] }],
  };
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
  let queue = observed.queue;
  let scheduleId = observed.schedule?.id;
  const namespace = desired.buckets.length ? (await callOci('GetNamespace', () => c.objects.getNamespace({}), policy)).value : '';

  for (const s of steps) {
    if (s.action === 'none') continue;
    switch (s.resource) {
      case 'queue': {
        const wanted = desired.queue;
        if (!wanted) break;
        if (s.action === 'create') {
          await callOci(
            'CreateQueue',
            () =>
              c.queues.createQueue({
                createQueueDetails: {
                  displayName: wanted.displayName,
                  compartmentId: wanted.compartmentId,
                  visibilityInSeconds: wanted.visibilityInSeconds,
                  retentionInSeconds: wanted.retentionInSeconds,
                  deadLetterQueueDeliveryCount: wanted.deadLetterQueueDeliveryCount,
                  channelConsumptionLimit: wanted.channelConsumptionLimit,
                  ...tagged,
                },
              }),
            policy,
          );
          queue = await findQueue(c, wanted);
        } else {
          await callOci(
            'UpdateQueue',
            () =>
              c.queues.updateQueue({
                queueId: s.id ?? '',
                updateQueueDetails: {
                  visibilityInSeconds: wanted.visibilityInSeconds,
                  deadLetterQueueDeliveryCount: wanted.deadLetterQueueDeliveryCount,
                  channelConsumptionLimit: wanted.channelConsumptionLimit,
                },
              }),
            policy,
          );
        }
        break;
      }
      case 'schedule': {
        const wanted = desired.schedule;
        if (!wanted) break;
        if (s.action === 'create') {
          const created = await callOci(
            'CreateSchedule',
            () =>
              c.schedules.createSchedule({
                createScheduleDetails: { compartmentId: wanted.compartmentId, ...scheduleDetails(wanted), ...tagged },
              }),
            policy,
          );
          scheduleId = created.schedule.id;
        } else {
          await callOci(
            'UpdateSchedule',
            () => c.schedules.updateSchedule({ scheduleId: s.id ?? '', updateScheduleDetails: scheduleDetails(wanted) }),
            policy,
          );
          if (observed.schedule?.lifecycleState !== 'ACTIVE') {
            await callOci('ActivateSchedule', () => c.schedules.activateSchedule({ scheduleId: s.id ?? '' }), policy);
          }
        }
        break;
      }
      case 'schedule-policy': {
        const wanted = desired.schedule;
        if (!wanted || !scheduleId) throw new OnboardingError(ErrorCode.Internal, `No schedule for policy ${s.name}`);
        const { name, description, compartmentId } = wanted.policy;
        const statements = schedulePolicyStatements(scheduleId, wanted.functionCompartmentId);
        const send =
          s.action === 'create'
            ? () =>
                callOci(
                  'CreatePolicy',
                  () => identity.createPolicy({ createPolicyDetails: { compartmentId, name, description, statements, ...tagged } }),
                  policy,
                )
            : () =>
                callOci(
                  'UpdatePolicy',
                  () => identity.updatePolicy({ policyId: s.id ?? '', updatePolicyDetails: { description, statements } }),
                  policy,
                );
        await untilConsistent(send, 10, options.consistencyDelayMs ?? 2000);
        break;
      }
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
        const { name, description, compartmentId } = desired.policy;
        // The queue was created first (the plan's order): its OCID takes the placeholder's place.
        const statements = desired.policy.statements.map((st) => (queue ? st.replaceAll(PLANNED_QUEUE_ID, queue.id) : st));
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
        const config = mergedFunctionConfig(desired.functionConfig, observed.functionConfig, {
          topicId,
          queueId: queue?.id,
          queueEndpoint: queue?.messagesEndpoint,
        });
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
