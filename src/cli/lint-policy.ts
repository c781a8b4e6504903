// `npm run lint-policy -- <file | ->`: policy statements (one per line, a JSON array, or a role catalog),
// checked like a compiler checks code: file:line:column: severity rule: message.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkStatement, MAX_STATEMENTS_PER_POLICY, RULES } from '../core/policy/lint';
import { type CatalogRules, checkRoleCatalog } from '../core/role-catalog';
import { jsonLocations, locate } from './json-locations';
import { out, userPath } from './print';

export interface Located {
  readonly line: number;
  readonly column: number;
  readonly severity: 'error' | 'warning';
  readonly rule: string;
  readonly message: string;
}

interface Entry {
  readonly text: string;
  readonly line: number;
  readonly column: number;
  /** Rules this statement may break, with the reason written beside it. */
  readonly allow: ReadonlySet<string>;
}

const RULE_IDS = new Set(Object.keys(RULES));
/** `# lint-allow rule-a, rule-b: why` on the line above a statement allows those rules for that statement. */
const ALLOW_COMMENT = /^#\s*lint-allow\s+([a-z-]+(?:\s*,\s*[a-z-]+)*)\s*:\s*(.*)$/;

function lintStatements(entries: readonly Entry[]): Located[] {
  const results: Located[] = [];
  entries.forEach(({ text, line, column, allow }, index) => {
    for (const f of checkStatement(text)) {
      if (!allow.has(f.rule)) results.push({ line, column: column + f.column - 1, severity: f.severity, rule: f.rule, message: f.message });
    }
    if (index === MAX_STATEMENTS_PER_POLICY) {
      results.push({
        line,
        column,
        severity: 'error',
        rule: 'policy-statement-budget',
        message: `statement ${index + 1} is over the ${MAX_STATEMENTS_PER_POLICY}-statement policy budget`,
      });
    }
  });
  return results;
}

/** Checks an allowance: known rules, never `syntax`, and a reason a reviewer can read. */
function allowanceProblem(rules: readonly string[], reason: string): string | undefined {
  const unknown = rules.filter((r) => !RULE_IDS.has(r));
  if (unknown.length > 0) return `unknown rule ${unknown.join(', ')}; rules: ${[...RULE_IDS].join(', ')}`;
  if (rules.includes('syntax')) return 'a syntax error cannot be allowed';
  if (reason.trim().length < 10) return 'say why the rule may be broken here (10 characters at least)';
  return undefined;
}

function lintText(text: string): Located[] {
  // Plain text: one statement per line; blank lines and # comments are skipped.
  const problems: Located[] = [];
  const entries: Entry[] = [];
  let pending: { rules: string[]; line: number } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    const allow = ALLOW_COMMENT.exec(trimmed);
    if (allow) {
      const rules = (allow[1] ?? '').split(',').map((r) => r.trim());
      const problem = allowanceProblem(rules, allow[2] ?? '');
      if (problem) problems.push({ line: i + 1, column: 1, severity: 'error', rule: 'input', message: problem });
      else pending = { rules, line: i + 1 };
      return;
    }
    if (trimmed === '' || trimmed.startsWith('#')) return;
    entries.push({ text: raw.trimEnd(), line: i + 1, column: 1, allow: new Set(pending?.rules ?? []) });
    pending = undefined;
  });
  return [...problems, ...lintStatements(entries)];
}

function lintArray(json: unknown[], where: Map<string, { line: number; column: number }>): Located[] {
  const problems: Located[] = [];
  const entries: Entry[] = [];
  json.forEach((item, i) => {
    const at = locate(where, String(i));
    if (typeof item === 'string') {
      entries.push({ text: item, ...at, column: at.column + 1, allow: new Set() });
      return;
    }
    const object = item as { statement?: unknown; allow?: unknown; reason?: unknown } | null;
    if (!object || typeof object.statement !== 'string') {
      problems.push({ ...at, severity: 'error', rule: 'input', message: 'an entry is a statement or {"statement", "reason", "allow"}' });
      return;
    }
    const rules = Array.isArray(object.allow) ? object.allow.map(String) : [];
    const problem = rules.length > 0 ? allowanceProblem(rules, typeof object.reason === 'string' ? object.reason : '') : undefined;
    if (problem) problems.push({ ...locate(where, `${i}.allow`), severity: 'error', rule: 'input', message: problem });
    const statementAt = locate(where, `${i}.statement`);
    entries.push({ text: object.statement, ...statementAt, column: statementAt.column + 1, allow: new Set(problem ? [] : rules) });
  });
  return [...problems, ...lintStatements(entries)];
}

