import { createHash, randomBytes } from 'node:crypto';
import { ControlPlaneState } from './control-plane-state';
import { foldName, IndexedMap } from './indexed-map';
import { makeOcid } from './ocid';

type Tags = Record<string, string>;

interface Lifecycle {
  readonly timeCreated: Date;
  /** When CREATING turns ACTIVE. */
  readonly activeAt: number;
}

/**
 * A resource's version: the classic API's `etag`, SCIM's `meta.version`. Opaque (32 hex digits, as the
 * identity domains' "Response Body" page shows `meta.version`), new on every change of the resource;
 * a record seeded without one gets one when first read.
 */
export interface Versioned {
  version?: string;
  /** When the version last changed (SCIM `meta.lastModified`). */
  lastModified?: Date;
}

/** The current version of a resource (one is given to a record that has none yet). */
export function versionOf(record: Versioned): string {
  record.version ??= randomBytes(16).toString('hex');
  return record.version;
}

/** Marks a resource changed: a new version, so every ETag read before no longer matches. */
export function bumpVersion(record: Versioned): void {
  record.version = randomBytes(16).toString('hex');
  record.lastModified = new Date();
}

export interface UserRecord extends Lifecycle, Versioned {
  id: string;
  name: string;
  description: string;
  email?: string;
  freeformTags: Tags;
  /** Defined tags as created (with the tag defaults that applied). */
  definedTags?: Record<string, Record<string, unknown>>;
  capabilities: Record<string, boolean>;
}
export interface GroupRecord extends Lifecycle, Versioned {
  id: string;
  name: string;
  description: string;
  freeformTags: Tags;
  definedTags?: Record<string, Record<string, unknown>>;
}
export interface MembershipRecord extends Lifecycle {
  id: string;
  userId: string;
  groupId: string;
}
export interface PolicyRecord extends Lifecycle, Versioned {
  id: string;
  compartmentId: string;
  name: string;
  description: string;
  statements: string[];
  freeformTags: Tags;
  definedTags?: Record<string, Record<string, unknown>>;
}
export interface DynamicGroupRecord extends Lifecycle {
  id: string;
  name: string;
  description: string;
  matchingRule: string;
  freeformTags: Tags;
}
export interface CompartmentRecord {
  id: string;
  parentId: string;
  name: string;
  description: string;
  timeCreated: Date;
}
export interface SecretRecord {
  id: string;
  name: string;
  vaultId: string;
  /** The compartment of the secret; the tenancy when unset. */
  compartmentId?: string;
  versions: { versionNumber: number; content: Buffer; stages: string[]; timeCreated: Date }[];
}
export interface PublishedMessage {
  readonly messageId: string;
  readonly topicId: string;
  readonly title: string | undefined;
  readonly body: string;
  readonly at: Date;
}
export interface TopicRecord {
  id: string;
  name: string;
  compartmentId: string;
  timeCreated: Date;
  messages: PublishedMessage[];
}
export interface StoredObject {
  body: Buffer;
  etag: string;
  md5: string;
  /** For an object committed from a multipart upload: what OCI sends instead of `content-md5`. */
  multipartMd5?: string;
  contentType: string;
  timeModified: Date;
}

