import { parseConfig } from '../config';
import { checkStatement } from '../core/policy/lint';
import { normaliseStatement, sameStatements } from '../core/policy/normal-form';
import { parseRoleCatalogText } from '../core/role-catalog';
import { OnboardingError } from '../support/errors';
import { type ConfigValue, type DesiredSetup, schedulePolicyStatements } from './desired';

// The set-up's planner: desired state against what the tenancy holds, as the function's core plans a
// hire. Pure: it reads data and returns decisions; the adapter (tenancy.ts) observes and applies.

/** What the tenancy holds today, for the resources the set-up manages; absent means not found. */
export interface ObservedSetup {
  readonly dynamicGroup?: { readonly id: string; readonly matchingRule: string; readonly description: string };
  readonly policy?: { readonly id: string; readonly statements: readonly string[]; readonly description: string };
  readonly topic?: { readonly id: string };
  /** The topic's subscriptions (none when the topic does not exist yet). */
  readonly subscriptions: readonly { readonly protocol: string; readonly endpoint: string; readonly lifecycleState: string }[];
  readonly buckets: ReadonlyMap<
    string,
    { readonly objectEventsEnabled: boolean; readonly publicAccessType: string; readonly compartmentId: string }
  >;
  /** The catalog object as stored, when it exists. */
  readonly catalogText?: string;
  /** The trigger topics that exist, by OCID: their name, and whether this function is subscribed. */
  readonly onsTriggers: ReadonlyMap<string, { readonly name: string; readonly compartmentId: string; readonly subscribed: boolean }>;
  /** The function's detachedModeTimeoutInSeconds, when the service reports one. */
  readonly detachedTimeoutSeconds?: number;
  /** Whether each compartment the catalog file's roles name exists, by `compartmentKey`. */
  readonly catalogCompartments?: ReadonlyMap<string, boolean>;
  readonly logGroup?: { readonly id: string };
  readonly invokeLog?: { readonly id: string; readonly isEnabled: boolean };
  readonly rule?: {
    readonly id: string;
    readonly condition: string;
    readonly isEnabled: boolean;
    readonly actions: readonly RuleAction[];
  };
  readonly functionConfig: Readonly<Record<string, string>>;
  /** The upload engine's queue, found by its display name. */
  readonly queue?: ObservedQueue;
  /** The sweep schedule, found by its display name, and the policy that lets it invoke the function. */
  readonly schedule?: ObservedSchedule;
  readonly schedulePolicy?: { readonly id: string; readonly statements: readonly string[]; readonly description: string };
  /** The application's config, which the function inherits (function keys win). */
  readonly applicationConfig: Readonly<Record<string, string>>;
}

export interface ObservedQueue {
  readonly id: string;
  readonly messagesEndpoint: string;
  readonly visibilityInSeconds: number;
  readonly retentionInSeconds: number;
  readonly deadLetterQueueDeliveryCount: number;
  readonly channelConsumptionLimit: number;
}

export interface ObservedSchedule {
  readonly id: string;
  readonly recurrenceType: string;
  readonly recurrenceDetails: string;
  readonly action: string;
  readonly lifecycleState: string;
  /** Its resources' OCIDs with the BODY parameter each sends, as JSON text ('' for none). */
  readonly resources: readonly { readonly id: string; readonly body: string }[];
}

/** An action of an Events rule as read (oci-events models FaaSAction, NotificationServiceAction, StreamingServiceAction). */
export interface RuleAction {
  readonly actionType: string;
  readonly isEnabled?: boolean | undefined;
  readonly description?: string | undefined;
  readonly functionId?: string | undefined;
  readonly topicId?: string | undefined;
  readonly streamId?: string | undefined;
}

/**
 * The actions the rule must have: every action an administrator added (another function, a topic, a
 * stream) as it is, and exactly one enabled action for this function. UpdateRuleDetails.actions
 * is the rule's whole list, not a patch (oci-events model ActionDetailsList; the local OCI replaces the list
 * likewise), so the update sends them all.
 */
