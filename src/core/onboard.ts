import { ErrorCode, OnboardingError, toErrorReport, ValidationError } from '../support/errors';
import type { Logger } from '../support/logger';
import type { SecretValue } from '../support/secret';
import type { Leaver, NewHire } from './new-hire';
import {
  type DesiredIdentity,
  hireIdentity,
  LEFT_ON_TAG,
  type LifecycleRules,
  leaverIdentity,
  MANAGED_TAGS,
  type PasswordMode,
  type PlannedStep,
  planShared,
  planUserSteps,
  policyKey,
} from './plan';
import type { DirectoryGroup, DirectoryPolicy, DirectoryUser, IdentityDirectory, SecretSource, UserChanges, UserSpec } from './ports';
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
  /** Days a leaver's user is kept (disabled) before it is deleted; undefined: never deleted. */
  readonly retentionDays?: number | undefined;
  /** Today, `YYYY-MM-DD`; the clock's UTC date when absent. */
  readonly today?: string | undefined;
}

export interface OnboardingOutcome {
  readonly steps: readonly StepResult[];
  /** The user's OCID. */
  readonly userId: string | undefined;
}

/** The groups as the shared phase left them: what memberships need. */
export interface GroupsOutcome {
  /** By lower-cased group name: the group as found or created. */
  readonly groups: ReadonlyMap<string, DirectoryGroup | undefined>;
  /** Lower-cased names of groups whose step failed. */
  readonly failedGroups: ReadonlySet<string>;
}

/** The shared phase in flight: memberships wait for `groups` only, the result for `done`. */
export interface SharedPhase {
  readonly groups: Promise<GroupsOutcome>;
  readonly done: Promise<{ readonly steps: readonly StepResult[] }>;
}

type StepOutcome = Omit<StepResult, 'step' | 'target' | 'action'>;

/** Validates the hire against the directory and resolves what its roles need. Throws caller errors. */
export function desiredFor(hire: NewHire, context: Pick<OnboardingContext, 'catalog' | 'tenancyId' | 'directory'>): DesiredState {
  const { directory } = context;
  if (!directory.userNameRule.pattern.test(hire.userName)) {
    throw new ValidationError(ErrorCode.InvalidEvent, 'The new-hire event is not valid', [
      { path: 'userName', message: directory.userNameRule.description },
    ]);
  }
  return resolveDesiredState(hire, context.catalog, context.tenancyId, (name) => directory.groupReference(name));
}

/**
 * Converges OCI on what the hire's roles require: looks everything up, plans from data, then writes
 * only what differs. Step failures are reported in the steps, never thrown; a replay completes them.
 */
export async function onboardNewHire(hire: NewHire, context: OnboardingContext): Promise<OnboardingOutcome> {
  const desired = desiredFor(hire, context);
  const shared = ensureShared(desired, context);
  const own = await onboardUser(desired, shared, context, hire.startDate).catch(async (error: unknown) => {
    // Let the shared phase settle (its failure is already logged) before reporting the user's.
    await shared.done.catch(() => undefined);
    throw error;
  });
  const { steps: sharedSteps } = await shared.done;
  const byKind = (steps: readonly StepResult[], kind: StepResult['step']) => steps.filter((s) => s.step === kind);
  return {
    steps: [
      ...byKind(own.steps, 'user'),
      ...byKind(own.steps, 'sign-in'),
      ...byKind(sharedSteps, 'group'),
      ...byKind(own.steps, 'membership'),
      ...byKind(sharedSteps, 'policy'),
      ...byKind(own.steps, 'console-password'),
    ],
    userId: own.userId,
  };
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
  const what = planned.changes?.length ? `${planned.action} (${planned.changes.join(', ')})` : planned.action;
  return { ...withOcid, outcome: Outcome.Skipped, reason: `dry run: would ${what}${planned.reason ? `: ${planned.reason}` : ''}` };
}

const userConflict = (planned: PlannedStep) =>
  new OnboardingError(
    planned.reason?.includes('not managed') ? ErrorCode.UnmanagedUser : ErrorCode.UserNameConflict,
    `User ${planned.target}: ${planned.reason ?? 'conflict'}`,
  );
const skipped = (planned: PlannedStep, why: string): StepResult => ({
  ...base(planned),
  outcome: Outcome.Skipped,
  reason: `skipped: ${why}`,
});