export interface DomainUser extends Versioned {
  id: string;
  ocid: string;
  userName: string;
  externalId?: string;
  description?: string;
  name: { givenName?: string; familyName?: string };
  emails: { value: string; type: string; primary?: boolean }[];
  active: boolean;
  /** SHA-256 of the password; the emulator never keeps the password itself. */
  passwordHash?: string;
  passwordSetAt?: Date;
  /** Whether the domain would have sent its welcome e-mail (bypassNotification was false). */
  notified: boolean;
  /** The classic API's `canUse…` switches (SCIM extension `…:capabilities:User`); all on when unset. */
  capabilities?: Record<string, boolean>;
  /** When a user created through the classic API turns ACTIVE there; SCIM users are active at once. */
  activeAt?: number;
  created: Date;
  /** OCI freeform tags (SCIM extension `urn:ietf:params:scim:schemas:oracle:idcs:extension:OCITags`). */
  tags?: { key: string; value: string }[];
  /** OCI defined tags (the same extension), with the tag defaults that applied at creation. */
  definedTags?: { namespace: string; key: string; value: string }[];
}
/** The kinds of credential a user can hold, by their classic IAM path and their SCIM resource name. */
export const CredentialKinds = {
  authTokens: 'AuthTokens',
  customerSecretKeys: 'CustomerSecretKeys',
  smtpCredentials: 'SmtpCredentials',
  oauth2ClientCredentials: 'OAuth2ClientCredentials',
  apiKeys: 'ApiKeys',
} as const;
export type CredentialPath = keyof typeof CredentialKinds;
/** A credential of a user (never its secret): classic IAM keeps them per user, a domain as SCIM resources. */
export interface CredentialRecord {
  id: string;
  userId: string;
  kind: CredentialPath;
  description: string;
  timeCreated: Date;
}
export interface DomainGroup extends Versioned {
  id: string;
  ocid: string;
  displayName: string;
  description?: string;
  members: Set<string>;
  /** When a group created through the classic API turns ACTIVE there. */
  activeAt?: number;
  created: Date;
  /** OCI freeform tags (SCIM extension OCITags). */
  tags?: { key: string; value: string }[];
  definedTags?: { namespace: string; key: string; value: string }[];
}
/** The OCID the classic API gave a membership of a domain group, by `groupId userId` (SCIM ids). */
export interface MembershipOcid {
  id: string;
  timeCreated: Date;
  activeAt: number;
  /** The SCIM ids of the group and of the user. */
  groupId: string;
  userId: string;
}
/** An identity domain, reached through the Identity Domains (SCIM) API. */
export interface DomainState {
  readonly name: string;
  /** By SCIM id; indexed by case-folded `userName` and `externalId`, and by `ocid`. */
  readonly users: IndexedMap<string, DomainUser, 'userName' | 'externalId' | 'ocid'>;
  /** By SCIM id; indexed by case-folded `displayName` and by `ocid`. */
  readonly groups: IndexedMap<string, DomainGroup, 'displayName' | 'ocid'>;
  /** API keys, auth tokens, customer secret keys, SMTP and OAuth 2.0 client credentials, by id; indexed by user. */
  readonly credentials: IndexedMap<string, CredentialRecord, 'userId'>;
  /**
   * The classic API's OCIDs of the domain's memberships (it names each one; SCIM does not), by
   * `groupId userId` (SCIM ids), indexed by OCID; the group's `members` stay the truth.
   */
  readonly membershipOcids: IndexedMap<string, MembershipOcid, 'id' | 'groupId' | 'userId'>;
}

/** A new, empty identity domain. */
export function emptyDomain(name: string): DomainState {
  return {
    name,
    users: new IndexedMap({
      userName: (u) => foldName(u.userName),
      externalId: (u) => (u.externalId === undefined ? undefined : foldName(u.externalId)),
      ocid: (u) => u.ocid,
    }),
    groups: new IndexedMap({ displayName: (g) => foldName(g.displayName), ocid: (g) => g.ocid }),
    credentials: new IndexedMap({ userId: (c) => c.userId }),
    membershipOcids: new IndexedMap({ id: (m) => m.id, groupId: (m) => m.groupId, userId: (m) => m.userId }),
  };
}

/** The domain every identity-domain tenancy has, on which the classic IAM API acts. */
export const DEFAULT_DOMAIN_NAME = 'Default';

/** Timing knobs that make the local OCI behave like a real, eventually consistent one. */
export interface Timing {
  /** How long a create stays CREATING. */
  activationDelayMs: number;
  /** How long after its creation a group cannot yet be named in a policy statement. */
  groupVisibilityDelayMs: number;
  /** How long after its creation an IAM resource is invisible to other calls (404/400); 0 turns it off. */
  consistencyDelayMs: number;
}

/**
 * The time the local OCI's lifecycles run on: the wall clock, or a time a test stops and moves, so that
 * a CREATING resource turns ACTIVE exactly when the test says and never between two of its calls.
 */
export class LocalClock {
  private fixed: number | undefined;

  now(): number {
    return this.fixed ?? Date.now();
  }

  /** Stops time at its current value. */
  freeze(): void {
    this.fixed = this.now();
  }

  /** Moves a stopped clock on (a running one is stopped first). */
  advance(ms: number): void {
    this.fixed = this.now() + ms;
  }

  /** Back to the wall clock. */
  resume(): void {
    this.fixed = undefined;
  }
}

