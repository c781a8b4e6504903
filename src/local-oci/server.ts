import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Authorizer } from './authz/authorizer';
import { addPerson, type LocalUser, userExists } from './authz/people';
import { createLocalCredentials, type LocalCredentials } from './credentials';
import type { DomainType } from './domain-rate-limits';
import { EventualConsistency } from './eventual-consistency';
import { type FaultRule, Faults, faultCode } from './faults';
import { ApiError, type ApiRequest, type ApiResponse, type Route, scimError } from './http';
import { makeOcid, makeRequestId } from './ocid';
import { DomainRate, IamRate, type IamRateLimits } from './rate-limit';
import { type LoggedOperation, RequestLog, type RequestLogKeeps } from './request-log';
import { runDueSchedules } from './schedule-runner';
import { type ScheduleRun, type ScheduleState, schedulesOf } from './schedule-state';
import { bucketRoutes } from './services/buckets';
import { dynamicGroupRoutes } from './services/dynamic-groups';
import { eventsRoutes } from './services/events';
import { type FunctionInvoker, functionsInvokeRoutes } from './services/functions-invoke';
import { functionsManagementRoutes } from './services/functions-management';
import { identityRoutes } from './services/identity';
import { identityDomainRoutes } from './services/identity-domains';
import { loggingRoutes } from './services/logging';
import { notificationRoutes } from './services/notifications';
import { objectStorageRoutes } from './services/object-storage';
import { onsControlRoutes } from './services/ons-control';
import { queueMessageRoutes } from './services/queue';
import { queueAdminRoutes } from './services/queue-admin';
import { resourceSchedulerRoutes } from './services/resource-scheduler';
import { type BulkCall, scimBulkRoutes } from './services/scim-bulk';
import { secretsRoutes } from './services/secrets';
import { knownDefinedTags, tagRoutes, withTagDefaults } from './services/tags';
import { type Principal, SignatureRejected, verifyRequestSignature } from './signature';
import { TenancyState, type Timing } from './state';

export interface LocalOciOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly homeRegion?: string;
  /** The region requests without a `/r/<region>` prefix are addressed to, like the function's own region. */
  readonly defaultRegion?: string;
  readonly timing?: Partial<Timing>;
  readonly faults?: readonly FaultRule[];
  readonly faultSeed?: number;
  /** Makes the tenancy one with an identity domain of this name, served at `domainUrl`. */
  readonly identityDomain?: string;
  /** Classic IAM's rate (token buckets for writes and reads; Oracle publishes none); unlimited by default. */
  readonly iamRate?: IamRateLimits;
  /** The identity domain's type (Oracle's "API Rate Limits" page gives each type's limits); `free` by default. */
  readonly domainType?: DomainType;
  /**
   * `published` enforces the domain type's published limits (429 with Retry-After past either window);
   * `off`, the default, only counts calls per API group, for callers that do not model the rate.
   */
  readonly domainLimits?: 'published' | 'off';
  /** How many publishes an ONS topic takes in a minute before answering 429 (OCI: about 60). */
  readonly onsPublishesPerMinute?: number;
  /** `tally` keeps only counts of the requests answered, for runs too long to keep every entry; `entries` by default. */
  readonly requestLog?: RequestLogKeeps;
}

