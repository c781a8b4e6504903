import { ApiError, notFound, type Route } from '../http';
import { makeOcid } from '../ocid';
import type { TenancyState } from '../state';

// Notifications API 20181201: https://docs.oracle.com/en-us/iaas/api/#/en/notification/20181201/
const MAX_MESSAGE_BYTES = 64 * 1024;

export function notificationRoutes(state: TenancyState): Route[] {
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
        if (Buffer.byteLength(body.body, 'utf8') > MAX_MESSAGE_BYTES) {
          throw new ApiError(400, 'InvalidParameter', `message body exceeds ${MAX_MESSAGE_BYTES} bytes`);
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
