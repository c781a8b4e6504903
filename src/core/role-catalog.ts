import { z } from 'zod';
import { ErrorCode, OnboardingError, type Problem, ValidationError } from '../support/errors';
import type { NewHire } from './new-hire';
import { checkStatement, type Finding, MAX_STATEMENTS_PER_POLICY, RULES, type RuleId } from './policy/lint';
import { parseStatement } from './policy/parser';
import {
  type DefinedTags,
  definedTagsSchema,
  freeformTagsSchema,
  MAX_TAGS_PER_RESOURCE,
  mergeDefinedTags,
  type ResourceTags,
  sameTags,
  tagCount,
} from './tags';
import type { UserSpec } from './user-spec';
import { problemsOf } from './validation';

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const KNOWN_PLACEHOLDERS = new Set(['group', 'compartment']);
const GROUP_NAME = /^[A-Za-z0-9._-]{1,100}$/;
const RULE_IDS = Object.keys(RULES) as [RuleId, ...RuleId[]];

/** A statement, or a statement with the lint rules it is explicitly allowed to break, and why. */
const statementSchema = z.union([
  z.string().min(1).max(1000),
  z
    .object({
      statement: z.string().min(1).max(1000),
      allow: z.array(z.enum(RULE_IDS).refine((rule) => rule !== 'syntax', 'a syntax error cannot be allowed')).min(1),
      reason: z.string().min(10, 'say why the rule may be broken here (10 characters at least)'),
    })
    .strict(),
]);
export type StatementEntry = z.infer<typeof statementSchema>;
export const statementText = (entry: StatementEntry) => (typeof entry === 'string' ? entry : entry.statement);

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
        statements: z.array(statementSchema).min(1),
      })
      .strict(),
    /** Compartment names a hire may be given this role in; the first is the default. */
    compartments: z
      .array(z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, 'must be a compartment name or path'))
      .min(1)
      .optional(),
    /**
     * Defined tags for the role's group and policy, laid over DEFINED_TAGS key by key (a landing zone's
     * cost center or owner per role). Users are not tagged by role: see docs/role-catalog-and-policies.md, "Tags in the catalog".
     */
    definedTags: definedTagsSchema.optional(),
    /** Freeform tags for the role's group and policy. */
    freeformTags: freeformTagsSchema.optional(),
  })
  .strict();

const ROLE_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const catalogSchema = z
  .object({
    version: z.literal(1),
    // A catalog without roles can onboard nobody, and the policies generated from it would grant on an empty list.
    roles: z.record(z.string(), z.unknown()).refine((roles) => Object.keys(roles).length > 0, 'at least one role is required'),
  })
  .strict();

export type Role = Readonly<z.infer<typeof roleSchema>>;
/** The administrators' mapping of roles to groups and policies, validated and frozen. */
export interface RoleCatalog {
  readonly version: 1;
  readonly roles: Readonly<Record<string, Role>>;
}

/** A lint finding about one statement of a role, for the catalog check and `npm run lint-policy`. */
export interface CatalogFinding extends Finding {
  readonly role: string;
  readonly statementIndex: number;
  /** The statement as written in the catalog (placeholders included). */
  readonly statement: string;
  /** True when the catalog allows this rule for this statement. */
  readonly allowed: boolean;
}

const fill = (template: string, compartment: string, groupName = '') =>
  template.replaceAll('${compartment}', compartment).replaceAll('${group}', groupName);

/** Maps a 1-based column of the filled statement back to the template, so findings point at what was written. */
function templateColumn(template: string, values: Record<string, string>, filledColumn: number): number {
  let filled = 1;
  let at = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const index = match.index ?? 0;
    const literal = index - at;
    if (filledColumn < filled + literal) return at + (filledColumn - filled) + 1;
    filled += literal;
    const length = (values[match[1] ?? ''] ?? match[0]).length;
    if (filledColumn < filled + length) return index + 1;
    filled += length;
    at = index + match[0].length;
  }
  return at + (filledColumn - filled) + 1;
}

