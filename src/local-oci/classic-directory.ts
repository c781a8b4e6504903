import { createHash, randomBytes } from 'node:crypto';
import { foldName } from './indexed-map';
import { makeOcid } from './ocid';
import type {
  CredentialPath,
  CredentialRecord,
  DomainGroup,
  DomainState,
  DomainUser,
  GroupRecord,
  MembershipOcid,
  MembershipRecord,
  TenancyState,
  UserRecord,
} from './state';

// What the classic Identity API (20160918) reads and writes for users, groups, memberships and
// credentials. A tenancy without identity domains keeps them in its own maps; in an identity-domain
// tenancy the classic API works on the Default domain (Oracle's "Identity domains and the IAM API":
// the IAM API manages the users and groups of the Default domain), so there it is a view over that
// domain's SCIM store: one user, one OCID (SCIM `ocid`), seen through both APIs.

/** A classic API key (the SDK's ApiKey model, less the derived keyId). */
export interface ClassicApiKey {
  readonly fingerprint: string;
  readonly keyValue: string;
  readonly timeCreated: Date;
}

/** The classic API's users, groups, memberships and credentials, wherever they are kept. */
export interface ClassicDirectory {
  /** `Default` in an identity-domain tenancy (for `target.resource.domain.name`), else undefined. */
  readonly domainName: string | undefined;
  users(): UserRecord[];
  /** The users named exactly `name` (ListUsers' `name` filter is exact), in the list's order. */
  usersNamed(name: string): UserRecord[];
  user(id: string): UserRecord | undefined;
  /** The user with this name without regard to case (names are unique so). */
  userByName(name: string): UserRecord | undefined;
  createUser(fields: {
    name: string;
    description: string;
    email?: string;
    freeformTags: Record<string, string>;
    definedTags?: DefinedTags;
  }): UserRecord;
  updateUser(id: string, change: { description?: string; email?: string; freeformTags?: Record<string, string> }): UserRecord;
  setCapability(id: string, capability: string, value: boolean): UserRecord;
  /** Deletes the user with its console password and credentials (memberships are checked by the caller). */
  deleteUser(id: string): void;
  groups(): GroupRecord[];
  /** The groups named exactly `name`, in the list's order. */
  groupsNamed(name: string): GroupRecord[];
  group(id: string): GroupRecord | undefined;
  groupByName(name: string): GroupRecord | undefined;
  createGroup(fields: { name: string; description: string; freeformTags: Record<string, string>; definedTags?: DefinedTags }): GroupRecord;
  updateGroup(id: string, change: { description?: string; freeformTags?: Record<string, string>; definedTags?: DefinedTags }): GroupRecord;
  deleteGroup(id: string): void;
  memberships(): MembershipRecord[];
  /** The memberships of a user, of a group, or of both, in the order of `memberships()`. */
  membershipsOf(filter: { userId?: string | undefined; groupId?: string | undefined }): MembershipRecord[];
  membership(id: string): MembershipRecord | undefined;
  addMembership(userId: string, groupId: string): MembershipRecord;
  removeMembership(id: string): boolean;
  /** Records a console password the service generated; the password itself is never kept. */
  setUiPassword(userId: string, password: string): Date;
  uiPassword(userId: string): { timeCreated: Date } | undefined;
  credentials(userId: string, kind: Exclude<CredentialPath, 'apiKeys'>): CredentialRecord[];
  deleteCredential(userId: string, kind: Exclude<CredentialPath, 'apiKeys'>, id: string): boolean;
  apiKeys(userId: string): ClassicApiKey[];
  deleteApiKey(userId: string, fingerprint: string): boolean;
}

/** Classic defined tags: `{ namespace: { key: value } }`. */
type DefinedTags = NonNullable<UserRecord['definedTags']>;

/** Every capability a new classic user has (UserCapabilities in the oci-identity model). */
export const ALL_CAPABILITIES = {
  canUseConsolePassword: true,
  canUseApiKeys: true,
  canUseAuthTokens: true,
  canUseSmtpCredentials: true,
  canUseCustomerSecretKeys: true,
  canUseOAuth2ClientCredentials: true,
  canUseDBCredentials: true,
} as const;

