import { afterEach, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../src/local-oci/stack';
import { driveUpload } from '../../src/local-oci/upload-driver';
import { BUNDLE } from './scenario';

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
    const run = await driveUpload({ stack, name: 'incoming/bulk.csv', content: text, deadlineMs: 60_000, entry: BUNDLE });
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
});
