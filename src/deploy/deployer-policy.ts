// The IAM policy a person needs to run `npm run setup -- setup.json --apply`: exactly the calls set-up
// makes (src/setup/tenancy.ts reads, src/setup/apply.ts writes), each statement narrowed to the names
// the set-up file gives and placed in the compartment the call is authorized in. Pure: the set-up file
// (with its catalog file, and where resources that exist already are) in, statements out.
//
// Permission names and the verbs that carry them, from Oracle's Policy Reference:
// - "Details for IAM without Identity Domains" (iampolicyreference.htm): TENANCY_INSPECT
//   (ListRegionSubscriptions), COMPARTMENT_INSPECT (ListCompartments, which offers no
//   target.compartment.* variable), DYNAMIC_GROUP_*, POLICY_*, `use tag-namespaces`.
// - "Details for Functions" (functionspolicyreference.htm): FN_APP_LIST/READ (`read fn-app`),
//   FN_FUNCTION_LIST/READ/UPDATE (UpdateFunction carries config and detachedModeTimeoutInSeconds alike).
// - "Details for Notifications" (notificationpolicyreference.htm): ListTopics ONS_TOPIC_INSPECT,
//   GetTopic ONS_TOPIC_READ, CreateTopic ONS_TOPIC_CREATE, CreateSubscription ONS_TOPIC_SUBSCRIBE
//   (`use ons-topics`), ListSubscriptions ONS_SUBSCRIPTION_INSPECT (`inspect ons-subscriptions`);
//   only the general variables, so a topic is pinned by its compartment alone.
// - "Details for Object Storage and Archive Storage" (objectstoragepolicyreference.htm): GetBucket
//   BUCKET_READ, CreateBucket BUCKET_CREATE, UpdateBucket BUCKET_UPDATE, GetObject OBJECT_READ,
//   PutObject OBJECT_CREATE (a new object) or OBJECT_OVERWRITE (one that exists); target.bucket.name
//   and target.object.name narrow them.
// - "Details for Logging" (loggingpolicyreference.htm): logs are governed by their log group.
// - "Details for the Events Service" (cloudeventspolicyreference.htm): ListRules EVENTRULE_LIST,
//   GetRule EVENTRULE_READ, CreateRule EVENTRULE_CREATE, UpdateRule EVENTRULE_MODIFY.
// - "Queue Policies" (queue/policy-reference.htm): resource type `queues`, target.queue.id; the
//   permission names QUEUE_INSPECT (ListQueues), QUEUE_READ (GetQueue), QUEUE_CREATE, QUEUE_UPDATE are
//   assumed in the pattern of the other services (the page's table was not reachable here). A queue is
//   created before its OCID is known, so it is pinned by its compartment.
// - "Resource Scheduler Policies" (resource-scheduler/references/resource-scheduler-policies.htm):
//   resource-schedule with RESOURCE_SCHEDULE_INSPECT (ListSchedules), _CREATE, _UPDATE (UpdateSchedule,
//   ActivateSchedule: assumed); only the general variables, so a schedule is pinned by its compartment.
import { renderName } from '../core/policy/parser';
import { catalogUpload, type SetupInput } from '../setup/desired';
import { catalogCompartments } from '../setup/plan';

/** One statement of the deployer's policy, with why set-up needs it. */
export interface DeployerStatement {
  readonly statement: string;
  readonly reason: string;
}

/** What the set-up file alone does not say. */
export interface DeployerPolicyOptions {
  /** The catalog file's text (the set-up file's `catalogFile`): set-up uploads it and checks its compartments. */
  readonly catalogText?: string | undefined;
  /**
   * Resources that exist already, outside where set-up would put them: a bucket by name, a trigger
   * topic by OCID, each with its compartment's OCID. A bucket named here is never created.
   */
  readonly places?: ReadonlyMap<string, string> | undefined;
}

const quote = (value: string) => `'${value.replaceAll("'", '')}'`;
const anyOf = (variable: string, values: readonly string[]) =>
  values.length === 1
    ? `${variable} = ${quote(values[0] as string)}`
    : `any {${values.map((v) => `${variable} = ${quote(v)}`).join(', ')}}`;
const permissions = (...names: string[]) => anyOf('request.permission', names);
/** A condition that also narrows by name, when there are names. */
const narrowed = (names: string | undefined, permission: string) => (names ? `all {${names}, ${permission}}` : permission);
const TENANCY_SENTINEL = 'tenancy';
const unique = <T>(values: readonly T[]) => [...new Set(values)];

/**
 * The statements for the group whose members run set-up with this set-up file.
 * @example deployerPolicy(parseSetupInput(json), { name: 'iam-onboarding-deployers' }, { catalogText })
 */
