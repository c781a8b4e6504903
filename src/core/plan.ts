import { ErrorCode } from '../support/errors';
import { sameStatements } from './policy/normal-form';
import type { DirectoryCredential, DirectoryGroup, DirectoryMembership, DirectoryPolicy, DirectoryUser } from './ports';
import type { Action, StepKind } from './result';
import { type DesiredState, EMPLOYEE_TAG, MANAGED_BY_TAG } from './role-catalog';
import { tagDrift } from './tags';
import type { UserSpec } from './user-spec';

/** The mark a leaver's user gets: the day it left (a classic tag, a domain user's OCI tag). */
export const LEFT_ON_TAG = 'left-on';

/**
 * When HR produced the last fact applied to a user (ISO 8601, UTC): an event older than it is stale and
 * writes nothing, so a late delivery never undoes a newer fact.
 */
export const FACT_AT_TAG = 'hr-fact-at';

/**
 * The catalog groups the last applied fact wants, beside its time: an older event whose membership write
 * landed after the newer one had finished reads them and takes its write back. `-` for none (a leaver).
 */
export const FACT_GROUPS_TAG = 'hr-groups';
/** OCI freeform tag values hold at most 256 characters: a longer group list is not recorded. */
const TAG_VALUE_MAX = 256;

/** Tags this function writes on a user; a tag of these not desired now (a rehire's `left-on`) is dropped. */
export const MANAGED_TAGS: ReadonlySet<string> = new Set([
  EMPLOYEE_TAG,
  MANAGED_BY_TAG,
  LEFT_ON_TAG,
  FACT_AT_TAG,
  FACT_GROUPS_TAG,
  'manager',
  'start-date',
]);

/** The FACT_GROUPS_TAG value for these groups: `?` (not known) when the list would not fit a tag value. */
export function factGroupsValue(groups: readonly { readonly name: string }[]): string {
  const value = groups.length === 0 ? '-' : [...new Set(groups.map((g) => g.name.toLowerCase()))].sort().join(',');
  return value.length <= TAG_VALUE_MAX ? value : '?';
}

/** The catalog groups (lower-cased) the last applied fact wants, when it recorded them. */
export function factGroupsOf(user: DirectoryUser | undefined): ReadonlySet<string> | undefined {
  const value = user?.freeformTags?.[FACT_GROUPS_TAG];
  if (value === undefined || value === '?') return undefined;
  return new Set(value === '-' ? [] : value.split(','));
}

/** What OCI holds now, as the look-ups found it. */
export interface ObservedState {
  readonly user: DirectoryUser | undefined;
  /** By lower-cased group name; undefined when the group does not exist. */
  readonly groups: ReadonlyMap<string, DirectoryGroup | undefined>;
  /** The groups the user is in (none when there is no user yet); a name is undefined when it could not be read. */
  readonly memberships: readonly DirectoryMembership[];
  /** The user's credentials; looked up only for a leaver (undefined otherwise). */
  readonly credentials: readonly DirectoryCredential[] | undefined;
  /** By `compartmentId/lower-cased name`. */
  readonly policies: ReadonlyMap<string, DirectoryPolicy | undefined>;
}

/**
 * What HR says one employee's access must be. A joiner and a mover are the same desire (the look-ups
 * tell them apart); a leaver wants no catalog group, no credential and no sign-in.
 */
export interface DesiredIdentity {
  readonly employeeId: string;
  /** The account as HR describes it; undefined for a leaver, whose account is found by employee id. */
  readonly user: UserSpec | undefined;
  /** Sign-in allowed: false before the start date and after leaving. */
  readonly enabled: boolean;
  /** The catalog groups the user must be in. */
  readonly groups: DesiredState['groups'];
  /** Set for a leaver. */
  readonly leaving: { readonly effectiveDate: string; readonly reason?: string | undefined } | undefined;
  /** For a hire starting later: the day sign-in is enabled. */
  readonly startDate?: string | undefined;
  /** When HR produced this fact (ISO 8601, UTC); undefined: the event carried no time. */
  readonly occurredAt?: string | undefined;
  /**
   * The time is a roster's day, not the fact's own: compared, and recorded with a write the person needs
   * anyway, but never written for its own sake (a daily roster would otherwise touch every user every day).
   */
  readonly factImplied?: boolean | undefined;
}

