// What each verb grants on each resource type, as Oracle's Policy Reference lists it ("Details for
// Verb + Resource-Type Combinations"). Each verb's list is what it adds to the verb below it
// (inspect → read → use → manage). Read from the pages named in `source`; not checked against a
// live tenancy.

/** A policy verb, weakest first. */
export const POLICY_VERBS = ['inspect', 'read', 'use', 'manage'] as const;
export type PolicyVerb = (typeof POLICY_VERBS)[number];

interface ResourceType {
  readonly source: string;
  readonly inspect: readonly string[];
  readonly read: readonly string[];
  readonly use: readonly string[];
  readonly manage: readonly string[];
}

const IAM = 'https://docs.oracle.com/iaas/Content/Identity/policyreference/iampolicyreference.htm';
const OBJECT_STORAGE = 'https://docs.oracle.com/iaas/Content/Identity/policyreference/objectstoragepolicyreference.htm';
const NOTIFICATIONS = 'https://docs.oracle.com/iaas/Content/Identity/policyreference/notificationpolicyreference.htm';
const VAULT = 'https://docs.oracle.com/iaas/Content/Identity/Reference/keypolicyreference.htm';
const FUNCTIONS = 'https://docs.oracle.com/iaas/Content/Identity/policyreference/functionspolicyreference.htm';
const EVENTS = 'https://docs.oracle.com/iaas/Content/Identity/Reference/cloudeventspolicyreference.htm';
const LOGGING = 'https://docs.oracle.com/iaas/Content/Identity/policyreference/loggingpolicyreference.htm';
const QUEUE = 'https://docs.oracle.com/iaas/Content/queue/policy-reference.htm';
const RESOURCE_SCHEDULER = 'https://docs.oracle.com/iaas/Content/resource-scheduler/references/resource-scheduler-policies.htm';

