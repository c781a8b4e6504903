import { sameStatements } from './policy/normal-form';
import type { DirectoryGroup, DirectoryPolicy, DirectoryUser } from './ports';
import type { Action, StepKind } from './result';
import type { DesiredState } from './role-catalog';

/** What OCI holds now, as the look-ups found it. */
export interface ObservedState {
  readonly user: DirectoryUser | undefined;
  /** By lower-cased group name; undefined when the group does not exist. */
  readonly groups: ReadonlyMap<string, DirectoryGroup | undefined>;
  /** Group ids the user is in (empty when there is no user yet). */
  readonly memberGroupIds: ReadonlySet<string>;
  /** By `compartmentId/lower-cased name`. */
  readonly policies: ReadonlyMap<string, DirectoryPolicy | undefined>;
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
}

export const policyKey = (compartmentId: string, name: string) => `${compartmentId}/${name.toLowerCase()}`;

/**
 * Why the classic IAM path never creates a console password: CreateOrResetUIPassword takes no
 * password; OCI generates one and returns it to the caller only. The function has no channel that
 * only the new hire can read, so holding that password would put it in the hands of whoever reads
 * the function's output.
 */
export const CLASSIC_CONSOLE_PASSWORD_REASON =
  'not created: classic IAM only generates a one-time password and returns it to the caller alone (README: Console passwords)';
/** Oracle's Identity Domains API marks passwordState mustChange read-only: no per-user "change at first sign-in". */
export const BOOTSTRAP_PASSWORD_NOTE =
  'the bootstrap password from Vault; the API cannot require a change at first sign-in (README: Console passwords)';

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
    steps.push(
      found
        ? { step: 'group', target: group.name, action: 'none', ocid: found.ocid }
        : { step: 'group', target: group.name, action: 'create' },
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

/** The hire's own steps: the user, a membership per group, the console password. */
export function planUserSteps(
  desired: DesiredState,
  observed: Pick<ObservedState, 'user' | 'groups' | 'memberGroupIds'>,
  passwords: PasswordMode,
): PlannedStep[] {
  const user = planUser(desired, observed.user);
  const memberships = desired.groups.map((group): PlannedStep => {
    const found = observed.groups.get(group.name.toLowerCase());
    const isMember = found !== undefined && observed.user !== undefined && observed.memberGroupIds.has(found.id);
    return { step: 'membership', target: group.name, action: isMember ? 'none' : 'create' };
  });
  return [user, ...memberships, planPassword(desired.user.name, user, observed.user, passwords)];
}

/**
 * Decides, from data alone, what each step must do to converge OCI on the desired state, in the order
 * a result lists them. A replay of an applied event plans `none` everywhere.
 */
export function planSteps(desired: DesiredState, observed: ObservedState, passwords: PasswordMode): PlannedStep[] {
  const shared = planShared(desired, observed);
  const own = planUserSteps(desired, observed, passwords);
  const byKind = (steps: PlannedStep[], kind: PlannedStep['step']) => steps.filter((s) => s.step === kind);
  return [
    ...byKind(own, 'user'),
    ...byKind(shared, 'group'),
    ...byKind(own, 'membership'),
    ...byKind(shared, 'policy'),
    ...byKind(own, 'console-password'),
  ];
}

function planUser(desired: DesiredState, found: DirectoryUser | undefined): PlannedStep {
  const target = desired.user.name;
  if (!found) return { step: 'user', target, action: 'create' };
  if (found.employeeId !== desired.user.employeeId) {
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
  if ((found.email ?? '').toLowerCase() !== desired.user.email.toLowerCase()) changes.push('email');
  if (found.description !== desired.user.description) changes.push('description');
  const tags = found.freeformTags;
  if (tags && Object.entries(desired.user.freeformTags).some(([key, value]) => tags[key] !== value)) changes.push('freeformTags');
  return changes.length > 0
    ? { step: 'user', target, action: 'update', ocid: found.ocid, changes }
    : { step: 'user', target, action: 'none', ocid: found.ocid };
}

/** The console password: created with a new user, never reset on an existing one, set on one without only when allowed. */
function planPassword(target: string, user: PlannedStep, found: DirectoryUser | undefined, mode: PasswordMode): PlannedStep {
  const step = 'console-password';
  if (mode.kind === 'classic') return { step, target, action: 'skip', reason: CLASSIC_CONSOLE_PASSWORD_REASON };
  if (user.action === 'refuse') return { step, target, action: 'skip', reason: 'the user step refuses this user' };
  if (user.action === 'create') return { step, target, action: 'create', reason: `set at creation to ${BOOTSTRAP_PASSWORD_NOTE}` };
  if (found?.hasPassword) return { step, target, action: 'none', reason: 'the user has a password; it is never reset' };
  if (!mode.setForExistingUsers) {
    return { step, target, action: 'skip', reason: 'the existing user has no password; SET_PASSWORD_FOR_EXISTING_USERS is off' };
  }
  return { step, target, action: 'create', reason: `set on the existing user, who had none, to ${BOOTSTRAP_PASSWORD_NOTE}` };
}