export function convergedRuleActions(actions: readonly RuleAction[], functionId: string): RuleAction[] {
  const ours = (a: RuleAction) => a.actionType === 'FAAS' && a.functionId === functionId;
  const keep = (a: RuleAction): RuleAction => ({
    actionType: a.actionType,
    ...(a.isEnabled !== undefined ? { isEnabled: a.isEnabled } : {}),
    ...(a.description !== undefined ? { description: a.description } : {}),
    ...(a.functionId !== undefined ? { functionId: a.functionId } : {}),
    ...(a.topicId !== undefined ? { topicId: a.topicId } : {}),
    ...(a.streamId !== undefined ? { streamId: a.streamId } : {}),
  });
  const first = actions.findIndex(ours);
  const own: RuleAction = { actionType: 'FAAS', isEnabled: true, functionId };
  const others = actions.filter((a) => !ours(a)).map(keep);
  if (first < 0) return [...others, own];
  // Ours stays where it was, enabled; a duplicate of it is dropped.
  return actions.filter((a, i) => !ours(a) || i === first).map((a) => (ours(a) ? own : keep(a)));
}

export type SetupResource =
  | 'dynamic-group'
  | 'policy'
  | 'topic'
  | 'subscription'
  | 'bucket'
  | 'catalog-object'
  | 'trigger-subscription'
  | 'log-group'
  | 'invoke-log'
  | 'events-rule'
  | 'function-config'
  | 'queue'
  | 'schedule'
  | 'schedule-policy';

/** One decision: create, update (with the changes, one line each) or leave alone. */
export interface SetupStep {
  readonly resource: SetupResource;
  readonly name: string;
  readonly action: 'create' | 'update' | 'none';
  readonly changes: readonly string[];
  /** The existing resource, for updates. */
  readonly id?: string | undefined;
  /** Something the administrator must do or know (a subscription awaiting confirmation). */
  readonly note?: string | undefined;
}

/** A compartment a catalog role names: its path (`dev`, `apps:dev`) from where the role's policy is attached. */
export interface CatalogCompartment {
  readonly base: string;
  readonly path: string;
}
export const compartmentKey = (c: CatalogCompartment) => `${c.base}/${c.path}`;

/**
 * The compartments the catalog's roles write policies about, each from where its policy is attached
 * (the tenancy unless the role says): a policy naming a compartment OCI does not know is refused when
 * the function creates it. None when the function would refuse the catalog (planProblems says why).
 */
export function catalogCompartments(text: string, tenancyId: string): CatalogCompartment[] {
  let catalog: ReturnType<typeof parseRoleCatalogText>;
  try {
    catalog = parseRoleCatalogText(text, 'catalogFile');
  } catch (error) {
    if (error instanceof OnboardingError) return [];
    throw error;
  }
  const all = Object.values(catalog.roles).flatMap((role) =>
    (role.compartments ?? []).map((path) => ({ base: role.policy.compartmentId ?? tenancyId, path })),
  );
  return all.filter((c, i) => all.findIndex((d) => compartmentKey(d) === compartmentKey(c)) === i);
}

/** The function's config is 4 KB of UTF-8 at most, keys and values together (Functions' Function.config). */
export const FUNCTION_CONFIG_LIMIT_BYTES = 4096;

const step = (
  resource: SetupResource,
  name: string,
  action: SetupStep['action'],
  changes: readonly string[] = [],
  extra: { id?: string | undefined; note?: string | undefined } = {},
): SetupStep => ({ resource, name, action, changes, ...extra });

/** Matching rules compare without regard to spacing and case (OCIDs and resource types are lower case). */
const normalRule = (rule: string) =>
  rule
    .replace(/\s+/g, ' ')
    .replace(/\s*([{},=])\s*/g, '$1')
    .trim()
    .toLowerCase();

/** Event conditions compare as JSON, whatever the key order or spacing OCI stores them with. */
function canonicalJson(text: string): string {
  const sort = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sort)
      : typeof value === 'object' && value !== null
        ? Object.fromEntries(
            Object.entries(value)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, v]) => [k, sort(v)]),
          )
        : value;
  try {
    return JSON.stringify(sort(JSON.parse(text)));
  } catch {
    return text;
  }
}

/** A config value as a plan line shows it: quoted, and cut short when long (a role catalog). */
const shown = (value: string) => {
  const quoted = JSON.stringify(value);
  return quoted.length > 60 ? `${quoted.slice(0, 57)}…" (${Buffer.byteLength(value, 'utf8')} bytes)` : quoted;
};