/** Resource types by name. */
export const RESOURCE_TYPE_GRANTS: Readonly<Record<string, ResourceType>> = {
  tenancies: { source: IAM, inspect: ['TENANCY_INSPECT'], read: [], use: ['TENANCY_UPDATE'], manage: [] },
  compartments: {
    source: IAM,
    inspect: ['COMPARTMENT_INSPECT'],
    read: [],
    use: ['COMPARTMENT_UPDATE'],
    manage: ['COMPARTMENT_CREATE', 'COMPARTMENT_DELETE', 'COMPARTMENT_RECOVER'],
  },
  users: {
    source: IAM,
    inspect: ['USER_INSPECT'],
    read: ['USER_READ'],
    use: ['USER_UPDATE'],
    manage: [
      'USER_CREATE',
      'USER_DELETE',
      'USER_UNBLOCK',
      'USER_APIKEY_ADD',
      'USER_APIKEY_REMOVE',
      'USER_UIPASS_SET',
      'USER_UIPASS_RESET',
      'USER_SWIFTPASS_SET',
      'USER_SWIFTPASS_RESET',
      'USER_SWIFTPASS_REMOVE',
      'USER_AUTHTOKEN_SET',
      'USER_AUTHTOKEN_RESET',
      'USER_AUTHTOKEN_REMOVE',
      'USER_OAUTH2_CLIENT_CRED_CREATE',
      'USER_OAUTH2_CLIENT_CRED_UPDATE',
      'USER_OAUTH2_CLIENT_CRED_REMOVE',
      'USER_SECRETKEY_ADD',
      'USER_SECRETKEY_UPDATE',
      'USER_SECRETKEY_REMOVE',
      'USER_SUPPORT_ACCOUNT_LINK',
      'USER_SUPPORT_ACCOUNT_UNLINK',
      'USER_TOTPDEVICE_ADD',
      'USER_TOTPDEVICE_REMOVE',
      'USER_TOTPDEVICE_UPDATE',
    ],
  },
  groups: { source: IAM, inspect: ['GROUP_INSPECT'], read: [], use: ['GROUP_UPDATE'], manage: ['GROUP_CREATE', 'GROUP_DELETE'] },
  'dynamic-groups': {
    source: IAM,
    inspect: ['DYNAMIC_GROUP_INSPECT'],
    read: [],
    use: ['DYNAMIC_GROUP_UPDATE'],
    manage: ['DYNAMIC_GROUP_CREATE', 'DYNAMIC_GROUP_DELETE'],
  },
  // "inspect policies" already grants POLICY_READ: listing policies shows their statements.
  policies: { source: IAM, inspect: ['POLICY_READ'], read: [], use: [], manage: ['POLICY_UPDATE', 'POLICY_CREATE', 'POLICY_DELETE'] },
  credentials: {
    source: IAM,
    inspect: ['CREDENTIAL_INSPECT'],
    read: [],
    use: [],
    manage: ['CREDENTIAL_ADD', 'CREDENTIAL_UPDATE', 'CREDENTIAL_REMOVE'],
  },
  domains: {
    source: IAM,
    inspect: ['DOMAIN_INSPECT'],
    read: ['DOMAIN_READ', 'DOMAIN_LICENSETYPE_READ'],
    use: ['DOMAIN_UPDATE', 'IAM_WORKREQUEST_READ'],
    manage: ['DOMAIN_CREATE', 'DOMAIN_DELETE', 'DOMAIN_MOVE', 'DOMAIN_REPLICATE', 'DOMAIN_ACTIVATE', 'DOMAIN_DEACTIVATE'],
  },
  'tag-namespaces': {
    source: IAM,
    inspect: ['TAG_NAMESPACE_INSPECT'],
    read: [],
    use: ['TAG_NAMESPACE_USE'],
    manage: ['TAG_NAMESPACE_UPDATE', 'TAG_NAMESPACE_CREATE', 'TAG_NAMESPACE_MOVE', 'TAG_NAMESPACE_DELETE'],
  },
  'tag-defaults': {
    source: IAM,
    inspect: ['TAG_DEFAULT_INSPECT', 'TAG_NAMESPACE_READ'],
    read: [],
    use: [],
    manage: ['TAG_DEFAULT_CREATE', 'TAG_DEFAULT_UPDATE', 'TAG_DEFAULT_DELETE'],
  },
  // GetNamespace needs no permission at all (the page lists `read` with "None").
  'objectstorage-namespaces': {
    source: OBJECT_STORAGE,
    inspect: [],
    read: [],
    use: [],
    manage: ['OBJECTSTORAGE_NAMESPACE_READ', 'OBJECTSTORAGE_NAMESPACE_UPDATE'],
  },
  buckets: {
    source: OBJECT_STORAGE,
    inspect: ['BUCKET_INSPECT'],
    read: ['BUCKET_READ'],
    use: ['BUCKET_UPDATE'],
    manage: ['BUCKET_CREATE', 'BUCKET_DELETE', 'PAR_MANAGE', 'RETENTION_RULE_MANAGE', 'RETENTION_RULE_LOCK'],
  },
  objects: {
    source: OBJECT_STORAGE,
    inspect: ['OBJECT_INSPECT'],
    read: ['OBJECT_READ'],
    use: ['OBJECT_OVERWRITE'],
    manage: ['OBJECT_CREATE', 'OBJECT_DELETE', 'OBJECT_VERSION_DELETE', 'OBJECT_RESTORE', 'OBJECT_UPDATE_TIER'],
  },
  'ons-topics': {
    source: NOTIFICATIONS,
    inspect: ['ONS_TOPIC_INSPECT'],
    read: ['ONS_TOPIC_READ'],
    use: ['ONS_TOPIC_PUBLISH', 'ONS_TOPIC_SUBSCRIBE'],
    manage: ['ONS_TOPIC_CREATE', 'ONS_TOPIC_MOVE', 'ONS_TOPIC_UPDATE', 'ONS_TOPIC_DELETE'],
  },
  'ons-subscriptions': {
    source: NOTIFICATIONS,
    inspect: ['ONS_SUBSCRIPTION_INSPECT'],
    read: [],
    use: [],
    manage: ['ONS_SUBSCRIPTION_MOVE', 'ONS_TOPIC_SUBSCRIBE'],
  },
  'secret-bundles': { source: VAULT, inspect: ['SECRET_BUNDLE_INSPECT'], read: ['SECRET_BUNDLE_READ'], use: [], manage: [] },
  secrets: {
    source: VAULT,
    inspect: ['SECRET_INSPECT'],
    read: ['SECRET_READ'],
    use: [],
    manage: ['SECRET_CREATE', 'SECRET_UPDATE', 'SECRET_DELETE', 'SECRET_MOVE', 'SECRET_ROTATE'],
  },
  'fn-app': {
    source: FUNCTIONS,
    inspect: ['FN_APP_LIST'],
    read: ['FN_APP_READ'],
    use: [],
    manage: ['FN_APP_CREATE', 'FN_APP_DELETE', 'FN_APP_UPDATE'],
  },
  'fn-function': {
    source: FUNCTIONS,
    inspect: ['FN_FUNCTION_LIST'],
    read: ['FN_FUNCTION_READ'],
    use: [],
    manage: ['FN_FUNCTION_CREATE', 'FN_FUNCTION_DELETE', 'FN_FUNCTION_UPDATE'],
  },
  'fn-invocation': { source: FUNCTIONS, inspect: [], read: [], use: ['FN_INVOCATION'], manage: [] },
  // "Details for the Events Service": inspect EVENTRULE_LIST, read + EVENTRULE_READ, use no extra,
  // manage + EVENTRULE_CREATE, EVENTRULE_DELETE, EVENTRULE_MODIFY (UpdateRule and ChangeRuleCompartment).
  'cloudevents-rules': {
    source: EVENTS,
    inspect: ['EVENTRULE_LIST'],
    read: ['EVENTRULE_READ'],
    use: [],
    manage: ['EVENTRULE_CREATE', 'EVENTRULE_DELETE', 'EVENTRULE_MODIFY'],
  },
  // Logging: the permission names of its page, the verb levels assumed by the usual pattern.
  'log-groups': {
    source: LOGGING,
    inspect: ['LOG_GROUP_INSPECT'],
    read: ['LOG_GROUP_READ'],
    use: ['LOG_GROUP_UPDATE'],
    manage: ['LOG_GROUP_CREATE', 'LOG_GROUP_DELETE', 'LOG_GROUP_MOVE'],
  },
  'log-content': { source: LOGGING, inspect: [], read: ['LOG_CONTENT_READ'], use: [], manage: [] },
  // "Queue Policies": one resource type, `queues` (its page names `target.queue.id`). The stored
  // copies reached only the page's opening, so the permission names and their verbs are assumed in
  // the pattern of the other services: producing and consuming at `use` (as `use queues` grants a
  // workload in public set-ups), creating and deleting at `manage`.
  queues: {
    source: QUEUE,
    inspect: ['QUEUE_INSPECT'],
    read: ['QUEUE_READ'],
    use: ['QUEUE_UPDATE', 'QUEUE_PRODUCE', 'QUEUE_CONSUME'],
    manage: ['QUEUE_CREATE', 'QUEUE_DELETE', 'QUEUE_MOVE'],
  },
  // "Resource Scheduler Policies": resource-schedule with RESOURCE_SCHEDULE_INSPECT, _READ, _CREATE,
  // _UPDATE, _MOVE, _DELETE; the work requests with _WORKREQUEST_INSPECT and _READ. The page lists the
  // permissions, not their verbs: the levels are assumed in the pattern of the other services.
  'resource-schedule': {
    source: RESOURCE_SCHEDULER,
    inspect: ['RESOURCE_SCHEDULE_INSPECT'],
    read: ['RESOURCE_SCHEDULE_READ'],
    use: ['RESOURCE_SCHEDULE_UPDATE'],
    manage: ['RESOURCE_SCHEDULE_CREATE', 'RESOURCE_SCHEDULE_MOVE', 'RESOURCE_SCHEDULE_DELETE'],
  },
  'resource-schedule-workrequest': {
    source: RESOURCE_SCHEDULER,
    inspect: ['RESOURCE_SCHEDULE_WORKREQUEST_INSPECT'],
    read: ['RESOURCE_SCHEDULE_WORKREQUEST_READ'],
    use: [],
    manage: [],
  },
};

