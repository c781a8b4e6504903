import { ErrorCode, OnboardingError, toErrorReport } from '../support/errors';
import type { Logger } from '../support/logger';
import type { PlannedStep } from './plan';
import { Outcome, type StepResult } from './result';

// Turning planned steps into step results: dry runs, skips, conflicts, and writes that fail without throwing.

export type StepOutcome = Omit<StepResult, 'step' | 'target' | 'action'>;

export function base(planned: PlannedStep) {
  return { step: planned.step, target: planned.target, action: planned.action, ...(planned.changes ? { changes: planned.changes } : {}) };
}

export function dryRunResult(planned: PlannedStep): StepResult {
  const withOcid = { ...base(planned), ...(planned.ocid ? { ocid: planned.ocid } : {}) };
  if (planned.action === 'none') return { ...withOcid, outcome: Outcome.Unchanged, ...(planned.reason ? { reason: planned.reason } : {}) };
  if (planned.action === 'skip') return { ...withOcid, outcome: Outcome.Skipped, reason: planned.reason ?? 'skipped' };
  if (planned.action === 'refuse')
    return { ...withOcid, outcome: Outcome.Failed, reason: planned.reason ?? 'refused', error: toErrorReport(userConflict(planned)) };
  const what = planned.changes?.length ? `${planned.action} (${planned.changes.join(', ')})` : planned.action;
  return { ...withOcid, outcome: Outcome.Skipped, reason: `dry run: would ${what}${planned.reason ? `: ${planned.reason}` : ''}` };
}

export const userConflict = (planned: PlannedStep) =>
  new OnboardingError(
    planned.reason?.includes('not managed') ? ErrorCode.UnmanagedUser : ErrorCode.UserNameConflict,
    `User ${planned.target}: ${planned.reason ?? 'conflict'}`,
  );
export const skipped = (planned: PlannedStep, why: string): StepResult => ({
  ...base(planned),
  outcome: Outcome.Skipped,
  reason: `skipped: ${why}`,
});

/** Runs one write, turning a failure into a failed step (with the error for the caller) instead of throwing. */
export function stepRunner(log: Logger) {
  return async (planned: PlannedStep, write: () => Promise<StepOutcome>): Promise<StepResult> => {
    try {
      const result: StepResult = { ...base(planned), ...(await write()) };
      log.info('step', { step: result.step, target: result.target, outcome: result.outcome, ocid: result.ocid });
      return result;
    } catch (error) {
      const report = toErrorReport(error);
      log.warn('step failed', { step: planned.step, target: planned.target, error: report });
      return { ...base(planned), outcome: Outcome.Failed, reason: report.message, error: report };
    }
  };
}
export const unchanged = (planned: PlannedStep): StepOutcome => ({
  outcome: Outcome.Unchanged,
  ...(planned.ocid ? { ocid: planned.ocid } : {}),
  ...(planned.reason ? { reason: planned.reason } : {}),
});
