import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationBody, notificationTitle } from '../../src/core/report';
import { countOutcomes, type OnboardingResult, type StepResult } from '../../src/core/result';
import { failure, sdkClients } from './sdk';

const KB64 = 64 * 1024;

/** A result whose full notification body is `reasonLength`-dependent, with a long user name (a long title). */
function resultWithReason(reasonLength: number): OnboardingResult {
  const steps: StepResult[] = [
    { step: 'policy', target: 'auditors', action: 'create', outcome: 'failed', reason: 'r'.repeat(reasonLength) },
  ];
  return {
    kind: 'event',
    status: 'failed',
    correlation: { callId: 'CALL1' },
    userName: `${'very-long-name.'.repeat(10)}@example.com`,
    dryRun: false,
    steps,
    counts: countOutcomes(steps),
    errors: [],
    startedAt: '2026-12-01T00:00:00.000Z',
    durationMs: 1,
  };
}

describe('local OCI: Notifications limits per request and per topic', () => {
  let oci: LocalOci;
  let sdk: ReturnType<typeof sdkClients>;
  beforeAll(async () => {
    oci = await startLocalOci({ onsPublishesPerMinute: 5 });
    sdk = sdkClients(oci);
  });
  afterAll(() => oci.stop());

  it('counts the title in the 64 KB of a message', async () => {
    // Prepare
    const topic = oci.state.addTopic('sized');
    const body = 'b'.repeat(KB64 - 10);
    // Act
    const fits = await sdk.ons.publishMessage({ topicId: topic.id, messageDetails: { title: 't'.repeat(10), body } });
    const over = await failure(sdk.ons.publishMessage({ topicId: topic.id, messageDetails: { title: 't'.repeat(11), body } }));
    // Assess
    expect(fits.publishResult.messageId).toBeTruthy();
    expect(over).toMatchObject({ statusCode: 400, serviceCode: 'InvalidParameter' });
    expect(oci.state.messages(topic.id)).toHaveLength(1);
  });

  it('answers 429 past the publishes a topic takes in a minute, and counts each topic apart', async () => {
    // Prepare
    const busy = oci.state.addTopic('busy');
    const quiet = oci.state.addTopic('quiet');
    const publish = (topicId: string) => sdk.ons.publishMessage({ topicId, messageDetails: { title: 't', body: 'b' } });
    // Act
    for (let i = 0; i < 5; i += 1) await publish(busy.id);
    const sixth = await failure(publish(busy.id));
    await publish(quiet.id);
    // Assess
    expect(sixth).toMatchObject({ statusCode: 429, serviceCode: 'TooManyRequests' });
    expect(oci.state.messages(busy.id)).toHaveLength(5);
    expect(oci.state.messages(quiet.id)).toHaveLength(1);
  });

  it("keeps the function's title and body together within 64 KB, so ONS takes its largest report", async () => {
    // Prepare: the largest result the function still reports in full (not trimmed to its failures)
    const full = (reasonLength: number) => !notificationBody(resultWithReason(reasonLength)).includes('step list too long');
    let low = 0;
    let high = KB64;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (full(mid)) low = mid;
      else high = mid - 1;
    }
    const result = resultWithReason(low);
    const topic = oci.state.addTopic('largest');
    // Act
    const message = { title: notificationTitle(result), body: notificationBody(result) };
    const published = await sdk.ons.publishMessage({ topicId: topic.id, messageDetails: message });
    // Assess
    expect(Buffer.byteLength(message.body, 'utf8')).toBeGreaterThan(KB64 - 1024);
    expect(Buffer.byteLength(message.title, 'utf8') + Buffer.byteLength(message.body, 'utf8')).toBeLessThanOrEqual(KB64);
    expect(published.publishResult.messageId).toBeTruthy();
  });
});
