import { systemClock, utcDay } from '../support/clock';
import { ErrorCode, OnboardingError, toErrorReport } from '../support/errors';
import type { SecretValue } from '../support/secret';
import { WriteCheckFailed, WriteWithdrawn, writeChecks } from '../support/write-checks';
import type { OnboardingContext, OnboardingOutcome, SharedPhase } from './context';
import {
  type DesiredIdentity,
  desiredTags,
  FACT_AT_TAG,
  FACT_GROUPS_TAG,
  factGroupsOf,
  type Identification,
  identify,
  LEFT_ON_TAG,
  type LifecycleRules,
  type PasswordMode,
  type PlannedStep,
  planUserSteps,
  staleAgainst,
} from './plan';
import type { DirectoryGroup, DirectoryUser, UserChanges } from './ports';
import { Outcome, type StepResult } from './result';
import type { RoleCatalog } from './role-catalog';
import { base, dryRunResult, type StepOutcome, skipped, stepRunner, unchanged, userConflict } from './steps';
import type { UserSpec } from './user-spec';
import { isWritten } from './writes';

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
export function lifecycleRules(context: Pick<OnboardingContext, 'catalog' | 'retentionDays' | 'today' | 'clock'>): LifecycleRules {
  return {
    today: context.today ?? utcDay((context.clock ?? systemClock).now()),
    retentionDays: context.retentionDays,
    catalogGroups: catalogGroupNames(context.catalog),
  };
}

/** How many times one event re-reads and re-plans after a concurrent change (412, or a create that lost a race). */
const PLAN_ATTEMPTS = 4;

const isConflict = (step: StepResult | undefined) => step?.error?.status === 412;

/**
 * One employee, joiner, mover or leaver alike: finds every account of the employee (by employee id, then
 * by user name), refuses what it must not pick between, answers `stale` to an event older than the last
 * fact applied, plans from data and writes only what differs, each user write conditional on the version
 * it planned from. A refused write, or a create another delivery won, re-reads and re-plans.
 */
export async function convergeUser(
  identity: DesiredIdentity,
  shared: SharedPhase | undefined,
  context: OnboardingContext,
): Promise<OnboardingOutcome> {
  const first = await convergeWithRetries(identity, shared, context, []);
  // A roster's implied time checks nothing again: its next run does, and a pass per leaver would double its reads.
  if (!identity.occurredAt || identity.factImplied || context.dryRun || first.stale || !wroteAny(first.steps)) return first;
  // A timed event that wrote reads once more: an older event's write that landed after this one's reads
  // (it was sent just before this one claimed the user) is put right now. A pass that had to put something
  // right is itself checked again, at most CHECK_PASSES times. Converged, a pass only reads.
  let result = first;
  for (let pass = 1; pass <= CHECK_PASSES; pass++) {
    const before = result;
    const check = await convergeWithRetries(identity, shared, context, []).catch((error: unknown) => {
      // A failed check keeps what was done: its writes are reported, the check's error is logged.
      context.log.warn('check pass failed', { employeeId: identity.employeeId, error: toErrorReport(error) });
      return undefined;
    });
    if (!check) return before;
    // Overtaken during the check: what it wrote (a take-back too) stays on record; the first answer stands.
    if (check.stale) return { ...before, steps: withEarlierWrites(before.steps, check.steps) };
    result = { ...check, steps: withEarlierWrites(before.steps, check.steps) };
    if (!wroteAny(check.steps)) return result;
  }
  return result;
}

/** How many times a timed event reads again after writing, while each pass still finds something to put right. */
const CHECK_PASSES = 3;
const wroteAny = (steps: readonly StepResult[]) => steps.some(isWritten);

