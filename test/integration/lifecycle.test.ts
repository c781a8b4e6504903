import type { CredentialPath } from '@oci-iam-onboarding/local-oci/state';
import { afterEach, describe, expect, it } from 'vitest';
import { newHire, outcomes, type Scenario, startInProcessScenario } from './scenario';

const EMPLOYEE = 'E104233';
const USER = 'ada.lovelace+oci@example.com';
// No eventId: a repeated HR event id is answered `duplicate` before planning; these replays reach the planner.
const leaver = (overrides: Record<string, unknown> = {}) => ({
  type: 'leaver',
  employeeId: EMPLOYEE,
  effectiveDate: '2026-01-31',
  reason: 'resigned',
  ...overrides,
});
const hire = (overrides: Record<string, unknown> = {}) => newHire({ startDate: '2026-01-05', eventId: undefined, ...overrides });
const ALL_CREDENTIALS: CredentialPath[] = ['apiKeys', 'authTokens', 'customerSecretKeys', 'smtpCredentials', 'oauth2ClientCredentials'];

/** What OCI holds of the employee, the same way on both paths. */
function observe(scenario: Scenario, employeeId = EMPLOYEE) {
  const { state } = scenario.stack.oci;
  if (state.domain) {
    const domain = state.domain;
    const user = [...domain.users.values()].find((u) => u.externalId === employeeId);
    if (!user) return undefined;
    return {
      id: user.id,
      enabled: user.active,
      groups: [...domain.groups.values()].filter((g) => g.members.has(user.id)).map((g) => g.displayName),
      credentials: state.credentialsOf(user.id).length,
      email: user.emails[0]?.value,
      leftOn: user.tags?.find((t) => t.key === 'left-on')?.value,
    };
  }
  const user = [...state.users.values()].find((u) => u.freeformTags['employee-id'] === employeeId);
  if (!user) return undefined;
  return {
    id: user.id,
    // Classic IAM cannot disable a user: every capability off is what the function does.
    enabled: Object.values(user.capabilities).every(Boolean) ? true : Object.values(user.capabilities).some(Boolean) ? 'partly' : false,
    groups: [...state.memberships.values()].filter((m) => m.userId === user.id).map((m) => state.groups.get(m.groupId)?.name),
    credentials: state.credentialsOf(user.id).length,
    email: user.email,
    leftOn: user.freeformTags['left-on'],
  };
}

/** A group an administrator made by hand, with the user in it: never the function's to change. */
function handMadeMembership(scenario: Scenario, userId: string): void {
  const { state } = scenario.stack.oci;
  if (state.domain) {
    state.domain.groups.set('handmade', {
      id: 'handmade',
      ocid: 'ocid1.group.oc1..handmade',
      displayName: 'on-call-helpers',
      members: new Set([userId]),
      created: new Date(),
    });
    return;
  }
  const lifecycle = state.lifecycle();
  state.groups.set('ocid1.group.oc1..handmade', {
    id: 'ocid1.group.oc1..handmade',
    name: 'on-call-helpers',
    description: 'by hand',
    freeformTags: {},
    ...lifecycle,
  });
  state.memberships.set('ocid1.groupmembership.oc1..handmade', {
    id: 'ocid1.groupmembership.oc1..handmade',
    userId,
    groupId: 'ocid1.group.oc1..handmade',
    ...lifecycle,
  });
}