const views = new WeakMap<TenancyState, ClassicDirectory>();

/** The classic API's directory of a tenancy: its own maps, or a view over its Default domain. */
export function classicDirectory(state: TenancyState): ClassicDirectory {
  let view = views.get(state);
  if (!view) {
    view = state.defaultDomain ? defaultDomainDirectory(state, state.defaultDomain) : legacyDirectory(state);
    views.set(state, view);
  }
  return view;
}

function legacyDirectory(state: TenancyState): ClassicDirectory {
  const mustUser = (id: string) => state.users.get(id) ?? missing(`user ${id}`);
  return {
    domainName: undefined,
    users: () => [...state.users.values()],
    usersNamed: (name) => state.users.find('name', foldName(name)).filter((u) => u.name === name),
    user: (id) => state.users.get(id),
    userByName: (name) => state.findUserByName(name),
    createUser(fields) {
      const record: UserRecord = {
        id: makeOcid('user'),
        name: fields.name,
        description: fields.description,
        ...(fields.email !== undefined ? { email: fields.email } : {}),
        freeformTags: fields.freeformTags,
        ...(fields.definedTags !== undefined ? { definedTags: fields.definedTags } : {}),
        capabilities: { ...ALL_CAPABILITIES },
        ...state.lifecycle(),
      };
      state.users.set(record.id, record);
      return record;
    },
    updateUser(id, change) {
      const record = mustUser(id);
      if (change.description !== undefined) record.description = change.description;
      if (change.email !== undefined) record.email = change.email;
      if (change.freeformTags !== undefined) record.freeformTags = change.freeformTags;
      return record;
    },
    setCapability(id, capability, value) {
      const record = mustUser(id);
      record.capabilities[capability] = value;
      return record;
    },
    deleteUser(id) {
      state.users.delete(id);
      state.uiPasswords.delete(id);
      state.apiKeys.delete(id);
      for (const c of state.userCredentials.find('userId', id)) state.userCredentials.delete(c.id);
    },
    groups: () => [...state.groups.values()],
    groupsNamed: (name) => state.groups.find('name', foldName(name)).filter((g) => g.name === name),
    group: (id) => state.groups.get(id),
    groupByName: (name) => state.findGroupByName(name),
    createGroup(fields) {
      const record: GroupRecord = { id: makeOcid('group'), ...fields, ...state.lifecycle() };
      state.groups.set(record.id, record);
      return record;
    },
    updateGroup(id, change) {
      const record = state.groups.get(id) ?? missing(`group ${id}`);
      if (change.description !== undefined) record.description = change.description;
      if (change.freeformTags !== undefined) record.freeformTags = change.freeformTags;
      if (change.definedTags !== undefined) record.definedTags = change.definedTags;
      return record;
    },
    deleteGroup: (id) => {
      state.groups.delete(id);
    },
    memberships: () => [...state.memberships.values()],
    membershipsOf({ userId, groupId }) {
      if (userId) return state.memberships.find('userId', userId).filter((m) => !groupId || m.groupId === groupId);
      return groupId ? state.memberships.find('groupId', groupId) : [...state.memberships.values()];
    },
    membership: (id) => state.memberships.get(id),
    addMembership(userId, groupId) {
      const record = { id: makeOcid('groupmembership'), userId, groupId, ...state.lifecycle() };
      state.memberships.set(record.id, record);
      return record;
    },
    removeMembership: (id) => state.memberships.delete(id),
    setUiPassword(userId) {
      const timeCreated = new Date();
      state.uiPasswords.set(userId, { timeCreated });
      return timeCreated;
    },
    uiPassword: (userId) => state.uiPasswords.get(userId),
    credentials: (userId, kind) => state.userCredentials.find('userId', userId).filter((c) => c.kind === kind),
    deleteCredential(userId, kind, id) {
      const found = state.userCredentials.get(id);
      if (!found || found.userId !== userId || found.kind !== kind) return false;
      return state.userCredentials.delete(id);
    },
    apiKeys: (userId) => state.apiKeys.get(userId) ?? [],
    deleteApiKey(userId, fingerprint) {
      const keys = state.apiKeys.get(userId) ?? [];
      if (!keys.some((k) => k.fingerprint === fingerprint)) return false;
      state.apiKeys.set(
        userId,
        keys.filter((k) => k.fingerprint !== fingerprint),
      );
      return true;
    },
  };
}

