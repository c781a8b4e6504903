import type { Condition, CrossTenancyLocation, Statement, Value } from './ast';
import { PolicySyntaxError } from './errors';
import { parseStatement } from './parser';

export type Severity = 'error' | 'warning';

/** The rules, each with a stable id, a severity and why it exists. */
export const RULES = {
  syntax: { severity: 'error', why: 'OCI refuses the whole policy when one statement does not parse' },
  'unknown-resource-type': {
    severity: 'warning',
    why: "a resource type Oracle's Policy Reference does not list is most likely a typo, and grants nothing",
  },
  'tenancy-admin': { severity: 'error', why: '"manage all-resources in tenancy" makes the subject a tenancy administrator (CIS OCI 1.2)' },
  'iam-admin-unguarded': {
    severity: 'error',
    why: 'use or manage of users, groups or policies in the tenancy, unguarded, lets the subject make itself an administrator: join or change the Administrators group, take over an administrator user, or write a policy granting anything (CIS OCI 1.3)',
  },
  'domain-admin': {
    severity: 'error',
    why: "manage domains, or user and group administration pinned to an identity domain but otherwise unguarded, lets the subject take over that domain's administrators",
  },
  'any-user-grant': {
    severity: 'error',
    why: 'any-user and any-group reach every principal of the tenancy (people, resources, other tenancies) unless a condition names which',
  },
  'policy-statement-budget': { severity: 'error', why: 'OCI allows about 50 statements in one policy' },
  'deny-reaches-up': {
    severity: 'warning',
    why: 'a deny takes away its verb and every verb above it ("Deny Policies", metaverb inversion): deny inspect or read blocks far more than reading; to block writes, deny manage (or use)',
  },
  'deny-lockout': {
    severity: 'error',
    why: 'denying inspect or read of all-resources (or of every principal, unconditioned) blocks every operation for everyone it names; only the Default Administrators group is exempt',
  },
  'role-own-group': { severity: 'error', why: "a role statement must grant to the role's own group, nobody else" },
} as const satisfies Record<string, { severity: Severity; why: string }>;
export type RuleId = keyof typeof RULES;

/** One finding about one statement: where (1-based column), which rule, and what to do. */
export interface Finding {
  readonly rule: RuleId;
  readonly severity: Severity;
  readonly column: number;
  readonly message: string;
}

export const MAX_STATEMENTS_PER_POLICY = 50;

const finding = (rule: RuleId, column: number, message: string): Finding => ({ rule, severity: RULES[rule].severity, column, message });

type Atom = Extract<Condition, { kind: 'compare' }>;

/**
 * Whether the condition lets no request through unless one of its atoms on that path is a guard.
 * OCI declines a request when a condition names a variable the request does not carry ("Advanced
 * Policy Features": variables not applicable to a request result in a declined request), so a guard
 * on `target.group.name` also keeps out every operation that has no target group.
 */
function blocked(condition: Condition | undefined, isGuard: (atom: Atom) => boolean): boolean {
  if (!condition) return false;
  if (condition.kind === 'compare') return isGuard(condition);
  {
    const itemBlocked = condition.items.map((item) => blocked(item, isGuard));
    return condition.kind === 'all' ? itemBlocked.some(Boolean) : itemBlocked.length > 0 && itemBlocked.every(Boolean);
  }
}

/** OCI patterns: `*` matches any run of characters, comparison is case-insensitive. */
function matches(value: Value, text: string): boolean {
  if (value.kind === 'variable') return true;
  if (value.kind !== 'pattern') return value.text.toLowerCase() === text.toLowerCase();
  const source = value.text
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 'i').test(text);
}

const ADMINISTRATORS = 'Administrators';
const positive = (atom: Atom) => atom.operator === '=' || atom.operator === 'in' || atom.operator === 'sets-intersect';
const constants = (atom: Atom) => atom.values.every((v) => v.kind !== 'variable');

