import { seedFunctionGrant } from '@oci-iam-onboarding/local-oci/authz/seed';
import { queuesOf } from '@oci-iam-onboarding/local-oci/queue-state';
import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import * as common from 'oci-common';
import { QueueAdminClient, QueueClient } from 'oci-queue';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientConfiguration } from '../../src/oci/clients';
import { configFileProvider, failure } from './sdk';

// OCI Queue as the local OCI serves it, through oci-queue's own clients signing as an administrator
// (config file) or as the function (resource principal). Time-dependent behaviour runs on the local
// OCI's clock, frozen and moved by the tests; only long polling waits in real time.

interface QueueSettings {
  visibilityInSeconds?: number;
  retentionInSeconds?: number;
  deadLetterQueueDeliveryCount?: number;
  timeoutInSeconds?: number;
}

describe('local OCI: Queue through the oci-queue SDK', () => {
  let oci: LocalOci;
  let admin: QueueAdminClient;
  let work: string;
  let made = 0;

  /** Creates a queue as a set-up does (CreateQueue answers no body: the id comes from ListQueues) and a client on its messages endpoint. */
  async function newQueue(settings: QueueSettings = {}, provider: common.AuthenticationDetailsProvider = configFileProvider(oci)) {
    made += 1;
    const displayName = `work-${made}`;
    const created = await admin.createQueue({
      createQueueDetails: { displayName, compartmentId: work, timeoutInSeconds: 0, ...settings },
    });
    const listed = await admin.listQueues({ compartmentId: work, displayName });
    const queueId = listed.queueCollection.items[0]?.id ?? '';
    const { queue } = await admin.getQueue({ queueId });
    const client = new QueueClient({ authenticationDetailsProvider: provider }, clientConfiguration);
    client.endpoint = queue.messagesEndpoint;
    return { queueId, client, queue, workRequest: created.opcWorkRequestId };
  }

  beforeAll(async () => {
    oci = await startLocalOci();
    work = oci.state.addCompartment('work').id;
    admin = new QueueAdminClient({ authenticationDetailsProvider: configFileProvider(oci) }, clientConfiguration);
    admin.endpoint = oci.endpointFor(oci.defaultRegion);
  });
  afterEach(() => {
    oci.state.clock.resume();
    oci.faults.clear();
    queuesOf(oci.state).limits.requestsPerSecond = 1000;
  });
  afterAll(() => oci.stop());

  it('creates a queue with its settings and a messages endpoint; deletes it', async () => {
    // Act
    const { queueId, queue, workRequest } = await newQueue({ visibilityInSeconds: 45, deadLetterQueueDeliveryCount: 3 });
    await admin.deleteQueue({ queueId });
    const afterDelete = await failure(admin.getQueue({ queueId }));
    // Assess
    expect(workRequest).toMatch(/^ocid1\.queueworkrequest\./);
    expect(queue).toMatchObject({
      lifecycleState: 'ACTIVE',
      visibilityInSeconds: 45,
      deadLetterQueueDeliveryCount: 3,
      compartmentId: work,
    });
    expect(queue.messagesEndpoint).toBe(oci.endpointFor(oci.defaultRegion));
    expect(afterDelete).toMatchObject({ statusCode: 404, serviceCode: 'NotAuthorizedOrNotFound' });
  });

  it('updates the settings UpdateQueueDetails carries (visibility, deliveries before the DLQ, channel limit), and refuses one out of range', async () => {
    // Prepare
    const { queueId } = await newQueue({ visibilityInSeconds: 30, deadLetterQueueDeliveryCount: 5 });
    // Act
    await admin.updateQueue({
      queueId,
      updateQueueDetails: { visibilityInSeconds: 300, deadLetterQueueDeliveryCount: 3, channelConsumptionLimit: 50 },
    });
    const { queue } = await admin.getQueue({ queueId });
    const tooLong = await failure(admin.updateQueue({ queueId, updateQueueDetails: { visibilityInSeconds: 13 * 60 * 60 } }));
    // Assess
    expect(queue).toMatchObject({ visibilityInSeconds: 300, deadLetterQueueDeliveryCount: 3, channelConsumptionLimit: 50 });
    expect(tooLong).toMatchObject({ statusCode: 400 });
  });

  it('puts, gets and deletes messages by channel, and lists the non-empty channels', async () => {
    // Prepare
    const { queueId, client } = await newQueue();
    const put = await client.putMessages({
      queueId,
      putMessagesDetails: {
        messages: [
          { content: 'rows 1-500', metadata: { channelId: 'run-a' } },
          { content: 'rows 501-1000', metadata: { channelId: 'run-a' } },
          { content: 'rows 1-10', metadata: { channelId: 'run-b' } },
        ],
      },
    });
    // Act
    const channels = await client.listChannels({ queueId });
    const taken = await client.getMessages({ queueId, channelFilter: 'run-a', limit: 10, timeoutInSeconds: 0 });
    const [first, second] = taken.getMessages.messages;
    await client.deleteMessage({ queueId, messageReceipt: first?.receipt ?? '' });
    const batch = await client.deleteMessages({ queueId, deleteMessagesDetails: { entries: [{ receipt: second?.receipt ?? '' }] } });
    const statsA = await client.getStats({ queueId, channelId: 'run-a' });
    const statsB = await client.getStats({ queueId, channelId: 'run-b' });
    const channelsAfter = await client.listChannels({ queueId });
    // Assess
    expect(put.putMessages.messages).toHaveLength(3);
    expect(channels.channelCollection.items).toEqual(['run-a', 'run-b']);
    expect(taken.getMessages.messages.map((m) => [m.content, m.metadata?.channelId, m.deliveryCount])).toEqual([
      ['rows 1-500', 'run-a', 1],
      ['rows 501-1000', 'run-a', 1],
    ]);
    expect(batch.deleteMessagesResult).toMatchObject({ clientFailures: 0, serverFailures: 0, entries: [{}] });
    expect(statsA.queueStats.queue).toMatchObject({ visibleMessages: 0, inFlightMessages: 0 });
    expect(statsB.queueStats).toMatchObject({ channelId: 'run-b', queue: { visibleMessages: 1, inFlightMessages: 0 } });
    expect(channelsAfter.channelCollection.items).toEqual(['run-b']);
  });

  it('gives a message not deleted back after its visibility timeout, with deliveryCount 2 and a new receipt; the old receipt is refused', async () => {
    // Prepare
    const { queueId, client } = await newQueue({ visibilityInSeconds: 60 });
    oci.state.clock.freeze();
    await client.putMessages({ queueId, putMessagesDetails: { messages: [{ content: 'chunk 7' }] } });
    const firstTake = await client.getMessages({ queueId, visibilityInSeconds: 10, timeoutInSeconds: 0 });
    // Act
    const whileHidden = await client.getMessages({ queueId, timeoutInSeconds: 0 });
    oci.state.clock.advance(10_001);
    const secondTake = await client.getMessages({ queueId, timeoutInSeconds: 0 });
    const stale = await failure(client.deleteMessage({ queueId, messageReceipt: firstTake.getMessages.messages[0]?.receipt ?? '' }));
    await client.deleteMessage({ queueId, messageReceipt: secondTake.getMessages.messages[0]?.receipt ?? '' });
    const stats = await client.getStats({ queueId });
    // Assess
    expect(firstTake.getMessages.messages[0]?.deliveryCount).toBe(1);
    expect(whileHidden.getMessages.messages).toEqual([]);
    expect(secondTake.getMessages.messages.map((m) => [m.id, m.deliveryCount])).toEqual([[firstTake.getMessages.messages[0]?.id, 2]]);
    expect(secondTake.getMessages.messages[0]?.receipt).not.toBe(firstTake.getMessages.messages[0]?.receipt);
    expect(stale).toMatchObject({ statusCode: 404, serviceCode: 'NotAuthorizedOrNotFound' });
    expect(stats.queueStats.queue).toMatchObject({ visibleMessages: 0, inFlightMessages: 0, sizeInBytes: 0 });
  });

  it('moves a message to the dead letter queue after its deliveries run out, and GetStats says so', async () => {
    // Prepare
    const { queueId, client } = await newQueue({ visibilityInSeconds: 5, deadLetterQueueDeliveryCount: 3 });
    oci.state.clock.freeze();
    await client.putMessages({ queueId, putMessagesDetails: { messages: [{ content: 'poison', metadata: { channelId: 'run-p' } }] } });
    // Act: three deliveries, none deleted
    const counts: number[] = [];
    for (let delivery = 0; delivery < 3; delivery += 1) {
      const taken = await client.getMessages({ queueId, timeoutInSeconds: 0 });
      counts.push(...taken.getMessages.messages.map((m) => m.deliveryCount));
      oci.state.clock.advance(5_001);
    }
    const afterDlq = await client.getMessages({ queueId, timeoutInSeconds: 0 });
    const stats = await client.getStats({ queueId });
    const channelStats = await client.getStats({ queueId, channelId: 'run-p' });
    // Assess
    expect(counts).toEqual([1, 2, 3]);
    expect(afterDlq.getMessages.messages).toEqual([]);
    expect(stats.queueStats.queue).toMatchObject({ visibleMessages: 0, inFlightMessages: 0 });
    expect(stats.queueStats.dlq).toMatchObject({ visibleMessages: 1, sizeInBytes: 6 });
    expect(channelStats.queueStats.dlq.visibleMessages).toBe(1);
    expect(
      queuesOf(oci.state)
        .deadLetters(queueId)
        .map((m) => [m.content, m.deliveryCount]),
    ).toEqual([['poison', 3]]);
  });

  it('extends a visibility with UpdateMessage (receipt-based); UpdateMessages reports a stale receipt per entry', async () => {
    // Prepare
    const { queueId, client } = await newQueue({ visibilityInSeconds: 10 });
    oci.state.clock.freeze();
    await client.putMessages({ queueId, putMessagesDetails: { messages: [{ content: 'long chunk' }] } });
    const taken = await client.getMessages({ queueId, timeoutInSeconds: 0 });
    const receipt = taken.getMessages.messages[0]?.receipt ?? '';
    oci.state.clock.advance(8_000);
    // Act
    const updated = await client.updateMessage({ queueId, messageReceipt: receipt, updateMessageDetails: { visibilityInSeconds: 30 } });
    oci.state.clock.advance(10_000);
    const stillHidden = await client.getMessages({ queueId, timeoutInSeconds: 0 });
    const inFlight = await client.getStats({ queueId });
    oci.state.clock.advance(20_001);
    const back = await client.getMessages({ queueId, timeoutInSeconds: 0 });
    const batch = await client.updateMessages({
      queueId,
      updateMessagesDetails: {
        entries: [
          { receipt, visibilityInSeconds: 30 },
          { receipt: back.getMessages.messages[0]?.receipt ?? '', visibilityInSeconds: 30 },
        ],
      },
    });
    // Assess
    expect(new Date(updated.updatedMessage.visibleAfter).getTime()).toBe(oci.state.clock.now() - 30_001 + 30_000);
    expect(stillHidden.getMessages.messages).toEqual([]);
    expect(inFlight.queueStats.queue).toMatchObject({ visibleMessages: 0, inFlightMessages: 1 });
    expect(back.getMessages.messages[0]?.deliveryCount).toBe(2);
    expect(batch.updateMessagesResult.clientFailures).toBe(1);
    expect(batch.updateMessagesResult.entries[0]).toMatchObject({ errorCode: 404 });
    expect(batch.updateMessagesResult.entries[1]?.id).toBe(back.getMessages.messages[0]?.id);
  });

  it('long-polls: a GetMessages waiting on an empty queue answers as soon as a message is put, and an empty poll waits its timeout', async () => {
    // Prepare
    const { queueId, client } = await newQueue();
    const producer = new QueueClient({ authenticationDetailsProvider: configFileProvider(oci) }, clientConfiguration);
    producer.endpoint = client.endpoint.replace(/\/20210201$/, '');
    // Act
    const started = performance.now();
    const waiting = client.getMessages({ queueId, timeoutInSeconds: 10 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await producer.putMessages({ queueId, putMessagesDetails: { messages: [{ content: 'arrived' }] } });
    const answered = await waiting;
    const waitedMs = performance.now() - started;
    const emptyStarted = performance.now();
    const empty = await client.getMessages({ queueId, timeoutInSeconds: 1 });
    const emptyMs = performance.now() - emptyStarted;
    // Assess
    expect(answered.getMessages.messages.map((m) => m.content)).toEqual(['arrived']);
    expect(waitedMs).toBeGreaterThanOrEqual(290);
    expect(waitedMs).toBeLessThan(2_000);
    expect(empty.getMessages.messages).toEqual([]);
    expect(emptyMs).toBeGreaterThanOrEqual(950);
  });

  it('counts visible and in-flight messages per channel and for the whole queue', async () => {
    // Prepare
    const { queueId, client } = await newQueue();
    const messages = ['a1', 'a2', 'a3', 'b1', 'b2'].map((content) => ({ content, metadata: { channelId: content[0] ?? '' } }));
    await client.putMessages({ queueId, putMessagesDetails: { messages } });
    // Act
    await client.getMessages({ queueId, channelFilter: 'a', limit: 2, timeoutInSeconds: 0 });
    const [a, b, all] = await Promise.all([
      client.getStats({ queueId, channelId: 'a' }),
      client.getStats({ queueId, channelId: 'b' }),
      client.getStats({ queueId }),
    ]);
    // Assess
    expect(a.queueStats.queue).toEqual({ visibleMessages: 1, inFlightMessages: 2, sizeInBytes: 6 });
    expect(b.queueStats.queue).toEqual({ visibleMessages: 2, inFlightMessages: 0, sizeInBytes: 4 });
    expect(all.queueStats.queue).toEqual({ visibleMessages: 3, inFlightMessages: 2, sizeInBytes: 10 });
    expect(all.queueStats.dlq).toEqual({ visibleMessages: 0, inFlightMessages: 0, sizeInBytes: 0 });
  });

  it('refuses a message too large (400), too many messages in one request (400), a channel ID too long (400) and a request too large (413)', async () => {
    // Prepare
    const { queueId, client } = await newQueue();
    const put = (messages: { content: string }[]) => failure(client.putMessages({ queueId, putMessagesDetails: { messages } }));
    // Act
    const tooLarge = await put([{ content: 'x'.repeat(128 * 1024 + 1) }]);
    const tooMany = await put(Array.from({ length: 21 }, (_, i) => ({ content: `m${i}` })));
    const requestTooLarge = await put(Array.from({ length: 5 }, () => ({ content: 'y'.repeat(110 * 1024) })));
    const tooManyTaken = await failure(client.getMessages({ queueId, limit: 21, timeoutInSeconds: 0 }));
    const longChannel = await failure(
      client.putMessages({ queueId, putMessagesDetails: { messages: [{ content: 'c', metadata: { channelId: 'c'.repeat(256) } }] } }),
    );
    const stats = await client.getStats({ queueId });
    // Assess
    expect(tooLarge).toMatchObject({ statusCode: 400, serviceCode: 'InvalidParameter' });
    expect(tooMany).toMatchObject({ statusCode: 400, serviceCode: 'InvalidParameter' });
    expect(requestTooLarge).toMatchObject({ statusCode: 413 });
    expect(tooManyTaken).toMatchObject({ statusCode: 400, serviceCode: 'InvalidParameter' });
    expect(longChannel).toMatchObject({ statusCode: 400, serviceCode: 'InvalidParameter' });
    expect(stats.queueStats.queue.visibleMessages).toBe(0);
  });

  it('answers 429 with retry-after past the requests a second of one queue, and ends messages at their retention', async () => {
    // Prepare
    const { queueId, client } = await newQueue({ retentionInSeconds: 60 });
    oci.state.clock.freeze();
    queuesOf(oci.state).limits.requestsPerSecond = 3;
    // Act
    await client.putMessages({ queueId, putMessagesDetails: { messages: [{ content: 'short-lived' }] } });
    await client.getStats({ queueId });
    await client.getStats({ queueId });
    const throttled = await failure(client.getStats({ queueId }));
    oci.state.clock.advance(60_001);
    const afterRetention = await client.getStats({ queueId });
    // Assess
    expect(throttled).toMatchObject({ statusCode: 429, serviceCode: 'TooManyRequests' });
    expect(oci.requests.entries().at(-2)).toMatchObject({ operation: 'GetStats', status: 429 });
    expect(afterRetention.queueStats.queue).toMatchObject({ visibleMessages: 0, inFlightMessages: 0 });
  });

  it('authorizes by policy: a function without a grant gets 404 NotAuthorizedOrNotFound; `use queues` lets it consume, `read queues` does not let it produce', async () => {
    // Prepare
    const previous = { ...process.env };
    Object.assign(process.env, oci.credentials.resourcePrincipalEnv);
    const provider = common.ResourcePrincipalAuthenticationDetailsProvider.builder();
    process.env = previous;
    const { queueId, client } = await newQueue({}, provider);
    const functions = [...oci.state.compartments.values()].find((c) => c.name === 'functions')?.id ?? '';
    const grant = (statement: string) =>
      seedFunctionGrant(oci.state, functions, { dynamicGroupName: 'fn', policyName: 'fn-queue', statements: [statement] });
    const put = () => client.putMessages({ queueId, putMessagesDetails: { messages: [{ content: 'by fn' }] } });
    // Act
    const ungranted = await failure(client.getMessages({ queueId, timeoutInSeconds: 0 }));
    grant(`Allow dynamic-group fn to read queues in compartment id ${work}`);
    const readOnlyPut = await failure(put());
    grant(`Allow dynamic-group fn to use queues in compartment id ${work} where target.queue.id = '${queueId}'`);
    await put();
    const consumed = await client.getMessages({ queueId, timeoutInSeconds: 0 });
    // Assess
    expect(ungranted).toMatchObject({ statusCode: 404, serviceCode: 'NotAuthorizedOrNotFound' });
    expect(readOnlyPut).toMatchObject({ statusCode: 404, serviceCode: 'NotAuthorizedOrNotFound' });
    expect(consumed.getMessages.messages.map((m) => m.content)).toEqual(['by fn']);
    expect(oci.authz.denials().map((d) => [d.operation, d.missing])).toEqual(
      expect.arrayContaining([
        ['GetMessages', [['QUEUE_CONSUME']]],
        ['PutMessages', [['QUEUE_PRODUCE']]],
      ]),
    );
  });

  it('injects a fault on GetMessages like on any operation; the message is not delivered by the refused call', async () => {
    // Prepare
    const { queueId, client } = await newQueue();
    await client.putMessages({ queueId, putMessagesDetails: { messages: [{ content: 'survives' }] } });
    oci.faults.set([{ operations: ['GetMessages'], status: 503, count: 1 }]);
    const mark = oci.requests.mark();
    // Act
    const refused = await failure(client.getMessages({ queueId, timeoutInSeconds: 0 }));
    const taken = await client.getMessages({ queueId, timeoutInSeconds: 0 });
    // Assess
    expect(refused).toMatchObject({ statusCode: 503, serviceCode: 'ServiceUnavailable' });
    expect(taken.getMessages.messages.map((m) => [m.content, m.deliveryCount])).toEqual([['survives', 1]]);
    expect(oci.requests.counts(mark)).toEqual({ GetMessages: { fault: 1, ok: 1 } });
  });
});