describe.each([
  ['classic IAM', undefined],
  ['an identity domain', 'Employees'],
])('joiners, movers and leavers through the Fn FDK, %s', (_label, identityDomain) => {
  let scenario: Scenario | undefined;
  // The function paces itself to a domain type's published windows; not the subject here, so Premium (docs/testing.md).
  const start = (env?: Record<string, string>) =>
    startInProcessScenario({
      ...(identityDomain ? { identityDomain } : {}),
      env: { ...(identityDomain ? { IDENTITY_DOMAIN_TYPE: 'premium' } : {}), ...env },
    });
  afterEach(async () => {
    await scenario?.stop();
    scenario = undefined;
  });

  it('moves an employee to the roles listed now: catalog groups no longer needed removed, new ones added, e-mail updated; a hand-made group kept', async () => {
    // Prepare
    scenario = await start();
    await scenario.onboard(hire());
    const before = observe(scenario);
    handMadeMembership(scenario, before?.id ?? '');
    // Act
    const move = await scenario.onboard(hire({ roles: ['developer'], compartment: 'test', email: 'ada@example.org' }));
    const replay = await scenario.onboard(hire({ roles: ['developer'], compartment: 'test', email: 'ada@example.org' }));
    // Assess
    expect(move.result.status).toBe('succeeded');
    expect(outcomes(move.result)).toEqual([
      `user:${USER}:updated`,
      'group:developers-test:created',
      'membership:developers-test:added',
      'membership:auditors:removed',
      'membership:developers-dev:removed',
      'policy:developers-test:created',
      `console-password:${USER}:${identityDomain ? 'unchanged' : 'skipped'}`,
    ]);
    expect(move.result.steps[0]?.changes).toContain('email');
    expect(observe(scenario)).toMatchObject({ email: 'ada@example.org', enabled: true });
    expect(observe(scenario)?.groups.sort()).toEqual(['developers-test', 'on-call-helpers']);
    expect(replay.writes).toBe(0);
    expect(replay.result.counts).toMatchObject({ created: 0, updated: 0, added: 0, removed: 0, failed: 0 });
  });

  it('takes everything from a leaver (sign-in, catalog groups, every kind of credential), writes nothing on a replay, and a rehire converges again', async () => {
    // Prepare
    scenario = await start();
    await scenario.onboard(hire());
    const { id } = observe(scenario) ?? { id: '' };
    handMadeMembership(scenario, id);
    for (const kind of ALL_CREDENTIALS) scenario.stack.oci.state.addCredential(id, kind);
    // Act
    const left = await scenario.onboard(leaver({ eventId: 'hr-leave-0001' }));
    const leftAgain = await scenario.onboard(leaver());
    // Assess
    expect(left.result).toMatchObject({
      status: 'succeeded',
      employeeId: EMPLOYEE,
      userName: USER,
      correlation: { eventId: 'hr-leave-0001' },
    });
    expect(outcomes(left.result)).toEqual([
      `user:${USER}:updated`,
      `sign-in:${USER}:updated`,
      'membership:auditors:removed',
      'membership:developers-dev:removed',
      ...['api-key', 'auth-token', 'customer-secret-key', 'smtp-credential', 'oauth2-client-credential'].map(
        (kind) => `credential:${left.result.steps.find((s) => s.target.startsWith(`${kind} `))?.target}:removed`,
      ),
    ]);
    expect(left.result.steps[1]).toMatchObject({ changes: ['disable'], reason: 'left on 2026-01-31 (resigned)' });
    expect(observe(scenario)).toMatchObject({ enabled: false, groups: ['on-call-helpers'], credentials: 0, leftOn: '2026-01-31' });
    expect(left.writes).toBe(left.result.counts.updated + left.result.counts.removed + (identityDomain ? 0 : 0));
    expect(leftAgain.writes).toBe(0);
    expect(leftAgain.result.counts).toMatchObject({ updated: 0, removed: 0, failed: 0 });

    // Act: the same employee is hired again
    const rehired = await scenario.onboard(hire());
    const replay = await scenario.onboard(hire());
    // Assess
    expect(outcomes(rehired.result).filter((o) => !o.endsWith(':unchanged') && !o.endsWith(':skipped'))).toEqual([
      `user:${USER}:updated`,
      `sign-in:${USER}:updated`,
      'membership:developers-dev:added',
      'membership:auditors:added',
    ]);
    expect(observe(scenario)).toMatchObject({ enabled: true, leftOn: undefined });
    expect(observe(scenario)?.groups.sort()).toEqual(['auditors', 'developers-dev', 'on-call-helpers']);
    expect(replay.writes).toBe(0);
  });

  it('answers a leaver nobody knows as unchanged, and a leave in the future changes nothing yet', async () => {
    scenario = await start();
    const unknown = await scenario.onboard(leaver({ employeeId: 'E000001' }));
    expect(unknown.result).toMatchObject({ status: 'succeeded', counts: { unchanged: 1, failed: 0 } });
    expect(unknown.result.steps[0]?.reason).toBe('no user has employee id E000001');
    expect(unknown.writes).toBe(0);

    await scenario.onboard(hire());
    const later = await scenario.onboard(leaver({ effectiveDate: '2099-12-31' }));
    expect(outcomes(later.result)).toEqual([`user:${USER}:skipped`]);
    expect(later.writes).toBe(0);
    expect(observe(scenario)?.enabled).toBe(true);
  });

  it('leaves a user it does not manage alone: a leaver for it is a conflict and nothing is written', async () => {
    // Prepare: an account with the employee id, made by hand (no managed-by mark)
    scenario = await start();
    await scenario.onboard(hire());
    const { state } = scenario.stack.oci;
    const id = observe(scenario)?.id ?? '';
    if (state.domain) {
      const user = state.domain.users.get(id);
      if (user) user.tags = [];
    } else {
      const user = state.users.get(id);
      if (user) user.freeformTags = { 'employee-id': EMPLOYEE };
    }
    // Act
    const { result, writes } = await scenario.onboard(leaver());
    // Assess
    expect(result.status).toBe('failed');
    expect(result.steps).toHaveLength(1);
    expect(result.steps[0]).toMatchObject({ step: 'user', outcome: 'failed', error: { code: 'UNMANAGED_USER' } });
    expect(writes).toBe(0);
    expect(observe(scenario)).toMatchObject({ enabled: true });
    expect(observe(scenario)?.groups).toHaveLength(2);
  });

  it('deletes a leaver once the retention has passed, after its groups and credentials', async () => {
    scenario = await start({ LEAVER_RETENTION_DAYS: '30' });
    await scenario.onboard(hire());
    const { id } = observe(scenario) ?? { id: '' };
    scenario.stack.oci.state.addCredential(id, 'apiKeys');
    const { result } = await scenario.onboard(leaver({ effectiveDate: '2026-01-31' }));
    expect(outcomes(result).at(-1)).toBe(`user:${USER}:removed`);
    expect(result.steps.at(-1)?.reason).toBe('left on 2026-01-31; kept 30 days');
    expect(observe(scenario)).toBeUndefined();
    const replay = await scenario.onboard(leaver());
    expect([replay.writes, replay.result.steps[0]?.outcome]).toEqual([0, 'unchanged']);
  });

  it('creates a hire who starts later with sign-in disabled, and enables it on or after the start date', async () => {
    scenario = await start();
    const early = await scenario.onboard(hire({ startDate: '2099-01-04' }));
    expect(early.result.status).toBe('succeeded');
    expect(early.result.steps[1]).toMatchObject({
      step: 'sign-in',
      outcome: 'unchanged',
      reason: expect.stringMatching(/^created disabled: starts on 2099-01-04/),
    });
    expect(observe(scenario)?.enabled).toBe(false);
    expect((await scenario.onboard(hire({ startDate: '2099-01-04' }))).writes).toBe(0);
    // HR moves the start date to today: the next event enables sign-in.
    const started = await scenario.onboard(hire({ startDate: new Date().toISOString().slice(0, 10) }));
    expect(outcomes(started.result)).toContain(`sign-in:${USER}:updated`);
    expect(observe(scenario)?.enabled).toBe(true);
  });

  it('shows removals and disables on a dry run, and writes nothing', async () => {
    scenario = await start();
    await scenario.onboard(hire());
    const dry = await scenario.onboard(leaver({ dryRun: true }));
    expect(dry.writes).toBe(0);
    expect(dry.result.status).toBe('dry-run');
    expect(dry.result.steps.map((s) => s.reason)).toEqual([
      'dry run: would update (left-on): marked as left on 2026-01-31',
      'dry run: would update (disable): left on 2026-01-31 (resigned)',
      'dry run: would remove: the employee left',
      'dry run: would remove: the employee left',
    ]);
    expect(observe(scenario)?.enabled).toBe(true);
  });
});