/** `target.group.name` kept away from Administrators: `!= 'Administrators'`, `not in (…)`, or pinned to names/patterns that cannot match it. */
function groupGuard(atom: Atom): boolean {
  if (atom.kind !== 'compare' || !constants(atom)) return false;
  if (atom.variable === 'target.group.id') return positive(atom);
  if (atom.variable !== 'target.group.name') return false;
  if (atom.operator === '!=' || atom.operator === 'not in') return atom.values.some((v) => v.kind !== 'pattern' && /admin/i.test(v.text));
  return positive(atom) && !atom.values.some((v) => matches(v, ADMINISTRATORS));
}

const READ_ONLY_PERMISSION = /_(INSPECT|READ)$/i;
const READ_ONLY_OPERATION = /^(get|list|head|summarize|search)/i;
/**
 * Operations on a user, its credentials or its memberships (Identity API names, as the IAM policy
 * reference lists them). A domain's UpdateGroup/PatchGroup/PutGroup change a group's members, which
 * needs USER_UPDATE too: pinned to one of them, `manage users` still lets anyone into Administrators.
 */
const USER_OPERATION = /user|apikey|authtoken|secretkey|password|smtp|oauth|mfa|supportaccount|^(update|patch|put)group$/i;

/** Pins `request.permission` or `request.operation` to values that all pass `safe`. */
function requestPin(atom: Atom, safe: (permission: string) => boolean, safeOperation: (operation: string) => boolean): boolean {
  if (atom.kind !== 'compare' || !positive(atom) || !constants(atom) || atom.values.some((v) => v.kind === 'pattern')) return false;
  if (atom.variable === 'request.permission') return atom.values.every((v) => safe(v.text.toUpperCase()));
  if (atom.variable === 'request.operation') return atom.values.every((v) => safeOperation(v.text));
  return false;
}
const readOnly = (atom: Atom) =>
  requestPin(
    atom,
    (p) => READ_ONLY_PERMISSION.test(p),
    (o) => READ_ONLY_OPERATION.test(o),
  );

/** A positive pin of a variable to constants that are not a bare `*`. */
function pins(atom: Atom, variables: readonly string[]): boolean {
  return (
    atom.kind === 'compare' &&
    variables.includes(atom.variable) &&
    positive(atom) &&
    constants(atom) &&
    !atom.values.some((v) => v.kind === 'pattern' && /^\**$/.test(v.text))
  );
}

/** The IAM resource classes that lead to administration, with what guards each. */
const IAM_CLASSES = {
  groups: {
    guard: (atom: Atom) =>
      groupGuard(atom) ||
      requestPin(
        atom,
        (p) => READ_ONLY_PERMISSION.test(p) || p === 'GROUP_CREATE' || !p.startsWith('GROUP_'),
        (o) => READ_ONLY_OPERATION.test(o) || /^creategroup$/i.test(o) || !/group/i.test(o),
      ),
    fix: "add where target.group.name != 'Administrators' (or pin target.group.name to the groups meant)",
  },
  users: {
    guard: (atom: Atom) =>
      groupGuard(atom) ||
      pins(atom, ['target.user.name', 'target.user.id']) ||
      requestPin(
        atom,
        (p) => READ_ONLY_PERMISSION.test(p) || p === 'USER_CREATE' || !p.startsWith('USER_'),
        (o) => READ_ONLY_OPERATION.test(o) || /^createuser$/i.test(o) || !USER_OPERATION.test(o),
      ),
    fix: "a user cannot be told apart from an administrator by policy: limit it to membership changes with where target.group.name != 'Administrators', to request.permission in ('USER_INSPECT', 'USER_READ', 'USER_CREATE'), or pin target.user.name",
  },
  policies: {
    guard: (atom: Atom) =>
      pins(atom, ['target.policy.name', 'target.policy.id']) ||
      requestPin(
        atom,
        (p) => READ_ONLY_PERMISSION.test(p) || !p.startsWith('POLICY_'),
        (o) => READ_ONLY_OPERATION.test(o) || !/polic/i.test(o),
      ),
    fix: "a policy writer can grant itself anything: limit writes to the policies it owns with where target.policy.name = /<prefix>*/, or to request.permission = 'POLICY_READ'",
  },
  'all-resources': {
    guard: (atom: Atom) =>
      groupGuard(atom) ||
      pins(atom, [
        'target.compartment.name',
        'target.compartment.id',
        'target.resource.compartment.id',
        'target.resource.compartment.name',
      ]) ||
      requestPin(
        atom,
        (p) => !IAM_WRITE_PERMISSION.test(p),
        (o) => !IAM_WRITE_OPERATION.test(o),
      ),
    fix: "add where target.group.name != 'Administrators', or grant families instead of all-resources",
  },
} as const;
type IamClass = keyof typeof IAM_CLASSES;

