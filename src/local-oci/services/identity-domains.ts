import { createHash } from 'node:crypto';
import { ApiError, type ApiRequest, type Route, scimError } from '../http';
import { foldName } from '../indexed-map';
import { makeOcid } from '../ocid';
import { requireScimVersion, scimEtag } from '../preconditions';
import { compileScimFilter, ScimFilterError } from '../scim-filter';
import { groupCandidates, userCandidates } from '../scim-lookup';
import {
  bumpVersion,
  CredentialKinds,
  type CredentialRecord,
  type DomainGroup,
  type DomainState,
  type DomainUser,
  versionOf,
} from '../state';

// Identity Domains API (SCIM 2.0 with Oracle extensions):
// https://docs.oracle.com/en-us/iaas/api/#/en/identity-domains/v1/ — users, groups, the password changer.

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USER_EXTENSION = 'urn:ietf:params:scim:schemas:oracle:idcs:extension:user:User';
const PASSWORD_STATE = 'urn:ietf:params:scim:schemas:oracle:idcs:extension:passwordState:User';
const GROUP_EXTENSION = 'urn:ietf:params:scim:schemas:oracle:idcs:extension:group:Group';
const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const OCI_TAGS = 'urn:ietf:params:scim:schemas:oracle:idcs:extension:OCITags';
const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/** A domain's default password policy, roughly: 8+ characters with upper, lower and a digit. */
function meetsPolicy(password: string): boolean {
  return password.length >= 8 && /[A-Z]/.test(password) && /[a-z]/.test(password) && /[0-9]/.test(password);
}

function userView(user: DomainUser, domain: DomainState) {
  return {
    schemas: [USER_SCHEMA, USER_EXTENSION],
    id: user.id,
    ocid: user.ocid,
    userName: user.userName,
    ...(user.externalId ? { externalId: user.externalId } : {}),
    ...(user.description ? { description: user.description } : {}),
    name: user.name,
    emails: user.emails,
    active: user.active,
    groups: [...domain.groups.values()]
      .filter((g) => g.members.has(user.id))
      .map((g) => ({ value: g.id, ocid: g.ocid, display: g.displayName, type: 'direct' })),
    ...ociTagsView(user),
    // lastSuccessfulSetDate is absent until a password is set; mustChange is read-only in the API.
    [PASSWORD_STATE]: { ...(user.passwordSetAt ? { lastSuccessfulSetDate: user.passwordSetAt.toISOString() } : {}), mustChange: false },
    meta: {
      resourceType: 'User',
      created: user.created.toISOString(),
      lastModified: (user.lastModified ?? user.created).toISOString(),
      location: `/admin/v1/Users/${user.id}`,
      version: versionOf(user),
    },
  };
}

/**
 * Applies SCIM's `attributes` parameter (RFC 7644 section 3.9): only the attributes asked for, plus
 * those always returned; without it, every attribute returned by default. Oracle's User schema
 * returns `groups` (direct and indirect memberships) and the password state only on request, and
 * `ocid` by default, so a caller naming attributes must name `ocid` to get it (read from the
 * Identity Domains API reference; not checked against a live domain).
 */
function project(resource: Record<string, unknown>, attributes: string | null, onRequestOnly: readonly string[]): Record<string, unknown> {
  const always = new Set(['id', 'schemas']);
  if (attributes === null || attributes.trim() === '') {
    return Object.fromEntries(Object.entries(resource).filter(([key]) => !onRequestOnly.includes(key)));
  }
  const asked = attributes.split(',').map((a) => a.trim().toLowerCase());
  const wanted = (key: string) =>
    always.has(key) ||
    asked.some((a) => a === key.toLowerCase() || ['.', ':', '['].some((then) => a.startsWith(`${key.toLowerCase()}${then}`)));
  return Object.fromEntries(Object.entries(resource).filter(([key]) => wanted(key)));
}
const USER_ON_REQUEST = ['groups', PASSWORD_STATE];

