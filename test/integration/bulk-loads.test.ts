import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../src/local-stack/stack';
import { driveUpload } from '../../src/local-stack/upload-driver';
import { inProcessContainers } from '../in-process';
import { BUNDLE } from './scenario';

const DOMAIN_WRITES = ['Bulk', 'CreateUser', 'PatchUser', 'PatchGroup', 'CreateGroup'];

/** A CSV of `count` hires, half with two roles; every 50th has a bad e-mail (rejected before any call). */
function hiresCsv(count: number, prefix = 'b'): { text: string; good: number } {
  const lines = ['employeeId,userName,email,givenName,familyName,roles,compartment'];
  let good = 0;
  for (let i = 1; i <= count; i += 1) {
    const bad = i % 50 === 0;
    if (!bad) good += 1;
    lines.push(
      `${prefix.toUpperCase()}${i},${prefix}${i}@example.com,${bad ? 'nope' : `${prefix}${i}@example.com`},Bulk,Hire ${i},${i % 2 ? 'developer;auditor' : 'auditor'},dev`,
    );
  }
  return { text: `${lines.join('\n')}\n`, good };
}

/** Domain users by user name, and how many of each: a duplicate shows as a count above 1. */
const domainUsers = (stack: LocalStack) => {
  const names = new Map<string, number>();
  for (const user of stack.oci.state.domain?.users.values() ?? []) names.set(user.userName, (names.get(user.userName) ?? 0) + 1);
  return names;
};
const members = (stack: LocalStack, group: string) =>
  [...(stack.oci.state.domain?.groups.values() ?? [])].find((g) => g.displayName === group)?.members.size ?? 0;
/**
 * A Premium domain, its published windows enforced by the local OCI and kept by the function (its config
 * `IDENTITY_DOMAIN_TYPE`): for the tests whose subject is not the rate. At a Free domain's 150 calls a
 * minute they spent most of their time waiting; the Free windows have tests of their own below.
 */
const PREMIUM = { domainType: 'premium', domainLimits: 'published', extraEnv: { IDENTITY_DOMAIN_TYPE: 'premium' } } as const;
/** Calls to the identity domain the local OCI answered (not throttled), per operation. */
const answered = (stack: LocalStack) => stack.oci.requests.entries().filter((e) => e.service === 'identitydomains' && e.outcome === 'ok');