const IAM_WRITE_PERMISSION = /^(USER|GROUP|POLICY|DOMAIN|DYNAMIC_GROUP)_(?!INSPECT$|READ$)/;
const IAM_WRITE_OPERATION = /^(?!get|list).*(user|group|polic|domain)/i;

/** The IAM classes a grant can write: a resource type (or all-resources), or the classes of the permissions listed. */
function writtenClass(statement: Extract<Statement, { grant: unknown }>): { cls: IamClass; column: number; text: string }[] {
  const { grant } = statement;
  if (grant.kind === 'verb') {
    if (grant.verb !== 'use' && grant.verb !== 'manage') return [];
    const resource = grant.resource === 'group-memberships' ? 'groups' : grant.resource;
    if (resource in IAM_CLASSES)
      return [{ cls: resource as IamClass, column: grant.resourceColumn, text: `${grant.verb} ${grant.resource}` }];
    return [];
  }
  if (grant.kind !== 'permissions') return [];
  const classes = new Map<IamClass, string>();
  for (const permission of grant.permissions) {
    if (!IAM_WRITE_PERMISSION.test(permission)) continue;
    if (permission.startsWith('USER_') && permission !== 'USER_CREATE') classes.set('users', permission);
    if (permission.startsWith('GROUP_') && permission !== 'GROUP_CREATE') classes.set('groups', permission);
    if (permission.startsWith('POLICY_')) classes.set('policies', permission);
  }
  return [...classes].map(([cls, permission]) => ({ cls, column: grant.column, text: permission }));
}

/** Whether a location is the whole tenancy: `tenancy` (not another one's alias) or the tenancy's own OCID. */
function isTenancy(location: CrossTenancyLocation): boolean {
  if (location.kind === 'tenancy') return location.alias === undefined;
  return location.kind === 'compartment-id' && location.id.startsWith('ocid1.tenancy.');
}

/** `target.resource.domain.name` / `.id` pinned to a domain other than Default, whose Administrators are the tenancy's. */
const domainPin = (atom: Atom) =>
  pins(atom, ['target.resource.domain.name', 'target.resource.domain.id']) &&
  atom.kind === 'compare' &&
  !atom.values.some((v) => matches(v, 'Default'));

/**
 * Conditions that say which principals an any-user or any-group grant reaches. A pattern narrows
 * nobody: whoever may name a user (or a resource) can give it a name the pattern matches.
 */
const PRINCIPAL = /^request\.(principal|user|groups)\./;
const principalPin = (atom: Atom) =>
  positive(atom) &&
  !atom.values.some((v) => v.kind === 'pattern') &&
  (PRINCIPAL.test(atom.variable) || atom.values.some((v) => v.kind === 'variable' && PRINCIPAL.test(v.text)));

/** What a deny can get wrong: the verb it names reaches every verb above it (Oracle "Deny Policies"). */
function lintDeny(statement: Extract<Statement, { grant: unknown }>): Finding[] {
  const { grant, subject, condition } = statement;
  if (grant.kind !== 'verb' || (grant.verb !== 'inspect' && grant.verb !== 'read')) return [];
  const everything = grant.resource === 'all-resources' || ((subject.kind === 'any-user' || subject.kind === 'any-group') && !condition);
  if (everything) {
    return [
      finding(
        'deny-lockout',
        grant.resourceColumn,
        `deny ${grant.verb} ${grant.resource} blocks every operation on it for everyone named (a deny reaches every verb above its own); deny manage, or a permission list, for what must not happen`,
      ),
    ];
  }
  return [
    finding(
      'deny-reaches-up',
      grant.resourceColumn,
      `deny ${grant.verb} ${grant.resource} also blocks use and manage of it (a deny reaches every verb above its own); to block only changes, deny manage ${grant.resource}`,
    ),
  ];
}

