import { z } from 'zod';

/**
 * A breaker against mass changes, like Entra ID's accidental-deletion threshold and Okta's import
 * safeguard: a run that would disable or delete more managed users than allowed does none of it until an
 * administrator approves that very run.
 */
export interface BreakerLimits {
  /** At most this many users disabled or deleted by one run. */
  readonly maxUsers: number;
  /** At most this share (0..1) of the managed users; the smaller of the two limits applies, never below 1. */
  readonly maxShare: number;
}

/** An administrator's approval of one run, as read from the state bucket. */
export interface Approval {
  readonly runId: string;
  /** How many users the administrator agreed to see disabled or deleted. */
  readonly users: number;
  readonly approvedBy?: string;
}

export interface BreakerDecision {
  readonly held: boolean;
  /** Users the run would disable or delete. */
  readonly count: number;
  readonly limit: number;
  readonly managed: number;
  /** A few of them (employee ids), for the person who decides. */
  readonly sample: readonly string[];
  readonly runId: string;
  readonly reason: string;
}

const SAMPLE_SIZE = 10;

/** The most a run may disable or delete without approval: the smaller limit, at least one user. */
export function breakerLimit(managed: number, limits: BreakerLimits): number {
  return Math.max(1, Math.min(limits.maxUsers, Math.floor(limits.maxShare * managed)));
}

/**
 * Decides whether a run's disables and deletions go ahead. An approval counts only for the run it names
 * and only up to the number of users it names: a run that grew since is held again.
 */
export function breakerDecision(
  runId: string,
  employeeIds: readonly string[],
  managed: number,
  limits: BreakerLimits,
  approval: Approval | undefined,
): BreakerDecision {
  const count = employeeIds.length;
  const limit = breakerLimit(managed, limits);
  const sample = [...employeeIds].sort().slice(0, SAMPLE_SIZE);
  const base = { count, limit, managed, sample, runId };
  if (count <= limit) return { ...base, held: false, reason: `${count} of ${managed} managed users leave; the limit is ${limit}` };
  if (approval && approval.runId === runId && count <= approval.users) {
    return {
      ...base,
      held: false,
      reason: `${count} users leave, over the limit of ${limit}: approved${approval.approvedBy ? ` by ${approval.approvedBy}` : ''}`,
    };
  }
  const stale = approval && approval.runId === runId ? ` (the approval allows ${approval.users})` : '';
  return {
    ...base,
    held: true,
    reason: `${count} of ${managed} managed users would be disabled or deleted, over the limit of ${limit}${stale}: held until an administrator approves run ${runId}`,
  };
}

const approvalSchema = z
  .object({
    runId: z.string().min(1).max(200),
    users: z.number().int().nonnegative(),
    approvedBy: z.string().min(1).max(200).optional(),
    approvedAt: z.string().max(64).optional(),
    comment: z.string().max(1000).optional(),
  })
  .strict();

/**
 * Reads an approval object's content. Anything but exactly the documented shape (a typo in a field
 * name, a count as a string) is a problem to report, never an approval.
 */
export function parseApproval(value: unknown): { approval: Approval } | { problem: string } {
  const parsed = approvalSchema.safeParse(value);
  if (parsed.success) return { approval: parsed.data };
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(object)'}: ${i.message}`);
  return {
    problem: `the approval is not valid (${problems.join('; ')}); expected {"runId": "<run id>", "users": <count>, "approvedBy": "<who>"}`,
  };
}
