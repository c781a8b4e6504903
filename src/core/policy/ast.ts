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
  | { readonly kind: 'service'; readonly names: readonly string[] };

export type Grant =
  | { readonly kind: 'verb'; readonly verb: Verb; readonly resource: string; readonly resourceColumn: number }
  | { readonly kind: 'permissions'; readonly permissions: readonly string[] };

export type Location =
  | { readonly kind: 'tenancy' }
  | { readonly kind: 'compartment'; readonly path: readonly string[] }
  | { readonly kind: 'compartment-id'; readonly id: string };

export type Value = { readonly kind: 'string' | 'word' | 'pattern'; readonly text: string };

export type Condition =
  | { readonly kind: 'any' | 'all'; readonly items: readonly Condition[] }
  | { readonly kind: 'compare'; readonly variable: string; readonly operator: ConditionOperator; readonly values: readonly Value[] };

/** One parsed policy statement. */
export type Statement =
  | {
      readonly kind: 'allow' | 'deny';
      readonly subject: Subject;
      readonly grant: Grant;
      readonly location: Location;
      readonly condition?: Condition;
    }
  | { readonly kind: 'define'; readonly what: 'tenancy' | 'group' | 'dynamic-group'; readonly alias: string; readonly ocid: string }
  | {
      readonly kind: 'endorse';
      readonly subject: Subject;
      readonly grant: Grant;
      /** `any-tenancy`, or the alias of a defined tenancy. */
      readonly tenancy: string;
      readonly condition?: Condition;
    }
  | {
      readonly kind: 'admit';
      readonly subject: Subject;
      readonly ofTenancy: string;
      readonly grant: Grant;
      readonly location: Location;
      readonly condition?: Condition;
    };

/** A parse that may carry warnings (an unknown resource type) but no error. */
export interface ParsedStatement {
  readonly statement: Statement;
  readonly warnings: readonly { readonly column: number; readonly message: string }[];
}