/**
 * Least-privilege findings for a parsed statement. A deny only takes away, so it is checked for
 * what a deny can get wrong instead (`lintDeny`).
 */
export function lintStatement(statement: Statement): Finding[] {
  if (statement.kind === 'define') return [];
  if (statement.kind === 'deny') return lintDeny(statement);
  if ('deny' in statement && statement.deny) return [];
  const findings: Finding[] = [];
  const { grant, subject, condition } = statement;
  // inspect lists metadata only; any-group (this tenancy's principals, which Oracle's "Policy Syntax" page
  // recommends over any-user) is flagged when it can change something.
  const verb = grant.kind === 'verb' ? grant.verb : undefined;
  const reach =
    subject.kind === 'any-user'
      ? verb !== 'inspect'
      : subject.kind === 'any-group' && (verb === 'use' || verb === 'manage' || grant.kind !== 'verb');
  if (reach && !blocked(condition, principalPin)) {
    findings.push(
      finding(
        'any-user-grant',
        1,
        `grants to ${subject.kind}; name a group or a dynamic group, or add a condition on request.principal.type, request.principal.id or request.principal.compartment.id`,
      ),
    );
  }
  // Endorse statements grant in other tenancies; an Admit "in tenancy" grants here.
  if (statement.kind === 'endorse' || !isTenancy(statement.location)) {
    if (grant.kind === 'verb' && grant.verb === 'manage' && grant.resource === 'domains' && statement.kind !== 'endorse') {
      if (!blocked(condition, readOnly)) findings.push(finding('domain-admin', grant.resourceColumn, DOMAINS_MESSAGE));
    }
    return findings;
  }
  if (grant.kind === 'verb' && grant.verb === 'manage' && grant.resource === 'all-resources') {
    if (!blocked(condition, IAM_CLASSES['all-resources'].guard)) {
      findings.push(
        finding(
          'tenancy-admin',
          grant.resourceColumn,
          'manage all-resources in tenancy is full administration; grant families in a compartment instead',
        ),
      );
    }
    return findings;
  }
  if (grant.kind === 'verb' && grant.verb === 'manage' && grant.resource === 'domains' && !blocked(condition, readOnly)) {
    findings.push(finding('domain-admin', grant.resourceColumn, DOMAINS_MESSAGE));
  }
  for (const { cls, column, text } of writtenClass(statement)) {
    const { guard, fix } = IAM_CLASSES[cls];
    if (blocked(condition, guard)) continue;
    if (cls !== 'policies' && cls !== 'all-resources' && blocked(condition, (atom) => guard(atom) || domainPin(atom))) {
      findings.push(
        finding(
          'domain-admin',
          column,
          `${text} in one identity domain can still take over that domain's administrators: ${cls === 'groups' ? "add where target.group.name != '<the domain's administrators group>'" : "add target.group.name != '<the domain's administrators group>' or narrow request.permission"}`,
        ),
      );
      continue;
    }
    findings.push(finding('iam-admin-unguarded', column, `${text} in tenancy: ${fix}`));
  }
  return findings;
}

const DOMAINS_MESSAGE =
  'manage domains administers identity domains (create, delete, deactivate, and everything in them); grant use or read domains, or pin request.permission to what is needed';

/** A statement checked end to end: syntax, warnings, least-privilege rules. */
export function checkStatement(text: string): Finding[] {
  try {
    const parsed = parseStatement(text);
    return [...parsed.warnings.map((w) => finding('unknown-resource-type', w.column, w.message)), ...lintStatement(parsed.statement)];
  } catch (error) {
    if (error instanceof PolicySyntaxError) return [finding('syntax', error.column, error.message)];
    throw error;
  }
}
