import { randomUUID } from 'node:crypto';
import type { Context } from '@fnproject/fdk';
import { type FunctionConfig, parseConfig } from '../config';
import { BatchThrottle } from '../core/batch';
import { batchSummary } from '../core/batch-report';
import { parseHrEvent } from '../core/new-hire';
import type { CatalogSource } from '../core/ports';
import { notificationBody, notificationTitle } from '../core/report';
import type { BatchResult, HandlerResult } from '../core/response';
import { countOutcomes, type OnboardingResult } from '../core/result';
import { isUnfinished, Status } from '../core/status';
import type { CallPolicy } from '../oci/call';
import { ClassicPacer } from '../oci/pacing';
import type { CallServices, OciRuntime } from '../oci/runtime';
import { type Clock, systemClock } from '../support/clock';
import { ErrorCode, type ErrorReport, OnboardingError, toErrorReport } from '../support/errors';
import type { Logger } from '../support/logger';
import { bodyBytes, decodeBody } from './body';
import { type Delivery, decodeDelivery, deliveryVia } from './envelope';
import type { Invocation } from './invocation';
import { claimMarker, finishMarker } from './markers';
import { runRows } from './run-batch';
import { runHire } from './run-hire';
import { runUpload } from './run-upload';
import { runWork, sweep } from './upload-sweep';
import { verifyWebhook } from './webhook';

/** Codes that mean "the request is wrong": the result is `rejected`, nothing is written or published. */
const CALLER_ERRORS = new Set<string>([
  ErrorCode.InvalidEvent,
  ErrorCode.UnknownRole,
  ErrorCode.CompartmentNotAllowed,
  ErrorCode.UnsupportedTrigger,
]);
/** Without an Fn-Deadline header (never the case on OCI), assume the platform default timeout. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Time kept back after publishing for the FDK to write the response. */
const RESPONSE_RESERVE_MS = 250;

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

/** The HTTP status an API Gateway caller gets for a result. */
function httpStatus(result: HandlerResult): number {
  if (result.kind === 'batch')
    return result.status === Status.Partial || isUnfinished(result.status) ? 202 : result.status === Status.Failed ? 502 : 200;
  if (result.kind === 'notice') return 200;
  if (result.status === Status.Rejected) return result.errors[0]?.code === ErrorCode.Unauthenticated ? 401 : 400;
  return result.status === Status.Failed ? 502 : 200;
}

/**
 * The Fn handler: decodes whatever arrived (a hire, a batch, an OCI event, an ONS delivery, an API
 * Gateway request), authenticates webhooks, routes to the core, publishes and returns the result. It
 * always returns a value (the FDK dies on undefined) and never throws (the FDK would show the text).
 */
