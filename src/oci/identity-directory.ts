import { createHash } from 'node:crypto';
import type { IdentityClient, models } from 'oci-identity';
import { USER_NAME } from '../core/new-hire';
import type { Created, DirectoryGroup, DirectoryPolicy, DirectoryUser, IdentityDirectory, PolicySpec, UserSpec } from '../core/ports';
import { EMPLOYEE_TAG } from '../core/role-catalog';
import type { OciCallError } from '../support/errors';
import { allPages, type CallPolicy, callOci, createOrFind } from './call';

const LIVE = new Set(['CREATING', 'ACTIVE', 'INACTIVE']);
const ALREADY_EXISTS = new Set(['NotAuthorizedOrResourceAlreadyExists', 'Conflict', 'IdcsConversionError']);
/** Extra attempts for a policy naming a group created moments ago (OCI answers 400 until it is visible). */
const NEW_GROUP_ATTEMPTS = 9;

/**
 * The SDK puts query values in the URL as they are (oci-typescript-sdk issue 291), so `a+b@x.com`
 * would reach OCI as `a b@x.com`. Encoding the value here is what makes the look-up exact.
 */
const queryValue = (value: string) => encodeURIComponent(value);

const toUser = (u: models.User): DirectoryUser => ({
  id: u.id,
  ocid: u.id,
  name: u.name,
  email: u.email,
  description: u.description,
  employeeId: u.freeformTags?.[EMPLOYEE_TAG],
  freeformTags: u.freeformTags ?? {},
  // Classic IAM tells whether a console password exists only through another call; it never sets a chosen one.
  hasPassword: undefined,
});
const toGroup = (g: models.Group): DirectoryGroup => ({ id: g.id, ocid: g.id, name: g.name });
const toPolicy = (p: models.Policy): DirectoryPolicy => ({
  id: p.id,
  name: p.name,
  compartmentId: p.compartmentId,
  description: p.description,
  statements: p.statements,
});

/**
 * IAM through the classic Identity API, bound to one invocation. Writes must reach the home
 * region: the client given here is placed there (runtime.ts). Each create sends an
 * `opc-retry-token` derived from the call id, so its own retries never create twice.
 */
