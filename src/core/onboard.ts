import { ErrorCode, OnboardingError, toErrorReport } from '../support/errors';
import type { Logger } from '../support/logger';
import type { NewHire } from './new-hire';
import { type ObservedState, type PlannedStep, planSteps, policyKey } from './plan';
import type { DirectoryPolicy, IdentityDirectory } from './ports';
import { Outcome, type StepResult } from './result';
import { type DesiredState, EMPLOYEE_TAG, type RoleCatalog, resolveDesiredState } from './role-catalog';

/**
 * Why the classic IAM path never creates a console password: CreateOrResetUIPassword takes no
 * password; OCI generates one and returns it to the caller only. The function has no channel that
 * only the new hire can read, so holding that password would put it in the hands of whoever reads
 * the function's output. Identity-domain tenancies set the Vault bootstrap password instead.
 */
export const CLASSIC_CONSOLE_PASSWORD_REASON =
  'not created: classic IAM only generates a one-time password and returns it to the caller alone (README: Console passwords)';

export interface OnboardingContext {
  readonly catalog: RoleCatalog;
  readonly tenancyId: string;
  readonly directory: IdentityDirectory;
  readonly dryRun: boolean;
  readonly log: Logger;
}

export interface OnboardingOutcome {
  readonly steps: readonly StepResult[];
  readonly userId: string | undefined;
}

/**
 * Converges OCI on what the hire's roles require: looks everything up, plans from data, then writes
 * only what differs. Step failures are reported in the steps, never thrown; a replay completes them.
 */
export async function onboardNewHire(hire: NewHire, context: OnboardingContext): Promise<OnboardingOutcome> {
  const desired = resolveDesiredState(hire, context.catalog, context.tenancyId);
  const observed = await observe(desired, context.directory);
  const plan = planSteps(desired, observed, hire.employeeId);
  context.log.info('plan', { steps: plan.map(({ step, target, action }) => ({ step, target, action })) });
  const passwordStep: StepResult = {
    step: 'console-password',
    target: desired.user.name,
    action: 'skip',
    outcome: Outcome.Skipped,
    reason: CLASSIC_CONSOLE_PASSWORD_REASON,
  };
  if (context.dryRun) {
    return { steps: [...plan.map(dryRunResult), passwordStep], userId: observed.user?.id };
  }
  const applied = await applyPlan(plan, desired, observed, hire.employeeId, context);
  return { steps: [...applied.steps, passwordStep], userId: applied.userId };
}

/** Reads what exists: the user, each group and each policy by name, then the user's memberships. */
async function observe(desired: DesiredState, directory: IdentityDirectory): Promise<ObservedState> {
  const [user, groups, policies] = await Promise.all([
    directory.findUserByName(desired.user.name),
    Promise.all(desired.groups.map(async (g) => [g.name.toLowerCase(), await directory.findGroupByName(g.name)] as const)),
    Promise.all(
      desired.policies.map(async (p) => [policyKey(p.compartmentId, p.name), await directory.findPolicy(p.compartmentId, p.name)] as const),
    ),
  ]);
  const memberGroupIds = user ? await directory.groupIdsOfUser(user.id) : new Set<string>();
  return { user, groups: new Map(groups), memberGroupIds, policies: new Map(policies) };
}

function dryRunResult(planned: PlannedStep): StepResult {
  const base = {
    step: planned.step,
    target: planned.target,
    action: planned.action,
    ...(planned.ocid ? { ocid: planned.ocid } : {}),
    ...(planned.changes ? { changes: planned.changes } : {}),
  };
  if (planned.action === 'none') return { ...base, outcome: Outcome.Unchanged };
  if (planned.action === 'refuse')
    return {
      ...base,
      outcome: Outcome.Failed,
      ...(planned.reason ? { reason: planned.reason } : {}),
      error: conflictReport(planned),
    };
  return { ...base, outcome: Outcome.Skipped, reason: `dry run: would ${planned.action}` };
}

function conflictReport(planned: PlannedStep) {
  return toErrorReport(new OnboardingError(ErrorCode.UserNameConflict, `User ${planned.target}: ${planned.reason ?? 'conflict'}`));
}

