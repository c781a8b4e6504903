import { classicDirectory } from '../classic-directory';
import type { ApiRequest } from '../http';
import { queuesOf } from '../queue-state';
import { schedulesOf } from '../schedule-state';
import type { TenancyState } from '../state';

// The target variables each operation offers a policy condition, as the "Supported Variables"
// sections of Oracle's Policy Reference list them (iampolicyreference.htm,
// objectstoragepolicyreference.htm, keypolicyreference.htm). Notifications and Functions support
// only the general variables, so `target.topic.id` or `target.function.id` is never applicable and
// a condition on it declines the request, as "Variables Not Applicable to a Request Result in a
// Declined Request" (policysyntax/conditions.htm) says.

/** Where a call's target lives and what a condition may ask about it. */
export interface RequestContext {
  /** The compartment the target is in (the tenancy for IAM resources). */
  readonly compartmentId: string;
  /** Applicable target variables, by lower-case name. */
  readonly variables: Readonly<Record<string, string>>;
  /** Whether the target already exists (PutObject needs OBJECT_OVERWRITE then). */
  readonly targetExists?: boolean;
  /**
   * The bucket the call names does not exist. Object Storage answers that with the same 404
   * BucketNotFound ("does not exist … or you are not authorized") as a refusal, so the handler answers
   * it and no denial is kept: set-up's GetBucket before CreateBucket is not a refused call.
   */
  readonly bucketMissing?: boolean;
}

