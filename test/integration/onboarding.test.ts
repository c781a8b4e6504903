import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../fake-clock';
import { readFixture } from '../helpers';
import { newHire, outcomes, type Scenario, startInProcessScenario, startScenario } from './scenario';

describe('onboarding through the Fn FDK against the local OCI', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.stop();
    scenario = undefined;
  });

  it('onboards a new hire: user, groups, memberships, role policies, and an ONS report', async () => {
    // Prepare
    scenario = await startInProcessScenario();
    const { oci, topicId } = scenario.stack;
    // Act
    const { status, result, writes } = await scenario.onboard(newHire({ eventId: 'hr-2026-11-22-0001' }));
    // Assess
    expect(status).toBe(200);
    expect(result.status).toBe('succeeded');
    expect(outcomes(result)).toEqual([
      'user:ada.lovelace+oci@example.com:created',
      'group:developers-dev:created',
      'group:auditors:created',
      'membership:developers-dev:added',
      'membership:auditors:added',
      'policy:developers-dev:created',
      'policy:auditors:created',
      'console-password:ada.lovelace+oci@example.com:skipped',
    ]);
    expect(writes).toBe(7);
    const user = oci.state.findUserByName('ada.lovelace+oci@example.com');
    expect(user).toMatchObject({
      email: 'ada.lovelace@example.com',
      description: 'Ada Lovelace (employee E104233)',
      freeformTags: { 'employee-id': 'E104233' },
    });
    expect(result.userId).toBe(user?.id);
    expect(
      [...oci.state.policies.values()]
        .map((p) => p.name)
        .filter((name) => name !== scenario?.stack.functionGrant.policyName)
        .sort(),
    ).toEqual(['auditors', 'developers-dev']);
    expect(oci.requests.iamWrites().every((e) => e.region === oci.homeRegion)).toBe(true);
    const [message] = oci.state.messages(topicId);
    expect(message?.title).toBe('Onboarding succeeded: ada.lovelace+oci@example.com (E104233), 7 changed, 0 failed');
    const published = JSON.parse(message?.body.split('--- result (JSON) ---\n')[1] ?? '');
    expect(published).toMatchObject({
      status: 'succeeded',
      correlation: { callId: expect.any(String), eventId: 'hr-2026-11-22-0001' },
      employeeId: 'E104233',
      userId: user?.id,
    });
    expect(result.notification).toEqual({ published: true, messageId: message?.messageId });
  });

  it('makes no write at all when the same event is replayed, and reports everything unchanged', async () => {
    scenario = await startInProcessScenario();
    await scenario.onboard(newHire());
    const replay = await scenario.onboard(newHire());
    expect(replay.writes).toBe(0);
    expect(replay.result.status).toBe('succeeded');
    expect(replay.result.counts).toEqual({ created: 0, updated: 0, unchanged: 7, skipped: 1, failed: 0, added: 0, removed: 0, held: 0 });
    // The fewest calls that still prove convergence: (classic IAM cannot filter by tag) the invocation's
    // listing of users, which answers both the employee id and the user name, the account read again with
    // its ETag, 2 groups, 2 policies, memberships; then the report.
    expect(scenario.stack.oci.requests.counts(scenario.stack.oci.requests.mark() - replay.calls)).toEqual({
      ListUsers: { ok: 1 },
      GetUser: { ok: 1 },
      ListGroups: { ok: 2 },
      ListPolicies: { ok: 2 },
      ListUserGroupMemberships: { ok: 1 },
      PublishMessage: { ok: 1 },
    });
  });

  it('reports a step that failed mid-way with its opc-request-id, and a replay completes only what is left', async () => {
    // On a fake clock: the backoffs between the failed attempts pass at once.
    scenario = await startInProcessScenario({ faults: [{ operations: ['CreatePolicy'], status: 500 }], clock: new FakeClock(Date.now()) });
    const failed = await scenario.onboard(newHire());
    expect(failed.result.status).toBe('failed');
    const policySteps = failed.result.steps.filter((s) => s.step === 'policy');
    expect(policySteps.map((s) => s.outcome)).toEqual(['failed', 'failed']);
    expect(policySteps[0]?.error).toMatchObject({
      code: 'OCI_REQUEST_FAILED',
      operation: 'CreatePolicy',
      status: 500,
      ociCode: 'InternalServerError',
      opcRequestId: expect.stringMatching(/\//),
    });
    expect([failed.result.counts.created, failed.result.counts.added]).toEqual([3, 2]);
    scenario.stack.oci.faults.clear();
    const replay = await scenario.onboard(newHire());
    expect(replay.result.status).toBe('succeeded');
    expect(replay.writes).toBe(2);
    expect(outcomes(replay.result).filter((o) => o.endsWith(':created'))).toEqual([
      'policy:developers-dev:created',
      'policy:auditors:created',
    ]);
  });

  it('rejects bad input naming every bad field, and touches nothing in OCI', async () => {
    scenario = await startInProcessScenario();
    const bad = await scenario.onboard(readFixture('events', 'new-hire-invalid.json'));
    expect(bad.status).toBe(200);
    expect(bad.result.status).toBe('rejected');
    expect(bad.result.errors[0]?.code).toBe('INVALID_EVENT');
    expect(bad.result.errors[0]?.problems?.map((p) => p.path)).toEqual(
      expect.arrayContaining(['employeeId', 'userName', 'email', 'givenName', 'familyName', 'roles', 'startDate', '(root)']),
    );
    expect(bad.calls).toBe(0);
    const notJson = await scenario.onboard('{"employeeId": ');
    expect(notJson.result.errors[0]).toMatchObject({ code: 'INVALID_EVENT', message: 'The request body is not JSON' });
    const unknownRole = await scenario.onboard(newHire({ roles: ['developer', 'root'] }));
    expect(unknownRole.result).toMatchObject({ status: 'rejected', errors: [{ code: 'UNKNOWN_ROLE' }] });
    expect(unknownRole.writes).toBe(0);
    expect(scenario.stack.oci.state.messages(scenario.stack.topicId)).toHaveLength(0);
  });

  it('rides out throttling and server errors with backoff and completes', async () => {
    // Prepare: each rule fails the first calls of its operation, whichever concurrent call comes
    // first, so no call fails more than twice: within the default 5 attempts, on every run.
    const faults = [
      { operations: ['ListUsers'], status: 429 as const, count: 1 },
      { operations: ['ListUsers'], status: 503 as const, count: 1 },
      { operations: ['CreateUser'], status: 503 as const, count: 1 },
      { operations: ['ListGroups'], status: 500 as const, count: 1 },
      { operations: ['AddUserToGroup'], status: 429 as const, count: 1 },
      { operations: ['AddUserToGroup'], status: 503 as const, count: 1 },
    ];
    scenario = await startInProcessScenario({ faults, clock: new FakeClock(Date.now()) });
    // Act
    const { result } = await scenario.onboard(newHire());
    // Assess: every fault fired once and was retried; one user, two memberships, each written once.
    expect(result.status).toBe('succeeded');
    const counts = scenario.stack.oci.requests.counts();
    expect(Object.values(counts).reduce((sum, c) => sum + (c.fault ?? 0), 0)).toBe(faults.length);
    expect(counts.ListUsers?.fault).toBe(2);
    expect(counts.AddUserToGroup).toEqual({ fault: 2, ok: 2 });
    expect(counts.CreateUser).toEqual({ fault: 1, ok: 1 });
    expect(scenario.stack.oci.state.users.size).toBe(1);
    expect(scenario.stack.oci.state.memberships.size).toBe(2);
  });

  it('gives up within the invocation deadline, never the SDK default of 95 s, and answers', async () => {
    // Prepare: a warm function on a fake clock (its backoffs pass at once); every ListUsers then answers 503.
    const clock = new FakeClock(Date.now());
    scenario = await startInProcessScenario({ clock, env: { PUBLISH_RESERVE_MS: '1000', OCI_MAX_ATTEMPTS: '50' } });
    await scenario.onboard(newHire()); // warm: the home region is known
    scenario.stack.oci.faults.set([{ operations: ['ListUsers'], status: 503 }]);
    const started = clock.now();
    // Act
    const { status, result } = await scenario.onboard(newHire(), { deadlineMs: 4000 });
    // Assess: retried, then answered before the deadline on the function's own clock.
    expect(status).toBe(200);
    expect(scenario.stack.oci.requests.counts().ListUsers?.fault).toBeGreaterThanOrEqual(2);
    expect(clock.now() - started).toBeLessThan(4000);
    expect(result.status).toBe('failed');
    expect(result.errors[0]).toMatchObject({ code: 'OCI_REQUEST_FAILED', operation: 'ListUsers', status: 503 });
  });

  it('survives every call failing at once: answers, and the same process serves the next call', async () => {
    scenario = await startScenario();
    await scenario.onboard(newHire({ roles: ['auditor'] }));
    scenario.stack.oci.faults.set([{ status: 500 }]);
    const failed = await scenario.onboard(newHire({ userName: 'other@example.com', employeeId: 'E7' }), { deadlineMs: 5000 });
    expect(failed.result.status).toBe('failed');
    expect(scenario.fn.exit()).toBeUndefined();
    scenario.stack.oci.faults.clear();
    expect((await scenario.onboard(newHire({ userName: 'other@example.com', employeeId: 'E7' }))).result.status).toBe('succeeded');
    expect(scenario.fn.stdout.some((line) => line.includes('unhandled rejection'))).toBe(false);
  });

  it('keeps working in a warm container after a burst of failures (no circuit breaker left open)', async () => {
    scenario = await startInProcessScenario({
      faults: [{ operations: ['ListUsers'], status: 500, count: 100 }],
      env: { OCI_MAX_ATTEMPTS: '2' },
      clock: new FakeClock(Date.now()),
    });
    for (let i = 0; i < 12; i += 1) expect((await scenario.onboard(newHire())).result.status).toBe('failed');
    scenario.stack.oci.faults.clear();
    expect((await scenario.onboard(newHire())).result.status).toBe('succeeded');
  });

  it('plans without writing on a dry run, from the event or from config', async () => {
    scenario = await startInProcessScenario();
    const dry = await scenario.onboard(newHire({ dryRun: true }));
    expect(dry.result.status).toBe('dry-run');
    expect(dry.writes).toBe(0);
    expect(dry.result.steps.filter((s) => s.step !== 'console-password').map((s) => s.reason)).toEqual(
      ['create', 'create', 'create', 'add', 'add', 'create', 'create'].map((action) => `dry run: would ${action}`),
    );
    expect(scenario.stack.oci.state.messages(scenario.stack.topicId)).toHaveLength(0);
    await scenario.onboard(newHire());
    await scenario.stop();
    scenario = await startInProcessScenario({ env: { DRY_RUN: 'true' } });
    const fromConfig = await scenario.onboard(newHire({ roles: ['auditor'] }));
    expect([fromConfig.result.status, fromConfig.writes]).toEqual(['dry-run', 0]);
  });

  it('never lets the bootstrap password reach a log line, a response or an ONS message', async () => {
    const canary = 'Canary-Bootstrap-7f3a9c!';
    // A process of its own: every byte it writes, the SDK's and Node's included, is searched.
    scenario = await startScenario({ bootstrapPassword: canary, env: { LOG_LEVEL: 'debug' } });
    const bodies: string[] = [];
    for (const event of [newHire(), newHire(), newHire({ dryRun: true }), newHire({ roles: ['nope'] })])
      bodies.push(JSON.stringify((await scenario.onboard(event)).result));
    scenario.stack.oci.faults.set([{ status: 500 }]);
    bodies.push(JSON.stringify((await scenario.onboard(newHire({ userName: 'x@example.com', employeeId: 'E9' }))).result));
    const everything = [
      ...bodies,
      ...scenario.fn.stdout,
      ...scenario.fn.stderr,
      ...scenario.stack.oci.state.messages(scenario.stack.topicId).map((m) => `${m.title}${m.body}`),
    ].join('\n');
    expect(everything).not.toContain(canary);
    expect(scenario.fn.stdout.length).toBeGreaterThan(10);
  });

  it('publishes nothing silently: a failed publish is in the response and in the log', async () => {
    scenario = await startInProcessScenario({ faults: [{ operations: ['PublishMessage'], status: 503 }] });
    const { result } = await scenario.onboard(newHire());
    expect(result.status).toBe('succeeded');
    expect(result.notification).toMatchObject({ published: false, error: { code: 'PUBLISH_FAILED', status: 503 } });
    const logged = scenario.fn.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.find((l) => l.msg === 'onboarding result')).toMatchObject({
      result: { status: 'succeeded', userId: result.userId },
      // The container's memory as the call ends, for its growth from call to call.
      memoryMb: { rss: expect.any(Number), heapUsed: expect.any(Number), arrayBuffers: expect.any(Number) },
    });
    expect(logged.some((l) => l.level === 'error' && String(l.msg).startsWith('notification not published'))).toBe(true);
  });

  it('refuses to take over an existing user of the same name, and adds it to no group', async () => {
    scenario = await startInProcessScenario();
    const { oci } = scenario.stack;
    oci.state.users.set('ocid1.user.oc1..someone', {
      id: 'ocid1.user.oc1..someone',
      name: 'ada.lovelace+oci@example.com',
      description: 'someone else',
      freeformTags: {},
      capabilities: {},
      ...oci.state.lifecycle(),
    });
    const { result } = await scenario.onboard(newHire());
    expect(result.status).toBe('failed');
    expect(result.steps[0]).toMatchObject({ step: 'user', outcome: 'failed', error: { code: 'USER_NAME_CONFLICT' } });
    expect(result.steps.filter((s) => s.step === 'membership').map((s) => s.outcome)).toEqual(['skipped', 'skipped']);
    expect(oci.state.memberships.size).toBe(0);
  });

  it('waits out eventual consistency: a new group named in a policy, a user still CREATING', async () => {
    // Delays long enough that even a loaded machine reaches OCI inside them; attempts enough to outlast them.
    scenario = await startInProcessScenario({
      timing: { groupVisibilityDelayMs: 1500, activationDelayMs: 1000 },
      env: { OCI_MAX_ATTEMPTS: '12' },
    });
    const { result } = await scenario.onboard(newHire());
    expect(result.status).toBe('succeeded');
    const counts = scenario.stack.oci.requests.counts();
    expect(counts.CreatePolicy?.error ?? 0).toBeGreaterThan(0);
    expect(counts.AddUserToGroup?.error ?? 0).toBeGreaterThan(0);
  });

  it('updates a role policy that drifted, and leaves one OCI merely rewrote alone', async () => {
    scenario = await startInProcessScenario();
    await scenario.onboard(newHire());
    const { oci } = scenario.stack;
    const auditors = [...oci.state.policies.values()].find((p) => p.name === 'auditors');
    const developers = [...oci.state.policies.values()].find((p) => p.name === 'developers-dev');
    if (!auditors || !developers) throw new Error('policies were not created');
    auditors.statements = ['Allow group auditors to manage all-resources in tenancy'];
    developers.statements = developers.statements.map((s) => s.replace('Allow', 'ALLOW')).reverse();
    const { result, writes } = await scenario.onboard(newHire());
    expect(writes).toBe(1);
    expect(result.steps.filter((s) => s.step === 'policy').map((s) => [s.target, s.outcome, s.changes])).toEqual([
      ['developers-dev', 'unchanged', undefined],
      ['auditors', 'updated', ['statements']],
    ]);
    expect(auditors.statements).toEqual([
      'Allow group auditors to inspect all-resources in tenancy',
      'Allow group auditors to read audit-events in tenancy',
    ]);
  });
});