function lintCatalog(json: unknown, where: Map<string, { line: number; column: number }>, rules: CatalogRules): Located[] {
  const { problems, findings } = checkRoleCatalog(json, rules);
  const results: Located[] = [];
  const reported = new Set<string>();
  for (const f of findings) {
    const path = `roles.${f.role}.policy.statements.${f.statementIndex}`;
    reported.add(path);
    if (f.allowed) continue;
    // An entry written as {"statement": …} points at its text; a string entry is the text. +1 skips the quote.
    const at = where.get(`${path}.statement`) ?? locate(where, path);
    results.push({ ...at, column: at.column + f.column, severity: f.severity, rule: f.rule, message: `role ${f.role}: ${f.message}` });
  }
  for (const p of problems) {
    if (!reported.has(p.path))
      results.push({ ...locate(where, p.path), severity: 'error', rule: 'catalog', message: `${p.path}: ${p.message}` });
  }
  return results;
}

/**
 * Lints a file's text: plain statements (one per line, `# lint-allow rule: why` above a statement to
 * allow a rule for it), a JSON array of statements or of `{statement, reason, allow}`, or a role catalog.
 */
export function lintFile(text: string, rules: CatalogRules = {}): Located[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return lintText(text);
  }
  const where = jsonLocations(text);
  const results = Array.isArray(json) ? lintArray(json, where) : lintCatalog(json, where, rules);
  return results.sort((a, b) => a.line - b.line || a.column - b.column);
}

const USAGE = `usage: npm run lint-policy -- [--policy-name-prefix <prefix>] <file | ->

Checks OCI policy statements like a compiler: file:line:column: severity rule: message.
The file is statements one per line (# comments; "# lint-allow <rule>[, <rule>]: <why>" above a
statement allows those rules for it), a JSON array of statements or of {"statement", "reason",
"allow"}, or a role catalog. "-" reads standard input. Exits 1 on errors, 2 on a bad argument.
--policy-name-prefix  check a catalog's policy names as the function does with POLICY_NAME_PREFIX

rules: ${Object.entries(RULES)
  .map(([id, r]) => `${id} (${r.severity})`)
  .join(', ')}`;

/** How the command reads its input; tests give their own. */
export interface Input {
  readonly file: (path: string) => string;
  readonly stdin: () => string;
}
const FILES: Input = { file: (path) => readFileSync(path, 'utf8'), stdin: () => readFileSync(0, 'utf8') };

/** Runs the command; returns the exit code. */
export function main(argv: string[], input: Input = FILES): number {
  const options = { help: { type: 'boolean', short: 'h' }, 'policy-name-prefix': { type: 'string' } } as const;
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    console.error(`lint-policy: ${(error as Error).message}; see --help`);
    return 2;
  }
  if (parsed.values.help) {
    out(USAGE);
    return 0;
  }
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length > 0) {
    console.error(
      `lint-policy: ${file ? `one file at a time, not ${parsed.positionals.length}` : 'name a file, or - for standard input'}; see --help`,
    );
    return 2;
  }
  let text: string;
  try {
    text = file === '-' ? input.stdin() : input.file(userPath(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : (error as Error).message;
    console.error(`lint-policy: cannot read ${file}: ${why}`);
    return 2;
  }
  const prefix = parsed.values['policy-name-prefix'];
  const results = lintFile(text, prefix ? { policyNamePrefix: prefix } : {});
  const name = file === '-' ? '<stdin>' : file;
  for (const r of results) out(`${name}:${r.line}:${r.column}: ${r.severity} ${r.rule}: ${r.message}`);
  const errors = results.filter((r) => r.severity === 'error').length;
  out(`${errors} error${errors === 1 ? '' : 's'}, ${results.length - errors} warning${results.length - errors === 1 ? '' : 's'}`);
  return errors > 0 ? 1 : 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
