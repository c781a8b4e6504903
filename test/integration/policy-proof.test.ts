import { permissionsFor } from '@oci-iam-onboarding/local-oci/authz/operations';
import { type PolicyVerb, permissionsGranted } from '@oci-iam-onboarding/local-oci/authz/permissions';
import type { CredentialPath } from '@oci-iam-onboarding/local-oci/state';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Condition } from '../../src/core/policy/ast';
import { parseStatement } from '../../src/core/policy/parser';
import { type LocalStack, startLocalStack } from '../../src/local-stack/stack';
import { driveUpload } from '../../src/local-stack/upload-driver';
import { signWebhook } from '../../src/triggers/webhook';
import { FakeClock } from '../fake-clock';
import { inProcessContainers, startInProcess } from '../in-process';
import { BUNDLE, newHire } from './scenario';

// The function's policy is exactly enough: under it every path succeeds with no denial, and
// without any one of its statements some path fails with the denial named in its result. One
// local OCI is shared; each case starts a fresh function (a warm one would keep the home region and
// secrets it had already read) and uses new names (a replay would write nothing). The people part
// runs the handler in this process (test/in-process.ts: a fresh handler has fresh caches, as a fresh
// process has), and so does the upload part, on containers of driveUpload started in this process.

/** What one run of a part of the compact scenario saw: every result's text and the denials meanwhile. */
interface Run {
  readonly texts: readonly string[];
  readonly succeeded: boolean;
  readonly denials: readonly string[];
  /** The operations called meanwhile, as `service:operation`. */
  readonly called: ReadonlySet<string>;
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

const CREDENTIAL_KINDS: readonly CredentialPath[] = [
  'apiKeys',
  'authTokens',
  'customerSecretKeys',
  'smtpCredentials',
  'oauth2ClientCredentials',
];

/** A hired user's id as the function's directory knows it (the SCIM id on the domain path). */
function userIdOf(stack: LocalStack, userName: string): string {
  const { state } = stack.oci;
  if (state.domain) return [...state.domain.users.values()].find((u) => u.userName === userName)?.id ?? '';
  return [...state.users.values()].find((u) => u.name === userName)?.id ?? '';
}

/**
 * A hire through an HR webhook (reads the webhook secret), a mover, and a leaver holding a credential
 * of every kind (API key, auth token, customer secret key, SMTP, OAuth 2.0), all taken from them.
 */
async function peoplePart(stack: LocalStack, tag: string): Promise<Omit<Run, 'denials' | 'called'>> {
  // On a fake clock from now: a denial answers 404, which the function takes for eventual consistency
  // after a write and retries with backoff until its deadline; those waits are its own, not the local OCI's.
  const fn = startInProcess({ env: stack.functionEnv, clock: new FakeClock(Date.now()) });
  try {
    const userName = `webhook.${tag}@example.com`;
    const body = JSON.stringify(newHire({ employeeId: `W${tag}`, userName }));
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
    const mover = await fn.invoke(JSON.stringify(newHire({ employeeId: `W${tag}`, userName, email: `moved.${tag}@example.com` })));
    const id = userIdOf(stack, userName);
    for (const kind of CREDENTIAL_KINDS) if (id) stack.oci.state.addCredential(id, kind);
    const leaver = await fn.invoke(
      JSON.stringify({ type: 'leaver', employeeId: `W${tag}`, effectiveDate: '2026-01-31', reason: 'resigned' }),
    );
    const results = [hook, mover, leaver].map((r) => r.json as { status?: string });
    return { texts: [hook.body, mover.body, leaver.body], succeeded: results.every((r) => r?.status === 'succeeded') };
  } finally {
    await fn.stop();
  }
}

/**
 * An upload of two hires, one row per chunk, announced by an OCI Events object event: the first
 * invocation hands the second chunk to a detached invocation of itself (GetFunction for its invoke
 * endpoint, then InvokeFunction), as the platform runs them.
 */
async function uploadPart(stack: LocalStack, tag: string): Promise<Omit<Run, 'denials' | 'called'>> {
  const rows = ['A', 'B'].map((row) => `U${tag}${row},upload.${tag}${row}@example.com,upload.${tag}${row}@example.com,Up,Load,auditor,dev`);
  const run = await driveUpload({
    stack,
    name: `incoming/proof-${tag}.csv`,
    content: `employeeId,userName,email,givenName,familyName,roles,compartment\r\n${rows.join('\r\n')}\r\n`,
    deadlineMs: 30_000,
    entry: BUNDLE,
    startContainer: inProcessContainers,
    env: { UPLOAD_CHUNK_ROWS: '1', UPLOAD_INVOCATIONS: '2' },
    maxContainers: 2,
  });
  return {
    texts: [...run.answers.map((a) => JSON.stringify(a)), ...run.errors],
    succeeded: run.status === 'complete' && run.counts.failed === 0 && run.counts.succeeded === 2,
  };
}

const PARTS = { people: peoplePart, upload: uploadPart } as const;
type PartName = keyof typeof PARTS;

async function runPart(stack: LocalStack, part: PartName, tag: string): Promise<Run> {
  resetRoles(stack);
  stack.oci.authz.clearDenials();
  const mark = stack.oci.requests.mark();
  const seen = await PARTS[part](stack, tag);
  return {
    ...seen,
    denials: stack.oci.authz.denials().map((d) => `${d.service}:${d.operation} needs ${d.missing.map((m) => m.join('|')).join(', ')}`),
    called: new Set(stack.oci.requests.entries(mark).map((e) => `${e.service}:${e.operation}`)),
  };
}

describe.each([
  ['classic IAM', undefined],
  ['an identity domain', 'Employees'],
])('the deployment policy is exactly enough, with %s', (_mode, identityDomain) => {
  let stack: LocalStack;
  let statements: readonly string[];
  /** The operations each part called under the full policy. */
  const called = new Map<PartName, ReadonlySet<string>>();
  beforeAll(async () => {
    // The function paces itself to a domain type's published windows; authorization, not the rate, is
    // the subject here, so the domain is Premium (docs/testing.md).
    stack = await startLocalStack(identityDomain ? { identityDomain, extraEnv: { IDENTITY_DOMAIN_TYPE: 'premium' } } : {});
    statements = stack.functionGrant.statements;
  });
  afterAll(() => stack.oci.stop());

  it('lets every path succeed with no call denied', async () => {
    // Act
    const runs = [];
    for (const part of Object.keys(PARTS) as PartName[]) {
      const run = await runPart(stack, part, `all-${part}`);
      called.set(part, run.called);
      runs.push(run);
    }
    // Assess: every part succeeded, and the upload went on in a detached invocation of the function.
    expect(runs.flatMap((run) => run.denials)).toEqual([]);
    expect(runs.map((run) => run.succeeded)).toEqual([true, true]);
    expect(called.get('upload')).toContain('functions:InvokeFunction');
    expect(called.get('upload')).toContain('functions:GetFunction');
  });

  it('fails some path, naming the denial, without any one of its statements', async () => {
    const unneeded: string[] = [];
    const unprovable: string[] = [];
    for (const [index, dropped] of statements.entries()) {
      const operations = servedOperationsFor(stack, dropped);
      // The parts that called an operation the statement allows; the first whose run shows it needed settles it.
      const parts = [...called].filter(([, ops]) => operations.some((op) => ops.has(op))).map(([part]) => part);
      if (parts.length === 0) {
        unprovable.push(dropped);
        continue;
      }
      // Prepare
      stack.grantFunction(statements.filter((_, i) => i !== index));
      const outcomes: string[] = [];
      let needed = false;
      for (const part of parts) {
        // Act
        const run = await runPart(stack, part, `d${index}-${part}`);
        // Assess (collected, so one run reports every statement that proved unneeded)
        const named = run.texts.some((text) => /NotAuthorizedOrNotFound|BucketNotFound|\b403\b/.test(text));
        // A failed publish leaves the hire succeeded but names the denial; a denied upload read is not complete.
        needed = run.denials.length > 0 && (!run.succeeded || named);
        outcomes.push(`${part}: denied ${run.denials.join('; ') || 'nothing'}`);
        if (needed) break;
      }
      if (!needed) unneeded.push(`${dropped} (${outcomes.join('; ')})`);
    }
    stack.grantFunction(statements);
    expect(unneeded).toEqual([]);
    // Every statement of the deployment policy allows an operation some path here calls.
    expect(unprovable).toEqual([]);
  }, 240_000);
});
