import type { SecretValue } from '../support/secret';
import type { RoleCatalog } from './role-catalog';

// The interfaces the core names; OCI adapters implement them and are passed in as plain parameters.

export interface DirectoryUser {
  readonly id: string;
  readonly name: string;
  readonly email: string | undefined;
  readonly description: string;
  readonly freeformTags: Readonly<Record<string, string>>;
}
export interface DirectoryGroup {
  readonly id: string;
  readonly name: string;
}
export interface DirectoryPolicy {
  readonly id: string;
  readonly name: string;
  readonly compartmentId: string;
  readonly description: string;
  readonly statements: readonly string[];
}
export interface UserSpec {
  readonly name: string;
  readonly email: string;
  readonly description: string;
  readonly freeformTags: Readonly<Record<string, string>>;
}
export interface PolicySpec {
  readonly name: string;
  readonly compartmentId: string;
  readonly description: string;
  readonly statements: readonly string[];
}
/** A create that found the resource already there (a concurrent delivery won the race) says so. */
export interface Created<T> {
  readonly record: T;
  readonly created: boolean;
}

/** IAM users, groups, memberships and policies, bound to one invocation (its deadline and call id). */
export interface IdentityDirectory {
  findUserByName(name: string): Promise<DirectoryUser | undefined>;
  createUser(spec: UserSpec): Promise<Created<DirectoryUser>>;
  updateUser(id: string, changes: Partial<Pick<UserSpec, 'email' | 'description' | 'freeformTags'>>): Promise<DirectoryUser>;
  findGroupByName(name: string): Promise<DirectoryGroup | undefined>;
  createGroup(spec: { name: string; description: string }): Promise<Created<DirectoryGroup>>;
  /** OCIDs of the groups the user is in. */
  groupIdsOfUser(userId: string): Promise<ReadonlySet<string>>;
  /** Resolves when the user is in the group, whether or not this call added it. */
  addUserToGroup(userId: string, groupId: string): Promise<{ added: boolean }>;
  findPolicy(compartmentId: string, name: string): Promise<DirectoryPolicy | undefined>;
  /** `groupsAreNew`: a group named in the statements was created moments ago, so OCI may not see it yet. */
  createPolicy(spec: PolicySpec, options: { groupsAreNew: boolean }): Promise<Created<DirectoryPolicy>>;
  updatePolicy(id: string, spec: PolicySpec, options: { groupsAreNew: boolean }): Promise<DirectoryPolicy>;
}

/** Publishes a notification (ONS topic). */
export interface Notifier {
  publish(message: { title: string; body: string }): Promise<{ messageId: string }>;
}

/** The bootstrap password, read from Vault. */
export interface SecretSource {
  read(): Promise<SecretValue>;
}

/** Where the role catalog comes from (function config or an Object Storage object). */
export interface CatalogSource {
  load(): Promise<RoleCatalog>;
}
