import { ErrorCode, ValidationError } from '../support/errors';

/** OCI Events sends CloudEvents 0.1; these two event types mean "an object was written". */
const OBJECT_WRITTEN = new Set(['com.oraclecloud.objectstorage.createobject', 'com.oraclecloud.objectstorage.updateobject']);
const MAX_BODY_BYTES = 6 * 1024 * 1024; // the OCI Functions invoke limit

export const ACCEPTED =
  'a new-hire object; a batch (a JSON array of hires, or {"hires": [...]}); an OCI Events object create/update event (CloudEvents 0.1); any of these delivered by OCI Notifications or through API Gateway';

/** What arrived, decoded: one hire, a batch, an uploaded file to read, or something to acknowledge and ignore. */
export type Payload =
  | { readonly kind: 'hire'; readonly input: unknown }
  | { readonly kind: 'batch'; readonly rows: readonly unknown[] }
  | { readonly kind: 'object'; readonly namespace: string; readonly bucket: string; readonly name: string; readonly eventType: string }
  | { readonly kind: 'ignored'; readonly reason: string };

export interface Delivery {
  readonly via: 'direct' | 'notifications' | 'api-gateway';
  /** A key that is the same for every delivery of the same message or event: ONS message id, event id. */
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
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES)
    throw new ValidationError(ErrorCode.InvalidEvent, 'The request body is too large', [{ path: '(body)', message: 'at most 6 MB' }]);
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
  if (isOwnObject(name)) return { kind: 'ignored', reason: `${name} is a report or marker written by this function` };
  if (watch.bucket && bucket !== watch.bucket)
    return { kind: 'ignored', reason: `bucket ${bucket} is not the onboarding bucket ${watch.bucket}` };
  if (!name.startsWith(watch.prefix)) return { kind: 'ignored', reason: `${name} is outside the prefix ${watch.prefix}` };
  return { kind: 'object', namespace, bucket, name, eventType };
}

function decodeJson(json: unknown, watch: UploadWatch): { payload: Payload; eventId?: string } {
  if (Array.isArray(json)) return { payload: { kind: 'batch', rows: json } };
  if (typeof json !== 'object' || json === null) {
    throw new ValidationError(ErrorCode.UnsupportedTrigger, 'The request is not a trigger this function accepts', [
      { path: '(body)', message: `expected ${ACCEPTED}` },
    ]);
  }
  const record = json as Record<string, unknown>;
  if ('cloudEventsVersion' in record || 'eventType' in record) {
    return { payload: decodeOciEvent(record, watch), ...(typeof record.eventID === 'string' ? { eventId: record.eventID } : {}) };
  }
  if (Array.isArray(record.hires) && Object.keys(record).length === 1) return { payload: { kind: 'batch', rows: record.hires } };
  return { payload: { kind: 'hire', input: record } };
}

/**
 * Recognises what arrived: the Fn headers tell API Gateway (`Fn-Intent: httprequest`) and ONS
 * (`X-OCI-NS-MessageId`) deliveries; the body tells a hire, a batch, or an OCI event.
 */
/** How the call came: known from the Fn headers alone, before the body is read. */
export function deliveryVia(header: (name: string) => string | null): Delivery['via'] {
  return header('Fn-Intent') === 'httprequest' ? 'api-gateway' : header('X-OCI-NS-MessageId') ? 'notifications' : 'direct';
}

export function decodeDelivery(body: string, header: (name: string) => string | null, watch: UploadWatch): Delivery {
  const via = deliveryVia(header);
  const messageId = header('X-OCI-NS-MessageId') ?? undefined;
  const { payload, eventId } = decodeJson(parseBody(body), watch);
  const dedupKey = messageId ? `ons:${messageId}` : eventId ? `event:${eventId}` : undefined;
  return { via, dedupKey, eventId: eventId ?? messageId, payload };
}
