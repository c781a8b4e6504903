import type { Condition, Statement } from './ast';
import { PolicySyntaxError } from './errors';
import { parseStatement } from './parser';

export type Severity = 'error' | 'warning';

/** The rules, each with a stable id, a severity and why it exists. */
export const RULES = {
  syntax: { severity: 'error', why: 'OCI refuses the whole policy when one statement does not parse' },
  'unknown-resource-type': { severity: 'warning', why: 'a misspelt resource type grants nothing; OCI may refuse it' },
  'tenancy-admin': { severity: 'error', why: '"manage all-resources in tenancy" makes the subject a tenancy administrator (CIS OCI 1.2)' },
  'iam-admin-unguarded': {
    severity: 'error',
    why: "use or manage of users, groups, credentials or policies in the tenancy lets the subject change the Administrators group, users' credentials or policies unless Administrators is excluded (CIS OCI 1.3)",
  },
  'any-user-grant': { severity: 'error', why: 'any-user reaches every principal of the tenancy, people and resources alike' },
  'policy-statement-budget': { severity: 'error', why: 'OCI allows about 50 statements in one policy' },
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
const IAM_ADMIN_RESOURCES = new Set(['users', 'groups', 'credentials', 'policies', 'all-resources', 'group-memberships']);

const finding = (rule: RuleId, column: number, message: string): Finding => ({ rule, severity: RULES[rule].severity, column, message });

/** Whether the condition, on every path, excludes the Administrators group (`target.group.name != 'Administrators'`). */
function excludesAdministrators(condition: Condition | undefined): boolean {
  if (!condition) return false;
  if (condition.kind === 'all') return condition.items.some(excludesAdministrators);
  if (condition.kind === 'any') return condition.items.length > 0 && condition.items.every(excludesAdministrators);
  if (condition.kind !== 'compare') return false;
  const value = condition.values[0]?.text.toLowerCase();
  return condition.variable === 'target.group.name' && condition.operator === '!=' && value === 'administrators';
}

/** Least-privilege findings for a parsed statement. */
export function lintStatement(statement: Statement): Finding[] {
  if (statement.kind !== 'allow' && statement.kind !== 'endorse' && statement.kind !== 'admit') return [];
  const findings: Finding[] = [];
  const { grant, subject } = statement;
  const location = statement.kind === 'endorse' ? undefined : statement.location;
  if (subject.kind === 'any-user')
    findings.push(finding('any-user-grant', 1, 'grants to any-user; name a group or a dynamic group instead'));
  if (grant.kind === 'verb' && location?.kind === 'tenancy') {
    if (grant.verb === 'manage' && grant.resource === 'all-resources') {
      findings.push(
        finding(
          'tenancy-admin',
          grant.resourceColumn,
          'manage all-resources in tenancy is full administration; grant families in a compartment instead',
        ),
      );
    } else if ((grant.verb === 'use' || grant.verb === 'manage') && IAM_ADMIN_RESOURCES.has(grant.resource)) {
      if (grant.resource === 'policies' || !excludesAdministrators(statement.condition)) {
        const fix =
          grant.resource === 'policies'
            ? 'policy writers can grant themselves anything'
            : "add where target.group.name != 'Administrators'";
        findings.push(finding('iam-admin-unguarded', grant.resourceColumn, `${grant.verb} ${grant.resource} in tenancy: ${fix}`));
      }
    }
  }
  return findings;
}

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
