import { parseMatchingRule, ruleMatches } from '@oci-iam-onboarding/local-oci/authz/matching-rule';
import { permissionsFor } from '@oci-iam-onboarding/local-oci/authz/operations';
import { type Caller, type CompartmentTree, decide, type PolicyStatement } from '@oci-iam-onboarding/local-oci/authz/policy-engine';
import { readStatement } from '@oci-iam-onboarding/local-oci/authz/policy-language';
import { describe, expect, it } from 'vitest';
import { disagreements, functionParser, localOciReader } from './policy-readers';

// The policy engine against Oracle's pages, row by row: each row is one fact a page states, with the
// page it comes from. The engine is driven as the local OCI drives it (operation → permissions from
// operations.ts → statements), without a server, so a row costs microseconds.

const DOCS = 'https://docs.oracle.com/iaas/Content/Identity';
const IAM = `${DOCS}/policyreference/iampolicyreference.htm`;
const OBJECTS = `${DOCS}/policyreference/objectstoragepolicyreference.htm`;
const ONS = `${DOCS}/policyreference/notificationpolicyreference.htm`;
const VAULT = `${DOCS}/Reference/keypolicyreference.htm`;
const EVENTS = `${DOCS}/Reference/cloudeventspolicyreference.htm`;
const LOGGING = `${DOCS}/policyreference/loggingpolicyreference.htm`;
const FUNCTIONS = `${DOCS}/policyreference/functionspolicyreference.htm`;
const QUEUE = 'https://docs.oracle.com/iaas/Content/queue/policy-reference.htm (permission names assumed: permissions.ts)';
const SCHEDULER =
  'https://docs.oracle.com/iaas/Content/resource-scheduler/references/resource-scheduler-policies.htm (verbs assumed: permissions.ts)';
const SCIM = 'assumed: a SCIM operation needs what the classic operation doing the same needs (operations.ts)';
const VERBS = `${DOCS}/policieshow/Verbs.htm`;
const DENY = `${DOCS}/policysyntax/denypolicies.htm`;
const SYNTAX = `${DOCS}/policysyntax/subject.htm`;
const LOCATION = `${DOCS}/policysyntax/location.htm`;
const ATTACHMENT = `${DOCS}/policieshow/Policy_Attachment.htm`;
const HOW = `${DOCS}/Concepts/policies.htm`;
const CONDITIONS = `${DOCS}/policysyntax/conditions.htm`;
const GENERAL = `${DOCS}/policyreference/policyreference_topic-General_Variables_for_All_Requests.htm`;
const RULES = `${DOCS}/Tasks/managingdynamicgroups.htm`;

// A tenancy T with compartments A (and A1 below it) and B beside A.
const T = 'ocid1.tenancy.oc1..t';
const A = 'ocid1.compartment.oc1..a';
const A1 = 'ocid1.compartment.oc1..a1';
const B = 'ocid1.compartment.oc1..b';
const parents: Record<string, string> = { [A]: T, [A1]: A, [B]: T };
const names: Record<string, string> = { [A]: 'A', [A1]: 'A1', [B]: 'B' };
const tree: CompartmentTree = {
  tenancyId: T,
  parentOf: (id) => parents[id],
  resolvePath(path, fromId) {
    let at: string | undefined = fromId;
    for (const part of path) at = Object.keys(parents).find((id) => parents[id] === at && names[id]?.toLowerCase() === part.toLowerCase());
    return at;
  },
};

const fn: Caller = {
  type: 'fnfunc',
  id: 'ocid1.fnfunc.oc1..f',
  compartmentId: A,
  dynamicGroups: [{ id: 'ocid1.dynamicgroup.oc1..fn', name: 'fn' }],
};
const person: Caller = {
  type: 'user',
  id: 'ocid1.user.oc1..ann',
  compartmentId: T,
  dynamicGroups: [],
  userName: 'ann',
  groups: [
    { id: 'ocid1.group.oc1..ops', name: 'Ops', domain: 'Default' },
    { id: 'ocid1.group.oc1..hr', name: 'HR', domain: 'Employees' },
  ],
};

interface Check {
  readonly statements: readonly string[];
  /** `service:Operation` */
  readonly operation: string;
  readonly compartmentId?: string;
  readonly variables?: Record<string, string>;
  readonly caller?: Caller;
  /** Where the policy is attached; the tenancy by default. */
  readonly attachedTo?: string;
  readonly regionKey?: string;
}

/** Every statement the table ran, for the comparison of the two policy readers at the end. */
const ran = new Set<string>();

function allowed(check: Check): boolean {
  for (const text of check.statements) ran.add(text);
  const [service = '', operation = ''] = check.operation.split(':');
  const needs = permissionsFor(service, operation);
  if (!needs) throw new Error(`no permissions for ${check.operation}`);
  const statements: PolicyStatement[] = check.statements.map((text) => ({
    policyId: 'p',
    policyName: 'p',
    policyCompartmentId: check.attachedTo ?? T,
    text,
    statement: readStatement(text),
    aliases: new Map(),
  }));
  return decide(
    check.caller ?? fn,
    statements,
    {
      operation,
      requires: needs.requires,
      compartmentId: check.compartmentId ?? T,
      variables: check.variables ?? {},
      ...(check.regionKey ? { regionKey: check.regionKey } : {}),
    },
    tree,
  ).allowed;
}

const LOWER = { read: 'inspect', use: 'read', manage: 'use' } as const;
const allow = (grant: string, where = 'tenancy') => `Allow dynamic-group fn to ${grant} in ${where}`;

