import { randomBytes } from 'node:crypto';
import { classicDirectory } from '../classic-directory';
import { ApiError, type ApiRequest, type Listing, notFound, pageOf, type Route, requireString } from '../http';
import { foldName } from '../indexed-map';
import { makeOcid } from '../ocid';
import { membershipEtag, requireEtag } from '../preconditions';
import {
  bumpVersion,
  type GroupRecord,
  lifecycleState,
  type MembershipRecord,
  type PolicyRecord,
  type TenancyState,
  type UserRecord,
  versionOf,
} from '../state';
import { credentialRoutes } from './identity-credentials';
import { checkStatements } from './policy-statements';
import { knownDefinedTags, withTagDefaults } from './tags';

// Identity (classic IAM) API 20160918, as documented at
// https://docs.oracle.com/en-us/iaas/api/#/en/identity/20160918/ — only the operations this project uses.

const alreadyExists = (what: string) => new ApiError(409, 'NotAuthorizedOrResourceAlreadyExists', `${what} already exists`);
const iso = (date: Date | undefined) => date?.toISOString();

function userView(user: UserRecord, tenancyId: string, now: number) {
  return {
    id: user.id,
    compartmentId: tenancyId,
    name: user.name,
    description: user.description,
    email: user.email,
    emailVerified: false,
    timeCreated: iso(user.timeCreated),
    lifecycleState: lifecycleState(user, now),
    freeformTags: user.freeformTags,
    definedTags: user.definedTags ?? {},
    capabilities: user.capabilities,
    isMfaActivated: false,
  };
}

function groupView(group: GroupRecord, tenancyId: string, now: number) {
  return {
    id: group.id,
    compartmentId: tenancyId,
    name: group.name,
    description: group.description,
    timeCreated: iso(group.timeCreated),
    lifecycleState: lifecycleState(group, now),
    freeformTags: group.freeformTags,
    definedTags: group.definedTags ?? {},
  };
}

function policyView(policy: PolicyRecord, now: number) {
  return {
    id: policy.id,
    compartmentId: policy.compartmentId,
    name: policy.name,
    description: policy.description,
    statements: policy.statements,
    timeCreated: iso(policy.timeCreated),
    lifecycleState: lifecycleState(policy, now),
    freeformTags: policy.freeformTags,
    definedTags: policy.definedTags ?? {},
  };
}

/**
 * A single user, group or policy with its `etag` header: the resource's version, which every change to
 * it replaces (GetUserResponse.etag and the other responses of oci-identity: "For optimistic concurrency
 * control. See if-match").
 */
function versioned(status: number, record: UserRecord | GroupRecord | PolicyRecord, body: unknown) {
  return { status, body, headers: { etag: versionOf(record) } };
}

function tags(body: Record<string, unknown>): Record<string, string> {
  const value = body.freeformTags;
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new ApiError(400, 'InvalidParameter', 'freeformTags must map strings to strings');
  }
  return value as Record<string, string>;
}

