import type { IdentityDomainsClient, models } from 'oci-identitydomains';
import { FACT_AT_TAG, LEFT_ON_TAG } from '../core/plan';
import { renderName } from '../core/policy/parser';
import {
  CredentialKind,
  type DirectoryCredential,
  type DirectoryGroup,
  type DirectoryUser,
  type IdentityDirectory,
  type WriteGuard,
} from '../core/ports';
import { EMPLOYEE_TAG, MANAGED_BY, MANAGED_BY_TAG } from '../core/role-catalog';
import type { DefinedTags, FreeformTags } from '../core/tags';
import type { UserSpec } from '../core/user-spec';
import { OciCallError } from '../support/errors';
import type { SecretValue } from '../support/secret';
import { type CallPolicy, callOci, createOrFind, deleted } from './call';
import type { Coalescer } from './coalesce';
import type { ApiGroup } from './domain-rate-limits';
import { type BulkResult, type BulkWrite, bulkWrites, LIST_PAGE, operationError, type PersonQuery, personReads } from './domain-sets';
import { type BulkLimits, type ScimRaw, scimRaw } from './scim-raw';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const USER_EXTENSION = 'urn:ietf:params:scim:schemas:oracle:idcs:extension:user:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const GROUP_EXTENSION = 'urn:ietf:params:scim:schemas:oracle:idcs:extension:group:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const PASSWORD_CHANGER_SCHEMA = 'urn:ietf:params:scim:schemas:oracle:idcs:UserPasswordChanger';
const OCI_TAGS = 'urn:ietf:params:scim:schemas:oracle:idcs:extension:OCITags';
/** Requested explicitly: the password state and the OCI tags are returned only on request, and naming attributes drops `ocid` unless named. */
const USER_ATTRIBUTES = `ocid,userName,externalId,description,emails,name,active,meta,urn:ietf:params:scim:schemas:oracle:idcs:extension:passwordState:User:lastSuccessfulSetDate,${OCI_TAGS}:freeformTags`;
/**
 * The tag that names the call that created a user: a create whose answer was lost, retried and
 * answered 409, finds it on the user and reports `created`, not "created meanwhile".
 */
export const CREATED_BY_CALL_TAG = 'onboarding-call';

type Tag = { key: string; value: string };
/** The SDK's models, loaded when first needed (the package loads on first use, off the cold start). */
const sdk = () => (require('oci-identitydomains') as typeof import('oci-identitydomains')).models;
const tagsOf = (user: models.User): Tag[] => user.urnIetfParamsScimSchemasOracleIdcsExtensionOciTags?.freeformTags ?? [];
const tag = (user: models.User, key: string) => tagsOf(user).find((t) => t.key === key)?.value;

/**
 * A SCIM string literal: a JSON string, so a quote or a backslash in a name stays inside the value and
 * cannot change the filter. The SDK then puts the filter in the URL as it is (it does not encode query
 * values), so it is percent-encoded here as well.
 */
export function scimFilter(attribute: string, value: string): string {
  return encodeURIComponent(`${attribute} eq ${JSON.stringify(value)}`);
}

function toUser(user: models.User): DirectoryUser {
  // The SDK maps the URN-named extension to this field; lastSuccessfulSetDate is absent until a password is set.
  const passwordSet = user.urnIetfParamsScimSchemasOracleIdcsExtensionPasswordStateUser?.lastSuccessfulSetDate;
  return {
    id: user.id ?? '',
    ocid: user.ocid ?? user.id ?? '',
    name: user.userName,
    email: user.emails?.find((e) => e.primary)?.value ?? user.emails?.[0]?.value,
    description: user.description ?? '',
    // A user made through the classic API (which acts on the Default domain) has no externalId, only the tag.
    employeeId: user.externalId ?? tag(user, EMPLOYEE_TAG),
    hasPassword: Boolean(passwordSet),
    enabled: user.active !== false,
    // The managed-by mark is an OCI freeform tag on the domain user (SCIM extension OCITags).
    managed: tag(user, MANAGED_BY_TAG) === MANAGED_BY,
    leftOn: tag(user, LEFT_ON_TAG),
    givenName: user.name?.givenName,
    familyName: user.name?.familyName,
    freeformTags: Object.fromEntries(tagsOf(user).map((t) => [t.key, t.value])),
    // RFC 7644 section 3.14: `meta.version` is what `If-Match` names (the ETag header carries the same value).
    version: user.meta?.version,
    factAt: tag(user, FACT_AT_TAG),
  };
}
/** `If-Match` as RFC 7644 section 3.14 writes it: the version as a weak entity tag. */
const ifMatch = (guard: WriteGuard | undefined) =>
  guard?.ifMatch
    ? { ifMatch: guard.ifMatch.startsWith('W/') || guard.ifMatch.startsWith('"') ? guard.ifMatch : `W/${JSON.stringify(guard.ifMatch)}` }
    : {};