/**
 * Every operation the local OCI serves, with the weakest verb(s) and resource type(s) its page says
 * cover it. Each row is checked twice: that grant allows the operation, and the grant one verb lower
 * (each statement in turn) does not.
 */
const OPERATIONS: readonly (readonly [string, readonly string[], string])[] = [
  ['identity:GetTenancy', ['inspect tenancies'], IAM],
  ['identity:ListRegionSubscriptions', ['inspect tenancies'], IAM],
  ['identity:GetCompartment', ['inspect compartments'], IAM],
  ['identity:ListCompartments', ['inspect compartments'], IAM],
  ['identity:ListUsers', ['inspect users'], IAM],
  ['identity:GetUser', ['inspect users'], IAM],
  ['identity:CreateUser', ['manage users'], IAM],
  ['identity:UpdateUser', ['use users'], IAM],
  ['identity:UpdateUserCapabilities', ['use users'], `${IAM} (not in its table; as UpdateUser)`],
  ['identity:DeleteUser', ['manage users'], IAM],
  ['identity:CreateOrResetUIPassword', ['manage users'], IAM],
  ['identity:GetUserUIPasswordInformation', ['read users'], `${IAM} (not in its table; as ListApiKeys)`],
  ['identity:ListApiKeys', ['read users'], IAM],
  ['identity:DeleteApiKey', ['manage users'], IAM],
  ['identity:UpdateUserState', ['manage users'], IAM],
  ['identity:ListAuthTokens', ['read users'], IAM],
  ['identity:DeleteAuthToken', ['manage users'], IAM],
  ['identity:ListCustomerSecretKeys', ['read users'], IAM],
  ['identity:DeleteCustomerSecretKey', ['manage users'], IAM],
  ['identity:ListSmtpCredentials', ['inspect credentials'], IAM],
  ['identity:DeleteSmtpCredential', ['manage credentials'], IAM],
  ['identity:ListOAuthClientCredentials', ['read users'], IAM],
  ['identity:DeleteOAuthClientCredential', ['manage users'], IAM],
  ['identity:ListGroups', ['inspect groups'], IAM],
  ['identity:GetGroup', ['inspect groups'], IAM],
  ['identity:CreateGroup', ['manage groups'], IAM],
  ['identity:UpdateGroup', ['use groups'], IAM],
  ['identity:DeleteGroup', ['manage groups'], IAM],
  ['identity:AddUserToGroup', ['use users', 'use groups'], IAM],
  ['identity:RemoveUserFromGroup', ['use users', 'use groups'], IAM],
  ['identity:ListUserGroupMemberships', ['inspect users', 'inspect groups'], IAM],
  ['identity:GetUserGroupMembership', ['inspect users', 'inspect groups'], IAM],
  ['identity:ListPolicies', ['inspect policies'], IAM],
  ['identity:GetPolicy', ['inspect policies'], IAM],
  ['identity:CreatePolicy', ['manage policies'], IAM],
  ['identity:UpdatePolicy', ['manage policies'], IAM],
  ['identity:DeletePolicy', ['manage policies'], IAM],
  ['identity:ListDynamicGroups', ['inspect dynamic-groups'], IAM],
  ['identity:GetDynamicGroup', ['inspect dynamic-groups'], IAM],
  ['identity:CreateDynamicGroup', ['manage dynamic-groups'], IAM],
  ['identity:UpdateDynamicGroup', ['use dynamic-groups'], IAM],
  ['identity:DeleteDynamicGroup', ['manage dynamic-groups'], IAM],
  ['identity:CreateTagNamespace', ['manage tag-namespaces'], IAM],
  ['identity:CreateTag', ['use tag-namespaces'], IAM],
  ['identity:CreateTagDefault', ['manage tag-defaults'], IAM],
  ['identity:ListTagDefaults', ['inspect tag-defaults'], IAM],
  ['identitydomains:ListUsers', ['inspect users'], SCIM],
  ['identitydomains:GetUser', ['inspect users'], SCIM],
  ['identitydomains:CreateUser', ['manage users'], SCIM],
  ['identitydomains:PatchUser', ['use users'], SCIM],
  ['identitydomains:PutUser', ['use users'], SCIM],
  ['identitydomains:DeleteUser', ['manage users'], SCIM],
  ['identitydomains:PutUserPasswordChanger', ['manage users'], SCIM],
  ['identitydomains:ListApiKeys', ['read users'], SCIM],
  ['identitydomains:DeleteApiKey', ['manage users'], SCIM],
  ['identitydomains:ListAuthTokens', ['read users'], SCIM],
  ['identitydomains:DeleteAuthToken', ['manage users'], SCIM],
  ['identitydomains:ListCustomerSecretKeys', ['read users'], SCIM],
  ['identitydomains:DeleteCustomerSecretKey', ['manage users'], SCIM],
  ['identitydomains:ListSmtpCredentials', ['inspect credentials'], SCIM],
  ['identitydomains:DeleteSmtpCredential', ['manage credentials'], SCIM],
  ['identitydomains:ListOAuth2ClientCredentials', ['read users'], SCIM],
  ['identitydomains:DeleteOAuth2ClientCredential', ['manage users'], SCIM],
  ['identitydomains:ListGroups', ['inspect groups'], SCIM],
  ['identitydomains:GetGroup', ['inspect groups'], SCIM],
  ['identitydomains:CreateGroup', ['manage groups'], SCIM],
  ['identitydomains:PatchGroup', ['use users', 'use groups'], SCIM],
  ['identitydomains:DeleteGroup', ['manage groups'], SCIM],
  ['objectstorage:GetBucket', ['read buckets'], OBJECTS],
  ['objectstorage:HeadBucket', ['inspect buckets'], OBJECTS],
  ['objectstorage:ListBuckets', ['inspect buckets'], OBJECTS],
  ['objectstorage:CreateBucket', ['manage buckets'], OBJECTS],
  ['objectstorage:UpdateBucket', ['use buckets'], OBJECTS],
  ['objectstorage:DeleteBucket', ['manage buckets'], OBJECTS],
  ['objectstorage:PutObject', ['manage objects'], OBJECTS],
  ['objectstorage:GetObject', ['read objects'], OBJECTS],
  ['objectstorage:HeadObject', ['inspect objects'], OBJECTS],
  ['objectstorage:DeleteObject', ['manage objects'], OBJECTS],
  ['objectstorage:ListObjects', ['inspect objects'], OBJECTS],
  ['objectstorage:RenameObject', ['manage objects'], OBJECTS],
  ['objectstorage:CreateMultipartUpload', ['manage objects'], OBJECTS],
  ['objectstorage:UploadPart', ['manage objects'], OBJECTS],
  ['objectstorage:CommitMultipartUpload', ['manage objects'], OBJECTS],
  ['objectstorage:ListMultipartUploadParts', ['inspect objects'], OBJECTS],
  ['objectstorage:ListMultipartUploads', ['read buckets'], OBJECTS],
  ['objectstorage:AbortMultipartUpload', ['manage objects'], OBJECTS],
  ['notifications:ListTopics', ['inspect ons-topics'], ONS],
  ['notifications:GetTopic', ['read ons-topics'], ONS],
  ['notifications:CreateTopic', ['manage ons-topics'], ONS],
  ['notifications:UpdateTopic', ['manage ons-topics'], ONS],
  ['notifications:DeleteTopic', ['manage ons-topics'], ONS],
  ['notifications:PublishMessage', ['use ons-topics'], ONS],
  ['notifications:ListSubscriptions', ['inspect ons-subscriptions'], ONS],
  ['notifications:CreateSubscription', ['use ons-topics'], ONS],
  ['notifications:GetSubscription', ['use ons-topics'], ONS],
  ['notifications:UpdateSubscription', ['use ons-topics'], ONS],
  ['notifications:DeleteSubscription', ['use ons-topics'], ONS],
  ['secrets:GetSecretBundle', ['read secret-bundles'], VAULT],
  ['secrets:GetSecretBundleByName', ['read secret-bundles'], VAULT],
  ['events:ListRules', ['inspect cloudevents-rules'], EVENTS],
  ['events:GetRule', ['read cloudevents-rules'], EVENTS],
  ['events:CreateRule', ['manage cloudevents-rules'], EVENTS],
  ['events:UpdateRule', ['manage cloudevents-rules'], EVENTS],
  ['events:DeleteRule', ['manage cloudevents-rules'], EVENTS],
  ['logging:ListLogGroups', ['inspect log-groups'], LOGGING],
  ['logging:GetLogGroup', ['read log-groups'], LOGGING],
  ['logging:CreateLogGroup', ['manage log-groups'], LOGGING],
  ['logging:UpdateLogGroup', ['use log-groups'], LOGGING],
  ['logging:DeleteLogGroup', ['manage log-groups'], LOGGING],
  ['logging:ListLogs', ['inspect log-groups'], LOGGING],
  ['logging:GetLog', ['read log-groups'], LOGGING],
  ['logging:CreateLog', ['manage log-groups'], LOGGING],
  ['logging:UpdateLog', ['use log-groups'], LOGGING],
  ['logging:DeleteLog', ['manage log-groups'], LOGGING],
  ['functions:ListApplications', ['inspect fn-app'], FUNCTIONS],
  ['functions:GetApplication', ['read fn-app'], FUNCTIONS],
  ['functions:CreateApplication', ['manage fn-app'], FUNCTIONS],
  ['functions:UpdateApplication', ['manage fn-app'], FUNCTIONS],
  ['functions:DeleteApplication', ['manage fn-app'], FUNCTIONS],
  ['functions:ListFunctions', ['inspect fn-function'], FUNCTIONS],
  ['functions:GetFunction', ['read fn-function'], FUNCTIONS],
  ['functions:CreateFunction', ['manage fn-function'], FUNCTIONS],
  ['functions:UpdateFunction', ['manage fn-function'], FUNCTIONS],
  ['functions:DeleteFunction', ['manage fn-function'], FUNCTIONS],
  ['functions:InvokeFunction', ['use fn-invocation'], FUNCTIONS],
  ['queue:ListQueues', ['inspect queues'], QUEUE],
  ['queue:GetQueue', ['read queues'], QUEUE],
  ['queue:CreateQueue', ['manage queues'], QUEUE],
  ['queue:DeleteQueue', ['manage queues'], QUEUE],
  ['queue:UpdateQueue', ['use queues'], QUEUE],
  ['queue:PutMessages', ['use queues'], QUEUE],
  ['queue:GetMessages', ['use queues'], QUEUE],
  ['queue:DeleteMessage', ['use queues'], QUEUE],
  ['queue:DeleteMessages', ['use queues'], QUEUE],
  ['queue:UpdateMessage', ['use queues'], QUEUE],
  ['queue:UpdateMessages', ['use queues'], QUEUE],
  ['queue:GetStats', ['read queues'], QUEUE],
  ['queue:ListChannels', ['read queues'], QUEUE],
  ['resourcescheduler:ListSchedules', ['inspect resource-schedule'], SCHEDULER],
  ['resourcescheduler:GetSchedule', ['read resource-schedule'], SCHEDULER],
  ['resourcescheduler:UpdateSchedule', ['use resource-schedule'], SCHEDULER],
  ['resourcescheduler:ActivateSchedule', ['use resource-schedule'], SCHEDULER],
  ['resourcescheduler:DeactivateSchedule', ['use resource-schedule'], SCHEDULER],
  ['resourcescheduler:CreateSchedule', ['manage resource-schedule'], SCHEDULER],
  ['resourcescheduler:DeleteSchedule', ['manage resource-schedule'], SCHEDULER],
];

