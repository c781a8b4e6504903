import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchResult, NoticeResult } from '../../src/core/response';
import type { OnboardingResult } from '../../src/core/result';
import { signWebhook } from '../../src/triggers/webhook';
import { FakeClock } from '../fake-clock';
import { fixtureJson, readFixture } from '../helpers';
import { newHire, type Scenario, startInProcessScenario, startScenario } from './scenario';

const asBatch = (result: unknown) => result as BatchResult;

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
const upload = (scenario: Scenario, name: string, text: string, type = 'text/csv') =>
  scenario.stack.oci.state.putObject(scenario.stack.uploadBucket, name, text, type);
const objectText = (scenario: Scenario, name: string) =>
  scenario.stack.oci.state.buckets.get(scenario.stack.uploadBucket)?.get(name)?.body.toString('utf8');

/** A CSV of `count` hires; every 50th has a bad e-mail and every 97th an unknown role. */
function bigCsv(count: number): { text: string; bad: number } {
  const lines = ['employeeId,userName,email,givenName,familyName,roles,compartment'];
  let bad = 0;
  for (let i = 1; i <= count; i += 1) {
    const broken = i % 50 === 0 || i % 97 === 0;
    if (broken) bad += 1;
    const email = i % 50 === 0 ? 'not-an-email' : `hire${i}@example.com`;
    const roles = i % 97 === 0 ? 'astronaut' : i % 2 ? 'developer;auditor' : 'auditor';
    lines.push(`E${String(i).padStart(5, '0')},hire${i}@example.com,${email},Hire,Nümber ${i},${roles},${i % 3 ? 'dev' : 'test'}`);
  }
  return { text: `${lines.join('\r\n')}\r\n`, bad };
}

