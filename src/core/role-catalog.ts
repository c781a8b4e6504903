import { z } from 'zod';
import { ErrorCode, OnboardingError, type Problem, ValidationError } from '../support/errors';
import type { NewHire } from './new-hire';
import { normaliseStatement } from './policy-statement';
import { problemsOf } from './validation';

/** OCI allows about 50 statements in one policy. */
export const MAX_STATEMENTS_PER_POLICY = 50;
const PLACEHOLDER = /\$\{([^}]*)\}/g;
const KNOWN_PLACEHOLDERS = new Set(['group', 'compartment']);
const GROUP_NAME = /^[A-Za-z0-9._-]{1,100}$/;

const roleSchema = z
  .object({
    description: z.string().min(1).max(400),
    group: z.object({ name: z.string().min(1).max(100), description: z.string().min(1).max(400) }).strict(),
    policy: z
      .object({
        name: z.string().min(1).max(100),
        description: z.string().min(1).max(400),
        /** Where the policy is attached; the tenancy (root compartment) when absent. */
        compartmentId: z
          .string()
          .regex(/^ocid1\.(compartment|tenancy)\./, 'must be a compartment or tenancy OCID')
          .optional(),
        statements: z.array(z.string().min(1).max(1000)).min(1).max(MAX_STATEMENTS_PER_POLICY),
      })
      .strict(),
    /** Compartment names a hire may be given this role in; the first is the default. */
    compartments: z
      .array(z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, 'must be a compartment name or path'))
      .min(1)
      .optional(),
  })
  .strict();

const ROLE_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const catalogSchema = z.object({ version: z.literal(1), roles: z.record(z.string(), z.unknown()) }).strict();

export type Role = Readonly<z.infer<typeof roleSchema>>;
/** The administrators' mapping of roles to groups and policies, validated and frozen. */
export interface RoleCatalog {
  readonly version: 1;
  readonly roles: Readonly<Record<string, Role>>;
}

function templateProblems(role: Role, roleName: string): Problem[] {
  const problems: Problem[] = [];
  const at = (path: string) => `roles.${roleName}.${path}`;
  const usesCompartment = [role.group.name, role.policy.name, ...role.policy.statements].some((t) => t.includes('${compartment}'));
  const check = (template: string, path: string) => {
    for (const [, name] of template.matchAll(PLACEHOLDER)) {
      if (!KNOWN_PLACEHOLDERS.has(name ?? ''))
        problems.push({
          path: at(path),
          message: `unknown placeholder \${${name}}; use \${group} or \${compartment}`,
        });
    }
  };
  check(role.group.name, 'group.name');
  check(role.policy.name, 'policy.name');
  if (role.group.name.includes('${group}')) problems.push({ path: at('group.name'), message: 'the group name cannot contain ${group}' });
  if (usesCompartment && !role.compartments)
    problems.push({
      path: at('compartments'),
      message: '${compartment} is used, so the role must list its allowed compartments',
    });
  if (!usesCompartment && role.compartments)
    problems.push({
      path: at('compartments'),
      message: 'compartments are listed but no template uses ${compartment}',
    });
  role.policy.statements.forEach((statement, i) => {
    const path = `policy.statements.${i}`;
    check(statement, path);
    const normal = normaliseStatement(statement);
    if (!/^allow group \$\{group\} to /.test(normal)) {
      problems.push({
        path: at(path),
        message: 'a role statement must start "Allow group ${group} to": it grants to its own group only',
      });
    }
    if (/\bto manage all-resources in tenancy\b/.test(normal)) {
      problems.push({
        path: at(path),
        message: '"manage all-resources in tenancy" makes the group administrators (CIS OCI 1.2); not allowed in a role',
      });
    }
  });
  for (const compartment of role.compartments ?? ['x']) {
    const groupName = role.group.name.replaceAll('${compartment}', compartment);
    if (!GROUP_NAME.test(groupName))
      problems.push({
        path: at('group.name'),
        message: `"${groupName}" is not a valid group name (letters, digits, . _ -)`,
      });
  }
  return problems;
}

/**
 * Validates a role catalog; throws a ValidationError listing every problem.
 * @example parseRoleCatalog(JSON.parse(config.ROLE_CATALOG))
 */
