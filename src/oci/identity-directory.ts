import { createHash } from 'node:crypto';
import type { IdentityClient, models } from 'oci-identity';
import { USER_NAME } from '../core/new-hire';
import { FACT_AT_TAG, LEFT_ON_TAG } from '../core/plan';
import {
  type Created,
  CredentialKind,
  type DirectoryCredential,
  type DirectoryGroup,
  type DirectoryPolicy,
  type DirectoryUser,
  type IdentityDirectory,
  type PolicySpec,
} from '../core/ports';
import { EMPLOYEE_TAG, MANAGED_BY, MANAGED_BY_TAG } from '../core/role-catalog';
import type { DefinedTags } from '../core/tags';
import type { UserSpec } from '../core/user-spec';
import type { OciCallError } from '../support/errors';
import { allPages, type CallPolicy, callOci, clockOf, createOrFind, deleted } from './call';
import { type ListedKeys, listedKeysBuilder } from './listed-keys';

const LIVE = new Set(['CREATING', 'ACTIVE', 'INACTIVE']);
const ALREADY_EXISTS = new Set(['NotAuthorizedOrResourceAlreadyExists', 'Conflict', 'IdcsConversionError']);
/** Extra attempts for a policy naming a group created moments ago (OCI answers 400 until it is visible). */
const NEW_GROUP_ATTEMPTS = 9;

/**
 * The SDK puts query values in the URL as they are (oci-typescript-sdk issue 291), so `a+b@x.com`
 * would reach OCI as `a b@x.com`. Encoding the value here is what makes the look-up exact.
 */
const queryValue = (value: string) => encodeURIComponent(value);

/**
 * Classic IAM has no "disable user" operation (API reference 20160918: UpdateUserState only unblocks a
 * user blocked after failed sign-ins, and there is no operation that deletes a console password). What
 * it offers is UpdateUserCapabilities: with every capability off the user can neither sign in to the
 * Console nor use API keys, auth tokens, SMTP, customer secret keys, DB or OAuth 2.0 client credentials.
 * So "enabled" is read from the console-password capability, and sign-in is switched with all of them.
 */
const capabilities = (enabled: boolean): models.UpdateUserCapabilitiesDetails => ({
  canUseConsolePassword: enabled,
  canUseApiKeys: enabled,
  canUseAuthTokens: enabled,
  canUseSmtpCredentials: enabled,
  canUseDBCredentials: enabled,
  canUseCustomerSecretKeys: enabled,
  canUseOAuth2ClientCredentials: enabled,
});

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
  enabled: u.capabilities?.canUseConsolePassword !== false,
  managed: u.freeformTags?.[MANAGED_BY_TAG] === MANAGED_BY,
  leftOn: u.freeformTags?.[LEFT_ON_TAG],
  givenName: undefined,
  familyName: undefined,
  factAt: u.freeformTags?.[FACT_AT_TAG],
});
/** A user as GetUser or a write answers it, with the ETag that `if-match` names (ListUsers' items carry none). */
const versioned = (u: models.User, etag: string | undefined): DirectoryUser => ({ ...toUser(u), version: etag });
/**
 * How long the invocation's listing of the tenancy's users stands for look-ups by employee id. Classic IAM
 * cannot filter users by tag (ListUsers filters by name only), so the listing is read once per invocation
 * (one call per 1,000 users), kept current with this invocation's own writes, and every account it points
 * to is read again (GetUser) before it is planned from.
 */
