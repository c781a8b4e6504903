import type { ConditionOperator, Verb } from './vocabulary';

/** A principal name, with its identity domain when it is not the Default one. */
export interface PrincipalName {
  readonly domain?: string;
  readonly name: string;
}

export type Subject =
  | { readonly kind: 'group' | 'dynamic-group'; readonly names: readonly PrincipalName[] }
  | { readonly kind: 'group-id' | 'dynamic-group-id'; readonly ids: readonly string[] }
  | { readonly kind: 'any-user' | 'any-group' }
  | { readonly kind: 'service'; readonly names: readonly string[] }
  /** `resource <resource-type> <name>`: a resource principal, as Oracle's PaaS prerequisites page writes it. */
  | { readonly kind: 'resource'; readonly resourceType: string; readonly names: readonly string[] };

/** Where a grant applies. `tenancy` carries an alias only in cross-tenancy statements (`in tenancy Acceptor`). */
export type Location =
  | { readonly kind: 'tenancy'; readonly alias?: string }
  | { readonly kind: 'compartment'; readonly path: readonly string[] }
  | { readonly kind: 'compartment-id'; readonly id: string };

/** Where a cross-tenancy grant applies: a location, or `any-tenancy` (`Endorse … in any-tenancy`). */
export type CrossTenancyLocation = Location | { readonly kind: 'any-tenancy' };

export type Grant =
  | { readonly kind: 'verb'; readonly verb: Verb; readonly resource: string; readonly resourceColumn: number }
  | { readonly kind: 'permissions'; readonly permissions: readonly string[]; readonly column: number };

/** `associate <resource> in <location> with <resource> in <location>` (Endorse and Admit only): the statement's location is the first one. */
export interface AssociateGrant {
  readonly kind: 'associate';
  readonly resource: string;
  readonly resourceColumn: number;
  readonly withResource: string;
  readonly withResourceColumn: number;
  readonly withLocation: CrossTenancyLocation;
}

/** A condition value: quoted text, a bare word, a `/pattern*\/`, or another variable (`request.principal.compartment.id`). */
export type Value = { readonly kind: 'string' | 'word' | 'pattern' | 'variable'; readonly text: string };

/**
 * A condition. A function such as `sets-intersect(<variable>, ('a', 'b'))` is a comparison whose
 * operator is the function's name.
 */
export type Condition =
  | { readonly kind: 'any' | 'all'; readonly items: readonly Condition[] }
  | { readonly kind: 'compare'; readonly variable: string; readonly operator: ConditionOperator; readonly values: readonly Value[] };

interface Grants {
  readonly subject: Subject;
  readonly grant: Grant;
  readonly location: Location;
  readonly condition?: Condition;
}

interface CrossTenancyGrants {
  readonly subject: Subject;
  readonly grant: Grant | AssociateGrant;
  readonly location: CrossTenancyLocation;
  readonly condition?: Condition;
}

/** One parsed policy statement. */
export type Statement =
  | ({ readonly kind: 'allow' | 'deny' } & Grants)
  | {
      readonly kind: 'define';
      readonly what: 'tenancy' | 'group' | 'dynamic-group' | 'compartment';
      readonly alias: string;
      readonly ocid: string;
    }
  /** `[Deny] Endorse <subject> to … in tenancy <alias> | any-tenancy`: what the home tenancy lets its principals do elsewhere. */
  | ({ readonly kind: 'endorse'; readonly deny?: true } & CrossTenancyGrants)
  /** `[Deny] Admit <subject> of tenancy <alias> to … in <location>`: what another tenancy's principals may do here. */
  | ({ readonly kind: 'admit'; readonly deny?: true; readonly ofTenancy: string } & CrossTenancyGrants);

/** A parse that may carry warnings (an unknown resource type) but no error. */
export interface ParsedStatement {
  readonly statement: Statement;
  readonly warnings: readonly { readonly column: number; readonly message: string }[];
}
