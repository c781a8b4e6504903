import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchResult } from '../../src/core/result';
import { fixtureJson } from '../helpers';
import { newHire, type Scenario, startScenario } from './scenario';

/** An OCI Events object-create event for an object in the scenario's upload bucket. */
function objectEvent(scenario: Scenario, name: string, eventID = randomUUID()) {
  const event = fixtureJson('envelopes', 'oci-event-createobject.json') as {
    eventID: string;
    data: { resourceName: string; additionalDetails: Record<string, string> };
  };
  event.eventID = eventID;
  event.data.resourceName = name;
  event.data.additionalDetails.namespace = scenario.stack.oci.state.namespace;
  event.data.additionalDetails.bucketName = scenario.stack.uploadBucket;
  return event;
}

const HEADER = 'employeeId,userName,email,givenName,familyName,roles,compartment,startDate';
const row = (n: number, roles = 'developer', compartment = 'dev', startDate = '2026-01-05') =>
  `E${n},person${n}@example.com,person${n}@example.com,Person,Number ${n},${roles},${compartment},${startDate}`;
const roster = (...rows: string[]) => `${[HEADER, ...rows].join('\n')}\n`;
const hireOf = (n: number) =>
  newHire({
    eventId: undefined,
    employeeId: `E${n}`,
    userName: `person${n}@example.com`,
    email: `person${n}@example.com`,
    givenName: 'Person',
    familyName: `Number ${n}`,
    roles: ['developer', 'auditor'],
    startDate: '2026-01-05',
  });

/** Sign-in of an employee's user, the same way on both paths; undefined when there is no such user. */
function signIn(scenario: Scenario, employeeId: string): boolean | undefined {
  const { state } = scenario.stack.oci;
  if (state.domain) return [...state.domain.users.values()].find((u) => u.externalId === employeeId)?.active;
  const user = [...state.users.values()].find((u) => u.freeformTags['employee-id'] === employeeId);
  return user?.capabilities.canUseConsolePassword;
}