/** Runs one write, turning a failure into a failed step (with the error for the caller) instead of throwing. */
function stepRunner(log: Logger) {
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
const unchanged = (planned: PlannedStep): StepOutcome => ({
  outcome: Outcome.Unchanged,
  ...(planned.ocid ? { ocid: planned.ocid } : {}),
  ...(planned.reason ? { reason: planned.reason } : {}),
});

/**
 * Ensures the groups and the role policies, once for any number of hires: groups first (in parallel),
 * then the policies that name them.
 */
export function ensureShared(desired: Pick<DesiredState, 'groups' | 'policies'>, context: OnboardingContext): SharedPhase {
  let groupsReady: (outcome: GroupsOutcome) => void = () => undefined;
  const groups = new Promise<GroupsOutcome>((resolve) => {
    groupsReady = resolve;
  });
  const done = runShared(desired, context, groupsReady);
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
): Promise<{ steps: StepResult[] }> {
  const { directory, log } = context;
  const [groups, policies] = await Promise.all([
    Promise.all(desired.groups.map(async (g) => [g.name.toLowerCase(), await directory.findGroupByName(g.name)] as const)),
    Promise.all(
      desired.policies.map(async (p) => [policyKey(p.compartmentId, p.name), await directory.findPolicy(p.compartmentId, p.name)] as const),
    ),
  ]);
  const found = new Map<string, DirectoryGroup | undefined>(groups);
  const plan = planShared(desired, { groups: found, policies: new Map(policies) });
  log.info('plan', { shared: plan.map(({ step, target, action }) => ({ step, target, action })) });
  if (context.dryRun) {
    groupsReady({ groups: found, failedGroups: new Set() });
    return { steps: plan.map(dryRunResult) };
  }

  const run = stepRunner(log);
  const groupResults = await Promise.all(
    plan
      .filter((p) => p.step === 'group')
      .map((planned) =>
        run(planned, async () => {
          if (planned.action === 'none') return unchanged(planned);
          const group = desired.groups.find((g) => g.name === planned.target);
          const { record, created } = await directory.createGroup({
            name: planned.target,
            description: group?.description ?? planned.target,
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
  return { steps: [...groupResults, ...policyResults] };
}

/** Lower-cased names of every group the catalog can produce, over every allowed compartment. */
export function catalogGroupNames(catalog: RoleCatalog): ReadonlySet<string> {
  const names = new Set<string>();
  for (const role of Object.values(catalog.roles)) {
    for (const compartment of role.compartments ?? ['']) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the role catalog's own placeholder, filled as resolveDesiredState does
      names.add(role.group.name.replaceAll('${compartment}', compartment).toLowerCase());
    }
  }
  return names;
}

/** The lifecycle rules of an invocation: today (UTC), the leaver retention, the catalog's groups. */
export function lifecycleRules(context: Pick<OnboardingContext, 'catalog' | 'retentionDays' | 'today'>): LifecycleRules {
  return {
    today: context.today ?? new Date().toISOString().slice(0, 10),
    retentionDays: context.retentionDays,
    catalogGroups: catalogGroupNames(context.catalog),
  };
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
): Promise<OnboardingOutcome> {
  return convergeUser(hireIdentity(desired, startDate, lifecycleRules(context).today), shared, context);
}

/**
 * One employee, joiner, mover or leaver alike: looks up the user (by name, or by employee id for a
 * leaver), its memberships and (for a leaver) its credentials, plans from data, and writes only what differs.
 */
export async function convergeUser(
  identity: DesiredIdentity,
  shared: SharedPhase | undefined,
  context: OnboardingContext,
): Promise<OnboardingOutcome> {
  const { directory, log } = context;
  const rules = lifecycleRules(context);
  const passwords: PasswordMode =
    directory.passwords && context.bootstrapPassword
      ? { kind: 'bootstrap', setForExistingUsers: context.setPasswordForExistingUsers }
      : { kind: 'classic' };
  const found = identity.user
    ? await directory.findUserByName(identity.user.name)
    : await directory.findUserByEmployeeId(identity.employeeId);
  const leaving = identity.leaving !== undefined && found?.managed === true && identity.leaving.effectiveDate <= rules.today;
  const [memberships, credentials] = await Promise.all([
    found ? directory.membershipsOfUser(found.id) : Promise.resolve([]),
    leaving && found ? directory.credentialsOfUser(found.id) : Promise.resolve(undefined),
  ]);
  // The user and its sign-in do not depend on the groups; memberships are planned once the groups exist
  // (a group created by this batch has a new id, so nobody is a member of it yet).
  const early = planUserSteps(identity, { user: found, groups: new Map(), memberships, credentials }, passwords, rules);
  const userPlan = early[0] as PlannedStep;
  const signInPlan = early.find((p) => p.step === 'sign-in');
  const laterPlan = async () => {
    const groups = shared ? (await shared.groups).groups : new Map<string, DirectoryGroup | undefined>();
    const desiredIds = new Set([...groups.values()].flatMap((g) => (g ? [g.id] : [])));
    // Classic IAM lists memberships by group id: a group that no desired role names is looked up by id.
    const named = await Promise.all(
      memberships.map(async (m) =>
        m.groupName !== undefined || desiredIds.has(m.groupId) ? m : { ...m, groupName: await directory.groupNameOf(m.groupId) },
      ),
    );
    return planUserSteps(identity, { user: found, groups, memberships: named, credentials }, passwords, rules).filter(
      (p) => p !== undefined && p.step !== 'sign-in' && !(p.step === 'user' && p.action !== 'remove'),
    );
  };
  const userOcid = userPlan.action === 'refuse' ? undefined : found?.ocid;
  if (context.dryRun) {
    const steps = [userPlan, ...(signInPlan ? [signInPlan] : []), ...(await laterPlan())];
    return { steps: steps.map(dryRunResult), userId: userOcid };
  }
  log.info('plan', { user: { step: userPlan.step, action: userPlan.action }, signIn: signInPlan?.changes ?? 'none' });

  const run = stepRunner(log);
  const later = await laterPlan();
  const passwordPlan = later.find((p) => p.step === 'console-password');
  const passwordAtCreation = passwordPlan?.action === 'create' && userPlan.action === 'create';
  let userId = userPlan.action === 'refuse' ? undefined : found?.id;

  const userResult = await run(userPlan, async () => {
    switch (userPlan.action) {
      case 'none':
        return unchanged(userPlan);
      case 'skip':
        return { outcome: Outcome.Skipped, reason: userPlan.reason ?? 'skipped', ...(userPlan.ocid ? { ocid: userPlan.ocid } : {}) };
      case 'refuse':
        throw userConflict(userPlan);
      case 'update': {
        const user = await directory.updateUser(found?.id ?? '', userChanges(identity, found, userPlan));
        return { outcome: Outcome.Updated, ocid: user.ocid };
      }
      default: {
        const spec = identity.user as UserSpec;
        // The bootstrap password is read only here, only when a new user gets it, and goes nowhere else.
        const password: SecretValue | undefined = passwordAtCreation ? await context.bootstrapPassword?.read() : undefined;
        const { record, created } = await directory.createUser(spec, password, { enabled: identity.enabled });
        if (!created && record.employeeId !== spec.employeeId) {
          throw new OnboardingError(ErrorCode.UserNameConflict, `User ${userPlan.target} was created meanwhile for another employee`);
        }
        userId = record.id;
        return created
          ? { outcome: Outcome.Created, ocid: record.ocid }
          : { outcome: Outcome.Unchanged, ocid: record.ocid, reason: 'created meanwhile by a concurrent delivery' };
      }
    }
  });
  const memberId = userResult.outcome === Outcome.Failed || userResult.outcome === Outcome.Skipped ? undefined : userId;

  const signInResult = signInPlan
    ? await (async (): Promise<StepResult> => {
        if (signInPlan.action === 'none') return { ...base(signInPlan), outcome: Outcome.Unchanged, reason: signInPlan.reason ?? '' };
        if (!memberId) return skipped(signInPlan, 'the user step did not complete');
        return run(signInPlan, async () => {
          await directory.setSignIn(memberId, identity.enabled);
          return { outcome: Outcome.Updated, ...(signInPlan.reason ? { reason: signInPlan.reason } : {}) };
        });
      })()
    : undefined;

  // Memberships one after another: parallel adds to one group can conflict at OCI.
  const { groups: current, failedGroups } = shared ? await shared.groups : { groups: new Map(), failedGroups: new Set<string>() };
  const membershipResults: StepResult[] = [];
  for (const planned of later.filter((p) => p.step === 'membership')) {
    if (planned.action === 'skip') {
      membershipResults.push({ ...base(planned), outcome: Outcome.Skipped, reason: planned.reason ?? 'skipped' });
      continue;
    }
    const groupId = planned.membership?.groupId ?? current.get(planned.target.toLowerCase())?.id;
    if (!memberId) membershipResults.push(skipped(planned, 'the user step did not complete'));
    else if (planned.action !== 'remove' && (failedGroups.has(planned.target.toLowerCase()) || !groupId))
      membershipResults.push(skipped(planned, 'the group step did not complete'));
    else {
      membershipResults.push(
        await run(planned, async () => {
          if (planned.action === 'none') return { outcome: Outcome.Unchanged };
          if (planned.action === 'remove' && planned.membership) {
            const { removed } = await directory.removeUserFromGroup(memberId, planned.membership);
            return removed
              ? { outcome: Outcome.Removed, ...(planned.reason ? { reason: planned.reason } : {}) }
              : { outcome: Outcome.Unchanged, reason: 'no longer a member' };
          }
          const { added } = await directory.addUserToGroup(memberId, groupId ?? '');
          return added ? { outcome: Outcome.Added } : { outcome: Outcome.Unchanged, reason: 'already a member' };
        }),
      );
    }
  }

  const credentialResults: StepResult[] = [];
  for (const planned of later.filter((p) => p.step === 'credential')) {
    if (!memberId || !planned.credential) {
      credentialResults.push(skipped(planned, 'the user step did not complete'));
      continue;
    }
    const credential = planned.credential;
    credentialResults.push(
      await run(planned, async () => {
        const { removed } = await directory.deleteCredential(memberId, credential);
        return removed
          ? { outcome: Outcome.Removed, reason: planned.reason ?? '' }
          : { outcome: Outcome.Unchanged, reason: 'already deleted' };
      }),
    );
  }

  const passwordResult = passwordPlan
    ? await (async (): Promise<StepResult> => {
        if (passwordPlan.action === 'skip')
          return { ...base(passwordPlan), outcome: Outcome.Skipped, reason: passwordPlan.reason ?? 'skipped' };
        if (passwordPlan.action === 'none')
          return { ...base(passwordPlan), outcome: Outcome.Unchanged, ...(passwordPlan.reason ? { reason: passwordPlan.reason } : {}) };
        if (!memberId) return skipped(passwordPlan, 'the user step did not complete');
        if (passwordAtCreation) {
          const created = userResult.outcome === Outcome.Created;
          return {
            ...base(passwordPlan),
            outcome: created ? Outcome.Created : Outcome.Unchanged,
            reason: created ? (passwordPlan.reason ?? '') : 'the user was created meanwhile; its password is never reset',
          };
        }
        return run(passwordPlan, async () => {
          const password = await context.bootstrapPassword?.read();
          if (!password || !directory.passwords)
            throw new OnboardingError(ErrorCode.SecretUnavailable, 'No bootstrap password is configured');
          await directory.passwords.setPassword(memberId, password);
          return { outcome: Outcome.Created, ...(passwordPlan.reason ? { reason: passwordPlan.reason } : {}) };
        });
      })()
    : undefined;

  const removal = later.find((p) => p.step === 'user' && p.action === 'remove');
  const removalResult = removal
    ? await (async (): Promise<StepResult> => {
        const stillHeld = [...membershipResults, ...credentialResults].some(
          (r) => r.outcome === Outcome.Failed || r.outcome === Outcome.Skipped,
        );
        if (!memberId || stillHeld) return skipped(removal, 'memberships or credentials are left');
        return run(removal, async () => {
          const { removed } = await directory.deleteUser(memberId);
          return removed
            ? { outcome: Outcome.Removed, reason: removal.reason ?? '' }
            : { outcome: Outcome.Unchanged, reason: 'already deleted' };
        });
      })()
    : undefined;

  const steps = [userResult, signInResult, ...membershipResults, ...credentialResults, passwordResult, removalResult].filter(
    (r): r is StepResult => r !== undefined,
  );
  return { steps, userId: userResult.ocid ?? userOcid };
}

/** What a user update writes: the changed fields, and the marks (classic tags, a domain's OCI tags). */
function userChanges(identity: DesiredIdentity, found: DirectoryUser | undefined, planned: PlannedStep): UserChanges {
  const spec = identity.user;
  if (!spec) {
    // A leaver gets the day it left.
    const leftOn = identity.leaving?.effectiveDate ?? '';
    return found?.freeformTags ? { freeformTags: { ...found.freeformTags, [LEFT_ON_TAG]: leftOn } } : { leftOn };
  }
  const changes = new Set(planned.changes ?? []);
  if (found?.freeformTags) {
    const kept = Object.fromEntries(Object.entries(found.freeformTags).filter(([key]) => !MANAGED_TAGS.has(key)));
    return { email: spec.email, description: spec.description, freeformTags: { ...kept, ...spec.freeformTags } };
  }
  return {
    email: spec.email,
    description: spec.description,
    ...(changes.has('givenName') ? { givenName: spec.givenName } : {}),
    ...(changes.has('familyName') ? { familyName: spec.familyName } : {}),
    ...(changes.has('managed-by') ? { mark: { employeeId: spec.employeeId } } : {}),
    ...(changes.has('left-on') ? { leftOn: null } : {}),
  };
}