/** A running local OCI: endpoints, credentials, state, faults, request log, and a stop. */
export interface LocalOci {
  /** `http://127.0.0.1:PORT`; addresses the default region. */
  readonly endpoint: string;
  /** For the SDK's `client.endpoint`: `http://127.0.0.1:PORT/r/<region>`. */
  endpointFor(region: string): string;
  /** The identity domain's URL (the SCIM API), when the tenancy has one. */
  readonly domainUrl: string | undefined;
  /** A template with `{region}`, as the function's `OCI_ENDPOINT_TEMPLATE` config takes it. */
  readonly endpointTemplate: string;
  readonly homeRegion: string;
  readonly defaultRegion: string;
  readonly credentials: LocalCredentials;
  readonly state: TenancyState;
  readonly faults: Faults;
  readonly requests: RequestLog;
  /**
   * Serves `info` at `GET /local-oci/state`, unsigned, so that a tool given only the URL can find
   * the running local OCI's function config. Only paths and identifiers belong there, never keys.
   */
  publishState(info: unknown): void;
  /** Classic IAM's tenancy-wide rate; `iamRate.set({ writesPerSecond: 50 })` changes it while running. */
  readonly iamRate: IamRate;
  /** The identity domain's published limits, on the local OCI's clock; its `counts` per API group. */
  readonly domainRate: DomainRate;
  /** The function's OCID (the RPST's `res_id`; OCI Functions sets it as `FN_FN_ID`). */
  readonly functionId: string;
  /** Where the Functions invoke API delivers calls (`POST /20181201/functions/{id}/actions/invoke`). */
  readonly functions: { invoker: FunctionInvoker | undefined };
  /** Decides every call by a principal other than the administrator; keeps the denials. */
  readonly authz: Authorizer;
  /** Resource Scheduler's schedules and their runs; due schedules run every 200 ms of real time, on the local clock. */
  readonly schedules: ScheduleState;
  /** Runs the schedules due now on the local clock (as the timer does); answers what the runs did. */
  runSchedules(): Promise<ScheduleRun[]>;
  /** Adds a person (a user with its own API key, a member of `groups`, made if missing) who signs with `configFile`. */
  addUser(person: { readonly name: string; readonly groups: readonly string[] }): LocalUser;
  /** Every operation this local OCI serves, by service. */
  readonly operations: readonly { readonly service: string; readonly operation: string }[];
  stop(): Promise<void>;
}

/** Where a running local OCI publishes its state (see `LocalOci.publishState`). */
export const STATE_PATH = '/local-oci/state';

const REGION_PREFIX = /^\/r\/([a-z0-9-]+)(\/.*)$/;

/**
 * Starts the local OCI on 127.0.0.1.
 * @example const oci = await startLocalOci(); client.endpoint = oci.endpointFor(oci.homeRegion); … await oci.stop();
 */
export async function startLocalOci(options: LocalOciOptions = {}): Promise<LocalOci> {
  const dir = mkdtempSync(join(tmpdir(), 'local-oci-'));
  // The folder holds private keys: however the process ends (a crash, process.exit on a signal),
  // it goes; a failed start removes it at once.
  removeAtExit(dir);
  try {
    return await listening(options, dir, () => credentialDirs.delete(dir));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    credentialDirs.delete(dir);
    throw error;
  }
}

/** Credential folders of local OCIs still running in this process; one exit hook removes them all. */
const credentialDirs = new Set<string>();
function removeAtExit(dir: string): void {
  if (!process.listeners('exit').includes(removeCredentialDirs)) process.on('exit', removeCredentialDirs);
  credentialDirs.add(dir);
}
function removeCredentialDirs(): void {
  for (const dir of credentialDirs) rmSync(dir, { recursive: true, force: true });
  credentialDirs.clear();
}

