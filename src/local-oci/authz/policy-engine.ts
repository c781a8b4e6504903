import { POLICY_VERBS, type PolicyVerb, permissionsDenied, permissionsGranted, weakestGrantOf } from './permissions';
import type { Condition, Grant, Location, PrincipalName, Statement, Subject, Value } from './policy-ast';

// Decides one call the way Oracle's "How Policies Work" and "Advanced Policy Features" describe:
// a permission is granted when an Allow statement names the caller (directly or through a dynamic
// group), its verb/resource type or permission list includes the permission, its location contains
// the target's compartment (compartments inherit from their ancestors), and its condition holds;
// a matching Deny statement takes it away again, for its verb and every verb above it ("Deny
// Policies", policysyntax/denypolicies.htm). A statement reaches no higher than the compartment its
// policy is attached to ("Policy Attachment", policieshow/Policy_Attachment.htm): users and groups,
// which live in the tenancy, are granted only by policies attached to the tenancy. Conditions compare
// without regard to case (policysyntax/conditions.htm); a variable that does not apply to the call
// makes its comparison false, which declines the request.

/** Who is calling, as far as policies are concerned. */
export interface Caller {
  readonly id: string;
  /** `fnfunc`, `instance`, … */
  readonly type: string;
  readonly compartmentId: string;
  /** The dynamic groups whose matching rule the caller satisfies. */
  readonly dynamicGroups: readonly { readonly id: string; readonly name: string }[];
  /** A user's groups, with the identity domain they belong to (undefined in a tenancy without domains). */
  readonly groups?: readonly { readonly id: string; readonly name: string; readonly domain: string | undefined }[];
  /** A user's name (`request.user.name`). */
  readonly userName?: string;
}

/** A variable's value: one string, or a list (`request.groups.id`) compared element by element. */
export type VariableValue = string | readonly string[];

/** A statement of a stored policy, parsed once. */
export interface PolicyStatement {
  readonly policyId: string;
  readonly policyName: string;
  readonly policyCompartmentId: string;
  readonly text: string;
  readonly statement: Statement;
  /** `Define dynamic-group alias as ocid` aliases of the statement's policy, lower-case alias → OCID. */
  readonly aliases: ReadonlyMap<string, string>;
}

/** The compartment tree, as the engine needs it. */
export interface CompartmentTree {
  readonly tenancyId: string;
  parentOf(compartmentId: string): string | undefined;
  /** Resolves `a:b:c` relative to a policy's compartment. */
  resolvePath(path: readonly string[], fromId: string): string | undefined;
}

export interface Call {
  readonly operation: string;
  readonly requires: readonly (readonly string[])[];
  readonly compartmentId: string;
  readonly variables: Readonly<Record<string, string>>;
  /** The three-letter key of the region the request was made in (`request.region`). */
  readonly regionKey?: string;
}

/** Why a statement that names the caller and the permission still did not grant it. */
export interface NearMiss {
  readonly policyName: string;
  readonly statement: string;
  readonly reason: string;
}

export type Decision =
  | { readonly allowed: true; readonly grantedBy: readonly string[] }
  | {
      readonly allowed: false;
      /** The requirements no statement satisfied (each: any one of these permissions). */
      readonly missing: readonly (readonly string[])[];
      readonly deniedBy: readonly string[];
      readonly nearMisses: readonly NearMiss[];
      /** A statement that would have allowed the call. */
      readonly suggestion: string;
    };

function subjectNames(subject: Subject, caller: Caller, aliases: ReadonlyMap<string, string>): boolean {
  switch (subject.kind) {
    case 'any-user':
    case 'any-group':
      // "Policy Syntax" (policysyntax/subject.htm): any-user is every principal; any-group is any group,
      // dynamic group or resource principal of the tenancy: every caller the local OCI authenticates.
      return true;
    case 'dynamic-group':
      return subject.names.some((name) => namesDynamicGroup(name, caller, aliases));
    case 'dynamic-group-id':
      return subject.ids.some((id) => caller.dynamicGroups.some((group) => group.id === id.toLowerCase()));
    case 'group':
      return subject.names.some((name) => namesGroup(name, caller, aliases));
    case 'group-id':
      return subject.ids.some((id) => (caller.groups ?? []).some((group) => group.id.toLowerCase() === id.toLowerCase()));
    default:
      return false;
  }
}

/** `group Name` is a group of the Default domain; `group 'Domain'/'Name'` one of that domain. */
function namesGroup(name: PrincipalName, caller: Caller, aliases: ReadonlyMap<string, string>): boolean {
  const wanted = (name.domain ?? 'Default').toLowerCase();
  const aliased = aliases.get(name.name.toLowerCase());
  return (caller.groups ?? []).some(
    (group) =>
      (group.domain ?? 'Default').toLowerCase() === wanted &&
      (aliased !== undefined ? group.id === aliased : group.name.toLowerCase() === name.name.toLowerCase()),
  );
}

