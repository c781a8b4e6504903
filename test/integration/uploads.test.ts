import { setTimeout as sleep } from 'node:timers/promises';
import { startFunction } from '@oci-iam-onboarding/local-oci/fn-harness';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchResult, NoticeResult } from '../../src/core/response';
import type { OnboardingResult } from '../../src/core/result';
import { recordName, runIdOf } from '../../src/core/run-objects';
import { MAX_SAMPLED_FAILURES, type RunRecord, uploadKey } from '../../src/core/upload-run';
import { type LocalStack, startLocalStack } from '../../src/local-stack/stack';
import { driveUpload, objectCreatedEvent, uploadRecords } from '../../src/local-stack/upload-driver';
import { workBody } from '../../src/triggers/engine-body';
import { type FunctionUnderTest, inProcessUnlessFnNode, startInProcess } from '../in-process';
import { BUNDLE, newHire } from './scenario';

/** A CSV of `count` hires; every 25th has a bad e-mail (rejected). */
function hiresCsv(count: number, prefix = 'u'): { text: string; good: number } {
  const lines = ['employeeId,userName,email,givenName,familyName,roles,compartment'];
  let good = 0;
  for (let i = 1; i <= count; i += 1) {
    const bad = i % 25 === 0;
    if (!bad) good += 1;
    lines.push(
      `${prefix.toUpperCase()}${i},${prefix}${i}@example.com,${bad ? 'nope' : `${prefix}${i}@example.com`},Hire,Nümber ${i},auditor,dev`,
    );
  }
  return { text: `${lines.join('\n')}\n`, good };
}

/** Upload tests run short invocations: little time kept back for publishing, small chunks. */
const SHORT = { PUBLISH_RESERVE_MS: '300', UPLOAD_CHUNK_ROWS: '10', BATCH_CONCURRENCY: '4' };

/** The function in this process, or a process when it is to run on another Node (`FN_NODE`: CI's Node 22 pass). */
const functionFor = (env: Record<string, string>): Promise<FunctionUnderTest> =>
  process.env.FN_NODE ? startFunction({ entry: BUNDLE, env }) : Promise.resolve(startInProcess({ env }));

const usersNamed = (stack: LocalStack, prefix: string) => [...stack.oci.state.users.values()].filter((u) => u.name.startsWith(prefix));