/**
 * A group's `members`, when a request asks for them. Oracle's Group schema returns `members` only on
 * request (`returned: request`), at most 10,000 in one answer ("If the response contains more than
 * 10,000 members, the request will fail"), paged with `attributes=members[startIndex=1&count=10]`
 * (the `members` attribute of the Group model in oci-identitydomains, and the `GroupMembers` model).
 * Oracle does not say how the request fails: the local OCI answers 400 `tooMany` (RFC 7644 section
 * 3.12, "more results than the server is willing to calculate or process").
 */
const MAX_MEMBERS_IN_ANSWER = 10_000;
type MembersAsked = { from: number; count: number } | 'all' | undefined;
function membersAsked(attributes: string | null): MembersAsked {
  for (const asked of (attributes ?? '').split(',').map((a) => a.trim().toLowerCase())) {
    if (asked === 'members' || asked.startsWith('members.')) return { from: 1, count: Number.POSITIVE_INFINITY };
    const paged = /^members\[(.*)\]$/.exec(asked)?.[1];
    if (paged === undefined) continue;
    const page = new URLSearchParams(paged);
    const from = Number(page.get('startindex') ?? 1);
    const count = Number(page.get('count') ?? MAX_MEMBERS_IN_ANSWER);
    if (!Number.isInteger(from) || from < 1 || !Number.isInteger(count) || count < 0) {
      throw scimError(400, `Invalid members page ${asked}`, 'invalidValue');
    }
    return { from, count };
  }
  return undefined;
}
function membersView(group: DomainGroup, asked: NonNullable<MembersAsked>) {
  if (asked === 'all') return [...group.members].map((value) => ({ value, type: 'User' }));
  const end = asked.from - 1 + asked.count;
  if (Math.min(end, group.members.size) - (asked.from - 1) > MAX_MEMBERS_IN_ANSWER) {
    throw scimError(
      400,
      `Group ${group.displayName} has ${group.members.size} members; an answer holds at most ${MAX_MEMBERS_IN_ANSWER}: page them with attributes=members[startIndex=1&count=${MAX_MEMBERS_IN_ANSWER}]`,
      'tooMany',
    );
  }
  const page: { value: string; type: string }[] = [];
  let index = 0;
  for (const value of group.members) {
    index += 1;
    if (index >= end + 1) break;
    if (index >= asked.from) page.push({ value, type: 'User' });
  }
  return page;
}

/** A group as answered; its members only when asked for (built for nothing otherwise: a group may hold 100,000). */
function groupView(group: DomainGroup, members: MembersAsked) {
  return {
    schemas: [GROUP_SCHEMA, GROUP_EXTENSION],
    id: group.id,
    ocid: group.ocid,
    displayName: group.displayName,
    ...(group.description ? { [GROUP_EXTENSION]: { description: group.description } } : {}),
    ...(members ? { members: membersView(group, members) } : {}),
    ...ociTagsView(group),
    meta: {
      resourceType: 'Group',
      created: group.created.toISOString(),
      lastModified: (group.lastModified ?? group.created).toISOString(),
      location: `/admin/v1/Groups/${group.id}`,
      version: versionOf(group),
    },
  };
}

/** Filters and pages a list as SCIM does (startIndex is 1-based, count the page size). */
function listResponse<T>(
  items: readonly T[],
  request: ApiRequest,
  view: (item: T) => Record<string, unknown>,
  onRequestOnly: readonly string[] = [],
  answer: (item: T) => Record<string, unknown> = view,
) {
  const filter = request.query.get('filter');
  let predicate: (resource: Record<string, unknown>) => boolean = () => true;
  if (filter) {
    try {
      predicate = compileScimFilter(filter);
    } catch (error) {
      if (error instanceof ScimFilterError) throw scimError(400, `Invalid filter: ${error.message}`, 'invalidFilter');
      throw error;
    }
  }
  // The filter sees every attribute; the answer holds only those asked for.
  const matching = filter ? items.filter((item) => predicate(view(item))) : items;
  const start = Math.max(Number(request.query.get('startIndex') ?? 1) || 1, 1);
  const count = Math.min(Number(request.query.get('count') ?? 50) || 50, 1000);
  const page = matching
    .slice(start - 1, start - 1 + count)
    .map((item) => project(answer(item), request.query.get('attributes'), onRequestOnly));
  return {
    status: 200,
    body: { schemas: [LIST_RESPONSE], totalResults: matching.length, Resources: page, startIndex: start, itemsPerPage: page.length },
  };
}