/** What the plan needs besides desired and observed state. */
export interface LifecycleRules {
  /** Today, `YYYY-MM-DD` (UTC). */
  readonly today: string;
  /** Days after leaving before a leaver's user is deleted; undefined: never (disable only). */
  readonly retentionDays: number | undefined;
  /** Lower-cased names of every group the role catalog can produce: only their memberships are ever removed. */
  readonly catalogGroups: ReadonlySet<string>;
}

/** A hire's identity: enabled unless it starts after today; a timed fact is recorded on the user (FACT_AT_TAG). */
export function hireIdentity(
  desired: DesiredState,
  startDate: string | undefined,
  today: string,
  occurredAt?: string | undefined,
  factImplied?: boolean,
): DesiredIdentity {
  const later = startDate !== undefined && startDate > today;
  // A fact's time is recorded with the groups it wants (a roster's implied time only with a write needed anyway).
  const groups = occurredAt ? factGroupsValue(desired.groups) : undefined;
  return {
    employeeId: desired.user.employeeId,
    user: occurredAt
      ? {
          ...desired.user,
          freeformTags: { ...desired.user.freeformTags, [FACT_AT_TAG]: occurredAt, ...(groups ? { [FACT_GROUPS_TAG]: groups } : {}) },
        }
      : desired.user,
    enabled: !later,
    groups: desired.groups,
    leaving: undefined,
    ...(later ? { startDate } : {}),
    ...(occurredAt ? { occurredAt } : {}),
    ...(occurredAt && factImplied ? { factImplied } : {}),
  };
}

/** A leaver's identity: nothing but the account itself, disabled. */
export function leaverIdentity(leaver: {
  employeeId: string;
  effectiveDate: string;
  reason?: string | undefined;
  occurredAt?: string | undefined;
  factImplied?: boolean;
}): DesiredIdentity {
  return {
    employeeId: leaver.employeeId,
    user: undefined,
    enabled: false,
    groups: [],
    leaving: { effectiveDate: leaver.effectiveDate, ...(leaver.reason ? { reason: leaver.reason } : {}) },
    ...(leaver.occurredAt ? { occurredAt: leaver.occurredAt } : {}),
    ...(leaver.occurredAt && leaver.factImplied ? { factImplied: true } : {}),
  };
}

/** Who an event means, decided from every account the look-ups found. */
export type Identification =
  | { readonly kind: 'accounts'; readonly users: readonly DirectoryUser[] }
  | {
      readonly kind: 'refuse';
      readonly code: typeof ErrorCode.DuplicateEmployee | typeof ErrorCode.UserNameImmutable | typeof ErrorCode.UserNameConflict;
      readonly reason: string;
      readonly user: DirectoryUser;
    };

const describe = (user: DirectoryUser) => `${user.name} (${user.ocid})`;

/**
 * The employee id is the identity: every account carrying it is this person's, whatever its name. A hire
 * finds its account by employee id first, then by user name; a rehire under a new name renames the one
 * account where the directory can (`canRename`), and is refused, naming the account, where it cannot.
 * Two accounts of one employee are never picked between: a hire is refused; a leaver takes both away.
 */