/** SCIM ids are 32 hex digits (as the domain's own resources are here). */
const scimId = () => createHash('md5').update(randomBytes(16)).digest('hex');
const tagMap = (tags: DomainUser['tags']) => Object.fromEntries((tags ?? []).map((t) => [t.key, t.value]));
const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([key, value]) => ({ key, value }));
/** SCIM keeps defined tags as `[{namespace, key, value}]` (OCITags extension), the classic API as a map of maps. */
const definedMap = (tags: DomainUser['definedTags']): DefinedTags | undefined => {
  if (!tags) return undefined;
  const map: Record<string, Record<string, unknown>> = {};
  for (const t of tags) map[t.namespace] = { ...map[t.namespace], [t.key]: t.value };
  return map;
};
const definedList = (tags: DefinedTags) =>
  Object.entries(tags).flatMap(([namespace, keys]) =>
    Object.entries(keys).map(([key, value]) => ({ namespace, key, value: String(value) })),
  );
/** The classic OCID of a domain credential: the SCIM resource's `ocid`, as the SCIM view shows it. */
export const credentialOcid = (scimCredentialId: string) => `ocid1.credential.oc1..${scimCredentialId}`;
/** An API key's fingerprint, derived from its SCIM id as the SCIM view shows it. */
export const apiKeyFingerprint = (scimCredentialId: string) => scimCredentialId.replace(/(..)(?!$)/g, '$1:');

