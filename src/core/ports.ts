import type { SecretValue } from '../support/secret';
import type { RoleCatalog } from './role-catalog';
import type { DefinedTags, FreeformTags, ObservedTags, ResourceTags } from './tags';
import type { UserSpec } from './user-spec';

// The interfaces the core names; OCI adapters implement them and are passed in as plain parameters.

export interface DirectoryUser {
  /** The id the directory's API takes (the OCID in classic IAM, the SCIM id in a domain). */
  readonly id: string;
  readonly ocid: string;
  readonly name: string;
  readonly email: string | undefined;
  readonly description: string;
  /** The employee the account belongs to: the `employee-id` tag, or SCIM `externalId`. */
  readonly employeeId: string | undefined;
  /** Classic IAM's freeform tags; undefined where the directory has none. */
  readonly freeformTags: Readonly<Record<string, string>> | undefined;
  /** Whether a console password is set; undefined where the directory cannot tell. */
  readonly hasPassword: boolean | undefined;
  /** Whether the user may sign in: SCIM `active` in a domain, the console-password capability in classic IAM. */
  readonly enabled: boolean;
  /** Whether the user carries this function's managed-by mark (classic tag, or a domain user's OCI tag). */
  readonly managed: boolean;
  /** The day the user left (the `left-on` mark a leaver gets), `YYYY-MM-DD`. */
  readonly leftOn: string | undefined;
  /** A domain user's names; undefined in classic IAM, which keeps them only in the description. */
  readonly givenName: string | undefined;
  readonly familyName: string | undefined;
  /**
   * The version a conditional write names: SCIM `meta.version`, or the classic user's ETag (GetUser only:
   * ListUsers' items carry none). Undefined when the read did not give one: the write is then unconditional.
   */
  readonly version?: string | undefined;
  /** When HR produced the last fact applied to this identity (the `hr-fact-at` tag), ISO 8601 UTC. */
  readonly factAt?: string | undefined;
}
/** Whom a look-up asks for: an employee, and the user name their row gives (none for a leaver). */
export interface PersonKey {
  readonly employeeId: string;
  readonly userName?: string | undefined;
}
/** Who an HR event can mean: every account carrying its employee id, and the account holding its user name. */
export interface PersonLookup {
  readonly byEmployeeId: readonly DirectoryUser[];
  /** Undefined without a user name (a leaver), or when no account has it. */
  readonly byName: DirectoryUser | undefined;
}
/** One group the user is in. */
export interface DirectoryMembership {
  readonly groupId: string;
  /** Undefined when the listing does not say (classic IAM lists group ids only). */
  readonly groupName: string | undefined;
  /** The membership's own OCID in classic IAM; the group id in a domain (removed by a group PATCH). */
  readonly membershipId: string;
}
export const CredentialKind = {
  ApiKey: 'api-key',
  AuthToken: 'auth-token',
  CustomerSecretKey: 'customer-secret-key',
  SmtpCredential: 'smtp-credential',
  OAuthClientCredential: 'oauth2-client-credential',
} as const;
export type CredentialKind = (typeof CredentialKind)[keyof typeof CredentialKind];
/** A credential a user holds; never its secret part. */
export interface DirectoryCredential {
  readonly kind: CredentialKind;
  /** What deletes it: the fingerprint of an API key in classic IAM, otherwise its id. */
  readonly id: string;
}
export interface DirectoryGroup extends ObservedTags {
  readonly id: string;
  readonly ocid: string;
  readonly name: string;
}
export interface DirectoryPolicy extends ObservedTags {
  readonly id: string;
  readonly name: string;
  readonly compartmentId: string;
  readonly description: string;
  readonly statements: readonly string[];
}
/** What an update of a user changes: only the fields given. */
export interface UserChanges {
  /** A rename (a rehire under a new user name): identity domains only, where SCIM `userName` is mutable. */
  readonly name?: string;
  readonly email?: string;
  readonly description?: string;
  readonly givenName?: string;
  readonly familyName?: string;
  /** The user's whole freeform tag set: classic tags, a domain user's OCI tags (extension OCITags). */
  readonly freeformTags?: Readonly<Record<string, string>>;
}
/** A write that must find the resource at the version the plan was made from (412 otherwise). */
export interface WriteGuard {
  readonly ifMatch?: string | undefined;
}
export interface PolicySpec {
  readonly name: string;
  readonly compartmentId: string;
  readonly description: string;
  readonly statements: readonly string[];
  /** At creation: the tags to give. On an update: the whole tag sets to write, or absent to leave the tags alone. */
  readonly definedTags?: DefinedTags;
  readonly freeformTags?: FreeformTags;
}
/** What a group is created with. */
export interface GroupSpec {
  readonly name: string;
  readonly description: string;
  readonly definedTags?: DefinedTags;
  readonly freeformTags?: FreeformTags;
}
/** A create that found the resource already there (a concurrent delivery won the race) says so. */
export interface Created<T> {
  readonly record: T;
  readonly created: boolean;
}

