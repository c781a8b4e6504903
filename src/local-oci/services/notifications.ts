import { ApiError, notFound, type Route } from '../http';
import { makeOcid } from '../ocid';
import type { TenancyState } from '../state';

// Notifications API 20181201: https://docs.oracle.com/en-us/iaas/api/#/en/notification/20181201/
// Limits from Oracle's "Notifications Limits" (read, not checked against a live tenancy): a message
// is at most 64 KB per request, title included; a topic takes about 60 publishes a minute, and
// answers 429 past that.
const MAX_MESSAGE_BYTES = 64 * 1024;
const PUBLISH_WINDOW_MS = 60_000;

/** @param publishesPerMinute How many publishes a topic takes in a sliding minute (OCI: 60). */
export function notificationRoutes(state: TenancyState, publishesPerMinute = 60): Route[] {
  const recentPublishes = new Map<string, number[]>();
  /** Counts a publish against its topic's minute; false when the topic is over its rate. */
  const admit = (topicId: string): boolean => {
    const now = Date.now();
    const recent = (recentPublishes.get(topicId) ?? []).filter((at) => now - at < PUBLISH_WINDOW_MS);
    recentPublishes.set(topicId, recent);
    if (recent.length >= publishesPerMinute) return false;
    recent.push(now);
    return true;
  };
  const topic = (id: string | undefined) => {
    const found = state.topics.get(id ?? '');
    if (!found) throw notFound(`topic ${id}`);
    return found;
  };
  return [
    {
      method: 'GET',
      pattern: /^\/20181201\/topics\/([^/]+)$/,
      service: 'notifications',
      operation: 'GetTopic',
      handle: ({ params }) => {
        const t = topic(params[0]);
        return {
          status: 200,
          body: {
            topicId: t.id,
            name: t.name,
            compartmentId: t.compartmentId,
            lifecycleState: 'ACTIVE',
            timeCreated: t.timeCreated.toISOString(),
            apiEndpoint: 'local',
            etag: 'local',
          },
        };
      },
    },
    {
      method: 'POST',
      pattern: /^\/20181201\/topics\/([^/]+)\/messages$/,
      service: 'notifications',
      operation: 'PublishMessage',
      handle: (request) => {
        const t = topic(request.params[0]);
        const body = request.json<{ title?: unknown; body?: unknown }>();
        if (typeof body.body !== 'string' || body.body.length === 0) throw new ApiError(400, 'InvalidParameter', 'body is required');
        const title = typeof body.title === 'string' ? body.title : '';
        if (Buffer.byteLength(body.body, 'utf8') + Buffer.byteLength(title, 'utf8') > MAX_MESSAGE_BYTES) {
          throw new ApiError(400, 'InvalidParameter', `message title and body exceed ${MAX_MESSAGE_BYTES} bytes`);
        }
        if (!admit(t.id)) {
          throw new ApiError(429, 'TooManyRequests', `Topic ${t.id} is over its limit of ${publishesPerMinute} messages a minute`);
        }
        const message = {
          messageId: makeOcid('onsmessage'),
          topicId: t.id,
          title: typeof body.title === 'string' ? body.title : undefined,
          body: body.body,
          at: new Date(),
        };
        t.messages.push(message);
        return { status: 202, body: { messageId: message.messageId, timeStamp: message.at.toISOString() } };
      },
    },
  ];
}
