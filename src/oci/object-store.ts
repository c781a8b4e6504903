import type { ObjectStorageClient } from 'oci-objectstorage';
import type { ObjectStore } from '../core/ports';
import { OciCallError } from '../support/errors';
import { type CallPolicy, callOci } from './call';

/**
 * Object Storage for uploads, reports and markers, in one namespace (the upload event names it; the
 * tenancy's own is looked up otherwise). Reads stream: a large file is never held as one buffer here.
 */
export function objectStore(client: ObjectStorageClient, namespaceOf: () => Promise<string>, policy: CallPolicy): ObjectStore {
  const notFound = (error: unknown) => error instanceof OciCallError && error.status === 404;
  return {
    async head(bucket, name) {
      const namespaceName = await namespaceOf();
      try {
        const r = await callOci('HeadObject', () => client.headObject({ namespaceName, bucketName: bucket, objectName: name }), policy);
        return { etag: r.eTag, md5: r.contentMd5 ?? r.eTag, size: r.contentLength, contentType: r.contentType };
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    async *readBytes(bucket, name) {
      const namespaceName = await namespaceOf();
      const response = await callOci('GetObject', () => client.getObject({ namespaceName, bucketName: bucket, objectName: name }), policy);
      for await (const chunk of response.value as unknown as AsyncIterable<Uint8Array>) yield chunk;
    },
    async write(bucket, name, body, contentType) {
      const namespaceName = await namespaceOf();
      const bytes = Buffer.from(body, 'utf8');
      await callOci(
        'PutObject',
        () =>
          client.putObject({
            namespaceName,
            bucketName: bucket,
            objectName: name,
            putObjectBody: bytes,
            contentLength: bytes.length,
            contentType,
          }),
        policy,
      );
    },
    async readJson<T>(bucket: string, name: string) {
      const namespaceName = await namespaceOf();
      try {
        const response = await callOci(
          'GetObject',
          () => client.getObject({ namespaceName, bucketName: bucket, objectName: name }),
          policy,
        );
        return JSON.parse(await new Response(response.value as ReadableStream).text()) as T;
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
  };
}
