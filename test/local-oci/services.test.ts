import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, sdkClients } from './sdk';

describe('local OCI: Secrets, Notifications, Object Storage', () => {
  let oci: LocalOci;
  let sdk: ReturnType<typeof sdkClients>;
  beforeAll(async () => {
    oci = await startLocalOci();
    sdk = sdkClients(oci);
  });
  afterAll(() => oci.stop());

  it('serves a secret bundle by OCID and by name, base64-encoded, with its stages', async () => {
    const secret = oci.state.addSecret({ name: 'pw', vaultId: 'ocid1.vault.oc1..v', content: 'Pässword-1' });
    const byId = await sdk.secrets.getSecretBundle({ secretId: secret.id });
    const content = byId.secretBundle.secretBundleContent as { contentType: string; content: string };
    expect(content.contentType).toBe('BASE64');
    expect(Buffer.from(content.content, 'base64').toString('utf8')).toBe('Pässword-1');
    expect(byId.secretBundle.stages).toEqual(['CURRENT', 'LATEST']);
    const byName = await sdk.secrets.getSecretBundleByName({
      secretName: 'pw',
      vaultId: 'ocid1.vault.oc1..v',
    });
    expect(byName.secretBundle.secretId).toBe(secret.id);
    expect(await failure(sdk.secrets.getSecretBundleByName({ secretName: 'pw', vaultId: 'ocid1.vault.oc1..other' }))).toMatchObject({
      statusCode: 404,
    });
  });

  it('keeps every published message for inspection and refuses one over 64 KB', async () => {
    const topic = oci.state.addTopic('t');
    expect((await sdk.topics.getTopic({ topicId: topic.id })).notificationTopic.name).toBe('t');
    const published = await sdk.ons.publishMessage({
      topicId: topic.id,
      messageDetails: { title: 'Hello', body: 'World' },
    });
    expect(oci.state.messages(topic.id)).toEqual([
      expect.objectContaining({
        messageId: published.publishResult.messageId,
        title: 'Hello',
        body: 'World',
      }),
    ]);
    expect(await failure(sdk.ons.publishMessage({ topicId: topic.id, messageDetails: { body: 'x'.repeat(65 * 1024) } }))).toMatchObject({
      statusCode: 400,
    });
  });

  it('stores, lists, reads conditionally and deletes objects', async () => {
    const namespace = (await sdk.objects.getNamespace({})).value;
    oci.state.buckets.set('hr', new Map());
    const target = { namespaceName: namespace, bucketName: 'hr', objectName: 'incoming/new hires.csv' };
    const put = await sdk.objects.putObject({
      ...target,
      putObjectBody: 'a,b\n',
      contentLength: 4,
      contentType: 'text/csv',
    });
    expect(await failure(sdk.objects.putObject({ ...target, putObjectBody: 'c', contentLength: 1, ifNoneMatch: '*' }))).toMatchObject({
      statusCode: 412,
    });
    const head = await sdk.objects.headObject(target);
    expect([head.eTag, head.contentLength, head.contentType]).toEqual([put.eTag, 4, 'text/csv']);
    const got = await sdk.objects.getObject(target);
    expect(await new Response(got.value as ReadableStream).text()).toBe('a,b\n');
    expect(await failure(sdk.objects.getObject({ ...target, ifNoneMatch: put.eTag }))).toMatchObject({
      statusCode: 304,
    });
    expect(await failure(sdk.objects.getObject({ ...target, ifMatch: 'stale' }))).toMatchObject({
      statusCode: 412,
    });
    const listed = await sdk.objects.listObjects({
      namespaceName: namespace,
      bucketName: 'hr',
      prefix: 'incoming/',
      fields: 'name,size,etag',
    });
    expect(listed.listObjects.objects).toEqual([{ name: 'incoming/new hires.csv', size: 4, etag: put.eTag }]);
    await sdk.objects.deleteObject(target);
    expect(await failure(sdk.objects.headObject(target))).toMatchObject({ statusCode: 404 });
  });
});
