import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchResult } from '../../src/core/response';
import { driveUpload, objectCreatedEvent, type UploadDriverOptions, uploadRecords } from '../../src/local-stack/upload-driver';
import { inProcessContainers, startInProcess } from '../in-process';
import { BUNDLE, type Scenario, startInProcessScenario } from './scenario';

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
/** The two days the rosters are run on: the event's time is the run's day, so nothing has to wait. */
const DAY1 = daysAgo(2);
const DAY2 = daysAgo(1);

const hire = (employeeId: string, name: string, roles: string[], compartment?: string) => ({
  employeeId,
  userName: `${name}@example.com`,
  email: `${name}@example.com`,
  givenName: name,
  familyName: 'Roster',
  roles,
  ...(compartment ? { compartment } : {}),
});

const HEADER = 'employeeId,userName,email,givenName,familyName,roles,compartment,startDate';
/** Anna moves from developer in dev to developer in test and auditor; Cleo stays; Dora joins on DAY2; Bert is absent. */
const ROSTER = [
  HEADER,
  'E201,anna@example.com,anna@example.com,anna,Roster,developer;auditor,test,',
  'E203,cleo@example.com,cleo@example.com,cleo,Roster,auditor,,',
  `E204,dora@example.com,dora@example.com,dora,Roster,auditor,,${DAY2}`,
].join('\n');
/** Leavers disabled one at a time, with the breaker out of the way and a short publish reserve. */
const ONE_LEAVER_AT_A_TIME = { BATCH_CONCURRENCY: '1', BREAKER_MAX_USERS: '10', BREAKER_MAX_SHARE: '1', PUBLISH_RESERVE_MS: '300' };
/** Only Dora: Anna and Cleo would leave, two users, over the breaker's limit of one. */
const SHRUNK = [HEADER, `E204,dora@example.com,dora@example.com,dora,Roster,auditor,,${DAY2}`].join('\n');

