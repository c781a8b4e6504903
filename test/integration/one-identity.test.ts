import { afterEach, describe, expect, it } from 'vitest';
import type { BatchResult } from '../../src/core/response';
import type { OnboardingResult } from '../../src/core/result';
import { objectCreatedEvent } from '../../src/local-stack/upload-driver';
import { type FunctionUnderTest, startInProcess } from '../in-process';
import { accounts as accountsOf } from './employee-accounts';
import { newHire, outcomes, type Scenario, startInProcessScenario } from './scenario';

// One person, one identity, whatever order HR speaks in: the employee id finds the account, the newest HR
// fact wins, and concurrent events for one person end in the newer one's state. Both IAM paths.

const EMPLOYEE = 'E104233';
const FIRST_NAME = 'ada.lovelace+oci@example.com';
const REHIRE_NAME = 'ada.byron@example.com';
const at = (minute: number) => new Date(Date.UTC(2026, 0, 10, 9, minute)).toISOString();
const hire = (overrides: Record<string, unknown> = {}) => newHire({ startDate: '2026-01-05', ...overrides });
const leaver = (overrides: Record<string, unknown> = {}) => ({
  type: 'leaver',
  employeeId: EMPLOYEE,
  effectiveDate: '2026-01-31',
  ...overrides,
});

/** Every account of the employee, as OCI holds it. */
const accounts = (scenario: Scenario, employeeId = EMPLOYEE) => accountsOf(scenario, employeeId);

/** Gives a second account the employee's id, as a person or an older version might have. */
function tagAsEmployee(scenario: Scenario, userName: string, employeeId: string): void {
  const { state } = scenario.stack.oci;
  if (state.domain) {
    const user = [...state.domain.users.values()].find((u) => u.userName === userName);
    if (!user) throw new Error(`no user ${userName}`);
    state.domain.users.set(user.id, { ...user, externalId: employeeId });
    return;
  }
  const user = state.findUserByName(userName);
  if (!user) throw new Error(`no user ${userName}`);
  state.users.set(user.id, { ...user, freeformTags: { ...user.freeformTags, 'employee-id': employeeId } });
}