async function applyPlan(
  plan: readonly PlannedStep[],
  desired: DesiredState,
  observed: ObservedState,
  employeeId: string,
  { directory, log }: OnboardingContext,
): Promise<OnboardingOutcome> {
  const run = async (planned: PlannedStep, write: () => Promise<Omit<StepResult, 'step' | 'target' | 'action'>>): Promise<StepResult> => {
    const base = {
      step: planned.step,
      target: planned.target,
      action: planned.action,
      ...(planned.changes ? { changes: planned.changes } : {}),
    };
    try {
      const result: StepResult = { ...base, ...(await write()) };
      log.info('step', {
        step: result.step,
        target: result.target,
        outcome: result.outcome,
        ocid: result.ocid,
      });
      return result;
    } catch (error) {
      const report = toErrorReport(error);
      log.warn('step failed', { step: planned.step, target: planned.target, error: report });
      return { ...base, outcome: Outcome.Failed, reason: report.message, error: report };
    }
  };
  const unchanged = (planned: PlannedStep) => ({
    outcome: Outcome.Unchanged,
    ...(planned.ocid ? { ocid: planned.ocid } : {}),
  });
  const userPlan = plan.find((p) => p.step === 'user') as PlannedStep;

  // 1. The user and the groups do not depend on each other.
  const userSpec = desired.user;
  const [userResult, ...groupResults] = await Promise.all([
    run(userPlan, async () => {
      switch (userPlan.action) {
        case 'none':
          return unchanged(userPlan);
        case 'refuse':
          throw new OnboardingError(ErrorCode.UserNameConflict, `User ${userPlan.target}: ${userPlan.reason ?? 'conflict'}`);
        case 'update': {
          const tags = { ...observed.user?.freeformTags, ...userSpec.freeformTags };
          const user = await directory.updateUser(userPlan.ocid ?? '', {
            email: userSpec.email,
            description: userSpec.description,
            freeformTags: tags,
          });
          return { outcome: Outcome.Updated, ocid: user.id };
        }
        default: {
          const { record, created } = await directory.createUser(userSpec);
          if (!created && record.freeformTags[EMPLOYEE_TAG] !== employeeId) {
            throw new OnboardingError(ErrorCode.UserNameConflict, `User ${userPlan.target} was created meanwhile for another employee`);
          }
          return created
            ? { outcome: Outcome.Created, ocid: record.id }
            : {
                outcome: Outcome.Unchanged,
                ocid: record.id,
                reason: 'created meanwhile by a concurrent delivery',
              };
        }
      }
    }),
    ...plan
      .filter((p) => p.step === 'group')
      .map((planned) =>
        run(planned, async () => {
          if (planned.action === 'none') return unchanged(planned);
          const group = desired.groups.find((g) => g.name === planned.target);
          const { record, created } = await directory.createGroup({
            name: planned.target,
            description: group?.description ?? planned.target,
          });
          return created
            ? { outcome: Outcome.Created, ocid: record.id }
            : { outcome: Outcome.Unchanged, ocid: record.id, reason: 'created meanwhile' };
        }),
      ),
  ]);
  const userId = userResult?.ocid;
  const userOk = userResult !== undefined && userResult.outcome !== Outcome.Failed && userId !== undefined;
  const groupById = new Map(groupResults.map((r) => [r.target.toLowerCase(), r]));

  // 2. Memberships need the user and their group; policies only their group. The two run side by
  // side, memberships one after another (parallel adds to one group can conflict at OCI).
  const addMemberships = async (): Promise<StepResult[]> => {
    const results: StepResult[] = [];
    for (const planned of plan.filter((p) => p.step === 'membership')) {
      const group = groupById.get(planned.target.toLowerCase());
      const blocked = !userOk
        ? 'the user step did not complete'
        : group?.outcome === Outcome.Failed || !group?.ocid
          ? 'the group step did not complete'
          : undefined;
      if (blocked) {
        results.push({
          step: planned.step,
          target: planned.target,
          action: planned.action,
          outcome: Outcome.Skipped,
          reason: `skipped: ${blocked}`,
        });
        continue;
      }
      results.push(
        await run(planned, async () => {
          if (planned.action === 'none') return { outcome: Outcome.Unchanged };
          const { added } = await directory.addUserToGroup(userId ?? '', group?.ocid ?? '');
          return added ? { outcome: Outcome.Created } : { outcome: Outcome.Unchanged, reason: 'already a member' };
        }),
      );
    }
    return results;
  };

  // 3. Policies name their group, which must exist (and may be brand new).
  const ensurePolicies = () =>
    Promise.all(
      plan
        .filter((p) => p.step === 'policy')
        .map((planned) => {
          const spec = desired.policies.find((p) => p.name === planned.target);
          const group = groupById.get(spec?.groupName.toLowerCase() ?? '');
          if (!spec || !group || group.outcome === Outcome.Failed) {
            return {
              step: planned.step,
              target: planned.target,
              action: planned.action,
              outcome: Outcome.Skipped,
              reason: 'skipped: the group step did not complete',
            } satisfies StepResult;
          }
          const groupsAreNew = group.outcome === Outcome.Created;
          return run(planned, async () => {
            if (planned.action === 'none') return unchanged(planned);
            if (planned.action === 'update') {
              const policy: DirectoryPolicy = await directory.updatePolicy(planned.ocid ?? '', spec, {
                groupsAreNew,
              });
              return { outcome: Outcome.Updated, ocid: policy.id };
            }
            const { record, created } = await directory.createPolicy(spec, { groupsAreNew });
            return created
              ? { outcome: Outcome.Created, ocid: record.id }
              : { outcome: Outcome.Unchanged, ocid: record.id, reason: 'created meanwhile' };
          });
        }),
    );

  const [membershipResults, policyResults] = await Promise.all([addMemberships(), ensurePolicies()]);
  return {
    steps: [userResult as StepResult, ...groupResults, ...membershipResults, ...policyResults],
    userId,
  };
}
