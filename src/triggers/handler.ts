import { randomUUID } from 'node:crypto';
import type { Context } from '@fnproject/fdk';
import { type FunctionConfig, parseConfig } from '../config';
import { BatchThrottle } from '../core/batch';
import { batchSummary } from '../core/batch-report';
import { parseHrEvent } from '../core/new-hire';
import type { CatalogSource, ObjectStore } from '../core/ports';
import { notificationBody, notificationTitle } from '../core/report';
import type { BatchResult, HandlerResult, NoticeResult } from '../core/response';
import { countOutcomes, type OnboardingResult } from '../core/result';
import { isUnfinished, type NoticeStatus, Status } from '../core/status';
import type { CallPolicy } from '../oci/call';
import { ClassicPacer } from '../oci/pacing';
import type { CallServices, OciRuntime } from '../oci/runtime';
import { type Clock, systemClock } from '../support/clock';
import { asOnboardingError, ErrorCode, type ErrorReport, isCallerError, OnboardingError, toErrorReport } from '../support/errors';
import type { Logger } from '../support/logger';
import { memoryFigures } from '../support/memory';
import { bodyBytes, decodeBody } from './body';
import { type Delivery, decodeDelivery, deliveryVia, type Payload } from './envelope';
import type { Invocation } from './invocation';
import { type Claim, claimMarker, finishMarker } from './markers';
import { runRows } from './run-batch';
import { runHire } from './run-hire';
import { runUpload } from './run-upload';
import { runWork, sweep } from './upload-sweep';
import { verifyWebhook } from './webhook';

/** Without an Fn-Deadline header (never the case on OCI), assume the platform default timeout. */
const DEFAULT_TIMEOUT_MS = 30_000;

export interface HandlerDependencies {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  /** Builds the OCI adapters; called once per container (again only after a failure). */
  readonly loadRuntime: (
    config: FunctionConfig,
    env: Readonly<Record<string, string | undefined>>,
    policy: CallPolicy,
  ) => Promise<OciRuntime>;
  /** The time the handler and everything it calls read; the system clock by default. */
  readonly clock?: Clock;
}

/**
 * The stages of a call, in order. Each is a small function below with a typed input and output; one
 * that does not apply to what arrived is skipped (and says so in the debug log). Authenticate, decode
 * and claim may answer early (a notice); any of the first five that throws is answered at one place
 * (`failedAt`), and publish and respond run on every answer: the handler never throws.
 */
export const Stage = {
  /** An API Gateway request's signature and timestamp, before its body is read. Skipped for OCI's own triggers. */
  Authenticate: 'authenticate',
  /** The body's bytes to a delivery: a hire (validated here), a batch, an object event, an engine request, or one to ignore. */
  Decode: 'decode',
  /** The call bound to OCI (runtime, role catalog), and an ONS message's or OCI event's dedup marker claimed. */
  Claim: 'claim',
  /** The work: a hire, a batch in the request, an upload, the upload engine's work or sweep. */
  Dispatch: 'dispatch',
  /** The claimed marker finished as the work ended; bookkeeping warnings beside the result. */
  Record: 'record',
  /** The result to the ONS topic, once per piece of work. */
  Publish: 'publish',
  /** The HTTP status for API Gateway, the result's log line, the answer. */
  Respond: 'respond',
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];

/** A stage's outcome: the next stage's input, or the answer (the stages up to publish are skipped). */
type Next<T> = { readonly next: T } | { readonly answer: HandlerResult };

/** The container's state across calls: the config, parsed once, and the OCI runtime, loaded once. */
interface Container {
  readonly deps: HandlerDependencies;
  readonly clock: Clock;
  config?: FunctionConfig;
  runtime?: Promise<OciRuntime>;
}

/** What the call is bound to once its config is read: the config and the OCI call policy. */
interface Setup {
  readonly config: FunctionConfig;
  readonly policy: CallPolicy;
  readonly throttle: BatchThrottle;
}

/** The call bound to OCI: the runtime and this call's services. */
interface Bound {
  readonly oci: OciRuntime;
  readonly services: CallServices;
}