/** The freeform tags of the OCITags extension: `[{key, value}]`, strings only. */
function ociTags(extension: unknown): { key: string; value: string }[] | undefined {
  const tags = (extension as { freeformTags?: unknown } | undefined)?.freeformTags;
  if (tags === undefined) return undefined;
  if (!Array.isArray(tags) || tags.some((t) => typeof t?.key !== 'string' || typeof t?.value !== 'string')) {
    throw scimError(400, 'freeformTags must be a list of {key, value} strings', 'invalidValue');
  }
  return tags.map((t: { key: string; value: string }) => ({ key: t.key, value: t.value }));
}

type ScimDefinedTag = { namespace: string; key: string; value: string };
type DefinedTagRecord = Record<string, Record<string, unknown>>;

/** The extension OCITags of a user or group, when it has tags of either kind. */
function ociTagsView(resource: { tags?: { key: string; value: string }[]; definedTags?: ScimDefinedTag[] }) {
  if (!resource.tags && !resource.definedTags) return {};
  return {
    [OCI_TAGS]: {
      ...(resource.tags ? { freeformTags: resource.tags } : {}),
      ...(resource.definedTags ? { definedTags: resource.definedTags } : {}),
    },
  };
}

/**
 * How the domain's defined tags are checked: a create gets the tag defaults of the domain's compartment
 * (a required one missing fails), an update only the check that every namespace and key exists. The
 * Identity Domains reference does not document this; it is assumed to follow the classic API's rules.
 */
export interface DomainTagRules {
  onCreate(requested: DefinedTagRecord): DefinedTagRecord;
  onUpdate(requested: DefinedTagRecord): DefinedTagRecord;
}

/**
 * The defined tags of the OCITags extension, `[{namespace, key, value}]` (oci-identitydomains models
 * ExtensionOCITags and DefinedTags), checked by `rule`. A refusal is answered as a SCIM 400 error;
 * the exact body OCI sends for a missing required tag on a SCIM create is assumed, not documented.
 */
function ociDefinedTags(
  extension: unknown,
  rule: ((requested: DefinedTagRecord) => DefinedTagRecord) | undefined,
): ScimDefinedTag[] | undefined {
  const list = (extension as { definedTags?: unknown } | undefined)?.definedTags;
  if (
    list !== undefined &&
    (!Array.isArray(list) || list.some((t) => ['namespace', 'key', 'value'].some((k) => typeof t?.[k] !== 'string')))
  ) {
    throw scimError(400, 'definedTags must be a list of {namespace, key, value} strings', 'invalidValue');
  }
  const requested: DefinedTagRecord = {};
  for (const t of (list ?? []) as ScimDefinedTag[]) requested[t.namespace] = { ...requested[t.namespace], [t.key]: t.value };
  let checked = requested;
  try {
    checked = rule ? rule(requested) : requested;
  } catch (error) {
    if (error instanceof ApiError) throw scimError(400, error.message, 'invalidValue');
    throw error;
  }
  const tags = Object.entries(checked).flatMap(([namespace, keys]) =>
    Object.entries(keys).map(([key, value]) => ({ namespace, key, value: String(value) })),
  );
  return list === undefined && tags.length === 0 ? undefined : tags;
}

/** The operations of a SCIM PatchOp body; a body without any is a 400 invalidSyntax. */
function patchOperations(request: ApiRequest): { op?: string; path?: string; value?: unknown }[] {
  const patch = request.json<{ Operations?: { op?: string; path?: string; value?: unknown }[] }>();
  if (!Array.isArray(patch.Operations) || patch.Operations.length === 0) throw scimError(400, 'Operations are required', 'invalidSyntax');
  return patch.Operations;
}

/**
 * Adding a member who is already in the group is refused with 409, and the error names
 * `duplicateMultivaluedResource` (body as quoted in oracle/terraform-provider-oci issue 2045).
 */