async function listening(options: LocalOciOptions, dir: string, forgetDir: () => void): Promise<LocalOci> {
  const homeRegion = options.homeRegion ?? 'us-ashburn-1';
  const defaultRegion = options.defaultRegion ?? 'eu-frankfurt-1';
  const tenancyId = makeOcid('tenancy');
  const state = new TenancyState({
    tenancyId,
    homeRegion,
    otherRegions: defaultRegion === homeRegion ? [] : [defaultRegion],
    timing: { activationDelayMs: 0, groupVisibilityDelayMs: 0, consistencyDelayMs: 0, ...options.timing },
    domainName: options.identityDomain,
  });
  const functionsCompartment = state.addCompartment('functions');
  const functionId = makeOcid('fnfunc', defaultRegion);
  const credentials = createLocalCredentials({
    dir,
    tenancyId,
    adminUserId: makeOcid('user'),
    functionCompartmentId: functionsCompartment.id,
    functionId,
    region: defaultRegion,
  });
  const apiKeys = new Map([[`${tenancyId}/${credentials.adminUserId}/${credentials.adminFingerprint}`, credentials.adminPublicKey]]);
  const adminUserId = credentials.adminUserId;
  const faults = new Faults(options.faults, options.faultSeed);
  const requests = new RequestLog(options.requestLog);
  const iamRate = new IamRate(options.iamRate);
  const domainRate = new DomainRate({ type: options.domainType ?? 'free', enforce: options.domainLimits === 'published' });
  const functions: { invoker: FunctionInvoker | undefined } = { invoker: undefined };
  const routes: Route[] = [
    ...functionsInvokeRoutes(functionId, () => functions.invoker),
    ...identityRoutes(state),
    ...dynamicGroupRoutes(state),
    ...(state.domain
      ? identityDomainRoutes(state.domain, {
          // The domain's users and groups are taken to live in the tenancy (root compartment), as the Default domain does.
          onCreate: (requested) => withTagDefaults(state, state.tenancy.id, requested),
          onUpdate: (requested) => knownDefinedTags(state, requested),
        })
      : []),
    ...(state.domain ? scimBulkRoutes({ dispatch: (call) => dispatch(call) }) : []),
    ...secretsRoutes(state),
    ...notificationRoutes(state, options.onsPublishesPerMinute),
    ...objectStorageRoutes(state),
    ...queueMessageRoutes(state),
    ...setupRoutes(state),
  ];
  /**
   * A create's first answer per retry token, to answer a retry with it (OCI keeps a token 24 hours:
   * "Retry tokens expire after 24 hours", API Reference and Endpoints, Retry Tokens). The answer is
   * kept as the bytes it was sent as: a Buffer's bytes live outside V8's heap, so hundreds of thousands
   * of them (a 100,000-row upload) cost the garbage collector little.
   */
  const retryTokens = new Map<string, { bodyHash: string; status: number; headers: Record<string, string>; body: SentBody; at: number }>();
  /**
   * Forgets the tokens older than a day, from the front: kept in the order they came, the oldest are
   * first while the clock only moves on (a test that moves it back only delays the forgetting; a look-up
   * checks a token's age itself).
   */
  const forgetOldTokens = (now: number) => {
    for (const [key, kept] of retryTokens) {
      if (now - kept.at < RETRY_TOKEN_LIFETIME_MS) return;
      retryTokens.delete(key);
    }
  };
  let published: unknown;
  const authz = new Authorizer(state, credentials.adminUserId);
  const consistency = new EventualConsistency(
    () => state.timing.consistencyDelayMs,
    () => state.clock.now(),
  );

  const schedules = schedulesOf(state);
  const runSchedules = () =>
    runDueSchedules({
      schedules,
      tenancyId,
      region: homeRegion,
      routes,
      request: (route, call) =>
        apiRequest(route, {
          method: 'POST',
          path: call.path,
          search: '',
          headers: call.headers,
          body: call.body,
          region: homeRegion,
          principal: call.principal,
        }),
      authorize: (route, request, principal) => authz.authorize(route, request, principal).allowed,
      execute,
      requests,
    });
  const scheduleTimer = setInterval(() => {
    if (schedules.schedules.size > 0 && !schedules.timerPaused) runSchedules().catch(() => undefined);
  }, 200);
  scheduleTimer.unref();

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    collectBody(req)
      .then((body) => handle(req, res, body))
      .catch((error: unknown) => send(res, 500, { code: 'InternalServerError', message: String(error) }, {}));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const rawTarget = req.url ?? '/';
    const prefixed = REGION_PREFIX.exec(rawTarget);
    const region = prefixed?.[1] ?? defaultRegion;
    const target = prefixed?.[2] ?? rawTarget;
    const [path = '/', search = ''] = target.split(/\?(.*)/s);
    const method = (req.method ?? 'GET').toUpperCase();
    const route = routes.find((r) => r.method === method && r.pattern.test(path));
    const operation = route?.operation ?? `${method} ${path}`;
    let answerLost = false;
    let replayed = false;
    let writes: number | undefined;
    /** A Bulk request's operations as they ran (dispatch adds them): logged with the request. */
    let operations: LoggedOperation[] | undefined;
    const log = (status: number, outcome: Parameters<RequestLog['add']>[0]['outcome']) =>
      requests.add({
        ...(answerLost ? { answerLost } : {}),
        ...(replayed ? { replayed } : {}),
        ...(writes !== undefined ? { writes } : {}),
        ...(operations ? { operations } : {}),
        service: route?.service ?? 'unknown',
        operation,
        method,
        path,
        region,
        status,
        outcome,
        iamWrite: route?.iamWrite ?? false,
        at: Date.now(),
        body: body.subarray(0, 65536).toString('utf8'),
      });

    if (method === 'GET' && path === STATE_PATH && published !== undefined) return send(res, 200, published, {});

    const latency = faults.latencyFor(operation, safeDecode(path));
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));

    let principal: ReturnType<typeof verifyRequestSignature>;
    try {
      // The signature covers the path as sent, region prefix included.
      principal = verifyRequestSignature(
        { method, rawTarget, headers: req.headers, body, excludeBody: route?.excludeBody ?? false },
        { apiKeys, tokenIssuerKey: credentials.tokenIssuerPublicKey },
      );
    } catch (error) {
      if (!(error instanceof SignatureRejected)) throw error;
      log(401, 'unauthenticated');
      return send(
        res,
        401,
        {
          code: 'NotAuthenticated',
          message: `The required information to complete authentication was not provided or was incorrect: ${error.message}`,
        },
        {},
      );
    }
    if (principal.tenancyId !== tenancyId) {
      log(401, 'unauthenticated');
      return send(res, 401, { code: 'NotAuthenticated', message: 'Unknown tenancy' }, {});
    }
    if (principal.kind === 'user' && principal.id !== adminUserId && !userExists(state, principal.id)) {
      log(401, 'unauthenticated');
      return send(res, 401, { code: 'NotAuthenticated', message: 'The user of this key no longer exists' }, {});
    }

    const fault = faults.decide(operation, safeDecode(path));
    if (fault.kind === 'drop') {
      log(0, 'dropped');
      req.socket.destroy();
      return;
    }
    // The write is done below; only its answer is lost.
    answerLost = fault.kind === 'drop-after-write';
    if (fault.kind === 'status') {
      log(fault.status, 'fault');
      return send(
        res,
        fault.status,
        { code: faultCode(fault.status), message: 'Injected fault' },
        fault.status === 429 ? { 'retry-after': '1' } : {},
      );
    }
    if (!route) {
      log(404, 'error');
      return send(res, 404, { code: 'NotFound', message: `No such operation: ${method} ${path}` }, {});
    }
    // IAM is throttled tenancy-wide, past the rate before any other check than authentication: classic
    // IAM by its configurable buckets, an identity domain by its type's published windows.
    if (route.service === 'identity' || route.service === 'identitydomains') {
      const retryAfter =
        route.service === 'identity' ? iamRate.check(route.iamWrite ?? false) : domainRate.check(route.operation, state.clock.now());
      if (retryAfter !== undefined) {
        log(429, 'throttled');
        return send(
          res,
          429,
          { code: 'TooManyRequests', message: 'Too many requests for the tenancy' },
          { 'retry-after': String(retryAfter) },
        );
      }
    }
    // Classic IAM writes go to the home region; a domain has one URL of its own.
    if (route.iamWrite && route.service === 'identity' && region !== homeRegion) {
      log(403, 'error');
      return send(
        res,
        403,
        {
          code: 'NotAllowed',
          message: `Please go to your home region ${homeRegion} to execute CREATE, UPDATE and DELETE operations.`,
        },
        {},
      );
    }

    const request = apiRequest(route, { method, path, search, headers: req.headers, body, region, principal });
    // Authorization comes before anything that could change or reveal state.
    const verdict = authz.authorize(route, request, principal);
    if (!verdict.allowed) {
      const refusal = notAuthorized(route, request);
      log(refusal.status, 'denied');
      return send(res, refusal.status, refusal.body, {}, method === 'HEAD');
    }

    const retryToken = headerOf(req, 'opc-retry-token');
    const tokenKey = retryToken ? `${operation} ${path} ${retryToken}` : undefined;
    const bodyHash = createHash('sha256').update(body).digest('hex');
    if (tokenKey) {
      const kept = retryTokens.get(tokenKey);
      const earlier = kept && state.clock.now() - kept.at < RETRY_TOKEN_LIFETIME_MS ? kept : undefined;
      if (earlier && earlier.bodyHash !== bodyHash) {
        log(409, 'error');
        return send(res, 409, { code: 'InvalidatedRetryToken', message: 'The retry token was used for a different request' }, {});
      }
      if (earlier) {
        // A retried create answers what the first one did and creates nothing.
        replayed = true;
        log(earlier.status, 'ok');
        return send(res, earlier.status, earlier.body, earlier.headers);
      }
    }

    if (route.operation === 'Bulk') {
      operations = [];
      bulkOperations.set(request, operations);
    }
    try {
      const response = await execute(route, request);
      writes = response.writes;
      if (tokenKey && response.status < 300) {
        const now = state.clock.now();
        forgetOldTokens(now);
        retryTokens.delete(tokenKey);
        retryTokens.set(tokenKey, {
          bodyHash,
          status: response.status,
          headers: response.headers ?? {},
          body: keptBody(sentBody(response.body)),
          at: now,
        });
      }
      log(response.status, response.status < 400 ? 'ok' : 'error');
      if (answerLost) {
        req.socket.destroy();
        return;
      }
      return send(res, response.status, response.body, response.headers ?? {}, method === 'HEAD');
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      log(error.status, 'error');
      return send(res, error.status, error.body ?? { code: error.code, message: error.message }, {}, method === 'HEAD');
    }
  }

  function apiRequest(
    route: Route,
    call: {
      method: string;
      path: string;
      search: string;
      headers: IncomingHttpHeaders;
      body: Buffer;
      region: string;
      principal: Principal;
    },
  ): ApiRequest {
    return {
      method: call.method,
      params: route.pattern.exec(call.path)?.slice(1) ?? [],
      query: new URLSearchParams(call.search),
      headers: call.headers,
      rawBody: call.body,
      region: call.region,
      principal: call.principal,
      header: (name) => {
        const value = call.headers[name];
        return Array.isArray(value) ? value[0] : value;
      },
      json: <T>() => {
        try {
          return JSON.parse(call.body.toString('utf8') || '{}') as T;
        } catch {
          throw new ApiError(400, 'InvalidParameter', 'The request body is not valid JSON');
        }
      },
    };
  }

  /** An authorized call: hidden by eventual consistency for a while after a create, else handled. */
  async function execute(route: Route, request: ApiRequest): Promise<ApiResponse> {
    const notYetVisible = route.service === 'identity' ? consistency.check(request) : undefined;
    if (notYetVisible) throw notYetVisible;
    const response = await route.handle(request);
    if (route.iamWrite && request.method === 'POST' && response.status < 300) consistency.noteCreated(response.body);
    return response;
  }

  /** The operations each Bulk request being answered has run so far, by its request. */
  const bulkOperations = new WeakMap<ApiRequest, LoggedOperation[]>();

  /**
   * One operation of a SCIM Bulk request, run as a single call is once authenticated and let through
   * the rate: the same route, authorization, eventual consistency and handler (so uniqueness, tags and
   * If-Match behave alike), and the status faults of its own operation (a `PatchGroup` rule answers a
   * group PATCH in a Bulk request as it answers the single call). It is not throttled on its own: the
   * Bulk request is the call. The log keeps it with its request: an applied write is an IAM write.
   */
  async function dispatch(call: BulkCall): Promise<ApiResponse> {
    const [path = '/', search = ''] = call.path.split(/\?(.*)/s);
    const route = routes.find((r) => r.method === call.method && r.pattern.test(path));
    const body = Buffer.from(call.body === undefined ? '' : JSON.stringify(call.body));
    const logged = (response: ApiResponse, outcome: LoggedOperation['outcome']): ApiResponse => {
      bulkOperations.get(call.within)?.push({
        operation: route?.operation ?? `${call.method} ${path}`,
        method: call.method,
        path,
        status: response.status,
        outcome,
        iamWrite: route?.iamWrite ?? false,
        ...(response.writes !== undefined ? { writes: response.writes } : {}),
        body: body.subarray(0, 65536).toString('utf8'),
      });
      return response;
    };
    if (!route || route.service !== 'identitydomains' || route.operation === 'Bulk') {
      return logged({ status: 404, body: scimError(404, `No such operation in a bulk request: ${call.method} ${path}`).body }, 'error');
    }
    const headers: IncomingHttpHeaders = { 'content-type': 'application/json', ...call.headers };
    const request = apiRequest(route, { method: call.method, path, search, headers, body, region: call.region, principal: call.principal });
    const fault = faults.decide(route.operation, safeDecode(path), { statusOnly: true });
    if (fault.kind === 'status') return logged({ status: fault.status, body: scimError(fault.status, 'Injected fault').body }, 'fault');
    if (!authz.authorize(route, request, call.principal).allowed) return logged(notAuthorized(route, request), 'denied');
    try {
      const response = await execute(route, request);
      return logged(response, response.status < 400 ? 'ok' : 'error');
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return logged({ status: error.status, body: error.body ?? { code: error.code, message: error.message } }, 'error');
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    endpointFor: (region) => `${endpoint}/r/${region}`,
    endpointTemplate: `${endpoint}/r/{region}`,
    domainUrl: state.domain ? endpoint : undefined,
    homeRegion,
    defaultRegion,
    credentials,
    state,
    faults,
    requests,
    authz,
    addUser: (person) => addPerson(state, { dir, region: defaultRegion, apiKeys }, person),
    operations: routes.map((r) => ({ service: r.service, operation: r.operation })),
    publishState: (info) => {
      published = info;
    },
    schedules,
    runSchedules,
    stop: async () => {
      clearInterval(scheduleTimer);
      await stopServer(server, sockets, dir);
      forgetDir();
    },
    iamRate,
    domainRate,
    functionId,
    functions,
  };
}

