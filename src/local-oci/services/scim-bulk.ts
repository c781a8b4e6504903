import { type ApiRequest, type ApiResponse, type Route, scimError } from '../http';
import type { Principal } from '../signature';

/**
 * The bulk limits the domain advertises in its ServiceProviderConfig (RFC 7643 section 5). No Oracle
 * page found gives an identity domain's values ("Create a Bulk Request", POST /admin/v1/Bulk, in the
 * identity domains REST API reference, gives the request's shape only): these are chosen, conservative,
 * and a client must read them from `GET /admin/v1/ServiceProviderConfigs` rather than assume them.
 */
export const BULK_LIMITS = { maxOperations: 100, maxPayloadSize: 1_048_576 } as const;

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
const BULK_ID_REFERENCE = /^bulkId:(.+)$/;

/** One operation of a Bulk request, handed to the server's own dispatch as a single call. */
export interface BulkCall {
  readonly method: (typeof METHODS)[number];
  /** Under the domain URL, e.g. `/admin/v1/Groups/<id>`. */
  readonly path: string;
  readonly body: unknown;
  readonly headers: Record<string, string>;
  readonly principal: Principal;
  readonly region: string;
  /** The Bulk request that carries it: the request log keeps its operations with it. */
  readonly within: ApiRequest;
}

interface BulkOperation {
  method?: unknown;
  path?: unknown;
  bulkId?: unknown;
  version?: unknown;
  data?: unknown;
}

/**
 * SCIM Bulk (RFC 7644 section 3.7; Oracle: "Create a Bulk Request", POST /admin/v1/Bulk) and the
 * ServiceProviderConfig that advertises its limits (RFC 7644 section 4). Each operation goes through
 * `dispatch`, the server's path for a single call, so uniqueness (409 per operation), authorization,
 * tags, If-Match (`version`) and eventual consistency are those of the single calls. The Bulk request is
 * one call for the rate ("Bulk" group) and for faults (operation `Bulk`): a dropped answer after the
 * write leaves every operation applied. Each operation also meets the status faults of its own
 * operation (a `PatchGroup` rule answers a group PATCH inside the request), and the request log keeps
 * each operation it ran with the request: each applied write is an IAM write.
 */
export function scimBulkRoutes(options: { dispatch(call: BulkCall): Promise<ApiResponse> }): Route[] {
  const config: Route['handle'] = () => ({ status: 200, body: serviceProviderConfig() });
  return [
    {
      method: 'POST',
      pattern: /^\/admin\/v1\/Bulk$/,
      service: 'identitydomains',
      operation: 'Bulk',
      iamWrite: true,
      handle: (request) => bulk(request, options.dispatch),
    },
    // Oracle's reference lists ServiceProviderConfigs; RFC 7644 section 4 names the endpoint ServiceProviderConfig.
    {
      method: 'GET',
      pattern: /^\/admin\/v1\/ServiceProviderConfigs$/,
      service: 'identitydomains',
      operation: 'ListServiceProviderConfigs',
      handle: config,
    },
    {
      method: 'GET',
      pattern: /^\/admin\/v1\/ServiceProviderConfig$/,
      service: 'identitydomains',
      operation: 'GetServiceProviderConfig',
      handle: config,
    },
  ];
}

function serviceProviderConfig() {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    patch: { supported: true },
    bulk: { supported: true, ...BULK_LIMITS },
    filter: { supported: true, maxResults: 1000 },
    changePassword: { supported: true },
    sort: { supported: false },
    etag: { supported: true },
  };
}