export function identityRoutes(state: TenancyState): Route[] {
  const tenancyId = state.tenancy.id;
  const directory = classicDirectory(state);
  // In an identity-domain tenancy the classic API's errors about users and groups are the domain's,
  // converted: a duplicate name is `409 IdcsConversionError`, a user without a primary e-mail `400
  // IdcsConversionError` (read in public threads, e.g. oracle/terraform-provider-oci issue 2045).
  const inDomain = directory.domainName !== undefined;
  const conflict = (what: string) =>
    inDomain ? new ApiError(409, 'IdcsConversionError', `${what} already exists in the Default domain`) : alreadyExists(what);
  const user = (id: string | undefined) => directory.user(id ?? '') ?? throwNotFound(`user ${id}`);
  const group = (id: string | undefined) => directory.group(id ?? '') ?? throwNotFound(`group ${id}`);
  const policy = (id: string | undefined) => state.policies.get(id ?? '') ?? throwNotFound(`policy ${id}`);
  const requireTenancy = (request: ApiRequest, value: string | null) => {
    if (value !== tenancyId) throw notFound(`compartment ${value ?? '(none)'}`);
    return request;
  };
  const knownCompartment = (id: string | null) => {
    if (id !== tenancyId && !state.compartments.has(id ?? '')) throw notFound(`compartment ${id ?? '(none)'}`);
    return id as string;
  };
  // The SDK documents the `name` filter as "match the given name exactly" (ListUsersRequest and
  // friends in oci-identity), while names stay unique without regard to case (sameName).
  const byName = <T extends { name: string }>(items: Iterable<T>, name: string | null) =>
    [...items].filter((item) => name === null || item.name === name);
  /** ListUsers, ListGroups: tenancy-level resources, filtered by name (through the name index) and paged. */
  const listInTenancy = <T extends { name: string }>(
    query: URLSearchParams,
    all: () => Listing<T>,
    named: (name: string) => T[],
    view: (item: T) => unknown,
  ) => {
    if (query.get('compartmentId') !== tenancyId) throw notFound(`compartment ${query.get('compartmentId')}`);
    const name = query.get('name');
    return pageOf(name === null ? all() : named(name), query, view);
  };

  const route = (method: Route['method'], path: string, operation: string, handle: Route['handle'], iamWrite = false): Route => ({
    method,
    pattern: new RegExp(`^/20160918${path}$`),
    service: 'identity',
    operation,
    iamWrite,
    handle,
  });
  const ID = '([^/]+)';
  const membershipView = (m: MembershipRecord) => ({
    id: m.id,
    compartmentId: tenancyId,
    userId: m.userId,
    groupId: m.groupId,
    timeCreated: iso(m.timeCreated),
    lifecycleState: lifecycleState(m, state.clock.now()),
  });

  return [
    route('GET', `/tenancies/${ID}`, 'GetTenancy', ({ params }) => {
      if (params[0] !== tenancyId) throw notFound(`tenancy ${params[0]}`);
      return {
        status: 200,
        body: {
          id: tenancyId,
          name: state.tenancy.name,
          homeRegionKey: state.tenancy.homeRegionKey,
          freeformTags: {},
          definedTags: {},
        },
      };
    }),
    route('GET', `/tenancies/${ID}/regionSubscriptions`, 'ListRegionSubscriptions', ({ params }) => {
      if (params[0] !== tenancyId) throw notFound(`tenancy ${params[0]}`);
      return { status: 200, body: state.regions.map((r) => ({ ...r, status: 'READY' })) };
    }),
    route('GET', `/compartments/${ID}`, 'GetCompartment', ({ params }) => {
      const c = state.compartments.get(params[0] ?? '') ?? throwNotFound(`compartment ${params[0]}`);
      return {
        status: 200,
        body: {
          id: c.id,
          compartmentId: c.parentId,
          name: c.name,
          description: c.description,
          timeCreated: iso(c.timeCreated),
          lifecycleState: 'ACTIVE',
          isAccessible: true,
          freeformTags: {},
          definedTags: {},
        },
      };
    }),
    route('GET', '/compartments', 'ListCompartments', ({ query }) => {
      const parent = knownCompartment(query.get('compartmentId'));
      const children = [...state.compartments.values()].filter((c) => c.parentId === parent);
      return pageOf(
        children.map((c) => ({
          id: c.id,
          compartmentId: c.parentId,
          name: c.name,
          description: c.description,
          timeCreated: iso(c.timeCreated),
          lifecycleState: 'ACTIVE',
        })),
        query,
      );
    }),

    // Users
    route(
      'POST',
      '/users',
      'CreateUser',
      (request) => {
        const body = request.json();
        requireTenancy(request, body.compartmentId as string);
        const name = requireString(body, 'name');
        const description = requireString(body, 'description');
        const definedTags = withTagDefaults(state, tenancyId, body.definedTags);
        if (directory.userByName(name)) throw conflict(`user ${name}`);
        if (inDomain && typeof body.email !== 'string') {
          throw new ApiError(400, 'IdcsConversionError', 'A user of an identity domain needs a primary e-mail address');
        }
        const record = directory.createUser({
          name,
          description,
          ...(typeof body.email === 'string' ? { email: body.email } : {}),
          freeformTags: tags(body),
          definedTags,
        });
        return versioned(200, record, userView(record, tenancyId, state.clock.now()));
      },
      true,
    ),
    route('GET', '/users', 'ListUsers', ({ query }) =>
      listInTenancy(query, directory.users, directory.usersNamed, (r) => userView(r, tenancyId, state.clock.now())),
    ),
    route('GET', `/users/${ID}`, 'GetUser', ({ params }) => {
      const record = user(params[0]);
      return versioned(200, record, userView(record, tenancyId, state.clock.now()));
    }),
    route(
      'PUT',
      `/users/${ID}`,
      'UpdateUser',
      (request) => {
        const found = user(request.params[0]);
        requireEtag(request, versionOf(found));
        const body = request.json();
        const record = directory.updateUser(found.id, {
          ...(typeof body.description === 'string' ? { description: body.description } : {}),
          ...(typeof body.email === 'string' ? { email: body.email } : {}),
          ...(body.freeformTags !== undefined ? { freeformTags: tags(body) } : {}),
        });
        return versioned(200, record, userView(record, tenancyId, state.clock.now()));
      },
      true,
    ),
    route(
      'PUT',
      `/users/${ID}/capabilities`,
      'UpdateUserCapabilities',
      (request) => {
        let record = user(request.params[0]);
        requireEtag(request, versionOf(record));
        // UpdateUserCapabilitiesDetails (oci-identity model): the seven canUse… booleans, nothing else.
        const changes = Object.entries(request.json());
        for (const [key, value] of changes) {
          if (!(key in record.capabilities)) throw new ApiError(400, 'InvalidParameter', `Unknown capability ${key}`);
          if (typeof value !== 'boolean') throw new ApiError(400, 'InvalidParameter', `${key} must be a boolean`);
        }
        for (const [key, value] of changes) record = directory.setCapability(record.id, key, value as boolean);
        return versioned(200, record, userView(record, tenancyId, state.clock.now()));
      },
      true,
    ),
    route(
      'PUT',
      `/users/${ID}/state`,
      'UpdateUserState',
      (request) => {
        const found = user(request.params[0]);
        requireEtag(request, versionOf(found));
        // The API reference: "Updates the state of a user … the only supported value is false" (it unblocks a
        // user blocked after too many failed sign-ins). It cannot disable anyone.
        const { blocked } = request.json<{ blocked?: unknown }>();
        if (blocked !== false) throw new ApiError(400, 'InvalidParameter', 'blocked can only be set to false (unblock)');
        const record = directory.unblockUser(found.id);
        return versioned(200, record, userView(record, tenancyId, state.clock.now()));
      },
      true,
    ),
    route(
      'DELETE',
      `/users/${ID}`,
      'DeleteUser',
      (request) => {
        const record = user(request.params[0]);
        requireEtag(request, versionOf(record));
        if (directory.membershipsOf({ userId: record.id }).length > 0) {
          throw new ApiError(409, 'IncorrectState', 'User is still a member of one or more groups');
        }
        directory.deleteUser(record.id);
        return { status: 204 };
      },
      true,
    ),
    route(
      'POST',
      `/users/${ID}/uiPassword`,
      'CreateOrResetUIPassword',
      ({ params }) => {
        const record = user(params[0]);
        // OCI generates the password, returns it once, and requires a change at first sign-in.
        const password = `${randomBytes(12).toString('base64url')}#1aA`;
        const timeCreated = directory.setUiPassword(record.id, password);
        return {
          status: 200,
          body: { password, userId: record.id, timeCreated: iso(timeCreated), lifecycleState: 'ACTIVE' },
        };
      },
      true,
    ),
    route('GET', `/users/${ID}/uiPassword`, 'GetUserUIPasswordInformation', ({ params }) => {
      const record = user(params[0]);
      const info = directory.uiPassword(record.id) ?? throwNotFound(`UI password of user ${record.id}`);
      return {
        status: 200,
        body: { userId: record.id, timeCreated: iso(info.timeCreated), lifecycleState: 'ACTIVE' },
      };
    }),
    route('GET', `/users/${ID}/apiKeys`, 'ListApiKeys', ({ params }) => {
      const record = user(params[0]);
      return {
        status: 200,
        body: directory.apiKeys(record.id).map((k) => ({
          ...k,
          userId: record.id,
          keyId: `${tenancyId}/${record.id}/${k.fingerprint}`,
          timeCreated: iso(k.timeCreated),
          lifecycleState: 'ACTIVE',
        })),
      };
    }),
    route(
      'DELETE',
      `/users/${ID}/apiKeys/${ID}`,
      'DeleteApiKey',
      ({ params }) => {
        const record = user(params[0]);
        const fingerprint = decodeURIComponent(params[1] ?? '');
        if (!directory.deleteApiKey(record.id, fingerprint)) throw notFound(`api key ${fingerprint}`);
        return { status: 204 };
      },
      true,
    ),

    ...credentialRoutes(state, directory, user, route),

    // Groups
    route(
      'POST',
      '/groups',
      'CreateGroup',
      (request) => {
        const body = request.json();
        requireTenancy(request, body.compartmentId as string);
        const name = requireString(body, 'name');
        const description = requireString(body, 'description');
        const definedTags = withTagDefaults(state, tenancyId, body.definedTags);
        if (directory.groupByName(name)) throw conflict(`group ${name}`);
        const record = directory.createGroup({ name, description, freeformTags: tags(body), definedTags });
        return versioned(200, record, groupView(record, tenancyId, state.clock.now()));
      },
      true,
    ),
    route('GET', '/groups', 'ListGroups', ({ query }) =>
      listInTenancy(query, directory.groups, directory.groupsNamed, (r) => groupView(r, tenancyId, state.clock.now())),
    ),
    route('GET', `/groups/${ID}`, 'GetGroup', ({ params }) => {
      const record = group(params[0]);
      return versioned(200, record, groupView(record, tenancyId, state.clock.now()));
    }),
    route(
      'PUT',
      `/groups/${ID}`,
      'UpdateGroup',
      (request) => {
        // UpdateGroupDetails (oci-identity model): description, freeformTags, definedTags; a set given replaces the old one (assumed).
        const found = group(request.params[0]);
        requireEtag(request, versionOf(found));
        const body = request.json();
        const record = directory.updateGroup(found.id, {
          ...(typeof body.description === 'string' ? { description: body.description } : {}),
          ...(body.freeformTags !== undefined ? { freeformTags: tags(body) } : {}),
          ...(body.definedTags !== undefined ? { definedTags: knownDefinedTags(state, body.definedTags) } : {}),
        });
        return versioned(200, record, groupView(record, tenancyId, state.clock.now()));
      },
      true,
    ),
    route(
      'DELETE',
      `/groups/${ID}`,
      'DeleteGroup',
      (request) => {
        const record = group(request.params[0]);
        requireEtag(request, versionOf(record));
        if (directory.membershipsOf({ groupId: record.id }).length > 0) {
          throw new ApiError(409, 'IncorrectState', 'Group still has members');
        }
        directory.deleteGroup(record.id);
        return { status: 204 };
      },
      true,
    ),

    // Memberships
    route(
      'POST',
      '/userGroupMemberships',
      'AddUserToGroup',
      (request) => {
        const body = request.json();
        const member = user(requireString(body, 'userId'));
        const target = group(requireString(body, 'groupId'));
        if (lifecycleState(member, state.clock.now()) !== 'ACTIVE' || lifecycleState(target, state.clock.now()) !== 'ACTIVE') {
          // Assumed: OCI answers IncorrectState for a resource still CREATING (the SDK retries exactly this).
          throw new ApiError(409, 'IncorrectState', 'User or group is not yet ACTIVE');
        }
        if (directory.membershipsOf({ userId: member.id, groupId: target.id }).length > 0) {
          // Identity-domain tenancies answer a duplicate membership with IdcsConversionError.
          if (inDomain) throw new ApiError(409, 'IdcsConversionError', 'The user is already a member of the group');
          throw conflict('membership');
        }
        const record = directory.addMembership(member.id, target.id);
        return { status: 200, body: membershipView(record), headers: { etag: membershipEtag(record.id) } };
      },
      true,
    ),
    route('GET', '/userGroupMemberships', 'ListUserGroupMemberships', ({ query }) => {
      if (query.get('compartmentId') !== tenancyId) throw notFound(`compartment ${query.get('compartmentId')}`);
      const userId = query.get('userId');
      const groupId = query.get('groupId');
      if (!userId && !groupId) throw new ApiError(400, 'InvalidParameter', 'userId or groupId is required');
      const items = directory.membershipsOf({ userId: userId || undefined, groupId: groupId || undefined });
      return pageOf(items.map(membershipView), query);
    }),
    route('GET', `/userGroupMemberships/${ID}`, 'GetUserGroupMembership', ({ params }) => {
      const record = directory.membership(params[0] ?? '') ?? throwNotFound(`membership ${params[0]}`);
      return { status: 200, body: membershipView(record), headers: { etag: membershipEtag(record.id) } };
    }),
    route(
      'DELETE',
      `/userGroupMemberships/${ID}`,
      'RemoveUserFromGroup',
      (request) => {
        const record = directory.membership(request.params[0] ?? '') ?? throwNotFound(`membership ${request.params[0]}`);
        requireEtag(request, membershipEtag(record.id));
        directory.removeMembership(record.id);
        return { status: 204 };
      },
      true,
    ),

    // Policies
    route(
      'POST',
      '/policies',
      'CreatePolicy',
      (request) => {
        const body = request.json();
        const compartmentId = knownCompartment(body.compartmentId as string);
        const name = requireString(body, 'name');
        const description = requireString(body, 'description');
        const definedTags = withTagDefaults(state, compartmentId, body.definedTags);
        const statements = checkStatements(state, body.statements, compartmentId);
        // Policy names are unique in the whole tenancy, not per compartment (CreatePolicyDetails.name:
        // "The name must be unique across all policies in the tenancy and cannot be changed").
        if (state.policies.findOne('name', foldName(name))) {
          throw alreadyExists(`policy ${name}`);
        }
        const record: PolicyRecord = {
          id: makeOcid('policy'),
          compartmentId,
          name,
          description,
          statements,
          freeformTags: tags(body),
          definedTags,
          ...state.lifecycle(),
        };
        state.policies.set(record.id, record);
        return versioned(200, record, policyView(record, state.clock.now()));
      },
      true,
    ),
    route('GET', '/policies', 'ListPolicies', ({ query }) => {
      const compartmentId = knownCompartment(query.get('compartmentId'));
      const items = byName(
        [...state.policies.values()].filter((p) => p.compartmentId === compartmentId),
        query.get('name'),
      );
      return pageOf(
        items.map((p) => policyView(p, state.clock.now())),
        query,
      );
    }),
    route('GET', `/policies/${ID}`, 'GetPolicy', ({ params }) => {
      const record = policy(params[0]);
      return versioned(200, record, policyView(record, state.clock.now()));
    }),
    route(
      'PUT',
      `/policies/${ID}`,
      'UpdatePolicy',
      (request) => {
        const record = policy(request.params[0]);
        requireEtag(request, versionOf(record));
        const body = request.json();
        if (body.statements !== undefined) record.statements = checkStatements(state, body.statements, record.compartmentId);
        if (typeof body.description === 'string') record.description = body.description;
        if (body.freeformTags !== undefined) record.freeformTags = tags(body);
        // UpdatePolicyDetails.definedTags: a set given replaces the old one (assumed, as for groups).
        if (body.definedTags !== undefined) record.definedTags = knownDefinedTags(state, body.definedTags);
        bumpVersion(record);
        return versioned(200, record, policyView(record, state.clock.now()));
      },
      true,
    ),
    route(
      'DELETE',
      `/policies/${ID}`,
      'DeletePolicy',
      (request) => {
        const record = policy(request.params[0]);
        requireEtag(request, versionOf(record));
        state.policies.delete(record.id);
        return { status: 204 };
      },
      true,
    ),
  ];
}

function throwNotFound(what: string): never {
  throw notFound(what);
}
