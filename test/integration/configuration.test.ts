import { afterEach, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../src/local-stack/stack';
import { FakeClock } from '../fake-clock';
import { demoCatalogJson, fixtureJson, readFixture } from '../helpers';
import { startInProcess } from '../in-process';
import { newHire } from './scenario';

describe('configuration, credentials and the role catalog', () => {
  let stack: LocalStack | undefined;
  afterEach(async () => {
    await stack?.oci.stop();
    stack = undefined;
  });

  async function invokeWith(env: Record<string, string>, event: unknown = newHire()) {
    const fn = startInProcess({ env });
    try {
      const response = await fn.invoke(JSON.stringify(event));
      return {
        result: response.json as { status: string; errors: { code: string; message: string; problems?: { path: string }[] }[] },
        stdout: fn.stdout,
      };
    } finally {
      await fn.stop();
    }
  }

  it('reports every configuration problem at once, without touching OCI', async () => {
    stack = await startLocalStack();
    const { ONS_TOPIC_ID: _topic, ...env } = stack.functionEnv;
    const { result } = await invokeWith({ ...env, DRY_RUN: 'maybe' });
    expect(result.status).toBe('failed');
    expect(result.errors[0]?.code).toBe('INVALID_CONFIG');
    expect(result.errors[0]?.problems?.map((p) => p.path)).toEqual(expect.arrayContaining(['ONS_TOPIC_ID', 'DRY_RUN']));
    expect(stack.oci.requests.entries()).toHaveLength(0);
  });

  it('says clearly when there are no credentials at all', async () => {
    stack = await startLocalStack();
    const env = Object.fromEntries(Object.entries(stack.functionEnv).filter(([key]) => !key.startsWith('OCI_RESOURCE_PRINCIPAL')));
    const { result } = await invokeWith({ ...env, HOME: '/nonexistent' });
    expect(result.errors[0]).toMatchObject({ code: 'AUTH_UNAVAILABLE', message: expect.stringMatching(/OCI_RESOURCE_PRINCIPAL_VERSION/) });
  });

  it('runs from a laptop with an OCI config-file profile', async () => {
    stack = await startLocalStack();
    const env = Object.fromEntries(Object.entries(stack.functionEnv).filter(([key]) => !key.startsWith('OCI_RESOURCE_PRINCIPAL')));
    const { result } = await invokeWith({ ...env, OCI_AUTH: 'config_file', OCI_CONFIG_FILE: stack.oci.credentials.files.configFile });
    expect(result.status).toBe('succeeded');
  });

  it('loads the role catalog from Object Storage, and revalidates it with a 304 when unchanged', async () => {
    stack = await startLocalStack();
    stack.oci.state.putObject('config', 'iam/role-catalog.json', demoCatalogJson(), 'application/json');
    // A catalog kept in a bucket is read under a grant of its own, as the deployment policy gives it.
    stack.grantFunction([
      ...stack.functionGrant.statements,
      "Allow dynamic-group iam-onboarding-fn to read objects in tenancy where target.bucket.name = 'config'",
    ]);
    const { ROLE_CATALOG: _inline, ...env } = stack.functionEnv;
    const clock = new FakeClock(Date.now());
    const fn = startInProcess({
      env: { ...env, ROLE_CATALOG_BUCKET: 'config', ROLE_CATALOG_OBJECT: 'iam/role-catalog.json', ROLE_CATALOG_TTL_SECONDS: '1' },
      clock,
    });
    try {
      expect((await fn.invoke(JSON.stringify(newHire()))).json).toMatchObject({ status: 'succeeded' });
      // Within the TTL the cached catalog serves; past it, the catalog is revalidated.
      clock.advance(500);
      expect((await fn.invoke(JSON.stringify(newHire()))).json).toMatchObject({ status: 'succeeded' });
      expect(stack.oci.requests.counts().GetObject).toEqual({ ok: 1 });
      clock.advance(600);
      expect((await fn.invoke(JSON.stringify(newHire()))).json).toMatchObject({ status: 'succeeded' });
      expect(stack.oci.requests.counts().GetObject).toEqual({ ok: 2 });
      expect(
        stack.oci.requests
          .entries()
          .filter((e) => e.operation === 'GetObject')
          .map((e) => e.status),
      ).toEqual([200, 304]);
    } finally {
      await fn.stop();
    }
  });

  it('refuses an invalid inline role catalog with the other config problems, before any call to OCI', async () => {
    // Prepare: a bad catalog and no ONS topic: both must be reported in one round.
    stack = await startLocalStack({ catalog: readFixture('catalogs', 'invalid-catalog.json') });
    const { ONS_TOPIC_ID: _topic, ...env } = stack.functionEnv;

    // Act
    const { result } = await invokeWith(env, fixtureJson('events', 'new-hire-minimal.json'));

    // Assess
    expect(result.status).toBe('failed');
    expect(result.errors[0]?.code).toBe('INVALID_CONFIG');
    const paths = result.errors[0]?.problems?.map((p) => p.path) ?? [];
    expect(paths).toContain('ONS_TOPIC_ID');
    expect(paths.filter((path) => path.startsWith('ROLE_CATALOG.')).length).toBeGreaterThanOrEqual(5);
    expect(stack.oci.requests.entries()).toHaveLength(0);
  });

  it('refuses an invalid catalog in Object Storage before any IAM call, and reports it on the topic', async () => {
    stack = await startLocalStack();
    stack.oci.state.putObject('config', 'iam/role-catalog.json', readFixture('catalogs', 'invalid-catalog.json'), 'application/json');
    stack.grantFunction([
      ...stack.functionGrant.statements,
      "Allow dynamic-group iam-onboarding-fn to read objects in tenancy where target.bucket.name = 'config'",
    ]);
    const { ROLE_CATALOG: _inline, ...env } = stack.functionEnv;
    const { result } = await invokeWith({ ...env, ROLE_CATALOG_BUCKET: 'config', ROLE_CATALOG_OBJECT: 'iam/role-catalog.json' });
    expect(result.errors[0]?.code).toBe('INVALID_ROLE_CATALOG');
    expect(stack.oci.requests.entries().map((e) => e.operation)).toEqual([
      'ListRegionSubscriptions',
      'GetNamespace',
      'GetObject',
      'PublishMessage',
    ]);
  });
});