/** One fact per row: statements, a call, whether it is allowed, and the page that says so. */
type Row = readonly [what: string, check: Check, expected: boolean, source: string];

const row = (what: string, statements: string[], operation: string, expected: boolean, source: string, more: Partial<Check> = {}): Row => [
  what,
  { statements, operation, ...more },
  expected,
  source,
];

const INCLUSION: readonly Row[] = [
  row('manage users includes inspect', [allow('manage users')], 'identity:ListUsers', true, VERBS),
  row('manage users includes read', [allow('manage users')], 'identity:ListApiKeys', true, VERBS),
  row('manage users includes use', [allow('manage users')], 'identity:UpdateUser', true, VERBS),
  row('use users includes read', [allow('use users')], 'identity:ListAuthTokens', true, VERBS),
  row('read users includes inspect', [allow('read users')], 'identity:GetUser', true, VERBS),
  row('inspect users excludes read', [allow('inspect users')], 'identity:ListApiKeys', false, VERBS),
  row('read users excludes use', [allow('read users')], 'identity:UpdateUser', false, VERBS),
  row('use users excludes create', [allow('use users')], 'identity:CreateUser', false, VERBS),
  row(
    'inspect policies includes reading statements',
    [allow('inspect policies')],
    'identity:GetPolicy',
    true,
    `${VERBS} (listing policies shows their statements)`,
  ),
  row('use policies does not update one (update is create)', [allow('use policies')], 'identity:UpdatePolicy', false, VERBS),
  row('use ons-topics includes publish and read', [allow('use ons-topics')], 'notifications:GetTopic', true, ONS),
  row('manage objects includes inspect', [allow('manage objects')], 'objectstorage:ListObjects', true, OBJECTS),
  row('read buckets does not list objects', [allow('read buckets')], 'objectstorage:ListObjects', false, OBJECTS),
  row('use cloudevents-rules adds nothing to read', [allow('use cloudevents-rules')], 'events:UpdateRule', false, EVENTS),
  row('manage secret-bundles reads a bundle', [allow('manage secret-bundles')], 'secrets:GetSecretBundle', true, VAULT),
  row(
    'a permission list grants exactly its permissions',
    [allow('{USER_INSPECT}')],
    'identity:ListUsers',
    true,
    `${DOCS}/policysyntax/permissions.htm`,
  ),
  row(
    'a permission list grants nothing else',
    [allow('{USER_INSPECT}')],
    'identity:ListApiKeys',
    false,
    `${DOCS}/policysyntax/permissions.htm`,
  ),
];