/** One call: what every stage reads, and what the call learnt so far (for the answer to a failure and for publish). */
interface Call {
  readonly container: Container;
  readonly ctx: Context;
  readonly callId: string;
  readonly log: Logger;
  readonly clock: Clock;
  readonly started: number;
  readonly deadline: number;
  readonly bytes: Uint8Array;
  readonly via: Delivery['via'];
  /** The stage being run: the one a failure is answered for. */
  stage: Stage;
  setup?: Setup;
  bound?: Bound;
  eventId?: string;
}

/** authenticate → decode */
interface Authenticated {
  /** Bound to OCI to read the webhook secret (API Gateway only). */
  readonly bound?: Bound;
  /** The signed webhook timestamp (ISO 8601): it stands in for a missing `occurredAt`. */
  readonly deliveredAt?: string;
}

/** A delivery with work to do. */
type WorkDelivery = Delivery & { readonly payload: Exclude<Payload, { kind: 'ignored' }> };

/** decode → claim */
interface Decoded extends Authenticated {
  readonly delivery: WorkDelivery;
  /** The body as text, decoded once (an upload's run key reads it). */
  readonly body: string;
}

/** A claimed dedup marker: where it is, and how the claim went. */
interface Marker {
  readonly store: ObjectStore;
  readonly bucket: string;
  readonly key: string;
  readonly claim: Exclude<Claim, { kind: 'duplicate' }>;
}

/** claim → dispatch */
interface Claimed extends Decoded {
  readonly inv: Invocation;
  readonly marker?: Marker;
  /** Bookkeeping that could not be done (the marker could not be written): beside the result. */
  readonly warnings: readonly string[];
}

/** dispatch → record */
interface Dispatched extends Claimed {
  readonly result: HandlerResult;
}

/** The HTTP status an API Gateway caller gets for a result. */
function httpStatus(result: HandlerResult): number {
  if (result.kind === 'batch')
    return result.status === Status.Partial || isUnfinished(result.status) ? 202 : result.status === Status.Failed ? 502 : 200;
  if (result.kind === 'notice') return 200;
  if (result.status === Status.Rejected) return result.errors[0]?.code === ErrorCode.Unauthenticated ? 401 : 400;
  return result.status === Status.Failed ? 502 : 200;
}

/**
 * The Fn handler: runs a call through its stages (see `Stage`): authenticate, decode, claim, dispatch,
 * record, publish, respond. It always returns a value (the FDK dies on undefined) and never throws (the
 * FDK would show the text).
 */
export function createHandler(deps: HandlerDependencies): (input: unknown, ctx: Context) => Promise<HandlerResult> {
  const container: Container = { deps, clock: deps.clock ?? systemClock };
  return async (input, ctx) => {
    const call = begin(container, input, ctx);
    const settled = await work(call);
    const published = await publish(call, settled);
    return respond(call, published);
  };
}

function begin(container: Container, input: unknown, ctx: Context): Call {
  const { clock } = container;
  const started = clock.now();
  const callId = ctx.callID ?? randomUUID();
  return {
    container,
    ctx,
    callId,
    log: container.deps.log.child({ callId }),
    clock,
    started,
    deadline: ctx.deadline?.getTime() ?? started + DEFAULT_TIMEOUT_MS,
    bytes: bodyBytes(input),
    via: deliveryVia((name) => ctx.getHeader(name)),
    stage: Stage.Authenticate,
  };
}

/** The stages up to record, in order; a stage that throws is answered by `failedAt`. */
async function work(call: Call): Promise<HandlerResult> {
  try {
    const authenticated = await enter(call, Stage.Authenticate, () => authenticate(call));
    const decoded = await enter(call, Stage.Decode, () => decode(call, authenticated));
    if ('answer' in decoded) return decoded.answer;
    const claimed = await enter(call, Stage.Claim, () => claim(call, decoded.next));
    if ('answer' in claimed) return claimed.answer;
    const dispatched = await enter(call, Stage.Dispatch, () => dispatch(call, claimed.next));
    return await enter(call, Stage.Record, () => record(call, dispatched));
  } catch (error) {
    return failedAt(call, error);
  }
}

function enter<T>(call: Call, stage: Stage, run: () => T): T {
  call.stage = stage;
  return run();
}