function templateProblems(role: Role, roleName: string): Problem[] {
  const problems: Problem[] = [];
  const at = (path: string) => `roles.${roleName}.${path}`;
  const texts = role.policy.statements.map(statementText);
  const usesCompartment = [role.group.name, role.policy.name, ...texts].some((t) => t.includes('${compartment}'));
  const check = (template: string, path: string) => {
    for (const [, name] of template.matchAll(PLACEHOLDER)) {
      if (!KNOWN_PLACEHOLDERS.has(name ?? '')) {
        problems.push({ path: at(path), message: `unknown placeholder \${${name}}; use \${group} or \${compartment}` });
      }
    }
  };
  check(role.group.name, 'group.name');
  check(role.policy.name, 'policy.name');
  for (const [i, text] of texts.entries()) check(text, `policy.statements.${i}`);
  if (role.group.name.includes('${group}')) problems.push({ path: at('group.name'), message: 'the group name cannot contain ${group}' });
  if (usesCompartment && !role.compartments) {
    problems.push({ path: at('compartments'), message: '${compartment} is used, so the role must list its allowed compartments' });
  }
  if (!usesCompartment && role.compartments) {
    problems.push({ path: at('compartments'), message: 'compartments are listed but no template uses ${compartment}' });
  }
  for (const compartment of role.compartments ?? ['']) {
    const groupName = fill(role.group.name, compartment);
    if (!GROUP_NAME.test(groupName)) {
      problems.push({ path: at('group.name'), message: `"${groupName}" is not a valid group name (letters, digits, . _ -)` });
    }
  }
  return problems;
}

/**
 * Parses and lints every statement of a role as it will be written: once per allowed compartment,
 * with the role's group filled in. A statement must grant to that group and nobody else.
 */
function statementFindings(role: Role, roleName: string): CatalogFinding[] {
  const findings = new Map<string, CatalogFinding>();
  role.policy.statements.forEach((entry, statementIndex) => {
    const text = statementText(entry);
    // A statement with an unknown placeholder is already reported; it cannot be rendered.
    if ([...text.matchAll(PLACEHOLDER)].some(([, name]) => !KNOWN_PLACEHOLDERS.has(name ?? ''))) return;
    const allowed = new Set<string>(typeof entry === 'string' ? [] : entry.allow);
    for (const compartment of role.compartments ?? ['']) {
      const groupName = fill(role.group.name, compartment);
      const rendered = fill(text, compartment, groupName);
      const found = checkStatement(rendered);
      if (!found.some((f) => f.rule === 'syntax')) {
        const { statement } = parseStatement(rendered);
        const ownGroup =
          (statement.kind === 'allow' || statement.kind === 'deny') &&
          statement.subject.kind === 'group' &&
          statement.subject.names.length === 1 &&
          !statement.subject.names[0]?.domain &&
          statement.subject.names[0]?.name.toLowerCase() === groupName.toLowerCase();
        if (!ownGroup) {
          found.push({
            rule: 'role-own-group',
            severity: RULES['role-own-group'].severity,
            column: 1,
            message: 'a role statement must be "Allow group ${group} to …": it grants to its own group only',
          });
        }
      }
      for (const f of found) {
        // Placeholders shift columns; report each finding once, at the column in the filled statement.
        const column = templateColumn(text, { group: groupName, compartment }, f.column);
        findings.set(`${f.rule}:${f.message}`, {
          ...f,
          column,
          role: roleName,
          statementIndex,
          statement: text,
          allowed: allowed.has(f.rule),
        });
      }
    }
  });
  const count = role.policy.statements.length;
  if (count > MAX_STATEMENTS_PER_POLICY) {
    findings.set('budget', {
      rule: 'policy-statement-budget',
      severity: 'error',
      column: 1,
      message: `the policy has ${count} statements; OCI allows ${MAX_STATEMENTS_PER_POLICY}`,
      role: roleName,
      statementIndex: MAX_STATEMENTS_PER_POLICY,
      statement: statementText(role.policy.statements[MAX_STATEMENTS_PER_POLICY] as StatementEntry),
      allowed: false,
    });
  }
  return [...findings.values()];
}

/** Rules the deployment adds to a catalog: the prefix every policy name must carry (`POLICY_NAME_PREFIX`). */
export interface CatalogRules {
  /**
   * The function's IAM policy lets it write only policies whose name starts with this prefix
   * (`target.policy.name = /<prefix>*\/`), so a catalog naming any other policy is refused here,
   * before OCI would refuse the write.
   */
  readonly policyNamePrefix?: string;
}

/**
 * Every policy name the catalog renders (once per allowed compartment) must carry the prefix and be
 * unique: OCI policy names are unique in the whole tenancy, not per compartment (CreatePolicyDetails.name
 * in oci-identity's model), and names are compared without case here, since OCI's condition matching
 * on `target.policy.name` ignores case ("Advanced Policy Features").
 */
