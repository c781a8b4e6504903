// SCIM filters (RFC 7644 section 3.4.2.2), the subset this project sends: attribute paths compared with
// eq, ne, co, sw, ew, or tested with pr, joined by and / or, with parentheses. Strings are JSON strings.

export class ScimFilterError extends Error {}

type Node =
  | { kind: 'and'; left: Node; right: Node }
  | { kind: 'or'; left: Node; right: Node }
  | { kind: 'compare'; path: string; op: 'eq' | 'ne' | 'co' | 'sw' | 'ew'; value: string | boolean | null }
  | { kind: 'present'; path: string };

/** Parses a filter into a predicate over SCIM resources; throws ScimFilterError (a 400 invalidFilter). */
export function compileScimFilter(filter: string): (resource: Record<string, unknown>) => boolean {
  let i = 0;
  const skip = () => {
    while (filter[i] === ' ') i += 1;
  };
  const word = () => {
    skip();
    const start = i;
    while (i < filter.length && /[A-Za-z0-9_.:$-]/.test(filter[i] ?? '')) i += 1;
    if (start === i) throw new ScimFilterError(`expected a word at ${start + 1}`);
    return filter.slice(start, i);
  };
  const value = (): string | boolean | null => {
    skip();
    if (filter[i] === '"') {
      // A JSON string: \" and \\ are escapes, so a quote in a value cannot end it early.
      let j = i + 1;
      while (j < filter.length && filter[j] !== '"') j += filter[j] === '\\' ? 2 : 1;
      if (j >= filter.length) throw new ScimFilterError('unterminated string');
      const text = filter.slice(i, j + 1);
      i = j + 1;
      try {
        return JSON.parse(text) as string;
      } catch {
        throw new ScimFilterError(`bad string ${text}`);
      }
    }
    const literal = word().toLowerCase();
    if (literal === 'true' || literal === 'false') return literal === 'true';
    if (literal === 'null') return null;
    throw new ScimFilterError(`expected a value, found ${literal}`);
  };
  const primary = (): Node => {
    skip();
    if (filter[i] === '(') {
      i += 1;
      const inner = expression();
      skip();
      if (filter[i] !== ')') throw new ScimFilterError('expected )');
      i += 1;
      return inner;
    }
    const path = word();
    const op = word().toLowerCase();
    if (op === 'pr') return { kind: 'present', path };
    if (!['eq', 'ne', 'co', 'sw', 'ew'].includes(op)) throw new ScimFilterError(`unsupported operator ${op}`);
    return { kind: 'compare', path, op: op as 'eq', value: value() };
  };
  const conjunction = (): Node => {
    let left = primary();
    for (;;) {
      const save = i;
      skip();
      if (filter.slice(i, i + 4).toLowerCase() !== 'and ') {
        i = save;
        return left;
      }
      i += 4;
      left = { kind: 'and', left, right: primary() };
    }
  };
  const expression = (): Node => {
    let left = conjunction();
    for (;;) {
      const save = i;
      skip();
      if (filter.slice(i, i + 3).toLowerCase() !== 'or ') {
        i = save;
        return left;
      }
      i += 3;
      left = { kind: 'or', left, right: conjunction() };
    }
  };
  const tree = expression();
  skip();
  if (i < filter.length) throw new ScimFilterError(`unexpected text at ${i + 1}: ${filter.slice(i)}`);
  return (resource) => evaluate(tree, resource);
}

function lookup(resource: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => {
    if (value === null || typeof value !== 'object') return undefined;
    const entry = Object.entries(value).find(([k]) => k.toLowerCase() === key.toLowerCase());
    return entry?.[1];
  }, resource);
}

function evaluate(node: Node, resource: Record<string, unknown>): boolean {
  if (node.kind === 'and' || node.kind === 'or') {
    const left = evaluate(node.left, resource);
    return node.kind === 'and' ? left && evaluate(node.right, resource) : left || evaluate(node.right, resource);
  }
  const actual = lookup(resource, node.path);
  if (node.kind === 'present') return actual !== undefined && actual !== null;
  // SCIM string comparisons are case-insensitive for caseExact=false attributes such as userName.
  const a = typeof actual === 'string' ? actual.toLowerCase() : actual;
  const b = typeof node.value === 'string' ? node.value.toLowerCase() : node.value;
  switch (node.op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'co':
      return typeof a === 'string' && typeof b === 'string' && a.includes(b);
    case 'sw':
      return typeof a === 'string' && typeof b === 'string' && a.startsWith(b);
    default:
      return typeof a === 'string' && typeof b === 'string' && a.endsWith(b);
  }
}
