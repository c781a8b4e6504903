import { describe, expect, it } from 'vitest';
import { parseNewHire } from '../../src/core/new-hire';
import { type ObservedState, planSteps, policyKey } from '../../src/core/plan';
import { parseRoleCatalog, resolveDesiredState } from '../../src/core/role-catalog';
import { demoCatalogJson, fixtureJson, TENANCY } from '../helpers';

const desired = resolveDesiredState(
  parseNewHire(fixtureJson('events', 'new-hire.json')),
  parseRoleCatalog(JSON.parse(demoCatalogJson())),
  TENANCY,
);
const nothing: ObservedState = {
  user: undefined,
  groups: new Map(),
  memberGroupIds: new Set(),
  policies: new Map(),
};

/** The state OCI holds after the desired state was applied, as the look-ups return it. */
function converged(): ObservedState {
  return {
    user: {
      id: 'ocid1.user.oc1..u',
      name: desired.user.name,
      email: desired.user.email,
      description: desired.user.description,
      freeformTags: { ...desired.user.freeformTags },
    },
    groups: new Map(desired.groups.map((g, i) => [g.name.toLowerCase(), { id: `ocid1.group.oc1..g${i}`, name: g.name }])),
    memberGroupIds: new Set(desired.groups.map((_g, i) => `ocid1.group.oc1..g${i}`)),
    policies: new Map(desired.policies.map((p, i) => [policyKey(p.compartmentId, p.name), { id: `ocid1.policy.oc1..p${i}`, ...p }])),
  };
}
const actions = (steps: ReturnType<typeof planSteps>) => steps.map((s) => `${s.step}:${s.target}:${s.action}`);

describe('planSteps', () => {
  it('creates everything in an empty tenancy', () => {
    expect(actions(planSteps(desired, nothing, 'E104233'))).toEqual([
      'user:ada.lovelace+oci@example.com:create',
      'group:developers-dev:create',
      'group:auditors:create',
      'membership:developers-dev:create',
      'membership:auditors:create',
      'policy:developers-dev:create',
      'policy:auditors:create',
    ]);
  });

  it('plans nothing at all once converged (a replay writes nothing)', () => {
    expect(planSteps(desired, converged(), 'E104233').every((s) => s.action === 'none')).toBe(true);
  });

  it('treats statements OCI rewrote (case, spacing, order) as unchanged', () => {
    const observed = converged();
    const [key, policy] = [...observed.policies.entries()][0] ?? [];
    const rewritten = new Map(observed.policies);
    rewritten.set(key ?? '', {
      ...(policy as NonNullable<typeof policy>),
      statements: [...(policy?.statements ?? [])].reverse().map((s) => s.toLowerCase().replace(/ to /, '   to ')),
    });
    expect(planSteps(desired, { ...observed, policies: rewritten }, 'E104233').find((s) => s.step === 'policy')?.action).toBe('none');
  });

  it('updates a policy whose statements differ, and says what changes', () => {
    const observed = converged();
    const policies = new Map(observed.policies);
    const key = policyKey(TENANCY, 'auditors');
    policies.set(key, {
      ...(policies.get(key) as NonNullable<ReturnType<typeof policies.get>>),
      statements: ['Allow group auditors to manage all-resources in tenancy'],
    });
    const step = planSteps(desired, { ...observed, policies }, 'E104233').find((s) => s.target === 'auditors' && s.step === 'policy');
    expect(step).toMatchObject({ action: 'update', changes: ['statements'], ocid: 'ocid1.policy.oc1..p1' });
  });

  it('updates a user whose e-mail changed, keeping its OCID', () => {
    const observed = converged();
    const user = { ...(observed.user as NonNullable<ObservedState['user']>), email: 'old@example.com' };
    expect(planSteps(desired, { ...observed, user }, 'E104233')[0]).toMatchObject({
      action: 'update',
      changes: ['email'],
      ocid: 'ocid1.user.oc1..u',
    });
  });

  it('refuses to take over a user of the same name that belongs to someone else', () => {
    const observed = converged();
    const other = {
      ...(observed.user as NonNullable<ObservedState['user']>),
      freeformTags: { 'employee-id': 'E999' },
    };
    const untagged = { ...other, freeformTags: {} };
    expect(planSteps(desired, { ...observed, user: other }, 'E104233')[0]).toMatchObject({
      action: 'refuse',
      reason: 'user name belongs to employee E999',
    });
    expect(planSteps(desired, { ...observed, user: untagged }, 'E104233')[0]?.reason).toMatch(/did not create/);
  });

  it('adds only the missing memberships', () => {
    const observed = { ...converged(), memberGroupIds: new Set(['ocid1.group.oc1..g1']) };
    expect(actions(planSteps(desired, observed, 'E104233')).filter((a) => a.startsWith('membership'))).toEqual([
      'membership:developers-dev:create',
      'membership:auditors:none',
    ]);
  });
});
