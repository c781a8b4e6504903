import type { DefinedTags } from './tags';

/** A user as the function creates it: what the catalog derives from an event and the directory writes. */
export interface UserSpec {
  readonly name: string;
  readonly email: string;
  readonly description: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly employeeId: string;
  readonly freeformTags: Readonly<Record<string, string>>;
  /** DEFINED_TAGS, given at creation (a tenancy's required tag defaults need them); never rewritten afterwards. */
  readonly definedTags?: DefinedTags;
}