export function createHandler(deps: HandlerDependencies): (input: unknown, ctx: Context) => Promise<HandlerResult> {
  let config: FunctionConfig | undefined;
  let runtime: Promise<OciRuntime> | undefined;
  const clock = deps.clock ?? systemClock;

  return async (input, ctx) => {
    const started = clock.now();
    const callId = ctx.callID ?? randomUUID();
    const log = deps.log.child({ callId });
    const deadline = ctx.deadline?.getTime() ?? started + DEFAULT_TIMEOUT_MS;
    const header = (name: string) => ctx.getHeader(name);
    const bytes = bodyBytes(input);
    let delivery: Delivery | undefined;
    let services: CallServices | undefined;
    let current: FunctionConfig | undefined;

    const failure = (status: 'rejected' | 'failed', report: ErrorReport): OnboardingResult => ({
      kind: 'event',
      status,
      correlation: { callId, ...(delivery?.eventId ? { eventId: delivery.eventId } : {}) },
      dryRun: false,
      steps: [],
      counts: countOutcomes([]),
      errors: [report],
      startedAt: new Date(started).toISOString(),
      durationMs: clock.now() - started,
    });

    let result: HandlerResult;
    try {
      // The body is decoded once, strictly, before anything else (after authentication for API Gateway).
      const text = deliveryVia(header) === 'api-gateway' ? undefined : decodeBody(bytes);
      config ??= parseConfig(deps.env);
      current = config;
      // On the identity-domain path many rows share each look-up and Bulk write: many more in flight.
      const pacer = new ClassicPacer();
      const throttle = new BatchThrottle(current.IDENTITY_DOMAIN_URL ? current.DOMAIN_BATCH_CONCURRENCY : current.BATCH_CONCURRENCY);
      const policy: CallPolicy = {
        deadline: deadline - current.PUBLISH_RESERVE_MS,
        maxAttempts: current.OCI_MAX_ATTEMPTS,
        log,
        onThrottled: (kind) => {
          if (pacer.throttled(kind)) throttle.throttled();
        },
        turn: (kind) => pacer.turn(kind),
        onPassed: (kind) => pacer.passed(kind),
        clock,
      };
      const cfg = current;
      const bind = async () => {
        runtime ??= deps.loadRuntime(cfg, deps.env, policy);
        const loaded = await runtime.catch((error: unknown) => {
          runtime = undefined;
          throw error;
        });
        services = loaded.forCall(callId, policy);
        return { oci: loaded, bound: services };
      };
      // An API Gateway caller is authenticated before its body is even read: an unsigned request
      // learns nothing, not even whether its payload would have been valid.
      const gateway = deliveryVia(header) === 'api-gateway' ? await bind() : undefined;
      if (gateway) {
        const secret = await gateway.bound.webhookSecret?.read();
        if (!secret) throw new OnboardingError(ErrorCode.Unauthenticated, 'HR webhooks are not configured (WEBHOOK_SECRET_ID)');
        // API Gateway passes the client's headers to the function as Fn-Http-H-<name>.
        const clientHeader = (name: string) => ctx.getHeader(`Fn-Http-H-${name}`);
        verifyWebhook(
          bytes,
          clientHeader,
          secret,
          {
            signatureHeader: cfg.WEBHOOK_SIGNATURE_HEADER,
            timestampHeader: cfg.WEBHOOK_TIMESTAMP_HEADER,
            toleranceSeconds: cfg.WEBHOOK_TOLERANCE_SECONDS,
          },
          clock.now(),
        );
      }
      const bodyText = text ?? decodeBody(bytes);
      const decoded = decodeDelivery(
        bodyText,
        header,
        { bucket: cfg.ONBOARDING_BUCKET, prefix: cfg.ONBOARDING_PREFIX },
        { deliveryIdHeader: cfg.WEBHOOK_DELIVERY_HEADER },
      );
      delivery = decoded;
      log.info('delivery', { via: decoded.via, kind: decoded.payload.kind, eventId: decoded.eventId });
      // A bad hire is refused before any call to OCI (through API Gateway, after authentication).
      if (decoded.payload.kind === 'hire') parseHrEvent(decoded.payload.input, clock.now());
      if (decoded.payload.kind === 'ignored') {
        result = {
          kind: 'notice',
          status: 'ignored',
          correlation: { callId, ...(decoded.eventId ? { eventId: decoded.eventId } : {}) },
          reason: decoded.payload.reason,
        };
      } else {
        const { oci, bound } = gateway ?? (await bind());
        const catalog = current.inlineCatalog ?? (await (bound.catalog as CatalogSource).load());
        const inv: Invocation = {
          callId,
          log,
          startedAt: started,
          deadline,
          config: current,
          services: bound,
          catalog,
          tenancyId: oci.tenancyId,
          dryRun: current.DRY_RUN,
          throttle,
          clock,
        };
        // A signed webhook's timestamp is when the HR system sent the fact: it stands in for a missing `occurredAt`.
        const signedAt = gateway ? ctx.getHeader(`Fn-Http-H-${cfg.WEBHOOK_TIMESTAMP_HEADER}`) : null;
        const deliveredAt = signedAt ? new Date(Number(signedAt) * 1000).toISOString() : undefined;
        result = await route(decoded, inv, started, bodyText, deliveredAt);
      }
    } catch (error) {
      const report = toErrorReport(error);
      const unauthenticated = error instanceof OnboardingError && error.code === ErrorCode.Unauthenticated;
      const rejected = unauthenticated || (error instanceof OnboardingError && CALLER_ERRORS.has(error.code));
      if (rejected) log.warn(unauthenticated ? 'request not authenticated' : 'event rejected', { error: report });
      else log.error('onboarding failed', { error: report, cause: describe(error) });
      result = failure(rejected ? 'rejected' : 'failed', report);
    }

    if (services && current && shouldPublish(result)) {
      result = await publish(result, services, {
        deadline: deadline - RESPONSE_RESERVE_MS,
        maxAttempts: current.OCI_MAX_ATTEMPTS,
        log,
        clock,
      });
    }
    if (deliveryVia(header) === 'api-gateway') ctx.httpGateway.statusCode = httpStatus(result);
    // The durable record: OCI Logging keeps this line whatever happened to the notification.
    log.info('onboarding result', { result });
    return result;
  };
}

