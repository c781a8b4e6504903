import type { TagDefaultRecord, TagNamespaceRecord, TagRecord } from '../control-plane-state';
import { ApiError, notFound, pageOf, type Route, requireString } from '../http';
import { makeOcid } from '../ocid';
import type { TenancyState } from '../state';

// Tagging in the Identity API 20160918: tag namespaces, tag definitions and tag defaults (the
// operations an administrator, or a landing zone, uses to make a tag required), with the shapes of
// oci-identity's models (TagNamespace, Tag, TagDefault). Oracle's "Managing Tag Defaults": a tag
// default applies to resources created in its compartment and the compartments below; a required
// one ("User-Applied Value") makes every create there fail unless the request gives the tag a value.

type DefinedTags = Record<string, Record<string, unknown>>;

/** The compartments a resource created in `compartmentId` is under, itself first, up to the tenancy. */
function lineage(state: TenancyState, compartmentId: string): string[] {
  const ids: string[] = [];
  let current: string | undefined = compartmentId;
  while (current && !ids.includes(current)) {
    ids.push(current);
    current = current === state.tenancy.id ? undefined : state.compartments.get(current)?.parentId;
  }
  return ids;
}

/**
 * What a create in `compartmentId` ends with: the request's defined tags, plus the value of every
 * tag default that applies there. A required tag default whose tag the request does not set fails
 * the create with 400, as OCI does; called by the create operations that tagged resources have.
 */
export function withTagDefaults(state: TenancyState, compartmentId: string, requested: unknown): DefinedTags {
  if (requested !== undefined && (typeof requested !== 'object' || requested === null || Array.isArray(requested))) {
    throw new ApiError(400, 'InvalidParameter', 'definedTags must be an object of namespaces');
  }
  const tags: DefinedTags = structuredClone((requested ?? {}) as DefinedTags);
  const { tagDefaults, tags: definitions, tagNamespaces } = state.controlPlane;
  const under = new Set(lineage(state, compartmentId));
  for (const tagDefault of tagDefaults.values()) {
    if (!under.has(tagDefault.compartmentId)) continue;
    const definition = definitions.get(tagDefault.tagDefinitionId);
    const namespace = definition && tagNamespaces.get(definition.tagNamespaceId);
    if (!definition || !namespace) continue;
    const given = tags[namespace.name]?.[definition.name];
    if (given !== undefined && given !== '') continue;
    if (tagDefault.isRequired) {
      throw new ApiError(
        400,
        'InvalidParameter',
        `The defined tag ${namespace.name}.${definition.name} is required in this compartment (tag default ${tagDefault.id})`,
      );
    }
    tags[namespace.name] = { ...tags[namespace.name], [definition.name]: tagDefault.value };
  }
  return knownDefinedTags(state, tags);
}

/**
 * The defined tags of an update, checked as a create's are, without tag defaults (they apply at
 * creation): every namespace and key must exist, or the request fails with 400.
 */
export function knownDefinedTags(state: TenancyState, requested: unknown): DefinedTags {
  if (requested !== undefined && (typeof requested !== 'object' || requested === null || Array.isArray(requested))) {
    throw new ApiError(400, 'InvalidParameter', 'definedTags must be an object of namespaces');
  }
  const tags: DefinedTags = structuredClone((requested ?? {}) as DefinedTags);
  const { tags: definitions, tagNamespaces } = state.controlPlane;
  for (const [namespaceName, keys] of Object.entries(tags)) {
    const namespace = [...tagNamespaces.values()].find((n) => n.name === namespaceName);
    for (const key of Object.keys(keys ?? {})) {
      if (!namespace || ![...definitions.values()].some((t) => t.tagNamespaceId === namespace.id && t.name === key)) {
        throw new ApiError(400, 'InvalidParameter', `The defined tag ${namespaceName}.${key} does not exist`);
      }
    }
  }
  return tags;
}

const iso = (date: Date) => date.toISOString();

