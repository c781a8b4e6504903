import { ErrorCode, ValidationError } from '../support/errors';
import type { GroupsOutcome, OnboardingContext, OnboardingOutcome, SharedPhase } from './context';
import { convergeUser, lifecycleRules } from './converge';
import type { Leaver, NewHire } from './new-hire';
import { hireIdentity, leaverIdentity, planShared, policyKey } from './plan';
import type { DirectoryGroup, DirectoryPolicy } from './ports';
import { Outcome, type StepResult } from './result';
import { type DesiredState, resolveDesiredState } from './role-catalog';
import { dryRunResult, skipped, stepRunner, unchanged } from './steps';
import { retagged } from './tags';

export type { GroupsOutcome, OnboardingContext, OnboardingOutcome, SharedPhase } from './context';
export { catalogGroupNames, convergeUser, lifecycleRules } from './converge';

/** Validates the hire against the directory and resolves what its roles need. Throws caller errors. */
export function desiredFor(
  hire: NewHire,
  context: Pick<OnboardingContext, 'catalog' | 'tenancyId' | 'directory' | 'definedTags'>,
): DesiredState {
  const { directory } = context;
  if (!directory.userNameRule.pattern.test(hire.userName)) {
    throw new ValidationError(ErrorCode.InvalidEvent, 'The new-hire event is not valid', [
      { path: 'userName', message: directory.userNameRule.description },
    ]);
  }
  return resolveDesiredState(hire, context.catalog, context.tenancyId, (name) => directory.groupReference(name), context.definedTags);
}

/**
 * Converges OCI on what the hire's roles require: looks everything up, plans from data, then writes
 * only what differs. Step failures are reported in the steps, never thrown; a replay completes them.
 */
export async function onboardNewHire(hire: NewHire, context: OnboardingContext): Promise<OnboardingOutcome> {
  const desired = desiredFor(hire, context);
  // The role's groups and policies are looked up at once, but written only once the user step goes ahead:
  // a stale or refused event writes nothing at all.
  let release: (go: boolean) => void = () => undefined;
  const gate = new Promise<boolean>((resolve) => {
    release = resolve;
  });
  const shared = { ...ensureShared(desired, context, gate), release };
  const own = await onboardUser(desired, shared, context, hire.startDate, hire.occurredAt)
    .catch(async (error: unknown) => {
      release(false);
      // Let the shared phase settle (its failure is already logged) before reporting the user's.
      await shared.done.catch(() => undefined);
      throw error;
    })
    .finally(() => release(false));
  const { steps: sharedSteps } = await shared.done;
  const byKind = (steps: readonly StepResult[], kind: StepResult['step']) => steps.filter((s) => s.step === kind);
  return {
    ...own,
    steps: [
      ...byKind(own.steps, 'user'),
      ...byKind(own.steps, 'sign-in'),
      ...byKind(sharedSteps, 'group'),
      ...byKind(own.steps, 'membership'),
      ...byKind(sharedSteps, 'policy'),
      ...byKind(own.steps, 'console-password'),
    ],
  };
}

/**
 * Ensures the groups and the role policies, once for any number of hires: groups first (in parallel),
 * then the policies that name them.
 */
export function ensureShared(
  desired: Pick<DesiredState, 'groups' | 'policies'>,
  context: OnboardingContext,
  /** Resolves true when the writes may go ahead; absent: at once. */
  gate?: Promise<boolean>,
): SharedPhase {
  let groupsReady: (outcome: GroupsOutcome) => void = () => undefined;
  const groups = new Promise<GroupsOutcome>((resolve) => {
    groupsReady = resolve;
  });
  const done = runShared(desired, context, groupsReady, gate);
  // Nobody may be left holding an unobserved rejection: callers await `done` when they need it.
  done.catch(() => undefined);
  // If the phase fails before the groups are known, whoever waits for them sees that failure; if
  // nobody waits (the user step failed first), the rejection is still observed here.
  const groupsOrFailure = Promise.race([groups, done.then(() => groups)]);
  groupsOrFailure.catch(() => undefined);
  return { groups: groupsOrFailure, done };
}