/**
 * Routes a decoded delivery. An ONS message or OCI event is claimed first with a conditional marker:
 * of two deliveries arriving together one does the work, the other answers `duplicate`. Uploads are
 * deduplicated by their content instead (see run-upload.ts). Bookkeeping that fails is a warning
 * beside the real outcome, never in its place.
 */
async function route(delivery: Delivery, inv: Invocation, started: number, body: string, deliveredAt?: string): Promise<HandlerResult> {
  const { payload, dedupKey, eventId } = delivery;
  const correlation = { callId: inv.callId, ...(eventId ? { eventId } : {}) };
  if (payload.kind === 'ignored') return { kind: 'notice', status: 'ignored', correlation, reason: payload.reason };
  if (payload.kind === 'object') return runUpload(payload, inv, eventId, body);
  if (payload.kind === 'engine') return payload.request.kind === 'work' ? runWork(payload.request.run, inv) : sweep(inv);

  const stateBucket = inv.config.STATE_BUCKET;
  const markers = dedupKey && stateBucket && !inv.dryRun ? inv.services.objectsIn() : undefined;
  const claim =
    markers && dedupKey && stateBucket ? await claimMarker(markers, stateBucket, dedupKey, inv.callId, inv.deadline) : undefined;
  if (claim?.kind === 'duplicate') return { kind: 'notice', status: 'duplicate', correlation, reason: claim.reason };
  const warnings: string[] = claim?.kind === 'unavailable' ? [claim.warning] : [];
  const result =
    payload.kind === 'hire' ? await runHire(payload.input, inv, started, eventId, deliveredAt) : await runRows(payload.rows, inv, eventId);
  if (markers && dedupKey && stateBucket && claim) {
    // A scheduled leaver is not done: a delivery on or after its day must do the work, not answer `duplicate`.
    const done = result.status === Status.Succeeded || result.status === Status.Stale || result.status === 'complete';
    const warning = await finishMarker(markers, stateBucket, dedupKey, claim, inv.callId, done ? 'complete' : 'failed');
    if (warning) warnings.push(warning);
  }
  if (warnings.length === 0) return result;
  inv.log.warn('bookkeeping', { warnings });
  if (result.kind === 'batch')
    return { ...result, report: { ...result.report, warnings: [...(result.report.warnings ?? []), ...warnings] } };
  return { ...result, warnings: [...(result.warnings ?? []), ...warnings] };
}

function shouldPublish(result: HandlerResult): boolean {
  if (result.kind === 'notice') return false;
  if (result.kind === 'batch' && result.final === false) return false;
  return result.status !== Status.Rejected && result.status !== Status.DryRun;
}

async function publish<T extends OnboardingResult | BatchResult>(result: T, services: CallServices, policy: CallPolicy): Promise<T>;
async function publish(result: HandlerResult, services: CallServices, policy: CallPolicy): Promise<HandlerResult>;
async function publish(result: HandlerResult, services: CallServices, policy: CallPolicy): Promise<HandlerResult> {
  if (result.kind === 'notice') return result;
  const message =
    result.kind === 'batch' ? batchSummary(result.report) : { title: notificationTitle(result), body: notificationBody(result) };
  try {
    const { messageId } = await services.notifier.publish(message);
    return { ...result, notification: { published: true, messageId } };
  } catch (error) {
    const report: ErrorReport = { ...toErrorReport(error), code: ErrorCode.PublishFailed };
    policy.log.error('notification not published; the result is in this log and in the response', { error: report });
    return { ...result, notification: { published: false, error: report } };
  }
}

/** What the log may say of an unexpected error: its type, message and the top of its stack. */
function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: String(error).slice(0, 200) };
  return { type: error.name, message: error.message, stack: error.stack?.split('\n').slice(0, 6).join('\n') };
}