const SNAPSHOT_MS = 60_000;
/** A listing's keys: an employee id and a user name are told apart, so that one cannot pass for the other. */
const employeeKey = (employeeId: string) => `e\n${employeeId}`;
const nameKey = (lowerCaseName: string) => `n\n${lowerCaseName}`;
const isNotFound = (error: unknown) => (error as OciCallError).status === 404;
const toGroup = (g: models.Group): DirectoryGroup => ({
  id: g.id,
  ocid: g.id,
  name: g.name,
  definedTags: g.definedTags ?? {},
  freeformTags: g.freeformTags ?? {},
});
const toPolicy = (p: models.Policy): DirectoryPolicy => ({
  id: p.id,
  name: p.name,
  compartmentId: p.compartmentId,
  description: p.description,
  statements: p.statements,
  definedTags: p.definedTags ?? {},
  freeformTags: p.freeformTags ?? {},
});
type Writable = Record<string, Record<string, string>>;
/** The tags of a spec as the SDK's details take them (only those given). */
const tagsOf = (spec: { definedTags?: DefinedTags | undefined; freeformTags?: Readonly<Record<string, string>> | undefined }) => ({
  ...(spec.definedTags && Object.keys(spec.definedTags).length > 0 ? { definedTags: structuredClone(spec.definedTags) as Writable } : {}),
  ...(spec.freeformTags && Object.keys(spec.freeformTags).length > 0 ? { freeformTags: { ...spec.freeformTags } } : {}),
});

/**
 * IAM through the classic Identity API, bound to one invocation. Writes must reach the home
 * region: the client given here is placed there (runtime.ts). Each create sends an
 * `opc-retry-token` derived from the call id, so its own retries never create twice.
 */