describe('bulk loads into an identity domain, through the Fn FDK and the local OCI', () => {
  let stack: LocalStack | undefined;
  afterEach(async () => {
    await stack?.oci.stop();
    stack = undefined;
  });

  it('loads a file on a Free domain in sets: look-ups shared by many people, creates and memberships in Bulk requests, each user once', async () => {
    // Prepare: 400 rows on a Free domain with its published windows enforced.
    stack = await startLocalStack({ identityDomain: 'Employees', domainLimits: 'published' });
    const { text, good } = hiresCsv(400);
    // Act
    const run = await driveUpload({
      stack,
      name: 'incoming/bulk.csv',
      content: text,
      deadlineMs: 60_000,
      entry: BUNDLE,
      startContainer: inProcessContainers,
    });
    // Assess
    expect(run.errors).toEqual([]);
    expect(run.status).toBe('complete');
    expect(run.counts).toEqual({ succeeded: good, rejected: 400 - good, failed: 0, unreadable: 0 });
    const users = domainUsers(stack);
    expect(users.size).toBe(good);
    expect([...users.values()].every((n) => n === 1)).toBe(true);
    expect(members(stack, 'auditors')).toBe(good);
    expect(members(stack, 'developers-dev')).toBe([...Array(400).keys()].filter((i) => (i + 1) % 2 === 1 && (i + 1) % 50 !== 0).length);
    const calls = answered(stack);
    const byOperation = Object.fromEntries(
      [...new Set(calls.map((c) => c.operation))].map((op) => [op, calls.filter((c) => c.operation === op).length]),
    );
    // Far fewer calls than people: one filter for many, one Bulk for many creates or memberships.
    expect(byOperation.Bulk).toBeGreaterThan(0);
    expect(byOperation.ListUsers ?? 0).toBeLessThan(good / 5);
    expect(byOperation.CreateUser ?? 0).toBeLessThan(good / 5);
    expect(calls.length / good).toBeLessThan(0.5);
  });

  it('cuts rows by short deadlines under the windows and loses none: each row is reported once, its create named on its line', async () => {
    // Prepare: 600 rows on a Free domain (Bulk: 5 a second, 200 a minute) and invocations of 12 s, so that
    // workers run out of time with rows in flight, some after their user was created.
    stack = await startLocalStack({ identityDomain: 'Employees', domainLimits: 'published' });
    const { text, good } = hiresCsv(600, 'c');
    // Act
    const run = await driveUpload({
      stack,
      name: 'incoming/cut.csv',
      content: text,
      deadlineMs: 12_000,
      entry: BUNDLE,
      startContainer: inProcessContainers,
      timeoutMs: 240_000,
    });
    // Assess: complete, every user once, the report one line per row.
    const report = stack.oci.state.buckets.get(stack.uploadBucket)?.get('incoming/cut.csv.report.csv')?.body.toString('utf8') ?? '';
    const lines = report
      .split('\n')
      .slice(1)
      .filter((line) => line.trim() !== '');
    expect(run.errors).toEqual([]);
    expect(lines.filter((line) => line.includes(',failed,'))).toEqual([]);
    expect(run.status).toBe('complete');
    // Workers were cut: some piece's summary names the next row of its chunk, or a try that settled no
    // row left what its rows wrote for its redo (on a slow machine, the first tries are all of that kind).
    const state = [...(stack.oci.state.buckets.get(stack.stateBucket)?.entries() ?? [])];
    const summaries = state.filter(([name]) => name.includes('/chunks/'));
    const cutPieces = summaries.filter(([, object]) => JSON.parse(object.body.toString('utf8')).next !== undefined);
    const redone = state.filter(([name]) => name.includes('/carried/'));
    expect(cutPieces.length + redone.length).toBeGreaterThan(0);
    expect(run.counts).toEqual({ succeeded: good, rejected: 600 - good, failed: 0, unreadable: 0 });
    const users = domainUsers(stack);
    expect(users.size).toBe(good);
    expect([...users.values()].every((n) => n === 1)).toBe(true);
    const numbers = lines.map((line) => Number(line.split(',')[0]));
    expect(new Set(numbers).size).toBe(600);
    expect(numbers).toHaveLength(600);
    // A row whose user an invocation created before the deadline cut it says so on its one line.
    expect(lines.filter((line) => line.includes('created user'))).toHaveLength(good);
  }, 300_000);

  it('writes nothing when the same people arrive again in another file', async () => {
    // Prepare
    stack = await startLocalStack({ identityDomain: 'Employees', ...PREMIUM });
    const { text, good } = hiresCsv(120);
    await driveUpload({
      stack,
      name: 'incoming/first.csv',
      content: text,
      deadlineMs: 60_000,
      entry: BUNDLE,
      startContainer: inProcessContainers,
    });
    const mark = stack.oci.requests.mark();
    // Act
    const again = await driveUpload({
      stack,
      name: 'incoming/again.csv',
      content: text,
      deadlineMs: 60_000,
      entry: BUNDLE,
      startContainer: inProcessContainers,
    });
    // Assess
    expect(again.status).toBe('complete');
    expect(again.counts.succeeded).toBe(good);
    const calls = stack.oci.requests.entries(mark).filter((e) => e.service === 'identitydomains');
    expect(calls.filter((e) => DOMAIN_WRITES.includes(e.operation))).toEqual([]);
    // Each person found by a set read, groups included: no read of their own (on a Free domain's 150
    // calls a minute, a GetUser per person made a replay of 10,000 rows take more than an hour).
    expect(calls.filter((e) => e.operation === 'GetUser')).toEqual([]);
    expect(calls.length).toBeLessThan(good / 10);
    expect(domainUsers(stack).size).toBe(good);
  }, 120_000);

  it('makes no duplicate when a Bulk answer is lost after it was applied and the request is sent again', async () => {
    // Prepare: the first Bulk request is applied, then its connection closes without an answer.
    stack = await startLocalStack({
      identityDomain: 'Employees',
      ...PREMIUM,
      faults: [{ operations: ['Bulk'], dropAfterWrite: true, count: 1 }],
    });
    const { text, good } = hiresCsv(150);
    // Act
    const run = await driveUpload({
      stack,
      name: 'incoming/lost.csv',
      content: text,
      deadlineMs: 60_000,
      entry: BUNDLE,
      startContainer: inProcessContainers,
    });
    // Assess
    // The lost request was applied (the local OCI logs it answered) and sent again.
    expect(stack.oci.requests.counts().Bulk?.ok).toBeGreaterThanOrEqual(2);
    expect(run.status).toBe('complete');
    expect(run.counts).toEqual({ succeeded: good, rejected: 150 - good, failed: 0, unreadable: 0 });
    const users = domainUsers(stack);
    expect(users.size).toBe(good);
    expect([...users.values()].every((n) => n === 1)).toBe(true);
    expect(members(stack, 'auditors')).toBe(good);
    // Each row whose user the lost request made says so: the resent create's 409 finds its own call's mark.
    const report = stack.oci.state.buckets.get(stack.uploadBucket)?.get('incoming/lost.csv.report.csv')?.body.toString('utf8') ?? '';
    const succeeded = report.split('\n').filter((line) => line.includes(',succeeded,'));
    expect(succeeded).toHaveLength(good);
    expect(succeeded.every((line) => line.includes('created user'))).toBe(true);
  });

  it('reports the one row whose Bulk operation failed, and only that row', async () => {
    // Prepare: two rows claim one user name for two employees; both are looked up before either is created.
    stack = await startLocalStack({ identityDomain: 'Employees', ...PREMIUM });
    const { text, good } = hiresCsv(60);
    const clash = `${text}X1,b7@example.com,b7@example.com,Other,Person,auditor,dev\n`;
    // Act
    const run = await driveUpload({
      stack,
      name: 'incoming/clash.csv',
      content: clash,
      deadlineMs: 60_000,
      entry: BUNDLE,
      startContainer: inProcessContainers,
    });
    // Assess
    // A file with a failed row ends `failed`, its other rows done.
    expect(run.status).toBe('failed');
    expect(run.counts).toEqual({ succeeded: good, rejected: 60 - good, failed: 1, unreadable: 0 });
    const report = stack.oci.state.buckets.get(stack.uploadBucket)?.get('incoming/clash.csv.report.csv')?.body.toString('utf8') ?? '';
    const failed = report.split('\n').filter((line) => line.includes('failed'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/USER_NAME_CONFLICT/);
    expect(domainUsers(stack).get('b7@example.com')).toBe(1);
    expect(stack.oci.requests.counts().Bulk?.ok).toBeGreaterThan(0);
  });

  it("waits out a Free domain's per-minute window another client has nearly used up, and completes with every row once", async () => {
    // Prepare: in the last 8 s another client made 145 of the 150 "Others" calls a Free domain allows in a
    // minute (within 20 a second): the window reopens only some 52 s from now.
    stack = await startLocalStack({ identityDomain: 'Employees', domainLimits: 'published' });
    const now = stack.oci.state.clock.now();
    for (let i = 0; i < 145; i += 1) expect(stack.oci.domainRate.check('ListUsers', now - 8000 + i * 55)).toBeUndefined();
    const started = Date.now();
    const { text, good } = hiresCsv(200);
    // Act
    const run = await driveUpload({
      stack,
      name: 'incoming/window.csv',
      content: text,
      deadlineMs: 60_000,
      entry: BUNDLE,
      startContainer: inProcessContainers,
    });
    // Assess
    expect(run.status).toBe('complete');
    expect(run.counts).toEqual({ succeeded: good, rejected: 200 - good, failed: 0, unreadable: 0 });
    expect(stack.oci.domainRate.counts.Others.throttled).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThan(50_000);
    const users = domainUsers(stack);
    expect(users.size).toBe(good);
    expect([...users.values()].every((n) => n === 1)).toBe(true);
    expect(members(stack, 'auditors')).toBe(good);
  }, 240_000);
  it('sends the bootstrap password only inside the Bulk creates: no report, state object, answer, log line or ONS message holds it', async () => {
    // Prepare: a canary password, and the function logging at debug.
    const canary = 'Canary-Bulk-Passw0rd-7f3a';
    stack = await startLocalStack({ identityDomain: 'Employees', bootstrapPassword: canary });
    const { text, good } = hiresCsv(300, 'k');
    const folder = mkdtempSync(join(tmpdir(), 'canary-'));
    const logFile = join(folder, 'containers.log');
    // Act
    const run = await driveUpload({
      stack,
      name: 'incoming/canary.csv',
      content: text,
      deadlineMs: 30_000,
      entry: BUNDLE,
      env: { LOG_LEVEL: 'debug' },
      logFile,
    });
    // Every line each container wrote to stdout and stderr, the SDK's and Node's included.
    const written = readFileSync(logFile, 'utf8');
    rmSync(folder, { recursive: true, force: true });
    // Assess: the upload went through Bulk, and every surface a person or another service reads is free of it.
    expect(run.status).toBe('complete');
    expect(run.counts.succeeded).toBe(good);
    const carrying = new Set(
      stack.oci.requests
        .entries()
        .filter((e) => e.body.includes(canary))
        .map((e) => e.operation),
    );
    expect([...carrying]).toEqual(['Bulk']);
    const objects = [...stack.oci.state.buckets.values()].flatMap((bucket) =>
      [...bucket].filter(([name]) => name !== 'incoming/canary.csv').map(([, o]) => o.body.toString('utf8')),
    );
    expect(objects.length).toBeGreaterThan(2);
    expect(written.split('\n').length).toBeGreaterThan(100);
    const surfaces = [
      written,
      JSON.stringify(run.answers),
      ...run.functionErrors,
      ...run.finishingLog,
      ...run.errors,
      ...objects,
      JSON.stringify(stack.oci.state.messages(stack.topicId)),
    ];
    expect(surfaces.filter((s) => s.includes(canary))).toEqual([]);
  }, 120_000);
});
