import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Condition } from '../../src/core/policy/ast';
import { parseStatement } from '../../src/core/policy/parser';
import { permissionsFor } from '../../src/local-oci/authz/operations';
import { type PolicyVerb, permissionsGranted } from '../../src/local-oci/authz/permissions';
import { startFunction } from '../../src/local-oci/fn-harness';
import { type LocalStack, startLocalStack } from '../../src/local-oci/stack';
import { signWebhook } from '../../src/triggers/webhook';
import { fixtureJson } from '../helpers';
import { BUNDLE, newHire } from './scenario';

// The function's policy is exactly enough: under it every path succeeds with no denial, and
// without any one of its statements some path fails with the denial named in its result. One
// local OCI is shared; each case starts a fresh function process (a warm one would keep the home
// region and secrets it had already read) and uses new names (a replay would write nothing).

/** What one run of the compact scenario saw: every result's text and the denials meanwhile. */
interface Run {
  readonly texts: readonly string[];
  readonly succeeded: boolean;
  readonly denials: readonly string[];
}

/** The values a condition compares `variable` with, at any depth (`=` only). */
function valuesOf(condition: Condition | undefined, variable: string): string[] {
  if (!condition) return [];
  if (condition.kind !== 'compare') return condition.items.flatMap((item) => valuesOf(item, variable));
  return condition.variable === variable && condition.operator === '=' ? condition.values.map((v) => v.text.toUpperCase()) : [];
}

/**
 * The operations this local OCI serves that a statement could allow. A statement none of whose
 * operations the function's paths here call (SMTP credentials, detached invocations, multipart
 * uploads are not served yet) cannot be shown to be needed, and is listed as such instead.
 */
function servedOperationsFor(stack: LocalStack, text: string): string[] {
  const statement = parseStatement(text).statement;
  if (statement.kind !== 'allow') return [];
  let granted: Set<string> =
    statement.grant.kind === 'verb'
      ? new Set(permissionsGranted(statement.grant.verb as PolicyVerb, statement.grant.resource))
      : new Set(statement.grant.permissions);
  const permissions = valuesOf(statement.condition, 'request.permission');
  const operations = valuesOf(statement.condition, 'request.operation');
  if (permissions.length > 0 || operations.length > 0) granted = new Set([...granted].filter((p) => permissions.includes(p)));
  return stack.oci.operations
    .filter(({ service, operation }) => {
      const needs = permissionsFor(service, operation);
      const named = operations.includes(operation.toUpperCase());
      return named || [...(needs?.requires ?? []), ...(needs?.whenTargetExists ?? [])].flat().some((p) => granted.has(p));
    })
    .map(({ service, operation }) => `${service}:${operation}`);
}

/** Removes the role groups, memberships and policies an earlier case created, so each case creates them again. */
function resetRoles(stack: LocalStack): void {
  const { state } = stack.oci;
  state.memberships.clear();
  state.groups.clear();
  for (const [id, policy] of state.policies) if (policy.name !== stack.functionGrant.policyName) state.policies.delete(id);
  state.domain?.groups.clear();
}

