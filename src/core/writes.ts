import { Outcome, type StepResult } from './result';

/** Outcomes that mean OCI carried out a write: every step with one of these is an IAM write request. */
const WRITTEN: ReadonlySet<string> = new Set<string>([Outcome.Created, Outcome.Updated, Outcome.Added, Outcome.Removed]);

/** Whether a step changed something in OCI. */
export const isWritten = (step: Pick<StepResult, 'outcome'>): boolean => WRITTEN.has(step.outcome);

/**
 * The IAM write requests one attempt's steps stand for, each named as the report names it, e.g.
 * `created user ada@example.com`, `added membership auditors`, `updated user ada (email)`. Every step
 * that created, updated, added or removed something is one request, whatever its kind; the one
 * exception is a console password set at a user's creation, which travels in that CreateUser request
 * and is named with it. The report counts these: their sum over a run is what OCI's request log holds.
 */
export function writesOf(steps: readonly StepResult[]): string[] {
  const userCreated = steps.some((s) => s.step === 'user' && s.outcome === Outcome.Created);
  const withUser = (s: StepResult) =>
    userCreated && s.step === 'console-password' && s.action === 'create' && s.outcome === Outcome.Created;
  const passwordWithUser = steps.some(withUser);
  return steps
    .filter((s) => isWritten(s) && !withUser(s))
    .map((s) => {
      const named = `${s.outcome} ${s.step} ${s.target}${s.changes?.length ? ` (${s.changes.join(', ')})` : ''}`;
      return s.step === 'user' && s.outcome === Outcome.Created && passwordWithUser ? `${named} with its console password` : named;
    });
}

/** Every write a row made: those of its earlier attempts, then this one's. */
export const rowWrites = (row: { readonly steps: readonly StepResult[]; readonly earlierWrites?: readonly string[] }): string[] => [
  ...(row.earlierWrites ?? []),
  ...writesOf(row.steps),
];
