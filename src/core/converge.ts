import { ErrorCode, OnboardingError } from '../support/errors';
import type { SecretValue } from '../support/secret';
import type { OnboardingContext, OnboardingOutcome, SharedPhase } from './context';
import {
  type DesiredIdentity,
  LEFT_ON_TAG,
  type LifecycleRules,
  MANAGED_TAGS,
  type PasswordMode,
  type PlannedStep,
  planUserSteps,
} from './plan';
import type { DirectoryGroup, DirectoryUser, UserChanges, UserSpec } from './ports';
import { Outcome, type StepResult } from './result';
import type { RoleCatalog } from './role-catalog';
import { base, dryRunResult, skipped, stepRunner, unchanged, userConflict } from './steps';

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