const skipped = (call: Call, stage: Stage, reason: string) => call.log.debug('stage skipped', { stage, reason });

/** The call's config and OCI call policy, made once per call when a stage first needs them. */
function setup(call: Call): Setup {
  if (call.setup) return call.setup;
  const { container, clock } = call;
  container.config ??= parseConfig(container.deps.env);
  const config = container.config;
  // On the identity-domain path many rows share each look-up and Bulk write: many more in flight.
  const pacer = new ClassicPacer(1000, clock);
  const throttle = new BatchThrottle(config.IDENTITY_DOMAIN_URL ? config.DOMAIN_BATCH_CONCURRENCY : config.BATCH_CONCURRENCY);
  const policy: CallPolicy = {
    deadline: call.deadline - config.PUBLISH_RESERVE_MS,
    maxAttempts: config.OCI_MAX_ATTEMPTS,
    log: call.log,
    onThrottled: (kind) => {
      if (pacer.throttled(kind)) throttle.throttled();
    },
    turn: (kind) => pacer.turn(kind),
    onPassed: (kind) => pacer.passed(kind),
    clock,
  };
  call.setup = { config, policy, throttle };
  return call.setup;
}

/** The call bound to OCI: the runtime (loaded once per container, again only after a failure) and this call's services. */
async function bind(call: Call): Promise<Bound> {
  if (call.bound) return call.bound;
  const { config, policy } = setup(call);
  const { container } = call;
  container.runtime ??= container.deps.loadRuntime(config, container.deps.env, policy);
  const oci = await container.runtime.catch((error: unknown) => {
    container.runtime = undefined;
    throw error;
  });
  call.bound = { oci, services: oci.forCall(call.callId, policy) };
  return call.bound;
}

/**
 * authenticate: an API Gateway caller is verified (the HMAC signature of the body's bytes, the
 * timestamp) before its body is even read: an unsigned request learns nothing, not even whether its
 * payload would have been valid. OCI's own triggers (a direct invoke, ONS, OCI Events) are authorised
 * by IAM policy before the function runs: skipped.
 */
async function authenticate(call: Call): Promise<Authenticated> {
  if (call.via !== 'api-gateway') {
    skipped(call, Stage.Authenticate, `${call.via}: authorised by OCI IAM before the call`);
    return {};
  }
  const { config } = setup(call);
  const bound = await bind(call);
  const secret = await bound.services.webhookSecret?.read();
  if (!secret) throw new OnboardingError(ErrorCode.Unauthenticated, 'HR webhooks are not configured (WEBHOOK_SECRET_ID)');
  // API Gateway passes the client's headers to the function as Fn-Http-H-<name>.
  const clientHeader = (name: string) => call.ctx.getHeader(`Fn-Http-H-${name}`);
  verifyWebhook(
    call.bytes,
    clientHeader,
    secret,
    {
      signatureHeader: config.WEBHOOK_SIGNATURE_HEADER,
      timestampHeader: config.WEBHOOK_TIMESTAMP_HEADER,
      toleranceSeconds: config.WEBHOOK_TOLERANCE_SECONDS,
    },
    call.clock.now(),
  );
  const signedAt = clientHeader(config.WEBHOOK_TIMESTAMP_HEADER);
  return { bound, ...(signedAt ? { deliveredAt: new Date(Number(signedAt) * 1000).toISOString() } : {}) };
}

/**
 * decode: the body, decoded once and strictly (before the config is read, for OCI's own triggers), to a
 * delivery. A bad hire is refused here, before any call to OCI; a delivery about something else is
 * answered `ignored`.
 */
function decode(call: Call, authenticated: Authenticated): Next<Decoded> {
  const body = decodeBody(call.bytes);
  const { config } = setup(call);
  const delivery = decodeDelivery(
    body,
    (name) => call.ctx.getHeader(name),
    { bucket: config.ONBOARDING_BUCKET, prefix: config.ONBOARDING_PREFIX },
    { deliveryIdHeader: config.WEBHOOK_DELIVERY_HEADER },
  );
  call.eventId = delivery.eventId;
  call.log.info('delivery', { via: delivery.via, kind: delivery.payload.kind, eventId: delivery.eventId });
  const { payload } = delivery;
  if (payload.kind === 'hire') parseHrEvent(payload.input, call.clock.now());
  if (payload.kind === 'ignored') return { answer: notice(call, Status.Ignored, payload.reason) };
  return { next: { ...authenticated, delivery: { ...delivery, payload }, body } };
}

