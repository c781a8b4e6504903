// The IAM policy the function needs, generated from its config: each statement with why it is there,
// narrowed with the variables Oracle's Policy Reference documents for the service ("Details for IAM
// with/without Identity Domains", "Details for Object Storage", "Details for Notifications", "Details
// for the Vault Service", "Details for Functions"). Pure: names and OCIDs in, statements out.
import type { FunctionConfig } from '../config';
import type { RuleId } from '../core/policy/lint';
import { renderName } from '../core/policy/parser';
import { type RoleCatalog, renderedPolicyNames } from '../core/role-catalog';
import { ErrorCode, ValidationError } from '../support/errors';

/** Where a resource lives: `tenancy`, a compartment path relative to the root (`apps:iam`), or a compartment OCID. */
export type CompartmentRef = string;

/** What the generator needs besides the function's config: the names and OCIDs the deployment chose. */
export interface DeploymentPolicyInput {
  readonly config: FunctionConfig;
  /** The dynamic group of the function, and its identity domain when that is not Default. */
  readonly dynamicGroup: { readonly name: string; readonly domain?: string };
  /** The function's OCID: the dynamic group's matching rule names it alone. */
  readonly functionId: string;
  readonly compartments: {
    /** The function's compartment (it invokes itself for a detached continuation). */
    readonly function: CompartmentRef;
    readonly topic: CompartmentRef;
    /** Where the Vault secrets (bootstrap password, webhook secret) are. */
    readonly secrets?: CompartmentRef;
    /** Where ROLE_CATALOG_BUCKET is. */
    readonly catalog?: CompartmentRef;
    /** Where ONBOARDING_BUCKET is. */
    readonly uploads?: CompartmentRef;
    /** Where STATE_BUCKET is. */
    readonly state?: CompartmentRef;
    /** Where QUEUE_ID is; the function's compartment when not given. */
    readonly queue?: CompartmentRef;
  };
  /** The upload engine's queue, when the config does not name it yet (set-up, before the queue exists). */
  readonly queue?: { readonly id: string };
  /** The catalog, when known: its policy names pin the policy writes when POLICY_NAME_PREFIX is not set. */
  readonly catalog?: RoleCatalog;
}

/** One statement and the one-line reason it is there; `allow` names the lint rules it breaks on purpose. */
export interface DeploymentStatement {
  readonly statement: string;
  readonly reason: string;
  readonly allow?: readonly RuleId[];
}

export interface DeploymentPolicy {
  /** The dynamic group's matching rule: this function and nothing else. */
  readonly matchingRule: string;
  readonly statements: readonly DeploymentStatement[];
}

const location = (ref: CompartmentRef) => {
  if (ref === 'tenancy') return 'tenancy';
  if (/^ocid1\.tenancy\./.test(ref)) return 'tenancy';
  if (/^ocid1\.compartment\./.test(ref)) return `compartment id ${ref}`;
  return `compartment ${ref.split(':').map(renderName).join(':')}`;
};
const quote = (value: string) => `'${value.replaceAll("'", '')}'`;
const anyOf = (variable: string, values: readonly string[]) =>
  values.length === 1
    ? `${variable} = ${quote(values[0] as string)}`
    : `any {${values.map((v) => `${variable} = ${quote(v)}`).join(', ')}}`;
const all = (...conditions: string[]) => (conditions.length === 1 ? (conditions[0] as string) : `all {${conditions.join(', ')}}`);

/** Users the function reads, creates, and (movers and leavers) updates, disables, strips of credentials and deletes. */
const USER_READS = ['USER_READ', 'USER_CREATE'];
const USER_WRITES = [
  'USER_UPDATE',
  'USER_UNBLOCK',
  'USER_DELETE',
  'USER_APIKEY_REMOVE',
  'USER_AUTHTOKEN_REMOVE',
  'USER_SECRETKEY_REMOVE',
  'USER_OAUTH2_CLIENT_CRED_REMOVE',
];
/**
 * What the upload engine calls on its queue (src/oci/work-queue.ts): PutMessages (QUEUE_PRODUCE),
 * GetMessages, DeleteMessage, UpdateMessage (QUEUE_CONSUME), GetStats and ListChannels (QUEUE_READ,
 * assumed: "Queue Policies" lists no operation for them here). Never UpdateQueue (QUEUE_UPDATE, in `use`).
 */