export function classicIdentityDirectory(
  client: IdentityClient,
  tenancyId: string,
  callId: string,
  policy: CallPolicy,
  /** Defined tags for every user, group and policy created (`DEFINED_TAGS`): a tenancy's required tag defaults need them. */
  options: { definedTags?: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined } = {},
): IdentityDirectory {
  const tagged = options.definedTags ? { definedTags: structuredClone(options.definedTags) as Record<string, Record<string, string>> } : {};
  const retryToken = (operation: string, key: string) =>
    createHash('sha256').update(`${callId}\n${operation}\n${key}`).digest('hex').slice(0, 64);
  const isAlreadyExists = (error: OciCallError) => error.status === 409 && ALREADY_EXISTS.has(error.ociCode ?? '');
  const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

  const create = <T>(
    operation: string,
    send: () => Promise<T>,
    find: () => Promise<T | undefined>,
    groupsAreNew = false,
  ): Promise<Created<T>> => {
    const retryAlso = (error: OciCallError) => groupsAreNew && isInvisibleGroup(error);
    return createOrFind(() => callOci(operation, send, newGroupPolicy(policy, groupsAreNew), { retryAlso }), find, isAlreadyExists);
  };

  /** Lists by name (OCI filters, case aside) and keeps the live resource whose name matches. */
  async function findByName<T extends { name: string; lifecycleState: string }>(
    operation: string,
    name: string,
    list: (query: { name: string; page: string | undefined }) => Promise<{ items: T[]; opcNextPage?: string | undefined }>,
  ): Promise<T | undefined> {
    const items = await callOci(operation, () => allPages((page) => list({ name: queryValue(name), page })), policy);
    return items.find((item) => sameName(item.name, name) && LIVE.has(item.lifecycleState));
  }

  const directory: IdentityDirectory = {
    kind: 'classic',
    userNameRule: {
      pattern: USER_NAME,
      description: 'classic IAM user names are 1-100 letters, digits and . _ - + @, starting with a letter or digit',
    },
    groupReference: (name) => name,
    passwords: undefined,
    async findUserByName(name) {
      const user = await findByName('ListUsers', name, (query) => client.listUsers({ compartmentId: tenancyId, ...query }));
      return user && toUser(user);
    },
    createUser(spec: UserSpec) {
      return create(
        'CreateUser',
        async () =>
          toUser(
            (
              await client.createUser({
                createUserDetails: {
                  compartmentId: tenancyId,
                  name: spec.name,
                  description: spec.description,
                  email: spec.email,
                  freeformTags: { ...spec.freeformTags },
                  ...tagged,
                },
                opcRetryToken: retryToken('CreateUser', spec.name),
              })
            ).user,
          ),
        () => directory.findUserByName(spec.name),
      );
    },
    async updateUser(id, changes) {
      const response = await callOci(
        'UpdateUser',
        () =>
          client.updateUser({
            userId: id,
            updateUserDetails: {
              ...changes,
              freeformTags: changes.freeformTags ? { ...changes.freeformTags } : undefined,
            },
          }),
        policy,
      );
      return toUser(response.user);
    },
    async findGroupByName(name) {
      const group = await findByName('ListGroups', name, (query) => client.listGroups({ compartmentId: tenancyId, ...query }));
      return group && toGroup(group);
    },
    createGroup(spec) {
      return create(
        'CreateGroup',
        async () =>
          toGroup(
            (
              await client.createGroup({
                createGroupDetails: {
                  compartmentId: tenancyId,
                  name: spec.name,
                  description: spec.description,
                  ...tagged,
                },
                opcRetryToken: retryToken('CreateGroup', spec.name),
              })
            ).group,
          ),
        () => directory.findGroupByName(spec.name),
      );
    },
    async groupIdsOfUser(userId) {
      const memberships = await callOci(
        'ListUserGroupMemberships',
        () => allPages((page) => client.listUserGroupMemberships({ compartmentId: tenancyId, userId, page })),
        policy,
      );
      return new Set(memberships.filter((m) => LIVE.has(m.lifecycleState)).map((m) => m.groupId));
    },
    async addUserToGroup(userId, groupId) {
      try {
        await callOci(
          'AddUserToGroup',
          () =>
            client.addUserToGroup({
              addUserToGroupDetails: { userId, groupId },
              opcRetryToken: retryToken('AddUserToGroup', `${userId}/${groupId}`),
            }),
          policy,
        );
        return { added: true };
      } catch (error) {
        // A duplicate membership is 409 (IdcsConversionError in identity-domain tenancies): already done.
        if (isAlreadyExists(error as OciCallError)) return { added: false };
        throw error;
      }
    },
    async findPolicy(compartmentId, name) {
      const found = await findByName('ListPolicies', name, (query) => client.listPolicies({ compartmentId, ...query }));
      return found && toPolicy(found);
    },
    createPolicy(spec: PolicySpec, { groupsAreNew }) {
      return create(
        'CreatePolicy',
        async () =>
          toPolicy(
            (
              await client.createPolicy({
                createPolicyDetails: {
                  compartmentId: spec.compartmentId,
                  name: spec.name,
                  description: spec.description,
                  statements: [...spec.statements],
                  ...tagged,
                },
                opcRetryToken: retryToken('CreatePolicy', `${spec.compartmentId}/${spec.name}`),
              })
            ).policy,
          ),
        () => directory.findPolicy(spec.compartmentId, spec.name),
        groupsAreNew,
      );
    },
    async updatePolicy(id, spec, { groupsAreNew }) {
      const response = await callOci(
        'UpdatePolicy',
        () =>
          client.updatePolicy({
            policyId: id,
            updatePolicyDetails: { description: spec.description, statements: [...spec.statements] },
          }),
        newGroupPolicy(policy, groupsAreNew),
        { retryAlso: (error) => groupsAreNew && isInvisibleGroup(error) },
      );
      return toPolicy(response.policy);
    },
  };
  return directory;
}

/** OCI answers 400 InvalidParameter for a statement naming a group it cannot see yet. */
function isInvisibleGroup(error: OciCallError): boolean {
  return error.status === 400 && error.ociCode === 'InvalidParameter';
}

function newGroupPolicy(policy: CallPolicy, groupsAreNew: boolean): CallPolicy {
  return groupsAreNew ? { ...policy, maxAttempts: Math.max(policy.maxAttempts, NEW_GROUP_ATTEMPTS) } : policy;
}