describe('uploads of any size, through the Fn FDK and the local OCI', () => {
  let stack: LocalStack | undefined;
  afterEach(async () => {
    await stack?.oci.stop();
    stack = undefined;
  });

  it('finishes a file that needs several invocations by itself, through detached self-invocations, each user once', async () => {
    // Prepare: 150 rows, 15 chunks, 2 invocations at once, 8 s per invocation, 25 ms per OCI call and
    // 200 ms more for each user and membership write. A row writes its user, then its membership: 4 rows
    // at once, an invocation starts rows for 5.7 s (8 s less the reserves) and settles at most about 60,
    // so the 144 good rows are more than the 2 first invocations can do: a worker must start another.
    stack = await startLocalStack({ faults: [{ operations: ['CreateUser', 'AddUserToGroup'], latencyMs: 200 }, { latencyMs: 25 }] });
    const { text, good } = hiresCsv(150);
    // Act
    const run = await driveUpload({
      stack,
      name: 'incoming/many.csv',
      content: text,
      deadlineMs: 8000,
      entry: BUNDLE,
      ...inProcessUnlessFnNode(),
      env: { ...SHORT, UPLOAD_INVOCATIONS: '2' },
    });
    // Assess
    expect(run.errors).toEqual([]);
    expect(run.status).toBe('complete');
    expect(run.counts).toEqual({ succeeded: good, rejected: 150 - good, failed: 0, unreadable: 0 });
    expect(run.invocations).toBeGreaterThanOrEqual(3);
    expect(stack.oci.requests.counts().InvokeFunction?.ok).toBe(run.invocations - 1);
    expect(usersNamed(stack, 'u')).toHaveLength(good);
    expect(stack.oci.requests.counts().CreateUser).toEqual({ ok: good });
    // One summary for the whole upload, from the invocation that finished it.
    expect(stack.oci.state.messages(stack.topicId)).toHaveLength(1);
    const csv = stack.oci.state.buckets.get(stack.uploadBucket)?.get('incoming/many.csv.report.csv')?.body.toString('utf8') ?? '';
    expect(
      new Set(
        csv
          .split('\r\n')
          .filter(Boolean)
          .map((l) => l.split(',')[0]),
      ).size,
    ).toBe(151);
    // The report parts were joined with the sizes their chunk records keep: no HEAD per part.
    const partHeads = stack.oci.requests
      .entries()
      .filter((e) => e.operation === 'HeadObject' && decodeURIComponent(e.path).includes('/rows/'));
    expect(partHeads).toHaveLength(0);
    expect(stack.oci.requests.counts().PutObject?.ok).toBeGreaterThan(0);

    // Act: the same file uploaded again.
    const mark = stack.oci.requests.mark();
    const again = await driveUpload({
      stack,
      name: 'incoming/many.csv',
      content: text,
      deadlineMs: 4000,
      entry: BUNDLE,
      ...inProcessUnlessFnNode(),
      env: SHORT,
    });
    // Assess: acknowledged as a duplicate, nothing written to IAM, nothing published.
    expect((again.final as NoticeResult).status).toBe('duplicate');
    expect(stack.oci.requests.iamWrites(mark)).toHaveLength(0);
    expect(stack.oci.state.messages(stack.topicId)).toHaveLength(1);
  }, 120_000);

  it('resumes a chunk whose process was killed mid-way: every user exactly once, no settled row redone', async () => {
    // Prepare: no workers started (no FN_FN_ID): the re-delivery works the run.
    stack = await startLocalStack({ faults: [{ latencyMs: 20 }] });
    const { text, good } = hiresCsv(60, 'k');
    stack.oci.state.putObject(stack.uploadBucket, 'incoming/killed.csv', text, 'text/csv');
    const event = JSON.stringify(objectCreatedEvent(stack, 'incoming/killed.csv'));
    const env = { ...stack.functionEnv, ...SHORT, UPLOAD_CHUNK_ROWS: '100' };
    const first = await startFunction({ entry: BUNDLE, env });
    // The test waits this out after the kill (below). 8 s was too short on a loaded machine: the invocation
    // answered before its fifth user, and the test failed.
    const deadlineMs = 15_000;
    const started = Date.now();
    let answered = false;
    const call = first.invoke(event, { deadlineMs }).then(
      () => {
        answered = true;
      },
      (error: unknown) => error,
    );
    // Act: kill the process once some users exist, in the middle of its chunk.
    while ((stack.oci.requests.counts().CreateUser?.ok ?? 0) < 5 && !answered) await sleep(5);
    expect(answered).toBe(false);
    process.kill(first.pid as number, 'SIGKILL');
    await call;
    await first.stop();
    // The dead invocation's message stays hidden until its deadline (OCI would have ended it there), then comes back.
    await sleep(Math.max(0, started + deadlineMs + 100 - Date.now()));
    const second = await startFunction({ entry: BUNDLE, env });
    const response = await second.invoke(event, { deadlineMs: 30_000 });
    await second.stop();
    // Assess
    expect(response.json).toMatchObject({ kind: 'batch', status: 'complete', report: { counts: { succeeded: good, failed: 0 } } });
    expect(usersNamed(stack, 'k')).toHaveLength(good);
    expect(stack.oci.requests.counts().CreateUser).toEqual({ ok: good });
    const memberships = [...stack.oci.state.memberships.values()];
    expect(memberships).toHaveLength(good);
  }, 60_000);

  it('takes the chunk of an invocation killed while holding it again once its visibility ends: the upload finishes by itself, each user once', async () => {
    // Prepare: 40 rows, 4 chunks, 2 invocations at once, 5 s each; nobody delivers the event again.
    stack = await startLocalStack({ faults: [{ latencyMs: 20 }] });
    const { text, good } = hiresCsv(40, 'x');
    const created = () => stack?.oci.requests.counts().CreateUser?.ok ?? 0;
    // Act: a container dies (SIGKILL) in the middle of its chunk.
    const run = await driveUpload({
      stack,
      name: 'incoming/crash.csv',
      content: text,
      deadlineMs: 5000,
      entry: BUNDLE,
      env: { ...SHORT, UPLOAD_INVOCATIONS: '2' },
      // At 3 users both workers are in their first chunk (about 9 good rows each). At 8, a worker on a loaded
      // machine could be answering (its chunk cut at the 5 s deadline) when the kill came: nothing died mid-chunk.
      killWhen: () => created() >= 3,
      sweepEveryMs: 2000,
    });
    // Assess: the dead invocation's message came back when its visibility ended, and a worker took it; nothing stranded, nothing twice.
    expect(run.errors).toEqual([expect.stringMatching(/died during the call/)]);
    expect(run.status).toBe('complete');
    expect(run.counts).toEqual({ succeeded: good, rejected: 40 - good, failed: 0, unreadable: 0 });
    expect(usersNamed(stack, 'x')).toHaveLength(good);
    expect(stack.oci.requests.counts().CreateUser).toEqual({ ok: good });
    expect(stack.oci.state.messages(stack.topicId)).toHaveLength(1);
  }, 60_000);

  it('stops a run whose file is replaced mid-way: the rows of the new file are not read as the old ones', async () => {
    // Prepare: 40 rows in chunks of 10, one invocation (no continuations: no FN_FN_ID).
    stack = await startLocalStack({ faults: [{ latencyMs: 20 }] });
    const name = 'incoming/replaced.csv';
    stack.oci.state.putObject(stack.uploadBucket, name, hiresCsv(40, 'r').text, 'text/csv');
    const fn = await functionFor({ ...stack.functionEnv, ...SHORT });
    // Act: replace the file (other rows) while the first chunk is being onboarded.
    const call = fn.invoke(JSON.stringify(objectCreatedEvent(stack, name)), { deadlineMs: 30_000 });
    while ((stack.oci.requests.counts().CreateUser?.ok ?? 0) < 2) await sleep(5);
    stack.oci.state.putObject(stack.uploadBucket, name, hiresCsv(40, 'z').text, 'text/csv');
    const response = await call;
    await fn.stop();
    // Assess: the next chunk's pinned read fails; the run ends failed with the reason, nothing of the new file onboarded.
    const reason = expect.stringMatching(
      /^the file was replaced while it was processed; \d+ rows of the earlier content were not processed; the new content is processed by its own run$/,
    );
    expect(response.json).toMatchObject({ kind: 'batch', status: 'failed', final: true, report: { status: 'failed', stopped: reason } });
    expect(usersNamed(stack, 'z')).toHaveLength(0);
    expect(usersNamed(stack, 'r').length).toBeLessThanOrEqual(10);
    // The run's record is over (never `running` for a dead run), and one summary says why.
    expect(uploadRecords(stack)).toEqual([expect.objectContaining({ status: 'failed', stopped: reason })]);
    const messages = stack.oci.state.messages(stack.topicId);
    expect(messages).toHaveLength(1);
    expect(JSON.stringify(messages[0])).toContain('Stopped: the file was replaced while it was processed; ');
  }, 60_000);

  it('ends the run of a replaced file when a worker of it arrives: failed, with the reason, the new rows not read as its own', async () => {
    // Prepare: a run of the file planned by a first invocation, which settled none of its rows.
    stack = await startLocalStack();
    const name = 'incoming/continued.csv';
    const v1 = stack.oci.state.putObject(stack.uploadBucket, name, hiresCsv(12, 'c').text, 'text/csv');
    const key = uploadKey(stack.uploadBucket, name, v1.md5);
    const planned: RunRecord = {
      id: runIdOf(key),
      key,
      namespace: stack.oci.state.namespace,
      source: { bucket: stack.uploadBucket, object: name, md5: v1.md5 },
      status: 'running',
      rows: 12,
      chunkRows: 10,
      chunks: 2,
      round: 1,
      startedAt: new Date().toISOString(),
      callId: 'FIRST',
    };
    stack.oci.state.putObject(stack.stateBucket, recordName(planned.id), JSON.stringify(planned), 'application/json');
    const fn = await functionFor({ ...stack.functionEnv, ...SHORT });
    // Act: the file is replaced, then a worker of the first run arrives.
    stack.oci.state.putObject(stack.uploadBucket, name, hiresCsv(12, 'y').text, 'text/csv');
    const response = await fn.invoke(workBody(planned.id), { deadlineMs: 10_000 });
    await fn.stop();
    // Assess: the old run ended failed with the reason and one summary; nothing of either file onboarded here.
    const reason =
      'the file was replaced while it was processed; 12 rows of the earlier content were not processed; the new content is processed by its own run';
    expect(response.json).toMatchObject({ kind: 'batch', status: 'failed', report: { stopped: reason, counts: { notStarted: 12 } } });
    expect(uploadRecords(stack)).toEqual([expect.objectContaining({ status: 'failed', stopped: reason })]);
    expect(stack.oci.requests.counts().CreateUser).toBeUndefined();
    expect(stack.oci.state.messages(stack.topicId)).toHaveLength(1);
  }, 30_000);

  it('goes on when the same content is uploaded again mid-run: the run completes, each user once, one summary', async () => {
    // Prepare: 20 rows in chunks of 10, one invocation at a time, driven through every continuation.
    const local = await startLocalStack({ faults: [{ latencyMs: 10 }] });
    stack = local;
    const name = 'incoming/again.csv';
    const { text, good } = hiresCsv(20, 'a');
    const env = { ...SHORT, UPLOAD_INVOCATIONS: '1' };
    const drive = driveUpload({ stack, name, content: text, deadlineMs: 8_000, entry: BUNDLE, env });
    // Act: while the first chunk is onboarded, the same bytes are written again (a new ETag): the second
    // chunk's read, pinned to the first version, is refused. Then that write's event is delivered.
    while ((local.oci.requests.counts().CreateUser?.ok ?? 0) < 3) await sleep(20);
    local.oci.state.putObject(local.uploadBucket, name, text, 'text/csv');
    while ((local.oci.requests.counts().CreateUser?.ok ?? 0) < 12) await sleep(20);
    const fn = await startFunction({ entry: BUNDLE, env: { ...local.functionEnv, FN_FN_ID: local.oci.functionId, ...env } });
    const again = await fn.invoke(JSON.stringify(objectCreatedEvent(local, name)), { deadlineMs: 4_000 });
    await fn.stop();
    const run = await drive;
    // Assess: a pinned read was refused, and the run was not ended for it: it completed once, every user created once.
    expect(local.oci.requests.entries().some((e) => e.operation === 'GetObject' && e.status === 412)).toBe(true);
    expect(run.errors).toEqual([]);
    expect(again.json).not.toMatchObject({ status: 'failed' });
    expect(uploadRecords(local)).toEqual([expect.objectContaining({ status: 'complete' })]);
    expect(local.oci.requests.counts().CreateUser).toEqual({ ok: good });
    expect(usersNamed(local, 'a')).toHaveLength(good);
    expect(local.oci.state.messages(local.topicId)).toHaveLength(1);
    expect(JSON.stringify(local.oci.state.messages(local.topicId)[0])).toContain('complete');
  }, 60_000);

  it('refuses an upload when the timeout leaves no working time, instead of chaining continuations that settle nothing', async () => {
    // Prepare: a 5 s timeout, all of it kept back (3 s to publish, 2 s for the report)
    stack = await startLocalStack();
    const { text } = hiresCsv(30);
    // Act
    const run = await driveUpload({
      stack,
      name: 'incoming/short.csv',
      content: text,
      deadlineMs: 5000,
      entry: BUNDLE,
      ...inProcessUnlessFnNode(),
    });
    // Assess
    const result = run.final as unknown as OnboardingResult;
    expect(result.errors[0]?.code).toBe('INVALID_CONFIG');
    expect(result.errors[0]?.message).toMatch(/uploads need at least 1 s: raise the function's timeout/);
    expect(run.invocations).toBe(1);
    expect(stack.oci.requests.iamWrites()).toHaveLength(0);
    expect(stack.oci.state.buckets.get(stack.stateBucket)?.size).toBe(0);
  }, 60_000);

  it('refuses a 20 MB file with a clear error and writes nothing', async () => {
    // Prepare
    stack = await startLocalStack();
    const big = `employeeId,userName\n${'x'.repeat(20 * 1024 * 1024)}\n`;
    // Act
    const run = await driveUpload({
      stack,
      name: 'incoming/huge.csv',
      content: big,
      deadlineMs: 10_000,
      entry: BUNDLE,
      ...inProcessUnlessFnNode(),
    });
    // Assess
    const result = run.final as unknown as OnboardingResult;
    expect(result.status).toBe('rejected');
    expect(result.errors[0]?.message).toMatch(/incoming\/huge.csv is \d+ bytes; at most 10485760 are read/);
    expect(stack.oci.requests.iamWrites()).toHaveLength(0);
    expect(stack.oci.requests.counts().GetObject).toBeUndefined();
    expect(stack.oci.state.buckets.get(stack.stateBucket)?.size).toBe(0);
    expect(stack.oci.state.messages(stack.topicId)).toHaveLength(0);
  }, 60_000);

  it('after an outage during an upload, reports the rows as failed (not complete), and a re-delivery completes them', async () => {
    // Prepare: memberships fail for the whole first run; 15 rows in one chunk, every one of them fails.
    stack = await startLocalStack({ faults: [{ operations: ['AddUserToGroup'], status: 503 }] });
    const { text, good } = hiresCsv(15, 'o');
    const env = { ...SHORT, UPLOAD_CHUNK_ROWS: '100', OCI_MAX_ATTEMPTS: '2' };
    // Act: a deadline that leaves time for every row's retried membership, on a busy machine too (with 8 s,
    // a loaded machine's invocation ran out of time after 4 of the 15 rows, and the chunk counted 4 failed).
    const first = await driveUpload({
      stack,
      name: 'incoming/outage.csv',
      content: text,
      deadlineMs: 30_000,
      entry: BUNDLE,
      ...inProcessUnlessFnNode(),
      env,
    });
    // Assess: failed, every failed row visible, nothing claimed complete.
    expect(first.status).toBe('failed');
    expect(first.counts).toMatchObject({ succeeded: 0, failed: good });
    const report = (first.final as BatchResult).report;
    expect(report.failures[0]).toMatchObject({ retryable: true, error: { step: 'membership', target: 'auditors' } });
    // The chunk's summary stays small: a count and a sample; every failed row is a line of the report, from the chunk's part.
    const state = stack.oci.state.buckets.get(stack.stateBucket) ?? new Map();
    const [chunk] = [...state.entries()]
      .filter(([name]) => /\/chunks\/[\d-]+\.json$/.test(name))
      .map(([, o]) => JSON.parse(o.body.toString()));
    expect(chunk).toMatchObject({ counts: { failed: good } });
    expect(chunk.failures).toHaveLength(MAX_SAMPLED_FAILURES);
    const csv = stack.oci.state.buckets.get(stack.uploadBucket)?.get('incoming/outage.csv.report.csv')?.body.toString('utf8') ?? '';
    expect(csv.split('\r\n').filter((line) => /^\d+,failed,/.test(line))).toHaveLength(good);
    // Act: the outage ends; a worker of the run arrives late (started by the sweep, say), then the event is delivered again.
    stack.oci.faults.clear();
    const event = JSON.stringify(objectCreatedEvent(stack, 'incoming/outage.csv'));
    const fn = await functionFor({ ...stack.functionEnv, ...env });
    const mark = stack.oci.requests.mark();
    const late = await fn.invoke(workBody(uploadRecords(stack)[0]?.id ?? ''), { deadlineMs: 20_000 });
    const lateWrites = stack.oci.requests.entries(mark).filter((e) => e.iamWrite || e.operation === 'PutObject');
    const second = await fn.invoke(event, { deadlineMs: 20_000 });
    await fn.stop();
    // Assess: the worker ended without a new round (nothing written, nothing published)
    expect(late.json).toMatchObject({
      kind: 'notice',
      status: 'duplicate',
      reason: expect.stringMatching(/^this run ended failed \(call /),
    });
    expect(lateWrites).toEqual([]);
    // Assess
    expect(second.json).toMatchObject({ status: 'complete', report: { counts: { succeeded: good, failed: 0 } } });
    expect([...stack.oci.state.memberships.values()]).toHaveLength(good);
    expect(stack.oci.requests.counts().CreateUser).toEqual({ ok: good });
    expect(stack.oci.state.messages(stack.topicId)).toHaveLength(2);
  }, 60_000);

  it('retries a failed shared look-up for the rows that need it and lets the other rows go ahead', async () => {
    // Prepare: the first look-ups of policies fail (twice, with two attempts a call): one role's shared phase fails once.
    stack = await startLocalStack({ faults: [{ operations: ['ListPolicies'], status: 503, count: 2 }] });
    const lines = ['employeeId,userName,email,givenName,familyName,roles,compartment'];
    for (let i = 1; i <= 12; i += 1)
      lines.push(`S${i},s${i}@example.com,s${i}@example.com,Shared,Hire ${i},${i % 2 ? 'auditor' : 'developer'},dev`);
    // Act
    const run = await driveUpload({
      stack,
      name: 'incoming/shared.csv',
      content: `${lines.join('\n')}\n`,
      deadlineMs: 20_000,
      entry: BUNDLE,
      ...inProcessUnlessFnNode(),
      env: { ...SHORT, UPLOAD_CHUNK_ROWS: '100', OCI_MAX_ATTEMPTS: '2' },
    });
    // Assess: every row done, the failed look-up tried again, nothing created twice.
    expect(run.status).toBe('complete');
    expect(run.counts).toMatchObject({ succeeded: 12, failed: 0 });
    expect(stack.oci.requests.counts().ListPolicies).toMatchObject({ fault: 2 });
    expect(stack.oci.requests.counts().CreatePolicy).toEqual({ ok: 2 });
    expect([...stack.oci.state.memberships.values()]).toHaveLength(12);
  }, 60_000);

  it('settles near the tenancy IAM rate: few throttled calls, every row done', async () => {
    // Prepare: 10 IAM writes a second, bursts of 4; 12 hires at once would go far past it.
    stack = await startLocalStack({ iamRate: { writesPerSecond: 10, burstSeconds: 0.4 } });
    const { text, good } = hiresCsv(30, 'r');
    // Act
    const run = await driveUpload({
      stack,
      name: 'incoming/rate.csv',
      content: text,
      deadlineMs: 30_000,
      entry: BUNDLE,
      env: { ...SHORT, BATCH_CONCURRENCY: '12', UPLOAD_CHUNK_ROWS: '100', OCI_MAX_ATTEMPTS: '8' },
    });
    // Assess: all done, each write once (a user and a membership per hire, the group and the policy once).
    expect(run.status).toBe('complete');
    expect(run.counts.succeeded).toBe(good);
    expect(stack.oci.requests.iamWrites()).toHaveLength(good * 2 + 2);
    // Settled (counts, not timing): OCI had to throttle the first burst, but of the second half of
    // the write attempts few were throttled.
    const attempts = stack.oci.requests.entries().filter((e) => e.iamWrite);
    const late = attempts.slice(Math.floor(attempts.length / 2));
    expect(attempts.filter((e) => e.outcome === 'throttled').length).toBeGreaterThan(0);
    expect(late.filter((e) => e.outcome === 'throttled').length).toBeLessThan(late.length * 0.25);
  }, 60_000);
});

describe('deliveries that arrive together', () => {
  let stack: LocalStack | undefined;
  afterEach(async () => {
    await stack?.oci.stop();
    stack = undefined;
  });

  it('processes one of two concurrent deliveries of an ONS message; the other answers duplicate; one publish', async () => {
    // Prepare
    stack = await startLocalStack({ faults: [{ latencyMs: 20 }] });
    const [a, b] = await Promise.all([
      startFunction({ entry: BUNDLE, env: stack.functionEnv }),
      startFunction({ entry: BUNDLE, env: stack.functionEnv }),
    ]);
    const headers = { 'X-OCI-NS-MessageId': 'ocid1.onsmessage.oc1..same', 'X-OCI-NS-TopicOcid': stack.topicId };
    const body = JSON.stringify(newHire());
    // Act
    const answers = await Promise.all([a.invoke(body, { headers }), b.invoke(body, { headers })]);
    await Promise.all([a.stop(), b.stop()]);
    // Assess
    const statuses = answers.map((r) => (r.json as { status: string }).status).sort();
    expect(statuses).toEqual(['duplicate', 'succeeded']);
    expect(stack.oci.state.messages(stack.topicId)).toHaveLength(1);
    expect(stack.oci.requests.counts().CreateUser).toEqual({ ok: 1 });
  }, 60_000);

  it('a hire whose dedup marker cannot be written still answers its real outcome, with a warning', async () => {
    // Prepare: Object Storage writes fail; IAM works.
    stack = await startLocalStack({ faults: [{ operations: ['PutObject'], status: 503 }] });
    const fn = await functionFor({ ...stack.functionEnv, OCI_MAX_ATTEMPTS: '2' });
    // Act
    const response = await fn.invoke(JSON.stringify(newHire()), { headers: { 'X-OCI-NS-MessageId': 'ocid1.onsmessage.oc1..m503' } });
    await fn.stop();
    // Assess
    const result = response.json as OnboardingResult;
    expect(result.status).toBe('succeeded');
    expect(result.warnings?.[0]).toMatch(/dedup marker could not be written/);
    const [message] = stack.oci.state.messages(stack.topicId);
    expect(message?.title).toMatch(/^Onboarding succeeded: /);
    expect(message?.title).not.toMatch(/unknown hire/);
  }, 60_000);
});