const both = (grant: string, denied: string) => [allow(grant), `Deny dynamic-group fn to ${denied} in tenancy`];
const DENIES: readonly Row[] = [
  row('deny manage users leaves ListUsers', both('manage users', 'manage users'), 'identity:ListUsers', true, DENY),
  row('deny manage users leaves ListApiKeys', both('manage users', 'manage users'), 'identity:ListApiKeys', true, DENY),
  row('deny manage users leaves UpdateUser', both('manage users', 'manage users'), 'identity:UpdateUser', true, DENY),
  row('deny manage users blocks CreateUser', both('manage users', 'manage users'), 'identity:CreateUser', false, DENY),
  row('deny use users leaves ListApiKeys', both('manage users', 'use users'), 'identity:ListApiKeys', true, DENY),
  row('deny use users blocks UpdateUser', both('manage users', 'use users'), 'identity:UpdateUser', false, DENY),
  row('deny use users blocks CreateUser', both('manage users', 'use users'), 'identity:CreateUser', false, DENY),
  row('deny read users leaves ListUsers', both('manage users', 'read users'), 'identity:ListUsers', true, DENY),
  row('deny read users blocks ListApiKeys', both('manage users', 'read users'), 'identity:ListApiKeys', false, DENY),
  row('deny inspect users blocks ListUsers', both('manage users', 'inspect users'), 'identity:ListUsers', false, DENY),
  row('deny inspect users blocks UpdateUser', both('manage users', 'inspect users'), 'identity:UpdateUser', false, DENY),
  row('deny inspect users blocks DeleteUser', both('manage users', 'inspect users'), 'identity:DeleteUser', false, DENY),
  row(
    'deny manage ons-topics leaves PublishMessage',
    both('manage ons-topics', 'manage ons-topics'),
    'notifications:PublishMessage',
    true,
    DENY,
  ),
  row(
    'deny manage ons-topics blocks CreateTopic',
    both('manage ons-topics', 'manage ons-topics'),
    'notifications:CreateTopic',
    false,
    DENY,
  ),
  row(
    'deny use ons-topics blocks PublishMessage',
    both('manage ons-topics', 'use ons-topics'),
    'notifications:PublishMessage',
    false,
    DENY,
  ),
  row('deny a permission blocks only it', both('manage users', '{USER_DELETE}'), 'identity:CreateUser', true, DENY),
  row('deny a permission blocks the operation needing it', both('manage users', '{USER_DELETE}'), 'identity:DeleteUser', false, DENY),
  row('deny manage objects leaves GetObject', both('manage objects', 'manage objects'), 'objectstorage:GetObject', true, DENY),
  row(
    'deny manage object-family blocks DeleteObject',
    both('manage objects', 'manage object-family'),
    'objectstorage:DeleteObject',
    false,
    DENY,
  ),
  row(
    'deny inspect all-resources blocks every read',
    both('read secret-bundles', 'inspect all-resources'),
    'secrets:GetSecretBundle',
    false,
    DENY,
  ),
  row(
    'deny in a sibling compartment does not reach',
    [allow('read objects'), `Deny dynamic-group fn to read objects in compartment B`],
    'objectstorage:GetObject',
    true,
    DENY,
    { compartmentId: A },
  ),
  row(
    'deny in a parent compartment reaches the child',
    [allow('read objects'), `Deny dynamic-group fn to read objects in compartment A`],
    'objectstorage:GetObject',
    false,
    DENY,
    { compartmentId: A1 },
  ),
  row(
    'a deny whose condition is false takes nothing',
    [allow('manage users'), "Deny dynamic-group fn to manage users in tenancy where request.permission = 'USER_DELETE'"],
    'identity:CreateUser',
    true,
    DENY,
  ),
  row(
    'a deny for another dynamic group takes nothing',
    [allow('manage users'), 'Deny dynamic-group other to inspect users in tenancy'],
    'identity:ListUsers',
    true,
    DENY,
  ),
];