function namesDynamicGroup(name: PrincipalName, caller: Caller, aliases: ReadonlyMap<string, string>): boolean {
  // Dynamic groups of the classic API live in the Default domain.
  if (name.domain !== undefined && name.domain.toLowerCase() !== 'default') return false;
  const aliased = aliases.get(name.name.toLowerCase());
  return caller.dynamicGroups.some((group) =>
    aliased !== undefined ? group.id === aliased : group.name.toLowerCase() === name.name.toLowerCase(),
  );
}

/** Whether an Allow grants, or a Deny takes away, the permission (a deny reaches its verb and those above). */
function grantIncludes(grant: Grant, permission: string, deny: boolean): boolean {
  if (grant.kind === 'permissions') return grant.permissions.some((p) => p.toUpperCase() === permission);
  const verb = grant.verb as PolicyVerb;
  return (deny ? permissionsDenied(verb, grant.resource) : permissionsGranted(verb, grant.resource)).has(permission);
}

function within(id: string, top: string, tree: CompartmentTree): boolean {
  for (let at: string | undefined = id; at !== undefined; at = tree.parentOf(at)) {
    if (at.toLowerCase() === top.toLowerCase()) return true;
  }
  return false;
}

function locationContains(location: Location, policyCompartmentId: string, target: string, tree: CompartmentTree): boolean {
  const top =
    location.kind === 'tenancy'
      ? tree.tenancyId
      : location.kind === 'compartment-id'
        ? location.id
        : tree.resolvePath(location.path, policyCompartmentId);
  if (top === undefined) return false;
  // A policy attached to a compartment governs that compartment and those below it, never above.
  if (!within(top, policyCompartmentId, tree)) return false;
  return within(target, top, tree);
}