export function deployerPolicy(
  input: SetupInput,
  group: { readonly name: string; readonly domain?: string },
  options: DeployerPolicyOptions = {},
): DeployerStatement[] {
  const subject = `group ${group.domain ? `${renderName(group.domain)}/${renderName(group.name)}` : renderName(group.name)}`;
  const location = (compartmentId: string) =>
    compartmentId === TENANCY_SENTINEL || compartmentId.startsWith('ocid1.tenancy.') ? 'tenancy' : `compartment id ${compartmentId}`;
  const where = location(input.compartmentId);
  const allow = (grant: string, at: string, condition?: string) =>
    `Allow ${subject} to ${grant} in ${at}${condition ? ` where ${condition}` : ''}`;
  const places = options.places ?? new Map<string, string>();
  const uploads = input.uploads;
  const catalog = catalogUpload(input, options.catalogText);
  const namespaces = Object.keys(input.definedTags ?? {}).sort();
  const emails = input.topic.emails.length > 0;

  // Buckets as set-up places them (desiredSetup): where one that exists is, else the set-up's
  // compartment, the catalog's in `compartments.catalog`. One that exists is only read and updated.
  const buckets = unique([
    ...(uploads ? [uploads.bucket, ...(uploads.stateBucket ? [uploads.stateBucket] : [])] : []),
    ...(catalog ? [catalog.bucket] : []),
  ]).map((name) => {
    const isUploadOrState = name === uploads?.bucket || name === uploads?.stateBucket;
    const home = isUploadOrState ? input.compartmentId : (input.compartments.catalog ?? input.compartmentId);
    return { name, at: location(places.get(name) ?? home), exists: places.has(name) };
  });
  const bucketGroups = unique(buckets.map((b) => `${b.at}\n${b.exists}`)).map((key) => {
    const members = buckets.filter((b) => `${b.at}\n${b.exists}` === key);
    return { at: members[0]?.at ?? where, exists: members[0]?.exists === true, names: members.map((b) => b.name) };
  });

  // Topics: the results topic in the set-up's compartment; each trigger topic where it is.
  const triggers = unique(input.onsTriggers);
  const topicPlaces = unique([where, ...triggers.map((id) => location(places.get(id) ?? input.compartmentId))]);
  const topicStatements = topicPlaces.flatMap((at): DeployerStatement[] => {
    const results = at === where;
    const here = triggers.filter((id) => location(places.get(id) ?? input.compartmentId) === at);
    const needed = [
      ...(results ? ['ONS_TOPIC_INSPECT', 'ONS_TOPIC_CREATE'] : []),
      ...(here.length ? ['ONS_TOPIC_READ'] : []),
      ...((results && emails) || here.length ? ['ONS_TOPIC_SUBSCRIBE'] : []),
    ];
    const calls = [
      ...(results ? ['ListTopics, CreateTopic: the results topic'] : []),
      ...(results && emails ? ['CreateSubscription: its e-mail subscriptions'] : []),
      ...(here.length ? ['GetTopic, CreateSubscription (protocol ORACLE_FUNCTIONS): the trigger topics here'] : []),
    ];
    return [
      { statement: allow('manage ons-topics', at, permissions(...needed)), reason: calls.join('; ') },
      {
        statement: allow('inspect ons-subscriptions', at),
        reason: `ListSubscriptions: which subscriptions ${[...(results ? ['the results topic'] : []), ...(here.length ? ['the trigger topics here'] : [])].join(' and ')} already ${results && !here.length ? 'has' : 'have'}`,
      },
    ];
  });

  // The compartments the catalog's roles name, listed under where each role's policy is attached.
  const compartmentBases = catalog ? unique(catalogCompartments(catalog.text, TENANCY_SENTINEL).map((c) => location(c.base))) : [];
  const catalogAt = catalog ? (buckets.find((b) => b.name === catalog.bucket)?.at ?? where) : where;
  const ruleAt = uploads ? location(places.get(uploads.bucket) ?? input.compartmentId) : where;

  const statements: (DeployerStatement | undefined)[] = [
    {
      statement: allow('inspect tenancies', 'tenancy'),
      reason: 'ListRegionSubscriptions: IAM writes go to the home region, which set-up looks up',
    },
    { statement: allow('read fn-app', where), reason: 'ListApplications, GetApplication: finds the application and its config' },
    {
      statement: allow('manage fn-function', where, permissions('FN_FUNCTION_LIST', 'FN_FUNCTION_READ', 'FN_FUNCTION_UPDATE')),
      reason: `ListFunctions, GetFunction, UpdateFunction: finds the deployed function and sets its config${input.detachedTimeoutSeconds !== undefined ? ' and detached timeout' : ''}; never creates or deletes one`,
    },
    { statement: allow('inspect dynamic-groups', 'tenancy'), reason: "ListDynamicGroups: whether the function's dynamic group is there" },
    {
      // "Details for IAM": target.dynamic-group.name is not available to CreateDynamicGroup, so a create cannot be pinned.
      statement: allow('manage dynamic-groups', 'tenancy', permissions('DYNAMIC_GROUP_CREATE')),
      reason: "CreateDynamicGroup: the function's dynamic group (a dynamic group grants nothing without a policy naming it)",
    },
    {
      statement: allow(
        'manage dynamic-groups',
        'tenancy',
        `all {target.dynamic-group.name = ${quote(input.dynamicGroup.name)}, ${permissions('DYNAMIC_GROUP_UPDATE')}}`,
      ),
      reason: "UpdateDynamicGroup: the function's dynamic group's matching rule, by its name only",
    },
    { statement: allow('inspect policies', 'tenancy'), reason: "ListPolicies: whether the function's policy is there, and what it says" },
    {
      statement: allow(
        'manage policies',
        'tenancy',
        `all {${anyOf('target.policy.name', [input.policy.name, ...(uploads ? [input.schedule.policyName] : [])])}, ${permissions('POLICY_CREATE', 'POLICY_UPDATE')}}`,
      ),
      reason: `CreatePolicy, UpdatePolicy: the function's policy${uploads ? " and the sweep schedule's" : ''}, by name only (whoever writes a policy can grant anything in it)`,
    },
    ...topicStatements,
    ...bucketGroups.map((g) => ({
      statement: allow(
        'manage buckets',
        g.at,
        narrowed(
          anyOf('target.bucket.name', g.names),
          g.exists ? permissions('BUCKET_READ', 'BUCKET_UPDATE') : permissions('BUCKET_READ', 'BUCKET_CREATE', 'BUCKET_UPDATE'),
        ),
      ),
      reason: g.exists
        ? `GetBucket, UpdateBucket: ${g.names.join(', ')}, which exist${g.names.length === 1 ? 's' : ''} here, by name; never creates or deletes one`
        : `GetBucket, CreateBucket, UpdateBucket: ${g.names.join(', ')}, by name; never deletes one`,
    })),
    catalog
      ? {
          statement: allow(
            'manage objects',
            catalogAt,
            narrowed(
              `${anyOf('target.bucket.name', [catalog.bucket])}, ${anyOf('target.object.name', [catalog.object])}`,
              permissions('OBJECT_READ', 'OBJECT_CREATE', 'OBJECT_OVERWRITE'),
            ),
          ),
          reason: `GetObject, PutObject: the role catalog ${catalog.bucket}/${catalog.object}, uploaded from catalogFile (OBJECT_OVERWRITE when it changed)`,
        }
      : undefined,
    ...compartmentBases.map((at) => ({
      statement: allow('inspect compartments', at),
      reason: "ListCompartments: that the compartments the catalog's roles name exist (no target variable narrows it)",
    })),
    {
      statement: allow('manage log-groups', where, permissions('LOG_GROUP_INSPECT', 'LOG_GROUP_CREATE', 'LOG_GROUP_UPDATE')),
      reason: "ListLogGroups, CreateLogGroup, ListLogs, CreateLog, UpdateLog: the log group and the application's invoke log",
    },
    uploads
      ? {
          statement: allow(
            'manage cloudevents-rules',
            ruleAt,
            permissions('EVENTRULE_LIST', 'EVENTRULE_READ', 'EVENTRULE_CREATE', 'EVENTRULE_MODIFY'),
          ),
          reason:
            "ListRules, GetRule, CreateRule, UpdateRule: the rule that invokes the function for each uploaded file, in the upload bucket's compartment (a rule matches events of its own compartment and below)",
        }
      : undefined,
    uploads
      ? {
          statement: allow('manage queues', where, permissions('QUEUE_INSPECT', 'QUEUE_READ', 'QUEUE_CREATE', 'QUEUE_UPDATE')),
          reason: `ListQueues, GetQueue, CreateQueue, UpdateQueue: the upload engine's queue ${input.queue.name} and its settings; never deletes one`,
        }
      : undefined,
    uploads
      ? {
          statement: allow(
            'manage resource-schedule',
            where,
            permissions('RESOURCE_SCHEDULE_INSPECT', 'RESOURCE_SCHEDULE_CREATE', 'RESOURCE_SCHEDULE_UPDATE'),
          ),
          reason: `ListSchedules, CreateSchedule, UpdateSchedule, ActivateSchedule: the sweep schedule ${input.schedule.name}; never deletes one`,
        }
      : undefined,
    namespaces.length
      ? {
          statement: allow('use tag-namespaces', 'tenancy', anyOf('target.tag-namespace.name', namespaces)),
          reason: 'the defined tags set-up puts on what it creates',
        }
      : undefined,
  ];
  return statements.filter((s): s is DeployerStatement => s !== undefined);
}
