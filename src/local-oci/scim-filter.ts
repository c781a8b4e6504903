// SCIM filters (RFC 7644 section 3.4.2.2) for the local identity domain, parsed by the maintained
// `scim2-parse-filter` (the whole grammar: and/or/not, eq ne co sw ew gt ge lt le pr, value paths
// such as `emails[type eq "work"]`, URN-qualified attribute paths). Two things are this project's:
// - String values are decoded here as JSON strings, as RFC 7644 says. The library keeps every
//   backslash that is not before a quote, so `"a\\b"` would mean `a\\b` and `"a\\"` would not parse
//   (checked by running scim2-parse-filter 0.2.10). Each literal is swapped for a placeholder before
//   parsing and its decoded value put back into the tree.
// - A value path's conditions must hold for one and the same element of the multi-valued attribute.
// - Comparisons follow the attributes' caseExact (RFC 7643): userName, emails, displayName compare
//   without case; id, externalId, ocid and references compare exactly.
import { type Filter, parse, Tester } from 'scim2-parse-filter';

/** A filter that does not parse: the service answers 400 with scimType invalidFilter. */
export class ScimFilterError extends Error {}

type Value = boolean | null | number | string;
const STRING_LITERAL = /"(?:[^"\\]|\\.)*"/g;
/** caseExact attributes (lower case, URN prefix dropped), from RFC 7643 sections 3.1, 4 and 8.7.1; the rest compare without case. */
const CASE_EXACT = new Set(['id', 'externalid', 'ocid', 'members.value', 'groups.value', 'meta.location', 'meta.version']);

/** Sets each placeholder compValue to the decoded literal. */
function restore(node: Filter, literals: readonly string[]): Filter {
  switch (node.op) {
    case 'and':
    case 'or':
      return { ...node, filters: node.filters.map((f) => restore(f, literals)) };
    case 'not':
      return { ...node, filter: restore(node.filter, literals) };
    case '[]':
      return { ...node, valFilter: restore(node.valFilter, literals) };
    case 'pr':
      return node;
    default: {
      const index = typeof node.compValue === 'string' ? Number(node.compValue) : Number.NaN;
      return typeof node.compValue === 'string' ? { ...node, compValue: literals[index] ?? '' } : node;
    }
  }
}

const fold = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value);

/** The library's evaluator with caseExact taken into account: comparisons see folded strings unless exact. */
class CaseAwareTester extends Tester {
  #exact = false;
  /** Inside `emails[…]`, the attribute a sub-attribute belongs to. */
  #parent = '';

  override test(resource: unknown, node: Filter): boolean {
    if (!('attrPath' in node)) return super.test(resource, node);
    const path = `${this.#parent}${node.attrPath.slice(node.attrPath.lastIndexOf(':') + 1).toLowerCase()}`;
    const outer = { exact: this.#exact, parent: this.#parent };
    if (node.op === '[]') this.#parent = `${path}.`;
    else this.#exact = CASE_EXACT.has(path);
    try {
      if (node.op !== '[]') return super.test(resource, node);
      // The library tests a value filter's conditions against the whole array, each on any element;
      // RFC 7644 means one element matching all of them (`emails[type eq "work" and value co "@x"]`).
      return this.attrTest(this.attrPath(node.attrPath), resource, (value) =>
        (Array.isArray(value) ? value : [value]).some((element) => this.test(element, node.valFilter)),
      );
    } finally {
      this.#exact = outer.exact;
      this.#parent = outer.parent;
    }
  }

  #pair(actual: unknown, expected: Value): [unknown, Value] {
    return this.#exact ? [actual, expected] : [fold(actual), fold(expected) as Value];
  }

  override pr(actual: unknown): boolean {
    return actual !== undefined && actual !== null && actual !== '';
  }
  override eq(actual: unknown, expected: Value): boolean {
    return super.eq(...this.#pair(actual, expected));
  }
  override ne(actual: unknown, expected: Value): boolean {
    return super.ne(...this.#pair(actual, expected));
  }
  override co(actual: unknown, expected: Value): boolean {
    return super.co(...this.#pair(actual, expected));
  }
  override sw(actual: unknown, expected: Value): boolean {
    return super.sw(...this.#pair(actual, expected));
  }
  override ew(actual: unknown, expected: Value): boolean {
    return super.ew(...this.#pair(actual, expected));
  }
  override gt(actual: unknown, expected: Value): boolean {
    return super.gt(...this.#pair(actual, expected));
  }
  override ge(actual: unknown, expected: Value): boolean {
    return super.ge(...this.#pair(actual, expected));
  }
  override lt(actual: unknown, expected: Value): boolean {
    return super.lt(...this.#pair(actual, expected));
  }
  override le(actual: unknown, expected: Value): boolean {
    return super.le(...this.#pair(actual, expected));
  }
}

/**
 * Parses a filter into a predicate over SCIM resources; throws ScimFilterError (a 400 invalidFilter).
 * @example compileScimFilter('emails[type eq "work" and value ew "@example.com"] and not (active eq false)')
 */
export function compileScimFilter(filter: string): (resource: Record<string, unknown>) => boolean {
  const literals: string[] = [];
  const masked = filter.replace(STRING_LITERAL, (literal) => {
    try {
      literals.push(JSON.parse(literal) as string);
    } catch {
      throw new ScimFilterError(`bad string ${literal}`);
    }
    return `"${literals.length - 1}"`;
  });
  if (masked.replace(/"\d+"/g, '').includes('"')) throw new ScimFilterError('unterminated string');
  let tree: Filter;
  try {
    tree = restore(parse(masked), literals);
  } catch (error) {
    throw new ScimFilterError((error as Error).message.replace(/"(\d+)"/g, (_, i: string) => JSON.stringify(literals[Number(i)])));
  }
  const tester = new CaseAwareTester();
  return (resource) => tester.test(resource, tree);
}