const FAMILIES: readonly Row[] = [
  row('object-family covers objects', [allow('read object-family')], 'objectstorage:GetObject', true, OBJECTS),
  row('object-family covers buckets', [allow('manage object-family')], 'objectstorage:CreateBucket', true, OBJECTS),
  row('ons-family covers topics', [allow('use ons-family')], 'notifications:PublishMessage', true, ONS),
  row('ons-family covers subscriptions', [allow('inspect ons-family')], 'notifications:ListSubscriptions', true, ONS),
  row('secret-family covers secret bundles', [allow('read secret-family')], 'secrets:GetSecretBundle', true, VAULT),
  row('functions-family covers invocation', [allow('use functions-family')], 'functions:InvokeFunction', true, FUNCTIONS),
  row('functions-family covers functions', [allow('read functions-family')], 'functions:GetFunction', true, FUNCTIONS),
  row('logging-family covers log groups', [allow('manage logging-family')], 'logging:CreateLogGroup', true, LOGGING),
  row('all-resources covers users', [allow('inspect all-resources')], 'identity:ListUsers', true, `${DOCS}/Reference/policyreference.htm`),
  row(
    'all-resources covers objects',
    [allow('manage all-resources')],
    'objectstorage:DeleteObject',
    true,
    `${DOCS}/Reference/policyreference.htm`,
  ),
  row('ons-family does not cover objects', [allow('manage ons-family')], 'objectstorage:GetObject', false, ONS),
  row('object-family does not cover topics', [allow('manage object-family')], 'notifications:PublishMessage', false, OBJECTS),
];

const PLACES: readonly Row[] = [
  row('a tenancy statement reaches a nested compartment', [allow('read objects')], 'objectstorage:GetObject', true, HOW, {
    compartmentId: A1,
  }),
  row('a compartment statement reaches its child', [allow('read objects', 'compartment A')], 'objectstorage:GetObject', true, HOW, {
    compartmentId: A1,
  }),
  row('a compartment statement reaches itself', [allow('read objects', 'compartment A')], 'objectstorage:GetObject', true, HOW, {
    compartmentId: A,
  }),
  row('a compartment statement does not reach a sibling', [allow('read objects', 'compartment A')], 'objectstorage:GetObject', false, HOW, {
    compartmentId: B,
  }),
  row(
    'a compartment statement does not reach its parent',
    [allow('read objects', 'compartment A1')],
    'objectstorage:GetObject',
    false,
    HOW,
    { compartmentId: A },
  ),
  row('a path names a nested compartment', [allow('read objects', 'compartment A:A1')], 'objectstorage:GetObject', true, LOCATION, {
    compartmentId: A1,
  }),
  row(
    "a path is relative to the policy's compartment",
    [allow('read objects', 'compartment A1')],
    'objectstorage:GetObject',
    true,
    LOCATION,
    { compartmentId: A1, attachedTo: A },
  ),
  row(
    "a bare name is a child of the policy's compartment only",
    [allow('read objects', 'compartment A1')],
    'objectstorage:GetObject',
    false,
    LOCATION,
    { compartmentId: A1 },
  ),
  row('a compartment id names a compartment', [allow('read objects', `compartment id ${A}`)], 'objectstorage:GetObject', true, LOCATION, {
    compartmentId: A1,
  }),
  row(
    "a name resolves below the policy's compartment (no A inside A)",
    [allow('read objects', 'compartment A')],
    'objectstorage:GetObject',
    false,
    ATTACHMENT,
    { compartmentId: A, attachedTo: A },
  ),
  row(
    'a policy in A grants in its own subtree by id',
    [allow('read objects', `compartment id ${A}`)],
    'objectstorage:GetObject',
    true,
    ATTACHMENT,
    { compartmentId: A1, attachedTo: A },
  ),
  row(
    'a policy in A does not reach B by id',
    [allow('read objects', `compartment id ${B}`)],
    'objectstorage:GetObject',
    false,
    ATTACHMENT,
    { compartmentId: B, attachedTo: A },
  ),
  row('a policy in A naming the tenancy does not reach the tenancy', [allow('inspect users')], 'identity:ListUsers', false, ATTACHMENT, {
    attachedTo: A,
  }),
  row('users are granted in the tenancy', [allow('inspect users')], 'identity:ListUsers', true, HOW),
  row('a user grant in a compartment does not reach users', [allow('inspect users', 'compartment A')], 'identity:ListUsers', false, HOW),
  row(
    'a group grant in a compartment does not reach groups',
    [allow('manage groups', 'compartment A')],
    'identity:CreateGroup',
    false,
    HOW,
  ),
];

