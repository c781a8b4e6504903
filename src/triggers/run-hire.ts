import { parseNewHire } from '../core/new-hire';
import { onboardNewHire } from '../core/onboard';
import { countOutcomes, type OnboardingResult, Status } from '../core/result';
import { type Invocation, onboardingContext } from './invocation';

/** One hire, from any envelope: validated, onboarded, reported as a step list. */
export async function runHire(input: unknown, inv: Invocation, started: number, eventId: string | undefined): Promise<OnboardingResult> {
  const hire = parseNewHire(input);
  const dryRun = inv.dryRun || hire.dryRun === true;
  inv.log.info('event accepted', { eventId: hire.eventId ?? eventId, employeeId: hire.employeeId, roles: hire.roles, dryRun });
  const outcome = await onboardNewHire(hire, { ...onboardingContext(inv), dryRun });
  const failed = outcome.steps.some((s) => s.outcome === 'failed');
  const correlationId = hire.eventId ?? eventId;
  return {
    status: dryRun ? Status.DryRun : failed ? Status.Failed : Status.Succeeded,
    correlation: { callId: inv.callId, ...(correlationId ? { eventId: correlationId } : {}) },
    employeeId: hire.employeeId,
    userName: hire.userName,
    ...(outcome.userId ? { userId: outcome.userId } : {}),
    dryRun,
    steps: outcome.steps,
    counts: countOutcomes(outcome.steps),
    errors: [],
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
  };
}
