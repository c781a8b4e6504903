import type { RuleAction, RuleRecord } from '../control-plane-state';
import { ApiError, notFound, pageOf, type Route, requireString } from '../http';
import { makeOcid } from '../ocid';
import type { TenancyState } from '../state';

// Events API 20181201 (rules), shapes from oci-events's models (Rule, ActionList, FaaSAction,
// CreateRuleDetails) and https://docs.oracle.com/en-us/iaas/api/#/en/events/20181201/.

const ACTION_TYPES = new Set(['ONS', 'OSS', 'FAAS']);

/** A rule's condition is a JSON object filter on the event ("Matching Events with Filters"). */
function checkCondition(condition: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(condition);
  } catch {
    throw new ApiError(400, 'InvalidParameter', 'condition must be a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ApiError(400, 'InvalidParameter', 'condition must be a JSON object');
  }
}

function actionsOf(state: TenancyState, body: Record<string, unknown>, region: string): RuleAction[] {
  const list = (body.actions as { actions?: unknown } | undefined)?.actions;
  if (!Array.isArray(list) || list.length === 0) throw new ApiError(400, 'InvalidParameter', 'actions.actions needs at least one action');
  return list.map((raw: Record<string, unknown>) => {
    const actionType = String(raw.actionType ?? '');
    if (!ACTION_TYPES.has(actionType)) throw new ApiError(400, 'InvalidParameter', `Unknown actionType ${actionType}`);
    if (actionType === 'FAAS') {
      const functionId = requireString(raw, 'functionId');
      if (!state.controlPlane.functions.has(functionId)) throw new ApiError(400, 'InvalidParameter', `Function ${functionId} not found`);
    }
    if (actionType === 'ONS' && !state.topics.has(requireString(raw, 'topicId'))) {
      throw new ApiError(400, 'InvalidParameter', `Topic ${String(raw.topicId)} not found`);
    }
    return {
      id: makeOcid('eventaction', region),
      actionType: actionType as RuleAction['actionType'],
      isEnabled: raw.isEnabled !== false,
      ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
      ...(typeof raw.functionId === 'string' ? { functionId: raw.functionId } : {}),
      ...(typeof raw.topicId === 'string' ? { topicId: raw.topicId } : {}),
      ...(typeof raw.streamId === 'string' ? { streamId: raw.streamId } : {}),
    };
  });
}

function ruleView(rule: RuleRecord) {
  return {
    id: rule.id,
    displayName: rule.displayName,
    description: rule.description,
    compartmentId: rule.compartmentId,
    condition: rule.condition,
    isEnabled: rule.isEnabled,
    lifecycleState: 'ACTIVE',
    timeCreated: rule.timeCreated.toISOString(),
    actions: { actions: rule.actions.map((a) => ({ ...a, lifecycleState: 'ACTIVE', lifecycleMessage: '' })) },
    freeformTags: rule.freeformTags,
    definedTags: rule.definedTags,
  };
}

export function eventsRoutes(state: TenancyState): Route[] {
  const rules = state.controlPlane.rules;
  const ruleOf = (id: string | undefined) => {
    const rule = rules.get(id ?? '');
    if (!rule) throw notFound(`rule ${id}`);
    return rule;
  };
  return [
    {
      method: 'POST',
      pattern: /^\/20181201\/rules$/,
      service: 'events',
      operation: 'CreateRule',
      handle: (request) => {
        const body = request.json();
        const condition = requireString(body, 'condition');
        checkCondition(condition);
        if (typeof body.isEnabled !== 'boolean') throw new ApiError(400, 'InvalidParameter', 'isEnabled is required');
        const rule: RuleRecord = {
          id: makeOcid('eventrule', request.region),
          displayName: requireString(body, 'displayName'),
          ...(typeof body.description === 'string' ? { description: body.description } : {}),
          compartmentId: requireString(body, 'compartmentId'),
          condition,
          isEnabled: body.isEnabled,
          actions: actionsOf(state, body, request.region),
          timeCreated: new Date(),
          freeformTags: (body.freeformTags as Record<string, string>) ?? {},
          definedTags: (body.definedTags as Record<string, Record<string, unknown>>) ?? {},
        };
        rules.set(rule.id, rule);
        return { status: 200, body: ruleView(rule) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/20181201\/rules$/,
      service: 'events',
      operation: 'ListRules',
      handle: ({ query }) => {
        const compartmentId = query.get('compartmentId');
        if (!compartmentId) throw new ApiError(400, 'InvalidParameter', 'compartmentId is required');
        const displayName = query.get('displayName');
        // RuleSummary carries no actions: GetRule does.
        const items = [...rules.values()]
          .filter((r) => r.compartmentId === compartmentId && (displayName === null || r.displayName === displayName))
          .map((r) => {
            const { actions: _actions, ...summary } = ruleView(r);
            return summary;
          });
        return pageOf(items, query);
      },
    },
    {
      method: 'GET',
      pattern: /^\/20181201\/rules\/([^/]+)$/,
      service: 'events',
      operation: 'GetRule',
      handle: ({ params }) => ({ status: 200, body: ruleView(ruleOf(params[0])) }),
    },
    {
      method: 'PUT',
      pattern: /^\/20181201\/rules\/([^/]+)$/,
      service: 'events',
      operation: 'UpdateRule',
      handle: (request) => {
        const rule = ruleOf(request.params[0]);
        const body = request.json();
        if (typeof body.condition === 'string') {
          checkCondition(body.condition);
          rule.condition = body.condition;
        }
        if (typeof body.displayName === 'string') rule.displayName = body.displayName;
        if (typeof body.description === 'string') rule.description = body.description;
        if (typeof body.isEnabled === 'boolean') rule.isEnabled = body.isEnabled;
        if (body.actions !== undefined) rule.actions = actionsOf(state, body, request.region);
        return { status: 200, body: ruleView(rule) };
      },
    },
  ];
}
