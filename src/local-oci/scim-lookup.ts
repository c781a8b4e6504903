// The candidates a SCIM list filter can match, found through the domain's indexes when the filter is a
// single `attribute eq "value"` (how a client looks up one user or group: by userName, externalId,
// displayName). The full filter is still applied to them, so the answer is exactly what a scan of
// every resource would give, at the cost of one lookup.
import { foldName } from './indexed-map';
import type { DomainGroup, DomainState, DomainUser } from './state';

const SIMPLE_EQUALITY = /^\s*(?:urn:[^\s]*:)?([A-Za-z]+)\s+eq\s+("(?:[^"\\]|\\.)*")\s*$/i;

/** The attribute (lower case, URN prefix dropped) and the decoded string of a filter `attribute eq "value"`. */
function simpleEquality(filter: string | null): { attribute: string; value: string } | undefined {
  const match = filter === null ? null : SIMPLE_EQUALITY.exec(filter);
  if (!match?.[1] || !match[2]) return undefined;
  try {
    return { attribute: match[1].toLowerCase(), value: JSON.parse(match[2]) as string };
  } catch {
    // Not a JSON string: the filter parser answers for it.
    return undefined;
  }
}

/** The users a filter can match: few when it names a userName, externalId, id or ocid; else all. */
export function userCandidates(domain: DomainState, filter: string | null): readonly DomainUser[] {
  const equality = simpleEquality(filter);
  switch (equality?.attribute) {
    case 'username':
      return domain.users.find('userName', foldName(equality.value));
    case 'externalid':
      return domain.users.find('externalId', foldName(equality.value));
    case 'ocid':
      return domain.users.find('ocid', equality.value);
    case 'id': {
      const found = domain.users.get(equality.value);
      return found ? [found] : [];
    }
    default:
      return [...domain.users.values()];
  }
}

/** The groups a filter can match: few when it names a displayName, id or ocid; else all. */
export function groupCandidates(domain: DomainState, filter: string | null): readonly DomainGroup[] {
  const equality = simpleEquality(filter);
  switch (equality?.attribute) {
    case 'displayname':
      return domain.groups.find('displayName', foldName(equality.value));
    case 'ocid':
      return domain.groups.find('ocid', equality.value);
    case 'id': {
      const found = domain.groups.get(equality.value);
      return found ? [found] : [];
    }
    default:
      return [...domain.groups.values()];
  }
}