async function convergeWithRetries(
  identity: DesiredIdentity,
  shared: SharedPhase | undefined,
  context: OnboardingContext,
  before: readonly StepResult[],
): Promise<OnboardingOutcome> {
  const { directory } = context;
  let earlier = before;
  for (let attempt = 1; ; attempt++) {
    try {
      const lookup = await directory.findPerson(identity.employeeId, identity.user?.name);
      const who = identify(identity, lookup, directory.kind === 'domain');
      if (who.kind === 'refuse') {
        shared?.release?.(false);
        const outcome = refused(identity, who, context);
        return earlier.length > 0 ? { ...outcome, steps: withEarlierWrites(earlier, outcome.steps) } : outcome;
      }
      if (who.users.length > 1) {
        // A leaver takes every account of the employee away, and says that there were several.
        const outcomes: OnboardingOutcome[] = [];
        for (const user of who.users) {
          try {
            outcomes.push(await convergeAccount(identity, user, shared, context));
          } catch (error) {
            // What the accounts before this one wrote stays on record, whatever happens to this one.
            const done = outcomes.flatMap((o) => o.steps);
            throw new ConcurrentChangeWith([...done, ...(error instanceof ConcurrentChangeWith ? error.steps : [])], error);
          }
        }
        const names = who.users.map((u) => `${u.name} (${u.ocid})`).join(', ');
        const stale = outcomes.find((o) => o.stale)?.stale;
        const scheduled = outcomes.flatMap((o) => (o.scheduled ? [o.scheduled] : [])).sort()[0];
        const what = scheduled ? `access is taken away on ${scheduled}` : stale ? 'a newer HR fact decides them' : 'each was taken away';
        return {
          steps: withEarlierWrites(
            earlier,
            outcomes.flatMap((o) => o.steps),
          ),
          userId: outcomes[0]?.userId,
          ...(stale ? { stale } : {}),
          ...(scheduled ? { scheduled } : {}),
          notes: [`employee ${identity.employeeId} has ${who.users.length} accounts: ${names}; ${what}`],
        };
      }
      const outcome = await convergeAccount(identity, who.users[0], shared, context);
      return earlier.length > 0 ? { ...outcome, steps: withEarlierWrites(earlier, outcome.steps) } : outcome;
    } catch (error) {
      const replannable =
        error instanceof ConcurrentChangeWith && (error.cause === undefined || error.cause instanceof ConcurrentChangeWith);
      if (replannable && attempt < PLAN_ATTEMPTS) {
        context.log.info('re-planning after a concurrent change', { employeeId: identity.employeeId, attempt });
        earlier = withEarlierWrites(earlier, error.steps);
        continue;
      }
      const done = error instanceof ConcurrentChangeWith ? withEarlierWrites(earlier, error.steps) : earlier;
      if (!done.some((s) => isWritten(s))) throw unwrap(error);
      // Given up after writing: the writes stay in the result, and the reason is a failed step.
      const report = toErrorReport(unwrap(error));
      const target = identity.user?.name ?? identity.employeeId;
      return {
        steps: [...done, { step: 'user', target, action: 'none', outcome: Outcome.Failed, reason: report.message, error: report }],
        userId: done.find((s) => s.step === 'user')?.ocid,
      };
    }
  }
}

/**
 * A write refused because the user changed since it was read (412), or a create another delivery won:
 * read again. It carries the writes the abandoned attempt made, so that they are reported, not lost.
 */
class ConcurrentChangeWith extends Error {
  /** `cause`: another error, carried only for the writes made before it (not re-planned). */
  constructor(
    readonly steps: readonly StepResult[],
    cause?: unknown,
  ) {
    super('the user changed while this event was applied', cause === undefined ? undefined : { cause });
  }
}
const unwrap = (error: unknown): unknown =>
  error instanceof ConcurrentChangeWith && error.cause !== undefined && !(error.cause instanceof ConcurrentChangeWith)
    ? error.cause
    : error instanceof ConcurrentChangeWith
      ? new OnboardingError(ErrorCode.OciRequestFailed, `The user kept changing while this event was applied (${PLAN_ATTEMPTS} attempts)`)
      : error;

/**
 * The writes of an earlier attempt or pass stay in the result: a step the latest found done keeps its
 * earlier outcome, and a step written by both is listed twice, so that every write is accounted for.
 */
function withEarlierWrites(earlier: readonly StepResult[], latest: readonly StepResult[]): StepResult[] {
  const wrote = isWritten;
  const key = (s: StepResult) => `${s.step}\u0000${s.target.toLowerCase()}`;
  const before = new Map<string, StepResult[]>();
  for (const s of earlier.filter(wrote)) before.set(key(s), [...(before.get(key(s)) ?? []), s]);
  const merged = latest.flatMap((s) => {
    const previous = before.get(key(s)) ?? [];
    before.delete(key(s));
    return wrote(s) ? [...previous, s] : previous.length > 0 ? previous : [s];
  });
  return [...merged, ...[...before.values()].flat()];
}