export function classicIdentityDirectory(client: IdentityClient, tenancyId: string, callId: string, policy: CallPolicy): IdentityDirectory {
  const clock = clockOf(policy);
  const retryToken = (operation: string, key: string) =>
    createHash('sha256').update(`${callId}\n${operation}\n${key}`).digest('hex').slice(0, 64);
  const isAlreadyExists = (error: OciCallError) => error.status === 409 && ALREADY_EXISTS.has(error.ociCode ?? '');
  /**
   * How many times this invocation has added a user to a group: each add is a write of its own (a check
   * pass can put back a membership an older event took away), so each has its own retry token, which its
   * retries share. OCI answers a known token with the first answer, for 24 hours.
   */
  const adds = new Map<string, number>();
  /** Group names by id, from every look-up: memberships are listed by group id only. */
  const groupNames = new Map<string, string>();
  /** Every live user of the tenancy, a page (1,000) at a time, each page its own call (retried alone). */
  async function eachUser(visit: (user: models.User) => void): Promise<void> {
    let page: string | undefined;
    do {
      const response = await callOci('ListUsers', () => client.listUsers({ compartmentId: tenancyId, page, limit: 1000 }), policy);
      for (const u of response.items) if (LIVE.has(u.lifecycleState)) visit(u);
      page = response.opcNextPage;
    } while (page);
  }
  const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  /**
   * Whom the listing keeps: the people announced (`expectPeople`, a chunk's rows) and those looked up
   * since. Classic IAM cannot filter users by tag, so a look-up by employee id reads every user; keeping
   * only these people's entries bounds the memory by the chunk, not by the tenancy (every user's id by
   * name and by employee id took a call from 114 to 138 MB at 60,000 users).
   */
  let wanted = { employees: new Set<string>(), names: new Set<string>() };
  interface Snapshot {
    readonly at: number;
    readonly employees: ReadonlySet<string>;
    readonly names: ReadonlySet<string>;
    readonly byEmployee: Map<string, Set<string>>;
    readonly byName: Map<string, string>;
    /**
     * Every employee id and user name of the listing, compactly: a person of the next chunk whose keys it
     * does not hold has no account to find, and is answered without listing again (a chunk of new hires).
     */
    readonly listed: ListedKeys;
  }
  /** User ids by employee id and by user name (lower case) of the wanted people, from one listing (SNAPSHOT_MS). */
  let snapshot: Snapshot | undefined;
  const remember = (user: DirectoryUser) => {
    if (!snapshot) return;
    for (const ids of snapshot.byEmployee.values()) ids.delete(user.id);
    if (user.employeeId) snapshot.byEmployee.set(user.employeeId, (snapshot.byEmployee.get(user.employeeId) ?? new Set()).add(user.id));
    snapshot.byName.set(user.name.toLowerCase(), user.id);
  };
  /** The listing in progress: rows that look up at once share it instead of each listing every user. */
  let loading: Promise<Snapshot> | undefined;
  async function readSnapshot(employees: ReadonlySet<string>, names: ReadonlySet<string>): Promise<Snapshot> {
    const byEmployee = new Map<string, Set<string>>();
    const byName = new Map<string, string>();
    const listed = listedKeysBuilder();
    // Page by page, keeping only the wanted people's ids: never a page of users longer than it takes
    // to read it (a listing of 10,000 users held whole, once per row in flight, took an invocation past 180 MB).
    await eachUser((u) => {
      const id = u.freeformTags?.[EMPLOYEE_TAG];
      if (id) listed.add(employeeKey(id));
      if (id && employees.has(id)) byEmployee.set(id, (byEmployee.get(id) ?? new Set()).add(u.id));
      const name = u.name.toLowerCase();
      listed.add(nameKey(name));
      if (names.has(name)) byName.set(name, u.id);
    });
    snapshot = { at: clock.now(), employees, names, byEmployee, byName, listed: listed.seal() };
    return snapshot;
  }
  /**
   * The listing answers for a person when it is recent and knows each of their keys: kept for them, or
   * not in the tenancy at all (then the entries hold only what this invocation wrote since). "Not in the
   * tenancy" holds as of the listing's read, up to SNAPSHOT_MS ago: the same bound as for the people it
   * keeps, whose rows a chunk may reach a minute after its listing. An account another invocation made
   * since under the same name is found by the create's 409; one made under another name for the same
   * employee id, in that minute, is not.
   */
  const covers = (s: Snapshot, employeeId: string, name: string | undefined) =>
    clock.now() - s.at <= SNAPSHOT_MS &&
    (s.employees.has(employeeId) || !s.listed.has(employeeKey(employeeId))) &&
    (name === undefined || s.names.has(name) || !s.listed.has(nameKey(name)));
  /** A listing that answers for this person: the current one, or one read with them among the wanted. */
  async function snapshotFor(employeeId: string, userName: string | undefined): Promise<Snapshot> {
    const name = userName?.toLowerCase();
    for (;;) {
      if (snapshot && covers(snapshot, employeeId, name)) return snapshot;
      wanted.employees.add(employeeId);
      if (name !== undefined) wanted.names.add(name);
      // Look-ups arriving while a listing is read wait for it, then share the next one.
      loading ??= readSnapshot(new Set(wanted.employees), new Set(wanted.names)).finally(() => {
        loading = undefined;
      });
      const read = await loading;
      if (covers(read, employeeId, name)) return read;
    }
  }
  async function getUser(userId: string): Promise<DirectoryUser | undefined> {
    try {
      const response = await callOci('GetUser', () => client.getUser({ userId }), policy);
      return LIVE.has(response.user.lifecycleState) ? versioned(response.user, response.etag) : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

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
    async createUser(spec: UserSpec, _password, options = { enabled: true }) {
      const made = await create(
        'CreateUser',
        async () => {
          const response = await client.createUser({
            createUserDetails: {
              compartmentId: tenancyId,
              name: spec.name,
              description: spec.description,
              email: spec.email,
              freeformTags: { ...spec.freeformTags },
              // DEFINED_TAGS: a tenancy's required tag defaults refuse a create without them.
              ...(spec.definedTags ? tagsOf({ definedTags: spec.definedTags }) : {}),
            },
            opcRetryToken: retryToken('CreateUser', spec.name),
          });
          return versioned(response.user, response.etag);
        },
        () => directory.findUserByName(spec.name),
      );
      remember(made.record);
      // A hire starting later: classic IAM creates users able to sign in, so the capabilities go off at once.
      if (made.created && !options.enabled) {
        await directory.setSignIn(made.record.id, false);
        return { ...made, record: { ...made.record, enabled: false } };
      }
      return made;
    },
    async updateUser(id, changes, guard) {
      // Classic IAM user names are immutable (UpdateUserDetails has no name): `identify` refuses a rename first.
      const response = await callOci(
        'UpdateUser',
        () =>
          client.updateUser({
            userId: id,
            updateUserDetails: {
              ...(changes.email !== undefined ? { email: changes.email } : {}),
              ...(changes.description !== undefined ? { description: changes.description } : {}),
              ...(changes.freeformTags ? { freeformTags: { ...changes.freeformTags } } : {}),
            },
            ...(guard?.ifMatch ? { ifMatch: guard.ifMatch } : {}),
          }),
        policy,
      );
      const user = versioned(response.user, response.etag);
      remember(user);
      return user;
    },
    expectPeople(people) {
      // The chunk's people replace the last chunk's: the next listing keeps theirs only.
      wanted = { employees: new Set(people.map((p) => p.employeeId)), names: new Set() };
      for (const { userName } of people) if (userName !== undefined) wanted.names.add(userName.toLowerCase());
    },
    async findPerson(employeeId, userName) {
      // The listing that answers the look-up by employee id answers the one by name too: no ListUsers per
      // row. A user made since it was read by another invocation is not in it; then the create answers 409
      // and createOrFind reads that user by name (and it is remembered here from then on).
      const { byEmployee, byName } = await snapshotFor(employeeId, userName);
      const namedId = userName === undefined ? undefined : byName.get(userName.toLowerCase());
      // Every account is read again: the listing may be older than a write of another invocation, and
      // GetUser gives the ETag that the writes name.
      const fresh = await Promise.all([...new Set([...(byEmployee.get(employeeId) ?? []), ...(namedId ? [namedId] : [])])].map(getUser));
      const live = fresh.filter((u): u is DirectoryUser => u !== undefined);
      return {
        byEmployeeId: live.filter((u) => u.employeeId === employeeId),
        byName: userName === undefined ? undefined : live.find((u) => sameName(u.name, userName)),
      };
    },
    getUser,
    async listManagedUsers() {
      // Only the managed users are kept, never the whole tenancy's listing.
      const managed: DirectoryUser[] = [];
      await eachUser((u) => {
        const user = toUser(u);
        if (user.managed) managed.push(user);
      });
      return managed;
    },
    async setSignIn(userId, enabled, guard) {
      await callOci(
        'UpdateUserCapabilities',
        () =>
          client.updateUserCapabilities({
            userId,
            updateUserCapabilitiesDetails: capabilities(enabled),
            ...(guard?.ifMatch ? { ifMatch: guard.ifMatch } : {}),
          }),
        policy,
      );
    },
    deleteUser(userId) {
      return deleted(() => callOci('DeleteUser', () => client.deleteUser({ userId }), policy));
    },
    async findGroupByName(name) {
      const group = await findByName('ListGroups', name, (query) => client.listGroups({ compartmentId: tenancyId, ...query }));
      if (group) groupNames.set(group.id, group.name);
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
                  ...tagsOf(spec),
                },
                opcRetryToken: retryToken('CreateGroup', spec.name),
              })
            ).group,
          ),
        () => directory.findGroupByName(spec.name),
      ).then((made) => {
        groupNames.set(made.record.id, made.record.name);
        return made;
      });
    },
    async retagGroup(groupId, tags) {
      // A tag set given to an update replaces the resource's (assumed from the models, which hold no patch form; not
      // checked against a live tenancy): the caller passes what to keep with what to add.
      const response = await callOci(
        'UpdateGroup',
        () =>
          client.updateGroup({
            groupId,
            updateGroupDetails: { definedTags: structuredClone(tags.definedTags) as Writable, freeformTags: { ...tags.freeformTags } },
          }),
        policy,
      );
      return toGroup(response.group);
    },
    async membershipsOfUser(userId) {
      const memberships = await callOci(
        'ListUserGroupMemberships',
        () => allPages((page) => client.listUserGroupMemberships({ compartmentId: tenancyId, userId, page })),
        policy,
      );
      return memberships
        .filter((m) => LIVE.has(m.lifecycleState))
        .map((m) => ({ groupId: m.groupId, groupName: groupNames.get(m.groupId), membershipId: m.id }));
    },
    async groupNameOf(groupId) {
      try {
        const { group } = await callOci('GetGroup', () => client.getGroup({ groupId }), policy);
        groupNames.set(group.id, group.name);
        return group.name;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    removeUserFromGroup(_userId, membership) {
      return deleted(() =>
        callOci('RemoveUserFromGroup', () => client.removeUserFromGroup({ userGroupMembershipId: membership.membershipId }), policy),
      );
    },
    async credentialsOfUser(userId) {
      const live = (item: { lifecycleState?: string }) => item.lifecycleState === undefined || LIVE.has(item.lifecycleState);
      const [keys, tokens, secretKeys, smtp, oauth] = await Promise.all([
        callOci('ListApiKeys', () => client.listApiKeys({ userId }), policy),
        callOci('ListAuthTokens', () => client.listAuthTokens({ userId }), policy),
        callOci('ListCustomerSecretKeys', () => client.listCustomerSecretKeys({ userId }), policy),
        callOci('ListSmtpCredentials', () => client.listSmtpCredentials({ userId }), policy),
        callOci('ListOAuthClientCredentials', () => allPages((page) => client.listOAuthClientCredentials({ userId, page })), policy),
      ]);
      const of = (kind: DirectoryCredential['kind'], ids: (string | undefined)[]) =>
        ids.flatMap((id): DirectoryCredential[] => (id ? [{ kind, id }] : []));
      return [
        ...of(
          CredentialKind.ApiKey,
          keys.items.filter(live).map((k) => k.fingerprint),
        ),
        ...of(
          CredentialKind.AuthToken,
          tokens.items.filter(live).map((t) => t.id),
        ),
        ...of(
          CredentialKind.CustomerSecretKey,
          secretKeys.items.filter(live).map((k) => k.id),
        ),
        ...of(
          CredentialKind.SmtpCredential,
          smtp.items.filter(live).map((c) => c.id),
        ),
        ...of(
          CredentialKind.OAuthClientCredential,
          oauth.filter(live).map((c) => c.id),
        ),
      ];
    },
    deleteCredential(userId, credential) {
      const { id } = credential;
      const remove: Record<DirectoryCredential['kind'], () => Promise<unknown>> = {
        'api-key': () => callOci('DeleteApiKey', () => client.deleteApiKey({ userId, fingerprint: id }), policy),
        'auth-token': () => callOci('DeleteAuthToken', () => client.deleteAuthToken({ userId, authTokenId: id }), policy),
        'customer-secret-key': () =>
          callOci('DeleteCustomerSecretKey', () => client.deleteCustomerSecretKey({ userId, customerSecretKeyId: id }), policy),
        'smtp-credential': () =>
          callOci('DeleteSmtpCredential', () => client.deleteSmtpCredential({ userId, smtpCredentialId: id }), policy),
        'oauth2-client-credential': () =>
          callOci(
            'DeleteOAuthClientCredential',
            () => client.deleteOAuthClientCredential({ userId, oauth2ClientCredentialId: id }),
            policy,
          ),
      };
      return deleted(remove[credential.kind]);
    },
    async addUserToGroup(userId, groupId) {
      const pair = `${userId}/${groupId}`;
      const token = retryToken('AddUserToGroup', `${pair}#${adds.get(pair) ?? 0}`);
      adds.set(pair, (adds.get(pair) ?? 0) + 1);
      try {
        await callOci(
          'AddUserToGroup',
          () =>
            client.addUserToGroup({
              addUserToGroupDetails: { userId, groupId },
              opcRetryToken: token,
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
                  ...tagsOf(spec),
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
            // Tags are sent only when they change: a tag set given to an update replaces the policy's (assumed, as for groups).
            updatePolicyDetails: {
              description: spec.description,
              statements: [...spec.statements],
              ...(spec.definedTags ? { definedTags: structuredClone(spec.definedTags) as Writable } : {}),
              ...(spec.freeformTags ? { freeformTags: { ...spec.freeformTags } } : {}),
            },
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