/** A config value as planned: the topic's OCID, or a placeholder when the topic is yet to be created. */
export const PLANNED_TOPIC_ID = 'ocid1.onstopic.oc1..to-be-created';
/** The queue's OCID and messages endpoint while the queue is yet to be created (apply puts the real ones in). */
export const PLANNED_QUEUE_ID = 'ocid1.queue.oc1..to-be-created';
export const PLANNED_QUEUE_ENDPOINT = 'https://queue-to-be-created.invalid';
/** The schedule's OCID while it is yet to be created. */
export const PLANNED_SCHEDULE_ID = 'ocid1.resourceschedule.oc1..to-be-created';

/** The OCIDs and endpoints of resources set-up creates, when they exist. */
export interface CreatedRefs {
  readonly topicId?: string | undefined;
  readonly queueId?: string | undefined;
  readonly queueEndpoint?: string | undefined;
}

/** The function's whole config after set-up: what is there, with the desired keys set. Other keys stay. */
export function mergedFunctionConfig(
  desired: Readonly<Record<string, ConfigValue>>,
  observed: Readonly<Record<string, string>>,
  refs: CreatedRefs,
): Record<string, string> {
  const merged: Record<string, string> = { ...observed };
  const resolve = (value: ConfigValue) => {
    if (typeof value === 'string') return value;
    if (value.ref === 'queue-id') return refs.queueId ?? PLANNED_QUEUE_ID;
    if (value.ref === 'queue-endpoint') return refs.queueEndpoint ?? PLANNED_QUEUE_ENDPOINT;
    return refs.topicId ?? PLANNED_TOPIC_ID;
  };
  for (const [key, value] of Object.entries(desired)) merged[key] = resolve(value);
  return merged;
}

/** The refs a plan or a write knows from what was observed. */
export const observedRefs = (observed: ObservedSetup): CreatedRefs => ({
  topicId: observed.topic?.id,
  queueId: observed.queue?.id,
  queueEndpoint: observed.queue?.messagesEndpoint,
});

export function configBytes(config: Readonly<Record<string, string>>): number {
  return Object.entries(config).reduce((sum, [k, v]) => sum + Buffer.byteLength(k, 'utf8') + Buffer.byteLength(v, 'utf8'), 0);
}

/**
 * Plans the set-up: one step per resource, in the order they must be written (the dynamic group
 * before the policy naming it, the topic before its subscriptions and the config holding its OCID,
 * the log group before its log).
 */