function duplicateMember(): ApiError {
  const detail =
    'Group create/replace failed due to attempting to add the same members more than once. You cannot create a Group with duplicate members.';
  return new ApiError(409, 'duplicateMultivaluedResource', detail, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:Error', 'urn:ietf:params:scim:api:oracle:idcs:extension:messages:Error'],
    detail,
    status: '409',
    'urn:ietf:params:scim:api:oracle:idcs:extension:messages:Error': { messageId: 'error.common.exception.duplicateMultivaluedResource' },
  });
}

/**
 * A user's credentials as SCIM resources (`/admin/v1/ApiKeys`, `AuthTokens`, `CustomerSecretKeys`,
 * `SmtpCredentials`, `OAuth2ClientCredentials`), listed with a filter on `user.value` and deleted by id.
 */
function credentialRoutes(
  domain: DomainState,
  route: (m: Route['method'], p: string, o: string, h: Route['handle'], w?: boolean) => Route,
) {
  const view = (c: CredentialRecord) => ({
    schemas: [`urn:ietf:params:scim:schemas:oracle:idcs:${CredentialKinds[c.kind].replace(/s$/, '')}`],
    id: c.id,
    ocid: `ocid1.credential.oc1..${c.id}`,
    description: c.description,
    user: { value: c.userId },
    ...(c.kind === 'apiKeys' ? { fingerprint: c.id.replace(/(..)(?!$)/g, '$1:') } : {}),
    meta: { resourceType: CredentialKinds[c.kind], created: c.timeCreated.toISOString() },
  });
  return Object.entries(CredentialKinds).flatMap(([kind, resource]) => {
    const singular = resource.replace(/s$/, '');
    return [
      route('GET', `/${resource}`, `List${resource}`, (request) =>
        listResponse(
          [...domain.credentials.values()].filter((c) => c.kind === kind),
          request,
          view,
        ),
      ),
      route(
        'DELETE',
        `/${resource}/([^/]+)`,
        `Delete${singular}`,
        ({ params }) => {
          const found = domain.credentials.get(params[0] ?? '');
          if (!found || found.kind !== kind) throw scimError(404, `Resource ${params[0]} not found`);
          domain.credentials.delete(found.id);
          return { status: 204 };
        },
        true,
      ),
    ];
  });
}

