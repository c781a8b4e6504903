import type { AssociateGrant, Condition, CrossTenancyLocation, Grant, PrincipalName, Statement, Subject, Value } from './ast';
import { parseStatement, renderName } from './parser';

// OCI compares names, keywords and (per "Advanced Policy Features") condition values without regard to
// case, so the normal form is lower case throughout, with one spacing and sorted lists.

const sorted = (items: readonly string[]) => [...items].sort();
const principal = (p: PrincipalName) => (p.domain ? `${renderName(p.domain.toLowerCase())}/` : '') + renderName(p.name.toLowerCase());

function subject(s: Subject): string {
  switch (s.kind) {
    case 'any-user':
    case 'any-group':
      return s.kind;
    case 'service':
      return `service ${sorted(s.names).join(', ')}`;
    case 'resource':
      return `resource ${s.resourceType} ${sorted(s.names.map((n) => renderName(n.toLowerCase()))).join(', ')}`;
    case 'group-id':
    case 'dynamic-group-id':
      return `${s.kind === 'group-id' ? 'group' : 'dynamic-group'} ${sorted(s.ids.map((id) => `id ${id}`)).join(', ')}`;
    default:
      return `${s.kind} ${sorted(s.names.map(principal)).join(', ')}`;
  }
}

function location(l: CrossTenancyLocation): string {
  if (l.kind === 'tenancy') return l.alias ? `tenancy ${renderName(l.alias.toLowerCase())}` : 'tenancy';
  if (l.kind === 'any-tenancy') return 'any-tenancy';
  if (l.kind === 'compartment-id') return `compartment id ${l.id}`;
  return `compartment ${l.path.map((p) => p.toLowerCase()).join(':')}`;
}

function grantIn(g: Grant | AssociateGrant, l: CrossTenancyLocation): string {
  if (g.kind === 'associate') return `associate ${g.resource} in ${location(l)} with ${g.withResource} in ${location(g.withLocation)}`;
  return `${g.kind === 'verb' ? `${g.verb} ${g.resource}` : `{${sorted(g.permissions).join(', ')}}`} in ${location(l)}`;
}

function value(v: Value): string {
  if (v.kind === 'pattern') return `/${v.text.toLowerCase()}/`;
  if (v.kind === 'variable') return v.text;
  return `'${v.text.toLowerCase()}'`;
}

function condition(c: Condition): string {
  if (c.kind !== 'compare') {
    const items = [...new Set(c.items.map(condition))].sort();
    return items.length === 1 ? (items[0] ?? '') : `${c.kind} {${items.join(', ')}}`;
  }
  switch (c.operator) {
    case 'in':
    case 'not in':
      return `${c.variable} ${c.operator} (${[...new Set(c.values.map(value))].sort().join(', ')})`;
    case 'sets-intersect':
      return `sets-intersect(${c.variable}, (${[...new Set(c.values.map(value))].sort().join(', ')}))`;
    case 'between':
      return `${c.variable} between ${value(c.values[0] as Value)} and ${value(c.values[1] as Value)}`;
    default:
      return `${c.variable} ${c.operator} ${value(c.values[0] as Value)}`;
  }
}

/** Renders a parsed statement in its normal form. */
export function renderNormal(s: Statement): string {
  const where = 'condition' in s && s.condition ? ` where ${condition(s.condition)}` : '';
  switch (s.kind) {
    case 'define':
      return `define ${s.what} ${renderName(s.alias.toLowerCase())} as ${s.ocid}`;
    case 'endorse':
      return `${s.deny ? 'deny ' : ''}endorse ${subject(s.subject)} to ${grantIn(s.grant, s.location)}${where}`;
    case 'admit':
      return `${s.deny ? 'deny ' : ''}admit ${subject(s.subject)} of tenancy ${renderName(s.ofTenancy.toLowerCase())} to ${grantIn(s.grant, s.location)}${where}`;
    default:
      return `${s.kind} ${subject(s.subject)} to ${grantIn(s.grant, s.location)}${where}`;
  }
}

/**
 * The form in which statements OCI treats as the same compare equal: keyword and name case, spacing,
 * quoting, and the order of names, permissions and condition lists. A statement that does not parse
 * (one written by hand in the Console, say) falls back to case and spacing alone.
 * @example normaliseStatement("Allow group B, 'A' to READ buckets IN tenancy") // "allow group a, b to read buckets in tenancy"
 */
export function normaliseStatement(text: string): string {
  try {
    return renderNormal(parseStatement(text).statement);
  } catch {
    return text.trim().toLowerCase().replace(/\s+/g, ' ');
  }
}

/** Whether two statement lists grant the same, whatever their order, case, spacing or quoting. */
export function sameStatements(a: readonly string[], b: readonly string[]): boolean {
  const left = [...new Set(a.map(normaliseStatement))].sort();
  const right = [...new Set(b.map(normaliseStatement))].sort();
  return left.length === right.length && left.every((statement, i) => statement === right[i]);
}
