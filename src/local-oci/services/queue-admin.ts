import { ApiError, type ApiRequest, notFound, pageOf, type Route, requireString } from '../http';
import { makeOcid } from '../ocid';
import { type QueueRecord, queuesOf } from '../queue-state';
import type { TenancyState } from '../state';
import { MAX_POLL_SECONDS, MAX_VISIBILITY_SECONDS } from './queue';

// The Queue control plane 20210201 as far as a set-up needs it (oci-queue's QueueAdminClient):
// CreateQueue and DeleteQueue answer 202 with `opc-work-request-id` and no body (so a set-up finds
// the new queue with ListQueues by display name), GetQueue gives the Queue model with its
// `messagesEndpoint`, ListQueues a QueueCollection. Queues are ACTIVE at once here.
//
// Settings and their ranges: `deadLetterQueueDeliveryCount` 0 means no DLQ and
// `channelConsumptionLimit` is a percentage, 100 by default (CreateQueueDetails in oci-queue);
// retention at most 7 days (oracle.com "OCI Queue FAQ"). Assumed (the overview's limits were not
// reachable here): retention from 10 s, 1 day by default; visibility 30 s by default, at most
// 12 hours; a poll 30 s by default and at most; at most 20 deliveries before the DLQ, 5 by default.

const RETENTION = { min: 10, max: 7 * 24 * 60 * 60, default: 24 * 60 * 60 } as const;
const VISIBILITY = { min: 0, max: MAX_VISIBILITY_SECONDS, default: 30 } as const;
const TIMEOUT = { min: 0, max: MAX_POLL_SECONDS, default: MAX_POLL_SECONDS } as const;
const DELIVERIES = { min: 0, max: 20, default: 5 } as const;
const CONSUMPTION = { min: 10, max: 100, default: 100 } as const;

export function queueAdminRoutes(state: TenancyState): Route[] {
  const queues = queuesOf(state);
  const find = (id: string | undefined) => {
    const queue = queues.queues.get(decodeURIComponent(id ?? ''));
    if (!queue) throw notFound(`queue ${id}`);
    return queue;
  };
  const accepted = () => ({ status: 202, headers: { 'opc-work-request-id': makeOcid('queueworkrequest') } });
  return [
    {
      method: 'POST',
      pattern: /^\/20210201\/queues$/,
      service: 'queue',
      operation: 'CreateQueue',
      handle: (request) => {
        const body = request.json();
        const displayName = requireString(body, 'displayName');
        if (displayName.length > 255) throw new ApiError(400, 'InvalidParameter', 'displayName is at most 255 characters');
        queues.addQueue({
          id: makeOcid('queue', request.region),
          compartmentId: requireString(body, 'compartmentId'),
          displayName,
          retentionInSeconds: setting(body, 'retentionInSeconds', RETENTION),
          visibilityInSeconds: setting(body, 'visibilityInSeconds', VISIBILITY),
          timeoutInSeconds: setting(body, 'timeoutInSeconds', TIMEOUT),
          deadLetterQueueDeliveryCount: setting(body, 'deadLetterQueueDeliveryCount', DELIVERIES),
          channelConsumptionLimit: setting(body, 'channelConsumptionLimit', CONSUMPTION),
          freeformTags: (body.freeformTags as QueueRecord['freeformTags'] | undefined) ?? {},
          definedTags: (body.definedTags as QueueRecord['definedTags'] | undefined) ?? {},
          timeCreated: new Date(state.clock.now()),
        });
        return accepted();
      },
    },
    {
      method: 'GET',
      pattern: /^\/20210201\/queues\/([^/]+)$/,
      service: 'queue',
      operation: 'GetQueue',
      handle: (request) => ({ status: 200, body: view(find(request.params[0]), request) }),
    },
    {
      method: 'GET',
      pattern: /^\/20210201\/queues$/,
      service: 'queue',
      operation: 'ListQueues',
      handle: (request) => {
        const q = request.query;
        const items = [...queues.queues.values()]
          .filter(
            (r) =>
              (q.get('compartmentId') === null || r.compartmentId === q.get('compartmentId')) &&
              (q.get('displayName') === null || r.displayName === q.get('displayName')) &&
              (q.get('id') === null || r.id === q.get('id')) &&
              (q.get('lifecycleState') === null || q.get('lifecycleState') === 'ACTIVE'),
          )
          .map((r) => view(r, request));
        const page = pageOf(items, q);
        return { ...page, body: { items: page.body } };
      },
    },
    {
      // UpdateQueueDetails: display name, visibility, poll timeout, channel consumption limit and the
      // deliveries before the DLQ change; retention does not (it is not in the model).
      method: 'PUT',
      pattern: /^\/20210201\/queues\/([^/]+)$/,
      service: 'queue',
      operation: 'UpdateQueue',
      handle: (request) => {
        const queue = find(request.params[0]);
        const body = request.json<Record<string, unknown>>();
        if (typeof body.displayName === 'string') queue.displayName = body.displayName;
        const update = (
          field: 'visibilityInSeconds' | 'timeoutInSeconds' | 'deadLetterQueueDeliveryCount' | 'channelConsumptionLimit',
          range: Range,
        ) => {
          if (body[field] !== undefined && body[field] !== null) queue[field] = setting(body, field, range);
        };
        update('visibilityInSeconds', VISIBILITY);
        update('timeoutInSeconds', TIMEOUT);
        update('deadLetterQueueDeliveryCount', DELIVERIES);
        update('channelConsumptionLimit', CONSUMPTION);
        return accepted();
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/20210201\/queues\/([^/]+)$/,
      service: 'queue',
      operation: 'DeleteQueue',
      handle: (request) => {
        queues.deleteQueue(find(request.params[0]).id);
        return accepted();
      },
    },
  ];
}

/** The Queue model; the messages endpoint is this local OCI in the queue's region. */
function view(queue: QueueRecord, request: ApiRequest) {
  const host = request.header('host') ?? '127.0.0.1';
  const region = queue.id.split('.')[3] || request.region;
  return {
    id: queue.id,
    displayName: queue.displayName,
    compartmentId: queue.compartmentId,
    timeCreated: queue.timeCreated.toISOString(),
    timeUpdated: queue.timeCreated.toISOString(),
    lifecycleState: 'ACTIVE',
    messagesEndpoint: `http://${host}/r/${region}`,
    retentionInSeconds: queue.retentionInSeconds,
    visibilityInSeconds: queue.visibilityInSeconds,
    timeoutInSeconds: queue.timeoutInSeconds,
    deadLetterQueueDeliveryCount: queue.deadLetterQueueDeliveryCount,
    channelConsumptionLimit: queue.channelConsumptionLimit,
    freeformTags: queue.freeformTags,
    definedTags: queue.definedTags,
    systemTags: {},
  };
}

type Range = { readonly min: number; readonly max: number; readonly default: number };

function setting(body: Record<string, unknown>, field: string, range: Range): number {
  const value = body[field];
  if (value === undefined || value === null) return range.default;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw new ApiError(400, 'InvalidParameter', `${field} must be an integer from ${range.min} to ${range.max}`);
  }
  return value;
}
