import { startFunction } from '@oci-iam-onboarding/local-oci/fn-harness';
import { queuesOf } from '@oci-iam-onboarding/local-oci/queue-state';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchResult } from '../../src/core/response';
import { type LocalStack, startLocalStack } from '../../src/local-stack/stack';
import { driveUpload, objectCreatedEvent, uploadRecords } from '../../src/local-stack/upload-driver';
import { BUNDLE } from './scenario';

// The upload engine on OCI Queue, through the Fn FDK and the local OCI: runs that finish by
// themselves, workers killed, a chunk that always fails, deliveries that arrive together.

/** A CSV of `count` hires; every 25th has a bad e-mail (rejected). */
function hiresCsv(count: number, prefix: string): { text: string; good: number } {
  const lines = ['employeeId,userName,email,givenName,familyName,roles,compartment'];
  let good = 0;
  for (let i = 1; i <= count; i += 1) {
    const bad = i % 25 === 0;
    if (!bad) good += 1;
    lines.push(
      `${prefix.toUpperCase()}${i},${prefix}${i}@example.com,${bad ? 'nope' : `${prefix}${i}@example.com`},Hire,Q ${i},auditor,dev`,
    );
  }
  return { text: `${lines.join('\n')}\n`, good };
}

const usersNamed = (stack: LocalStack, prefix: string) => [...stack.oci.state.users.values()].filter((u) => u.name.startsWith(prefix));
const reportLines = (stack: LocalStack, name: string) =>
  (stack.oci.state.buckets.get(stack.uploadBucket)?.get(`${name}.report.csv`)?.body.toString('utf8') ?? '').split('\r\n').filter(Boolean);