export function planSetup(desired: DesiredSetup, observed: ObservedSetup): SetupStep[] {
  const steps: SetupStep[] = [];

  // First: the function's policy names the queue by its OCID.
  if (desired.queue) steps.push(queueStep(desired.queue, observed.queue));

  const dg = observed.dynamicGroup;
  if (!dg) steps.push(step('dynamic-group', desired.dynamicGroup.name, 'create', [`matching rule: ${desired.dynamicGroup.matchingRule}`]));
  else {
    const changes = [
      ...(normalRule(dg.matchingRule) === normalRule(desired.dynamicGroup.matchingRule)
        ? []
        : [`matching rule: ${dg.matchingRule} → ${desired.dynamicGroup.matchingRule}`]),
      ...(dg.description === desired.dynamicGroup.description
        ? []
        : [`description: ${dg.description} → ${desired.dynamicGroup.description}`]),
    ];
    steps.push(step('dynamic-group', desired.dynamicGroup.name, changes.length ? 'update' : 'none', changes, { id: dg.id }));
  }

  // A queue yet to be created is named for people, not by its placeholder OCID.
  const plannedQueue = (statement: string) => statement.replaceAll(PLANNED_QUEUE_ID, `(the OCID of queue ${desired.queue?.displayName})`);
  const policy = observed.policy;
  if (!policy) {
    steps.push(
      step(
        'policy',
        desired.policy.name,
        'create',
        desired.policy.statements.map((s) => `+ ${plannedQueue(s)}`),
      ),
    );
  } else if (sameStatements(policy.statements, desired.policy.statements) && policy.description === desired.policy.description) {
    steps.push(step('policy', desired.policy.name, 'none', [], { id: policy.id }));
  } else {
    // Compared in the normal form: OCI rewrites case and spacing when it stores a statement.
    const normal = (s: string) => {
      try {
        return normaliseStatement(s);
      } catch {
        return s;
      }
    };
    const have = new Set(policy.statements.map(normal));
    const want = new Set(desired.policy.statements.map(normal));
    const changes = sameStatements(policy.statements, desired.policy.statements)
      ? [`description: ${policy.description} → ${desired.policy.description}`]
      : [
          ...policy.statements.filter((s) => !want.has(normal(s))).map((s) => `- ${s}`),
          ...desired.policy.statements.filter((s) => !have.has(normal(s))).map((s) => `+ ${plannedQueue(s)}`),
        ];
    steps.push(step('policy', desired.policy.name, 'update', changes, { id: policy.id }));
  }

  steps.push(step('topic', desired.topic.name, observed.topic ? 'none' : 'create', [], { id: observed.topic?.id }));
  for (const wanted of desired.subscriptions) {
    const found = observed.subscriptions.find(
      (s) => s.protocol === wanted.protocol && s.endpoint.toLowerCase() === wanted.endpoint.toLowerCase(),
    );
    const pending = 'OCI e-mails a confirmation link; nothing is delivered until the recipient opens it';
    steps.push(
      step('subscription', `${wanted.protocol} ${wanted.endpoint}`, found ? 'none' : 'create', [], {
        note: !found ? pending : found.lifecycleState === 'PENDING' ? `still pending: ${pending}` : undefined,
      }),
    );
  }

  for (const bucket of desired.buckets) {
    const found = observed.buckets.get(bucket.name);
    if (!found) {
      steps.push(
        step('bucket', bucket.name, 'create', [`objectEventsEnabled: ${bucket.objectEventsEnabled}`, 'publicAccessType: NoPublicAccess']),
      );
      continue;
    }
    const changes = [
      // Only the upload bucket needs events; another bucket's setting is left as the administrator chose.
      ...(bucket.objectEventsEnabled && !found.objectEventsEnabled ? ['objectEventsEnabled: false → true'] : []),
      // HR files and reports never go public.
      ...(found.publicAccessType === 'NoPublicAccess' ? [] : [`publicAccessType: ${found.publicAccessType} → NoPublicAccess`]),
    ];
    steps.push(step('bucket', bucket.name, changes.length ? 'update' : 'none', changes));
  }

  if (desired.catalog) {
    const { bucket, object, text } = desired.catalog;
    const action = observed.catalogText === undefined ? 'create' : observed.catalogText === text ? 'none' : 'update';
    const bytes = `${Buffer.byteLength(text, 'utf8')} bytes from catalogFile`;
    steps.push(step('catalog-object', `${bucket}/${object}`, action, action === 'none' ? [] : [bytes]));
  }

  steps.push(step('log-group', desired.logGroup.displayName, observed.logGroup ? 'none' : 'create', [], { id: observed.logGroup?.id }));
  const log = observed.invokeLog;
  steps.push(
    !log
      ? step('invoke-log', desired.invokeLog.displayName, 'create', ['service functions, category invoke, for the application'])
      : step(
          'invoke-log',
          desired.invokeLog.displayName,
          log.isEnabled ? 'none' : 'update',
          log.isEnabled ? [] : ['isEnabled: false → true'],
          {
            id: log.id,
          },
        ),
  );

  if (desired.rule) {
    const rule = observed.rule;
    if (!rule)
      steps.push(step('events-rule', desired.rule.displayName, 'create', [`condition: ${desired.rule.condition}`, 'action: the function']));
    else {
      const ours = rule.actions.filter((a) => a.actionType === 'FAAS' && a.functionId === desired.rule?.functionId);
      const others = rule.actions.length - ours.length;
      const kept = others > 0 ? ` (the ${others} other action${others === 1 ? '' : 's'} kept)` : '';
      const changes = [
        ...(canonicalJson(rule.condition) === canonicalJson(desired.rule.condition)
          ? []
          : [`condition: ${rule.condition} → ${desired.rule.condition}`]),
        ...(rule.isEnabled ? [] : ['isEnabled: false → true']),
        ...(ours.length === 0
          ? [`action: the function${kept}`]
          : ours.some((a) => a.isEnabled === false)
            ? [`action: the function, isEnabled: false → true${kept}`]
            : ours.length > 1
              ? [`action: the function once, not ${ours.length} times${kept}`]
              : []),
      ];
      steps.push(step('events-rule', desired.rule.displayName, changes.length ? 'update' : 'none', changes, { id: rule.id }));
    }
  }

  const merged = mergedFunctionConfig(desired.functionConfig, observed.functionConfig, observedRefs(observed));
  const planned: Record<string, string> = {
    [PLANNED_TOPIC_ID]: `(the OCID of topic ${desired.topic.name})`,
    [PLANNED_QUEUE_ID]: `(the OCID of queue ${desired.queue?.displayName})`,
    [PLANNED_QUEUE_ENDPOINT]: `(the messages endpoint of queue ${desired.queue?.displayName})`,
  };
  const configChanges = Object.keys(desired.functionConfig)
    .filter((key) => observed.functionConfig[key] !== merged[key])
    .map((key) => {
      const before = observed.functionConfig[key];
      const after = planned[merged[key] ?? ''] ?? shown(merged[key] ?? '');
      return `${key}: ${before === undefined ? '(unset)' : shown(before)} → ${after}`;
    });
  const detached = desired.detachedTimeoutSeconds;
  if (detached !== undefined && observed.detachedTimeoutSeconds !== detached)
    configChanges.push(`detachedModeTimeoutInSeconds: ${observed.detachedTimeoutSeconds ?? '(unset: the timeout)'} → ${detached}`);
  steps.push(step('function-config', 'function config', configChanges.length ? 'update' : 'none', configChanges));

  // After the config: the first sweep finds the function configured; then the policy naming the schedule.
  if (desired.schedule) steps.push(...scheduleSteps(desired.schedule, observed));

  // Last: the function has its config before the first message reaches it.
  for (const topicId of desired.onsTriggers) {
    const topic = observed.onsTriggers.get(topicId);
    if (!topic) continue; // a problem (planProblems)
    steps.push(
      step('trigger-subscription', `ORACLE_FUNCTIONS on ${topic.name}`, topic.subscribed ? 'none' : 'create', [], {
        id: topicId,
      }),
    );
  }
  return steps;
}