export function parseRoleCatalog(input: unknown): RoleCatalog {
  const parsed = catalogSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(ErrorCode.InvalidRoleCatalog, 'The role catalog is not valid', problemsOf(parsed.error));
  // Each role is checked on its own, so one broken role does not hide the problems of another.
  const problems: Problem[] = [];
  const roles: Record<string, Role> = {};
  for (const [name, raw] of Object.entries(parsed.data.roles)) {
    if (!ROLE_NAME.test(name)) problems.push({ path: `roles.${name}`, message: 'role names are lower-case letters, digits and -' });
    const role = roleSchema.safeParse(raw);
    if (!role.success) {
      problems.push(...problemsOf(role.error).map((p) => ({ ...p, path: `roles.${name}.${p.path}` })));
      continue;
    }
    problems.push(...templateProblems(role.data, name));
    roles[name] = role.data;
  }
  if (problems.length > 0) throw new ValidationError(ErrorCode.InvalidRoleCatalog, 'The role catalog is not valid', problems);
  return deepFreeze({ version: 1, roles });
}

/** What the hire's identity should look like in OCI, derived from the event and the catalog. */
export interface DesiredState {
  readonly user: {
    readonly name: string;
    readonly email: string;
    readonly description: string;
    readonly freeformTags: Readonly<Record<string, string>>;
  };
  readonly groups: readonly {
    readonly name: string;
    readonly description: string;
    readonly roles: readonly string[];
  }[];
  readonly policies: readonly {
    readonly name: string;
    readonly compartmentId: string;
    readonly description: string;
    readonly statements: readonly string[];
    readonly groupName: string;
  }[];
}

/** The freeform tag that ties an OCI user to its employee. */
export const EMPLOYEE_TAG = 'employee-id';
export const MANAGED_BY_TAG = 'managed-by';
export const MANAGED_BY = 'iam-onboarding-function';

/**
 * Resolves a hire's roles into the users, groups and policies it needs. Throws UNKNOWN_ROLE or
 * COMPARTMENT_NOT_ALLOWED (both meant for the caller) before anything is looked up.
 */
export function resolveDesiredState(hire: NewHire, catalog: RoleCatalog, tenancyId: string): DesiredState {
  const problems: Problem[] = [];
  const groups = new Map<string, { name: string; description: string; roles: string[] }>();
  const policies = new Map<string, DesiredState['policies'][number]>();
  hire.roles.forEach((roleName, index) => {
    const role = catalog.roles[roleName];
    if (!role) {
      problems.push({
        path: `roles.${index}`,
        message: `unknown role "${roleName}"; known roles: ${Object.keys(catalog.roles).sort().join(', ')}`,
      });
      return;
    }
    let compartment = '';
    if (role.compartments) {
      compartment = hire.compartment ?? role.compartments[0] ?? '';
      if (!role.compartments.includes(compartment)) {
        problems.push({
          path: 'compartment',
          message: `role "${roleName}" may be given in ${role.compartments.join(', ')}, not "${compartment}"`,
        });
        return;
      }
    }
    const fill = (template: string, groupName = '') => template.replaceAll('${compartment}', compartment).replaceAll('${group}', groupName);
    const groupName = fill(role.group.name);
    const group = groups.get(groupName.toLowerCase()) ?? {
      name: groupName,
      description: fill(role.group.description),
      roles: [],
    };
    group.roles.push(roleName);
    groups.set(groupName.toLowerCase(), group);
    const compartmentId = role.policy.compartmentId ?? tenancyId;
    const policyName = fill(role.policy.name, groupName);
    policies.set(`${compartmentId}/${policyName.toLowerCase()}`, {
      name: policyName,
      compartmentId,
      description: fill(role.policy.description, groupName),
      statements: role.policy.statements.map((s) => fill(s, groupName)),
      groupName,
    });
  });
  if (problems.length > 0) {
    const code = problems.some((p) => p.path.startsWith('roles')) ? ErrorCode.UnknownRole : ErrorCode.CompartmentNotAllowed;
    throw new OnboardingError(code, 'The event asks for roles the catalog does not allow', { problems });
  }
  return {
    user: {
      name: hire.userName,
      email: hire.email,
      description: `${hire.givenName} ${hire.familyName} (employee ${hire.employeeId})`,
      freeformTags: {
        [EMPLOYEE_TAG]: hire.employeeId,
        [MANAGED_BY_TAG]: MANAGED_BY,
        ...(hire.manager ? { manager: hire.manager } : {}),
        ...(hire.startDate ? { 'start-date': hire.startDate } : {}),
      },
    },
    groups: [...groups.values()],
    policies: [...policies.values()],
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
