import { jsonDepth } from '../core/files/json-item';
import { DEFAULT_FILE_LIMITS } from '../core/hires-file';
import { ErrorCode, type Problem, ValidationError } from '../support/errors';
import { type EngineRequest, engineRequestOf } from './engine-body';

/** OCI Events sends CloudEvents 0.1; these two event types mean "an object was written". */
const OBJECT_WRITTEN = new Set(['com.oraclecloud.objectstorage.createobject', 'com.oraclecloud.objectstorage.updateobject']);

/** Brackets a body may nest: an OCI event needs 3, a batch of hires 3, a hire 2. */
const MAX_BODY_DEPTH = 32;

export const ACCEPTED =
  'a new-hire object; a batch (a JSON array of hires, or {"hires": [...]}); an OCI Events object create/update event (CloudEvents 0.1); any of these delivered by OCI Notifications or through API Gateway';

/** What arrived, decoded: one hire, a batch, an uploaded file to read, or something to acknowledge and ignore. */
export type Payload =
  | { readonly kind: 'hire'; readonly input: unknown }
  | { readonly kind: 'batch'; readonly rows: readonly unknown[] }
  | {
      readonly kind: 'object';
      readonly namespace: string;
      readonly bucket: string;
      readonly name: string;
      readonly eventType: string;
    }
  /** The upload engine's own bodies (engine-body.ts), only ever from a direct invoke. */
  | { readonly kind: 'engine'; readonly request: EngineRequest }
  | { readonly kind: 'ignored'; readonly reason: string };

export interface Delivery {
  readonly via: 'direct' | 'notifications' | 'api-gateway';
  /**
   * A key that is the same for every delivery of the same message or event, so a replay is caught: the
   * ONS message id, the webhook's delivery id, the OCI event id, or the HR event's `eventId`.
   */
  readonly dedupKey: string | undefined;
  /** The OCI event id or ONS message id, for correlation. */
  readonly eventId: string | undefined;
  readonly payload: Payload;
}

/** Where uploads are watched: the bucket and the name prefix the Events rule is for. */
export interface UploadWatch {
  readonly bucket: string | undefined;
  readonly prefix: string;
}

/** Objects this function writes itself (reports, markers); an event about them must never start a batch. */
export const isOwnObject = (name: string) => name.startsWith('.onboarding/') || /\.report\.(json|csv)$/i.test(name);

function parseBody(text: string): unknown {
  if (text.trim() === '')
    throw new ValidationError(ErrorCode.InvalidEvent, 'The request body is empty', [{ path: '(body)', message: `expected ${ACCEPTED}` }]);
  // Nothing this function accepts nests deeper than a few levels; a deeper body is refused before it
  // is parsed, so no recursive walk (validation, logging, serialising) ever meets it.
  const depth = jsonDepth(Buffer.from(text, 'utf8'));
  if (depth > MAX_BODY_DEPTH)
    throw new ValidationError(ErrorCode.InvalidEvent, 'The request body is nested too deeply', [
      { path: '(body)', message: `is nested ${depth} deep; at most ${MAX_BODY_DEPTH}` },
    ]);
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ValidationError(ErrorCode.InvalidEvent, 'The request body is not JSON', [
      { path: '(body)', message: (error as Error).message },
    ]);
  }
}

function decodeOciEvent(event: Record<string, unknown>, watch: UploadWatch): Payload {
  const eventType = String(event.eventType ?? '');
  if (!OBJECT_WRITTEN.has(eventType))
    return { kind: 'ignored', reason: `event type ${eventType || '(none)'} is not an object create or update` };
  const data = (event.data ?? {}) as { resourceName?: unknown; additionalDetails?: { bucketName?: unknown; namespace?: unknown } };
  const name = typeof data.resourceName === 'string' ? data.resourceName : '';
  const bucket = typeof data.additionalDetails?.bucketName === 'string' ? data.additionalDetails.bucketName : '';
  const namespace = typeof data.additionalDetails?.namespace === 'string' ? data.additionalDetails.namespace : '';
  if (!name || !bucket || !namespace) {
    throw new ValidationError(ErrorCode.InvalidEvent, 'The object event is not valid', [
      { path: 'data', message: 'resourceName, additionalDetails.bucketName and additionalDetails.namespace are required' },
    ]);
  }
  const problems = objectNameProblems(namespace, bucket, name);
  if (problems.length > 0) throw new ValidationError(ErrorCode.InvalidEvent, 'The object event names no object OCI would hold', problems);
  if (isOwnObject(name)) return { kind: 'ignored', reason: `${name} is a report or marker written by this function` };
  if (watch.bucket && bucket !== watch.bucket)
    return { kind: 'ignored', reason: `bucket ${bucket} is not the onboarding bucket ${watch.bucket}` };
  if (!name.startsWith(watch.prefix)) return { kind: 'ignored', reason: `${name} is outside the prefix ${watch.prefix}` };
  return { kind: 'object', namespace, bucket, name, eventType };
}

/**
 * The names of an object event, checked against Object Storage's naming rules before any of them is
 * put in a request path. Namespaces are system-generated lower-case strings ("Object Storage
 * Namespaces": older ones are the tenancy name in lower case). Bucket names are letters, digits,
 * hyphens, underscores and periods (oci-objectstorage `CreateBucketDetails.name`). Object names are
 * 1 to 1024 characters without line feed, carriage return or NULL (Oracle's "Object Storage Objects",
 * Object Names). Further, `.` and `..` as a bucket or as a segment of an object name are refused: in a
 * URL path they would address another resource than the one named.
 */