export function identify(
  desired: Pick<DesiredIdentity, 'employeeId' | 'user'>,
  found: { readonly byEmployeeId: readonly DirectoryUser[]; readonly byName: DirectoryUser | undefined },
  canRename: boolean,
): Identification {
  const accounts = [...found.byEmployeeId];
  const byName = found.byName;
  if (byName && byName.employeeId === desired.employeeId && !accounts.some((u) => u.id === byName.id)) accounts.push(byName);
  const spec = desired.user;
  if (accounts.length > 1 && spec) {
    return {
      kind: 'refuse',
      code: ErrorCode.DuplicateEmployee,
      user: accounts[0] as DirectoryUser,
      reason: `employee ${desired.employeeId} has ${accounts.length} accounts: ${accounts.map(describe).join(', ')}; merge them by hand, then send the event again`,
    };
  }
  const [account] = accounts;
  if (!spec || !account) return { kind: 'accounts', users: accounts.length > 0 ? accounts : byName ? [byName] : [] };
  if (account.name.toLowerCase() === spec.name.toLowerCase()) return { kind: 'accounts', users: [account] };
  if (byName && byName.id !== account.id) {
    return {
      kind: 'refuse',
      code: ErrorCode.UserNameConflict,
      user: byName,
      reason: `employee ${desired.employeeId} has the account ${describe(account)}, and the new user name belongs to another account ${describe(byName)}${byName.employeeId ? ` of employee ${byName.employeeId}` : ''}`,
    };
  }
  if (!canRename) {
    return {
      kind: 'refuse',
      code: ErrorCode.UserNameImmutable,
      user: account,
      reason: `employee ${desired.employeeId} already has the account ${describe(account)}; classic IAM user names cannot change, so send the event with userName ${JSON.stringify(account.name)}, or delete that account first`,
    };
  }
  return { kind: 'accounts', users: [account] };
}

/** The applied fact an event is older than, if it is: a stale event writes nothing. */
export function staleAgainst(desired: Pick<DesiredIdentity, 'occurredAt'>, found: DirectoryUser | undefined): string | undefined {
  if (!desired.occurredAt || !found?.factAt) return undefined;
  const applied = Date.parse(found.factAt);
  return Number.isFinite(applied) && Date.parse(desired.occurredAt) < applied ? found.factAt : undefined;
}

/** How console passwords are handled: not at all (classic IAM), or the Vault bootstrap password (a domain). */
export type PasswordMode = { readonly kind: 'classic' } | { readonly kind: 'bootstrap'; readonly setForExistingUsers: boolean };

export interface PlannedStep {
  readonly step: StepKind;
  readonly target: string;
  readonly action: Action;
  readonly reason?: string;
  readonly changes?: readonly string[];
  /** The OCID when the resource already exists. */
  readonly ocid?: string;
  /** For a membership to remove. */
  readonly membership?: DirectoryMembership;
  /** For a credential to delete. */
  readonly credential?: DirectoryCredential;
}

export const policyKey = (compartmentId: string, name: string) => `${compartmentId}/${name.toLowerCase()}`;

/**
 * Why the classic IAM path never creates a console password: CreateOrResetUIPassword takes no
 * password; OCI generates one and returns it to the caller only. The function has no channel that
 * only the new hire can read, so holding that password would put it in the hands of whoever reads
 * the function's output.
 */
export const CLASSIC_CONSOLE_PASSWORD_REASON =
  'not created: classic IAM only generates a one-time password and returns it to the caller alone (docs/lifecycle-and-rosters.md: Console passwords)';
/** Oracle's Identity Domains API marks passwordState mustChange read-only: no per-user "change at first sign-in". */
export const BOOTSTRAP_PASSWORD_NOTE =
  'the bootstrap password from Vault; the API cannot require a change at first sign-in (docs/lifecycle-and-rosters.md: Console passwords)';

/** What the look-ups found of the groups and policies the hires' roles need. */
export interface ObservedShared {
  readonly groups: ReadonlyMap<string, DirectoryGroup | undefined>;
  readonly policies: ReadonlyMap<string, DirectoryPolicy | undefined>;
}

