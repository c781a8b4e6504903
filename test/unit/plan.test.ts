import { describe, expect, it } from 'vitest';
import { parseNewHire } from '../../src/core/new-hire';
import {
  CLASSIC_CONSOLE_PASSWORD_REASON,
  hireIdentity,
  type LifecycleRules,
  leaverIdentity,
  type ObservedState,
  type PasswordMode,
  planSteps,
  planUserSteps,
  policyKey,
} from '../../src/core/plan';
import type { DirectoryUser } from '../../src/core/ports';
import { parseRoleCatalog, resolveDesiredState } from '../../src/core/role-catalog';
import { demoCatalogJson, fixtureJson, TENANCY } from '../helpers';

const desired = resolveDesiredState(
  parseNewHire(fixtureJson('events', 'new-hire.json')),
  parseRoleCatalog(JSON.parse(demoCatalogJson())),
  TENANCY,
);
const nothing: ObservedState = { user: undefined, groups: new Map(), memberships: [], credentials: undefined, policies: new Map() };
const CLASSIC: PasswordMode = { kind: 'classic' };

const existingUser: DirectoryUser = {
  id: 'ocid1.user.oc1..u',
  ocid: 'ocid1.user.oc1..u',
  name: desired.user.name,
  email: desired.user.email,
  description: desired.user.description,
  employeeId: desired.user.employeeId,
  freeformTags: { ...desired.user.freeformTags },
  hasPassword: undefined,
  enabled: true,
  managed: true,
  leftOn: undefined,
  givenName: undefined,
  familyName: undefined,
};

/** The state OCI holds after the desired state was applied, as the look-ups return it. */
function converged(user: Partial<DirectoryUser> = {}): ObservedState {
  return {
    user: { ...existingUser, ...user },
    groups: new Map(desired.groups.map((g, i) => [g.name.toLowerCase(), { id: `g${i}`, ocid: `ocid1.group.oc1..g${i}`, name: g.name }])),
    memberships: desired.groups.map((g, i) => ({ groupId: `g${i}`, groupName: g.name, membershipId: `m${i}` })),
    credentials: undefined,
    policies: new Map(desired.policies.map((p, i) => [policyKey(p.compartmentId, p.name), { id: `ocid1.policy.oc1..p${i}`, ...p }])),
  };
}
const actions = (steps: ReturnType<typeof planSteps>) => steps.map((s) => `${s.step}:${s.target}:${s.action}`);

