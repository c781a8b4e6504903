import { createHash, randomBytes } from 'node:crypto';
import { ALL_CAPABILITIES, type ClassicDirectory, type DefinedTags, missing } from './classic-records';
import { foldName } from './indexed-map';
import { makeOcid } from './ocid';
import {
  bumpVersion,
  type DomainGroup,
  type DomainState,
  type DomainUser,
  type GroupRecord,
  type MembershipOcid,
  type MembershipRecord,
  type TenancyState,
  type UserRecord,
  versionOf,
} from './state';

// The classic Identity API over the Default domain of an identity-domain tenancy (Oracle's "Identity
// domains and the IAM API": the IAM API manages the users and groups of the Default domain): a view
// over that domain's SCIM store, one user, one OCID (SCIM `ocid`), seen through both APIs. The classic
// ETag of a user or group is its SCIM `meta.version`, so a change through either API makes the ETag or
// version read through the other stale.

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

/** The classic API's directory of an identity-domain tenancy: a view over its Default domain. */
export function defaultDomainDirectory(state: TenancyState, domain: DomainState): ClassicDirectory {
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
      version: versionOf(u),
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
    version: versionOf(g),
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
    users: () => ({ length: domain.users.size, slice: (start, end) => [...domain.users.values()].slice(start, end).map(userView) }),
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
      bumpVersion(target);
      return userView(target);
    },
    setCapability(ocid, capability, value) {
      const target = domainUser(ocid);
      target.capabilities = { ...ALL_CAPABILITIES, ...target.capabilities, [capability]: value };
      bumpVersion(target);
      return userView(target);
    },
    unblockUser(ocid) {
      const target = domainUser(ocid);
      bumpVersion(target);
      return userView(target);
    },
    deleteUser(ocid) {
      const target = domainUser(ocid);
      // Each group the user leaves loses a member: a change of that group.
      for (const g of domain.groups.values()) if (g.members.delete(target.id)) bumpVersion(g);
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
      bumpVersion(target);
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
      // SCIM keeps members on the group: a new member is a change of the group (its meta.version).
      bumpVersion(g);
      domain.membershipOcids.set(`${g.id} ${u.id}`, { ...known, groupId: g.id, userId: u.id });
      return { ...known, userId: u.ocid, groupId: g.ocid };
    },
    removeMembership(id) {
      const found = membership(id);
      if (!found) return false;
      const u = domainUser(found.userId);
      const g = domainGroup(found.groupId);
      g.members.delete(u.id);
      bumpVersion(g);
      domain.membershipOcids.delete(`${g.id} ${u.id}`);
      return true;
    },
    setUiPassword(ocid, password) {
      // The domain user gets the generated password: SCIM shows it as set (passwordState).
      const target = domainUser(ocid);
      target.passwordHash = createHash('sha256').update(password).digest('hex');
      target.passwordSetAt = new Date();
      bumpVersion(target);
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
