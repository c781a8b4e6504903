import type { QueueClient } from 'oci-queue';
import type { ChannelStats, TakenMessage, WorkQueue } from '../core/ports';
import { type CallPolicy, callOci } from './call';

/** Messages per PutMessages request ("Overview of Queue", limits: batches of up to 20 messages). */
const MAX_PUT_BATCH = 20;
/** Longest long poll GetMessages takes, in seconds (GetMessages `timeoutInSeconds`). */
const MAX_WAIT_SECONDS = 30;

/**
 * The function's queue through `oci-queue`'s QueueClient, on the queue's messages endpoint
 * (QUEUE_ENDPOINT, `Queue.messagesEndpoint`). The calls, and nothing else: PutMessages, GetMessages,
 * DeleteMessage, UpdateMessage, GetStats, ListChannels.
 */
export function workQueue(client: QueueClient, queueId: string, policy: CallPolicy): WorkQueue {
  return {
    async put(channel, contents) {
      for (let i = 0; i < contents.length; i += MAX_PUT_BATCH) {
        const messages = contents.slice(i, i + MAX_PUT_BATCH).map((content) => ({ content, metadata: { channelId: channel } }));
        await callOci('PutMessages', () => client.putMessages({ queueId, putMessagesDetails: { messages } }), policy);
      }
    },
    async take(channel, options): Promise<TakenMessage | undefined> {
      const response = await callOci(
        'GetMessages',
        () =>
          client.getMessages({
            queueId,
            channelFilter: channel,
            limit: 1,
            visibilityInSeconds: Math.max(1, Math.ceil(options.visibilitySeconds)),
            timeoutInSeconds: Math.max(0, Math.min(MAX_WAIT_SECONDS, Math.floor(options.waitSeconds))),
          }),
        policy,
      );
      const [message] = response.getMessages.messages;
      return message ? { content: message.content, receipt: message.receipt, deliveryCount: message.deliveryCount } : undefined;
    },
    async delete(receipt) {
      await callOci('DeleteMessage', () => client.deleteMessage({ queueId, messageReceipt: receipt }), policy);
    },
    async release(receipt, seconds) {
      await callOci(
        'UpdateMessage',
        () =>
          client.updateMessage({ queueId, messageReceipt: receipt, updateMessageDetails: { visibilityInSeconds: Math.max(0, seconds) } }),
        policy,
      );
    },
    async stats(channel): Promise<ChannelStats> {
      const response = await callOci('GetStats', () => client.getStats({ queueId, channelId: channel }), policy);
      const { queue, dlq } = response.queueStats;
      return { visible: queue.visibleMessages, inFlight: queue.inFlightMessages, deadLettered: dlq.visibleMessages + dlq.inFlightMessages };
    },
    async channels() {
      const all: string[] = [];
      let page: string | undefined;
      do {
        const response = await callOci('ListChannels', () => client.listChannels({ queueId, ...(page ? { page } : {}) }), policy);
        all.push(...response.channelCollection.items);
        page = response.opcNextPage || undefined;
      } while (page);
      return all;
    },
  };
}