const cond = (grant: string, condition: string) => [`${allow(grant)} where ${condition}`];
const CONDITIONS_ROWS: readonly Row[] = [
  row(
    '= compares without regard to case',
    cond('manage groups', "target.group.name = 'TEAM-A'"),
    'identity:CreateGroup',
    true,
    CONDITIONS,
    { variables: { 'target.group.name': 'team-a' } },
  ),
  row('= is false for another value', cond('manage groups', "target.group.name = 'team-a'"), 'identity:CreateGroup', false, CONDITIONS, {
    variables: { 'target.group.name': 'team-b' },
  }),
  row(
    '!= is true for another value',
    cond('manage groups', "target.group.name != 'Administrators'"),
    'identity:CreateGroup',
    true,
    CONDITIONS,
    { variables: { 'target.group.name': 'team-b' } },
  ),
  row(
    '!= compares without regard to case',
    cond('manage groups', "target.group.name != 'Administrators'"),
    'identity:CreateGroup',
    false,
    CONDITIONS,
    { variables: { 'target.group.name': 'ADMINISTRATORS' } },
  ),
  row('a pattern matches a prefix', cond('manage groups', 'target.group.name = /team-*/'), 'identity:CreateGroup', true, CONDITIONS, {
    variables: { 'target.group.name': 'team-x' },
  }),
  row('a pattern matches a suffix', cond('manage groups', 'target.group.name = /*-ops/'), 'identity:CreateGroup', true, CONDITIONS, {
    variables: { 'target.group.name': 'cloud-ops' },
  }),
  row(
    'a pattern matches without regard to case',
    cond('manage groups', 'target.group.name = /TEAM-*/'),
    'identity:CreateGroup',
    true,
    CONDITIONS,
    { variables: { 'target.group.name': 'team-x' } },
  ),
  row(
    'a pattern does not match elsewhere',
    cond('manage groups', 'target.group.name = /team-*/'),
    'identity:CreateGroup',
    false,
    CONDITIONS,
    { variables: { 'target.group.name': 'my-team-x' } },
  ),
  row(
    '!= a pattern excludes its matches',
    cond('manage groups', 'target.group.name != /admin*/'),
    'identity:CreateGroup',
    false,
    CONDITIONS,
    { variables: { 'target.group.name': 'Administrators' } },
  ),
  row('a variable the call lacks declines it', cond('inspect groups', "target.group.name = 'x'"), 'identity:ListGroups', false, CONDITIONS),
  row(
    'a variable the call lacks declines even !=',
    cond('inspect groups', "target.group.name != 'x'"),
    'identity:ListGroups',
    false,
    CONDITIONS,
  ),
  row(
    'any {} holds when one item does',
    cond('manage groups', "any {target.group.name = 'a', target.group.name = 'b'}"),
    'identity:CreateGroup',
    true,
    CONDITIONS,
    { variables: { 'target.group.name': 'b' } },
  ),
  row(
    'any {} fails when none does',
    cond('manage groups', "any {target.group.name = 'a', target.group.name = 'b'}"),
    'identity:CreateGroup',
    false,
    CONDITIONS,
    { variables: { 'target.group.name': 'c' } },
  ),
  row(
    'all {} needs every item',
    cond('manage groups', "all {target.group.name = /t*/, request.permission = 'GROUP_DELETE'}"),
    'identity:CreateGroup',
    false,
    CONDITIONS,
    { variables: { 'target.group.name': 'team' } },
  ),
  row(
    'all {} holds when every item does',
    cond('manage groups', "all {target.group.name = /t*/, request.permission = 'GROUP_CREATE'}"),
    'identity:CreateGroup',
    true,
    CONDITIONS,
    { variables: { 'target.group.name': 'team' } },
  ),
  row(
    'any {} with an inapplicable item still holds by another',
    cond('inspect groups', "any {target.group.name = 'x', request.operation = 'ListGroups'}"),
    'identity:ListGroups',
    true,
    CONDITIONS,
  ),
  row(
    'all {} with an inapplicable item declines',
    cond('inspect groups', "all {target.group.name != 'x', request.operation = 'ListGroups'}"),
    'identity:ListGroups',
    false,
    CONDITIONS,
  ),
  row(
    'nested any {} in all {}',
    cond(
      'manage groups',
      "all {target.group.name != 'Administrators', any {request.permission = 'GROUP_CREATE', request.permission = 'GROUP_UPDATE'}}",
    ),
    'identity:CreateGroup',
    true,
    CONDITIONS,
    { variables: { 'target.group.name': 'team' } },
  ),
  row(
    'nested any {} in all {} keeps the guard',
    cond(
      'manage groups',
      "all {target.group.name != 'Administrators', any {request.permission = 'GROUP_CREATE', request.permission = 'GROUP_UPDATE'}}",
    ),
    'identity:CreateGroup',
    false,
    CONDITIONS,
    { variables: { 'target.group.name': 'Administrators' } },
  ),
  row('a bucket name condition', cond('read objects', "target.bucket.name = 'hr'"), 'objectstorage:GetObject', true, OBJECTS, {
    variables: { 'target.bucket.name': 'hr' },
  }),
  row(
    'a bucket name condition for another bucket',
    cond('read objects', "target.bucket.name = 'hr'"),
    'objectstorage:GetObject',
    false,
    OBJECTS,
    { variables: { 'target.bucket.name': 'finance' } },
  ),
  row('a compartment name condition', cond('read objects', "target.compartment.name = 'a'"), 'objectstorage:GetObject', true, GENERAL, {
    variables: { 'target.compartment.name': 'A' },
  }),
  row(
    'a value naming another variable',
    cond('read objects', 'target.compartment.id = request.principal.compartment.id'),
    'objectstorage:GetObject',
    true,
    CONDITIONS,
    { compartmentId: A, variables: { 'target.compartment.id': A } },
  ),
  row(
    'a value naming another variable, different',
    cond('read objects', 'target.compartment.id = request.principal.compartment.id'),
    'objectstorage:GetObject',
    false,
    CONDITIONS,
    { compartmentId: B, variables: { 'target.compartment.id': B } },
  ),
];