function valueMatches(actual: string, value: Value): boolean {
  if (value.kind !== 'pattern') return actual.toLowerCase() === value.text.toLowerCase();
  const regex = new RegExp(`^${value.text.split('*').map(escapeRegex).join('.*')}$`, 'i');
  return regex.test(actual);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

type Variables = Readonly<Record<string, VariableValue>>;

function conditionHolds(condition: Condition, variables: Variables): boolean {
  if (condition.kind !== 'compare') {
    const holds = (item: Condition) => conditionHolds(item, variables);
    return condition.kind === 'all' ? condition.items.every(holds) : condition.items.some(holds);
  }
  const actual = variables[condition.variable.toLowerCase()];
  if (actual === undefined) return false;
  // A list variable (request.groups.id) matches when any of its elements does.
  const actuals: readonly string[] = typeof actual === 'string' ? [actual] : actual;
  const matched = condition.values.some((value) =>
    actuals.some((one) => (value.kind === 'variable' ? sameAsVariable(one, value.text, variables) : valueMatches(one, value))),
  );
  switch (condition.operator) {
    case '=':
    case 'in':
      return matched;
    case '!=':
    case 'not in':
      return !matched;
    default:
      // before/after/between compare request.utc-timestamp, which the local OCI does not offer.
      return false;
  }
}

/** `target.compartment.id = request.principal.compartment.id`: a value that is another variable. */
function sameAsVariable(actual: string, variable: string, variables: Variables): boolean {
  const other = variables[variable.toLowerCase()];
  if (other === undefined) return false;
  return (typeof other === 'string' ? [other] : other).some((o) => o.toLowerCase() === actual.toLowerCase());
}

/** The variables of a condition that the call does not offer. */
function inapplicable(condition: Condition, variables: Variables): string[] {
  if (condition.kind !== 'compare') return condition.items.flatMap((item) => inapplicable(item, variables));
  return variables[condition.variable.toLowerCase()] === undefined ? [condition.variable] : [];
}

/**
 * The general variables every call offers ("General Variables for All Requests",
 * policyreference/policyreference_topic-General_Variables_for_All_Requests.htm): the request's
 * permission, operation and region (its three-letter key), the principal, and for a user its id,
 * name and groups; for a resource principal, the dynamic groups it is in.
 */
function callVariables(call: Call, caller: Caller, permission: string): Record<string, VariableValue> {
  const user: Record<string, VariableValue> =
    caller.type === 'user'
      ? {
          'request.user.id': caller.id,
          ...(caller.userName !== undefined ? { 'request.user.name': caller.userName } : {}),
          'request.groups.id': (caller.groups ?? []).map((g) => g.id),
        }
      : { 'request.dynamicgroup.name': caller.dynamicGroups.map((g) => g.name) };
  return {
    ...call.variables,
    ...user,
    ...(call.regionKey !== undefined ? { 'request.region': call.regionKey } : {}),
    'request.permission': permission,
    'request.operation': call.operation,
    'request.principal.type': caller.type,
    'request.principal.id': caller.id,
    'request.principal.compartment.id': caller.compartmentId,
  };
}

/**
 * Decides whether the caller may make the call under the given statements.
 * @example decide(caller, statements, { operation: 'GetTopic', requires: [['ONS_TOPIC_READ']], compartmentId, variables: {} }, tree)
 */
export function decide(caller: Caller, statements: readonly PolicyStatement[], call: Call, tree: CompartmentTree): Decision {
  const grantedBy: string[] = [];
  const deniedBy: string[] = [];
  const missing: (readonly string[])[] = [];
  const nearMisses: NearMiss[] = [];
  for (const anyOf of call.requires) {
    let satisfied = false;
    for (const permission of anyOf) {
      const variables = callVariables(call, caller, permission);
      const applies = (s: PolicyStatement) => {
        const st = s.statement;
        if (st.kind !== 'allow' && st.kind !== 'deny') return false;
        if (!subjectNames(st.subject, caller, s.aliases) || !grantIncludes(st.grant, permission, st.kind === 'deny')) return false;
        if (!locationContains(st.location, s.policyCompartmentId, call.compartmentId, tree)) {
          if (st.kind === 'allow')
            nearMisses.push({
              policyName: s.policyName,
              statement: s.text,
              reason: `its location does not contain compartment ${call.compartmentId}`,
            });
          return false;
        }
        if (st.condition && !conditionHolds(st.condition, variables)) {
          const missingVariables = inapplicable(st.condition, variables);
          if (st.kind === 'allow') {
            nearMisses.push({
              policyName: s.policyName,
              statement: s.text,
              reason:
                missingVariables.length > 0
                  ? `${call.operation} offers no ${missingVariables.join(', ')}, so its condition declines the request`
                  : `its condition is false for ${permission} (${describe(variables, st.condition)})`,
            });
          }
          return false;
        }
        return true;
      };
      const allows = statements.filter((s) => s.statement.kind === 'allow' && applies(s));
      const denies = statements.filter((s) => s.statement.kind === 'deny' && applies(s));
      if (denies.length > 0) deniedBy.push(...denies.map((s) => s.text));
      if (allows.length > 0 && denies.length === 0) {
        grantedBy.push(allows[0]?.text ?? '');
        satisfied = true;
        break;
      }
    }
    if (!satisfied) missing.push(anyOf);
  }
  if (missing.length === 0) return { allowed: true, grantedBy };
  return { allowed: false, missing, deniedBy, nearMisses: dedupe(nearMisses), suggestion: suggest(caller, call, missing, tree.tenancyId) };
}

function describe(variables: Variables, condition: Condition): string {
  const names = new Set<string>();
  const collect = (c: Condition): void => {
    if (c.kind === 'compare') names.add(c.variable.toLowerCase());
    else c.items.forEach(collect);
  };
  collect(condition);
  return [...names].map((name) => `${name} = '${String(variables[name])}'`).join(', ');
}

function dedupe(items: NearMiss[]): NearMiss[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = `${item.statement}\u0000${item.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function suggest(caller: Caller, call: Call, missing: readonly (readonly string[])[], tenancyId: string): string {
  const group = caller.groups?.[0];
  const subject =
    caller.type === 'user'
      ? group
        ? `group ${group.domain && group.domain.toLowerCase() !== 'default' ? `'${group.domain}'/'${group.name}'` : group.name}`
        : `group <a group of user ${caller.userName ?? caller.id}>`
      : `dynamic-group ${caller.dynamicGroups[0]?.name ?? `<a dynamic group matching ${caller.type} ${caller.id}>`}`;
  const where = call.compartmentId === tenancyId ? 'tenancy' : `compartment id ${call.compartmentId}`;
  const permissions = missing.map((anyOf) => anyOf[0] ?? '');
  const weakest = permissions.map(weakestGrantOf);
  const resourceTypes = new Set(weakest.map((w) => w?.resourceType));
  const verb = weakest.reduce<PolicyVerb | undefined>(
    (strongest, w) => (w && (!strongest || POLICY_VERBS.indexOf(w.verb) > POLICY_VERBS.indexOf(strongest)) ? w.verb : strongest),
    undefined,
  );
  const condition =
    permissions.length === 1
      ? ` where request.permission = '${permissions[0]}'`
      : ` where any {${permissions.map((p) => `request.permission = '${p}'`).join(', ')}}`;
  if (resourceTypes.size === 1 && verb && !resourceTypes.has(undefined)) {
    return `Allow ${subject} to ${verb} ${[...resourceTypes][0]} in ${where}${condition}`;
  }
  return `Allow ${subject} to {${permissions.join(', ')}} in ${where}`;
}
