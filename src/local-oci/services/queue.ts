import { ApiError, type ApiRequest, type ApiResponse, notFound, pageOf, type Route } from '../http';
import { type QueueRecord, type QueueState, queuesOf, type StoredMessage } from '../queue-state';
import type { TenancyState } from '../state';

// The Queue messages API 20210201 (the per-queue "messages endpoint"), as oci-queue's QueueClient
// calls it: paths, query parameters and bodies from its client.js and models (GetMessages,
// PutMessagesDetails, QueueStats, ChannelCollection, UpdatedMessage, DeleteMessagesResult).
//
// Behaviour, from Oracle's pages (read; not checked against a live tenancy):
// - "Overview of Queue" (/iaas/Content/queue/overview.htm): a delivered message is hidden from other
//   consumers for its visibility timeout; a consumer may extend it; a message not deleted is
//   delivered again; a message expires after its retention period.
// - GetMessages (API reference, and GetMessagesRequest in oci-queue): `visibilityInSeconds` overrides
//   the queue's; 0 is a peek that still counts a delivery. `timeoutInSeconds` absent or > 0 is a long
//   poll that "will only return when a message is available … or after timeoutInSeconds seconds";
//   0 answers at once. Without `channelFilter`, messages come "from a random non-empty channel";
//   with it, from the channel whose ID exactly matches.
// - "Dead Letter Queues" (/iaas/Content/queue/deadletterqueues.htm): every retrieval increases the
//   delivery count; a message moves to the DLQ (each channel has its own) after its deliveries reach
//   the queue's maximum without a delete before the visibility timeout; it stays there until its
//   retention ends. oci-queue 2.139.1 reads the DLQ only as counts (GetStats `dlq`): GetMessages has
//   no DLQ parameter, so neither has this emulation.
// - UpdateMessage: "the new visibility of the message relative to the current time".
//
// Limits. Read: batches of up to 20 messages to send, receive, update or delete (oracle.com's Queue
// product page, "message batching"); 10 MB/s ingress and egress per queue, retention at most 7 days
// (oracle.com "OCI Queue FAQ"). Assumed from the "Queue Limits" of the overview, which the stored
// copies here did not reach: 128 KB per message, 512 KB per PutMessages request, 1,000 requests a
// second per queue, a 12-hour visibility and a 30-second poll at most. Refusals chosen here (Oracle's
// codes for them were not found): 400 InvalidParameter for too many messages or a message too large,
// 413 for a request too large, 429 TooManyRequests with retry-after past a rate; a receipt whose
// delivery is over (deleted, expired, or delivered again) is 404 NotAuthorizedOrNotFound.

/** Messages per PutMessages, GetMessages, DeleteMessages and UpdateMessages request. */
export const MAX_MESSAGES_PER_REQUEST = 20;
/** Bytes of one message's content. */
export const MAX_MESSAGE_BYTES = 128 * 1024;
/** Bytes of one PutMessages request body. */
export const MAX_PUT_REQUEST_BYTES = 512 * 1024;
/** Longest visibility, in seconds (12 hours). */
export const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;
/** Longest long poll, in seconds. */
export const MAX_POLL_SECONDS = 30;
/**
 * Longest channel ID (assumed: "Channels" and "Publishing Messages to a Channel" say channels are
 * ephemeral, made by the first message put with their ID and never created or deleted, but give no
 * length or alphabet; 255 is the display-name bound of the queue itself).
 */
export const MAX_CHANNEL_ID_LENGTH = 255;

const PREFIX = '/20210201/queues/([^/]+)';