/** The whole local tenancy; tests read and seed it directly. */
export class TenancyState {
  readonly tenancy: { id: string; name: string; homeRegionKey: string };
  readonly regions: { regionKey: string; regionName: string; isHomeRegion: boolean }[];
  readonly namespace: string;
  /** Classic users (a tenancy without identity domains), by OCID; indexed by case-folded name. */
  readonly users = new IndexedMap<string, UserRecord, 'name'>({ name: (u) => foldName(u.name) });
  readonly groups = new IndexedMap<string, GroupRecord, 'name'>({ name: (g) => foldName(g.name) });
  readonly memberships = new IndexedMap<string, MembershipRecord, 'userId' | 'groupId'>({
    userId: (m) => m.userId,
    groupId: (m) => m.groupId,
  });
  /** Policies by OCID; indexed by case-folded name (unique in the whole tenancy). */
  readonly policies = new IndexedMap<string, PolicyRecord, 'name'>({ name: (p) => foldName(p.name) });
  readonly dynamicGroups = new Map<string, DynamicGroupRecord>();
  readonly compartments = new Map<string, CompartmentRecord>();
  readonly uiPasswords = new Map<string, { timeCreated: Date }>();
  readonly apiKeys = new Map<string, { fingerprint: string; userId: string; keyValue: string; timeCreated: Date }[]>();
  /** Auth tokens, customer secret keys, SMTP and OAuth 2.0 client credentials of classic IAM users, by id. */
  readonly userCredentials = new IndexedMap<string, CredentialRecord, 'userId'>({ userId: (c) => c.userId });
  readonly secrets = new Map<string, SecretRecord>();
  readonly topics = new Map<string, TopicRecord>();
  readonly buckets = new Map<string, Map<string, StoredObject>>();
  /** Topics' subscriptions, Events rules, Logging, Functions applications, bucket settings. */
  readonly controlPlane = new ControlPlaneState();
  /** The compartment of each bucket, by bucket name; the tenancy when unset. */
  readonly bucketCompartments = new Map<string, string>();
  /** The compartment of other resources by OCID (e.g. functions), for authorization; the tenancy when unset. */
  readonly resourceCompartments = new Map<string, string>();
  readonly timing: Timing;
  /** The time CREATING turns ACTIVE by; a test may stop and move it. */
  readonly clock = new LocalClock();
  /** The identity domain served at `domainUrl`, when the tenancy uses identity domains. */
  readonly domain: DomainState | undefined;
  /**
   * The Default domain of an identity-domain tenancy: the classic API's users, groups, memberships
   * and credentials are its own ("the IAM API works with the Default domain"). It is `domain` when
   * that is named Default; undefined in a tenancy without identity domains, whose classic API keeps
   * `users`, `groups` and `memberships`.
   */
  readonly defaultDomain: DomainState | undefined;

  constructor(options: {
    tenancyId: string;
    homeRegion: string;
    otherRegions: readonly string[];
    timing: Timing;
    domainName?: string | undefined;
  }) {
    this.domain = options.domainName ? emptyDomain(options.domainName) : undefined;
    this.defaultDomain =
      this.domain && sameName(this.domain.name, DEFAULT_DOMAIN_NAME) ? this.domain : this.domain && emptyDomain(DEFAULT_DOMAIN_NAME);
    this.tenancy = {
      id: options.tenancyId,
      name: 'local-tenancy',
      homeRegionKey: regionKey(options.homeRegion),
    };
    this.regions = [options.homeRegion, ...options.otherRegions].map((name) => ({
      regionKey: regionKey(name),
      regionName: name,
      isHomeRegion: name === options.homeRegion,
    }));
    this.namespace = `local${randomBytes(4).toString('hex')}`;
    this.timing = options.timing;
  }

  lifecycle(): Lifecycle {
    const now = this.clock.now();
    return { timeCreated: new Date(now), activeAt: now + this.timing.activationDelayMs };
  }

  addCompartment(name: string, parentId: string = this.tenancy.id): CompartmentRecord {
    const record = {
      id: makeOcid('compartment'),
      parentId,
      name,
      description: name,
      timeCreated: new Date(),
    };
    this.compartments.set(record.id, record);
    return record;
  }

  addSecret(options: { name: string; vaultId: string; content: string }): SecretRecord {
    const record: SecretRecord = {
      id: makeOcid('vaultsecret', this.regions[0]?.regionName),
      name: options.name,
      vaultId: options.vaultId,
      versions: [
        {
          versionNumber: 1,
          content: Buffer.from(options.content, 'utf8'),
          stages: ['CURRENT', 'LATEST'],
          timeCreated: new Date(),
        },
      ],
    };
    this.secrets.set(record.id, record);
    return record;
  }

  addTopic(name: string, compartmentId: string = this.tenancy.id): TopicRecord {
    const record = {
      id: makeOcid('onstopic', this.regions[0]?.regionName),
      name,
      compartmentId,
      timeCreated: new Date(),
      messages: [],
    };
    this.topics.set(record.id, record);
    return record;
  }