/** Groups and policies, shared by every hire with the role: planned once per batch. */
export function planShared(desired: Pick<DesiredState, 'groups' | 'policies'>, observed: ObservedShared): PlannedStep[] {
  const steps: PlannedStep[] = [];
  for (const group of desired.groups) {
    const found = observed.groups.get(group.name.toLowerCase());
    // Tags the catalog or DEFINED_TAGS ask for and the group lacks (or holds with another value) are updated.
    const drift = found ? tagDrift(group.tags, found) : [];
    steps.push(
      !found
        ? { step: 'group', target: group.name, action: 'create' }
        : drift.length > 0
          ? { step: 'group', target: group.name, action: 'update', ocid: found.ocid, changes: drift }
          : { step: 'group', target: group.name, action: 'none', ocid: found.ocid },
    );
  }
  for (const policy of desired.policies) {
    const found = observed.policies.get(policyKey(policy.compartmentId, policy.name));
    if (!found) {
      steps.push({ step: 'policy', target: policy.name, action: 'create' });
      continue;
    }
    const changes = [
      ...(sameStatements(found.statements, policy.statements) ? [] : ['statements']),
      ...(found.description === policy.description ? [] : ['description']),
      ...tagDrift(policy.tags, found),
    ];
    steps.push({
      step: 'policy',
      target: policy.name,
      action: changes.length > 0 ? 'update' : 'none',
      ocid: found.id,
      ...(changes.length > 0 ? { changes } : {}),
    });
  }
  return steps;
}

/** Adds whole days to a `YYYY-MM-DD` date. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * One employee's own steps, for a joiner, a mover and a leaver alike: the user, sign-in, a membership
 * per catalog group (added when desired, removed when not), the credentials of a leaver, the console
 * password of a hire, and the user's deletion once a leaver's retention has passed.
 */
export function planUserSteps(
  desired: DesiredIdentity,
  observed: Pick<ObservedState, 'user' | 'groups' | 'memberships' | 'credentials'>,
  passwords: PasswordMode,
  rules: LifecycleRules,
): PlannedStep[] {
  const found = observed.user;
  const target = desired.user?.name ?? found?.name ?? desired.employeeId;
  const user = planUser(desired, found, rules);
  if (user.action === 'refuse' || (desired.leaving && (!found || user.action === 'skip'))) {
    // A user this function may not touch, a leaver nobody knows, or one who has not left yet: nothing else.
    const rest = desired.user ? [planPassword(target, user, found, passwords)] : [];
    return [
      user,
      ...desired.groups.map(
        (g): PlannedStep => ({ step: 'membership', target: g.name, action: 'skip', reason: 'the user step refuses this user' }),
      ),
      ...rest,
    ];
  }
  const steps: PlannedStep[] = [user];
  if (found) {
    if (found.enabled && !desired.enabled && !desired.leaving) {
      // Only a leaver disables an enabled user. A start date after today means "created with sign-in
      // disabled", nothing more: a roster whose start-date column shifted must not disable everybody, and
      // the breaker, which counts leavers only, would not notice.
      steps.push({
        step: 'sign-in',
        target,
        action: 'none',
        reason: `already enabled: a start date after today (${desired.startDate}) never disables a user; only leaving does`,
      });
    } else if (found.enabled !== desired.enabled) {
      steps.push({
        step: 'sign-in',
        target,
        action: 'update',
        changes: [desired.enabled ? 'enable' : 'disable'],
        reason: signInReason(desired),
      });
    } else if (!desired.enabled) steps.push({ step: 'sign-in', target, action: 'none', reason: signInReason(desired) });
  } else if (!desired.enabled) {
    steps.push({ step: 'sign-in', target, action: 'none', reason: `created disabled: ${signInReason(desired)}` });
  }
  const desiredNames = new Set(desired.groups.map((g) => g.name.toLowerCase()));
  for (const group of desired.groups) {
    const groupFound = observed.groups.get(group.name.toLowerCase());
    const isMember = groupFound !== undefined && found !== undefined && observed.memberships.some((m) => m.groupId === groupFound.id);
    steps.push({ step: 'membership', target: group.name, action: isMember ? 'none' : 'add' });
  }
  // By group name: the directory promises no order of a user's groups (a SCIM multi-valued attribute, a
  // classic list), and two reads of them may give two; the plan is the same whichever read brought them.
  const byName = [...observed.memberships].sort((a, b) => (a.groupName ?? a.groupId).localeCompare(b.groupName ?? b.groupId));
  for (const membership of byName) {
    const name = membership.groupName?.toLowerCase();
    if (name === undefined || desiredNames.has(name) || !rules.catalogGroups.has(name)) continue;
    steps.push({
      step: 'membership',
      target: membership.groupName ?? membership.groupId,
      action: 'remove',
      membership,
      reason: desired.leaving ? 'the employee left' : 'no role of the employee needs this group now',
    });
  }
  if (desired.leaving) {
    for (const credential of observed.credentials ?? []) {
      steps.push({
        step: 'credential',
        target: `${credential.kind} ${credential.id}`,
        action: 'remove',
        credential,
        reason: 'the employee left',
      });
    }
  }
  if (desired.user) steps.push(planPassword(target, user, found, passwords));
  if (found && desired.leaving) {
    const leftOn = found.leftOn ?? desired.leaving.effectiveDate;
    const due = rules.retentionDays === undefined ? undefined : addDays(leftOn, rules.retentionDays);
    if (due !== undefined && due <= rules.today) {
      steps.push({
        step: 'user',
        target,
        action: 'remove',
        ocid: found.ocid,
        reason: `left on ${leftOn}; kept ${rules.retentionDays} days`,
      });
    }
  }
  return steps;
}

