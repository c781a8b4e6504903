import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vaultSecretSource } from '../../src/oci/vault-secret';
import { createLogger } from '../../src/support/logger';
import { sdkClients } from '../local-oci/sdk';

describe('Vault bootstrap secret, read with the real Secrets client', () => {
  let oci: LocalOci;
  const canary = 'Canary-Vault-Pw-51e0!';
  const policy = () => ({ deadline: Date.now() + 5000, maxAttempts: 3, log: createLogger({ write: () => {} }) });
  beforeAll(async () => {
    oci = await startLocalOci();
  });
  afterAll(() => oci.stop());

  it('reads by OCID, keeps it for the TTL across calls, and never prints it', async () => {
    const secret = oci.state.addSecret({ name: 'boot', vaultId: 'ocid1.vault.oc1..v', content: canary });
    const sourceFor = vaultSecretSource(sdkClients(oci).secrets, { secretId: secret.id }, 60_000);
    const mark = oci.requests.mark();
    const first = await sourceFor(policy()).read();
    const second = await sourceFor(policy()).read();
    expect(first.reveal()).toBe(canary);
    expect(second).toBe(first);
    expect(oci.requests.counts(mark)).toEqual({ GetSecretBundle: { ok: 1 } });
    expect(`${JSON.stringify({ first })} ${String(first)}`).not.toContain(canary);
  });

  it('reads by name and vault', async () => {
    oci.state.addSecret({ name: 'by-name', vaultId: 'ocid1.vault.oc1..w', content: 'named' });
    const source = vaultSecretSource(sdkClients(oci).secrets, { secretName: 'by-name', vaultId: 'ocid1.vault.oc1..w' }, 60_000)(policy());
    expect((await source.read()).reveal()).toBe('named');
  });

  it('fails with SECRET_UNAVAILABLE and the opc-request-id when the secret cannot be read', async () => {
    const source = vaultSecretSource(sdkClients(oci).secrets, { secretId: 'ocid1.vaultsecret.oc1..missing' }, 60_000)(policy());
    await expect(source.read()).rejects.toMatchObject({
      code: 'SECRET_UNAVAILABLE',
      message: expect.stringMatching(/404 NotAuthorizedOrNotFound, opc-request-id \S+\/\S+/),
    });
  });
});