/**
 * claim: binds the call to OCI (the runtime, the role catalog) and, for a hire or a batch that came
 * with a dedup key, claims its marker: of two deliveries arriving together one does the work, the other
 * is answered `duplicate`. Skipped for an upload (deduplicated by its content: its run record) and the
 * engine's requests (by their run), for a dry run, and without a dedup key or STATE_BUCKET. A marker
 * that cannot be written is a warning beside the result, never in its place.
 */
async function claim(call: Call, decoded: Decoded): Promise<Next<Claimed>> {
  const { config, throttle } = setup(call);
  const { oci, services } = decoded.bound ?? (await bind(call));
  const catalog = config.inlineCatalog ?? (await (services.catalog as CatalogSource).load());
  const inv: Invocation = {
    callId: call.callId,
    log: call.log,
    startedAt: call.started,
    deadline: call.deadline,
    config,
    services,
    catalog,
    tenancyId: oci.tenancyId,
    dryRun: config.DRY_RUN,
    throttle,
    clock: call.clock,
  };
  const { payload, dedupKey } = decoded.delivery;
  const bucket = config.STATE_BUCKET;
  const why =
    payload.kind === 'object' || payload.kind === 'engine'
      ? `${payload.kind}: deduplicated by its run`
      : inv.dryRun
        ? 'a dry run writes no marker'
        : !dedupKey
          ? 'the delivery has no dedup key'
          : !bucket
            ? 'no STATE_BUCKET'
            : undefined;
  if (why || !dedupKey || !bucket) {
    skipped(call, Stage.Claim, why ?? 'no marker');
    return { next: { ...decoded, inv, warnings: [] } };
  }
  const store = services.objectsIn();
  const claimed = await claimMarker(store, bucket, dedupKey, call.callId, call.deadline, call.clock);
  if (claimed.kind === 'duplicate') return { answer: notice(call, Status.Duplicate, claimed.reason) };
  return {
    next: {
      ...decoded,
      inv,
      marker: { store, bucket, key: dedupKey, claim: claimed },
      warnings: claimed.kind === 'unavailable' ? [claimed.warning] : [],
    },
  };
}

/** dispatch: the work the delivery asks for. */
async function dispatch(call: Call, claimed: Claimed): Promise<Dispatched> {
  const { inv, body, deliveredAt } = claimed;
  const { payload, eventId } = claimed.delivery;
  const result = await (async (): Promise<HandlerResult> => {
    switch (payload.kind) {
      case 'hire':
        return runHire(payload.input, inv, call.started, eventId, deliveredAt);
      case 'batch':
        return runRows(payload.rows, inv, eventId);
      case 'object':
        return runUpload(payload, inv, eventId, body);
      case 'engine':
        return payload.request.kind === 'work' ? runWork(payload.request.run, inv) : sweep(inv);
    }
  })();
  return { ...claimed, result };
}

/**
 * record: the claimed marker finished `complete` when the work is done (a hire `succeeded` or `stale`,
 * a batch `complete`; a scheduled leaver is not done: a delivery on or after its day must do the work,
 * not answer `duplicate`), `failed` otherwise (the next delivery retries); bookkeeping that failed is a
 * warning beside the result, never in its place. Skipped without a marker.
 */
async function record(call: Call, dispatched: Dispatched): Promise<HandlerResult> {
  const { result, marker } = dispatched;
  const warnings = [...dispatched.warnings];
  if (marker) {
    const done = result.status === Status.Succeeded || result.status === Status.Stale || result.status === Status.Complete;
    const status = done ? Status.Complete : Status.Failed;
    const warning = await finishMarker(marker.store, marker.bucket, marker.key, marker.claim, call.callId, status);
    if (warning) warnings.push(warning);
  } else skipped(call, Stage.Record, 'no marker was claimed');
  if (warnings.length === 0) return result;
  call.log.warn('bookkeeping', { stage: Stage.Record, warnings });
  if (result.kind === 'batch')
    return { ...result, report: { ...result.report, warnings: [...(result.report.warnings ?? []), ...warnings] } };
  if (result.kind === 'notice') return result;
  return { ...result, warnings: [...(result.warnings ?? []), ...warnings] };
}

