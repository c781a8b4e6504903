import type { Listing } from './http';
import type { CredentialPath, CredentialRecord, GroupRecord, MembershipRecord, UserRecord } from './state';

// The classic Identity API's (20160918) view of users, groups, memberships and credentials: the
// interface both of its stores answer (a tenancy's own maps, or its Default domain).

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
  /** Every user, each shaped only when its page is read (100,000 shaped for every page cost seconds a listing). */
  users(): Listing<UserRecord>;
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
  /** Each change below gives the user (or group) a new version, its ETag (see `Versioned`). */
  updateUser(id: string, change: { description?: string; email?: string; freeformTags?: Record<string, string> }): UserRecord;
  setCapability(id: string, capability: string, value: boolean): UserRecord;
  /** UpdateUserState: unblocks the user (the only change that operation makes). */
  unblockUser(id: string): UserRecord;
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
export type DefinedTags = NonNullable<UserRecord['definedTags']>;

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

/** A directory method called for a resource the route had checked: a broken invariant, not a 404. */
export function missing(what: string): never {
  throw new Error(`${what} vanished from the local OCI's directory`);
}