const QUEUE_CALLS = ['QUEUE_PRODUCE', 'QUEUE_CONSUME', 'QUEUE_READ'];

/** Object writes: PutObject needs OBJECT_CREATE for a new name and OBJECT_OVERWRITE for an existing one; the multipart calls need both. */
const OBJECT_WRITES = ['OBJECT_INSPECT', 'OBJECT_READ', 'OBJECT_CREATE', 'OBJECT_OVERWRITE'];

/**
 * Object permissions by name, so that no object can be deleted. The function writes every object with one
 * PutObject (src/oci/object-store.ts) and never uploads in parts, so it needs neither AbortMultipartUpload
 * nor ListMultipartUploads (BUCKET_READ).
 */
const objectWrites = (permissions: readonly string[]) => `any {${permissions.map((p) => `request.permission = ${quote(p)}`).join(', ')}}`;

function policyNameCondition(input: DeploymentPolicyInput): string {
  const prefix = input.config.POLICY_NAME_PREFIX;
  if (prefix) return `target.policy.name = /${prefix}*/`;
  if (!input.catalog) {
    throw new ValidationError(ErrorCode.InvalidConfig, 'The policy writes cannot be narrowed', [
      {
        path: 'POLICY_NAME_PREFIX',
        message: 'set POLICY_NAME_PREFIX, or give the catalog (inline ROLE_CATALOG or --catalog) so the policy names can be listed',
      },
    ]);
  }
  return anyOf('target.policy.name', renderedPolicyNames(input.catalog));
}

/** Where the catalog's policies are attached: the tenancy unless a role names a compartment. */
function policyLocations(catalog: RoleCatalog | undefined): CompartmentRef[] {
  const ids = new Set(Object.values(catalog?.roles ?? {}).map((role) => role.policy.compartmentId ?? 'tenancy'));
  return ids.size === 0 ? ['tenancy'] : [...ids].sort();
}

/**
 * The least-privilege statements for the function, from its config and the deployment's names.
 * Throws INVALID_CONFIG when something the function will call cannot be narrowed (a bucket without
 * its compartment, say).
 * @example deploymentPolicy({ config, dynamicGroup: { name: 'iam-onboarding-fn' }, functionId, compartments: { function: 'iam', topic: 'iam' } })
 */
