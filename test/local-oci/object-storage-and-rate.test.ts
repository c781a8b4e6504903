import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { FunctionsInvokeClient } from 'oci-functions';
import { afterEach, describe, expect, it } from 'vitest';
import { callOci, observeRetryAfter, retryAfterMs } from '../../src/oci/call';
import { clientConfiguration } from '../../src/oci/clients';
import { createLogger } from '../../src/support/logger';
import { configFileProvider, failure, sdkClients } from './sdk';

const log = createLogger({ write: () => {} });

describe('the local OCI: conditional writes, multipart uploads, IAM throttling, the invoke API', () => {
  let oci: LocalOci | undefined;
  afterEach(async () => {
    await oci?.stop();
    oci = undefined;
  });

  it('creates with if-none-match: * once, updates with if-match only the version read, 412 otherwise', async () => {
    // Prepare
    oci = await startLocalOci();
    oci.state.buckets.set('state', new Map());
    const { objects } = sdkClients(oci);
    const namespaceName = oci.state.namespace;
    const put = (body: string, condition: { ifMatch?: string; ifNoneMatch?: string }) =>
      objects.putObject({
        namespaceName,
        bucketName: 'state',
        objectName: 'm.json',
        putObjectBody: body,
        contentLength: body.length,
        ...condition,
      });
    // Act
    const created = await put('{"a":1}', { ifNoneMatch: '*' });
    const second = await failure(put('{"a":2}', { ifNoneMatch: '*' }));
    const updated = await put('{"a":3}', { ifMatch: created.eTag });
    const stale = await failure(put('{"a":4}', { ifMatch: created.eTag }));
    // Assess
    expect([second.statusCode, second.serviceCode, stale.statusCode, stale.serviceCode]).toEqual([
      412,
      'PreconditionFailed',
      412,
      'PreconditionFailed',
    ]);
    expect(updated.eTag).not.toBe(created.eTag);
    expect(oci.state.buckets.get('state')?.get('m.json')?.body.toString()).toBe('{"a":3}');
  });

  it('joins a multipart upload in part order; a HEAD then has opc-multipart-md5 and no content-md5', async () => {
    // Prepare
    oci = await startLocalOci();
    oci.state.buckets.set('up', new Map());
    const { objects } = sdkClients(oci);
    const namespaceName = oci.state.namespace;
    const { multipartUpload } = await objects.createMultipartUpload({
      namespaceName,
      bucketName: 'up',
      createMultipartUploadDetails: { object: 'big.csv', contentType: 'text/csv' },
    });
    const part = (uploadPartNum: number, body: string) =>
      objects.uploadPart({
        namespaceName,
        bucketName: 'up',
        objectName: 'big.csv',
        uploadId: multipartUpload.uploadId,
        uploadPartNum,
        uploadPartBody: body,
        contentLength: body.length,
      });
    // Act: parts arrive out of order.
    const second = await part(2, 'world\n');
    const first = await part(1, 'hello ');
    await objects.commitMultipartUpload({
      namespaceName,
      bucketName: 'up',
      objectName: 'big.csv',
      uploadId: multipartUpload.uploadId,
      commitMultipartUploadDetails: {
        partsToCommit: [
          { partNum: 2, etag: second.eTag },
          { partNum: 1, etag: first.eTag },
        ],
      },
    });
    const head = await objects.headObject({ namespaceName, bucketName: 'up', objectName: 'big.csv' });
    // Assess
    expect(oci.state.buckets.get('up')?.get('big.csv')?.body.toString()).toBe('hello world\n');
    expect(head.contentMd5).toBeUndefined();
    expect(head.opcMultipartMd5).toMatch(/^[A-Za-z0-9+/]+=*-2$/);
    // An aborted upload is gone.
    const other = await objects.createMultipartUpload({ namespaceName, bucketName: 'up', createMultipartUploadDetails: { object: 'x' } });
    await objects.abortMultipartUpload({ namespaceName, bucketName: 'up', objectName: 'x', uploadId: other.multipartUpload.uploadId });
    const gone = await failure(part(1, 'late'));
    expect(gone.statusCode).toBe(404);
  });

  it('throttles IAM past the tenancy rate with 429 and Retry-After; callOci waits at least that long', async () => {
    // Prepare: one write a second, no burst beyond one.
    oci = await startLocalOci({ iamRate: { writesPerSecond: 1, burstSeconds: 1 } });
    const { identity, tenancyId } = sdkClients(oci);
    observeRetryAfter(identity);
    const create = (name: string) => () =>
      identity.createGroup({ createGroupDetails: { compartmentId: tenancyId, name, description: name } });
    // Act
    await create('first')();
    const throttled = await failure(create('second')());
    const mark = oci.requests.mark();
    await callOci('CreateGroup', create('third'), { deadline: Date.now() + 20_000, maxAttempts: 5, log });
    // Assess: 429 TooManyRequests; the retry came no sooner than Retry-After (1 s) after the 429.
    expect([throttled.statusCode, throttled.serviceCode]).toEqual([429, 'TooManyRequests']);
    const tries = oci.requests.entries(mark).filter((e) => e.operation === 'CreateGroup');
    expect(tries.map((e) => e.outcome)).toEqual(['throttled', 'ok']);
    expect((tries[1]?.at ?? 0) - (tries[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(oci.iamRate.throttled.writes).toBe(2);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 7_000)).toBe(3000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs('3600')).toBe(30_000);
  });

  it('accepts a signed detached invocation of the function with 202 and delivers its body', async () => {
    // Prepare
    oci = await startLocalOci();
    const delivered: string[] = [];
    oci.functions.invoker = async (call) => {
      delivered.push(`${call.functionId} ${call.detached} ${call.body.toString()}`);
      return { status: 200, body: '{}' };
    };
    const client = new FunctionsInvokeClient({ authenticationDetailsProvider: configFileProvider(oci) }, clientConfiguration);
    client.endpoint = oci.endpoint;
    // Act
    const response = await client.invokeFunction({
      functionId: oci.functionId,
      invokeFunctionBody: '{"hello":1}',
      fnInvokeType: 'detached' as never,
    });
    const unknown = await failure(client.invokeFunction({ functionId: 'ocid1.fnfunc.oc1..other', invokeFunctionBody: '{}' }));
    // Assess
    expect(response.opcRequestId).toBeTruthy();
    expect(delivered).toEqual([`${oci.functionId} true {"hello":1}`]);
    expect(unknown.statusCode).toBe(404);
  });
});