/** Aggregate resource types: a verb on the family is that verb on each member. */
export const RESOURCE_FAMILIES: Readonly<Record<string, readonly string[]>> = {
  'object-family': ['objectstorage-namespaces', 'buckets', 'objects'],
  'ons-family': ['ons-topics', 'ons-subscriptions'],
  'secret-family': ['secrets', 'secret-bundles'],
  'functions-family': ['fn-app', 'fn-function', 'fn-invocation'],
  'logging-family': ['log-groups', 'log-content'],
  // "Example Policies" (Resource Scheduler): `manage resource-schedule-family`.
  'resource-schedule-family': ['resource-schedule', 'resource-schedule-workrequest'],
};

/** The permissions a verb grants on a resource type or family; `all-resources` is every type. */
export function permissionsGranted(verb: PolicyVerb, resourceType: string): ReadonlySet<string> {
  const name = resourceType.toLowerCase();
  const members = name === 'all-resources' ? Object.keys(RESOURCE_TYPE_GRANTS) : (RESOURCE_FAMILIES[name] ?? [name]);
  const granted = new Set<string>();
  const upTo = POLICY_VERBS.slice(0, POLICY_VERBS.indexOf(verb) + 1);
  for (const member of members) {
    const type = RESOURCE_TYPE_GRANTS[member];
    if (!type) continue;
    for (const level of upTo) for (const permission of type[level]) granted.add(permission);
  }
  return granted;
}

/**
 * The permissions a Deny statement with this verb takes away: the verb's own and those of every verb
 * above it, never those below ("Deny Policies", /iaas/Content/Identity/policysyntax/denypolicies.htm,
 * metaverb inversion): `deny … inspect X` blocks everything on X, `deny … manage X` only what manage
 * adds over use.
 */
export function permissionsDenied(verb: PolicyVerb, resourceType: string): ReadonlySet<string> {
  const name = resourceType.toLowerCase();
  const members = name === 'all-resources' ? Object.keys(RESOURCE_TYPE_GRANTS) : (RESOURCE_FAMILIES[name] ?? [name]);
  const denied = new Set<string>();
  const from = POLICY_VERBS.slice(POLICY_VERBS.indexOf(verb));
  for (const member of members) {
    const type = RESOURCE_TYPE_GRANTS[member];
    if (!type) continue;
    for (const level of from) for (const permission of type[level]) denied.add(permission);
  }
  return denied;
}

/** The weakest verb and resource type that grant a permission, for suggesting a statement. */
export function weakestGrantOf(permission: string): { verb: PolicyVerb; resourceType: string } | undefined {
  for (const verb of POLICY_VERBS) {
    for (const [resourceType, type] of Object.entries(RESOURCE_TYPE_GRANTS)) {
      if (type[verb].includes(permission)) return { verb, resourceType };
    }
  }
  return undefined;
}