export function deploymentPolicy(input: DeploymentPolicyInput): DeploymentPolicy {
  const { config, compartments } = input;
  const dg = `dynamic-group ${input.dynamicGroup.domain ? `${renderName(input.dynamicGroup.domain)}/` : ''}${renderName(input.dynamicGroup.name)}`;
  const statements: DeploymentStatement[] = [];
  const add = (text: string, reason: string, allow?: RuleId[]) =>
    statements.push({ statement: `Allow ${dg} to ${text}`, reason, ...(allow ? { allow } : {}) });
  const missing: { path: string; message: string }[] = [];
  const need = (ref: CompartmentRef | undefined, what: string) => {
    if (!ref) missing.push({ path: `compartments.${what}`, message: `the compartment of ${what} is needed to narrow its statement` });
    return ref ?? 'tenancy';
  };

  add('inspect tenancies in tenancy', 'GetTenancy and ListRegionSubscriptions: find the home region, where IAM writes go');

  const domain = config.IDENTITY_DOMAIN_URL ? config.IDENTITY_DOMAIN_NAME : undefined;
  const inDomain = domain ? [`target.resource.domain.name = ${quote(domain)}`] : [];
  const userRule: RuleId = domain && domain.toLowerCase() !== 'default' ? 'domain-admin' : 'iam-admin-unguarded';
  const where = domain ? ` (identity domain ${domain}, through its SCIM API)` : '';
  add(`inspect users in tenancy${domain ? ` where ${inDomain[0]}` : ''}`, `ListUsers, GetUser: look each hire up by name${where}`);
  add(
    `manage users in tenancy where ${all(...inDomain, anyOf('request.permission', USER_READS))}`,
    `create joiners and list their credentials (USER_READ, USER_CREATE)${where}`,
  );
  // Setting the bootstrap password on an existing domain user (PutUserPasswordChanger) is assumed to
  // need USER_UIPASS_SET beside USER_UPDATE, as setting a console password does in the classic API.
  const userWrites = domain && config.SET_PASSWORD_FOR_EXISTING_USERS ? [...USER_WRITES, 'USER_UIPASS_SET'] : USER_WRITES;
  add(
    `manage users in tenancy where ${all(...inDomain, anyOf('request.permission', userWrites))}`,
    `movers and leavers: update, disable and delete users, remove API keys, auth tokens, secret keys, OAuth 2.0 credentials${where}`,
    [userRule],
  );
  add(
    `manage credentials in tenancy where ${all(...inDomain, anyOf('request.permission', ['CREDENTIAL_INSPECT', 'CREDENTIAL_REMOVE']))}`,
    `leavers: list and delete SMTP credentials (ListSmtpCredentials, DeleteSmtpCredential)${where}`,
  );
  add(`inspect groups in tenancy${domain ? ` where ${inDomain[0]}` : ''}`, `ListGroups, GetGroup, ListUserGroupMemberships${where}`);
  add(
    `manage groups in tenancy where ${all(...inDomain, "target.group.name != 'Administrators'", anyOf('request.permission', ['GROUP_CREATE', 'GROUP_UPDATE']))}`,
    `create the catalog's groups, add and remove members (GROUP_UPDATE with USER_UPDATE); never the Administrators group${where}`,
  );

  // "To apply, update, or remove defined tags for a resource, a user must be granted permissions on the
  // resource and permissions to use the tag namespace" ("Details for IAM", tag-namespaces).
  const definedTags = (config as FunctionConfig & { readonly DEFINED_TAGS?: Readonly<Record<string, unknown>> }).DEFINED_TAGS;
  // The catalog's roles may tag their groups and policies from namespaces of their own.
  const roleNamespaces = Object.values(input.catalog?.roles ?? {}).flatMap((role) => Object.keys(role.definedTags ?? {}));
  const namespaces = [...new Set([...Object.keys(definedTags ?? {}), ...roleNamespaces])].sort();
  if (namespaces.length > 0) {
    add(
      `use tag-namespaces in tenancy where ${anyOf('target.tag-namespace.name', namespaces)}`,
      'apply the defined tags of DEFINED_TAGS and of the catalog roles to the users, groups and policies it creates or retags, from these namespaces only',
    );
  }

  add('inspect policies in tenancy', 'ListPolicies, GetPolicy: compare each role policy with the catalog');
  const names = policyNameCondition(input);
  for (const ref of policyLocations(input.catalog)) {
    add(
      `manage policies in ${location(ref)} where ${all(names, anyOf('request.permission', ['POLICY_CREATE', 'POLICY_UPDATE']))}`,
      "create and update the catalog's role policies, and no other policy (names pinned; the catalog loader refuses any other)",
    );
  }

  add(
    `use ons-topics in ${location(need(compartments.topic, 'topic'))} where request.permission = 'ONS_TOPIC_PUBLISH'`,
    'PublishMessage: the result of every invocation (ONS takes only the general variables: the topic is pinned by its compartment)',
  );

  const secrets = [config.BOOTSTRAP_SECRET_ID, config.WEBHOOK_SECRET_ID].filter((id): id is string => id !== undefined);
  if (secrets.length > 0) {
    add(
      `read secret-bundles in ${location(need(compartments.secrets, 'secrets'))} where ${anyOf('target.secret.id', secrets)}`,
      'GetSecretBundle: the bootstrap password and the webhook secret, and no other secret',
    );
  }
  if (config.BOOTSTRAP_SECRET_NAME) {
    add(
      `read secret-bundles in ${location(need(compartments.secrets, 'secrets'))} where target.secret.name = ${quote(config.BOOTSTRAP_SECRET_NAME)}`,
      'GetSecretBundleByName: the bootstrap password, and no other secret',
    );
  }

  if (config.ROLE_CATALOG_BUCKET && config.ROLE_CATALOG_OBJECT) {
    add(
      `read objects in ${location(need(compartments.catalog, 'catalog'))} where ${all(`target.bucket.name = ${quote(config.ROLE_CATALOG_BUCKET)}`, `target.object.name = ${quote(config.ROLE_CATALOG_OBJECT)}`)}`,
      'GetObject (with if-none-match): the role catalog, and no other object',
    );
  }

  if (config.ONBOARDING_BUCKET) {
    const uploads = location(need(compartments.uploads, 'uploads'));
    const bucket = `target.bucket.name = ${quote(config.ONBOARDING_BUCKET)}`;
    // A pattern ends at "/", so a prefix such as "incoming/" is pinned up to its first "/" ("/incoming*/").
    const head = config.ONBOARDING_PREFIX.split('/')[0] ?? '';
    const prefix = head ? [`target.object.name = /${head}*/`] : [];
    add(`read objects in ${uploads} where ${all(bucket, ...prefix)}`, 'HeadObject, GetObject: read the uploaded files of hires');
    add(
      `manage objects in ${uploads} where ${all(bucket, objectWrites(config.STATE_BUCKET ? ['OBJECT_INSPECT', 'OBJECT_CREATE', 'OBJECT_OVERWRITE'] : OBJECT_WRITES))}`,
      `write the reports beside each upload${config.STATE_BUCKET ? '' : ', and the markers under .onboarding/'} (PutObject); never delete an upload`,
    );
  }
  if (config.STATE_BUCKET) {
    const state = location(need(compartments.state, 'state'));
    const bucket = `target.bucket.name = ${quote(config.STATE_BUCKET)}`;
    add(
      `manage objects in ${state} where ${all(bucket, objectWrites(OBJECT_WRITES))}`,
      'markers and progress of deliveries and uploads: HeadObject, GetObject, ListObjects, PutObject with if-match',
    );
  }

  // "Queue Policies" names target.queue.id: the queue is pinned by its OCID, the calls by their permissions.
  const queueId = input.queue?.id ?? config.QUEUE_ID;
  if (queueId) {
    add(
      `use queues in ${location(compartments.queue ?? need(compartments.function, 'function'))} where ${all(`target.queue.id = ${quote(queueId)}`, anyOf('request.permission', QUEUE_CALLS))}`,
      "the upload engine's work: PutMessages, GetMessages, DeleteMessage, UpdateMessage, GetStats, ListChannels on this queue only",
    );
  }
  add(
    `read fn-function in ${location(need(compartments.function, 'function'))} where request.operation = 'GetFunction'`,
    "GetFunction, once per container: the function's own invoke endpoint, where continuations are sent",
  );
  add(
    `use fn-invocation in ${location(need(compartments.function, 'function'))} where request.operation = 'InvokeFunction'`,
    'InvokeFunction (detached): continue a long upload in a fresh invocation (Functions takes only the general variables: the function is pinned by its compartment)',
  );

  if (missing.length > 0) throw new ValidationError(ErrorCode.InvalidConfig, 'The deployment policy cannot be narrowed', missing);
  return {
    matchingRule: `ALL {resource.type = 'fnfunc', resource.id = ${quote(input.functionId)}}`,
    statements,
  };
}