function policyNameProblems(roles: Readonly<Record<string, Role>>, rules: CatalogRules): Problem[] {
  const problems: Problem[] = [];
  const owners = new Map<string, { role: string; compartment: string }>();
  const prefix = rules.policyNamePrefix?.toLowerCase();
  for (const [roleName, role] of Object.entries(roles)) {
    const path = `roles.${roleName}.policy.name`;
    // A name with an unknown placeholder is reported already and cannot be rendered.
    if ([...role.policy.name.matchAll(PLACEHOLDER)].some(([, name]) => !KNOWN_PLACEHOLDERS.has(name ?? ''))) continue;
    for (const compartment of role.compartments ?? ['']) {
      const name = fill(role.policy.name, compartment, fill(role.group.name, compartment));
      const key = name.toLowerCase();
      if (prefix && !key.startsWith(prefix)) {
        problems.push({
          path,
          message: `policy name "${name}" must start with "${rules.policyNamePrefix}" (POLICY_NAME_PREFIX): the function may write only the policies it owns`,
        });
        break;
      }
      const owner = owners.get(key);
      if (owner) {
        const other = owner.role === roleName ? `this role's compartment "${owner.compartment}"` : `role "${owner.role}"`;
        problems.push({
          path,
          message: `policy name "${name}"${compartment ? ` (compartment "${compartment}")` : ''} is also rendered by ${other}; OCI policy names are unique in the whole tenancy${owner.role === roleName ? ': put ${compartment} in the name' : ''}`,
        });
      } else owners.set(key, { role: roleName, compartment });
    }
  }
  return problems;
}

const roleTags = (role: Role): ResourceTags => ({ definedTags: role.definedTags ?? {}, freeformTags: role.freeformTags ?? {} });

/**
 * A group rendered by several roles is one OCI group: its roles must ask for the same tags, or every
 * delivery would retag it back and forth. The tags of one role stay within OCI's per-resource limit.
 */
function tagProblems(roles: Readonly<Record<string, Role>>): Problem[] {
  const problems: Problem[] = [];
  const owners = new Map<string, string>();
  for (const [roleName, role] of Object.entries(roles)) {
    const tags = roleTags(role);
    if (tagCount(tags) > MAX_TAGS_PER_RESOURCE) {
      problems.push({ path: `roles.${roleName}.definedTags`, message: `a resource carries at most ${MAX_TAGS_PER_RESOURCE} tags` });
    }
    for (const compartment of role.compartments ?? ['']) {
      const key = fill(role.group.name, compartment).toLowerCase();
      const owner = owners.get(key);
      const other = owner === undefined ? undefined : roles[owner];
      if (owner === undefined || !other) owners.set(key, roleName);
      else if (owner !== roleName && !sameTags(tags, roleTags(other))) {
        problems.push({
          path: `roles.${roleName}.${role.definedTags ? 'definedTags' : role.freeformTags ? 'freeformTags' : 'group.name'}`,
          message: `group "${fill(role.group.name, compartment)}" is also rendered by role "${owner}" with other tags; roles sharing a group must tag it alike`,
        });
        break;
      }
    }
  }
  return problems;
}

/**
 * Checks a catalog without throwing: the schema and template problems, and every finding about every
 * statement (warnings and allowed ones included). `npm run lint-policy` prints this.
 */
export function checkRoleCatalog(
  input: unknown,
  rules: CatalogRules = {},
): { catalog: RoleCatalog | undefined; problems: Problem[]; findings: CatalogFinding[] } {
  const parsed = catalogSchema.safeParse(input);
  if (!parsed.success) return { catalog: undefined, problems: problemsOf(parsed.error), findings: [] };
  // Each role is checked on its own, so one broken role does not hide the problems of another.
  const problems: Problem[] = [];
  const findings: CatalogFinding[] = [];
  const roles: Record<string, Role> = {};
  for (const [name, raw] of Object.entries(parsed.data.roles)) {
    if (!ROLE_NAME.test(name)) problems.push({ path: `roles.${name}`, message: 'role names are lower-case letters, digits and -' });
    const role = roleSchema.safeParse(raw);
    if (!role.success) {
      problems.push(...problemsOf(role.error).map((p) => ({ ...p, path: `roles.${name}.${p.path}` })));
      continue;
    }
    const template = templateProblems(role.data, name);
    problems.push(...template);
    // Statements can be checked whenever the group name renders; a broken policy name does not hide them.
    if (!template.some((p) => /\.(group\.name|compartments)$/.test(p.path))) findings.push(...statementFindings(role.data, name));
    roles[name] = role.data;
  }
  problems.push(...policyNameProblems(roles, rules));
  problems.push(...tagProblems(roles));
  for (const f of findings) {
    if (f.severity === 'error' && !f.allowed) {
      problems.push({
        path: `roles.${f.role}.policy.statements.${f.statementIndex}`,
        message: `${f.rule} (column ${f.column}): ${f.message}`,
      });
    }
  }
  return { catalog: problems.length === 0 ? deepFreeze({ version: 1, roles }) : undefined, problems, findings };
}