async function runShared(
  desired: Pick<DesiredState, 'groups' | 'policies'>,
  context: OnboardingContext,
  groupsReady: (outcome: GroupsOutcome) => void,
  gate: Promise<boolean> | undefined,
): Promise<{ steps: StepResult[] }> {
  const { directory, log } = context;
  const [groups, policies] = await Promise.all([
    Promise.all(desired.groups.map(async (g) => [g.name.toLowerCase(), await directory.findGroupByName(g.name)] as const)),
    Promise.all(
      desired.policies.map(async (p) => [policyKey(p.compartmentId, p.name), await directory.findPolicy(p.compartmentId, p.name)] as const),
    ),
  ]);
  const found = new Map<string, DirectoryGroup | undefined>(groups);
  const observedPolicies = new Map(policies);
  const plan = planShared(desired, { groups: found, policies: observedPolicies });
  log.info('plan', { shared: plan.map(({ step, target, action }) => ({ step, target, action })) });
  if (context.dryRun) {
    groupsReady({ groups: found, failedGroups: new Set() });
    return { steps: plan.map(dryRunResult) };
  }
  if (gate && !(await gate)) {
    groupsReady({ groups: found, failedGroups: new Set() });
    return {
      steps: plan.map((planned) =>
        planned.action === 'none' ? { ...dryRunResult(planned) } : skipped(planned, 'the user step did not go ahead (stale or refused)'),
      ),
    };
  }

  const run = stepRunner(log);
  const groupResults = await Promise.all(
    plan
      .filter((p) => p.step === 'group')
      .map((planned) =>
        run(planned, async () => {
          if (planned.action === 'none') return unchanged(planned);
          const group = desired.groups.find((g) => g.name === planned.target);
          const existing = found.get(planned.target.toLowerCase());
          if (planned.action === 'update' && group && existing) {
            // Only the tags of a group are ever updated; the others on it (tag defaults, administrators') are kept.
            const record = await directory.retagGroup(existing.id, retagged(group.tags, existing));
            found.set(planned.target.toLowerCase(), record);
            return { outcome: Outcome.Updated, ocid: record.ocid };
          }
          const { record, created } = await directory.createGroup({
            name: planned.target,
            description: group?.description ?? planned.target,
            ...group?.tags,
          });
          found.set(planned.target.toLowerCase(), record);
          return created
            ? { outcome: Outcome.Created, ocid: record.ocid }
            : { outcome: Outcome.Unchanged, ocid: record.ocid, reason: 'created meanwhile' };
        }),
      ),
  );
  const byGroup = new Map(groupResults.map((r) => [r.target.toLowerCase(), r]));
  groupsReady({
    groups: found,
    failedGroups: new Set(groupResults.filter((r) => r.outcome === Outcome.Failed).map((r) => r.target.toLowerCase())),
  });
  const policyResults = await Promise.all(
    plan
      .filter((p) => p.step === 'policy')
      .map((planned) => {
        const spec = desired.policies.find((p) => p.name === planned.target);
        const group = byGroup.get(spec?.groupName.toLowerCase() ?? '');
        if (!spec || !group || group.outcome === Outcome.Failed) return skipped(planned, 'the group step did not complete');
        const groupsAreNew = group.outcome === Outcome.Created;
        return run(planned, async () => {
          if (planned.action === 'none') return unchanged(planned);
          if (planned.action === 'update') {
            const existing = observedPolicies.get(policyKey(spec.compartmentId, spec.name));
            const retag = planned.changes?.some((c) => c === 'definedTags' || c === 'freeformTags') && existing;
            const { tags, ...fields } = spec;
            const policy: DirectoryPolicy = await directory.updatePolicy(
              planned.ocid ?? '',
              retag ? { ...fields, ...retagged(tags, existing) } : fields,
              { groupsAreNew },
            );
            return { outcome: Outcome.Updated, ocid: policy.id };
          }
          const { tags, ...fields } = spec;
          const { record, created } = await directory.createPolicy({ ...fields, ...tags }, { groupsAreNew });
          return created
            ? { outcome: Outcome.Created, ocid: record.id }
            : { outcome: Outcome.Unchanged, ocid: record.id, reason: 'created meanwhile' };
        });
      }),
  );
  return { steps: [...groupResults, ...policyResults] };
}

/**
 * Someone left: found by employee id, disabled, marked with the day they left, removed from every catalog
 * group, stripped of credentials, and deleted once the retention has passed. Nobody found is `unchanged`.
 */
export async function offboardEmployee(leaver: Leaver, context: OnboardingContext): Promise<OnboardingOutcome> {
  return convergeUser(leaverIdentity(leaver), undefined, context);
}

/**
 * The hire's own steps: the user (at once), then its memberships once the shared groups exist, and the
 * console password. `shared` may still be running: the user does not wait for it.
 */
export function onboardUser(
  desired: DesiredState,
  shared: SharedPhase,
  context: OnboardingContext,
  startDate?: string,
  occurredAt?: string,
  factImplied?: boolean,
): Promise<OnboardingOutcome> {
  return convergeUser(hireIdentity(desired, startDate, lifecycleRules(context).today, occurredAt, factImplied), shared, context);
}
