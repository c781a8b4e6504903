import type { NotificationDataPlaneClient } from 'oci-ons';
import type { Notifier } from '../core/ports';
import { type CallPolicy, callOci } from './call';

/** Publishes to one ONS topic. ONS keeps no idempotency token, so a retried publish can deliver twice. */
export function onsNotifier(client: NotificationDataPlaneClient, topicId: string, policy: CallPolicy): Notifier {
  return {
    async publish(message) {
      const response = await callOci('PublishMessage', () => client.publishMessage({ topicId, messageDetails: message }), policy);
      return { messageId: response.publishResult.messageId };
    },
  };
}
