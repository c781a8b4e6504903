import type { SubscriptionRecord } from '../control-plane-state';
import { ApiError, notFound, pageOf, type Route, requireString } from '../http';
import { makeOcid } from '../ocid';
import type { TenancyState } from '../state';

// Notifications control plane 20181201 (topics and subscriptions), shapes from oci-ons's models
// (NotificationTopic, Subscription) and https://docs.oracle.com/en-us/iaas/api/#/en/notification/20181201/.
// Publishing and GetTopic live in notifications.ts.

/** Protocols CreateSubscriptionDetails documents. */
const PROTOCOLS = new Set(['EMAIL', 'CUSTOM_HTTPS', 'HTTPS', 'ORACLE_FUNCTIONS', 'PAGERDUTY', 'SLACK', 'SMS']);
/** Topic names: 1-256 of letters, digits, hyphens and underscores (CreateTopicDetails.name). */
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;

export function onsControlRoutes(state: TenancyState): Route[] {
  const subscriptions = state.controlPlane.subscriptions;
  const topicView = (id: string) => {
    const t = state.topics.get(id);
    if (!t) throw notFound(`topic ${id}`);
    return {
      topicId: t.id,
      name: t.name,
      compartmentId: t.compartmentId,
      lifecycleState: 'ACTIVE',
      timeCreated: t.timeCreated.toISOString(),
      apiEndpoint: 'local',
      etag: 'local',
    };
  };
  const subscriptionView = (s: SubscriptionRecord) => ({
    id: s.id,
    topicId: s.topicId,
    compartmentId: s.compartmentId,
    protocol: s.protocol,
    endpoint: s.endpoint,
    lifecycleState: s.lifecycleState,
    createdTime: s.createdTime,
    etag: 'local',
  });
  return [
    {
      method: 'POST',
      pattern: /^\/20181201\/topics$/,
      service: 'notifications',
      operation: 'CreateTopic',
      handle: (request) => {
        const body = request.json();
        const name = requireString(body, 'name');
        const compartmentId = requireString(body, 'compartmentId');
        if (!TOPIC_NAME.test(name)) throw new ApiError(400, 'InvalidParameter', 'Topic names use letters, digits, hyphens and underscores');
        // Topic names are unique in the tenancy (Notifications "Managing Topics").
        if ([...state.topics.values()].some((t) => t.name === name)) {
          throw new ApiError(409, 'Conflict', `A topic named ${name} already exists in the tenancy`);
        }
        const topic = state.addTopic(name, compartmentId);
        return { status: 200, body: topicView(topic.id) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/20181201\/topics$/,
      service: 'notifications',
      operation: 'ListTopics',
      handle: ({ query }) => {
        const compartmentId = query.get('compartmentId');
        if (!compartmentId) throw new ApiError(400, 'InvalidParameter', 'compartmentId is required');
        const name = query.get('name');
        const items = [...state.topics.values()]
          .filter((t) => t.compartmentId === compartmentId && (name === null || t.name === name))
          .map((t) => topicView(t.id));
        return pageOf(items, query);
      },
    },
    {
      method: 'POST',
      pattern: /^\/20181201\/subscriptions$/,
      service: 'notifications',
      operation: 'CreateSubscription',
      handle: (request) => {
        const body = request.json();
        const topicId = requireString(body, 'topicId');
        const compartmentId = requireString(body, 'compartmentId');
        const protocol = requireString(body, 'protocol');
        const endpoint = requireString(body, 'endpoint');
        topicView(topicId);
        if (!PROTOCOLS.has(protocol)) throw new ApiError(400, 'InvalidParameter', `Unknown protocol ${protocol}`);
        if (protocol === 'EMAIL' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(endpoint)) {
          throw new ApiError(400, 'InvalidParameter', `${endpoint} is not an e-mail address`);
        }
        if ([...subscriptions.values()].some((s) => s.topicId === topicId && s.protocol === protocol && s.endpoint === endpoint)) {
          throw new ApiError(409, 'Conflict', 'The endpoint is already subscribed to the topic');
        }
        const record = {
          id: makeOcid('onssubscription', request.region),
          topicId,
          compartmentId,
          protocol,
          endpoint,
          // An e-mail subscription waits for the recipient to confirm; others are active at once.
          lifecycleState: protocol === 'EMAIL' ? ('PENDING' as const) : ('ACTIVE' as const),
          createdTime: Date.now(),
        };
        subscriptions.set(record.id, record);
        return { status: 200, body: subscriptionView(record) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/20181201\/subscriptions$/,
      service: 'notifications',
      operation: 'ListSubscriptions',
      handle: ({ query }) => {
        const compartmentId = query.get('compartmentId');
        if (!compartmentId) throw new ApiError(400, 'InvalidParameter', 'compartmentId is required');
        const topicId = query.get('topicId');
        const items = [...subscriptions.values()]
          .filter((s) => s.compartmentId === compartmentId && (topicId === null || s.topicId === topicId))
          .map(subscriptionView);
        return pageOf(items, query);
      },
    },
  ];
}
