import type { Clock } from '../support/clock';
import type { Logger } from '../support/logger';
import type { DirectoryGroup, IdentityDirectory, SecretSource } from './ports';
import type { StepResult } from './result';
import type { RoleCatalog } from './role-catalog';
import type { DefinedTags } from './tags';

// What an onboarding runs with and what it gives back: shared by the hire, batch, leaver and roster paths.

export interface OnboardingContext {
  readonly catalog: RoleCatalog;
  readonly tenancyId: string;
  readonly directory: IdentityDirectory;
  readonly dryRun: boolean;
  readonly log: Logger;
  /** The Vault bootstrap password; read only when a password is to be set. */
  readonly bootstrapPassword: SecretSource | undefined;
  /** Give the bootstrap password to an existing user who has none (off unless configured). */
  readonly setPasswordForExistingUsers: boolean;
  /** Days a leaver's user is kept (disabled) before it is deleted; undefined: never deleted. */
  readonly retentionDays?: number | undefined;
  /** Today, `YYYY-MM-DD`; the clock's UTC date when absent. */
  readonly today?: string | undefined;
  /** The time the rules read when `today` is not given; the system clock when absent. */
  readonly clock?: Clock | undefined;
  /** When a row without its own `occurredAt` was true (a roster's day); undefined: such rows carry no time. */
  readonly factAt?: string | undefined;
  /** DEFINED_TAGS: on every user, group and policy the function creates; roles lay their own over them. */
  readonly definedTags?: DefinedTags | undefined;
}

export interface OnboardingOutcome {
  readonly steps: readonly StepResult[];
  /** The user's OCID. */
  readonly userId: string | undefined;
  /** The event is older than the last HR fact applied to the identity (or one was applied while it ran): it wrote nothing more. */
  readonly stale?: { readonly appliedAt: string };
  /** A leaver whose effective date is still to come: the day access is taken away. */
  readonly scheduled?: string;
  /** What the caller should know beyond the steps (an employee with several accounts). */
  readonly notes?: readonly string[];
}

/** The groups as the shared phase left them: what memberships need. */
export interface GroupsOutcome {
  /** By lower-cased group name: the group as found or created. */
  readonly groups: ReadonlyMap<string, DirectoryGroup | undefined>;
  /** Lower-cased names of groups whose step failed. */
  readonly failedGroups: ReadonlySet<string>;
}

/** The shared phase in flight: memberships wait for `groups` only, the result for `done`. */
export interface SharedPhase {
  readonly groups: Promise<GroupsOutcome>;
  readonly done: Promise<{ readonly steps: readonly StepResult[] }>;
  /** Where the phase waits for the user's decision: true lets its writes go ahead, false skips them. */
  readonly release?: (go: boolean) => void;
}