export function queueMessageRoutes(state: TenancyState): Route[] {
  const queues = queuesOf(state);
  return [
    route('GET', /^PREFIX\/messages$/, 'GetMessages', queues, async (queue, request) => {
      const limit = integer(request.query.get('limit'), 'limit', 1, MAX_MESSAGES_PER_REQUEST) ?? 1;
      const visibilitySeconds =
        integer(request.query.get('visibilityInSeconds'), 'visibilityInSeconds', 0, MAX_VISIBILITY_SECONDS) ?? queue.visibilityInSeconds;
      const timeoutSeconds =
        integer(request.query.get('timeoutInSeconds'), 'timeoutInSeconds', 0, MAX_POLL_SECONDS) ?? queue.timeoutInSeconds;
      const channelFilter = request.query.get('channelFilter') ?? undefined;
      const options = { limit, visibilitySeconds, channelFilter };
      // A queue already past its egress rate in this second takes no more.
      if (!queues.admit(queue.id, 'egress', 0, queues.limits.bytesPerSecond - 1)) return throttled(queue, 'egress');
      const until = Date.now() + timeoutSeconds * 1000;
      let taken = queues.take(queue, options);
      // A long poll answers as soon as a message is there; the fake clock can also make one visible,
      // so the wait is re-checked at least every 100 ms of real time.
      while (taken.length === 0 && Date.now() < until && queues.queues.has(queue.id)) {
        await queues.waitForChange(queue.id, Math.min(100, until - Date.now()));
        taken = queues.take(queue, options);
      }
      // Egress is counted after delivery (a refusal must not lose what was taken): past the rate, the next request is refused.
      queues.admit(
        queue.id,
        'egress',
        taken.reduce((sum, m) => sum + m.bytes, 0),
        Number.POSITIVE_INFINITY,
      );
      return { status: 200, body: { messages: taken.map(view) } };
    }),
    route('POST', /^PREFIX\/messages$/, 'PutMessages', queues, (queue, request) => {
      if (request.rawBody.length > MAX_PUT_REQUEST_BYTES) {
        throw new ApiError(413, 'RequestEntityTooLarge', `A PutMessages request is at most ${MAX_PUT_REQUEST_BYTES} bytes`);
      }
      const entries = list(request.json().messages, 'messages');
      const parsed = entries.map((entry, index) => {
        const e = (entry ?? {}) as { content?: unknown; metadata?: { channelId?: unknown; customProperties?: unknown } };
        if (typeof e.content !== 'string' || e.content.length === 0) {
          throw new ApiError(400, 'InvalidParameter', `messages[${index}].content is required`);
        }
        if (Buffer.byteLength(e.content, 'utf8') > MAX_MESSAGE_BYTES) {
          throw new ApiError(400, 'InvalidParameter', `messages[${index}].content is over ${MAX_MESSAGE_BYTES} bytes`);
        }
        const channelId = typeof e.metadata?.channelId === 'string' ? e.metadata.channelId : '';
        if (channelId.length > MAX_CHANNEL_ID_LENGTH) {
          throw new ApiError(400, 'InvalidParameter', `messages[${index}].metadata.channelId is over ${MAX_CHANNEL_ID_LENGTH} characters`);
        }
        const customProperties = e.metadata?.customProperties as Record<string, string> | undefined;
        return { content: e.content, channelId, ...(customProperties ? { customProperties } : {}) };
      });
      const ingress = parsed.reduce((sum, p) => sum + Buffer.byteLength(p.content, 'utf8'), 0);
      if (!queues.admit(queue.id, 'ingress', ingress, queues.limits.bytesPerSecond)) return throttled(queue, 'ingress');
      const stored = queues.put(queue, parsed);
      return { status: 200, body: { messages: stored.map((m) => ({ id: m.id, expireAfter: iso(m.expireAfter) })) } };
    }),
    route('DELETE', /^PREFIX\/messages\/([^/]+)$/, 'DeleteMessage', queues, (queue, request) => {
      queues.delete(delivered(queues, queue, decodeURIComponent(request.params[1] ?? '')));
      return { status: 200 };
    }),
    route('POST', /^PREFIX\/messages\/actions\/deleteMessages$/, 'DeleteMessages', queues, (queue, request) => {
      const entries = list(request.json().entries, 'entries').map((entry) =>
        outcome(() => {
          queues.delete(delivered(queues, queue, receiptOf(entry)));
          return {};
        }),
      );
      return { status: 200, body: { serverFailures: 0, clientFailures: failures(entries), entries } };
    }),
    route('PUT', /^PREFIX\/messages\/([^/]+)$/, 'UpdateMessage', queues, (queue, request) => {
      const message = delivered(queues, queue, decodeURIComponent(request.params[1] ?? ''));
      const seconds = visibility(request.json().visibilityInSeconds, 'visibilityInSeconds');
      queues.setVisibility(message, seconds);
      return { status: 200, body: { id: message.id, visibleAfter: iso(message.visibleAfter) } };
    }),
    route('POST', /^PREFIX\/messages\/actions\/updateMessages$/, 'UpdateMessages', queues, (queue, request) => {
      const entries = list(request.json().entries, 'entries').map((entry) =>
        outcome(() => {
          const message = delivered(queues, queue, receiptOf(entry));
          queues.setVisibility(
            message,
            visibility((entry as { visibilityInSeconds?: unknown }).visibilityInSeconds, 'visibilityInSeconds'),
          );
          return { id: message.id, visibleAfter: iso(message.visibleAfter) };
        }),
      );
      return { status: 200, body: { serverFailures: 0, clientFailures: failures(entries), entries } };
    }),
    route('GET', /^PREFIX\/stats$/, 'GetStats', queues, (queue, request) => {
      const channelId = request.query.get('channelId') ?? undefined;
      return { status: 200, body: { ...queues.stats(queue, channelId), ...(channelId ? { channelId } : {}) } };
    }),
    route('GET', /^PREFIX\/channels$/, 'ListChannels', queues, (queue, request) => {
      const filter = request.query.get('channelFilter');
      const page = pageOf(
        queues.channels(queue).filter((c) => filter === null || c === filter),
        request.query,
      );
      return { ...page, body: { items: page.body } };
    }),
  ];
}