function signInReason(desired: DesiredIdentity): string {
  if (desired.leaving) return `left on ${desired.leaving.effectiveDate}${desired.leaving.reason ? ` (${desired.leaving.reason})` : ''}`;
  if (desired.startDate) return `starts on ${desired.startDate}; enabled by the first event or roster on or after that day`;
  return 'enabled';
}

/**
 * Decides, from data alone, what each step must do to converge OCI on the desired state, in the order
 * a result lists them. A replay of an applied event plans `none` everywhere.
 */
export function planSteps(
  desired: DesiredState,
  observed: ObservedState,
  passwords: PasswordMode,
  rules: LifecycleRules = { today: '1970-01-01', retentionDays: undefined, catalogGroups: new Set() },
): PlannedStep[] {
  const shared = planShared(desired, observed);
  const own = planUserSteps(hireIdentity(desired, undefined, rules.today), observed, passwords, rules);
  const byKind = (steps: PlannedStep[], kind: PlannedStep['step']) => steps.filter((s) => s.step === kind);
  return [
    ...byKind(own, 'user'),
    ...byKind(own, 'sign-in'),
    ...byKind(shared, 'group'),
    ...byKind(own, 'membership'),
    ...byKind(shared, 'policy'),
    ...byKind(own, 'credential'),
    ...byKind(own, 'console-password'),
  ];
}