/** A hire the function must not apply as it stands: the user step fails with the reason; nothing is written. */
function refused(
  identity: DesiredIdentity,
  who: Extract<Identification, { kind: 'refuse' }>,
  context: OnboardingContext,
): OnboardingOutcome {
  const { code } = who;
  const error = toErrorReport(new OnboardingError(code, `User ${identity.user?.name ?? identity.employeeId}: ${who.reason}`));
  context.log.warn('event refused', { employeeId: identity.employeeId, code });
  const user: StepResult = {
    step: 'user',
    target: identity.user?.name ?? who.user.name,
    action: 'refuse',
    outcome: Outcome.Failed,
    ocid: who.user.ocid,
    reason: who.reason,
    error,
  };
  const rest = identity.groups.map(
    (g): StepResult => ({
      step: 'membership',
      target: g.name,
      action: 'skip',
      outcome: Outcome.Skipped,
      reason: 'skipped: the user step refuses this event',
    }),
  );
  return { steps: [user, ...rest], userId: undefined };
}

/** One account of the employee (or none yet): the plan and its writes. */
async function convergeAccount(
  identity: DesiredIdentity,
  found: DirectoryUser | undefined,
  shared: SharedPhase | undefined,
  context: OnboardingContext,
): Promise<OnboardingOutcome> {
  const { directory, log } = context;
  const rules = lifecycleRules(context);
  const passwords: PasswordMode =
    directory.passwords && context.bootstrapPassword
      ? { kind: 'bootstrap', setForExistingUsers: context.setPasswordForExistingUsers }
      : { kind: 'classic' };
  const leaving = identity.leaving !== undefined && found?.managed === true && identity.leaving.effectiveDate <= rules.today;
  const appliedAt = staleAgainst(identity, found);
  const [memberships, credentials] = await Promise.all([
    found ? directory.membershipsOfUser(found.id, { asFound: true }) : Promise.resolve([]),
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
  const scheduled = identity.leaving && found?.managed && userPlan.action === 'skip' ? identity.leaving.effectiveDate : undefined;
  // The role's groups and policies are written only if this event goes ahead.
  shared?.release?.(!appliedAt && userPlan.action !== 'refuse');
  if (context.dryRun || appliedAt) {
    const steps = [userPlan, ...(signInPlan ? [signInPlan] : []), ...(await laterPlan())];
    return {
      steps: steps.map((planned) => (appliedAt ? staleResult(planned, appliedAt) : dryRunResult(planned))),
      userId: userOcid,
      ...(appliedAt ? { stale: { appliedAt } } : {}),
      ...(scheduled ? { scheduled } : {}),
    };
  }
  log.info('plan', { user: { step: userPlan.step, action: userPlan.action }, signIn: signInPlan?.changes ?? 'none' });

  const run = stepRunner(log);
  const later = await laterPlan();
  const passwordPlan = later.find((p) => p.step === 'console-password');
  const passwordAtCreation = passwordPlan?.action === 'create' && userPlan.action === 'create';
  let userId = userPlan.action === 'refuse' ? undefined : found?.id;
  /** The version the next conditional write names: the one read, then the one each write answers. */
  let version = found?.version;
  let madeMeanwhile = false;

  const userResult = await run(userPlan, async () => {
    switch (userPlan.action) {
      case 'none':
        return unchanged(userPlan);
      case 'skip':
        return { outcome: Outcome.Skipped, reason: userPlan.reason ?? 'skipped', ...(userPlan.ocid ? { ocid: userPlan.ocid } : {}) };
      case 'refuse':
        throw userConflict(userPlan);
      case 'update': {
        const user = await directory.updateUser(found?.id ?? '', userChanges(identity, found, userPlan), { ifMatch: version });
        version = user.version;
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
        version = record.version;
        madeMeanwhile = !created;
        return created
          ? { outcome: Outcome.Created, ocid: record.ocid }
          : { outcome: Outcome.Unchanged, ocid: record.ocid, reason: 'created meanwhile by a concurrent delivery' };
      }
    }
  });
  // Another delivery changed the user since it was read, or created it first: plan again from what is there now.
  if (isConflict(userResult) || madeMeanwhile) throw new ConcurrentChangeWith([]);
  const memberId = userResult.outcome === Outcome.Failed || userResult.outcome === Outcome.Skipped ? undefined : userId;

  const signInResult = signInPlan
    ? await (async (): Promise<StepResult> => {
        if (signInPlan.action === 'none') return { ...base(signInPlan), outcome: Outcome.Unchanged, reason: signInPlan.reason ?? '' };
        if (!memberId) return skipped(signInPlan, 'the user step did not complete');
        return run(signInPlan, async () => {
          await directory.setSignIn(memberId, identity.enabled, { ifMatch: version });
          return { outcome: Outcome.Updated, ...(signInPlan.reason ? { reason: signInPlan.reason } : {}) };
        });
      })()
    : undefined;
  if (isConflict(signInResult)) throw new ConcurrentChangeWith([userResult]);

  // A timed event checks, before each further write, that no newer fact was applied meanwhile: once one
  // was, it writes nothing more (the newer event's own check pass puts right what this one did).
  // The check runs right before every attempt of each write (after pacing, before each retry).
  let supersededBy: string | undefined;
  const stillNewest = async () => {
    const appliedAt = memberId ? staleAgainst(identity, await directory.getUser(memberId)) : undefined;
    if (appliedAt) throw new WriteWithdrawn(appliedAt);
  };
  const guarded = async (planned: PlannedStep, write: () => Promise<StepOutcome>): Promise<StepResult> => {
    if (supersededBy) return superseded(planned, supersededBy);
    if (!identity.occurredAt) return run(planned, write);
    const result = await run(planned, () =>
      writeChecks.run(stillNewest, () =>
        write().catch((error: unknown) => {
          // The check's own read failed: the step fails with that read's error.
          if (error instanceof WriteCheckFailed) throw error.cause;
          if (!(error instanceof WriteWithdrawn)) throw error;
          supersededBy = error.appliedAt;
          log.info('superseded by a newer HR fact', { employeeId: identity.employeeId, appliedAt: error.appliedAt });
          return { outcome: Outcome.Skipped };
        }),
      ),
    );
    return supersededBy && result.outcome === Outcome.Skipped ? superseded(planned, supersededBy) : result;
  };

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
      const result = await guarded(planned, async () => {
        if (planned.action === 'none') return { outcome: Outcome.Unchanged };
        if (planned.action === 'remove' && planned.membership) {
          const { removed } = await directory.removeUserFromGroup(memberId, planned.membership);
          return removed
            ? { outcome: Outcome.Removed, ...(planned.reason ? { reason: planned.reason } : {}) }
            : { outcome: Outcome.Unchanged, reason: 'no longer a member' };
        }
        const { added } = await directory.addUserToGroup(memberId, groupId ?? '');
        return added ? { outcome: Outcome.Added } : { outcome: Outcome.Unchanged, reason: 'already a member' };
      });
      membershipResults.push(result);
      const membershipGroup = planned.membership?.groupId ?? groupId;
      if (membershipGroup && (result.outcome === Outcome.Added || result.outcome === Outcome.Removed)) {
        const taken = await takeBackIfOvertaken(result, memberId, membershipGroup);
        if (taken) membershipResults.push(taken);
      }
    }
  }

  /**
   * A membership write of a timed event can land after a newer event for the person has read and checked
   * everything (it was sent just before the newer fact was applied, then held up). Read right after it:
   * if a newer fact was applied meanwhile and wants otherwise (its FACT_GROUPS_TAG), take the write back,
   * once, itself checked against that same fact. Without the tag (not recorded, or too long) it stays.
   */
  async function takeBackIfOvertaken(result: StepResult, userId: string, groupId: string): Promise<StepResult | undefined> {
    if (!identity.occurredAt || identity.factImplied) return undefined;
    const now = await directory.getUser(userId).catch(() => undefined);
    const appliedAt = staleAgainst(identity, now);
    const wanted = appliedAt ? factGroupsOf(now) : undefined;
    if (!appliedAt || !wanted) return undefined;
    supersededBy ??= appliedAt;
    const added = result.outcome === Outcome.Added;
    if (added !== !wanted.has(result.target.toLowerCase())) return undefined;
    const planned: PlannedStep = { step: 'membership', target: result.target, action: added ? 'remove' : 'add' };
    const sameFact = async () => {
      const latest = (await directory.getUser(userId))?.factAt;
      if (latest !== appliedAt) throw new WriteWithdrawn(latest ?? appliedAt);
    };
    const why = `a newer HR fact (of ${appliedAt}) was applied while this event wrote`;
    return run(planned, () =>
      writeChecks.run(sameFact, async () => {
        try {
          if (added) {
            const membership = (await directory.membershipsOfUser(userId)).find((m) => m.groupId === groupId);
            const { removed } = membership ? await directory.removeUserFromGroup(userId, membership) : { removed: false };
            return removed
              ? { outcome: Outcome.Removed, reason: `taken back: ${why}` }
              : { outcome: Outcome.Unchanged, reason: 'no longer a member' };
          }
          const { added: again } = await directory.addUserToGroup(userId, groupId);
          return again
            ? { outcome: Outcome.Added, reason: `put back: ${why}` }
            : { outcome: Outcome.Unchanged, reason: 'already a member' };
        } catch (error) {
          if (error instanceof WriteWithdrawn) return { outcome: Outcome.Skipped, reason: `stale: ${error.message}` };
          throw error;
        }
      }),
    );
  }

  const credentialResults: StepResult[] = [];
  for (const planned of later.filter((p) => p.step === 'credential')) {
    if (!memberId || !planned.credential) {
      credentialResults.push(skipped(planned, 'the user step did not complete'));
      continue;
    }
    const credential = planned.credential;
    credentialResults.push(
      await guarded(planned, async () => {
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
        return guarded(passwordPlan, async () => {
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
        return guarded(removal, async () => {
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
  return {
    steps,
    userId: userResult.ocid ?? userOcid,
    ...(supersededBy ? { stale: { appliedAt: supersededBy } } : {}),
    ...(scheduled ? { scheduled } : {}),
  };
}

/** A step not written because a newer fact was applied while this event ran: stale, not failed. */
const superseded = (planned: PlannedStep, appliedAt: string): StepResult => ({
  ...base(planned),
  outcome: Outcome.Skipped,
  reason: `stale: a newer HR fact (of ${appliedAt}) was applied meanwhile; it decides this step`,
});

/** What a stale event would have done, written nowhere. */
function staleResult(planned: PlannedStep, appliedAt: string): StepResult {
  const result = dryRunResult(planned);
  if (result.outcome !== Outcome.Skipped || planned.action === 'skip') return result;
  const what = planned.changes?.length ? `${planned.action} (${planned.changes.join(', ')})` : planned.action;
  return { ...result, reason: `stale: a newer HR fact (of ${appliedAt}) was applied; this event would ${what}` };
}

/** What a user update writes: the changed fields, and the whole freeform tag set (the marks, kept tags of others). */
function userChanges(identity: DesiredIdentity, found: DirectoryUser | undefined, planned: PlannedStep): UserChanges {
  const spec = identity.user;
  const current = found?.freeformTags ?? {};
  if (!spec) {
    // A leaver gets the day it left (kept if it had one), and the time of this fact.
    return {
      freeformTags: {
        ...current,
        [LEFT_ON_TAG]: found?.leftOn ?? identity.leaving?.effectiveDate ?? '',
        ...(identity.occurredAt ? { [FACT_AT_TAG]: identity.occurredAt } : {}),
        ...(identity.occurredAt ? { [FACT_GROUPS_TAG]: '-' } : {}),
      },
    };
  }
  const changes = new Set(planned.changes ?? []);
  return {
    ...(changes.has('userName') ? { name: spec.name } : {}),
    email: spec.email,
    description: spec.description,
    ...(changes.has('givenName') ? { givenName: spec.givenName } : {}),
    ...(changes.has('familyName') ? { familyName: spec.familyName } : {}),
    freeformTags: desiredTags(spec.freeformTags, found),
  };
}