function defaultDomainDirectory(state: TenancyState, domain: DomainState): ClassicDirectory {
  const userByOcid = (ocid: string) => domain.users.findOne('ocid', ocid);
  const groupByOcid = (ocid: string) => domain.groups.findOne('ocid', ocid);
  const domainUser = (ocid: string) => userByOcid(ocid) ?? missing(`user ${ocid}`);
  const domainGroup = (ocid: string) => groupByOcid(ocid) ?? missing(`group ${ocid}`);
  const userView = (u: DomainUser): UserRecord => {
    const email = u.emails.find((e) => e.primary) ?? u.emails[0];
    return {
      id: u.ocid,
      name: u.userName,
      description: u.description ?? '',
      ...(email ? { email: email.value } : {}),
      freeformTags: tagMap(u.tags),
      ...(u.definedTags ? { definedTags: definedMap(u.definedTags) } : {}),
      capabilities: { ...ALL_CAPABILITIES, ...u.capabilities },
      timeCreated: u.created,
      activeAt: u.activeAt ?? u.created.getTime(),
    };
  };
  const groupView = (g: DomainGroup): GroupRecord => ({
    id: g.ocid,
    name: g.displayName,
    description: g.description ?? '',
    freeformTags: tagMap(g.tags),
    ...(g.definedTags ? { definedTags: definedMap(g.definedTags) } : {}),
    timeCreated: g.created,
    activeAt: g.activeAt ?? g.created.getTime(),
  });
  /** A membership with the OCID the classic API first gave it (or gives it now). */
  const membershipOf = (g: DomainGroup, u: DomainUser): MembershipRecord => {
    const key = `${g.id} ${u.id}`;
    let known = domain.membershipOcids.get(key);
    if (!known) {
      known = { id: makeOcid('groupmembership'), timeCreated: new Date(), activeAt: Date.now(), groupId: g.id, userId: u.id };
      domain.membershipOcids.set(key, known);
    }
    return { id: known.id, timeCreated: known.timeCreated, activeAt: known.activeAt, userId: u.ocid, groupId: g.ocid };
  };
  /** A membership removed through SCIM loses its OCID; adding it again makes a new one. */
  const forgetRemoved = (known: readonly MembershipOcid[]) => {
    for (const m of known) {
      if (!domain.users.has(m.userId) || !domain.groups.get(m.groupId)?.members.has(m.userId))
        domain.membershipOcids.delete(`${m.groupId} ${m.userId}`);
    }
  };
  /** Every membership, group by group. */
  const memberships = (): MembershipRecord[] => {
    const records: MembershipRecord[] = [];
    for (const g of domain.groups.values()) {
      for (const memberId of g.members) {
        const u = domain.users.get(memberId);
        if (u) records.push(membershipOf(g, u));
      }
    }
    forgetRemoved([...domain.membershipOcids.values()]);
    return records;
  };
  /** The memberships of one user (a scan of the groups) or of one group (a scan of its members). */
  const membershipsOf = ({ userId, groupId }: { userId?: string | undefined; groupId?: string | undefined }): MembershipRecord[] => {
    if (userId) {
      const u = userByOcid(userId);
      if (!u) return [];
      forgetRemoved(domain.membershipOcids.find('userId', u.id));
      const groups = [...domain.groups.values()].filter((g) => g.members.has(u.id) && (!groupId || g.ocid === groupId));
      return groups.map((g) => membershipOf(g, u));
    }
    if (!groupId) return memberships();
    const g = groupByOcid(groupId);
    if (!g) return [];
    forgetRemoved(domain.membershipOcids.find('groupId', g.id));
    return [...g.members].flatMap((memberId) => {
      const u = domain.users.get(memberId);
      return u ? [membershipOf(g, u)] : [];
    });
  };
  const membership = (id: string): MembershipRecord | undefined => {
    const known = domain.membershipOcids.findOne('id', id);
    const g = known && domain.groups.get(known.groupId);
    const u = known && domain.users.get(known.userId);
    return g && u && g.members.has(u.id) ? membershipOf(g, u) : undefined;
  };
  return {
    domainName: domain.name,
    users: () => [...domain.users.values()].map(userView),
    usersNamed: (name) =>
      domain.users
        .find('userName', foldName(name))
        .filter((u) => u.userName === name)
        .map(userView),
    user: (ocid) => {
      const found = userByOcid(ocid);
      return found && userView(found);
    },
    userByName(name) {
      // Domains compare userName without regard to case, as CreateUser's uniqueness check does.
      const found = domain.users.findOne('userName', foldName(name));
      return found && userView(found);
    },
    createUser(fields) {
      const lifecycle = state.lifecycle();
      const created: DomainUser = {
        id: scimId(),
        ocid: makeOcid('user'),
        userName: fields.name,
        description: fields.description,
        // Assumed: the classic API has no given or family name, and the domain user gets none from it.
        name: {},
        emails: fields.email ? [{ value: fields.email, type: 'work', primary: true }] : [],
        active: true,
        notified: false,
        created: lifecycle.timeCreated,
        activeAt: lifecycle.activeAt,
        ...(Object.keys(fields.freeformTags).length > 0 ? { tags: tagList(fields.freeformTags) } : {}),
        ...(fields.definedTags && Object.keys(fields.definedTags).length > 0 ? { definedTags: definedList(fields.definedTags) } : {}),
        capabilities: { ...ALL_CAPABILITIES },
      };
      domain.users.set(created.id, created);
      return userView(created);
    },
    updateUser(ocid, change) {
      const target = domainUser(ocid);
      if (change.description !== undefined) target.description = change.description;
      if (change.email !== undefined) target.emails = [{ value: change.email, type: 'work', primary: true }];
      if (change.freeformTags !== undefined) target.tags = tagList(change.freeformTags);
      return userView(target);
    },
    setCapability(ocid, capability, value) {
      const target = domainUser(ocid);
      target.capabilities = { ...ALL_CAPABILITIES, ...target.capabilities, [capability]: value };
      return userView(target);
    },
    deleteUser(ocid) {
      const target = domainUser(ocid);
      for (const g of domain.groups.values()) g.members.delete(target.id);
      for (const c of domain.credentials.find('userId', target.id)) domain.credentials.delete(c.id);
      forgetRemoved(domain.membershipOcids.find('userId', target.id));
      domain.users.delete(target.id);
    },
    groups: () => [...domain.groups.values()].map(groupView),
    groupsNamed: (name) =>
      domain.groups
        .find('displayName', foldName(name))
        .filter((g) => g.displayName === name)
        .map(groupView),
    group: (ocid) => {
      const found = groupByOcid(ocid);
      return found && groupView(found);
    },
    groupByName(name) {
      const found = domain.groups.findOne('displayName', foldName(name));
      return found && groupView(found);
    },
    createGroup(fields) {
      const lifecycle = state.lifecycle();
      const created: DomainGroup = {
        id: scimId(),
        ocid: makeOcid('group'),
        displayName: fields.name,
        description: fields.description,
        members: new Set(),
        created: lifecycle.timeCreated,
        activeAt: lifecycle.activeAt,
        ...(Object.keys(fields.freeformTags).length > 0 ? { tags: tagList(fields.freeformTags) } : {}),
        ...(fields.definedTags && Object.keys(fields.definedTags).length > 0 ? { definedTags: definedList(fields.definedTags) } : {}),
      };
      domain.groups.set(created.id, created);
      return groupView(created);
    },
    updateGroup(ocid, change) {
      const target = domainGroup(ocid);
      if (change.description !== undefined) target.description = change.description;
      if (change.freeformTags !== undefined) target.tags = tagList(change.freeformTags);
      if (change.definedTags !== undefined) target.definedTags = definedList(change.definedTags);
      return groupView(target);
    },
    deleteGroup(ocid) {
      const target = domainGroup(ocid);
      domain.groups.delete(target.id);
      forgetRemoved(domain.membershipOcids.find('groupId', target.id));
    },
    memberships,
    membershipsOf,
    membership,
    addMembership(userOcid, groupOcid) {
      const u = domainUser(userOcid);
      const g = domainGroup(groupOcid);
      const known = { id: makeOcid('groupmembership'), ...state.lifecycle() };
      g.members.add(u.id);
      domain.membershipOcids.set(`${g.id} ${u.id}`, { ...known, groupId: g.id, userId: u.id });
      return { ...known, userId: u.ocid, groupId: g.ocid };
    },
    removeMembership(id) {
      const found = membership(id);
      if (!found) return false;
      const u = domainUser(found.userId);
      const g = domainGroup(found.groupId);
      g.members.delete(u.id);
      domain.membershipOcids.delete(`${g.id} ${u.id}`);
      return true;
    },
    setUiPassword(ocid, password) {
      // The domain user gets the generated password: SCIM shows it as set (passwordState).
      const target = domainUser(ocid);
      target.passwordHash = createHash('sha256').update(password).digest('hex');
      target.passwordSetAt = new Date();
      return target.passwordSetAt;
    },
    uiPassword(ocid) {
      const at = userByOcid(ocid)?.passwordSetAt;
      return at && { timeCreated: at };
    },
    credentials(ocid, kind) {
      const owner = domainUser(ocid);
      return domain.credentials
        .find('userId', owner.id)
        .filter((c) => c.kind === kind)
        .map((c) => ({ ...c, id: credentialOcid(c.id), userId: owner.ocid }));
    },
    deleteCredential(ocid, kind, id) {
      const owner = domainUser(ocid);
      const prefix = credentialOcid('');
      const found = id.startsWith(prefix) ? domain.credentials.get(id.slice(prefix.length)) : undefined;
      if (!found || found.userId !== owner.id || found.kind !== kind) return false;
      return domain.credentials.delete(found.id);
    },
    apiKeys(ocid) {
      const owner = domainUser(ocid);
      return domain.credentials
        .find('userId', owner.id)
        .filter((c) => c.kind === 'apiKeys')
        .map((c) => ({
          fingerprint: apiKeyFingerprint(c.id),
          keyValue: '-----BEGIN PUBLIC KEY-----\n(local)\n-----END PUBLIC KEY-----',
          timeCreated: c.timeCreated,
        }));
    },
    deleteApiKey(ocid, fingerprint) {
      const owner = domainUser(ocid);
      const found = domain.credentials
        .find('userId', owner.id)
        .find((c) => c.kind === 'apiKeys' && apiKeyFingerprint(c.id) === fingerprint);
      return found !== undefined && domain.credentials.delete(found.id);
    },
  };
}

/** A directory method called for a resource the route had checked: a broken invariant, not a 404. */
function missing(what: string): never {
  throw new Error(`${what} vanished from the local OCI's directory`);
}