/**
 * The answer to a stage that threw, made at this one place: `rejected` for the caller's own error (an
 * invalid or unauthenticated request), `failed` for anything else, logged with the stage.
 */
function failedAt(call: Call, thrown: unknown): OnboardingResult {
  const error = asOnboardingError(thrown);
  const report = toErrorReport(error);
  const rejected = isCallerError(error);
  if (rejected) {
    const message = error.code === ErrorCode.Unauthenticated ? 'request not authenticated' : 'event rejected';
    call.log.warn(message, { stage: call.stage, error: report });
  } else call.log.error('onboarding failed', { stage: call.stage, error: report, cause: describe(thrown) });
  return {
    kind: 'event',
    status: rejected ? Status.Rejected : Status.Failed,
    correlation: correlation(call),
    dryRun: false,
    steps: [],
    counts: countOutcomes([]),
    errors: [report],
    startedAt: new Date(call.started).toISOString(),
    durationMs: call.clock.now() - call.started,
  };
}

const correlation = (call: Call) => ({ callId: call.callId, ...(call.eventId ? { eventId: call.eventId } : {}) });

const notice = (call: Call, status: NoticeStatus, reason: string): NoticeResult => ({
  kind: 'notice',
  status,
  correlation: correlation(call),
  reason,
});

/** Why a result is not published, or undefined when it is. */
function unpublished(call: Call, result: HandlerResult): string | undefined {
  if (result.kind === 'notice') return `a notice (${result.status})`;
  if (result.kind === 'batch' && result.final === false) return `the upload goes on (${result.status}): its last invocation publishes`;
  if (result.status === Status.Rejected || result.status === Status.DryRun) return result.status;
  if (!call.bound || !call.setup) return 'the call failed before it was bound to OCI';
  return undefined;
}

/**
 * publish: the result to the ONS topic (a batch's summary, or one event's result). A notification that
 * could not be published is a field of the result (the log line and the response still carry it), never an error.
 */
async function publish(call: Call, result: HandlerResult): Promise<HandlerResult> {
  call.stage = Stage.Publish;
  const why = unpublished(call, result);
  if (why || result.kind === 'notice' || !call.bound || !call.setup) {
    skipped(call, Stage.Publish, why ?? 'nothing to publish');
    return result;
  }
  try {
    const message =
      result.kind === 'batch' ? batchSummary(result.report) : { title: notificationTitle(result), body: notificationBody(result) };
    const { messageId } = await call.bound.services.notifier.publish(message);
    return { ...result, notification: { published: true, messageId } };
  } catch (error) {
    const report: ErrorReport = { ...toErrorReport(error), code: ErrorCode.PublishFailed };
    call.log.error('notification not published; the result is in this log and in the response', { stage: Stage.Publish, error: report });
    return { ...result, notification: { published: false, error: report } } as OnboardingResult | BatchResult;
  }
}

/** respond: the HTTP status for an API Gateway caller, and the durable record: OCI Logging keeps this line whatever happened to the notification. */
function respond(call: Call, result: HandlerResult): HandlerResult {
  call.stage = Stage.Respond;
  try {
    if (call.via === 'api-gateway') call.ctx.httpGateway.statusCode = httpStatus(result);
    call.log.info('onboarding result', { result, memoryMb: memoryFigures() });
  } catch (error) {
    // The answer stands: a log line or a header that could not be written is no reason to fail the call.
    process.stderr.write(`respond: ${String(error).slice(0, 200)}\n`);
  }
  return result;
}

/** What the log may say of an unexpected error: its type, message and the top of its stack. */
function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: String(error).slice(0, 200) };
  return { type: error.name, message: error.message, stack: error.stack?.split('\n').slice(0, 6).join('\n') };
}
