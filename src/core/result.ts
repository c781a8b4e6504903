import type { ErrorReport } from '../support/errors';
import type { HireStatus } from './status';

export const StepKind = {
  User: 'user',
  Group: 'group',
  Membership: 'membership',
  Policy: 'policy',
  ConsolePassword: 'console-password',
  /** Whether the user can sign in: domain `active`, classic IAM capabilities. */
  SignIn: 'sign-in',
  /** An API key, auth token, customer secret key, SMTP credential or OAuth 2.0 client credential. */
  Credential: 'credential',
} as const;
export type StepKind = (typeof StepKind)[keyof typeof StepKind];

export const Outcome = {
  Created: 'created',
  Updated: 'updated',
  Unchanged: 'unchanged',
  Skipped: 'skipped',
  Failed: 'failed',
  /** A membership the user did not have. */
  Added: 'added',
  /** A membership, a credential or a user taken away. */
  Removed: 'removed',
  /** Not done: the run would disable or remove more users than the breaker allows, until approved. */
  Held: 'held',
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** What the plan decided for a step before anything was written. */
export type Action = 'create' | 'update' | 'none' | 'skip' | 'refuse' | 'add' | 'remove';

export interface StepResult {
  readonly step: StepKind;
  /** The user, group or policy name; for a membership, the group name. */
  readonly target: string;
  readonly action: Action;
  readonly outcome: Outcome;
  readonly reason?: string;
  readonly ocid?: string;
  /** Fields an update changes, e.g. `['email']`, `['statements']`. */
  readonly changes?: readonly string[];
  readonly error?: ErrorReport;
}

/**
 * The result of one HR event (a hire, a mover or a leaver), or of a delivery refused or failed before it
 * was routed: the response, the ONS message and the result log line of that invocation.
 */
export interface OnboardingResult {
  readonly kind: 'event';
  readonly status: HireStatus;
  readonly correlation: { readonly callId: string; readonly eventId?: string };
  readonly employeeId?: string;
  readonly userName?: string;
  readonly userId?: string;
  readonly dryRun: boolean;
  readonly steps: readonly StepResult[];
  readonly counts: Readonly<Record<Outcome, number>>;
  readonly errors: readonly ErrorReport[];
  /** Bookkeeping that could not be written (a dedup marker): the status above still stands. */
  readonly warnings?: readonly string[];
  /** The time of the HR fact the event carried (`occurredAt`, or the signed webhook timestamp), ISO 8601 UTC. */
  readonly occurredAt?: string;
  /** For `stale`: the time of the newer fact already applied to the identity. */
  readonly appliedFactAt?: string;
  /** For `scheduled`: the day access is taken away. */
  readonly scheduledFor?: string;
  /** What the caller should know beyond the steps: an event without a time, an employee with several accounts. */
  readonly notes?: readonly string[];
  readonly startedAt: string;
  readonly durationMs: number;
  readonly notification?: {
    readonly published: boolean;
    readonly messageId?: string;
    readonly error?: ErrorReport;
  };
}

export function countOutcomes(steps: readonly StepResult[]): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, added: 0, removed: 0, held: 0 };
  for (const step of steps) counts[step.outcome] += 1;
  return counts;
}