describe.each([
  ['classic IAM', undefined],
  ['an identity domain', 'Employees'],
])('one person, one identity, %s', (_label, identityDomain) => {
  let scenario: Scenario | undefined;
  let second: FunctionUnderTest | undefined;
  // On a domain the function paces itself to its type's published windows; the order of HR facts, not
  // the rate, is the subject here, so the domain is Premium (docs/testing.md): 11 to 22 s a test on Free.
  const start = () => startInProcessScenario({ ...(identityDomain ? { identityDomain, env: { IDENTITY_DOMAIN_TYPE: 'premium' } } : {}) });
  afterEach(async () => {
    await second?.stop();
    await scenario?.stop();
    second = undefined;
    scenario = undefined;
  });

  it('a rehire under a new user name keeps one account (renamed in a domain, refused in classic IAM), and the next leaver leaves nothing enabled', async () => {
    // Prepare: hired, then left.
    scenario = await start();
    await scenario.onboard(hire({ occurredAt: at(1) }));
    await scenario.onboard(leaver({ occurredAt: at(2) }));
    // Act: back under another user name, then leaves again.
    const rehire = await scenario.onboard(hire({ userName: REHIRE_NAME, occurredAt: at(3) }));
    const rehireAgain = await scenario.onboard(hire({ userName: REHIRE_NAME, occurredAt: at(3) }));
    const afterRehire = accounts(scenario);
    const leftAgain = await scenario.onboard(leaver({ occurredAt: at(4) }));
    // Assess
    if (identityDomain) {
      expect(rehire.result.status).toBe('succeeded');
      expect(rehire.result.steps[0]).toMatchObject({ step: 'user', outcome: 'updated', changes: expect.arrayContaining(['userName']) });
      expect(afterRehire).toEqual([expect.objectContaining({ name: REHIRE_NAME, enabled: true })]);
    } else {
      expect(rehire.result.status).toBe('failed');
      expect(rehire.writes).toBe(0);
      expect(rehire.result.steps[0]?.error?.code).toBe('USER_NAME_IMMUTABLE');
      expect(rehire.result.steps[0]?.reason).toContain(FIRST_NAME);
      expect(afterRehire).toEqual([expect.objectContaining({ name: FIRST_NAME, enabled: false })]);
    }
    expect(rehireAgain.writes).toBe(0);
    expect(leftAgain.result.status).toBe('succeeded');
    expect(accounts(scenario)).toHaveLength(1);
    expect(accounts(scenario).filter((a) => a.enabled)).toEqual([]);
  });

  it('answers stale to a mover HR produced before a leaver but delivered after it, writes nothing, and a newer rehire undoes the leaver', async () => {
    // Prepare
    scenario = await start();
    await scenario.onboard(hire({ occurredAt: at(1) }));
    await scenario.onboard(leaver({ occurredAt: at(3) }));
    // Act
    const lateMover = await scenario.onboard(hire({ roles: ['developer'], compartment: 'test', occurredAt: at(2) }));
    const lateMoverAgain = await scenario.onboard(hire({ roles: ['developer'], compartment: 'test', occurredAt: at(2) }));
    const stillLeft = accounts(scenario);
    const rehire = await scenario.onboard(hire({ roles: ['developer'], compartment: 'test', occurredAt: at(5) }));
    // Assess
    expect(lateMover.result).toMatchObject({ status: 'stale', occurredAt: at(2), appliedFactAt: at(3) });
    expect(lateMover.writes).toBe(0);
    expect(lateMover.result.steps.map((s) => s.reason ?? '').filter((r) => r.startsWith('stale:')).length).toBeGreaterThan(0);
    expect(lateMover.result.steps.find((s) => s.step === 'sign-in')?.reason).toMatch(/would update \(enable\)/);
    expect(lateMoverAgain.writes).toBe(0);
    expect(stillLeft).toEqual([expect.objectContaining({ enabled: false, groups: [] })]);
    expect(rehire.result.status).toBe('succeeded');
    expect(accounts(scenario)).toEqual([expect.objectContaining({ enabled: true, groups: ['developers-test'] })]);
  });

  it('never picks between two accounts of one employee: a hire is refused naming both, a leaver takes both away', async () => {
    // Prepare: a second account that carries the same employee id.
    scenario = await start();
    await scenario.onboard(hire());
    await scenario.onboard(hire({ employeeId: 'E999999', userName: 'ada.twin@example.com' }));
    tagAsEmployee(scenario, 'ada.twin@example.com', EMPLOYEE);
    // Act
    const refused = await scenario.onboard(hire({ email: 'ada@example.org' }));
    const left = await scenario.onboard(leaver());
    const leftAgain = await scenario.onboard(leaver());
    // Assess
    expect(refused.result.status).toBe('failed');
    expect(refused.writes).toBe(0);
    expect(refused.result.steps[0]?.error?.code).toBe('DUPLICATE_EMPLOYEE');
    expect(refused.result.steps[0]?.reason).toMatch(
      /2 accounts: .*ada\.lovelace\+oci@example\.com.*ada\.twin@example\.com|2 accounts: .*ada\.twin@example\.com.*ada\.lovelace/,
    );
    expect(left.result.status).toBe('succeeded');
    expect(left.result.notes?.join(' ')).toContain('has 2 accounts');
    expect(accounts(scenario).map((a) => a.enabled)).toEqual([false, false]);
    expect(leftAgain.writes).toBe(0);
  });

  it('a future-dated leaver answers scheduled with its day and writes nothing; an event without a time says so', async () => {
    // Prepare
    scenario = await start();
    const untimed = await scenario.onboard(hire());
    // Act
    const later = await scenario.onboard(leaver({ effectiveDate: '2999-12-31' }));
    // Assess
    expect(untimed.result.notes?.[0]).toMatch(/no occurredAt/);
    expect(later.result).toMatchObject({ status: 'scheduled', scheduledFor: '2999-12-31' });
    expect(later.writes).toBe(0);
    expect(accounts(scenario)).toEqual([expect.objectContaining({ enabled: true })]);
  });

  it('a mover in a domain or classic IAM keeps the manager and start-date tags true', async () => {
    // Prepare
    scenario = await start();
    await scenario.onboard(hire({ manager: 'E100017' }));
    // Act
    const move = await scenario.onboard(hire({ manager: 'E100018', startDate: '2026-01-06' }));
    const replay = await scenario.onboard(hire({ manager: 'E100018', startDate: '2026-01-06' }));
    // Assess
    expect(move.result.steps[0]).toMatchObject({ outcome: 'updated', changes: expect.arrayContaining(['freeformTags']) });
    const { state } = scenario.stack.oci;
    const tags = state.domain
      ? Object.fromEntries(([...state.domain.users.values()][0]?.tags ?? []).map((t) => [t.key, t.value]))
      : (state.findUserByName(FIRST_NAME)?.freeformTags ?? {});
    expect(tags).toMatchObject({ manager: 'E100018', 'start-date': '2026-01-06' });
    expect(replay.writes).toBe(0);
  });

  it('a roster whose day is older than the last applied fact changes nothing for that person; a batch row older than it is stale', async () => {
    // Prepare: yesterday's roster (its facts are true as of the start of that day). Two people hired by
    // events later that day, one hired by an event without a time.
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const laterThatDay = `${day}T09:00:00.000Z`;
    scenario = await startInProcessScenario({
      ...(identityDomain ? { identityDomain } : {}),
      env: { BREAKER_MAX_USERS: '10', BREAKER_MAX_SHARE: '1' },
    });
    const person = (employeeId: string, name: string, extra: Record<string, unknown> = {}) =>
      hire({ employeeId, userName: `${name}@example.com`, email: `${name}@example.com`, roles: ['auditor'], ...extra });
    await scenario.onboard(person('R1', 'rina', { occurredAt: laterThatDay }));
    await scenario.onboard(person('R2', 'rolf', { occurredAt: laterThatDay }));
    await scenario.onboard(person('R3', 'ruth'));
    const { state } = scenario.stack.oci;
    state.putObject(
      scenario.stack.uploadBucket,
      'roster/day.csv',
      [
        'employeeId,userName,email,givenName,familyName,roles,compartment',
        'R1,rina@example.com,rina@example.com,Ada,Lovelace,developer,dev',
      ].join('\n'),
      'text/csv',
    );
    // Act: the roster (R1 moved to developer, R2 and R3 absent), then a batch row for R1 older than its fact.
    const roster = await scenario.onboard({ ...objectCreatedEvent(scenario.stack, 'roster/day.csv'), eventTime: `${day}T08:00:00Z` });
    const batch = await scenario.onboard([
      person('R1', 'rina', { roles: ['developer'], compartment: 'test', occurredAt: `${day}T08:59:00Z` }),
    ]);
    // Assess: R1 kept its groups (its row was stale), R2 stayed enabled (its leaver was stale), R3 (no time) left.
    expect((roster.result as unknown as BatchResult).status).toBe('complete');
    expect(accounts(scenario, 'R1')).toEqual([expect.objectContaining({ enabled: true, groups: ['auditors'] })]);
    expect(accounts(scenario, 'R2')).toEqual([expect.objectContaining({ enabled: true, groups: ['auditors'] })]);
    expect(accounts(scenario, 'R3')).toEqual([expect.objectContaining({ enabled: false, groups: [] })]);
    const rows = (batch.result as unknown as BatchResult).report.rows ?? [];
    expect(rows.map((r) => r.status)).toEqual(['stale']);
    // Nothing of the person is written; in a batch the role's group and policy are shared by every row and
    // are not held back for one stale row.
    const mark = batch.calls;
    const personal = scenario.stack.oci.requests
      .iamWrites(scenario.stack.oci.requests.mark() - mark)
      .filter((e) => !/^Create(Group|Policy)$/.test(e.operation));
    expect(personal).toEqual([]);
  });

  it("takes back an older event's membership write that lands after the newer event has finished", async () => {
    // Prepare: the joiner's first membership write is held up 1.5 s on its way to OCI.
    scenario = await start();
    const membershipWrite = identityDomain ? 'PatchGroup' : 'AddUserToGroup';
    scenario.stack.oci.faults.set([{ operations: [membershipWrite], latencyMs: 1500, count: 1 }]);
    const joiner = hire({ occurredAt: at(1) });
    const mover = hire({ roles: ['developer'], compartment: 'test', email: 'ada@example.org', occurredAt: at(2) });
    // Act: the mover arrives while the joiner's write is under way, and finishes before it lands.
    const [joined, moved] = await Promise.all([
      scenario.fn.invoke(JSON.stringify(joiner)),
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, 400));
        const other = startInProcess({ env: scenario?.stack.functionEnv ?? {} });
        second = other;
        return other.invoke(JSON.stringify(mover));
      })(),
    ]);
    // Assess: the mover's state, and the joiner says what it took back.
    expect((moved.json as OnboardingResult).status).toBe('succeeded');
    expect(accounts(scenario)).toEqual([expect.objectContaining({ email: 'ada@example.org', groups: ['developers-test'] })]);
    const joinerSteps = (joined.json as OnboardingResult).steps;
    expect(joinerSteps.some((s) => s.reason?.startsWith('taken back: a newer HR fact'))).toBe(true);
    expect((joined.json as OnboardingResult).status).toBe('stale');
  });

  it('refuses an occurredAt without an offset, naming the field', async () => {
    scenario = await start();
    const bad = await scenario.onboard(hire({ occurredAt: '2026-01-10T09:00:00' }));
    expect(bad.result.status).toBe('rejected');
    expect(bad.writes).toBe(0);
    expect(JSON.stringify(bad.result.errors)).toContain('occurredAt');
    expect(outcomes(bad.result)).toEqual([]);
  });
});