describe('planSteps', () => {
  it('creates everything in an empty tenancy', () => {
    expect(actions(planSteps(desired, nothing, CLASSIC))).toEqual([
      'user:ada.lovelace+oci@example.com:create',
      'group:developers-dev:create',
      'group:auditors:create',
      'membership:developers-dev:add',
      'membership:auditors:add',
      'policy:developers-dev:create',
      'policy:auditors:create',
      'console-password:ada.lovelace+oci@example.com:skip',
    ]);
  });

  it('plans nothing at all once converged (a replay writes nothing)', () => {
    const steps = planSteps(desired, converged(), CLASSIC);
    expect(steps.filter((s) => s.step !== 'console-password').every((s) => s.action === 'none')).toBe(true);
    expect(steps.at(-1)).toMatchObject({ step: 'console-password', action: 'skip', reason: CLASSIC_CONSOLE_PASSWORD_REASON });
  });

  it('treats statements OCI rewrote (case, spacing, order) as unchanged', () => {
    const observed = converged();
    const [key, policy] = [...observed.policies.entries()][0] ?? [];
    if (!key || !policy) throw new Error('no policy');
    const policies = new Map(observed.policies);
    policies.set(key, { ...policy, statements: [...policy.statements].reverse().map((s) => s.toLowerCase().replace(/ to /, '   to ')) });
    expect(planSteps(desired, { ...observed, policies }, CLASSIC).find((s) => s.step === 'policy')?.action).toBe('none');
  });

  it('updates a policy whose statements differ, and says what changes', () => {
    const observed = converged();
    const key = policyKey(TENANCY, 'auditors');
    const found = observed.policies.get(key);
    if (!found) throw new Error('no policy');
    const policies = new Map(observed.policies);
    policies.set(key, { ...found, statements: ['Allow group auditors to manage all-resources in tenancy'] });
    const step = planSteps(desired, { ...observed, policies }, CLASSIC).find((s) => s.target === 'auditors' && s.step === 'policy');
    expect(step).toMatchObject({ action: 'update', changes: ['statements'], ocid: 'ocid1.policy.oc1..p1' });
  });

  it('updates a user whose e-mail changed, keeping its OCID', () => {
    expect(planSteps(desired, converged({ email: 'old@example.com' }), CLASSIC)[0]).toMatchObject({
      action: 'update',
      changes: ['email'],
      ocid: 'ocid1.user.oc1..u',
    });
  });

  it('compares tags only where the directory has them', () => {
    expect(planSteps(desired, converged({ freeformTags: { 'employee-id': 'E104233' } }), CLASSIC)[0]).toMatchObject({
      action: 'update',
      changes: ['freeformTags'],
    });
    expect(planSteps(desired, converged({ freeformTags: undefined }), CLASSIC)[0]?.action).toBe('none');
  });

  it('refuses to take over a user of the same name that belongs to someone else', () => {
    expect(planSteps(desired, converged({ employeeId: 'E999' }), CLASSIC)[0]).toMatchObject({
      action: 'refuse',
      reason: 'user name belongs to employee E999',
    });
    expect(planSteps(desired, converged({ employeeId: undefined }), CLASSIC)[0]?.reason).toMatch(/did not create/);
  });

  it('adds only the missing memberships', () => {
    const observed = { ...converged(), memberships: converged().memberships.slice(1) };
    expect(actions(planSteps(desired, observed, CLASSIC)).filter((a) => a.startsWith('membership'))).toEqual([
      'membership:developers-dev:add',
      'membership:auditors:none',
    ]);
  });

  describe('console password with the Vault bootstrap password (identity domains)', () => {
    const password = (mode: PasswordMode, observed: ObservedState) => planSteps(desired, observed, mode).at(-1);
    const bootstrap = (setForExistingUsers: boolean): PasswordMode => ({ kind: 'bootstrap', setForExistingUsers });

    it('sets it when the user is created', () => {
      expect(password(bootstrap(false), nothing)).toMatchObject({ action: 'create', reason: expect.stringMatching(/^set at creation/) });
    });

    it('never resets the password of a user who has one, whatever the option', () => {
      expect(password(bootstrap(true), converged({ hasPassword: true }))).toMatchObject({
        action: 'none',
        reason: 'the user has a password; it is never reset',
      });
      expect(password(bootstrap(false), converged({ hasPassword: true }))?.action).toBe('none');
    });

    it('gives one to an existing user without, only when allowed', () => {
      expect(password(bootstrap(false), converged({ hasPassword: false }))).toMatchObject({
        action: 'skip',
        reason: expect.stringMatching(/SET_PASSWORD_FOR_EXISTING_USERS is off/),
      });
      expect(password(bootstrap(true), converged({ hasPassword: false }))).toMatchObject({
        action: 'create',
        reason: expect.stringMatching(/existing user, who had none/),
      });
    });

    it('does not touch the password of a user it refuses', () => {
      expect(password(bootstrap(true), converged({ hasPassword: false, employeeId: 'E999' }))?.action).toBe('skip');
    });
  });
});