/**
 * Validates a role catalog; throws a ValidationError listing every problem.
 * @example parseRoleCatalog(JSON.parse(config.ROLE_CATALOG))
 */
export function parseRoleCatalog(input: unknown, rules: CatalogRules = {}): RoleCatalog {
  const { catalog, problems } = checkRoleCatalog(input, rules);
  if (!catalog) throw new ValidationError(ErrorCode.InvalidRoleCatalog, 'The role catalog is not valid', problems);
  return catalog;
}

/**
 * Parses catalog JSON text, then validates it; `where` names the source in the error.
 * @example parseRoleCatalogText(config.ROLE_CATALOG, 'ROLE_CATALOG')
 */
export function parseRoleCatalogText(text: string, where: string, rules: CatalogRules = {}): RoleCatalog {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(ErrorCode.InvalidRoleCatalog, `The role catalog in ${where} is not JSON`, [
      { path: '(root)', message: (error as Error).message },
    ]);
  }
  return parseRoleCatalog(json, rules);
}

/** Every policy name the catalog renders, once per allowed compartment: the policies the function may write. */
export function renderedPolicyNames(catalog: RoleCatalog): string[] {
  const names = new Set<string>();
  for (const role of Object.values(catalog.roles)) {
    for (const compartment of role.compartments ?? ['']) names.add(fill(role.policy.name, compartment, fill(role.group.name, compartment)));
  }
  return [...names].sort();
}

/** What the hire's identity should look like in OCI, derived from the event and the catalog. */
export interface DesiredState {
  readonly user: UserSpec;
  readonly groups: readonly {
    readonly name: string;
    readonly description: string;
    readonly roles: readonly string[];
    /** Every tag the group must carry: DEFINED_TAGS with the role's tags laid over. */
    readonly tags: ResourceTags;
  }[];
  readonly policies: readonly {
    readonly name: string;
    readonly compartmentId: string;
    readonly description: string;
    readonly statements: readonly string[];
    readonly groupName: string;
    readonly tags: ResourceTags;
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
export function resolveDesiredState(
  hire: NewHire,
  catalog: RoleCatalog,
  tenancyId: string,
  groupReference: (groupName: string) => string = (name) => name,
  /** DEFINED_TAGS: on every user, group and policy; a role's own tags are laid over them. */
  definedTags: DefinedTags = {},
) {
  const problems: Problem[] = [];
  const groups = new Map<string, { name: string; description: string; roles: string[]; tags: ResourceTags }>();
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
    const groupName = fill(role.group.name, compartment);
    const tags = { definedTags: mergeDefinedTags(definedTags, role.definedTags), freeformTags: { ...role.freeformTags } };
    const group = groups.get(groupName.toLowerCase()) ?? {
      name: groupName,
      description: fill(role.group.description, compartment),
      roles: [],
      tags,
    };
    group.roles.push(roleName);
    groups.set(groupName.toLowerCase(), group);
    const compartmentId = role.policy.compartmentId ?? tenancyId;
    const policyName = fill(role.policy.name, compartment, groupName);
    policies.set(`${compartmentId}/${policyName.toLowerCase()}`, {
      name: policyName,
      compartmentId,
      description: fill(role.policy.description, compartment, groupName),
      statements: role.policy.statements.map((s) => fill(statementText(s), compartment, groupReference(groupName))),
      groupName,
      tags,
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
      givenName: hire.givenName,
      familyName: hire.familyName,
      employeeId: hire.employeeId,
      ...(Object.keys(definedTags).length > 0 ? { definedTags } : {}),
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
