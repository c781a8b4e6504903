import { sameStatements } from './policy/normal-form';
import type { DirectoryGroup, DirectoryPolicy, DirectoryUser } from './ports';
import type { Action, StepKind } from './result';
import { type DesiredState, EMPLOYEE_TAG } from './role-catalog';

/** What OCI holds now, as the look-ups found it. */
export interface ObservedState {
  readonly user: DirectoryUser | undefined;
  /** By lower-cased group name; undefined when the group does not exist. */
  readonly groups: ReadonlyMap<string, DirectoryGroup | undefined>;
  /** Group OCIDs the user is in (empty when there is no user yet). */
  readonly memberGroupIds: ReadonlySet<string>;
  /** By `compartmentId/lower-cased name`. */
  readonly policies: ReadonlyMap<string, DirectoryPolicy | undefined>;
}

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
 * Decides, from data alone, what each step must do to converge OCI on the desired state.
 * A replay of an applied event plans `none` everywhere.
 */
export function planSteps(desired: DesiredState, observed: ObservedState, employeeId: string): PlannedStep[] {
  const steps: PlannedStep[] = [planUser(desired, observed.user, employeeId)];
  for (const group of desired.groups) {
    const found = observed.groups.get(group.name.toLowerCase());
    steps.push(
      found
        ? { step: 'group', target: group.name, action: 'none', ocid: found.id }
        : { step: 'group', target: group.name, action: 'create' },
    );
  }
  for (const group of desired.groups) {
    const found = observed.groups.get(group.name.toLowerCase());
    const isMember = found !== undefined && observed.user !== undefined && observed.memberGroupIds.has(found.id);
    steps.push({ step: 'membership', target: group.name, action: isMember ? 'none' : 'create' });
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

function planUser(desired: DesiredState, found: DirectoryUser | undefined, employeeId: string): PlannedStep {
  const target = desired.user.name;
  if (!found) return { step: 'user', target, action: 'create' };
  const owner = found.freeformTags[EMPLOYEE_TAG];
  if (owner !== employeeId) {
    // Never take over an account that belongs to someone else (or to no one we know).
    return {
      step: 'user',
      target,
      action: 'refuse',
      ocid: found.id,
      reason: owner ? `user name belongs to employee ${owner}` : 'user name is taken by a user this function did not create',
    };
  }
  const changes: string[] = [];
  if ((found.email ?? '').toLowerCase() !== desired.user.email.toLowerCase()) changes.push('email');
  if (found.description !== desired.user.description) changes.push('description');
  if (Object.entries(desired.user.freeformTags).some(([key, value]) => found.freeformTags[key] !== value)) changes.push('freeformTags');
  return changes.length > 0
    ? { step: 'user', target, action: 'update', ocid: found.id, changes }
    : { step: 'user', target, action: 'none', ocid: found.id };
}