/** A messages-API route: the queue is found, then counted against its request rate. */
function route(
  method: Route['method'],
  pattern: RegExp,
  operation: string,
  queues: QueueState,
  handle: (queue: QueueRecord, request: ApiRequest) => ApiResponse | Promise<ApiResponse>,
): Route {
  return {
    method,
    pattern: new RegExp(pattern.source.replace('PREFIX', PREFIX)),
    service: 'queue',
    operation,
    handle: (request) => {
      const queue = queues.queues.get(decodeURIComponent(request.params[0] ?? ''));
      if (!queue) throw notFound(`queue ${request.params[0]}`);
      if (!queues.admit(queue.id, 'requests', 1, queues.limits.requestsPerSecond)) return throttled(queue, 'requests');
      return handle(queue, request);
    },
  };
}

function throttled(queue: QueueRecord, what: string): ApiResponse {
  return {
    status: 429,
    body: { code: 'TooManyRequests', message: `Queue ${queue.id} is over its ${what} rate; retry later` },
    headers: { 'retry-after': '1' },
  };
}

/** The message a receipt's delivery holds; 404 when that delivery is over. */
function delivered(queues: QueueState, queue: QueueRecord, receipt: string): StoredMessage {
  const message = queues.byReceipt(queue, receipt);
  if (!message) throw notFound('message receipt (deleted, expired, or delivered again since)');
  return message;
}

function view(message: StoredMessage) {
  return {
    id: message.id,
    content: message.content,
    receipt: message.receipt,
    deliveryCount: message.deliveryCount,
    visibleAfter: iso(message.visibleAfter),
    expireAfter: iso(message.expireAfter),
    createdAt: iso(message.createdAt),
    ...(message.channelId || message.customProperties
      ? { metadata: { channelId: message.channelId, ...(message.customProperties ? { customProperties: message.customProperties } : {}) } }
      : {}),
  };
}

/** A batch entry's result: its own fields, or the error that refused it. */
function outcome(act: () => object): Record<string, unknown> {
  try {
    return { ...act() };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { errorCode: error.status, errorMessage: error.message };
  }
}

const failures = (entries: readonly Record<string, unknown>[]) => entries.filter((e) => e.errorCode !== undefined).length;

function list(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value) || value.length === 0) throw new ApiError(400, 'InvalidParameter', `${field} is required`);
  if (value.length > MAX_MESSAGES_PER_REQUEST) {
    throw new ApiError(400, 'InvalidParameter', `${field} holds ${value.length} entries; at most ${MAX_MESSAGES_PER_REQUEST}`);
  }
  return value;
}

function receiptOf(entry: unknown): string {
  const receipt = (entry as { receipt?: unknown } | null)?.receipt;
  if (typeof receipt !== 'string' || receipt === '') throw new ApiError(400, 'InvalidParameter', 'receipt is required');
  return receipt;
}

function visibility(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_VISIBILITY_SECONDS) {
    throw new ApiError(400, 'InvalidParameter', `${field} must be an integer from 0 to ${MAX_VISIBILITY_SECONDS}`);
  }
  return value;
}

function integer(raw: string | null, field: string, min: number, max: number): number | undefined {
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ApiError(400, 'InvalidParameter', `${field} must be an integer from ${min} to ${max}`);
  }
  return value;
}

const iso = (ms: number) => new Date(ms).toISOString();
