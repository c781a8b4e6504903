import type { SecretsClient } from 'oci-secrets';
import type { SecretSource } from '../core/ports';
import { ErrorCode, OciCallError, OnboardingError } from '../support/errors';
import { SecretValue } from '../support/secret';
import { type CallPolicy, callOci, clockOf } from './call';

export type SecretRef = { readonly secretId: string } | { readonly secretName: string; readonly vaultId: string };

/**
 * Reads the bootstrap password from Vault and keeps it for `ttlMs` across warm invocations, so a
 * burst of hires costs one read. The value only ever exists as a SecretValue.
 */
export function vaultSecretSource(client: SecretsClient, ref: SecretRef, ttlMs: number): (policy: CallPolicy) => SecretSource {
  let cached: { value: SecretValue; until: number } | undefined;
  return (policy) => ({
    async read() {
      if (cached && cached.until > clockOf(policy).now()) return cached.value;
      try {
        const response = await callOci(
          'secretId' in ref ? 'GetSecretBundle' : 'GetSecretBundleByName',
          () =>
            'secretId' in ref
              ? client.getSecretBundle({ secretId: ref.secretId })
              : client.getSecretBundleByName({ secretName: ref.secretName, vaultId: ref.vaultId }),
          policy,
        );
        const content = response.secretBundle.secretBundleContent as { contentType?: string; content?: string } | undefined;
        if (content?.contentType !== 'BASE64' || !content.content)
          throw new OnboardingError(ErrorCode.SecretUnavailable, 'The bootstrap secret has no BASE64 content');
        const value = new SecretValue(Buffer.from(content.content, 'base64').toString('utf8'));
        cached = { value, until: clockOf(policy).now() + ttlMs };
        return value;
      } catch (error) {
        if (error instanceof OnboardingError && !(error instanceof OciCallError)) throw error;
        const detail =
          error instanceof OciCallError
            ? ` (${error.status ?? 'no response'} ${error.ociCode ?? ''}, opc-request-id ${error.opcRequestId ?? 'none'})`
            : '';
        throw new OnboardingError(ErrorCode.SecretUnavailable, `The bootstrap secret could not be read${detail}`, { cause: error });
      }
    },
  });
}
