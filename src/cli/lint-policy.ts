// `npm run lint-policy -- <file>`: policy statements (one per line, a JSON array, or a role catalog),
// checked like a compiler checks code: file:line:column: severity rule: message.
import { readFileSync } from 'node:fs';
import { checkStatement, MAX_STATEMENTS_PER_POLICY, RULES } from '../core/policy/lint';
import { checkRoleCatalog } from '../core/role-catalog';
import { out, userPath } from './print';

interface Located {
  readonly line: number;
  readonly column: number;
  readonly severity: 'error' | 'warning';
  readonly rule: string;
  readonly message: string;
}

/** Line and column (1-based) of a character offset. */
function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/** Finds where each JSON string literal sits in the file, in order, so findings point into it. */
function locator(text: string) {
  let from = 0;
  return (value: string) => {
    const literal = JSON.stringify(value);
    const at = text.indexOf(literal, from);
    if (at < 0) return { line: 1, column: 1 };
    from = at + literal.length;
    const { line, column } = position(text, at);
    return { line, column: column + 1 };
  };
}

function lintStatements(statements: readonly { text: string; line: number; column: number }[]): Located[] {
  const results: Located[] = [];
  statements.forEach(({ text, line, column }, index) => {
    for (const f of checkStatement(text))
      results.push({ line, column: column + f.column - 1, severity: f.severity, rule: f.rule, message: f.message });
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

export function lintFile(text: string): Located[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Plain text: one statement per line; blank lines and # comments are skipped.
    const lines = text.split(/\r?\n/);
    const statements = lines.flatMap((raw, i) => {
      const trimmed = raw.trim();
      return trimmed === '' || trimmed.startsWith('#') ? [] : [{ text: raw.trimEnd(), line: i + 1, column: 1 }];
    });
    return lintStatements(statements);
  }
  const locate = locator(text);
  if (Array.isArray(json)) {
    if (json.some((item) => typeof item !== 'string'))
      return [
        { line: 1, column: 1, severity: 'error', rule: 'input', message: 'a JSON file must be an array of statements or a role catalog' },
      ];
    return lintStatements((json as string[]).map((statement) => ({ text: statement, ...locate(statement) })));
  }
  const { problems, findings } = checkRoleCatalog(json);
  const results: Located[] = [];
  const reported = new Set<string>();
  for (const f of findings) {
    const at = locate(f.statement);
    if (!f.allowed)
      results.push({
        ...at,
        column: at.column + f.column - 1,
        severity: f.severity,
        rule: f.rule,
        message: `role ${f.role}: ${f.message}`,
      });
    reported.add(`roles.${f.role}.policy.statements.${f.statementIndex}`);
  }
  for (const p of problems) {
    if (!reported.has(p.path)) results.push({ line: 1, column: 1, severity: 'error', rule: 'catalog', message: `${p.path}: ${p.message}` });
  }
  return results.sort((a, b) => a.line - b.line || a.column - b.column);
}

function main(argv: string[]): number {
  const file = argv[0];
  if (!file || argv.length > 1) {
    console.error('usage: npm run lint-policy -- <statements.txt | statements.json | role-catalog.json>');
    console.error(
      `rules: ${Object.entries(RULES)
        .map(([id, r]) => `${id} (${r.severity})`)
        .join(', ')}`,
    );
    return 2;
  }
  const results = lintFile(readFileSync(userPath(file), 'utf8'));
  for (const r of results) out(`${file}:${r.line}:${r.column}: ${r.severity} ${r.rule}: ${r.message}`);
  const errors = results.filter((r) => r.severity === 'error').length;
  out(`${errors} error${errors === 1 ? '' : 's'}, ${results.length - errors} warning${results.length - errors === 1 ? '' : 's'}`);
  return errors > 0 ? 1 : 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
