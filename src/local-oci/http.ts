import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from './signature';

/** An error answered with OCI's body `{"code","message"}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** A body other than OCI's `{code, message}`, e.g. a SCIM error. */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** A SCIM error (RFC 7644 section 3.12), as the Identity Domains API answers. */
export function scimError(status: number, detail: string, scimType?: string): ApiError {
  return new ApiError(status, scimType ?? 'scim', detail, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
    detail,
    status: String(status),
    ...(scimType ? { scimType } : {}),
  });
}

export const notFound = (what: string) =>
  new ApiError(404, 'NotAuthorizedOrNotFound', `Authorization failed or requested resource not found: ${what}`);

export interface ApiRequest {
  readonly method: string;
  readonly params: readonly string[];
  /** Decoded as a real server decodes a query string: `+` is a space. */
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: Buffer;
  readonly region: string;
  readonly principal: Principal;
  json<T = Record<string, unknown>>(): T;
  header(name: string): string | undefined;
}

export interface ApiResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** IAM changes the call made, for the request log, when not one (a group patch adding several members). */
  readonly writes?: number;
}

export interface Route {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Matched against the path without the API version prefix's region part. */
  readonly pattern: RegExp;
  readonly service:
    | 'identity'
    | 'identitydomains'
    | 'secrets'
    | 'notifications'
    | 'objectstorage'
    | 'events'
    | 'logging'
    | 'functions'
    | 'queue'
    | 'resourcescheduler';
  /** The operation's name in OCI's API reference, e.g. `CreateUser`. */
  readonly operation: string;
  /** Whether the operation changes IAM state (IAM writes must go to the home region). */
  readonly iamWrite?: boolean;
  /** OCI signs Object Storage PutObject without the body headers. */
  readonly excludeBody?: boolean;
  handle(request: ApiRequest): ApiResponse | Promise<ApiResponse>;
}

/**
 * Calls a route's handler as the server does once a request is authenticated and authorized, with a
 * JSON body: no HTTP and no signature. For checks of the services' state and the bench's timings.
 */
export async function callRoute(
  routes: readonly Route[],
  method: Route['method'],
  operation: string,
  options: { params?: readonly string[]; query?: Record<string, string>; body?: unknown } = {},
): Promise<ApiResponse> {
  const route = routes.find((r) => r.operation === operation && r.method === method);
  if (!route) throw new Error(`no route ${method} ${operation}`);
  const raw = Buffer.from(options.body === undefined ? '' : JSON.stringify(options.body));
  return route.handle({
    method,
    params: options.params ?? [],
    query: new URLSearchParams(options.query ?? {}),
    headers: {},
    rawBody: raw,
    region: 'us-ashburn-1',
    principal: undefined as never,
    json: <T>() => JSON.parse(raw.toString() || '{}') as T,
    header: () => undefined,
  });
}

/** What a list operation pages: an array, or a list that makes only the slice asked for. */
export interface Listing<T> {
  readonly length: number;
  slice(start: number, end: number): T[];
}

/**
 * Reads `limit` and `page` and slices a list the way OCI's list operations page; `view` shapes only the
 * page's items (shaping all of them for each page made a listing of 100,000 users cost 10 million views).
 */
export function pageOf<T>(items: Listing<T>, query: URLSearchParams, view?: (item: T) => unknown): ApiResponse {
  const limit = Math.min(Math.max(Number(query.get('limit') ?? 100) || 100, 1), 1000);
  const start = Number(query.get('page') ?? 0) || 0;
  const slice = view ? items.slice(start, start + limit).map(view) : items.slice(start, start + limit);
  const next = start + limit < items.length ? String(start + limit) : undefined;
  return { status: 200, body: slice, headers: next ? { 'opc-next-page': next } : {} };
}

export function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new ApiError(400, 'InvalidParameter', `${field} is required`);
  }
  return value;
}
