// What the local OCI's policy reader (policy-language.ts) makes of one statement. The shapes follow
// the parts Oracle's "Policy Syntax" page names: subject, verb or permissions, resource type,
// location, conditions. They belong to the local OCI alone, so that nothing here is shared with the
// code the local OCI judges.

/** A group or dynamic group name, with its identity domain when it is not the Default one. */
export interface PrincipalName {
  readonly domain?: string;
  readonly name: string;
}

export type Subject =
  | { readonly kind: 'group' | 'dynamic-group'; readonly names: readonly PrincipalName[] }
  | { readonly kind: 'group-id' | 'dynamic-group-id'; readonly ids: readonly string[] }
  | { readonly kind: 'any-user' | 'any-group' }
  | { readonly kind: 'service'; readonly names: readonly string[] }
  | { readonly kind: 'resource'; readonly resourceType: string; readonly names: readonly string[] };

export type Location =
  | { readonly kind: 'tenancy'; readonly alias?: string }
  | { readonly kind: 'compartment'; readonly path: readonly string[] }
  | { readonly kind: 'compartment-id'; readonly id: string };

export type CrossTenancyLocation = Location | { readonly kind: 'any-tenancy' };

export type Verb = 'inspect' | 'read' | 'use' | 'manage';

export type Grant =
  | { readonly kind: 'verb'; readonly verb: Verb; readonly resource: string }
  | { readonly kind: 'permissions'; readonly permissions: readonly string[] };

export interface AssociateGrant {
  readonly kind: 'associate';
  readonly resource: string;
  readonly withResource: string;
  readonly withLocation: CrossTenancyLocation;
}

export type Operator = '=' | '!=' | 'in' | 'not in' | 'before' | 'after' | 'between' | 'sets-intersect';

/** Quoted text, a bare word, a `/pattern/`, or another variable. */
export type Value = { readonly kind: 'string' | 'word' | 'pattern' | 'variable'; readonly text: string };

export type Condition =
  | { readonly kind: 'any' | 'all'; readonly items: readonly Condition[] }
  | { readonly kind: 'compare'; readonly variable: string; readonly operator: Operator; readonly values: readonly Value[] };

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

/** One statement as the local OCI reads it. */
export type Statement =
  | ({ readonly kind: 'allow' | 'deny' } & Grants)
  | {
      readonly kind: 'define';
      readonly what: 'tenancy' | 'group' | 'dynamic-group' | 'compartment';
      readonly alias: string;
      readonly ocid: string;
    }
  | ({ readonly kind: 'endorse'; readonly deny?: true } & CrossTenancyGrants)
  | ({ readonly kind: 'admit'; readonly deny?: true; readonly ofTenancy: string } & CrossTenancyGrants);