// Each trigger once through the real FDK over its socket (`startScenario`): an OCI Events upload, an ONS
// delivery, an OCI event through ONS, a JSON array, an API Gateway request. The rest runs in-process.
describe('every trigger, through the Fn FDK and the local OCI', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.stop();
    scenario = undefined;
  });

  it('processes an uploaded CSV from an OCI Events object event: good rows onboarded, bad rows reported, reports beside the upload', async () => {
    // Prepare
    scenario = await startScenario();
    upload(scenario, 'incoming/hires.csv', readFixture('uploads', 'hires.csv'));
    // Act
    const { result } = await scenario.onboard(objectEvent(scenario, 'incoming/hires.csv'));
    // Assess
    const batch = asBatch(result);
    expect(batch.kind).toBe('batch');
    expect(batch.report.counts).toMatchObject({ succeeded: 3, rejected: 2, unreadable: 1, failed: 0 });
    const csv = objectText(scenario, 'incoming/hires.csv.report.csv') ?? '';
    const byLine = Object.fromEntries(csv.split('\r\n').map((l) => [l.split(',')[0], l]));
    expect(byLine['4']).toMatch(/^4,rejected,.*email: /);
    expect(byLine['5']).toMatch(/^5,rejected,.*has 3 fields; the header has 9/);
    // A line break inside a quoted name is read, then refused: names hold no control characters.
    expect(byLine['6']).toMatch(/^6,rejected,.*givenName: /);
    expect(JSON.parse(objectText(scenario, 'incoming/hires.csv.report.json') ?? '{}')).toMatchObject({
      status: 'complete',
      counts: { succeeded: 3 },
    });
    expect(objectText(scenario, 'incoming/hires.csv.report.csv')).toMatch(
      /^line,status,employeeId,userName,userId,writes,detail\r\n2,succeeded,C0001,zoe.nandu@example.com,ocid1\.user/,
    );
    const [message] = scenario.stack.oci.state.messages(scenario.stack.topicId);
    expect(batch.status).toBe('complete');
    expect(message?.title).toBe('Onboarding batch complete: incoming/hires.csv, 3 succeeded, 3 not');
    expect(message?.body).toContain('Reports: incoming/hires.csv.report.json and incoming/hires.csv.report.csv');
    expect([...scenario.stack.oci.state.users.values()].map((u) => u.name).sort()).toEqual([
      'ada.byron@example.com',
      'akira.k@example.com',
      'zoe.nandu@example.com',
    ]);
  });

  it('writes nothing for a re-delivered event or the same file uploaded again, and ignores its own reports', async () => {
    scenario = await startInProcessScenario();
    upload(scenario, 'incoming/hires.csv', readFixture('uploads', 'hires.csv'));
    const event = objectEvent(scenario, 'incoming/hires.csv');
    await scenario.onboard(event);
    const again = await scenario.onboard(event);
    expect(again.result).toMatchObject({ kind: 'notice', status: 'duplicate' });
    expect(again.writes).toBe(0);
    upload(scenario, 'incoming/hires.csv', readFixture('uploads', 'hires.csv'));
    const reuploaded = await scenario.onboard(objectEvent(scenario, 'incoming/hires.csv'));
    expect([(reuploaded.result as unknown as NoticeResult).status, reuploaded.writes]).toEqual(['duplicate', 0]);
    const report = await scenario.onboard(objectEvent(scenario, 'incoming/hires.csv.report.json'));
    expect(report.result).toMatchObject({ kind: 'notice', status: 'ignored', reason: expect.stringMatching(/written by this function/) });
    expect(report.calls).toBe(0);
    expect(scenario.stack.oci.state.messages(scenario.stack.topicId)).toHaveLength(1);
  });

  it('onboards 500 rows from a CSV with deliberately bad rows, ensuring each group and policy once', async () => {
    scenario = await startInProcessScenario({ env: { OCI_MAX_ATTEMPTS: '8' } });
    const { text, bad } = bigCsv(500);
    upload(scenario, 'incoming/big.csv', text);
    const { result } = await scenario.onboard(objectEvent(scenario, 'incoming/big.csv'), { deadlineMs: 120_000 });
    const batch = asBatch(result);
    expect(batch.report.counts).toMatchObject({ succeeded: 500 - bad, rejected: bad, failed: 0, notStarted: 0 });
    const csv = objectText(scenario, 'incoming/big.csv.report.csv') ?? '';
    expect(csv).toMatch(/\r\n51,rejected,E00050,.*email: /);
    expect(csv).toMatch(/\r\n98,rejected,E00097,.*unknown role ""astronaut""/);
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(501);
    const counts = scenario.stack.oci.requests.counts();
    // developers-dev, developers-test, auditors: each looked up and created once for the whole batch.
    expect(counts.ListGroups).toEqual({ ok: 3 });
    expect(counts.CreateGroup).toEqual({ ok: 3 });
    expect(counts.CreatePolicy).toEqual({ ok: 3 });
    expect(counts.CreateUser).toEqual({ ok: 500 - bad });
  }, 120_000);

  it('stops starting hires before the deadline, records where it is, and the next delivery completes without repeating work', async () => {
    // Prepare: no FN_FN_ID here, so no continuation: the second delivery is what resumes.
    scenario = await startInProcessScenario({ faults: [{ latencyMs: 30 }], env: { BATCH_CONCURRENCY: '2', PUBLISH_RESERVE_MS: '1000' } });
    const { text, bad } = bigCsv(60);
    upload(scenario, 'incoming/slow.csv', text);
    const event = objectEvent(scenario, 'incoming/slow.csv');
    // Act
    const first = asBatch((await scenario.onboard(event, { deadlineMs: 5000 })).result);
    // Assess: running, as its run record says, not published (the invocation that finishes publishes once).
    expect(first).toMatchObject({ status: 'running', final: false, report: { status: 'running' } });
    expect(first.report.counts.notStarted).toBeGreaterThan(0);
    expect(first.report.counts.succeeded + first.report.counts.rejected + first.report.counts.notStarted).toBe(60);
    expect(scenario.stack.oci.state.messages(scenario.stack.topicId)).toHaveLength(0);
    scenario.stack.oci.faults.clear();
    const second = asBatch((await scenario.onboard(event, { deadlineMs: 60_000 })).result);
    expect(second.status).toBe('complete');
    expect(second.report).toMatchObject({ status: 'complete', counts: { notStarted: 0, succeeded: 60 - bad, rejected: bad } });
    // Every user created exactly once across the two runs: the re-run did only what was left.
    expect(scenario.stack.oci.requests.counts().CreateUser).toEqual({ ok: 60 - bad });
    expect(objectText(scenario, 'incoming/slow.csv.report.csv')?.split('\r\n').filter(Boolean)).toHaveLength(61);
    expect(scenario.stack.oci.state.messages(scenario.stack.topicId)).toHaveLength(1);
  }, 60_000);

  it('resumes a one-line JSON upload cut short by the deadline: every item numbered, each user created once', async () => {
    // Prepare: 60 hires as a compact JSON array on a single line; every 50th has a bad e-mail.
    scenario = await startInProcessScenario({ faults: [{ latencyMs: 30 }], env: { BATCH_CONCURRENCY: '2', PUBLISH_RESERVE_MS: '1000' } });
    const hires = Array.from({ length: 60 }, (_, n) => {
      const i = n + 1;
      const email = i % 50 === 0 ? 'not-an-email' : `json${i}@example.com`;
      return {
        employeeId: `J${String(i).padStart(5, '0')}`,
        userName: `json${i}@example.com`,
        email,
        givenName: 'Jay',
        familyName: `Søn ${i}`,
        roles: ['auditor'],
      };
    });
    const text = JSON.stringify(hires);
    expect(text).not.toContain('\n');
    upload(scenario, 'incoming/one-line.json', text, 'application/json');
    const event = objectEvent(scenario, 'incoming/one-line.json');
    // Act
    const first = asBatch((await scenario.onboard(event, { deadlineMs: 5000 })).result);
    scenario.stack.oci.faults.clear();
    const second = asBatch((await scenario.onboard(event, { deadlineMs: 60_000 })).result);
    // Assess: cut short first, then complete, with all 60 items accounted for and each user created once.
    expect(first.status).toBe('running');
    expect(first.report.counts.notStarted).toBeGreaterThan(0);
    expect(second.report).toMatchObject({ status: 'complete', counts: { notStarted: 0, succeeded: 59, rejected: 1 } });
    expect(scenario.stack.oci.requests.counts().CreateUser).toEqual({ ok: 59 });
    const lines = (objectText(scenario, 'incoming/one-line.json.report.csv') ?? '').split('\r\n').filter(Boolean).slice(1);
    expect(lines.map((l) => Number(l.split(',')[0])).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, n) => n + 1));
  }, 60_000);

  it('handles an ONS delivery once: the same message id again writes and publishes nothing', async () => {
    scenario = await startScenario();
    const headers = { 'X-OCI-NS-MessageId': 'ocid1.onsmessage.oc1..m1', 'X-OCI-NS-TopicOcid': scenario.stack.topicId };
    const first = await scenario.onboard(newHire(), { headers });
    expect((first.result as OnboardingResult).status).toBe('succeeded');
    const again = await scenario.onboard(newHire(), { headers });
    expect(again.result).toMatchObject({ kind: 'notice', status: 'duplicate' });
    expect(again.writes).toBe(0);
    expect(scenario.stack.oci.state.messages(scenario.stack.topicId)).toHaveLength(1);
  });

  it('reads an OCI event that came through an ONS topic', async () => {
    scenario = await startScenario();
    upload(scenario, 'incoming/via-ons.ndjson', readFixture('uploads', 'hires.ndjson'), 'application/x-ndjson');
    const { result } = await scenario.onboard(objectEvent(scenario, 'incoming/via-ons.ndjson'), {
      headers: { 'X-OCI-NS-MessageId': 'm-event' },
    });
    expect(asBatch(result).report.counts).toMatchObject({ succeeded: 2, unreadable: 1 });
  });

  it('takes a batch as a JSON array, ensuring shared groups once, and acknowledges events it does not handle', async () => {
    scenario = await startScenario();
    const { result } = await scenario.onboard(readFixture('envelopes', 'batch.json'));
    expect(asBatch(result).report.counts).toMatchObject({ succeeded: 2, rejected: 1 });
    expect(scenario.stack.oci.requests.counts().CreateGroup).toEqual({ ok: 2 });
    const ignored = await scenario.onboard(readFixture('envelopes', 'oci-event-deleteobject.json'));
    expect(ignored.result).toMatchObject({ kind: 'notice', status: 'ignored', reason: expect.stringMatching(/deleteobject/) });
    expect(ignored.calls).toBe(0);
    const unknown = await scenario.onboard('"just a string"');
    expect(unknown.result).toMatchObject({ status: 'rejected', errors: [{ code: 'UNSUPPORTED_TRIGGER' }] });
  });

  it('slows a throttled batch down instead of failing its rows', async () => {
    // On a fake clock: each throttled call's Retry-After and backoff pass at once.
    scenario = await startInProcessScenario({
      faults: [{ status: 429, rate: 0.15 }],
      faultSeed: 3,
      env: { OCI_MAX_ATTEMPTS: '8' },
      clock: new FakeClock(Date.now()),
    });
    const { text, bad } = bigCsv(16);
    upload(scenario, 'incoming/throttled.csv', text);
    const { result } = await scenario.onboard(objectEvent(scenario, 'incoming/throttled.csv'), { deadlineMs: 60_000 });
    expect(asBatch(result).report.counts).toMatchObject({ succeeded: 16 - bad, failed: 0 });
    expect(Object.values(scenario.stack.oci.requests.counts()).reduce((n, c) => n + (c.fault ?? 0), 0)).toBeGreaterThan(3);
  }, 60_000);

  describe('HR webhooks through API Gateway', () => {
    const gateway = (scenario: Scenario, body: string, sign?: { secret?: string; timestamp?: number }) => {
      const timestamp = String(sign?.timestamp ?? Math.floor(Date.now() / 1000));
      const signature = signWebhook(sign?.secret ?? scenario.stack.webhookSecret, timestamp, body);
      return {
        'Fn-Intent': 'httprequest',
        'Fn-Http-Method': 'POST',
        'Fn-Http-Request-Url': '/hr/new-hires',
        ...(sign ? { 'Fn-Http-H-X-Hr-Signature': signature, 'Fn-Http-H-X-Hr-Timestamp': timestamp } : {}),
      };
    };

    it('accepts a signed request and answers with the result', async () => {
      scenario = await startScenario();
      const body = JSON.stringify(newHire());
      const response = await scenario.fn.invoke(body, { headers: gateway(scenario, body, {}) });
      expect(response.headers['fn-http-status']).toBe('200');
      expect(response.json).toMatchObject({ status: 'succeeded', employeeId: 'E104233' });
    });

    it("takes the signed timestamp as the fact's time when the event has no occurredAt: an older delivery is stale", async () => {
      // Prepare: a hire signed now, then a mover signed a minute earlier but delivered after it.
      scenario = await startInProcessScenario();
      const now = Math.floor(Date.now() / 1000);
      const hire = JSON.stringify(newHire());
      const olderMover = JSON.stringify(newHire({ roles: ['developer'], compartment: 'test' }));
      // Act
      const first = await scenario.fn.invoke(hire, { headers: gateway(scenario, hire, { timestamp: now }) });
      const mark = scenario.stack.oci.requests.mark();
      const late = await scenario.fn.invoke(olderMover, { headers: gateway(scenario, olderMover, { timestamp: now - 60 }) });
      // Assess
      expect(first.json).toMatchObject({ status: 'succeeded', occurredAt: new Date(now * 1000).toISOString() });
      expect((first.json as OnboardingResult).notes ?? []).toEqual([]);
      expect(late.json).toMatchObject({ status: 'stale', appliedFactAt: new Date(now * 1000).toISOString() });
      expect(scenario.stack.oci.requests.iamWrites(mark)).toHaveLength(0);
    });

    it.each([
      ['unsigned', undefined],
      ['forged', { secret: 'not-the-secret' }],
      ['stale', { timestamp: Math.floor(Date.now() / 1000) - 3600 }],
    ])('answers 401 to an %s request and writes nothing', async (_label, sign) => {
      scenario = await startInProcessScenario();
      const body = JSON.stringify(newHire());
      const mark = scenario.stack.oci.requests.mark();
      const response = await scenario.fn.invoke(body, { headers: gateway(scenario, body, sign) });
      expect(response.headers['fn-http-status']).toBe('401');
      expect(response.json).toMatchObject({ status: 'rejected', errors: [{ code: 'UNAUTHENTICATED' }] });
      expect(scenario.stack.oci.requests.iamWrites(mark)).toHaveLength(0);
      expect(scenario.stack.oci.state.messages(scenario.stack.topicId)).toHaveLength(0);
    });

    it('takes a signature within the tolerance of its own clock and refuses one a second past it', async () => {
      // Prepare: a function whose clock stands still unless moved; a hire signed at its "now".
      const clock = new FakeClock(Date.now());
      scenario = await startInProcessScenario({ clock });
      const signedAt = Math.floor(clock.now() / 1000);
      const body = JSON.stringify(newHire());
      const late = JSON.stringify(newHire({ userName: 'late@example.com', employeeId: 'E-LATE' }));
      // Act: delivered 300 s after signing (the default tolerance), then another 301 s after.
      clock.advance(300_000 - (clock.now() - signedAt * 1000));
      const within = await scenario.fn.invoke(body, { headers: gateway(scenario, body, { timestamp: signedAt }) });
      clock.advance(1000);
      const past = await scenario.fn.invoke(late, { headers: gateway(scenario, late, { timestamp: signedAt }) });
      // Assess
      expect([within.headers['fn-http-status'], past.headers['fn-http-status']]).toEqual(['200', '401']);
      expect(past.json).toMatchObject({ status: 'rejected', errors: [{ code: 'UNAUTHENTICATED' }] });
    });

    it('answers 401 to an unsigned request before reading its body, however malformed', async () => {
      scenario = await startInProcessScenario();
      for (const body of ['{"employeeId": ', readFixture('events', 'new-hire-invalid.json'), '42']) {
        const response = await scenario.fn.invoke(body, { headers: gateway(scenario, body) });
        expect(response.headers['fn-http-status']).toBe('401');
        expect(response.json).toMatchObject({ status: 'rejected', errors: [{ code: 'UNAUTHENTICATED' }] });
        expect(JSON.stringify(response.json)).not.toMatch(/problems|not JSON/);
      }
    });

    it('answers 400 with the reasons to a signed but bad payload', async () => {
      scenario = await startInProcessScenario();
      const body = readFixture('events', 'new-hire-invalid.json');
      const response = await scenario.fn.invoke(body, { headers: gateway(scenario, body, {}) });
      expect(response.headers['fn-http-status']).toBe('400');
      expect((response.json as OnboardingResult).errors[0]?.problems?.length).toBeGreaterThan(5);
      expect(scenario.stack.oci.requests.iamWrites()).toHaveLength(0);
    });
  });
});