describe.each([
  ['classic IAM', undefined],
  ['an identity domain', 'Employees'],
])('roster reconciliation through the Fn FDK, %s', (_label, identityDomain) => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.stop();
    scenario = undefined;
  });
  const start = (env?: Record<string, string>) => startScenario({ ...(identityDomain ? { identityDomain } : {}), ...(env ? { env } : {}) });
  const upload = async (s: Scenario, name: string, text: string) => {
    s.stack.oci.state.putObject(s.stack.uploadBucket, name, text, 'text/csv');
    const run = await s.onboard(objectEvent(s, name));
    return { ...run, batch: run.result as unknown as BatchResult };
  };

  it('derives joiners, movers and leavers from a full roster, leaves an unmanaged user alone, and a second roster run writes nothing', async () => {
    // Prepare: three managed employees, and one account made by hand that carries an employee id
    scenario = await start();
    for (const n of [1, 2, 3]) expect((await scenario.onboard(hireOf(n))).result.status).toBe('succeeded');
    const handMade = await scenario.onboard(hireOf(9));
    expect(handMade.result.status).toBe('succeeded');
    const { state } = scenario.stack.oci;
    if (state.domain) {
      for (const u of state.domain.users.values()) if (u.externalId === 'E9') u.tags = [];
    } else {
      for (const u of state.users.values()) if (u.freeformTags['employee-id'] === 'E9') u.freeformTags = { 'employee-id': 'E9' };
    }
    // Act: E1 moves to developer in test, E2 stays, E3 is absent, E4 joins, E5 joins later
    const text = roster(row(1, 'developer', 'test'), row(2, 'developer;auditor'), row(4), row(5, 'auditor', 'dev', '2099-03-01'));
    const run = await upload(scenario, 'roster/2026-12-01.csv', text);
    // Assess
    expect(run.batch.status).toBe('complete');
    expect(run.batch.report.rows.map((r) => [r.employeeId, r.status])).toEqual([
      ['E1', 'succeeded'],
      ['E2', 'succeeded'],
      ['E4', 'succeeded'],
      ['E5', 'succeeded'],
    ]);
    const mover = run.batch.report.rows[0]?.steps.map((s) => `${s.step}:${s.target}:${s.outcome}`);
    expect(mover).toEqual(
      expect.arrayContaining(['membership:developers-test:added', 'membership:developers-dev:removed', 'membership:auditors:removed']),
    );
    expect(run.batch.report.roster?.leavers.map((l) => [l.employeeId, l.status])).toEqual([['E3', 'succeeded']]);
    expect(run.batch.report.roster?.breaker).toMatchObject({ held: false, count: 1, managed: 5 });
    expect([
      signIn(scenario, 'E1'),
      signIn(scenario, 'E3'),
      signIn(scenario, 'E4'),
      signIn(scenario, 'E5'),
      signIn(scenario, 'E9'),
    ]).toEqual([true, false, true, false, true]);

    // Act: the same roster delivered again, then uploaded under another name (a full second run)
    const again = await scenario.onboard(objectEvent(scenario, 'roster/2026-12-01.csv'));
    const second = await upload(scenario, 'roster/2026-12-01-copy.csv', text);
    // Assess
    expect(again.result).toMatchObject({ kind: 'notice', status: 'duplicate' });
    expect(again.writes).toBe(0);
    expect(second.batch.status).toBe('complete');
    expect(second.writes).toBe(0);
    expect(second.batch.report.roster?.leavers.map((l) => l.steps.map((s) => s.outcome))).toEqual([['unchanged', 'unchanged']]);

    // Act: the first roster on or after E5's start date (here: HR's export now carries today)
    const today = new Date().toISOString().slice(0, 10);
    const onStart = await upload(scenario, 'roster/later.csv', text.replace('2099-03-01', today));
    // Assess
    expect(onStart.batch.report.rows.find((r) => r.employeeId === 'E5')?.steps.map((s) => `${s.step}:${s.outcome}`)).toContain(
      'sign-in:updated',
    );
    expect(signIn(scenario, 'E5')).toBe(true);
    expect(onStart.writes).toBe(1 + (identityDomain ? 0 : 1));
  });

  it('holds a roster that would disable too many users, lets its joiners in, and proceeds once an administrator approves that run', async () => {
    // Prepare
    scenario = await start({ BREAKER_MAX_USERS: '2' });
    for (const n of [1, 2, 3]) await scenario.onboard(hireOf(n));
    const name = 'roster/truncated.csv';
    const eventId = randomUUID();
    scenario.stack.oci.state.putObject(scenario.stack.uploadBucket, name, roster(row(4)), 'text/csv');
    // Act
    const held = await scenario.onboard(objectEvent(scenario, name, eventId));
    // Assess
    const batch = held.result as unknown as BatchResult;
    expect(batch.status).toBe('held');
    const breaker = batch.report.roster?.breaker;
    expect(breaker).toMatchObject({ held: true, count: 3, limit: 1, managed: 4, sample: ['E1', 'E2', 'E3'] });
    expect(batch.report.roster?.leavers.map((l) => l.steps[0]?.outcome)).toEqual(['held', 'held', 'held']);
    expect([signIn(scenario, 'E1'), signIn(scenario, 'E2'), signIn(scenario, 'E3'), signIn(scenario, 'E4')]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    const message = scenario.stack.oci.state.messages(scenario.stack.topicId).at(-1);
    expect(message?.body).toContain(`HELD: 3 of 4 managed users would be disabled or deleted, over the limit of 1`);

    // Act: an approval for another number is not enough; one naming this run and its count is
    const { stateBucket } = scenario.stack;
    scenario.stack.oci.state.putObject(stateBucket, breaker?.approvalObject ?? '', JSON.stringify({ runId: breaker?.runId, users: 2 }));
    const stillHeld = await scenario.onboard(objectEvent(scenario, name, eventId));
    scenario.stack.oci.state.putObject(
      stateBucket,
      breaker?.approvalObject ?? '',
      JSON.stringify({ runId: breaker?.runId, users: 3, approvedBy: 'it-ops@example.com' }),
    );
    const approved = await scenario.onboard(objectEvent(scenario, name, eventId));
    const replay = await scenario.onboard(objectEvent(scenario, name, eventId));
    // Assess
    expect((stillHeld.result as unknown as BatchResult).status).toBe('held');
    expect(stillHeld.writes).toBe(0);
    const done = approved.result as unknown as BatchResult;
    expect(done.status).toBe('complete');
    expect(done.report.roster?.breaker?.reason).toBe('3 users leave, over the limit of 1: approved by it-ops@example.com');
    expect([signIn(scenario, 'E1'), signIn(scenario, 'E2'), signIn(scenario, 'E3'), signIn(scenario, 'E4')]).toEqual([
      false,
      false,
      false,
      true,
    ]);
    expect(replay.result).toMatchObject({ kind: 'notice', status: 'duplicate' });
    expect(replay.writes).toBe(0);
  });
});
