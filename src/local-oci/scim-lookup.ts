// The candidates a SCIM list filter can match, found through the domain's indexes when the filter is a
// single `attribute eq "value"` (how a client looks up one user or group: by userName, externalId,
// displayName) or several joined by `or` (`externalId eq "E1" or userName eq "ada@x.com"`: a person by
// employee id, then by user name). The full filter is still applied to them, so the answer is exactly
// what a scan of every resource would give, at the cost of one lookup per term.
import { foldName } from './indexed-map';
import type { DomainGroup, DomainState, DomainUser } from './state';

const SIMPLE_EQUALITY = /^\s*(?:urn:[^\s]*:)?([A-Za-z]+)\s+eq\s+("(?:[^"\\]|\\.)*")\s*$/i;
const OR = /^\s+or\s+/i;

/** The attribute (lower case, URN prefix dropped) and the decoded string of a filter `attribute eq "value"`. */
function simpleEquality(filter: string): { attribute: string; value: string } | undefined {
  const match = SIMPLE_EQUALITY.exec(filter);
  if (!match?.[1] || !match[2]) return undefined;
  try {
    return { attribute: match[1].toLowerCase(), value: JSON.parse(match[2]) as string };
  } catch {
    // Not a JSON string: the filter parser answers for it.
    return undefined;
  }
}

/**
 * The terms a filter joins with `or` outside string literals and parentheses (one term when it has no
 * such `or`). A term that is not a simple equality sends the lookup to a scan.
 */
function orTerms(filter: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && /\s/.test(c ?? '')) {
      const or = OR.exec(filter.slice(i));
      if (or) {
        terms.push(filter.slice(start, i));
        i += or[0].length - 1;
        start = i + 1;
      }
    }
  }
  terms.push(filter.slice(start));
  return terms;
}

/**
 * The candidates of every term through `lookup` (undefined for a term no index takes), or undefined when
 * one term needs a scan. Several distinct candidates are put back in the store's order, as a scan has them.
 */
function indexed<T>(
  filter: string | null,
  lookup: (equality: { attribute: string; value: string }) => readonly T[] | undefined,
  all: () => Iterable<T>,
): readonly T[] | undefined {
  if (filter === null) return undefined;
  const found = new Set<T>();
  for (const term of orTerms(filter)) {
    const equality = simpleEquality(term);
    const candidates = equality && lookup(equality);
    if (!candidates) return undefined;
    for (const candidate of candidates) found.add(candidate);
  }
  // One candidate (the usual answer) has no order to keep; two or more are rare (the same person twice).
  return found.size <= 1 ? [...found] : [...all()].filter((item) => found.has(item));
}

/** The users a filter can match: few when it names userName, externalId, id or ocid (or several joined by `or`); else all. */
export function userCandidates(domain: DomainState, filter: string | null): readonly DomainUser[] {
  const lookup = ({ attribute, value }: { attribute: string; value: string }): readonly DomainUser[] | undefined => {
    switch (attribute) {
      case 'username':
        return domain.users.find('userName', foldName(value));
      case 'externalid':
        return domain.users.find('externalId', foldName(value));
      case 'ocid':
        return domain.users.find('ocid', value);
      case 'id': {
        const found = domain.users.get(value);
        return found ? [found] : [];
      }
      default:
        return undefined;
    }
  };
  return indexed(filter, lookup, () => domain.users.values()) ?? [...domain.users.values()];
}

/** The groups a filter can match: few when it names displayName, id or ocid (or several joined by `or`); else all. */
export function groupCandidates(domain: DomainState, filter: string | null): readonly DomainGroup[] {
  const lookup = ({ attribute, value }: { attribute: string; value: string }): readonly DomainGroup[] | undefined => {
    switch (attribute) {
      case 'displayname':
        return domain.groups.find('displayName', foldName(value));
      case 'ocid':
        return domain.groups.find('ocid', value);
      case 'id': {
        const found = domain.groups.get(value);
        return found ? [found] : [];
      }
      default:
        return undefined;
    }
  };
  return indexed(filter, lookup, () => domain.groups.values()) ?? [...domain.groups.values()];
}