describe('planUserSteps: joiners, movers and leavers are one plan', () => {
  const rules: LifecycleRules = {
    today: '2026-12-01',
    retentionDays: undefined,
    catalogGroups: new Set(['developers-dev', 'developers-test', 'auditors']),
  };
  const handMade = { groupId: 'h1', groupName: 'on-call-helpers', membershipId: 'mh' };
  const plan = (identity: Parameters<typeof planUserSteps>[0], observed: ObservedState, r = rules) =>
    planUserSteps(identity, observed, CLASSIC, r).map(
      (s) => `${s.step}:${s.target}:${s.action}${s.changes ? `(${s.changes.join(',')})` : ''}`,
    );

  it('removes a mover from catalog groups no longer needed, never from a group the catalog does not name', () => {
    // Prepare: converged on developer + auditor, plus a hand-made group; HR now says developer only
    const observed = { ...converged(), memberships: [...converged().memberships, handMade] };
    const moved = { ...desired, groups: desired.groups.filter((g) => g.name === 'developers-dev') };
    // Act
    const steps = plan(hireIdentity(moved, undefined, rules.today), observed);
    // Assess
    expect(steps).toEqual([
      'user:ada.lovelace+oci@example.com:none',
      'membership:developers-dev:none',
      'membership:auditors:remove',
      'console-password:ada.lovelace+oci@example.com:skip',
    ]);
  });

  it('disables a leaver, marks the day, removes its catalog memberships and every credential', () => {
    const observed = {
      ...converged(),
      memberships: [...converged().memberships, handMade],
      credentials: [
        { kind: 'api-key' as const, id: 'aa:bb' },
        { kind: 'auth-token' as const, id: 'tok1' },
      ],
    };
    expect(plan(leaverIdentity({ employeeId: 'E104233', effectiveDate: '2026-11-30' }), observed)).toEqual([
      'user:ada.lovelace+oci@example.com:update(left-on)',
      'sign-in:ada.lovelace+oci@example.com:update(disable)',
      'membership:auditors:remove',
      'membership:developers-dev:remove',
      'credential:api-key aa:bb:remove',
      'credential:auth-token tok1:remove',
    ]);
  });

  it("plans a leaver's removals in one order whichever order the directory answered the user's groups in", () => {
    // Prepare: the same memberships, as a GetUser and as a list answer may give them.
    const observed = { ...converged(), memberships: [...converged().memberships, handMade] };
    const reversed = { ...observed, memberships: [...observed.memberships].reverse() };
    const leaver = leaverIdentity({ employeeId: 'E104233', effectiveDate: '2026-11-30' });
    // Act
    const one = plan(leaver, observed);
    const other = plan(leaver, reversed);
    // Assess
    expect(other).toEqual(one);
    expect(one.filter((step) => step.endsWith(':remove'))).toEqual(['membership:auditors:remove', 'membership:developers-dev:remove']);
  });

  it('plans nothing for a leaver replayed, deletes it once the retention has passed, and waits for a leave in the future', () => {
    const left = { ...converged({ enabled: false, leftOn: '2026-11-01' }), memberships: [], credentials: [] };
    const leaver = leaverIdentity({ employeeId: 'E104233', effectiveDate: '2026-11-01' });
    expect(plan(leaver, left)).toEqual(['user:ada.lovelace+oci@example.com:none', 'sign-in:ada.lovelace+oci@example.com:none']);
    expect(plan(leaver, left, { ...rules, retentionDays: 30 }).at(-1)).toBe('user:ada.lovelace+oci@example.com:remove');
    expect(plan(leaver, left, { ...rules, retentionDays: 31 }).at(-1)).toBe('sign-in:ada.lovelace+oci@example.com:none');
    expect(plan(leaverIdentity({ employeeId: 'E104233', effectiveDate: '2026-12-02' }), converged())).toEqual([
      'user:ada.lovelace+oci@example.com:skip',
    ]);
  });

  it('re-enables a rehire and drops the left-on mark; refuses a leaver it does not manage', () => {
    const left = {
      ...converged({ enabled: false, leftOn: '2026-11-01', freeformTags: { ...existingUser.freeformTags, 'left-on': '2026-11-01' } }),
    };
    expect(plan(hireIdentity(desired, undefined, rules.today), left).slice(0, 2)).toEqual([
      'user:ada.lovelace+oci@example.com:update(freeformTags)',
      'sign-in:ada.lovelace+oci@example.com:update(enable)',
    ]);
    expect(plan(leaverIdentity({ employeeId: 'E104233', effectiveDate: '2026-11-01' }), converged({ managed: false }))).toEqual([
      'user:ada.lovelace+oci@example.com:refuse',
    ]);
  });

  it('creates a hire who starts later disabled, and enables it on its start date', () => {
    expect(plan(hireIdentity(desired, '2026-12-02', rules.today), nothing)[1]).toBe('sign-in:ada.lovelace+oci@example.com:none');
    expect(plan(hireIdentity(desired, '2026-12-01', rules.today), converged({ enabled: false }))[1]).toBe(
      'sign-in:ada.lovelace+oci@example.com:update(enable)',
    );
  });

  it('never disables an enabled user for a start date after today; one not yet started stays disabled', () => {
    // Prepare: Ada is converged and signing in; a roster row (or hire) says she starts on 2027-01-04
    const later = hireIdentity(desired, '2027-01-04', rules.today);
    // Act
    const enabled = planUserSteps(later, converged(), CLASSIC, rules);
    const notYetStarted = plan(later, converged({ enabled: false }));
    // Assess: nothing to do for sign-in, with the reason; a disabled user not yet started is left disabled
    expect(enabled.find((s) => s.step === 'sign-in')).toEqual({
      step: 'sign-in',
      target: 'ada.lovelace+oci@example.com',
      action: 'none',
      reason: 'already enabled: a start date after today (2027-01-04) never disables a user; only leaving does',
    });
    expect(enabled.some((s) => s.changes?.includes('disable'))).toBe(false);
    expect(notYetStarted[1]).toBe('sign-in:ada.lovelace+oci@example.com:none');
    expect(notYetStarted.join(' ')).not.toMatch(/enable/);
  });
});