/** What an administrator's set-up writes: ONS subscriptions, Events rules, Logging, Functions config, buckets. */
function setupRoutes(state: TenancyState): Route[] {
  return [
    ...onsControlRoutes(state),
    ...eventsRoutes(state),
    ...loggingRoutes(state),
    ...functionsManagementRoutes(state),
    ...bucketRoutes(state),
    ...tagRoutes(state),
    ...queueAdminRoutes(state),
    ...resourceSchedulerRoutes(state),
  ];
}

/**
 * What OCI answers a call no policy allows: the same 404 as for a missing resource, so a caller
 * cannot tell the two apart. Object Storage says so in its own words (BucketNotFound: "Either the
 * bucket … does not exist … or you are not authorized to access it"); an identity domain answers
 * with a SCIM error (assumed 403, as for a missing administrator role).
 */
function notAuthorized(route: Route, request: ApiRequest): { status: number; body: unknown } {
  if (route.service === 'objectstorage') {
    return {
      status: 404,
      body: {
        code: 'BucketNotFound',
        message: `Either the bucket named '${request.params[1] ?? ''}' does not exist in the namespace '${request.params[0] ?? ''}' or you are not authorized to access it`,
      },
    };
  }
  if (route.service === 'identitydomains') {
    const error = scimError(403, 'NotAuthorizedOrNotFound: the caller is not authorized to perform this operation');
    return { status: 403, body: error.body };
  }
  return {
    status: 404,
    body: { code: 'NotAuthorizedOrNotFound', message: 'Authorization failed or requested resource not found.' },
  };
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function collectBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** "Retry tokens expire after 24 hours" (OCI API Reference and Endpoints, "Retry Tokens"). */
const RETRY_TOKEN_LIFETIME_MS = 24 * 60 * 60_000;

/** A JSON answer as the bytes it is sent as, with whether it is one resource (which carries an etag). */
class SerializedJson {
  constructor(
    readonly bytes: Buffer,
    readonly isResource: boolean,
  ) {}
}

type SentBody = SerializedJson | Buffer | undefined;

/** A body as `send` sends it: raw bytes stay bytes; anything else becomes JSON, serialized once. */
function sentBody(body: unknown): SentBody {
  if (body === undefined || Buffer.isBuffer(body) || body instanceof SerializedJson) return body;
  return new SerializedJson(Buffer.from(JSON.stringify(body)), typeof body === 'object' && body !== null && !Array.isArray(body));
}

/**
 * A body to keep, in memory of its own. A small Buffer made from a string is a slice of a shared 8 KB
 * pool, and keeping the slice keeps the whole pool: after 20,000 creates (an 8,000-row upload) the
 * kept answers held 110 MB outside the heap as slices, 21 MB as copies of their own.
 */
function keptBody(body: SentBody): SentBody {
  const own = (bytes: Buffer) => {
    const copy = Buffer.allocUnsafeSlow(bytes.length);
    bytes.copy(copy);
    return copy;
  };
  if (body instanceof SerializedJson) return new SerializedJson(own(body.bytes), body.isResource);
  return body === undefined ? undefined : own(body);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>, headOnly = false): void {
  if (res.destroyed) return;
  const sent = status === 204 || status === 304 ? undefined : sentBody(body);
  const payload = sent instanceof SerializedJson ? sent.bytes : sent;
  // OCI sends an etag with every single resource it returns: a version of that resource.
  const etag =
    status < 300 && sent instanceof SerializedJson && sent.isResource
      ? createHash('sha256').update(sent.bytes).digest('hex').slice(0, 32)
      : undefined;
  res.writeHead(status, {
    'opc-request-id': makeRequestId(),
    ...(etag ? { etag } : {}),
    ...(sent instanceof SerializedJson ? { 'content-type': 'application/json' } : {}),
    ...(payload ? { 'content-length': String(payload.length) } : {}),
    ...headers,
  });
  res.end(headOnly ? undefined : payload);
}

async function stopServer(server: Server, sockets: Set<Socket>, dir: string): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const socket of sockets) socket.destroy();
  await closed;
  rmSync(dir, { recursive: true, force: true });
}

/** A request path with its escapes decoded, for fault rules; as sent when it does not decode. */
function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
