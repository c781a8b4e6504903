import type { LocalOci } from '@oci-iam-onboarding/local-oci/server';
import * as common from 'oci-common';

/**
 * A SCIM call oci-identitydomains 2.139.1 has no operation for (Bulk, ServiceProviderConfigs), signed
 * by the SDK's own signer as it signs its other SCIM calls, with the local OCI's admin key.
 */
export async function signedScim(
  oci: LocalOci,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  /** A config file to sign with; the administrator's by default. */
  configFile = oci.credentials.files.configFile,
): Promise<{ status: number; headers: Headers; json: unknown }> {
  const uri = `${oci.domainUrl ?? ''}${path}`;
  const headers = new Headers({ 'content-type': 'application/json', accept: 'application/json' });
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  await new common.DefaultRequestSigner(new common.ConfigFileAuthenticationDetailsProvider(configFile)).signHttpRequest({
    method,
    uri,
    headers,
    ...(text !== undefined ? { body: text } : {}),
  } as never);
  const response = await fetch(uri, { method, headers, ...(text !== undefined ? { body: text } : {}) });
  const raw = await response.text();
  return { status: response.status, headers: response.headers, json: raw ? JSON.parse(raw) : undefined };
}