export function identityDomainRoutes(domain: DomainState, tagRules?: DomainTagRules): Route[] {
  const route = (method: Route['method'], path: string, operation: string, handle: Route['handle'], iamWrite = false): Route => ({
    method,
    pattern: new RegExp(`^/admin/v1${path}$`),
    service: 'identitydomains',
    operation,
    iamWrite,
    handle,
  });
  const user = (id: string | undefined) => {
    const found = domain.users.get(id ?? '');
    if (!found) throw scimError(404, `Resource ${id} not found`);
    return found;
  };
  const group = (id: string | undefined) => {
    const found = domain.groups.get(id ?? '');
    if (!found) throw scimError(404, `Resource ${id} not found`);
    return found;
  };
  const setPassword = (target: DomainUser, password: unknown) => {
    if (typeof password !== 'string' || !meetsPolicy(password)) {
      // The message never repeats the password.
      throw scimError(400, 'The password does not meet the password policy of the domain', 'invalidValue');
    }
    target.passwordHash = hash(password);
    target.passwordSetAt = new Date();
  };
  const definedOnCreate = (body: Record<string, unknown>) => {
    const definedTags = ociDefinedTags(body[OCI_TAGS], tagRules?.onCreate);
    return definedTags ? { definedTags } : {};
  };
  const definedOnUpdate = (value: unknown) => ociDefinedTags({ definedTags: value }, tagRules?.onUpdate) ?? [];
  /** The defined tags of a PUT body, checked as an update's; none when the body has none. */
  const definedOnReplace = (body: Record<string, unknown>) => {
    const definedTags = ociDefinedTags(body[OCI_TAGS], tagRules?.onUpdate);
    return definedTags ? { definedTags } : {};
  };
  /** A single user as answered, with its version as the ETag header (RFC 7644 section 3.14). */
  const userAnswer = (status: number, target: DomainUser, request: ApiRequest) => ({
    status,
    body: project(userView(target, domain), request.query.get('attributes'), USER_ON_REQUEST),
    headers: { etag: scimEtag(versionOf(target)) },
  });
  const groupAnswer = (status: number, target: DomainGroup, request: ApiRequest) => ({
    status,
    body: project(groupView(target, membersAsked(request.query.get('attributes'))), request.query.get('attributes'), []),
    headers: { etag: scimEtag(versionOf(target)) },
  });
  /** `userName` is unique in the domain without regard to case; the user being renamed may keep its own. */
  const requireFreeUserName = (userName: unknown, self?: string): string => {
    if (typeof userName !== 'string' || userName === '') throw scimError(400, 'userName is required', 'invalidValue');
    if (domain.users.find('userName', foldName(userName)).some((u) => u.id !== self)) {
      throw scimError(409, `A user with userName ${userName} already exists`, 'uniqueness');
    }
    return userName;
  };
  const requireFreeDisplayName = (displayName: unknown, self?: string): string => {
    if (typeof displayName !== 'string' || displayName === '') throw scimError(400, 'displayName is required', 'invalidValue');
    if (domain.groups.find('displayName', foldName(displayName)).some((g) => g.id !== self)) {
      throw scimError(409, `A group with displayName ${displayName} already exists`, 'uniqueness');
    }
    return displayName;
  };
  /** The writable attributes of a user in a POST or PUT body (PUT replaces them all). */
  const userAttributes = (body: Record<string, unknown>, self?: string) => ({
    userName: requireFreeUserName(body.userName, self),
    ...(typeof body.externalId === 'string' ? { externalId: body.externalId } : {}),
    ...(typeof body.description === 'string' ? { description: body.description } : {}),
    name: (body.name ?? {}) as DomainUser['name'],
    emails: (Array.isArray(body.emails) ? body.emails : []) as DomainUser['emails'],
    active: body.active !== false,
    ...(ociTags(body[OCI_TAGS]) ? { tags: ociTags(body[OCI_TAGS]) } : {}),
  });
  /**
   * Stores a changed copy of a user in place of the old one: a write that fails half-way changes nothing,
   * and the indexes follow a new `userName` or `externalId`. A stored change is a new version (RFC 7644
   * section 3.14: the version changes whenever the resource does).
   */
  const commitUser = (next: DomainUser) => {
    bumpVersion(next);
    domain.users.set(next.id, next);
    return next;
  };
  /** Members given by id; each must be a user of the domain. */
  const memberIds = (value: unknown): string[] => {
    if (!Array.isArray(value)) throw scimError(400, 'members must be a list', 'invalidValue');
    return (value as { value?: string }[]).map((member) => user(member.value).id);
  };
  const ID = '([^/]+)';

  return [
    route(
      'POST',
      '/Users',
      'CreateUser',
      (request) => {
        const body = request.json<Record<string, unknown>>();
        const extension = (body[USER_EXTENSION] ?? {}) as { bypassNotification?: boolean };
        const created: DomainUser = {
          id: createHash('md5').update(makeOcid('user')).digest('hex'),
          ocid: makeOcid('user'),
          ...userAttributes(body),
          notified: extension.bypassNotification !== true,
          created: new Date(),
          ...definedOnCreate(body),
        };
        if (body.password !== undefined) setPassword(created, body.password);
        domain.users.set(created.id, created);
        return userAnswer(201, created, request);
      },
      true,
    ),
    route('GET', '/Users', 'ListUsers', (request) =>
      listResponse(userCandidates(domain, request.query.get('filter')), request, (u) => userView(u, domain), USER_ON_REQUEST),
    ),
    route('GET', `/Users/${ID}`, 'GetUser', (request) => userAnswer(200, user(request.params[0]), request)),
    route(
      'PATCH',
      `/Users/${ID}`,
      'PatchUser',
      (request) => {
        const target = user(request.params[0]);
        requireScimVersion(request, versionOf(target));
        const next = structuredClone(target);
        for (const { op, path, value } of patchOperations(request)) {
          if (op?.toLowerCase() !== 'replace') throw scimError(400, `Unsupported patch operation ${op}`, 'invalidSyntax');
          if (path === 'description' && typeof value === 'string') next.description = value;
          // userName is mutable in SCIM (RFC 7643 section 4.1.1: unique, "REQUIRED"; not readOnly).
          else if (path === 'userName') next.userName = requireFreeUserName(value, target.id);
          else if (path === 'externalId' && typeof value === 'string') next.externalId = value;
          else if (path === 'emails' && Array.isArray(value)) next.emails = value as DomainUser['emails'];
          else if (path === 'active' && typeof value === 'boolean') next.active = value;
          else if ((path === 'name.givenName' || path === 'name.familyName') && typeof value === 'string')
            next.name = { ...next.name, [path.slice(5)]: value };
          else if (path === `${OCI_TAGS}:freeformTags`) next.tags = ociTags({ freeformTags: value }) ?? [];
          else if (path === `${OCI_TAGS}:definedTags`) next.definedTags = definedOnUpdate(value);
          else throw scimError(400, `Unsupported patch path ${path}`, 'invalidPath');
        }
        return userAnswer(200, commitUser(next), request);
      },
      true,
    ),
    route(
      'PUT',
      `/Users/${ID}`,
      'PutUser',
      (request) => {
        // RFC 7644 section 3.5.1: PUT replaces every writable attribute; those omitted are cleared.
        const target = user(request.params[0]);
        requireScimVersion(request, versionOf(target));
        const body = request.json<Record<string, unknown>>();
        // What no PUT body sets: identity, creation, the classic API's switches, the password.
        const { id, ocid, created, notified, capabilities, activeAt, passwordHash, passwordSetAt, version } = structuredClone(target);
        const next: DomainUser = {
          ...{ id, ocid, created, notified },
          ...(capabilities ? { capabilities } : {}),
          ...(activeAt !== undefined ? { activeAt } : {}),
          ...(passwordHash !== undefined && passwordSetAt !== undefined ? { passwordHash, passwordSetAt } : {}),
          ...(version !== undefined ? { version } : {}),
          ...userAttributes(body, target.id),
          ...definedOnReplace(body),
        };
        if (body.password !== undefined) setPassword(next, body.password);
        return userAnswer(200, commitUser(next), request);
      },
      true,
    ),
    route(
      'DELETE',
      `/Users/${ID}`,
      'DeleteUser',
      (request) => {
        const target = user(request.params[0]);
        requireScimVersion(request, versionOf(target));
        // Deleting a domain user drops its group memberships and its credentials with it; each group it
        // leaves has changed.
        for (const g of domain.groups.values()) if (g.members.delete(target.id)) bumpVersion(g);
        // The classic API's OCIDs of its memberships go with them.
        for (const m of domain.membershipOcids.find('userId', target.id)) domain.membershipOcids.delete(`${m.groupId} ${m.userId}`);
        for (const c of domain.credentials.find('userId', target.id)) domain.credentials.delete(c.id);
        domain.users.delete(target.id);
        return { status: 204 };
      },
      true,
    ),
    ...credentialRoutes(domain, route),
    route(
      'PUT',
      `/UserPasswordChanger/${ID}`,
      'PutUserPasswordChanger',
      (request) => {
        const target = user(request.params[0]);
        setPassword(target, request.json<{ password?: unknown }>().password);
        bumpVersion(target);
        return { status: 200, body: { schemas: ['urn:ietf:params:scim:schemas:oracle:idcs:UserPasswordChanger'], id: target.id } };
      },
      true,
    ),
    route(
      'POST',
      '/Groups',
      'CreateGroup',
      (request) => {
        const body = request.json<Record<string, unknown>>();
        const displayName = requireFreeDisplayName(body.displayName);
        const extension = (body[GROUP_EXTENSION] ?? {}) as { description?: string };
        const created: DomainGroup = {
          id: createHash('md5').update(makeOcid('group')).digest('hex'),
          ocid: makeOcid('group'),
          displayName,
          ...(extension.description ? { description: extension.description } : {}),
          members: new Set(),
          created: new Date(),
          ...(ociTags(body[OCI_TAGS]) ? { tags: ociTags(body[OCI_TAGS]) } : {}),
          ...definedOnCreate(body),
        };
        domain.groups.set(created.id, created);
        return groupAnswer(201, created, request);
      },
      true,
    ),
    route('GET', '/Groups', 'ListGroups', (request) =>
      listResponse(
        groupCandidates(domain, request.query.get('filter')),
        request,
        // A filter may name members (`members.value eq …`): it sees them all, the answer only a page.
        (g) => groupView(g, /members/i.test(request.query.get('filter') ?? '') ? 'all' : undefined),
        [],
        (g) => groupView(g, membersAsked(request.query.get('attributes'))),
      ),
    ),
    route('GET', `/Groups/${ID}`, 'GetGroup', (request) => groupAnswer(200, group(request.params[0]), request)),
    route(
      'PATCH',
      `/Groups/${ID}`,
      'PatchGroup',
      (request) => {
        const target = group(request.params[0]);
        requireScimVersion(request, versionOf(target));
        // The operations are checked before anything is stored, so a refused patch changes nothing. A
        // group's members are not copied for it (a group may hold many thousands): the patch keeps
        // what it adds and removes beside them.
        const added = new Set<string>();
        const removed = new Set<string>();
        const isMember = (id: string) => added.has(id) || (target.members.has(id) && !removed.has(id));
        const change: Pick<DomainGroup, 'tags' | 'definedTags'> = {};
        const remove = (id: string) => {
          if (!added.delete(id)) removed.add(id);
        };
        for (const operation of patchOperations(request)) {
          const op = operation.op?.toLowerCase();
          // RFC 7644 section 3.5.2.2: `remove` with a value filter in the path removes one member.
          const one = /^members\[value eq ("(?:[^"\\]|\\.)*")\]$/.exec(operation.path ?? '')?.[1];
          if (op === 'remove' && one !== undefined) remove(JSON.parse(one) as string);
          else if (op === 'replace' && operation.path === `${OCI_TAGS}:freeformTags`)
            change.tags = ociTags({ freeformTags: operation.value }) ?? [];
          else if (op === 'replace' && operation.path === `${OCI_TAGS}:definedTags`) change.definedTags = definedOnUpdate(operation.value);
          else if ((op !== 'add' && op !== 'remove') || operation.path !== 'members' || !Array.isArray(operation.value)) {
            throw scimError(400, `Unsupported patch operation ${operation.op} ${operation.path}`, 'invalidPath');
          } else {
            for (const memberId of memberIds(operation.value)) {
              if (op === 'remove') remove(memberId);
              else if (isMember(memberId)) throw duplicateMember();
              else {
                removed.delete(memberId);
                if (!target.members.has(memberId)) added.add(memberId);
              }
            }
          }
        }
        let changed = Object.keys(change).length > 0 ? 1 : 0;
        for (const memberId of removed) {
          // A member who left loses the classic API's OCID of that membership (adding it again makes a new one).
          if (target.members.delete(memberId)) {
            domain.membershipOcids.delete(`${target.id} ${memberId}`);
            changed += 1;
          }
        }
        for (const memberId of added) target.members.add(memberId);
        Object.assign(target, change);
        bumpVersion(target);
        // One write a membership: a patch adding three members wrote three (and any patch is at least one).
        return { ...groupAnswer(200, target, request), writes: Math.max(1, changed + added.size) };
      },
      true,
    ),
    route(
      'DELETE',
      `/Groups/${ID}`,
      'DeleteGroup',
      (request) => {
        const target = group(request.params[0]);
        requireScimVersion(request, versionOf(target));
        for (const m of domain.membershipOcids.find('groupId', target.id)) domain.membershipOcids.delete(`${m.groupId} ${m.userId}`);
        domain.groups.delete(target.id);
        return { status: 204 };
      },
      true,
    ),
  ];
}