const GENERAL_ROWS: readonly Row[] = [
  row(
    'request.permission is the permission asked',
    cond('manage users', "request.permission = 'USER_INSPECT'"),
    'identity:ListUsers',
    true,
    GENERAL,
  ),
  row(
    'request.permission narrows a verb',
    cond('manage users', "request.permission = 'USER_INSPECT'"),
    'identity:DeleteUser',
    false,
    GENERAL,
  ),
  row('request.operation is the operation', cond('manage users', "request.operation = 'ListUsers'"), 'identity:ListUsers', true, GENERAL),
  row('request.operation for another', cond('manage users', "request.operation = 'ListUsers'"), 'identity:GetUser', false, GENERAL),
  row(
    'request.principal.type of a function',
    cond('inspect users', "request.principal.type = 'fnfunc'"),
    'identity:ListUsers',
    true,
    GENERAL,
  ),
  row(
    'request.principal.id of a function',
    cond('inspect users', `request.principal.id = '${fn.id}'`),
    'identity:ListUsers',
    true,
    GENERAL,
  ),
  row(
    'request.principal.compartment.id of a function',
    cond('inspect users', `request.principal.compartment.id = '${B}'`),
    'identity:ListUsers',
    false,
    GENERAL,
  ),
  row('request.region is the region key', cond('inspect users', "request.region = 'FRA'"), 'identity:ListUsers', true, GENERAL, {
    regionKey: 'FRA',
  }),
  row('request.region for another region', cond('inspect users', "request.region = 'IAD'"), 'identity:ListUsers', false, GENERAL, {
    regionKey: 'FRA',
  }),
  row(
    "request.dynamicgroup.name names the caller's dynamic group",
    cond('inspect users', "request.dynamicgroup.name = 'FN'"),
    'identity:ListUsers',
    true,
    GENERAL,
  ),
  row(
    'request.dynamicgroup.name for another',
    cond('inspect users', "request.dynamicgroup.name = 'other'"),
    'identity:ListUsers',
    false,
    GENERAL,
  ),
  row(
    'request.user.id does not apply to a function',
    cond('inspect users', "request.user.id != 'x'"),
    'identity:ListUsers',
    false,
    GENERAL,
  ),
  row(
    'request.user.name of a person',
    ["Allow group Ops to inspect users in tenancy where request.user.name = 'ann'"],
    'identity:ListUsers',
    true,
    GENERAL,
    { caller: person },
  ),
  row(
    'request.user.id of a person',
    [`Allow group Ops to inspect users in tenancy where request.user.id = '${person.id}'`],
    'identity:ListUsers',
    true,
    GENERAL,
    { caller: person },
  ),
  row(
    'request.groups.id holds when one group matches',
    ["Allow any-user to inspect users in tenancy where request.groups.id = 'ocid1.group.oc1..hr'"],
    'identity:ListUsers',
    true,
    GENERAL,
    { caller: person },
  ),
  row(
    'request.groups.id != holds only when no group matches',
    ["Allow any-user to inspect users in tenancy where request.groups.id != 'ocid1.group.oc1..hr'"],
    'identity:ListUsers',
    false,
    GENERAL,
    { caller: person },
  ),
  row(
    'request.dynamicgroup.name does not apply to a person',
    ["Allow any-user to inspect users in tenancy where request.dynamicgroup.name != 'x'"],
    'identity:ListUsers',
    false,
    GENERAL,
    { caller: person },
  ),
];