function bodyOf(request: ApiRequest): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(request.rawBody.toString('utf8') || '{}');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Drops the variables whose value is unknown: they are not applicable. */
function defined(variables: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Computes the context of one call; unknown targets give no variables (the handler answers 404). */
export function requestContext(state: TenancyState, service: string, operation: string, request: ApiRequest): RequestContext {
  const root = state.tenancy.id;
  const param = (index: number) => decodeURIComponent(request.params[index] ?? '');
  const body = () => bodyOf(request);
  const inRoot = (variables: Record<string, string | undefined>): RequestContext => withCompartment(state, root, variables);

  if (service === 'identity') {
    // In a tenancy with identity domains the classic API acts on the Default domain.
    const directory = classicDirectory(state);
    const domain = directory.domainName;
    const userVars = (id: string | undefined) => {
      const user = directory.user(id ?? '');
      return { 'target.user.id': user?.id, 'target.user.name': user?.name, 'target.resource.domain.name': domain };
    };
    const groupVars = (id: string | undefined) => {
      const group = directory.group(id ?? '');
      return { 'target.group.id': group?.id, 'target.group.name': group?.name, 'target.resource.domain.name': domain };
    };
    switch (operation) {
      case 'CreateUser':
        return inRoot({ 'target.user.name': text(body().name), 'target.resource.domain.name': domain });
      case 'GetUser':
      case 'UpdateUser':
      case 'UpdateUserCapabilities':
      case 'DeleteUser':
      case 'CreateOrResetUIPassword':
      case 'GetUserUIPasswordInformation':
      case 'ListApiKeys':
      case 'DeleteApiKey':
      case 'UpdateUserState':
      case 'ListAuthTokens':
      case 'DeleteAuthToken':
      case 'ListCustomerSecretKeys':
      case 'DeleteCustomerSecretKey':
      case 'ListSmtpCredentials':
      case 'DeleteSmtpCredential':
      case 'ListOAuthClientCredentials':
      case 'DeleteOAuthClientCredential':
        return inRoot(userVars(param(0)));
      case 'CreateGroup':
        return inRoot({ 'target.group.name': text(body().name), 'target.resource.domain.name': domain });
      case 'GetGroup':
      case 'UpdateGroup':
      case 'DeleteGroup':
        return inRoot(groupVars(param(0)));
      case 'AddUserToGroup': {
        const b = body();
        return inRoot({ ...userVars(text(b.userId)), ...groupVars(text(b.groupId)) });
      }
      case 'RemoveUserFromGroup': {
        const membership = directory.membership(param(0));
        return inRoot({ ...userVars(membership?.userId), ...groupVars(membership?.groupId) });
      }
      case 'ListUsers':
      case 'ListGroups':
      case 'ListUserGroupMemberships':
        // Assumed: a classic list in an identity-domain tenancy lists the Default domain, so the
        // domain's name applies to it as it does to the SCIM lists of a domain.
        return inRoot({ 'target.resource.domain.name': domain });
      case 'ListDynamicGroups':
        return inRoot({});
      case 'CreateDynamicGroup':
        // "Details for IAM": target.dynamic-group.name is "not available to use with CreateDynamicGroup".
        return inRoot({ 'target.resource.domain.name': domain });
      case 'CreatePolicy': {
        const b = body();
        return withCompartment(state, text(b.compartmentId) ?? root, { 'target.policy.name': text(b.name) });
      }
      case 'GetPolicy':
      case 'UpdatePolicy':
      case 'DeletePolicy': {
        const policy = state.policies.get(param(0));
        return withCompartment(state, policy?.compartmentId ?? root, {
          'target.policy.id': policy?.id,
          'target.policy.name': policy?.name,
        });
      }
      case 'ListPolicies':
      case 'ListCompartments':
        return withCompartment(state, request.query.get('compartmentId') ?? root, {}, operation === 'ListCompartments');
      case 'GetCompartment':
        return withCompartment(state, param(0), {});
      case 'GetDynamicGroup':
      case 'UpdateDynamicGroup':
      case 'DeleteDynamicGroup': {
        const group = state.dynamicGroups.get(param(0));
        return inRoot({
          'target.dynamic-group.id': group?.id,
          'target.dynamic-group.name': group?.name,
          'target.resource.domain.name': domain,
        });
      }
      default:
        return withCompartment(state, root, {});
    }
  }

  if (service === 'identitydomains') {
    const domain = state.domain;
    const domainName = domain?.name;
    const user = (id: string) => domain?.users.get(id);
    const group = (id: string) => domain?.groups.get(id);
    switch (operation) {
      case 'CreateUser':
        return inRoot({ 'target.user.name': text(body().userName), 'target.resource.domain.name': domainName });
      case 'GetUser':
      case 'PatchUser':
      case 'PutUser':
      case 'DeleteUser':
      case 'PutUserPasswordChanger': {
        const found = user(param(0));
        return inRoot({ 'target.user.id': found?.ocid, 'target.user.name': found?.userName, 'target.resource.domain.name': domainName });
      }
      case 'CreateGroup':
        return inRoot({ 'target.group.name': text(body().displayName), 'target.resource.domain.name': domainName });
      case 'GetGroup':
      case 'PatchGroup':
      case 'DeleteGroup': {
        const found = group(param(0));
        return inRoot({
          'target.group.id': found?.ocid,
          'target.group.name': found?.displayName,
          'target.resource.domain.name': domainName,
        });
      }
      default:
        return inRoot({ 'target.resource.domain.name': domainName });
    }
  }

  // A list or a create names its compartment (query or body); anything else is where its resource is.
  const named = () => request.query.get('compartmentId') ?? text(body().compartmentId);
  const cp = state.controlPlane;

  if (service === 'objectstorage') {
    const bucket = text(request.params[1]);
    if (operation === 'CreateBucket') return withCompartment(state, named() ?? root, { 'target.bucket.name': text(body().name) });
    if (bucket === undefined) return withCompartment(state, named() ?? root, {});
    const objectName = request.params[2] === undefined ? undefined : param(2);
    const targetExists = objectName !== undefined && state.buckets.get(bucket)?.has(objectName) === true;
    // "Details for Object Storage and Archive Storage" lists `target.object.name` (string and patterns) for
    // the operations on objects; it applies where the call names one object (not to ListObjects).
    const variables = { 'target.bucket.name': bucket, 'target.object.name': objectName };
    const bucketMissing = !state.buckets.has(bucket) && !cp.buckets.has(bucket);
    const where = state.bucketCompartments.get(bucket) ?? cp.buckets.get(bucket)?.compartmentId ?? root;
    return { ...withCompartment(state, where, variables), targetExists, ...(bucketMissing ? { bucketMissing } : {}) };
  }

  if (service === 'secrets') {
    const secret =
      operation === 'GetSecretBundleByName'
        ? [...state.secrets.values()].find((s) => s.name === request.query.get('secretName') && s.vaultId === request.query.get('vaultId'))
        : state.secrets.get(param(0));
    return withCompartment(state, secret?.compartmentId ?? root, {
      'target.secret.id': secret?.id,
      'target.secret.name': secret?.name,
      'target.vault.id': secret?.vaultId,
    });
  }

  if (service === 'notifications') {
    const topicId = operation === 'CreateSubscription' ? text(body().topicId) : param(0);
    const where =
      cp.subscriptions.get(param(0))?.compartmentId ??
      state.topics.get(topicId ?? '')?.compartmentId ??
      (operation === 'ListSubscriptions' ? state.topics.get(request.query.get('topicId') ?? '')?.compartmentId : undefined) ??
      named();
    return withCompartment(state, where ?? root, {});
  }

  if (service === 'events') return withCompartment(state, cp.rules.get(param(0))?.compartmentId ?? named() ?? root, {});

  if (service === 'logging') return withCompartment(state, cp.logGroups.get(param(0))?.compartmentId ?? named() ?? root, {});

  if (service === 'queue') {
    // "Queue Policies" names target.queue.id; a call on a queue is decided where the queue is.
    const queue = queuesOf(state).queues.get(param(0));
    return withCompartment(state, queue?.compartmentId ?? named() ?? root, { 'target.queue.id': queue?.id });
  }

  if (service === 'resourcescheduler') {
    // A call on a schedule is decided where the schedule is; a new one where its body puts it.
    const schedule = schedulesOf(state).schedules.get(param(0));
    return withCompartment(state, schedule?.compartmentId ?? named() ?? root, {});
  }

  if (service === 'functions') {
    const app = cp.applications.get(param(0)) ?? cp.applications.get(request.query.get('applicationId') ?? '');
    const where = state.resourceCompartments.get(param(0)) ?? cp.functions.get(param(0))?.compartmentId ?? app?.compartmentId ?? named();
    return withCompartment(state, where ?? root, {});
  }

  return withCompartment(state, root, {});
}

/** Adds the general variables `target.compartment.id` and `target.compartment.name`. */
function withCompartment(
  state: TenancyState,
  compartmentId: string,
  variables: Record<string, string | undefined>,
  /** ListCompartments offers no target.compartment.* (iampolicyreference.htm). */
  listsCompartment = false,
): RequestContext {
  const name = compartmentId === state.tenancy.id ? state.tenancy.name : state.compartments.get(compartmentId)?.name;
  return {
    compartmentId,
    variables: defined({
      ...variables,
      ...(listsCompartment ? {} : { 'target.compartment.id': compartmentId, 'target.compartment.name': name }),
    }),
  };
}