function objectNameProblems(namespace: string, bucket: string, name: string): Problem[] {
  const problems: Problem[] = [];
  if (!/^[a-z0-9][a-z0-9_-]{0,127}$/.test(namespace))
    problems.push({
      path: 'data.additionalDetails.namespace',
      message: 'is not an Object Storage namespace (lower-case letters and digits)',
    });
  if (!/^[A-Za-z0-9._-]{1,256}$/.test(bucket) || bucket === '.' || bucket === '..')
    problems.push({ path: 'data.additionalDetails.bucketName', message: 'is not a bucket name (letters, digits, - _ and ., at most 256)' });
  // Control characters (C0 and DEL) include the line feed, carriage return and NULL that OCI refuses.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
  const control = /[\u0000-\u001f\u007f]/;
  if (name.length > 1024 || control.test(name) || name.split('/').some((segment) => segment === '.' || segment === '..'))
    problems.push({
      path: 'data.resourceName',
      message: 'is not an object name (1-1024 characters, no control characters, no . or .. segment)',
    });
  return problems;
}

/** A batch in a request body is held whole (at most 6 MB); a body that is mostly not hires is refused as a whole. */
function batchOf(rows: unknown[]): Payload {
  const limits = DEFAULT_FILE_LIMITS;
  if (rows.length > limits.maxRows)
    throw new ValidationError(ErrorCode.InvalidEvent, 'The batch is too large', [
      { path: '(body)', message: `has ${rows.length} items; at most ${limits.maxRows}` },
    ]);
  let notHires = 0;
  for (const row of rows) if (typeof row !== 'object' || row === null || Array.isArray(row)) notHires += 1;
  if (notHires > limits.maxUnreadableRows)
    throw new ValidationError(ErrorCode.InvalidEvent, 'The batch is not a list of hires', [
      { path: '(body)', message: `${notHires} of its ${rows.length} items are not hire objects` },
    ]);
  return { kind: 'batch', rows };
}

function decodeJson(json: unknown, watch: UploadWatch): { payload: Payload; eventId?: string; hrEventId?: string } {
  if (Array.isArray(json)) return { payload: batchOf(json) };
  if (typeof json !== 'object' || json === null) {
    throw new ValidationError(ErrorCode.UnsupportedTrigger, 'The request is not a trigger this function accepts', [
      { path: '(body)', message: `expected ${ACCEPTED}` },
    ]);
  }
  const record = json as Record<string, unknown>;
  if ('cloudEventsVersion' in record || 'eventType' in record) {
    return { payload: decodeOciEvent(record, watch), ...(typeof record.eventID === 'string' ? { eventId: record.eventID } : {}) };
  }
  if (Array.isArray(record.hires) && Object.keys(record).length === 1) return { payload: batchOf(record.hires) };
  return { payload: { kind: 'hire', input: record }, ...(typeof record.eventId === 'string' ? { hrEventId: record.eventId } : {}) };
}

/** How the call came: known from the Fn headers alone, before the body is read. */
export function deliveryVia(header: (name: string) => string | null): Delivery['via'] {
  return header('Fn-Intent') === 'httprequest' ? 'api-gateway' : header('X-OCI-NS-MessageId') ? 'notifications' : 'direct';
}

export interface DeliveryOptions {
  /** The webhook header that carries the HR system's delivery id (through API Gateway, `Fn-Http-H-<name>`). */
  readonly deliveryIdHeader?: string;
}

/** A delivery id goes into a marker: printable ASCII, bounded. */
const DELIVERY_ID = /^[\x21-\x7e]{1,200}$/;

/**
 * Recognises what arrived: the Fn headers tell API Gateway (`Fn-Intent: httprequest`) and ONS
 * (`X-OCI-NS-MessageId`) deliveries; the body tells a hire, a batch, or an OCI event. The dedup key is
 * the first of: the ONS message id, the webhook's delivery id header, the OCI event id, the hire's
 * `eventId`; a delivery with none of these (a batch sent directly) is never taken for a replay.
 */
export function decodeDelivery(
  body: string,
  header: (name: string) => string | null,
  watch: UploadWatch,
  options: DeliveryOptions = {},
): Delivery {
  const via = deliveryVia(header);
  const messageId = header('X-OCI-NS-MessageId') ?? undefined;
  const deliveryId =
    via === 'api-gateway' && options.deliveryIdHeader ? (header(`Fn-Http-H-${options.deliveryIdHeader}`) ?? undefined) : undefined;
  if (deliveryId !== undefined && !DELIVERY_ID.test(deliveryId))
    throw new ValidationError(ErrorCode.InvalidEvent, 'The delivery id is not valid', [
      { path: options.deliveryIdHeader ?? '(header)', message: 'expected 1 to 200 printable ASCII characters' },
    ]);
  const json = parseBody(body);
  // The engine's bodies are the function's own detached calls and the schedule's: never read from ONS or API Gateway.
  const engine = via === 'direct' ? engineRequestOf(json) : undefined;
  if (engine) return { via, dedupKey: undefined, eventId: undefined, payload: { kind: 'engine', request: engine } };
  const decoded = decodeJson(json, watch);
  const { eventId, hrEventId } = decoded;
  const payload = decoded.payload;
  const dedupKey = messageId
    ? `ons:${messageId}`
    : deliveryId
      ? `webhook:${deliveryId}`
      : eventId
        ? `event:${eventId}`
        : hrEventId
          ? `hr-event:${hrEventId}`
          : undefined;
  return { via, dedupKey, eventId: eventId ?? messageId ?? deliveryId ?? hrEventId, payload };
}
