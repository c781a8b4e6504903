import type { IdentityDomainsClient } from 'oci-identitydomains';
import { type CallPolicy, callOci } from './call';

/**
 * SCIM calls oci-identitydomains 2.139.1 has no operation for (`POST /admin/v1/Bulk`,
 * `GET /admin/v1/ServiceProviderConfigs`), sent through the client's own HTTP client: signed exactly as
 * its other SCIM calls (the same signer, `ParsedKeyRequestSigner`), to the same domain URL, with the
 * same `Retry-After` observation (`observeRetryAfter`) and the same retries (`callOci`).
 */
export interface ScimRaw {
  send<T>(operation: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T>;
}

interface SendingClient {
  readonly endpoint: string;
  readonly _httpClient?: { send(request: { method: string; uri: string; headers: Headers; body?: string }): Promise<Response> };
}

/** What a SCIM error answer says (RFC 7644 section 3.12), as an OciError-like object `translateOciError` reads. */
async function scimFailure(
  response: Response,
): Promise<{ statusCode: number; serviceCode: string; message: string; opcRequestId?: string }> {
  const text = await response.text().catch(() => '');
  let detail = text.slice(0, 300);
  let code = String(response.status);
  try {
    const parsed = JSON.parse(text) as { detail?: unknown; scimType?: unknown; code?: unknown; message?: unknown };
    detail = String(parsed.detail ?? parsed.message ?? detail).slice(0, 300);
    code = String(parsed.scimType ?? parsed.code ?? code);
  } catch {
    // not JSON: the text is the message
  }
  const opcRequestId = response.headers.get('opc-request-id') ?? undefined;
  return { statusCode: response.status, serviceCode: code, message: detail, ...(opcRequestId ? { opcRequestId } : {}) };
}

/** Raw SCIM calls through `client`; undefined when the client has no HTTP client to borrow (a later SDK). */
export function scimRaw(client: IdentityDomainsClient, policy: CallPolicy): ScimRaw | undefined {
  const holder = client as unknown as SendingClient;
  const http = holder._httpClient;
  if (!http || typeof http.send !== 'function') return undefined;
  return {
    send: <T>(operation: string, method: 'GET' | 'POST', path: string, body?: unknown) =>
      callOci(
        operation,
        async () => {
          const headers = new Headers({ 'content-type': 'application/json', accept: 'application/json' });
          const text = body === undefined ? undefined : JSON.stringify(body);
          const response = await http.send({
            method,
            uri: `${holder.endpoint.replace(/\/$/, '')}${path}`,
            headers,
            ...(text !== undefined ? { body: text } : {}),
          });
          if (!response.ok) throw await scimFailure(response);
          return (await response.json()) as T;
        },
        policy,
      ),
  };
}

/** The bulk limits a domain advertises (RFC 7643 section 5, `bulk`). */
export interface BulkLimits {
  readonly maxOperations: number;
  readonly maxPayloadSize: number;
}

/**
 * Reads `bulk` from `GET /admin/v1/ServiceProviderConfigs` (Oracle's reference names the endpoint in the
 * plural; RFC 7644 section 4 in the singular). Undefined when the domain says Bulk is not supported.
 */
export async function readBulkLimits(raw: ScimRaw): Promise<BulkLimits | undefined> {
  const config = await raw.send<{
    bulk?: { supported?: unknown; maxOperations?: unknown; maxPayloadSize?: unknown };
    Resources?: { bulk?: { supported?: unknown; maxOperations?: unknown; maxPayloadSize?: unknown } }[];
  }>('ListServiceProviderConfigs', 'GET', '/admin/v1/ServiceProviderConfigs');
  // A list answer (`Resources`) or the resource itself: both shapes are seen in SCIM servers.
  const bulk = config.bulk ?? config.Resources?.[0]?.bulk;
  const maxOperations = Number(bulk?.maxOperations);
  const maxPayloadSize = Number(bulk?.maxPayloadSize);
  if (bulk?.supported !== true || !(maxOperations > 0) || !(maxPayloadSize > 0)) return undefined;
  return { maxOperations, maxPayloadSize };
}