/**
 * Problems that stop the set-up before any write: a policy statement with a lint error, a config over
 * 4 KB, or a config the function itself would refuse (checked with the function's own parser, on the
 * application's config with the function's on top, as Fn gives it).
 */
export function planProblems(desired: DesiredSetup, observed: ObservedSetup): string[] {
  const problems: string[] = [];
  desired.policy.statements.forEach((statement, index) => {
    const allowed = desired.policy.allow[index] ?? [];
    for (const f of checkStatement(statement)) {
      if (f.severity === 'error' && !allowed.includes(f.rule))
        problems.push(`policy statement ${index + 1}, column ${f.column}: ${f.rule}: ${f.message}`);
    }
  });
  const merged = mergedFunctionConfig(desired.functionConfig, observed.functionConfig, observedRefs(observed));
  const bytes = configBytes(merged);
  if (bytes > FUNCTION_CONFIG_LIMIT_BYTES) {
    problems.push(
      `the function's config would be ${bytes} bytes; OCI Functions allows ${FUNCTION_CONFIG_LIMIT_BYTES} (keep the role catalog in Object Storage)`,
    );
  }
  const details = (error: unknown) => {
    if (!(error instanceof OnboardingError)) throw error;
    return error.problems.length ? error.problems.map((p) => `${p.path}: ${p.message}`) : [error.message];
  };
  let prefix: string | undefined;
  try {
    prefix = parseConfig({ ...observed.applicationConfig, ...merged }).POLICY_NAME_PREFIX;
  } catch (error) {
    problems.push(...details(error).map((d) => `function config: ${d}`));
  }
  // The catalog as the function will read it: its own parser, with the prefix its config will have.
  if (desired.catalog) {
    try {
      parseRoleCatalogText(desired.catalog.text, 'catalogFile', { policyNamePrefix: prefix });
    } catch (error) {
      problems.push(...details(error).map((d) => `catalog: ${d}`));
    }
  }
  for (const [key, exists] of observed.catalogCompartments ?? []) {
    if (!exists)
      problems.push(
        `catalog: no compartment ${key.slice(key.indexOf('/') + 1)} under ${key.slice(0, key.indexOf('/'))}, where its role policy would name it`,
      );
  }
  for (const topicId of desired.onsTriggers) {
    const topic = observed.onsTriggers.get(topicId);
    if (!topic) problems.push(`onsTriggers: no topic ${topicId}`);
    // Its results published to a topic it is subscribed to would invoke it again, without end.
    else if (topicId === observed.topic?.id || topic.name === desired.topic.name)
      problems.push(
        `onsTriggers: ${topic.name} is the function's results topic; subscribing the function to it would invoke it with its own results`,
      );
  }
  return problems;
}

