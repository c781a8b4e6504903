import { MatchingRuleError, parseMatchingRule } from '../authz/matching-rule';
import { ApiError, notFound, pageOf, type Route, requireString } from '../http';
import { makeOcid } from '../ocid';
import { type DynamicGroupRecord, lifecycleState, sameName, type TenancyState } from '../state';

// Dynamic groups of the classic Identity API 20160918: CreateDynamicGroup, GetDynamicGroup,
// ListDynamicGroups, UpdateDynamicGroup, DeleteDynamicGroup, at the paths and with the shapes of
// oci-identity's client and models (lib/client.js, lib/model/dynamic-group.d.ts).

function view(record: DynamicGroupRecord, tenancyId: string, now: number) {
  return {
    id: record.id,
    compartmentId: tenancyId,
    name: record.name,
    description: record.description,
    matchingRule: record.matchingRule,
    timeCreated: record.timeCreated.toISOString(),
    lifecycleState: lifecycleState(record, now),
    freeformTags: record.freeformTags,
    definedTags: {},
  };
}

function checkedRule(value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw new ApiError(400, 'InvalidParameter', 'matchingRule is required');
  try {
    parseMatchingRule(value);
  } catch (error) {
    if (!(error instanceof MatchingRuleError)) throw error;
    throw new ApiError(400, 'InvalidParameter', `Invalid matching rule: ${error.message}`);
  }
  return value;
}

function checkedTags(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new ApiError(400, 'InvalidParameter', 'freeformTags must map strings to strings');
  }
  return value as Record<string, string>;
}

/** The dynamic-group operations of the classic Identity API. */
export function dynamicGroupRoutes(state: TenancyState): Route[] {
  const tenancyId = state.tenancy.id;
  const find = (id: string | undefined) => {
    const record = state.dynamicGroups.get(id ?? '');
    if (!record) throw notFound(`dynamic group ${id}`);
    return record;
  };
  const route = (method: Route['method'], path: string, operation: string, handle: Route['handle'], iamWrite = false): Route => ({
    method,
    pattern: new RegExp(`^/20160918${path}$`),
    service: 'identity',
    operation,
    iamWrite,
    handle,
  });

  return [
    route(
      'POST',
      '/dynamicGroups',
      'CreateDynamicGroup',
      (request) => {
        const body = request.json();
        if (body.compartmentId !== tenancyId) throw notFound(`compartment ${String(body.compartmentId)}`);
        const name = requireString(body, 'name');
        if (typeof body.description !== 'string') throw new ApiError(400, 'InvalidParameter', 'description is required');
        const matchingRule = checkedRule(body.matchingRule);
        if ([...state.dynamicGroups.values()].some((g) => sameName(g.name, name))) {
          throw new ApiError(409, 'NotAuthorizedOrResourceAlreadyExists', `dynamic group ${name} already exists`);
        }
        const record: DynamicGroupRecord = {
          id: makeOcid('dynamicgroup'),
          name,
          description: body.description,
          matchingRule,
          freeformTags: checkedTags(body.freeformTags),
          ...state.lifecycle(),
        };
        state.dynamicGroups.set(record.id, record);
        return { status: 200, body: view(record, tenancyId, state.clock.now()) };
      },
      true,
    ),
    route('GET', '/dynamicGroups', 'ListDynamicGroups', ({ query }) => {
      if (query.get('compartmentId') !== tenancyId) throw notFound(`compartment ${query.get('compartmentId')}`);
      const name = query.get('name');
      const items = [...state.dynamicGroups.values()].filter((g) => name === null || g.name === name);
      return pageOf(
        items.map((g) => view(g, tenancyId, state.clock.now())),
        query,
      );
    }),
    route('GET', '/dynamicGroups/([^/]+)', 'GetDynamicGroup', ({ params }) => ({
      status: 200,
      body: view(find(params[0]), tenancyId, state.clock.now()),
    })),
    route(
      'PUT',
      '/dynamicGroups/([^/]+)',
      'UpdateDynamicGroup',
      (request) => {
        const record = find(request.params[0]);
        const body = request.json();
        // Validate everything before changing anything: a refused update changes nothing.
        const matchingRule = body.matchingRule === undefined ? record.matchingRule : checkedRule(body.matchingRule);
        const freeformTags = body.freeformTags === undefined ? record.freeformTags : checkedTags(body.freeformTags);
        record.matchingRule = matchingRule;
        record.freeformTags = freeformTags;
        if (typeof body.description === 'string') record.description = body.description;
        return { status: 200, body: view(record, tenancyId, state.clock.now()) };
      },
      true,
    ),
    route(
      'DELETE',
      '/dynamicGroups/([^/]+)',
      'DeleteDynamicGroup',
      ({ params }) => {
        state.dynamicGroups.delete(find(params[0]).id);
        return { status: 204 };
      },
      true,
    ),
  ];
}