  putObject(bucket: string, name: string, body: Buffer | string, contentType = 'application/octet-stream'): StoredObject {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    const objects = this.buckets.get(bucket) ?? new Map<string, StoredObject>();
    this.buckets.set(bucket, objects);
    const stored = {
      body: bytes,
      etag: randomBytes(16).toString('hex'),
      md5: createHash('md5').update(bytes).digest('base64'),
      contentType,
      timeModified: new Date(),
    };
    objects.set(name, stored);
    return stored;
  }

  /** Every message published to a topic, oldest first. */
  messages(topicId: string): readonly PublishedMessage[] {
    return this.topics.get(topicId)?.messages ?? [];
  }

  /**
   * Gives a user a credential, as the user (or an administrator) would in the Console: in the user's
   * domain when the tenancy has domains (`userId` is the SCIM id or the OCID), else in classic IAM
   * (API keys by fingerprint). Returns its id.
   */
  addCredential(userId: string, kind: CredentialPath): string {
    const timeCreated = new Date();
    const inDomain = this.domainUserOf(userId);
    if (inDomain) {
      const id = createHash('md5').update(randomBytes(8)).digest('hex');
      inDomain.domain.credentials.set(id, { id, userId: inDomain.user.id, kind, description: `${kind} of ${userId}`, timeCreated });
      return id;
    }
    if (kind === 'apiKeys') {
      const fingerprint = [...randomBytes(16)].map((b) => b.toString(16).padStart(2, '0')).join(':');
      const keys = this.apiKeys.get(userId) ?? [];
      keys.push({ fingerprint, userId, keyValue: '-----BEGIN PUBLIC KEY-----\n(local)\n-----END PUBLIC KEY-----', timeCreated });
      this.apiKeys.set(userId, keys);
      return fingerprint;
    }
    const id = makeOcid(kind === 'oauth2ClientCredentials' ? 'oauth2clientcredential' : 'credential');
    this.userCredentials.set(id, { id, userId, kind, description: kind, timeCreated });
    return id;
  }

  /** Every credential a user holds, of any kind. */
  credentialsOf(userId: string): readonly (CredentialRecord | { kind: 'apiKeys'; id: string })[] {
    const inDomain = this.domainUserOf(userId);
    if (inDomain) return inDomain.domain.credentials.find('userId', inDomain.user.id);
    return [
      ...(this.apiKeys.get(userId) ?? []).map((k) => ({ kind: 'apiKeys' as const, id: k.fingerprint })),
      ...this.userCredentials.find('userId', userId),
    ];
  }

  /** A user of the served domain or of the Default domain, by SCIM id or OCID. */
  domainUserOf(userId: string): { domain: DomainState; user: DomainUser } | undefined {
    for (const domain of [this.domain, this.defaultDomain]) {
      if (!domain) continue;
      const user = domain.users.get(userId) ?? domain.users.findOne('ocid', userId);
      if (user) return { domain, user };
    }
    return undefined;
  }

  findUserByName(name: string): UserRecord | undefined {
    return this.users.findOne('name', foldName(name));
  }

  findGroupByName(name: string): GroupRecord | undefined {
    return this.groups.findOne('name', foldName(name));
  }

  /** Resolves a compartment path (`a:b:c`) relative to `fromId`, as policy statements name them. */
  resolveCompartmentPath(path: string, fromId: string): CompartmentRecord | undefined {
    let parentId = fromId;
    let found: CompartmentRecord | undefined;
    for (const part of path.split(':')) {
      found = [...this.compartments.values()].find((c) => c.parentId === parentId && sameName(c.name, part));
      if (!found) return undefined;
      parentId = found.id;
    }
    return found;
  }
}

/** IAM names are unique without regard to case. */
export function sameName(a: string, b: string): boolean {
  return foldName(a) === foldName(b);
}

export function lifecycleState(record: Lifecycle, now: number): 'CREATING' | 'ACTIVE' {
  return now >= record.activeAt ? 'ACTIVE' : 'CREATING';
}

const REGION_KEYS: Record<string, string> = {
  'us-ashburn-1': 'IAD',
  'us-phoenix-1': 'PHX',
  'eu-frankfurt-1': 'FRA',
  'uk-london-1': 'LHR',
  'ap-tokyo-1': 'NRT',
};
function regionKey(name: string): string {
  return REGION_KEYS[name] ?? name.slice(0, 3).toUpperCase();
}