function planUser(desired: DesiredIdentity, found: DirectoryUser | undefined, rules: LifecycleRules): PlannedStep {
  const spec = desired.user;
  if (!spec) {
    // A leaver: found by employee id; only a user this function manages is touched.
    const target = found?.name ?? desired.employeeId;
    if (!found) return { step: 'user', target, action: 'none', reason: `no user has employee id ${desired.employeeId}` };
    if (!found.managed) {
      return { step: 'user', target, action: 'refuse', ocid: found.ocid, reason: 'the user is not managed by this function' };
    }
    const effective = desired.leaving?.effectiveDate ?? rules.today;
    if (effective > rules.today) {
      return {
        step: 'user',
        target,
        action: 'skip',
        ocid: found.ocid,
        reason: `leaves on ${effective}; access is taken away on or after that day`,
      };
    }
    const newerFact = desired.occurredAt !== undefined && !desired.factImplied && found.factAt !== desired.occurredAt;
    if (found.leftOn && !newerFact) return { step: 'user', target, action: 'none', ocid: found.ocid, reason: `left on ${found.leftOn}` };
    return {
      step: 'user',
      target,
      action: 'update',
      ocid: found.ocid,
      changes: [...(found.leftOn ? [] : ['left-on']), ...(newerFact ? [FACT_AT_TAG] : [])],
      reason: found.leftOn ? `left on ${found.leftOn}` : `marked as left on ${effective}`,
    };
  }
  const target = spec.name;
  if (!found) return { step: 'user', target, action: 'create' };
  if (found.employeeId !== spec.employeeId) {
    // Never take over an account that belongs to someone else (or to no one we know).
    return {
      step: 'user',
      target,
      action: 'refuse',
      ocid: found.ocid,
      reason: found.employeeId
        ? `user name belongs to employee ${found.employeeId}`
        : 'user name is taken by a user this function did not create',
    };
  }
  const changes: string[] = [];
  // A rehire under a new user name: `identify` lets it through only where the directory renames.
  if (found.name.toLowerCase() !== spec.name.toLowerCase()) changes.push('userName');
  if ((found.email ?? '').toLowerCase() !== spec.email.toLowerCase()) changes.push('email');
  if (found.description !== spec.description) changes.push('description');
  if (found.givenName !== undefined && found.givenName !== spec.givenName) changes.push('givenName');
  if (found.familyName !== undefined && found.familyName !== spec.familyName) changes.push('familyName');
  // A roster's implied time is recorded only with a write the person needs anyway.
  const ignored = desired.factImplied ? [FACT_AT_TAG, FACT_GROUPS_TAG] : [];
  if (found.freeformTags && tagsDiffer(found.freeformTags, desiredTags(spec.freeformTags, found), ignored)) changes.push('freeformTags');
  return changes.length > 0
    ? { step: 'user', target, action: 'update', ocid: found.ocid, changes }
    : { step: 'user', target, action: 'none', ocid: found.ocid };
}

/**
 * The whole freeform tag set a user must carry: the tags of others kept, this function's managed tags as
 * desired. An event without a time keeps the time of the last applied fact, so that a later stale event is
 * still recognised.
 */
export function desiredTags(managed: Readonly<Record<string, string>>, found: DirectoryUser | undefined): Record<string, string> {
  const current = found?.freeformTags ?? {};
  const kept = Object.fromEntries(Object.entries(current).filter(([key]) => !MANAGED_TAGS.has(key)));
  // The last fact's time and groups stay until a fact of its own replaces them.
  const fact: Record<string, string> = {};
  for (const key of [FACT_AT_TAG, FACT_GROUPS_TAG]) {
    const previous = current[key];
    if (!(key in managed) && previous !== undefined) fact[key] = previous;
  }
  return { ...kept, ...fact, ...managed };
}

function tagsDiffer(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>, ignored: readonly string[]): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].some((key) => !ignored.includes(key) && a[key] !== b[key]);
}

/** The console password: created with a new user, never reset on an existing one, set on one without only when allowed. */
function planPassword(target: string, user: PlannedStep, found: DirectoryUser | undefined, mode: PasswordMode): PlannedStep {
  const step = 'console-password';
  if (mode.kind === 'classic') return { step, target, action: 'skip', reason: CLASSIC_CONSOLE_PASSWORD_REASON };
  if (user.action === 'refuse') return { step, target, action: 'skip', reason: 'the user step refuses this user' };
  if (user.action === 'remove') return { step, target, action: 'skip', reason: 'the user is deleted' };
  if (user.action === 'create') return { step, target, action: 'create', reason: `set at creation to ${BOOTSTRAP_PASSWORD_NOTE}` };
  if (found?.hasPassword) return { step, target, action: 'none', reason: 'the user has a password; it is never reset' };
  if (!mode.setForExistingUsers) {
    return { step, target, action: 'skip', reason: 'the existing user has no password; SET_PASSWORD_FOR_EXISTING_USERS is off' };
  }
  return { step, target, action: 'create', reason: `set on the existing user, who had none, to ${BOOTSTRAP_PASSWORD_NOTE}` };
}