export function tagRoutes(state: TenancyState): Route[] {
  const { tagNamespaces, tags, tagDefaults } = state.controlPlane;
  const namespaceView = (n: TagNamespaceRecord) => ({ ...n, isRetired: false, lifecycleState: 'ACTIVE', timeCreated: iso(n.timeCreated) });
  const tagView = (t: TagRecord) => ({
    ...t,
    tagNamespaceName: tagNamespaces.get(t.tagNamespaceId)?.name,
    isRetired: false,
    isCostTracking: false,
    lifecycleState: 'ACTIVE',
    timeCreated: iso(t.timeCreated),
  });
  const defaultView = (d: TagDefaultRecord) => {
    const tag = tags.get(d.tagDefinitionId);
    return {
      ...d,
      tagNamespaceId: tag?.tagNamespaceId,
      tagDefinitionName: tag?.name,
      lifecycleState: 'ACTIVE',
      timeCreated: iso(d.timeCreated),
    };
  };
  return [
    {
      method: 'POST',
      pattern: /^\/20160918\/tagNamespaces$/,
      service: 'identity',
      operation: 'CreateTagNamespace',
      iamWrite: true,
      handle: (request) => {
        const body = request.json();
        const name = requireString(body, 'name');
        if ([...tagNamespaces.values()].some((n) => n.name.toLowerCase() === name.toLowerCase())) {
          throw new ApiError(409, 'NotAuthorizedOrResourceAlreadyExists', `Tag namespace ${name} already exists`);
        }
        const record = {
          id: makeOcid('tagnamespace'),
          compartmentId: requireString(body, 'compartmentId'),
          name,
          description: requireString(body, 'description'),
          timeCreated: new Date(),
        };
        tagNamespaces.set(record.id, record);
        return { status: 200, body: namespaceView(record) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/20160918\/tagNamespaces\/([^/]+)\/tags$/,
      service: 'identity',
      operation: 'CreateTag',
      iamWrite: true,
      handle: (request) => {
        const namespace = tagNamespaces.get(request.params[0] ?? '');
        if (!namespace) throw notFound(`tag namespace ${request.params[0]}`);
        const body = request.json();
        const name = requireString(body, 'name');
        if ([...tags.values()].some((t) => t.tagNamespaceId === namespace.id && t.name.toLowerCase() === name.toLowerCase())) {
          throw new ApiError(409, 'NotAuthorizedOrResourceAlreadyExists', `Tag ${namespace.name}.${name} already exists`);
        }
        const record = {
          id: makeOcid('tagdefinition'),
          tagNamespaceId: namespace.id,
          name,
          description: requireString(body, 'description'),
          timeCreated: new Date(),
        };
        tags.set(record.id, record);
        return { status: 200, body: tagView(record) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/20160918\/tagDefaults$/,
      service: 'identity',
      operation: 'CreateTagDefault',
      iamWrite: true,
      handle: (request) => {
        const body = request.json();
        const tagDefinitionId = requireString(body, 'tagDefinitionId');
        if (!tags.has(tagDefinitionId)) throw notFound(`tag ${tagDefinitionId}`);
        const record: TagDefaultRecord = {
          id: makeOcid('tagdefault'),
          compartmentId: requireString(body, 'compartmentId'),
          tagDefinitionId,
          value: typeof body.value === 'string' ? body.value : '',
          isRequired: body.isRequired === true,
          timeCreated: new Date(),
        };
        tagDefaults.set(record.id, record);
        return { status: 200, body: defaultView(record) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/20160918\/tagDefaults$/,
      service: 'identity',
      operation: 'ListTagDefaults',
      handle: ({ query }) => {
        const compartmentId = query.get('compartmentId');
        const items = [...tagDefaults.values()].filter((d) => compartmentId === null || d.compartmentId === compartmentId).map(defaultView);
        return pageOf(items, query);
      },
    },
  ];
}
