import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { RowResult } from '../core/batch';
import { type Approval, breakerDecision } from '../core/breaker';
import { convergeUser, lifecycleRules } from '../core/onboard';
import { leaverIdentity } from '../core/plan';
import type { ObjectStore } from '../core/ports';
import { Outcome } from '../core/result';
import { employeeIdOf, type RosterReading, type RosterSummary, rosterDifference } from '../core/roster';
import { toErrorReport } from '../support/errors';
import { type Invocation, onboardingContext } from './invocation';

/** An upload under `<ONBOARDING_PREFIX><ROSTER_PREFIX>` is a full roster, not a list of hires. */
export const isRoster = (name: string, config: Invocation['config']) =>
  name.startsWith(`${config.ONBOARDING_PREFIX}${config.ROSTER_PREFIX}`);

/** Collects a roster's employee ids while its rows stream by, without holding the rows. */
export function rosterCollector(): { add(input: unknown): void; reading(): RosterReading } {
  const employeeIds = new Set<string>();
  let rowsWithoutEmployeeId = 0;
  return {
    add(input) {
      const id = employeeIdOf(input);
      if (id === undefined) rowsWithoutEmployeeId += 1;
      else employeeIds.add(id);
    },
    reading: () => ({ employeeIds, rowsWithoutEmployeeId }),
  };
}

/** A roster run is named by its file, content and day: a roster uploaded again tomorrow is a new run. */
export const rosterRunId = (uploadKey: string) => `roster-${createHash('sha256').update(uploadKey).digest('hex').slice(0, 20)}`;
export const approvalObject = (runId: string) => `.onboarding/approvals/${runId}.json`;

const approvalSchema = z.object({ runId: z.string(), users: z.number().int().nonnegative(), approvedBy: z.string().max(200).optional() });

/**
 * The leavers of a roster: every managed user it does not list is disabled (and loses its catalog
 * groups and credentials), unless that is more than the breaker allows and no administrator approved
 * this run. An approval is an object `.onboarding/approvals/<runId>.json` in the state bucket,
 * `{"runId": "<runId>", "users": <how many may leave>, "approvedBy": "…"}`: only administrators can
 * write that bucket (README: The breaker).
 */
export async function reconcileRoster(
  reading: RosterReading,
  uploadKey: string,
  inv: Invocation,
  state: { store: ObjectStore; bucket: string },
): Promise<RosterSummary> {
  const runId = rosterRunId(uploadKey);
  const context = onboardingContext(inv);
  const { today } = lifecycleRules(context);
  const difference = rosterDifference(reading, await context.directory.listManagedUsers());
  if (difference.blocked) {
    inv.log.warn('roster leavers not processed', { runId, reason: difference.blocked });
    return { runId, leavers: [], blocked: difference.blocked };
  }
  const leaving = difference.leavers.filter((l) => !l.alreadyLeft);
  const raw = leaving.length > 0 ? await state.store.readJson<unknown>(state.bucket, approvalObject(runId)) : undefined;
  const parsed = approvalSchema.safeParse(raw);
  const approval: Approval | undefined = parsed.success ? parsed.data : undefined;
  const decision = breakerDecision(
    runId,
    leaving.map((l) => l.employeeId),
    difference.managed,
    { maxUsers: inv.config.BREAKER_MAX_USERS, maxShare: inv.config.BREAKER_MAX_SHARE },
    approval,
  );
  const breaker = { ...decision, approvalObject: approvalObject(runId) };
  inv.log.info('roster', { runId, managed: difference.managed, leaving: leaving.length, held: decision.held, reason: decision.reason });

  const leavers: RowResult[] = [];
  for (const leaver of difference.leavers) {
    const identity = { line: 0, employeeId: leaver.employeeId, userName: leaver.user.name, userId: leaver.user.ocid };
    if (decision.held && !leaver.alreadyLeft) {
      leavers.push({
        ...identity,
        status: 'failed',
        steps: [
          {
            step: 'sign-in',
            target: leaver.user.name,
            action: 'update',
            changes: ['disable'],
            outcome: Outcome.Held,
            reason: decision.reason,
          },
        ],
        errors: [],
      });
      continue;
    }
    try {
      const reason = 'absent from the roster';
      const { steps } = await convergeUser(
        leaverIdentity({ employeeId: leaver.employeeId, effectiveDate: today, reason }),
        undefined,
        context,
      );
      const failed = steps.some((s) => s.outcome === Outcome.Failed);
      leavers.push({ ...identity, status: context.dryRun ? 'dry-run' : failed ? 'failed' : 'succeeded', steps, errors: [] });
    } catch (error) {
      leavers.push({ ...identity, status: 'failed', steps: [], errors: [toErrorReport(error)] });
    }
  }
  return { runId, leavers, breaker };
}

/** Whether a roster run is done: no leaver held or failed (otherwise a re-delivery does the rest). */
export const rosterSettled = (summary: RosterSummary | undefined) =>
  summary === undefined || (!summary.breaker?.held && summary.leavers.every((l) => l.status !== 'failed'));