const SUBJECTS: readonly Row[] = [
  row(
    'group names a Default-domain group of the user',
    ['Allow group Ops to inspect users in tenancy'],
    'identity:ListUsers',
    true,
    SYNTAX,
    { caller: person },
  ),
  row(
    'group names are compared without regard to case',
    ['Allow group ops to inspect users in tenancy'],
    'identity:ListUsers',
    true,
    SYNTAX,
    { caller: person },
  ),
  row(
    'a bare group name is not a group of another domain',
    ['Allow group HR to inspect users in tenancy'],
    'identity:ListUsers',
    false,
    SYNTAX,
    { caller: person },
  ),
  row(
    "'Domain'/'Group' names a group of that domain",
    ["Allow group 'Employees'/'HR' to inspect users in tenancy"],
    'identity:ListUsers',
    true,
    SYNTAX,
    { caller: person },
  ),
  row(
    'group id names a group of the user',
    ['Allow group id ocid1.group.oc1..ops to inspect users in tenancy'],
    'identity:ListUsers',
    true,
    SYNTAX,
    { caller: person },
  ),
  row('a group the user is not in', ['Allow group Finance to inspect users in tenancy'], 'identity:ListUsers', false, SYNTAX, {
    caller: person,
  }),
  row('a group statement does not name a function', ['Allow group Ops to inspect users in tenancy'], 'identity:ListUsers', false, SYNTAX),
  row('a dynamic-group statement does not name a person', [allow('inspect users')], 'identity:ListUsers', false, SYNTAX, {
    caller: person,
  }),
  row('any-user names a person', ['Allow any-user to inspect users in tenancy'], 'identity:ListUsers', true, SYNTAX, { caller: person }),
  row('any-user names a function', ['Allow any-user to inspect users in tenancy'], 'identity:ListUsers', true, SYNTAX),
  row('any-group names a person', ['Allow any-group to inspect users in tenancy'], 'identity:ListUsers', true, SYNTAX, { caller: person }),
  row('any-group names a resource principal', ['Allow any-group to inspect users in tenancy'], 'identity:ListUsers', true, SYNTAX),
  row(
    'a deny for a group reaches its members',
    ['Allow any-user to inspect users in tenancy', 'Deny group Ops to inspect users in tenancy'],
    'identity:ListUsers',
    false,
    DENY,
    { caller: person },
  ),
];

/** Matching rules decide dynamic-group membership; the engine then grants through the group. */
const RULE_ROWS: readonly (readonly [string, string, { type: string; id: string; compartmentId: string }, boolean, string])[] = [
  ['resource.type and compartment', `ALL {resource.type = 'fnfunc', resource.compartment.id = '${A}'}`, fn, true, RULES],
  ['resource.type of another kind', `ALL {resource.type = 'instance', resource.compartment.id = '${A}'}`, fn, false, RULES],
  ['any of two compartments', `ANY {resource.compartment.id = '${B}', resource.compartment.id = '${A}'}`, fn, true, RULES],
  ['resource.id names one function', `resource.id = '${fn.id}'`, fn, true, RULES],
  ['resource.id names another', "resource.id = 'ocid1.fnfunc.oc1..other'", fn, false, RULES],
  ['instance rule does not match a function', `instance.compartment.id = '${A}'`, fn, false, RULES],
  [
    'instance rule matches an instance',
    `instance.compartment.id = '${A}'`,
    { type: 'instance', id: 'ocid1.instance.oc1..i', compartmentId: A },
    true,
    RULES,
  ],
  ['!= excludes a type', `ALL {resource.compartment.id = '${A}', resource.type != 'fnfunc'}`, fn, false, RULES],
];

describe('the policy engine, row by row from Oracle pages', () => {
  it('has well over a hundred rows, each with its source', () => {
    const rows = [...INCLUSION, ...DENIES, ...FAMILIES, ...PLACES, ...CONDITIONS_ROWS, ...GENERAL_ROWS, ...SUBJECTS];
    expect(OPERATIONS.length * 2 + rows.length + RULE_ROWS.length).toBeGreaterThan(300);
    expect([...OPERATIONS.map((r) => r[2]), ...rows.map((r) => r[3])].every((source) => source.length > 0)).toBe(true);
  });

  it.each(OPERATIONS)('%s is allowed by %j and not one verb lower (%s)', (operation, grants) => {
    // Act
    const full = allowed({ operation, statements: grants.map((g) => allow(g)) });
    const lowered = grants.flatMap((grant, index) => {
      const [verb = '', type = ''] = grant.split(' ');
      const lower = LOWER[verb as keyof typeof LOWER];
      if (!lower) return [];
      const statements = grants.map((g, i) => allow(i === index ? `${lower} ${type}` : g));
      return [allowed({ operation, statements }) ? `${lower} ${type} still allows` : 'denied'];
    });
    // Assess
    expect(full).toBe(true);
    expect(lowered.filter((outcome) => outcome !== 'denied')).toEqual([]);
  });

  it.each([
    ...INCLUSION,
    ...DENIES,
    ...FAMILIES,
    ...PLACES,
    ...CONDITIONS_ROWS,
    ...GENERAL_ROWS,
    ...SUBJECTS,
  ])('%s (%j → %s; %s)', (_what, check, expected) => {
    expect(allowed(check)).toBe(expected);
  });

  it.each(RULE_ROWS)('matching rule: %s (%s)', (_what, rule, subject, expected) => {
    // Prepare
    const member = ruleMatches(parseMatchingRule(rule), subject);
    const caller: Caller = { ...subject, dynamicGroups: member ? [{ id: 'ocid1.dynamicgroup.oc1..g', name: 'g' }] : [] };
    // Act
    const decision = allowed({
      statements: ['Allow dynamic-group g to inspect users in tenancy'],
      operation: 'identity:ListUsers',
      caller,
    });
    // Assess
    expect(decision).toBe(expected);
  });

  it("reads every statement above as the function's own policy parser does (run last: the rows collect them)", () => {
    // Act
    const differ = disagreements(ran, functionParser, localOciReader);
    // Assess
    expect(ran.size).toBeGreaterThan(100);
    expect(differ).toEqual([]);
  });
});
