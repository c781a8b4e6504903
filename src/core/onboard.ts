import { ErrorCode, OnboardingError, toErrorReport, ValidationError } from '../support/errors';
import type { Logger } from '../support/logger';
import type { SecretValue } from '../support/secret';
import type { NewHire } from './new-hire';
import { type ObservedState, type PasswordMode, type PlannedStep, planSteps, policyKey } from './plan';
import type { DirectoryPolicy, IdentityDirectory, SecretSource } from './ports';
import { Outcome, type StepResult } from './result';
import { type DesiredState, type RoleCatalog, resolveDesiredState } from './role-catalog';

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
}

export interface OnboardingOutcome {
  readonly steps: readonly StepResult[];
  /** The user's OCID. */
  readonly userId: string | undefined;
}

type StepOutcome = Omit<StepResult, 'step' | 'target' | 'action'>;

/**
 * Converges OCI on what the hire's roles require: looks everything up, plans from data, then writes
 * only what differs. Step failures are reported in the steps, never thrown; a replay completes them.
 */
export async function onboardNewHire(hire: NewHire, context: OnboardingContext): Promise<OnboardingOutcome> {
  const { directory } = context;
  if (!directory.userNameRule.pattern.test(hire.userName)) {
    throw new ValidationError(ErrorCode.InvalidEvent, 'The new-hire event is not valid', [
      { path: 'userName', message: directory.userNameRule.description },
    ]);
  }
  const passwords: PasswordMode =
    directory.passwords && context.bootstrapPassword
      ? { kind: 'bootstrap', setForExistingUsers: context.setPasswordForExistingUsers }
      : { kind: 'classic' };
  const desired = resolveDesiredState(hire, context.catalog, context.tenancyId, (name) => directory.groupReference(name));
  const observed = await observe(desired, directory);
  const plan = planSteps(desired, observed, passwords);
  context.log.info('plan', { steps: plan.map(({ step, target, action }) => ({ step, target, action })) });
  if (context.dryRun) return { steps: plan.map(dryRunResult), userId: observed.user?.ocid };
  return applyPlan(plan, desired, observed, context);
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

function base(planned: PlannedStep) {
  return { step: planned.step, target: planned.target, action: planned.action, ...(planned.changes ? { changes: planned.changes } : {}) };
}

function dryRunResult(planned: PlannedStep): StepResult {
  const withOcid = { ...base(planned), ...(planned.ocid ? { ocid: planned.ocid } : {}) };
  if (planned.action === 'none') return { ...withOcid, outcome: Outcome.Unchanged, ...(planned.reason ? { reason: planned.reason } : {}) };
  if (planned.action === 'skip') return { ...withOcid, outcome: Outcome.Skipped, reason: planned.reason ?? 'skipped' };
  if (planned.action === 'refuse')
    return { ...withOcid, outcome: Outcome.Failed, reason: planned.reason ?? 'refused', error: toErrorReport(userConflict(planned)) };
  return { ...withOcid, outcome: Outcome.Skipped, reason: `dry run: would ${planned.action}` };
}

const userConflict = (planned: PlannedStep) =>
  new OnboardingError(ErrorCode.UserNameConflict, `User ${planned.target}: ${planned.reason ?? 'conflict'}`);
const skipped = (planned: PlannedStep, why: string): StepResult => ({
  ...base(planned),
  outcome: Outcome.Skipped,
  reason: `skipped: ${why}`,
});

async function applyPlan(
  plan: readonly PlannedStep[],
  desired: DesiredState,
  observed: ObservedState,
  context: OnboardingContext,
): Promise<OnboardingOutcome> {
  const { directory, log } = context;
  const run = async (planned: PlannedStep, write: () => Promise<StepOutcome>): Promise<StepResult> => {
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
  const unchanged = (planned: PlannedStep): StepOutcome => ({
    outcome: Outcome.Unchanged,
    ...(planned.ocid ? { ocid: planned.ocid } : {}),
  });
  const userPlan = plan.find((p) => p.step === 'user') as PlannedStep;
  const passwordPlan = plan.find((p) => p.step === 'console-password') as PlannedStep;
  const passwordAtCreation = passwordPlan.action === 'create' && userPlan.action === 'create';
  // Directory ids (the SCIM id in a domain) of what exists or was just created, for memberships.
  let userId = userPlan.action === 'refuse' ? undefined : observed.user?.id;
  const groupIds = new Map([...observed.groups].flatMap(([name, group]) => (group ? [[name, group.id] as const] : [])));

  // 1. The user and the groups do not depend on each other.
  const [userResult, ...groupResults] = await Promise.all([
    run(userPlan, async () => {
      switch (userPlan.action) {
        case 'none':
          return unchanged(userPlan);
        case 'refuse':
          throw userConflict(userPlan);
        case 'update': {
          const tags = observed.user?.freeformTags ? { ...observed.user.freeformTags, ...desired.user.freeformTags } : undefined;
          const user = await directory.updateUser(observed.user?.id ?? '', {
            email: desired.user.email,
            description: desired.user.description,
            ...(tags ? { freeformTags: tags } : {}),
          });
          return { outcome: Outcome.Updated, ocid: user.ocid };
        }
        default: {
          // The bootstrap password is read only here, only when a new user gets it, and goes nowhere else.
          const password: SecretValue | undefined = passwordAtCreation ? await context.bootstrapPassword?.read() : undefined;
          const { record, created } = await directory.createUser(desired.user, password);
          if (!created && record.employeeId !== desired.user.employeeId) {
            throw new OnboardingError(ErrorCode.UserNameConflict, `User ${userPlan.target} was created meanwhile for another employee`);
          }
          userId = record.id;
          return created
            ? { outcome: Outcome.Created, ocid: record.ocid }
            : { outcome: Outcome.Unchanged, ocid: record.ocid, reason: 'created meanwhile by a concurrent delivery' };
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
          groupIds.set(planned.target.toLowerCase(), record.id);
          return created
            ? { outcome: Outcome.Created, ocid: record.ocid }
            : { outcome: Outcome.Unchanged, ocid: record.ocid, reason: 'created meanwhile' };
        }),
      ),
  ]);
  const userOk = userResult !== undefined && userResult.outcome !== Outcome.Failed;
  const groupByName = new Map(groupResults.map((r) => [r.target.toLowerCase(), r]));

  // 2. Memberships need the user and their group; policies only their group. The two run side by
  // side, memberships one after another (parallel adds to one group can conflict at OCI).
  const addMemberships = async (): Promise<StepResult[]> => {
    const results: StepResult[] = [];
    for (const planned of plan.filter((p) => p.step === 'membership')) {
      const group = groupByName.get(planned.target.toLowerCase());
      const memberId = userOk ? userId : undefined;
      const groupId = groupIds.get(planned.target.toLowerCase());
      if (!memberId) {
        results.push(skipped(planned, 'the user step did not complete'));
        continue;
      }
      if (!group || group.outcome === Outcome.Failed || !groupId) {
        results.push(skipped(planned, 'the group step did not complete'));
        continue;
      }
      results.push(
        await run(planned, async () => {
          if (planned.action === 'none') return { outcome: Outcome.Unchanged };
          const { added } = await directory.addUserToGroup(memberId, groupId);
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
          const group = groupByName.get(spec?.groupName.toLowerCase() ?? '');
          if (!spec || !group || group.outcome === Outcome.Failed) return skipped(planned, 'the group step did not complete');
          const groupsAreNew = group.outcome === Outcome.Created;
          return run(planned, async () => {
            if (planned.action === 'none') return unchanged(planned);
            if (planned.action === 'update') {
              const policy: DirectoryPolicy = await directory.updatePolicy(planned.ocid ?? '', spec, { groupsAreNew });
              return { outcome: Outcome.Updated, ocid: policy.id };
            }
            const { record, created } = await directory.createPolicy(spec, { groupsAreNew });
            return created
              ? { outcome: Outcome.Created, ocid: record.id }
              : { outcome: Outcome.Unchanged, ocid: record.id, reason: 'created meanwhile' };
          });
        }),
    );

  // 4. The console password, when the plan gives one to an existing user (a new user got it at creation).
  const setPassword = async (): Promise<StepResult> => {
    if (passwordPlan.action === 'skip')
      return { ...base(passwordPlan), outcome: Outcome.Skipped, reason: passwordPlan.reason ?? 'skipped' };
    if (passwordPlan.action === 'none')
      return { ...base(passwordPlan), outcome: Outcome.Unchanged, ...(passwordPlan.reason ? { reason: passwordPlan.reason } : {}) };
    const target = userOk ? userId : undefined;
    if (!target) return skipped(passwordPlan, 'the user step did not complete');
    if (passwordAtCreation) {
      const created = userResult?.outcome === Outcome.Created;
      return {
        ...base(passwordPlan),
        outcome: created ? Outcome.Created : Outcome.Unchanged,
        reason: created ? (passwordPlan.reason ?? '') : 'the user was created meanwhile; its password is never reset',
      };
    }
    return run(passwordPlan, async () => {
      const password = await context.bootstrapPassword?.read();
      if (!password || !directory.passwords) throw new OnboardingError(ErrorCode.SecretUnavailable, 'No bootstrap password is configured');
      await directory.passwords.setPassword(target, password);
      return { outcome: Outcome.Created, ...(passwordPlan.reason ? { reason: passwordPlan.reason } : {}) };
    });
  };

  const [membershipResults, policyResults, passwordResult] = await Promise.all([addMemberships(), ensurePolicies(), setPassword()]);
  return {
    steps: [userResult as StepResult, ...groupResults, ...membershipResults, ...policyResults, passwordResult],
    userId: userResult?.ocid,
  };
}