describe.each([
  ['classic IAM', undefined],
  ['an identity domain', 'Employees'],
])('roster reconciliation through the Fn FDK and the local OCI, %s', (_label, identityDomain) => {
  let scenario: Scenario;

  beforeAll(async () => {
    // On a domain the function paces itself to the type's published windows; not the subject here, so Premium.
    scenario = await startInProcessScenario({
      ...(identityDomain ? { identityDomain } : {}),
      env: { BREAKER_MAX_USERS: '1', ...(identityDomain ? { IDENTITY_DOMAIN_TYPE: 'premium' } : {}) },
    });
    // Three managed employees, then a hand-made account (no managed-by mark) and a hand-made group with Bert in it.
    const seeded = await scenario.onboard([
      hire('E201', 'anna', ['developer'], 'dev'),
      hire('E202', 'bert', ['auditor']),
      hire('E203', 'cleo', ['auditor']),
    ]);
    expect((seeded.result as unknown as BatchResult).status).toBe('complete');
    handMade(scenario, idOf(scenario, 'E202'));
  }, 60_000);
  afterAll(async () => {
    await scenario?.stop();
  });

  const upload = (name: string, content: string) =>
    scenario.stack.oci.state.putObject(scenario.stack.uploadBucket, name, content, 'text/csv');
  const eventFor = (name: string, day: string) => ({ ...objectCreatedEvent(scenario.stack, name), eventTime: `${day}T08:00:00Z` });
  const deliver = async (event: object) => {
    const mark = scenario.stack.oci.requests.mark();
    const { result, writes } = await scenario.onboard(event);
    const objectWrites = scenario.stack.oci.requests.entries(mark).filter((e) => e.operation === 'PutObject').length;
    return { result: result as unknown as BatchResult, writes, objectWrites };
  };

  /**
   * Onboards `absent` (employee id to name, auditors), who are not in SHRUNK, then uploads SHRUNK as
   * `name` and follows every continuation as OCI Functions would.
   */
  const shrinkWith = async (absent: Record<string, string>, name: string, options: Pick<UploadDriverOptions, 'deadlineMs' | 'env'>) => {
    await scenario.onboard(Object.entries(absent).map(([id, first]) => hire(id, first, ['auditor'])));
    const { oci } = scenario.stack;
    const mark = oci.requests.mark();
    const published = oci.state.messages(scenario.stack.topicId).length;
    const drive = (killWhen?: UploadDriverOptions['killWhen'], sweepEveryMs?: number) =>
      driveUpload({
        stack: scenario.stack,
        name,
        content: SHRUNK,
        entry: BUNDLE,
        ...options,
        // A kill needs a process; the rest runs in this one.
        ...(killWhen ? { killWhen } : { startContainer: inProcessContainers }),
        ...(sweepEveryMs ? { sweepEveryMs } : {}),
      });
    return { leavers: Object.keys(absent), mark, published, drive };
  };

  it('processes the rows as hires, takes away a managed user absent from the roster, leaves hand-made users and groups alone, and a replay writes nothing', async () => {
    // Prepare
    upload('roster/people.csv', ROSTER);
    const event = eventFor('roster/people.csv', DAY1);
    // Act
    const run = await deliver(event);
    const replay = await deliver(event);
    // Assess: the rows (a mover, an unchanged employee, a joiner who starts on DAY2)
    expect(run.result.status).toBe('complete');
    expect(run.result.report.counts).toMatchObject({ succeeded: 3, failed: 0, rejected: 0 });
    expect(observe(scenario, 'E201')).toMatchObject({ enabled: true, groups: ['auditors', 'developers-test'] });
    expect(observe(scenario, 'E203')).toMatchObject({ enabled: true, groups: ['auditors'] });
    expect(observe(scenario, 'E204')).toMatchObject({ enabled: false, groups: ['auditors'] });
    // Assess: the leaver, effective the run's day; its hand-made group kept; the hand-made account untouched
    const roster = run.result.report.roster;
    expect(roster).toMatchObject({ day: DAY1, counts: { leavers: 1, left: 1, failed: 0, alreadyLeft: 0 }, breaker: { held: false } });
    expect(roster?.runId).toMatch(new RegExp(`^roster-${DAY1}-[0-9a-f]{16}$`));
    expect(roster?.leavers.map((l) => [l.employeeId, l.status])).toEqual([['E202', 'left']]);
    expect(roster?.leavers[0]?.steps.find((s) => s.step === 'sign-in')?.reason).toBe(
      `left on ${DAY1} (absent from roster roster/people.csv)`,
    );
    expect(observe(scenario, 'E202')).toMatchObject({ enabled: false, groups: ['on-call-helpers'], leftOn: DAY1 });
    expect(observe(scenario, 'E299')).toMatchObject({ enabled: true, groups: ['on-call-helpers'] });
    const [message] = scenario.stack.oci.state.messages(scenario.stack.topicId).slice(-1);
    expect(message?.body).toContain(`Roster run ${roster?.runId} (day ${DAY1}): 1 leaver(s): left 1`);
    // Assess: the replay
    expect(replay.result.status).toBe('duplicate');
    expect(replay.writes).toBe(0);
  }, 30_000);

  it("enables a joiner whose start date has come with the next day's run of the same file, and does not look at who left before", async () => {
    // Act
    const run = await deliver(eventFor('roster/people.csv', DAY2));
    // Assess
    expect(run.result.status).toBe('complete');
    expect(run.result.report.roster).toMatchObject({ day: DAY2, counts: { leavers: 0, alreadyLeft: 1 } });
    expect(observe(scenario, 'E204')).toMatchObject({ enabled: true });
    expect(run.writes).toBe(1);
  }, 30_000);

  it('holds a run that would take away more users than allowed, until an administrator approves that run', async () => {
    // Prepare
    upload('roster/people.csv', SHRUNK);
    const event = eventFor('roster/people.csv', DAY2);
    const messages = () => scenario.stack.oci.state.messages(scenario.stack.topicId).length;
    const published = messages();
    // Act
    const held = await deliver(event);
    // Assess: nobody taken away, the count, the limit, a sample, and the object that approves it
    expect(held.result.status).toBe('held');
    expect(held.writes).toBe(0);
    const breaker = held.result.report.roster?.breaker;
    expect(breaker).toMatchObject({ held: true, count: 2, limit: 1, sample: ['E201', 'E203'] });
    const runId = breaker?.runId ?? '';
    expect(breaker?.approvalObject).toEqual({ bucket: scenario.stack.stateBucket, name: `.onboarding/approvals/${runId}.json` });
    expect(held.result.report.roster?.leavers.map((l) => l.status)).toEqual(['held', 'held']);
    expect(observe(scenario, 'E201')?.enabled).toBe(true);
    expect(observe(scenario, 'E203')?.enabled).toBe(true);
    const message = scenario.stack.oci.state.messages(scenario.stack.topicId).at(-1);
    expect(message?.title).toMatch(/^Onboarding roster held: .*2 leavers held for approval$/);
    expect(message?.body).toContain(
      `To approve: write the object .onboarding/approvals/${runId}.json to the bucket ${scenario.stack.stateBucket}`,
    );
    expect(message?.body).toContain(JSON.stringify({ runId, users: 2, approvedBy: '<your name or e-mail>' }));
    expect(messages()).toBe(published + 1);

    // Act: delivered again with no approval, then with a malformed one, then one for fewer users than leave
    const again = await deliver(event);
    const toldAfterAgain = messages();
    const approve = (body: unknown) =>
      scenario.stack.oci.state.putObject(
        scenario.stack.stateBucket,
        `.onboarding/approvals/${runId}.json`,
        JSON.stringify(body),
        'application/json',
      );
    approve({ runId, user: 2 });
    const malformed = await deliver(event);
    approve({ runId, users: 1 });
    const tooFew = await deliver(event);
    // Assess: still held each time, nothing written to IAM; without an approval not even the record
    expect([again.result.status, again.writes, again.objectWrites]).toEqual(['held', 0, 0]);
    expect(toldAfterAgain).toBe(published + 1);
    expect([malformed.result.status, malformed.writes]).toEqual(['held', 0]);
    expect(malformed.result.report.roster?.breaker?.approvalProblem).toMatch(
      /^the approval is not valid \(users: Required; \(object\): Unrecognized key/,
    );
    expect([tooFew.result.status, tooFew.writes]).toEqual(['held', 0]);
    expect(tooFew.result.report.roster?.breaker?.reason).toMatch(/\(the approval allows 1\)/);
    // An approval that does not suffice is a new decision: the administrators are told again.
    expect(messages()).toBe(published + 2);

    // Act: approved; then the same event once more
    approve({ runId, users: 2, approvedBy: 'it-ops@example.com' });
    // A dry run first: the same code on both paths, so planned on one, for time.
    const dry = identityDomain ? undefined : await dryRun(scenario, event);
    const approved = await deliver(event);
    const replay = await deliver(event);
    // Assess
    expect(approved.result.status).toBe('complete');
    expect(approved.result.report.roster).toMatchObject({ counts: { leavers: 2, left: 2, failed: 0 }, breaker: { held: false } });
    expect(approved.result.report.roster?.breaker?.reason).toBe('2 users leave, over the limit of 1: approved by it-ops@example.com');
    expect(observe(scenario, 'E201')).toMatchObject({ enabled: false, groups: [], leftOn: DAY2 });
    expect(observe(scenario, 'E203')).toMatchObject({ enabled: false, groups: [], leftOn: DAY2 });
    expect(observe(scenario, 'E204')).toMatchObject({ enabled: true, groups: ['auditors'] });
    expect(observe(scenario, 'E299')?.enabled).toBe(true);
    expect(replay.result.status).toBe('duplicate');
    expect(replay.writes).toBe(0);
    if (dry) {
      // The dry run listed the disables and removals before they happened, and wrote nothing.
      expect(dry.writes).toBe(0);
      expect(dry.result).toMatchObject({ status: 'dry-run', report: { roster: { breaker: { held: false, count: 2 } } } });
      expect(dry.result.report.roster?.leavers.map((l) => [l.employeeId, l.status])).toEqual([
        ['E201', 'dry-run'],
        ['E203', 'dry-run'],
      ]);
      expect(dry.result.report.roster?.leavers[0]?.steps.map((s) => s.reason)).toEqual([
        `dry run: would update (left-on): marked as left on ${DAY2}`,
        `dry run: would update (disable): left on ${DAY2} (absent from roster roster/people.csv)`,
        'dry run: would remove: the employee left',
        'dry run: would remove: the employee left',
      ]);
    }
  }, 60_000);

  // One path is enough for the hand-off: it is the same code on both, and each run costs a few seconds.
  it.runIf(identityDomain === undefined)(
    'resumes a leaver phase cut short by the deadline in a continuation, each leaver written once',
    async () => {
      // Prepare: four more employees who will be absent; each sign-in change takes 0.9 s; one leaver at a time.
      // Their 3.6 s of disables cannot fit in one invocation's 2.7 s of working time (5 s less the 0.3 s
      // publish and 2 s report reserves), however fast the machine: with two, a fast run did both at once.
      const { leavers, mark, drive } = await shrinkWith({ E205: 'erik', E206: 'fay', E207: 'gus', E208: 'hal' }, 'roster/deadline.csv', {
        deadlineMs: 5000,
        env: ONE_LEAVER_AT_A_TIME,
      });
      const { oci } = scenario.stack;
      oci.faults.set([{ operations: ['UpdateUserCapabilities'], latencyMs: 900 }]);
      // Act: today's roster, followed through every continuation as OCI Functions would
      const run = await drive();
      oci.faults.clear();
      // Assess: an invocation handed the phase on; the last one finished it; every leaver disabled exactly once
      expect(run.errors).toEqual([]);
      expect(run.status).toBe('complete');
      const handedOn = run.answers.filter((a) => a.kind === 'batch' && a.status === 'finishing' && a.report.roster);
      expect(handedOn.length).toBeGreaterThanOrEqual(1);
      expect((handedOn[0] as BatchResult).report.roster?.counts.notStarted).toBeGreaterThan(0);
      // The last invocation went through all four: those taken away before the hand-off count as unchanged.
      const counts = (run.final as BatchResult).report.roster?.counts;
      expect(counts).toMatchObject({ leavers: leavers.length, failed: 0, notStarted: 0 });
      expect((counts?.left ?? 0) + (counts?.unchanged ?? 0)).toBe(leavers.length);
      for (const id of leavers) expect(observe(scenario, id)).toMatchObject({ enabled: false, groups: [] });
      const disables = oci.requests.entries(mark).filter((e) => e.operation === 'UpdateUserCapabilities' && e.outcome === 'ok');
      expect(disables).toHaveLength(leavers.length);
      expect(oci.state.messages(scenario.stack.topicId).at(-1)?.title).toMatch(/^Onboarding roster complete: roster\/deadline.csv/);
    },
    60_000,
  );

  it.runIf(identityDomain === undefined)(
    'finishes by itself when the finisher is killed in the leaver phase: its finish message comes back, each leaver written once',
    async () => {
      // Prepare: two more employees who will be absent; each sign-in change takes 1.5 s; one leaver at a time.
      const { leavers, mark, published, drive } = await shrinkWith({ E209: 'ivy', E210: 'jon' }, 'roster/killed.csv', {
        deadlineMs: 10_000,
        env: ONE_LEAVER_AT_A_TIME,
      });
      const { oci } = scenario.stack;
      oci.faults.set([{ operations: ['UpdateUserCapabilities'], latencyMs: 1500 }]);
      const record = () => uploadRecords(scenario.stack).find((r) => r.source.object === 'roster/killed.csv');
      let killedIn: string | undefined;
      const killWhen = () => {
        // The one invocation of this one-chunk run holds the finish message once it disables its first leaver.
        const disabling = oci.requests.entries(mark).some((e) => e.operation === 'UpdateUser');
        if (!disabling || record()?.status !== 'finishing') return false;
        killedIn = record()?.status;
        return true;
      };
      // Act: the finisher's process is killed (SIGKILL) in its leaver phase; nothing delivers the event
      // again: the finish message comes back when its visibility ends, and the schedule's sweep starts a worker for it.
      const run = await drive(killWhen, 1500);
      oci.faults.clear();
      // Assess: the finisher died; another holder of the finish message finished the run once; every leaver disabled exactly once
      expect(killedIn).toBe('finishing');
      expect(run.errors).toEqual([expect.stringMatching(/died during the call/)]);
      expect(run.status).toBe('complete');
      expect(record()).toMatchObject({ status: 'complete' });
      for (const id of leavers) expect(observe(scenario, id)).toMatchObject({ enabled: false, groups: [] });
      const disables = oci.requests.entries(mark).filter((e) => e.operation === 'UpdateUserCapabilities' && e.outcome === 'ok');
      expect(disables).toHaveLength(leavers.length);
      const messages = oci.state.messages(scenario.stack.topicId).slice(published);
      expect(messages.map((m) => m.title)).toEqual([expect.stringMatching(/^Onboarding roster complete: roster\/killed.csv/)]);
    },
    90_000,
  );

  it.runIf(identityDomain === undefined)(
    'holds a run once: no worker runs the leaver phase again, and the administrators are told once',
    async () => {
      // Prepare: two more employees who will be absent, over the limit of one. Every ListUsers takes 3 s
      // (one for the row, one for the leaver phase).
      const { leavers, mark, published, drive } = await shrinkWith({ E211: 'kim', E212: 'lea' }, 'roster/held.csv', {
        deadlineMs: 20_000,
        env: { BREAKER_MAX_USERS: '1', PUBLISH_RESERVE_MS: '300' },
      });
      const { oci } = scenario.stack;
      oci.faults.set([{ operations: ['ListUsers'], latencyMs: 3000 }]);
      // Act
      const run = await drive();
      oci.faults.clear();
      // Assess: held once, nobody taken away, told once
      expect(run.errors).toEqual([]);
      expect(run.status).toBe('held');
      expect(run.answers.filter((a) => a.kind === 'batch' && a.status === 'held' && a.final !== false)).toHaveLength(1);
      for (const id of leavers) expect(observe(scenario, id)?.enabled).toBe(true);
      expect(oci.requests.entries(mark).filter((e) => e.iamWrite)).toEqual([]);
      const messages = oci.state.messages(scenario.stack.topicId).slice(published);
      expect(messages.map((m) => m.title)).toEqual([expect.stringMatching(/^Onboarding roster held: roster\/held.csv/)]);
    },
    60_000,
  );
});

/** A dry run of the same delivery, by a function configured with DRY_RUN. */
async function dryRun(scenario: Scenario, event: object) {
  const fn = startInProcess({ env: { ...scenario.stack.functionEnv, DRY_RUN: 'true' } });
  try {
    const mark = scenario.stack.oci.requests.mark();
    const response = await fn.invoke(JSON.stringify(event));
    const writes = scenario.stack.oci.requests.entries(mark).filter((e) => e.iamWrite || e.operation === 'PutObject').length;
    return { result: response.json as BatchResult, writes };
  } finally {
    await fn.stop();
  }
}

const idOf = (scenario: Scenario, employeeId: string) => observe(scenario, employeeId)?.id ?? '';

/** What OCI holds of an employee, the same way on both paths. */
function observe(scenario: Scenario, employeeId: string) {
  const { state } = scenario.stack.oci;
  if (state.domain) {
    const domain = state.domain;
    const user = [...domain.users.values()].find((u) => u.externalId === employeeId);
    if (!user) return undefined;
    const groups = [...domain.groups.values()].filter((g) => g.members.has(user.id)).map((g) => g.displayName);
    return { id: user.id, enabled: user.active, groups: groups.sort(), leftOn: user.tags?.find((t) => t.key === 'left-on')?.value };
  }
  const user = [...state.users.values()].find((u) => u.freeformTags['employee-id'] === employeeId);
  if (!user) return undefined;
  const groups = [...state.memberships.values()].filter((m) => m.userId === user.id).map((m) => state.groups.get(m.groupId)?.name ?? '');
  // Classic IAM cannot disable a user: every capability off is what the function does.
  return {
    id: user.id,
    enabled: Object.values(user.capabilities).some(Boolean),
    groups: groups.sort(),
    leftOn: user.freeformTags['left-on'],
  };
}

/**
 * What an administrator made by hand: an account for employee E299 without the managed-by mark, and a
 * group `on-call-helpers` with that account and the managed user `memberId` in it. No roster touches them.
 */
function handMade(scenario: Scenario, memberId: string): void {
  const { state } = scenario.stack.oci;
  if (state.domain) {
    state.domain.users.set('handmade-user', {
      id: 'handmade-user',
      ocid: 'ocid1.user.oc1..handmade',
      userName: 'break.glass@example.com',
      externalId: 'E299',
      name: { givenName: 'Break', familyName: 'Glass' },
      emails: [{ value: 'break.glass@example.com', type: 'work', primary: true }],
      active: true,
      notified: false,
      created: new Date(),
    });
    state.domain.groups.set('handmade', {
      id: 'handmade',
      ocid: 'ocid1.group.oc1..handmade',
      displayName: 'on-call-helpers',
      members: new Set([memberId, 'handmade-user']),
      created: new Date(),
    });
    return;
  }
  const lifecycle = state.lifecycle();
  const capabilities = Object.fromEntries(Object.keys(state.users.get(memberId)?.capabilities ?? {}).map((k) => [k, true]));
  state.users.set('ocid1.user.oc1..handmade', {
    id: 'ocid1.user.oc1..handmade',
    name: 'break.glass@example.com',
    description: 'by hand',
    freeformTags: { 'employee-id': 'E299' },
    capabilities,
    ...lifecycle,
  });
  state.groups.set('ocid1.group.oc1..handmade', {
    id: 'ocid1.group.oc1..handmade',
    name: 'on-call-helpers',
    description: 'by hand',
    freeformTags: {},
    ...lifecycle,
  });
  for (const userId of [memberId, 'ocid1.user.oc1..handmade'])
    state.memberships.set(`ocid1.groupmembership.oc1..handmade-${userId.slice(-6)}`, {
      id: `ocid1.groupmembership.oc1..handmade-${userId.slice(-6)}`,
      userId,
      groupId: 'ocid1.group.oc1..handmade',
      ...lifecycle,
    });
}