async function compactScenario(stack: LocalStack, tag: string): Promise<Run> {
  resetRoles(stack);
  stack.oci.authz.clearDenials();
  const fn = await startFunction({ entry: BUNDLE, env: stack.functionEnv });
  try {
    // A hire through an HR webhook (API Gateway): reads the webhook secret, then onboards.
    const body = JSON.stringify(newHire({ employeeId: `W${tag}`, userName: `webhook.${tag}@example.com` }));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const hook = await fn.invoke(body, {
      headers: {
        'Fn-Intent': 'httprequest',
        'Fn-Http-Method': 'POST',
        'Fn-Http-Request-Url': '/hr/new-hires',
        'Fn-Http-H-X-Hr-Signature': signWebhook(stack.webhookSecret, timestamp, body),
        'Fn-Http-H-X-Hr-Timestamp': timestamp,
      },
    });
    // A mover: the same hire again with a changed e-mail updates the user.
    const mover = await fn.invoke(
      JSON.stringify(newHire({ employeeId: `W${tag}`, userName: `webhook.${tag}@example.com`, email: `moved.${tag}@example.com` })),
    );
    // An upload: a CSV in the upload bucket, announced by an OCI Events object event.
    const name = `incoming/proof-${tag}.csv`;
    stack.oci.state.putObject(
      stack.uploadBucket,
      name,
      `employeeId,userName,email,givenName,familyName,roles,compartment\r\nU${tag},upload.${tag}@example.com,upload.${tag}@example.com,Up,Load,auditor,dev\r\n`,
      'text/csv',
    );
    const event = fixtureJson('envelopes', 'oci-event-createobject.json') as {
      eventID: string;
      data: { resourceName: string; additionalDetails: Record<string, string> };
    };
    event.eventID = randomUUID();
    event.data.resourceName = name;
    event.data.additionalDetails.namespace = stack.oci.state.namespace;
    event.data.additionalDetails.bucketName = stack.uploadBucket;
    const upload = await fn.invoke(JSON.stringify(event));
    const results = [hook, mover, upload].map((r) => r.json as { status?: string; report?: { counts?: { failed?: number } } });
    return {
      texts: [hook.body, mover.body, upload.body],
      succeeded:
        results[0]?.status === 'succeeded' &&
        results[1]?.status === 'succeeded' &&
        results[2]?.status === 'complete' &&
        results[2]?.report?.counts?.failed === 0,
      denials: stack.oci.authz.denials().map((d) => `${d.service}:${d.operation} needs ${d.missing.map((m) => m.join('|')).join(', ')}`),
    };
  } finally {
    await fn.stop();
  }
}

describe.each([
  ['classic IAM', undefined],
  ['an identity domain', 'Employees'],
])('the deployment policy is exactly enough, with %s', (_mode, identityDomain) => {
  let stack: LocalStack;
  let statements: readonly string[];
  /** The operations the function's paths called under the full policy. */
  let called = new Set<string>();
  beforeAll(async () => {
    stack = await startLocalStack(identityDomain ? { identityDomain } : {});
    statements = stack.functionGrant.statements;
  });
  afterAll(() => stack.oci.stop());

  it('lets every path succeed with no call denied', async () => {
    // Act
    const run = await compactScenario(stack, 'all');
    called = new Set(stack.oci.requests.entries().map((e) => `${e.service}:${e.operation}`));
    // Assess
    expect(run.denials).toEqual([]);
    expect(run.succeeded).toBe(true);
  });

  it('fails some path, naming the denial, without any one of its statements', async () => {
    const unneeded: string[] = [];
    const unprovable: string[] = [];
    for (const [index, dropped] of statements.entries()) {
      if (!servedOperationsFor(stack, dropped).some((operation) => called.has(operation))) {
        unprovable.push(dropped);
        continue;
      }
      // Prepare
      stack.grantFunction(statements.filter((_, i) => i !== index));
      // Act
      const run = await compactScenario(stack, `d${index}`);
      // Assess (collected, so one run reports every statement that proved unneeded)
      const named = run.texts.some((text) => /NotAuthorizedOrNotFound|BucketNotFound|\b403\b/.test(text));
      // A failed publish leaves the hire succeeded but names the denial; a denied upload read is not complete.
      if (run.denials.length === 0 || (run.succeeded && !named))
        unneeded.push(`${dropped} (denied: ${run.denials.join('; ') || 'nothing'})`);
    }
    stack.grantFunction(statements);
    expect(unneeded).toEqual([]);
    // Only statements for operations the local OCI does not serve, or the paths here do not call, go unproven
    // (GetFunction is called only where no endpoint template points the function at the local OCI).
    for (const statement of unprovable) expect(statement).toMatch(/manage credentials|read buckets|fn-invocation|fn-function/);
  }, 240_000);
});
