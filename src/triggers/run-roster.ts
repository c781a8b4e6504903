import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { RowResult } from '../core/batch';
import { type Approval, breakerDecision } from '../core/breaker';
import { convergeUser, lifecycleRules } from '../core/onboard';
import { leaverIdentity } from '../core/plan';
import type { ObjectStore } from '../core/ports';
import { Outcome } from '../core/result';
import { employeeIdOf, type RosterReading, type RosterSummary, rosterDifference } from '../core/roster';
import { ErrorCode, toErrorReport } from '../support/errors';
import { type Invocation, onboardingContext } from './invocation';

/** Leavers processed at once: each is a handful of sequential IAM writes. */
const LEAVER_CONCURRENCY = 4;
/** Time kept back for the reports and the marker after the last leaver. */
const LEAVER_RESERVE_MS = 2000;

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

  // Leavers a few at a time, and none started once the deadline is near: the marker then stays partial
  // and the next delivery does the rest (each leaver is idempotent).
  const stopAt = inv.deadline - inv.config.PUBLISH_RESERVE_MS - LEAVER_RESERVE_MS;
  const results = new Map<string, RowResult>();
  const queue = [...difference.leavers];
  const reason = 'absent from the roster';
  const worker = async () => {
    for (let leaver = queue.shift(); leaver; leaver = queue.shift()) {
      const identity = { line: 0, employeeId: leaver.employeeId, userName: leaver.user.name, userId: leaver.user.ocid };
      const row = (status: RowResult['status'], steps: RowResult['steps'], errors: RowResult['errors'] = []): RowResult => ({
        ...identity,
        status,
        steps,
        errors,
      });
      if (decision.held && !leaver.alreadyLeft) {
        const held = { step: 'sign-in', target: leaver.user.name, action: 'update', changes: ['disable'], outcome: Outcome.Held } as const;
        results.set(leaver.employeeId, row('failed', [{ ...held, reason: decision.reason }]));
      } else if (Date.now() > stopAt) {
        const report = { code: ErrorCode.DeadlineExceeded, message: 'not started before the deadline; the next delivery does it' };
        results.set(leaver.employeeId, row('failed', [], [report]));
      } else {
        try {
          const identityOfLeaver = leaverIdentity({ employeeId: leaver.employeeId, effectiveDate: today, reason });
          const { steps } = await convergeUser(identityOfLeaver, undefined, context);
          const failed = steps.some((s) => s.outcome === Outcome.Failed);
          results.set(leaver.employeeId, row(context.dryRun ? 'dry-run' : failed ? 'failed' : 'succeeded', steps));
        } catch (error) {
          results.set(leaver.employeeId, row('failed', [], [toErrorReport(error)]));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(LEAVER_CONCURRENCY, inv.throttle.limit)) }, worker));
  const leavers = difference.leavers.flatMap((l) => results.get(l.employeeId) ?? []);
  return { runId, leavers, breaker };
}

/** Whether a roster run is done: no leaver held or failed (otherwise a re-delivery does the rest). */
export const rosterSettled = (summary: RosterSummary | undefined) =>
  summary === undefined || (!summary.breaker?.held && summary.leavers.every((l) => l.status !== 'failed'));