describe('the upload engine on OCI Queue', () => {
  let stack: LocalStack | undefined;
  afterEach(async () => {
    await stack?.oci.stop();
    stack = undefined;
  });

  it(
    'completes a 10,000-row upload by itself: every row once, one report line each, one summary',
    async () => {
      // Prepare: 20 chunks of 500 rows, four workers at once, 60 s invocations.
      stack = await startLocalStack();
      const { text, good } = hiresCsv(10_000, 'm');
      // Act
      const run = await driveUpload({
        stack,
        name: 'incoming/ten-thousand.csv',
        content: text,
        deadlineMs: 60_000,
        entry: BUNDLE,
        env: { PUBLISH_RESERVE_MS: '1000', BATCH_CONCURRENCY: '8', UPLOAD_INVOCATIONS: '4' },
        timeoutMs: 20 * 60_000,
      });
      // Assess
      expect(run.errors).toEqual([]);
      expect(run.status).toBe('complete');
      expect(run.counts).toEqual({ succeeded: good, rejected: 10_000 - good, failed: 0, unreadable: 0 });
      expect(stack.oci.requests.counts().CreateUser).toEqual({ ok: good });
      expect(usersNamed(stack, 'm')).toHaveLength(good);
      const lines = reportLines(stack, 'incoming/ten-thousand.csv').slice(1);
      expect(new Set(lines.map((l) => l.split(',')[0])).size).toBe(10_000);
      expect(lines).toHaveLength(10_000);
      expect(stack.oci.state.messages(stack.topicId)).toHaveLength(1);
      expect(run.peakRssMb).toBeLessThan(128);
      // Classic IAM cannot filter users by tag: a worker lists the tenancy (at most 11 pages here) once for
      // each piece of a chunk it takes, keeping that piece's people, announced before their rows run.
      // Unannounced, each few rows in flight would list it again: hundreds of listings.
      const [record] = uploadRecords(stack);
      const pieces = (record?.chunks ?? 0) + run.invocations;
      const pages = stack.oci.requests.counts().ListUsers?.ok ?? 0;
      expect(pages).toBeGreaterThan(0);
      expect(pages).toBeLessThanOrEqual(pieces * 11);
    },
    25 * 60_000,
  );

  it('finishes a run whose every worker was killed at once: the schedule sweep starts a worker, each user once', async () => {
    // Prepare: 40 rows, 4 chunks, 2 workers at once, 6 s each; the schedule's sweep every 1.5 s.
    stack = await startLocalStack({ faults: [{ latencyMs: 20 }] });
    const local = stack;
    const { text, good } = hiresCsv(40, 'w');
    // Act: every container running a call is killed (SIGKILL) once 8 users exist.
    const run = await driveUpload({
      stack,
      name: 'incoming/all-killed.csv',
      content: text,
      deadlineMs: 6000,
      entry: BUNDLE,
      env: { PUBLISH_RESERVE_MS: '300', UPLOAD_CHUNK_ROWS: '10', BATCH_CONCURRENCY: '4', UPLOAD_INVOCATIONS: '2' },
      killWhen: () => ((local.oci.requests.counts().CreateUser?.ok ?? 0) >= 8 ? 'all' : false),
      sweepEveryMs: 1500,
      timeoutMs: 120_000,
    });
    // Assess: the workers died; their messages came back and the sweep's workers finished the run
    expect(run.errors.length).toBeGreaterThanOrEqual(1);
    expect(run.errors.every((e) => /died during the call/.test(e))).toBe(true);
    expect(run.status).toBe('complete');
    expect(run.counts).toEqual({ succeeded: good, rejected: 40 - good, failed: 0, unreadable: 0 });
    expect(usersNamed(stack, 'w')).toHaveLength(good);
    expect(stack.oci.requests.counts().CreateUser).toEqual({ ok: good });
    expect([...stack.oci.state.memberships.values()]).toHaveLength(good);
    expect(stack.oci.state.messages(stack.topicId)).toHaveLength(1);
  }, 180_000);

  it('sends a chunk that fails on every delivery to the dead-letter queue and reports its rows as failed, with the reason', async () => {
    // Prepare: one chunk of 10 rows; once the run is planned, every read of the file fails (500).
    stack = await startLocalStack();
    const local = stack;
    const name = 'incoming/poison.csv';
    const { text } = hiresCsv(10, 'p');
    const dead = () => queuesOf(local.oci.state).deadLetters(local.queueId).length;
    let phase: 'planning' | 'poisoned' | 'dead-lettered' = 'planning';
    const watch = setInterval(() => {
      const [record] = uploadRecords(local);
      if (phase === 'planning' && record?.status === 'running') {
        local.oci.faults.set([{ operations: ['GetObject'], path: /\/o\/incoming\/poison\.csv$/, status: 500 }]);
        phase = 'poisoned';
      } else if (phase === 'poisoned' && dead() > 0) {
        local.oci.faults.clear();
        phase = 'dead-lettered';
      }
    }, 10);
    // Act
    const run = await driveUpload({
      stack,
      name,
      content: text,
      deadlineMs: 8000,
      entry: BUNDLE,
      env: { PUBLISH_RESERVE_MS: '300', UPLOAD_CHUNK_ROWS: '10', UPLOAD_INVOCATIONS: '1', OCI_MAX_ATTEMPTS: '1' },
      sweepEveryMs: 1500,
      timeoutMs: 120_000,
    }).finally(() => clearInterval(watch));
    // Assess: the chunk's message is in the DLQ after its three deliveries; the run ended failed, its 10 rows failed with the reason
    expect(phase).toBe('dead-lettered');
    expect(queuesOf(local.oci.state).deadLetters(local.queueId)).toEqual([expect.objectContaining({ deliveryCount: 3 })]);
    expect(run.status).toBe('failed');
    expect(run.counts).toEqual({ succeeded: 0, rejected: 0, failed: 10, unreadable: 0 });
    const report = (run.final as BatchResult).report;
    expect(report.failures[0]?.error).toMatchObject({
      code: 'CHUNK_DEAD_LETTERED',
      message: expect.stringMatching(/dead-letter queue; the last failure: .*500/),
    });
    const failed = reportLines(stack, name).filter((l) => /^\d+,failed,P\d+,/.test(l));
    expect(failed).toHaveLength(10);
    expect(failed.every((l) => l.includes('CHUNK_DEAD_LETTERED'))).toBe(true);
    expect(stack.oci.requests.iamWrites()).toHaveLength(0);
    expect(stack.oci.state.messages(stack.topicId)).toHaveLength(1);
  }, 180_000);

  it('starts one run for two deliveries of the same Events envelope arriving together: one plan, each user once, one summary', async () => {
    // Prepare: 30 rows in chunks of 10; two containers, no continuations (both deliveries work the run themselves).
    stack = await startLocalStack({ faults: [{ latencyMs: 10 }] });
    const name = 'incoming/twice.csv';
    const { text, good } = hiresCsv(30, 't');
    stack.oci.state.putObject(stack.uploadBucket, name, text, 'text/csv');
    const env = { ...stack.functionEnv, PUBLISH_RESERVE_MS: '300', UPLOAD_CHUNK_ROWS: '10', BATCH_CONCURRENCY: '4' };
    const [a, b] = await Promise.all([startFunction({ entry: BUNDLE, env }), startFunction({ entry: BUNDLE, env })]);
    const event = JSON.stringify(objectCreatedEvent(stack, name));
    // Act
    const answers = await Promise.all([a.invoke(event, { deadlineMs: 30_000 }), b.invoke(event, { deadlineMs: 30_000 })]);
    await Promise.all([a.stop(), b.stop()]);
    // Assess: one record, the chunks put once, every user once, one final answer and one summary
    expect(uploadRecords(stack)).toEqual([expect.objectContaining({ status: 'complete', chunks: 3 })]);
    expect(stack.oci.requests.counts().PutMessages).toEqual({ ok: 2 });
    expect(stack.oci.requests.counts().CreateUser).toEqual({ ok: good });
    const finals = answers
      .map((r) => r.json as { kind: string; status: string; final?: boolean })
      .filter((j) => j.kind === 'batch' && j.final);
    expect(finals).toEqual([expect.objectContaining({ status: 'complete' })]);
    expect(stack.oci.state.messages(stack.topicId)).toHaveLength(1);
  }, 60_000);
});
