import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedFunctionGrant } from '@oci-iam-onboarding/local-oci/authz/seed';
import { fingerprintOf } from '@oci-iam-onboarding/local-oci/credentials';
import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import * as common from 'oci-common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, sdkClients } from './sdk';

/** Signs a request with the SDK's own signer, then lets the test change it before sending. */
async function signed(
  provider: common.AuthenticationDetailsProvider,
  method: string,
  url: string,
  body?: string,
  headers: Record<string, string> = {},
) {
  const request = { method, uri: url, headers: new Headers(headers), body };
  await new common.DefaultRequestSigner(provider).signHttpRequest(request as unknown as common.HttpRequest);
  return request as { method: string; uri: string; headers: Headers; body?: string };
}

describe('local OCI: request signatures', () => {
  let oci: LocalOci;
  let provider: common.AuthenticationDetailsProvider;
  let url: string;
  beforeAll(async () => {
    oci = await startLocalOci();
    provider = new common.ConfigFileAuthenticationDetailsProvider(oci.credentials.files.configFile);
    url = `${oci.endpointFor(oci.homeRegion)}/20160918/groups`;
  });
  afterAll(() => oci.stop());

  const body = (name: string) => JSON.stringify({ compartmentId: oci.credentials.tenancyId, name, description: 'd' });

  it('accepts the SDK signing with an API key and with a resource principal', async () => {
    await sdkClients(oci).identity.listUsers({ compartmentId: oci.credentials.tenancyId });
    // A resource principal may do only what a policy grants its dynamic group.
    const functions = [...oci.state.compartments.values()].find((c) => c.name === 'functions')?.id ?? '';
    seedFunctionGrant(oci.state, functions, {
      dynamicGroupName: 'signers',
      policyName: 'signers-policy',
      statements: ['Allow dynamic-group signers to manage groups in tenancy'],
    });
    const previous = { ...process.env };
    Object.assign(process.env, oci.credentials.resourcePrincipalEnv);
    try {
      const rp = common.ResourcePrincipalAuthenticationDetailsProvider.builder();
      const group = await sdkClients(oci, oci.homeRegion, rp).identity.createGroup({
        createGroupDetails: JSON.parse(body('by-rp')),
      });
      expect(group.group.name).toBe('by-rp');
    } finally {
      process.env = previous;
    }
    expect(oci.requests.entries().every((e) => e.outcome === 'ok')).toBe(true);
  });

  it('accepts a hand-signed request and rejects the same request with a tampered body', async () => {
    const good = await signed(provider, 'POST', url, body('signed-ok'));
    expect((await fetch(good.uri, { method: 'POST', headers: good.headers, body: good.body })).status).toBe(200);
    const tampered = await signed(provider, 'POST', url, body('tamper-1'));
    const response = await fetch(tampered.uri, {
      method: 'POST',
      headers: tampered.headers,
      body: body('tamper-2'),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      code: 'NotAuthenticated',
      message: expect.stringMatching(/x-content-sha256/),
    });
    expect(oci.state.findGroupByName('tamper-2')).toBeUndefined();
  });

  it('rejects a tampered path (the signature covers the request target)', async () => {
    const request = await signed(provider, 'GET', `${url}?compartmentId=${oci.credentials.tenancyId}`);
    const response = await fetch(`${url}?compartmentId=${oci.credentials.tenancyId}&name=x`, {
      headers: request.headers,
    });
    expect(response.status).toBe(401);
  });

  it('rejects a key it does not know', async () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dir = oci.credentials.files.dir;
    writeFileSync(join(dir, 'stranger.pem'), stranger.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(
      join(dir, 'stranger-config'),
      `[DEFAULT]\nuser=${oci.credentials.adminUserId}\nfingerprint=${fingerprintOf(stranger.publicKey)}\ntenancy=${oci.credentials.tenancyId}\nregion=us-ashburn-1\nkey_file=${join(dir, 'stranger.pem')}\n`,
    );
    const strangerProvider = new common.ConfigFileAuthenticationDetailsProvider(join(dir, 'stranger-config'));
    expect(
      await failure(
        sdkClients(oci, oci.homeRegion, strangerProvider).identity.listUsers({
          compartmentId: oci.credentials.tenancyId,
        }),
      ),
    ).toMatchObject({
      statusCode: 401,
      serviceCode: 'NotAuthenticated',
    });
  });

  it('rejects a stale date', async () => {
    const stale = new Date(Date.now() - 10 * 60_000).toUTCString();
    const request = await signed(provider, 'GET', `${url}?compartmentId=${oci.credentials.tenancyId}`, undefined, { 'x-date': stale });
    const response = await fetch(request.uri, { headers: request.headers });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { message: string }).message).toMatch(/clock skew/);
  });

  it('rejects an expired resource-principal token', async () => {
    const expired = join(oci.credentials.files.dir, 'expired-rpst');
    writeFileSync(expired, oci.credentials.issueRpst({ expiresInSeconds: -60 }));
    const previous = { ...process.env };
    Object.assign(process.env, oci.credentials.resourcePrincipalEnv, {
      OCI_RESOURCE_PRINCIPAL_RPST: expired,
    });
    try {
      const rp = common.ResourcePrincipalAuthenticationDetailsProvider.builder();
      const before = oci.state.groups.size;
      const error = await failure(
        sdkClients(oci, oci.homeRegion, rp).identity.createGroup({
          createGroupDetails: JSON.parse(body('expired')),
        }),
      );
      expect(error).toMatchObject({ statusCode: 401, serviceCode: 'NotAuthenticated' });
      expect(error.message).toMatch(/expired/);
      expect(oci.state.groups.size).toBe(before);
    } finally {
      process.env = previous;
    }
  });

  it('rejects a request with no signature, and logs it as unauthenticated', async () => {
    const mark = oci.requests.mark();
    const response = await fetch(`${url}?compartmentId=${oci.credentials.tenancyId}`);
    expect(response.status).toBe(401);
    expect(oci.requests.counts(mark)).toEqual({ ListGroups: { unauthenticated: 1 } });
  });
});