const isNotFound = (error: unknown) => (error as OciCallError).status === 404;
/** The version from the answer's `ETag` header (`W/"v"`) where the representation had no `meta.version`. */
const withVersion = (user: DirectoryUser, etag: string | undefined): DirectoryUser =>
  user.version || !etag ? user : { ...user, version: etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1') };
const replace = (path: string, value: unknown): models.Operations => ({ op: 'replace' as models.Operations.Op, path, value });
/**
 * Defined tags in the SCIM extension OCITags are a list of `{namespace, key, value}` (oci-identitydomains
 * models ExtensionOCITags and DefinedTags), freeform tags a list of `{key, value}`.
 */
const scimDefinedTags = (tags: DefinedTags): models.DefinedTags[] =>
  Object.entries(tags).flatMap(([namespace, keys]) => Object.entries(keys).map(([key, value]) => ({ namespace, key, value })));
const scimFreeformTags = (tags: FreeformTags): Tag[] => Object.entries(tags).map(([key, value]) => ({ key, value }));
function definedTagsOf(list: readonly models.DefinedTags[]): Record<string, Record<string, string>> {
  const tags: Record<string, Record<string, string>> = {};
  for (const { namespace, key, value } of list) tags[namespace] = { ...tags[namespace], [key]: value };
  return tags;
}
/** The attributes a group is read with: its name and OCID, and its OCI tags (compared with the catalog's). */
const GROUP_ATTRIBUTES = `ocid,displayName,${OCI_TAGS}:definedTags,${OCI_TAGS}:freeformTags`;
/** A group read with GROUP_ATTRIBUTES: a missing extension means no tags. */
const toGroup = (group: models.Group): DirectoryGroup => {
  const tags = group.urnIetfParamsScimSchemasOracleIdcsExtensionOciTags;
  return {
    id: group.id ?? '',
    ocid: group.ocid ?? group.id ?? '',
    name: group.displayName,
    definedTags: definedTagsOf(tags?.definedTags ?? []),
    freeformTags: Object.fromEntries((tags?.freeformTags ?? []).map((t) => [t.key, t.value])),
  };
};

/**
 * Users, groups and memberships in an identity domain, through the Identity Domains (SCIM) API; policies
 * stay in the classic API (`policies`). The new user's initial password is the Vault bootstrap password.
 */
export function domainDirectory(
  client: IdentityDomainsClient,
  policies: Pick<IdentityDirectory, 'findPolicy' | 'createPolicy' | 'updatePolicy'>,
  options: {
    domainName: string;
    welcomeEmail: boolean;
    callId?: string;
    /** Paces SCIM calls by the domain type's published windows (a DomainPacer); without it, the invocation's policy paces them. */
    pacer?: {
      turn(group: ApiGroup): Promise<void>;
      throttled(group: ApiGroup, retryAfterMs: number | undefined): void;
    };
    /** The domain's advertised Bulk limits, read once per container; without it, no Bulk. */
    bulkLimits?: (raw: ScimRaw) => Promise<BulkLimits | undefined>;
  },
  invocationPolicy: CallPolicy,
): IdentityDirectory {
  const { pacer } = options;
  // SCIM calls follow the domain's windows and each 429's Retry-After, never a cut of the rate.
  const paced = (group: 'Others' | 'Bulk'): CallPolicy =>
    pacer
      ? {
          deadline: invocationPolicy.deadline,
          maxAttempts: invocationPolicy.maxAttempts,
          log: invocationPolicy.log,
          turn: () => pacer.turn(group),
          onThrottled: (_kind, retryAfterMs) => pacer.throttled(group, retryAfterMs),
        }
      : invocationPolicy;
  const policy = paced('Others');
  const raw = scimRaw(client, paced('Bulk'));
  /** Many concurrent look-ups of people, one filter. */
  const reads: Coalescer<PersonQuery, models.User[]> = personReads((filter) => listUsers(filter, true));
  /**
   * The direct groups of users a set read found, by SCIM id, each kept for the plan's first
   * `membershipsOfUser` of the user (`asFound`) and dropped by any membership write of this call, so
   * never served after a write: a person the plan finds existing (a redo, a replay, a mover) costs no
   * `GetUser` of their own. Without it, a piece done again on a Free domain read one user per call at a
   * worker's share of 150 calls a minute, and under load its tries settled nothing.
   */
  const groupsSeen = new Map<string, models.User['groups']>();
  /** Creates and membership adds as Bulk requests, once the domain has said its limits (undefined: single calls). */
  let writes: Promise<Coalescer<BulkWrite, BulkResult> | undefined> | undefined;
  const bulk = () => {
    writes ??= (async () => {
      const limits = raw && options.bulkLimits ? await options.bulkLimits(raw).catch(() => undefined) : undefined;
      return raw && limits ? bulkWrites(raw, limits, single) : undefined;
    })();
    return writes;
  };
  /**
   * Whether this call's own create (its answer lost) made the user: its mark, and the employee it was made
   * for. One invocation creates many people: another row's user with the same user name is not this one's.
   */
  const madeByThisCall = (user: DirectoryUser & { createdByCall?: string | undefined }, employeeId: string) =>
    options.callId !== undefined && user.createdByCall === options.callId && user.employeeId === employeeId;
  const withCall = (user: models.User) => ({ ...toUser(user), createdByCall: tag(user, CREATED_BY_CALL_TAG) });
  /** Lists users page by page (SCIM startIndex/count). */
  async function listUsers(filter: string | undefined, withGroups = false): Promise<models.User[]> {
    const users: models.User[] = [];
    const attributes = withGroups ? `${USER_ATTRIBUTES},groups` : USER_ATTRIBUTES;
    for (let startIndex = 1; ; ) {
      const response = await callOci(
        'ListUsers',
        () => client.listUsers({ ...(filter ? { filter } : {}), attributes, startIndex, count: LIST_PAGE }),
        policy,
      );
      const page = response.users.resources ?? [];
      if (withGroups) for (const user of page) if (user.id) groupsSeen.set(user.id, user.groups ?? []);
      users.push(...page);
      startIndex += page.length;
      if (page.length === 0 || startIndex > (response.users.totalResults ?? 0)) return users;
    }
  }
  // A create answered 409 lost a race with a concurrent delivery: read what is there instead.
  const isConflict = (error: OciCallError) => error.status === 409;

  /** The SCIM user a create sends. */
  const newUser = (spec: UserSpec, initialPassword: SecretValue | undefined, enabled: boolean): models.User => ({
    schemas: [USER_SCHEMA, USER_EXTENSION, OCI_TAGS],
    userName: spec.name,
    externalId: spec.employeeId,
    description: spec.description,
    displayName: `${spec.givenName} ${spec.familyName}`,
    name: { givenName: spec.givenName, familyName: spec.familyName },
    emails: [{ value: spec.email, type: 'work' as models.UserEmails.Type, primary: true }],
    // The only place the bootstrap password is ever written: the SCIM password field of the create.
    ...(initialPassword ? { password: initialPassword.reveal() } : {}),
    urnIetfParamsScimSchemasOracleIdcsExtensionUserUser: { bypassNotification: !options.welcomeEmail },
    active: enabled,
    urnIetfParamsScimSchemasOracleIdcsExtensionOciTags: {
      // The same freeform tags the classic path writes (managed-by, employee id, manager,
      // start date), so that either path finds the other's user of the Default domain converged.
      freeformTags: [
        ...Object.entries({ ...spec.freeformTags, [MANAGED_BY_TAG]: MANAGED_BY, [EMPLOYEE_TAG]: spec.employeeId }).map(([key, value]) => ({
          key,
          value,
        })),
        ...(options.callId ? [{ key: CREATED_BY_CALL_TAG, value: options.callId }] : []),
      ],
      // DEFINED_TAGS: a required tag default refuses a create without them.
      ...(spec.definedTags ? { definedTags: scimDefinedTags(spec.definedTags) } : {}),
    },
  });
  /** A write alone in its window goes as the single call, answered as a Bulk operation would be. */
  async function single(write: BulkWrite): Promise<BulkResult> {
    try {
      if (write.kind === 'create-user') {
        const user = sdk().User.getDeserializedJsonObj(write.user as unknown as models.User) as models.User;
        const response = await callOci('CreateUser', () => client.createUser({ attributes: USER_ATTRIBUTES, user }), policy);
        return { status: 201, response: sdk().User.getJsonObj(response.user) };
      }
      await patchMembers(write.groupId, [write.userId]);
      return { status: 200, response: undefined };
    } catch (error) {
      // The single call's refusal is the operation's: the caller treats both alike.
      if (error instanceof OciCallError && error.status !== undefined && error.status < 500 && error.status !== 429)
        return { status: error.status, response: { detail: error.message } };
      throw error;
    }
  }
  const patchMembers = (groupId: string, userIds: readonly string[]) =>
    callOci(
      'PatchGroup',
      () =>
        client.patchGroup({
          groupId,
          patchOp: {
            schemas: [PATCH_SCHEMA],
            operations: [{ op: 'add' as models.Operations.Op, path: 'members', value: userIds.map((value) => ({ value, type: 'User' })) }],
          },
        }),
      policy,
    );

  const directory: IdentityDirectory = {
    kind: 'domain',
    userNameRule: { pattern: /^[^\s\p{Cc}]{1,100}$/u, description: 'user names are 1-100 characters without spaces or control characters' },
    groupReference: (name) =>
      options.domainName.toLowerCase() === 'default' ? name : `${renderName(options.domainName)}/${renderName(name)}`,
    async findUserByName(name) {
      const response = await callOci(
        'ListUsers',
        () => client.listUsers({ filter: scimFilter('userName', name), attributes: USER_ATTRIBUTES, count: 2 }),
        policy,
      );
      const found = (response.users.resources ?? []).find((u) => u.userName.toLowerCase() === name.toLowerCase());
      return found && toUser(found);
    },
    createUser(spec, initialPassword, createOptions = { enabled: true }) {
      return createOrFind(
        async () => {
          const user = newUser(spec, initialPassword, createOptions.enabled);
          const coalesced = await bulk();
          if (!coalesced) {
            const response = await callOci('CreateUser', () => client.createUser({ attributes: USER_ATTRIBUTES, user }), policy);
            return toUser(response.user);
          }
          const result = await coalesced.push({ kind: 'create-user', user: sdk().User.getJsonObj(user) as Record<string, unknown> });
          // A 409 is the single call's: createOrFind reads the user back and tells whose create it was.
          if (result.status >= 300) throw operationError('CreateUser', result);
          return toUser(sdk().User.getDeserializedJsonObj(result.response as models.User) as models.User);
        },
        async () => {
          // Shared with the other look-ups of the moment: a resent Bulk answers 409 for each user it had made.
          const users = await reads.push({ employeeId: spec.employeeId, userName: spec.name });
          const found = users.find((u) => u.userName.toLowerCase() === spec.name.toLowerCase());
          return found && withCall(found);
        },
        isConflict,
        (found) => madeByThisCall(found, spec.employeeId),
      );
    },
    async updateUser(id, changes, guard) {
      const operations: models.Operations[] = [];
      // SCIM userName is mutable: a rehire under a new user name keeps its one account.
      if (changes.name !== undefined) operations.push(replace('userName', changes.name));
      if (changes.description !== undefined) operations.push(replace('description', changes.description));
      if (changes.email !== undefined) operations.push(replace('emails', [{ value: changes.email, type: 'work', primary: true }]));
      if (changes.givenName !== undefined) operations.push(replace('name.givenName', changes.givenName));
      if (changes.familyName !== undefined) operations.push(replace('name.familyName', changes.familyName));
      // The whole tag list, computed from the user as read: `If-Match` makes sure nobody changed it since.
      if (changes.freeformTags !== undefined) operations.push(replace(`${OCI_TAGS}:freeformTags`, scimFreeformTags(changes.freeformTags)));
      const response = await callOci(
        'PatchUser',
        () =>
          client.patchUser({
            userId: id,
            attributes: USER_ATTRIBUTES,
            patchOp: { schemas: [PATCH_SCHEMA], operations },
            ...ifMatch(guard),
          }),
        policy,
      );
      return withVersion(toUser(response.user), response.etag);
    },
    async findPerson(employeeId, userName) {
      // One query for both (every account with the employee id, and the one holding the user name),
      // shared with the other people looked up at the same moment.
      const users = await reads.push({ employeeId, userName });
      return {
        byEmployeeId: users.filter((u) => u.externalId === employeeId).map(toUser),
        byName: userName === undefined ? undefined : users.map(toUser).find((u) => u.name.toLowerCase() === userName.toLowerCase()),
      };
    },
    async getUser(id) {
      try {
        const response = await callOci('GetUser', () => client.getUser({ userId: id, attributes: USER_ATTRIBUTES }), policy);
        return toUser(response.user);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async findGroupByName(name) {
      const response = await callOci(
        'ListGroups',
        () => client.listGroups({ filter: scimFilter('displayName', name), attributes: GROUP_ATTRIBUTES, count: 2 }),
        policy,
      );
      const found = (response.groups.resources ?? []).find((g) => g.displayName.toLowerCase() === name.toLowerCase());
      return found && toGroup(found);
    },
    createGroup(spec) {
      return createOrFind<DirectoryGroup & { createdByCall?: string | undefined }>(
        async () => {
          const response = await callOci(
            'CreateGroup',
            () =>
              client.createGroup({
                attributes: GROUP_ATTRIBUTES,
                group: {
                  schemas: [GROUP_SCHEMA, GROUP_EXTENSION, OCI_TAGS],
                  displayName: spec.name,
                  urnIetfParamsScimSchemasOracleIdcsExtensionGroupGroup: { description: spec.description },
                  urnIetfParamsScimSchemasOracleIdcsExtensionOciTags: {
                    freeformTags: [
                      ...scimFreeformTags(spec.freeformTags ?? {}),
                      ...(options.callId ? [{ key: CREATED_BY_CALL_TAG, value: options.callId }] : []),
                    ],
                    definedTags: scimDefinedTags(spec.definedTags ?? {}),
                  },
                },
              }),
            policy,
          );
          return toGroup(response.group);
        },
        async () => {
          const response = await callOci(
            'ListGroups',
            () =>
              client.listGroups({
                filter: scimFilter('displayName', spec.name),
                attributes: GROUP_ATTRIBUTES,
                count: 2,
              }),
            policy,
          );
          const found = (response.groups.resources ?? []).find((g) => g.displayName.toLowerCase() === spec.name.toLowerCase());
          const createdByCall = found?.urnIetfParamsScimSchemasOracleIdcsExtensionOciTags?.freeformTags?.find(
            (t) => t.key === CREATED_BY_CALL_TAG,
          )?.value;
          return found && { ...toGroup(found), createdByCall };
        },
        isConflict,
        (found) => options.callId !== undefined && found.createdByCall === options.callId,
      );
    },
    async retagGroup(groupId, tags) {
      const response = await callOci(
        'PatchGroup',
        () =>
          client.patchGroup({
            groupId,
            attributes: GROUP_ATTRIBUTES,
            patchOp: {
              schemas: [PATCH_SCHEMA],
              operations: [
                replace(`${OCI_TAGS}:definedTags`, scimDefinedTags(tags.definedTags)),
                replace(`${OCI_TAGS}:freeformTags`, scimFreeformTags(tags.freeformTags)),
              ],
            },
          }),
        policy,
      );
      return toGroup(response.group);
    },
    async listManagedUsers() {
      // Every user of the domain, the managed-by mark (an OCI tag) compared here. Not `externalId pr`: in
      // the Default domain a user the classic API made (the classic path of this function) has no
      // externalId, only the employee-id tag, and a roster must still see it leave. One page per 500 users,
      // once per roster run, as the classic path lists every user of the tenancy.
      return (await listUsers(undefined)).map(toUser).filter((u) => u.managed && u.employeeId !== undefined);
    },
    async setSignIn(userId, enabled, guard) {
      await callOci(
        'PatchUser',
        () =>
          client.patchUser({
            userId,
            attributes: USER_ATTRIBUTES,
            patchOp: { schemas: [PATCH_SCHEMA], operations: [replace('active', enabled)] },
            ...ifMatch(guard),
          }),
        policy,
      );
    },
    deleteUser(userId) {
      return deleted(() => callOci('DeleteUser', () => client.deleteUser({ userId }), policy));
    },
    async membershipsOfUser(userId, options) {
      const seen = options?.asFound ? groupsSeen.get(userId) : undefined;
      groupsSeen.delete(userId);
      const groups = seen ?? (await callOci('GetUser', () => client.getUser({ userId, attributes: 'groups' }), policy)).user.groups;
      // `groups` includes indirect memberships (nested, dynamic); only direct ones can be removed.
      return (groups ?? [])
        .filter((g) => g.type === undefined || String(g.type).toLowerCase() === 'direct')
        .map((g) => ({ groupId: g.value, groupName: g.display, membershipId: g.value }));
    },
    async groupNameOf(groupId) {
      try {
        return (await callOci('GetGroup', () => client.getGroup({ groupId }), policy)).group.displayName;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    removeUserFromGroup(userId, membership) {
      groupsSeen.delete(userId);
      return deleted(() =>
        callOci(
          'PatchGroup',
          () =>
            client.patchGroup({
              groupId: membership.groupId,
              patchOp: {
                schemas: [PATCH_SCHEMA],
                // RFC 7644 section 3.5.2.2: remove one member by a value filter in the path.
                operations: [{ op: 'remove' as models.Operations.Op, path: `members[value eq ${JSON.stringify(userId)}]` }],
              },
            }),
          policy,
        ),
      );
    },
    async credentialsOfUser(userId) {
      const filter = scimFilter('user.value', userId);
      const ids = (resources: { id?: string }[] | undefined, kind: DirectoryCredential['kind']) =>
        (resources ?? []).flatMap((r): DirectoryCredential[] => (r.id ? [{ kind, id: r.id }] : []));
      const [keys, tokens, secretKeys, smtp, oauth] = await Promise.all([
        callOci('ListApiKeys', () => client.listApiKeys({ filter }), policy),
        callOci('ListAuthTokens', () => client.listAuthTokens({ filter }), policy),
        callOci('ListCustomerSecretKeys', () => client.listCustomerSecretKeys({ filter }), policy),
        callOci('ListSmtpCredentials', () => client.listSmtpCredentials({ filter }), policy),
        callOci('ListOAuth2ClientCredentials', () => client.listOAuth2ClientCredentials({ filter }), policy),
      ]);
      return [
        ...ids(keys.apiKeys.resources, CredentialKind.ApiKey),
        ...ids(tokens.authTokens.resources, CredentialKind.AuthToken),
        ...ids(secretKeys.customerSecretKeys.resources, CredentialKind.CustomerSecretKey),
        ...ids(smtp.smtpCredentials.resources, CredentialKind.SmtpCredential),
        ...ids(oauth.oAuth2ClientCredentials.resources, CredentialKind.OAuthClientCredential),
      ];
    },
    deleteCredential(_userId, credential) {
      const { id } = credential;
      const remove: Record<DirectoryCredential['kind'], () => Promise<unknown>> = {
        'api-key': () => callOci('DeleteApiKey', () => client.deleteApiKey({ apiKeyId: id }), policy),
        'auth-token': () => callOci('DeleteAuthToken', () => client.deleteAuthToken({ authTokenId: id }), policy),
        'customer-secret-key': () =>
          callOci('DeleteCustomerSecretKey', () => client.deleteCustomerSecretKey({ customerSecretKeyId: id }), policy),
        'smtp-credential': () => callOci('DeleteSmtpCredential', () => client.deleteSmtpCredential({ smtpCredentialId: id }), policy),
        'oauth2-client-credential': () =>
          callOci('DeleteOAuth2ClientCredential', () => client.deleteOAuth2ClientCredential({ oAuth2ClientCredentialId: id }), policy),
      };
      return deleted(remove[credential.kind]);
    },
    async addUserToGroup(userId, groupId) {
      groupsSeen.delete(userId);
      const isMember = async () => (await directory.membershipsOfUser(userId)).some((m) => m.groupId === groupId);
      const coalesced = await bulk();
      if (coalesced) {
        const result = await coalesced.push({ kind: 'add-member', groupId, userId });
        if (result.status < 300) return { added: true };
        // The group's operation carried other members too: a 409 may be another member's. The membership
        // itself is the proof; without it, this member alone, as a single call.
        if (result.status !== 409) throw operationError('PatchGroup', result);
        if (await isMember()) return { added: false };
      }
      try {
        await patchMembers(groupId, [userId]);
      } catch (error) {
        // A concurrent delivery added the member first: the domain answers 409 duplicateMultivaluedResource,
        // but the SDK keeps only "Conflict" of a SCIM error body, so the membership itself is the proof.
        if (error instanceof OciCallError && error.status === 409 && (await isMember())) return { added: false };
        throw error;
      }
      return { added: true };
    },
    findPolicy: (compartmentId, name) => policies.findPolicy(compartmentId, name),
    createPolicy: (spec, flags) => policies.createPolicy(spec, flags),
    updatePolicy: (id, spec, flags) => policies.updatePolicy(id, spec, flags),
    passwords: {
      async setPassword(userId, password) {
        await callOci(
          'PutUserPasswordChanger',
          () =>
            client.putUserPasswordChanger({
              userPasswordChangerId: userId,
              userPasswordChanger: {
                schemas: [PASSWORD_CHANGER_SCHEMA],
                password: password.reveal(),
                bypassNotification: !options.welcomeEmail,
              },
            }),
          policy,
        );
      },
    },
  };
  return directory;
}
