// The IAM policy a person needs to run `npm run setup -- setup.json --apply`: exactly the calls set-up
// makes (src/setup/tenancy.ts), each statement narrowed to the names the set-up file gives. Pure: the
// set-up file in, statements out. Permission names from Oracle's Policy Reference ("Details for IAM
// without Identity Domains", "Details for Functions", "Details for Notifications", "Details for
// Object Storage", "Details for Logging", "Details for the Events Service").
import { renderName } from '../core/policy/parser';
import type { SetupInput } from '../setup/desired';

/** One statement of the deployer's policy, with why set-up needs it. */
export interface DeployerStatement {
  readonly statement: string;
  readonly reason: string;
}

const quote = (value: string) => `'${value.replaceAll("'", '')}'`;
const anyOf = (variable: string, values: readonly string[]) =>
  values.length === 1
    ? `${variable} = ${quote(values[0] as string)}`
    : `any {${values.map((v) => `${variable} = ${quote(v)}`).join(', ')}}`;
const permissions = (...names: string[]) => anyOf('request.permission', names);

/**
 * The statements for the group whose members run set-up with this set-up file.
 * @example deployerPolicy(parseSetupInput(json), { name: 'iam-onboarding-deployers' })
 */
export function deployerPolicy(input: SetupInput, group: { readonly name: string; readonly domain?: string }): DeployerStatement[] {
  const subject = `group ${group.domain ? `${renderName(group.domain)}/${renderName(group.name)}` : renderName(group.name)}`;
  const where = input.compartmentId.startsWith('ocid1.tenancy.') ? 'tenancy' : `compartment id ${input.compartmentId}`;
  const allow = (grant: string, location: string, condition?: string) =>
    `Allow ${subject} to ${grant} in ${location}${condition ? ` where ${condition}` : ''}`;
  const uploads = input.uploads;
  const buckets = uploads ? [...new Set([uploads.bucket, ...(uploads.stateBucket ? [uploads.stateBucket] : [])])] : [];
  const namespaces = Object.keys(input.definedTags ?? {}).sort();
  const statements: (DeployerStatement | undefined)[] = [
    {
      statement: allow('inspect tenancies', 'tenancy'),
      reason: 'ListRegionSubscriptions: IAM writes go to the home region, which set-up looks up',
    },
    { statement: allow('read fn-app', where), reason: 'ListApplications, GetApplication: finds the application and its config' },
    {
      statement: allow('manage fn-function', where, permissions('FN_FUNCTION_LIST', 'FN_FUNCTION_READ', 'FN_FUNCTION_UPDATE')),
      reason: 'ListFunctions, GetFunction, UpdateFunction: finds the deployed function and sets its config; never creates or deletes one',
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
        `all {target.policy.name = ${quote(input.policy.name)}, ${permissions('POLICY_CREATE', 'POLICY_UPDATE')}}`,
      ),
      reason: "CreatePolicy, UpdatePolicy: the function's policy, by its name only (whoever writes a policy can grant anything in it)",
    },
    {
      statement: allow(
        'manage ons-topics',
        where,
        permissions('ONS_TOPIC_INSPECT', 'ONS_TOPIC_CREATE', ...(input.topic.emails.length ? ['ONS_TOPIC_SUBSCRIBE'] : [])),
      ),
      reason: `ListTopics, CreateTopic${input.topic.emails.length ? ', CreateSubscription' : ''}: the results topic${input.topic.emails.length ? ' and its e-mail subscriptions' : ''}`,
    },
    input.topic.emails.length
      ? {
          statement: allow('inspect ons-subscriptions', where),
          reason: 'ListSubscriptions: which e-mail subscriptions the topic already has',
        }
      : undefined,
    buckets.length
      ? {
          statement: allow(
            'manage buckets',
            where,
            `all {${anyOf('target.bucket.name', buckets)}, ${permissions('BUCKET_READ', 'BUCKET_CREATE', 'BUCKET_UPDATE')}}`,
          ),
          reason: 'GetBucket, CreateBucket, UpdateBucket: the upload and state buckets, by name; never deletes one',
        }
      : undefined,
    {
      statement: allow('manage log-groups', where, permissions('LOG_GROUP_INSPECT', 'LOG_GROUP_CREATE', 'LOG_GROUP_UPDATE')),
      reason: "ListLogGroups, CreateLogGroup, ListLogs, CreateLog, UpdateLog: the log group and the application's invoke log",
    },
    uploads
      ? {
          statement: allow(
            'manage cloudevents-rules',
            where,
            permissions('EVENTRULE_LIST', 'EVENTRULE_READ', 'EVENTRULE_CREATE', 'EVENTRULE_MODIFY'),
          ),
          reason: 'ListRules, GetRule, CreateRule, UpdateRule: the rule that invokes the function for each uploaded file',
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