/** Console passwords, where the directory can set a chosen one (identity domains). */
export interface PasswordSetter {
  setPassword(userId: string, password: SecretValue): Promise<void>;
}

/** IAM users, groups, memberships and policies, bound to one invocation (its deadline and call id). */
export interface IdentityDirectory {
  readonly kind: 'classic' | 'domain';
  /** User names this directory accepts, and how to say so. */
  readonly userNameRule: { readonly pattern: RegExp; readonly description: string };
  /** How a policy statement names one of this directory's groups (`Domain/Group` outside Default). */
  groupReference(groupName: string): string;
  findUserByName(name: string): Promise<DirectoryUser | undefined>;
  /**
   * The people the look-ups that follow are about (a chunk's rows, a roster's leavers). A directory that
   * must read the whole tenancy to find a person (classic IAM cannot filter users by tag) keeps only
   * theirs, so that its memory follows the chunk, not the tenancy. A look-up of anyone else is answered
   * all the same, at the cost of another read.
   */
  expectPeople?(people: readonly PersonKey[]): void;
  /** Every account with the employee id, and the one with the user name: what decides who an event means. */
  findPerson(employeeId: string, userName: string | undefined): Promise<PersonLookup>;
  /** The user as it is now, with its version; undefined when it is gone. */
  getUser(id: string): Promise<DirectoryUser | undefined>;
  /** `initialPassword` is set at creation where the directory takes one (identity domains). */
  createUser(spec: UserSpec, initialPassword?: SecretValue, options?: { enabled: boolean }): Promise<Created<DirectoryUser>>;
  updateUser(id: string, changes: UserChanges, guard?: WriteGuard): Promise<DirectoryUser>;
  /** Every user with the managed-by mark: what a roster is compared with. */
  listManagedUsers(): Promise<readonly DirectoryUser[]>;
  /** Turns sign-in on or off: SCIM `active`; in classic IAM every capability (the API has no disable). */
  setSignIn(userId: string, enabled: boolean, guard?: WriteGuard): Promise<void>;
  /** Deletes the user; it must be in no group. */
  deleteUser(userId: string): Promise<{ removed: boolean }>;
  findGroupByName(name: string): Promise<DirectoryGroup | undefined>;
  createGroup(spec: GroupSpec): Promise<Created<DirectoryGroup>>;
  /** Replaces the group's defined and freeform tags with these whole sets. */
  retagGroup(id: string, tags: ResourceTags): Promise<DirectoryGroup>;
  /**
   * The groups the user is in, with their names. `asFound`: the plan's first read of a user just found,
   * which may be answered as of the look-up that found it (a set read may have brought the groups); any
   * other read (after a write, to take one back) asks the directory now.
   */
  membershipsOfUser(userId: string, options?: { readonly asFound?: boolean }): Promise<readonly DirectoryMembership[]>;
  /** A group's name by its id (for memberships listed without names). */
  groupNameOf(groupId: string): Promise<string | undefined>;
  /** Resolves when the user is in the group, whether or not this call added it. */
  addUserToGroup(userId: string, groupId: string): Promise<{ added: boolean }>;
  /** Resolves when the user is no longer in the group; `removed` is false when it already was not. */
  removeUserFromGroup(userId: string, membership: DirectoryMembership): Promise<{ removed: boolean }>;
  /** The user's API keys, auth tokens, customer secret keys, SMTP and OAuth 2.0 client credentials. */
  credentialsOfUser(userId: string): Promise<readonly DirectoryCredential[]>;
  deleteCredential(userId: string, credential: DirectoryCredential): Promise<{ removed: boolean }>;
  findPolicy(compartmentId: string, name: string): Promise<DirectoryPolicy | undefined>;
  /** `groupsAreNew`: a group named in the statements was created moments ago, so OCI may not see it yet. */
  createPolicy(spec: PolicySpec, options: { groupsAreNew: boolean }): Promise<Created<DirectoryPolicy>>;
  updatePolicy(id: string, spec: PolicySpec, options: { groupsAreNew: boolean }): Promise<DirectoryPolicy>;
  /** Present where chosen passwords can be set. */
  readonly passwords: PasswordSetter | undefined;
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

/** What Object Storage says of an object before reading it. */
export interface StoredObjectInfo {
  readonly etag: string;
  /** Base64 MD5 of the content: the same file uploaded again has the same one. */
  readonly md5: string;
  readonly size: number;
  readonly contentType: string | undefined;
}

/** Uploaded files, their reports, and the markers that make deliveries idempotent. */
export interface ObjectStore {
  head(bucket: string, name: string): Promise<StoredObjectInfo | undefined>;
  /**
   * Streams an object's raw bytes; decoding is the reader's job (a character may span chunks). With
   * `ifMatch`, only the version with that ETag is read: if the object was replaced since, the read
   * fails with `SOURCE_CHANGED`.
   */
  readBytes(bucket: string, name: string, options?: { readonly ifMatch?: string }): AsyncIterable<Uint8Array>;
  /** A large body (a report segment) is best given as bytes: it is then not copied again. */
  write(bucket: string, name: string, body: string | Uint8Array, contentType: string): Promise<void>;
  readJson<T>(bucket: string, name: string): Promise<T | undefined>;
  /** A JSON object with its ETag, for a conditional update. */
  readVersioned<T>(bucket: string, name: string): Promise<Versioned<T> | undefined>;
  /**
   * Writes only if the condition holds (`{ ifNoneMatch: '*' }`: no such object yet; `{ ifMatch }`:
   * still that version); answers the new ETag, or `undefined` when another writer came first (412).
   */
  writeIf(bucket: string, name: string, body: string, contentType: string, condition: WriteCondition): Promise<string | undefined>;
  /**
   * Joins `sources` into one object, in order, without holding them in memory; a source whose `size`
   * (bytes) is given is not looked up first.
   */
  compose(
    bucket: string,
    name: string,
    sources: readonly { bucket: string; name: string; size?: number }[],
    contentType: string,
  ): Promise<void>;
  delete(bucket: string, name: string): Promise<void>;
  /** Names under `prefix` with when each was last written, in name order (every page). */
  list(bucket: string, prefix: string): Promise<readonly { readonly name: string; readonly modified: number }[]>;
}
export type WriteCondition = { readonly ifNoneMatch: '*' } | { readonly ifMatch: string };
export interface Versioned<T> {
  readonly value: T;
  readonly etag: string;
}

/** Starts another invocation of this function, in the background (a worker of an upload's run). */
export interface Continuations {
  start(body: string): Promise<void>;
}

/** A message taken from the queue: hidden from other consumers until its visibility ends, unless deleted. */
export interface TakenMessage {
  readonly content: string;
  readonly receipt: string;
  /** 1 for its first delivery. */
  readonly deliveryCount: number;
}

/** Visible (waiting) and in-flight (taken, not deleted) messages of one channel; dead-lettered ones apart. */
export interface ChannelStats {
  readonly visible: number;
  readonly inFlight: number;
  readonly deadLettered: number;
}

/** The function's OCI Queue: the work of upload runs, one channel per run. */
export interface WorkQueue {
  /** Puts messages on a channel (in batches the queue accepts). */
  put(channel: string, contents: readonly string[]): Promise<void>;
  /** Takes at most one message of the channel, hidden for `visibilitySeconds`; waits up to `waitSeconds` for one. */
  take(channel: string, options: { readonly visibilitySeconds: number; readonly waitSeconds: number }): Promise<TakenMessage | undefined>;
  delete(receipt: string): Promise<void>;
  /** Makes a taken message visible again after `seconds` (0: at once). */
  release(receipt: string, seconds: number): Promise<void>;
  stats(channel: string): Promise<ChannelStats>;
  /** Channels that hold a message. */
  channels(): Promise<readonly string[]>;
}