async function bulk(request: ApiRequest, dispatch: (call: BulkCall) => Promise<ApiResponse>): Promise<ApiResponse> {
  // RFC 7644 section 3.7.4: past either limit, 413, and the error says which limit.
  if (request.rawBody.length > BULK_LIMITS.maxPayloadSize) {
    throw scimError(413, `The size of the bulk operation exceeds the maxPayloadSize (${BULK_LIMITS.maxPayloadSize}).`);
  }
  const body = request.json<{ schemas?: unknown; Operations?: unknown; failOnErrors?: unknown }>();
  if (!Array.isArray(body.schemas) || !body.schemas.includes(BULK_REQUEST)) {
    throw scimError(400, `schemas must include ${BULK_REQUEST}`, 'invalidSyntax');
  }
  if (!Array.isArray(body.Operations) || body.Operations.length === 0) throw scimError(400, 'Operations are required', 'invalidSyntax');
  if (body.Operations.length > BULK_LIMITS.maxOperations) {
    throw scimError(413, `The number of operations exceeds the maxOperations (${BULK_LIMITS.maxOperations}).`);
  }
  const failOnErrors = body.failOnErrors;
  if (failOnErrors !== undefined && (!Number.isInteger(failOnErrors) || (failOnErrors as number) < 1)) {
    throw scimError(400, 'failOnErrors must be a positive integer', 'invalidValue');
  }
  const operations = body.Operations as BulkOperation[];
  const bulkIds = operations.map((op) => op.bulkId).filter((id) => id !== undefined);
  if (new Set(bulkIds).size !== bulkIds.length) throw scimError(400, 'bulkId must be unique within a bulk request', 'invalidValue');

  const host = request.header('host') ?? '127.0.0.1';
  const created = new Map<string, string>();
  const results: unknown[] = [];
  let errors = 0;
  // Operations run in the order given (RFC 7644 section 3.7: a bulkId must be created before it is referenced).
  for (const operation of operations) {
    const result = await runOne(operation, created, { request, dispatch, host });
    results.push(result);
    if (Number(result.status) >= 400) errors += 1;
    // RFC 7644 section 3.7.3: after failOnErrors errors, the rest is not processed.
    if (failOnErrors !== undefined && errors >= (failOnErrors as number)) break;
  }
  return { status: 200, body: { schemas: [BULK_RESPONSE], Operations: results } };
}

async function runOne(
  operation: BulkOperation,
  created: Map<string, string>,
  context: { request: ApiRequest; dispatch: (call: BulkCall) => Promise<ApiResponse>; host: string },
): Promise<Record<string, unknown> & { status: string }> {
  const method = typeof operation.method === 'string' ? operation.method.toUpperCase() : '';
  const bulkId = typeof operation.bulkId === 'string' ? operation.bulkId : undefined;
  const echo = { method, ...(bulkId ? { bulkId } : {}) };
  const failed = (status: number, detail: string, scimType?: string) => ({
    ...echo,
    status: String(status),
    response: scimError(status, detail, scimType).body as Record<string, unknown>,
  });
  if (!(METHODS as readonly string[]).includes(method))
    return failed(400, `Unsupported bulk method ${String(operation.method)}`, 'invalidSyntax');
  if (typeof operation.path !== 'string' || !operation.path.startsWith('/')) return failed(400, 'path is required', 'invalidPath');
  if (method === 'POST' && bulkId === undefined) return failed(400, 'bulkId is required for POST', 'invalidValue');

  let unresolved: string | undefined;
  const resolve = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const reference = BULK_ID_REFERENCE.exec(value)?.[1];
      if (reference === undefined) return value;
      const id = created.get(reference);
      if (id === undefined) unresolved ??= reference;
      return id ?? value;
    }
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    return value;
  };
  const path = operation.path
    .split('/')
    .map((segment) => String(resolve(segment)))
    .join('/');
  const data = resolve(operation.data);
  // A reference to a bulkId not created (yet, or at all) cannot be resolved: RFC 7644 section 3.7.1 answers 409.
  if (unresolved !== undefined)
    return failed(409, `bulkId:${unresolved} does not name a resource created earlier in this request`, 'invalidValue');

  const response = await context.dispatch({
    method: method as BulkCall['method'],
    path: `/admin/v1${path}`,
    body: method === 'DELETE' ? undefined : data,
    headers: typeof operation.version === 'string' ? { 'if-match': operation.version } : {},
    principal: context.request.principal,
    region: context.request.region,
    within: context.request,
  });
  if (response.status >= 400) return { ...echo, status: String(response.status), response: response.body };
  const resource = response.body as { id?: unknown; meta?: { version?: unknown } } | undefined;
  const id = typeof resource?.id === 'string' ? resource.id : method === 'POST' ? undefined : path.split('/')[2];
  if (bulkId && typeof resource?.id === 'string') created.set(bulkId, resource.id);
  const version = response.headers?.etag;
  return {
    ...echo,
    status: String(response.status),
    ...(id ? { location: `http://${context.host}/admin/v1/${path.split('/')[1]}/${id}` } : {}),
    ...(version ? { version } : {}),
    ...(response.body !== undefined ? { response: response.body } : {}),
  };
}
