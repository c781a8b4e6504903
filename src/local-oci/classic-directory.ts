import { ALL_CAPABILITIES, type ClassicDirectory, missing } from './classic-records';
import { defaultDomainDirectory } from './default-domain-directory';
import { foldName } from './indexed-map';
import { makeOcid } from './ocid';
import { bumpVersion, type GroupRecord, type TenancyState, type UserRecord } from './state';

export { ALL_CAPABILITIES, type ClassicApiKey, type ClassicDirectory } from './classic-records';
export { apiKeyFingerprint, credentialOcid } from './default-domain-directory';

// What the classic Identity API (20160918) reads and writes for users, groups, memberships and
// credentials. A tenancy without identity domains keeps them in its own maps; in an identity-domain
// tenancy the classic API works on the Default domain (Oracle's "Identity domains and the IAM API":
// the IAM API manages the users and groups of the Default domain), so there it is a view over that
// domain's SCIM store: one user, one OCID (SCIM `ocid`), seen through both APIs.

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
      bumpVersion(record);
      return record;
    },
    setCapability(id, capability, value) {
      const record = mustUser(id);
      record.capabilities[capability] = value;
      bumpVersion(record);
      return record;
    },
    unblockUser(id) {
      const record = mustUser(id);
      bumpVersion(record);
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
      bumpVersion(record);
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
