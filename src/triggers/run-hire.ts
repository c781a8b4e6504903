import { type HrEvent, parseHrEvent } from '../core/new-hire';
import { offboardEmployee, onboardNewHire } from '../core/onboard';
import { countOutcomes, type OnboardingResult } from '../core/result';
import { Status } from '../core/status';
import { type Invocation, onboardingContext } from './invocation';

/** What a result says of an event that carries no time: nothing can tell it from a late delivery. */
export const UNTIMED_NOTE =
  'the event carries no occurredAt: it was applied as delivered, so a late delivery of an older event would not be recognised';

/** One HR event (a hire or a leaver), from any envelope: validated, converged, reported as a step list. */
export async function runHire(
  input: unknown,
  inv: Invocation,
  started: number,
  eventId: string | undefined,
  /** The signed webhook timestamp (ISO 8601): the fact's time when the event carries no `occurredAt`. */
  deliveredAt?: string,
): Promise<OnboardingResult> {
  const parsed = parseHrEvent(input, inv.clock.now());
  const own = parsed.kind === 'hire' ? parsed.hire.occurredAt : parsed.leaver.occurredAt;
  const occurredAt = own ?? deliveredAt;
  const event: HrEvent =
    occurredAt === own
      ? parsed
      : parsed.kind === 'hire'
        ? { kind: 'hire', hire: { ...parsed.hire, occurredAt } }
        : { kind: 'leaver', leaver: { ...parsed.leaver, occurredAt } };
  const dryRun = inv.dryRun || (event.kind === 'hire' ? event.hire : event.leaver).dryRun === true;
  const context = { ...onboardingContext(inv), dryRun };
  let employeeId: string;
  let userName: string | undefined;
  let outcome: Awaited<ReturnType<typeof onboardNewHire>>;
  let ownEventId: string | undefined;
  if (event.kind === 'hire') {
    const { hire } = event;
    inv.log.info('event accepted', {
      kind: 'hire',
      eventId: hire.eventId ?? eventId,
      employeeId: hire.employeeId,
      roles: hire.roles,
      dryRun,
    });
    outcome = await onboardNewHire(hire, context);
    [employeeId, userName, ownEventId] = [hire.employeeId, hire.userName, hire.eventId];
  } else {
    const { leaver } = event;
    inv.log.info('event accepted', { kind: 'leaver', eventId: leaver.eventId ?? eventId, employeeId: leaver.employeeId, dryRun });
    outcome = await offboardEmployee(leaver, context);
    employeeId = leaver.employeeId;
    userName = outcome.steps.find((s) => s.step === 'user')?.target;
    ownEventId = leaver.eventId;
  }
  const failed = outcome.steps.some((s) => s.outcome === 'failed');
  const correlationId = ownEventId ?? eventId;
  const notes = [...(occurredAt ? [] : [UNTIMED_NOTE]), ...(outcome.notes ?? [])];
  return {
    kind: 'event',
    status: dryRun
      ? Status.DryRun
      : failed
        ? Status.Failed
        : outcome.stale
          ? Status.Stale
          : outcome.scheduled
            ? Status.Scheduled
            : Status.Succeeded,
    ...(occurredAt ? { occurredAt } : {}),
    ...(outcome.stale ? { appliedFactAt: outcome.stale.appliedAt } : {}),
    ...(outcome.scheduled ? { scheduledFor: outcome.scheduled } : {}),
    ...(notes.length > 0 ? { notes } : {}),
    correlation: { callId: inv.callId, ...(correlationId ? { eventId: correlationId } : {}) },
    employeeId,
    ...(userName && userName !== employeeId ? { userName } : {}),
    ...(outcome.userId ? { userId: outcome.userId } : {}),
    dryRun,
    steps: outcome.steps,
    counts: countOutcomes(outcome.steps),
    errors: [],
    startedAt: new Date(started).toISOString(),
    durationMs: inv.clock.now() - started,
  };
}