/** The queue: created with its settings, or its updatable settings put back (retention cannot change). */
function queueStep(wanted: NonNullable<DesiredSetup['queue']>, found: ObservedQueue | undefined): SetupStep {
  const settings = ['visibilityInSeconds', 'deadLetterQueueDeliveryCount', 'channelConsumptionLimit'] as const;
  if (!found) {
    return step('queue', wanted.displayName, 'create', [
      ...settings.map((key) => `${key}: ${wanted[key]}`),
      `retentionInSeconds: ${wanted.retentionInSeconds}`,
    ]);
  }
  const changes = settings.filter((key) => found[key] !== wanted[key]).map((key) => `${key}: ${found[key]} → ${wanted[key]}`);
  const note =
    found.retentionInSeconds === wanted.retentionInSeconds
      ? undefined
      : `retentionInSeconds is ${found.retentionInSeconds}, not ${wanted.retentionInSeconds}: a queue's retention is fixed when it is created`;
  return step('queue', wanted.displayName, changes.length ? 'update' : 'none', changes, { id: found.id, note });
}

/** The sweep schedule (the function, with the sweep body, every few minutes), then the policy that lets it invoke the function. */
function scheduleSteps(wanted: NonNullable<DesiredSetup['schedule']>, observed: ObservedSetup): SetupStep[] {
  const found = observed.schedule;
  const body = JSON.stringify(wanted.body);
  const recurrence = `ICAL ${wanted.recurrenceDetails}`;
  const target = `START_RESOURCE ${wanted.functionId} with body ${body}`;
  const scheduleStep = !found
    ? step('schedule', wanted.displayName, 'create', [`recurrence: ${recurrence}`, `action: ${target}`])
    : (() => {
        const had = `${found.recurrenceType} ${found.recurrenceDetails}`;
        const resources = found.resources.map((r) => `${r.id} with body ${r.body}`).join(', ');
        const changes = [
          ...(had === recurrence ? [] : [`recurrence: ${had} → ${recurrence}`]),
          ...(found.action === 'START_RESOURCE' && resources === `${wanted.functionId} with body ${body}`
            ? []
            : [`action: ${found.action} ${resources} → ${target}`]),
          ...(found.lifecycleState === 'ACTIVE' ? [] : [`lifecycleState: ${found.lifecycleState} → ACTIVE`]),
        ];
        return step('schedule', wanted.displayName, changes.length ? 'update' : 'none', changes, { id: found.id });
      })();
  const statements = schedulePolicyStatements(found?.id ?? PLANNED_SCHEDULE_ID, wanted.functionCompartmentId);
  const shownStatement = (s: string) => s.replace(PLANNED_SCHEDULE_ID, `(the OCID of schedule ${wanted.displayName})`);
  const policy = observed.schedulePolicy;
  const policyStep = !policy
    ? step(
        'schedule-policy',
        wanted.policy.name,
        'create',
        statements.map((s) => `+ ${shownStatement(s)}`),
      )
    : sameStatements(policy.statements, statements) && policy.description === wanted.policy.description
      ? step('schedule-policy', wanted.policy.name, 'none', [], { id: policy.id })
      : step(
          'schedule-policy',
          wanted.policy.name,
          'update',
          [...policy.statements.map((s) => `- ${s}`), ...statements.map((s) => `+ ${shownStatement(s)}`)],
          { id: policy.id },
        );
  return [scheduleStep, policyStep];
}

/** One line per step for people: `+ create`, `~ update`, `= unchanged`, with the changes beneath. */
export function renderPlan(steps: readonly SetupStep[]): string {
  const mark = { create: '+ create   ', update: '~ update   ', none: '= unchanged' } as const;
  const lines = steps.flatMap((s) => [
    `${mark[s.action]} ${s.resource} ${s.name}`,
    ...(s.action === 'none' ? [] : s.changes.map((c) => `      ${c}`)),
    ...(s.note ? [`      note: ${s.note}`] : []),
  ]);
  const count = (action: SetupStep['action']) => steps.filter((s) => s.action === action).length;
  return `${lines.join('\n')}\n${count('create')} to create, ${count('update')} to update, ${count('none')} unchanged`;
}
