import type { KeyObject } from 'node:crypto';
import { classicDirectory } from '../classic-directory';
import { createUserApiKey } from '../credentials';
import type { TenancyState } from '../state';

// People other than the administrator: a user of the tenancy (the Default domain when it has
// identity domains) with an API key of its own, a member of the groups named. Policies decide what
// such a user may do through `Allow group … to …` statements, as for any person in OCI.

/** A person who can sign requests to the local OCI with the real SDK. */
export interface LocalUser {
  readonly userId: string;
  readonly name: string;
  /** The groups the user is a member of, by name → OCID. */
  readonly groups: Readonly<Record<string, string>>;
  /** A config file whose `[DEFAULT]` profile signs as this user. */
  readonly configFile: string;
}

/**
 * Creates the user (or finds it by name), makes each group it does not find, adds the memberships,
 * and gives the user a new API key, registered in `apiKeys` under the SDK's `keyId`.
 * @example addPerson(state, { dir, region, apiKeys }, { name: 'deployer', groups: ['deployers'] })
 */
export function addPerson(
  state: TenancyState,
  where: { readonly dir: string; readonly region: string; readonly apiKeys: Map<string, KeyObject> },
  person: { readonly name: string; readonly groups: readonly string[] },
): LocalUser {
  const directory = classicDirectory(state);
  const user = directory.userByName(person.name) ?? directory.createUser({ name: person.name, description: 'a person', freeformTags: {} });
  const groups: Record<string, string> = {};
  for (const name of person.groups) {
    const group = directory.groupByName(name) ?? directory.createGroup({ name, description: name, freeformTags: {} });
    if (directory.membershipsOf({ userId: user.id, groupId: group.id }).length === 0) directory.addMembership(user.id, group.id);
    groups[name] = group.id;
  }
  const key = createUserApiKey({
    dir: where.dir,
    label: person.name.replace(/[^A-Za-z0-9_-]/g, '_'),
    tenancyId: state.tenancy.id,
    userId: user.id,
    region: where.region,
  });
  where.apiKeys.set(key.keyId, key.publicKey);
  return { userId: user.id, name: user.name, groups, configFile: key.configFile };
}

/** Whether a signing user still exists (a deleted user's key signs nothing). */
export function userExists(state: TenancyState, userId: string): boolean {
  return classicDirectory(state).user(userId) !== undefined || state.domainUserOf(userId) !== undefined;
}
