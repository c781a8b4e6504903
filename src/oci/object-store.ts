import { Readable } from 'node:stream';
import type { ObjectStorageClient } from 'oci-objectstorage';
import type { ObjectStore, WriteCondition } from '../core/ports';
import { SOURCE_CHANGED_MESSAGE } from '../core/upload-run';
import { ErrorCode, OciCallError, OnboardingError } from '../support/errors';
import { releaseBuffers } from '../support/release-buffers';
import { type CallPolicy, callOci } from './call';

/**
 * Object Storage for uploads, reports and markers, in one namespace (the upload event names it; the
 * tenancy's own is looked up otherwise). Reads stream: a large file is never held as one buffer here.
 */
export function objectStore(client: ObjectStorageClient, namespaceOf: () => Promise<string>, policy: CallPolicy): ObjectStore {
  const notFound = (error: unknown) => error instanceof OciCallError && error.status === 404;
  const preconditionFailed = (error: unknown) => error instanceof OciCallError && error.status === 412;
  const getObject = async (bucket: string, name: string, ifMatch?: string) => {
    const namespaceName = await namespaceOf();
    return callOci(
      'GetObject',
      () => client.getObject({ namespaceName, bucketName: bucket, objectName: name, ...(ifMatch ? { ifMatch } : {}) }),
      policy,
    );
  };
  const readJson = async <T>(bucket: string, name: string) => {
    try {
      const response = await getObject(bucket, name);
      return { value: JSON.parse(await new Response(response.value as ReadableStream).text()) as T, etag: response.eTag };
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  };
  const putText = async (bucket: string, name: string, body: string | Uint8Array, contentType: string, condition?: WriteCondition) => {
    const namespaceName = await namespaceOf();
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return callOci(
      'PutObject',
      () =>
        client.putObject({
          namespaceName,
          bucketName: bucket,
          objectName: name,
          // Always a stream, never the Buffer or string itself: before sending, oci-common (2.139.1,
          // lib/helper.js getSignerAndReqBody) tests the body with `Object.keys(body).length === 0`,
          // which lists one key per byte of a Buffer or character of a string. A 4 MiB body then needs
          // more than V8's 128 MB heap and the process aborts; a Readable has a handful of keys. A new
          // stream for each attempt, since a retried PUT sends the body again. An empty body stays a
          // Buffer: the SDK then sends none, where an empty stream under content-length 0 never ends.
          putObjectBody: bytes.length === 0 ? bytes : Readable.from([bytes]),
          contentLength: bytes.length,
          contentType,
          ...(condition ?? {}),
        }),
      policy,
    );
  };
  return {
    async head(bucket, name) {
      const namespaceName = await namespaceOf();
      try {
        const r = await callOci('HeadObject', () => client.headObject({ namespaceName, bucketName: bucket, objectName: name }), policy);
        // An object uploaded in parts has no content-md5, only opc-multipart-md5 (MD5 of the parts' MD5s).
        return { etag: r.eTag, md5: r.contentMd5 ?? r.opcMultipartMd5 ?? r.eTag, size: r.contentLength, contentType: r.contentType };
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    async *readBytes(bucket, name, options) {
      // GetObject takes `if-match` (Object Storage API reference, GetObject; oci-objectstorage's
      // GetObjectRequest.ifMatch: "If the specified ETag matches ... GET and HEAD requests will return
      // the resource"); a mismatch answers 412 PreconditionFailed, as the local OCI does. Read from the
      // docs, not checked against a real tenancy.
      const response = await getObject(bucket, name, options?.ifMatch).catch((error: unknown) => {
        if (options?.ifMatch && preconditionFailed(error)) {
          throw new OnboardingError(ErrorCode.SourceChanged, SOURCE_CHANGED_MESSAGE, { cause: error });
        }
        throw error;
      });
      for await (const chunk of response.value as unknown as AsyncIterable<Uint8Array>) yield chunk;
    },
    async write(bucket, name, body, contentType) {
      await putText(bucket, name, body, contentType);
    },
    async readJson<T>(bucket: string, name: string) {
      return (await readJson<T>(bucket, name))?.value;
    },
    readVersioned: readJson,
    async writeIf(bucket, name, body, contentType, condition) {
      try {
        return (await putText(bucket, name, body, contentType, condition)).eTag;
      } catch (error) {
        // 412: another writer came first. (A retried PUT whose first attempt landed also answers 412:
        // the caller re-reads and sees its own write, which it treats like anyone else's.)
        if (preconditionFailed(error)) return undefined;
        throw error;
      }
    },
    async compose(bucket, name, sources, contentType) {
      const namespaceName = await namespaceOf();
      // Sizes first: PutObject needs the length before the body streams. Sizes the caller recorded
      // are taken as they are (one HEAD per part would make finishing a large upload slow).
      let length = 0;
      for (const source of sources) {
        if (source.size !== undefined) {
          length += source.size;
          continue;
        }
        const r = await callOci(
          'HeadObject',
          () => client.headObject({ namespaceName, bucketName: source.bucket, objectName: source.name }),
          policy,
        );
        length += r.contentLength;
      }
      // One PutObject whose body is every source read in turn: memory holds one chunk of one source.
      // Each attempt streams afresh, so a retried PUT sends the whole body again.
      const body = () =>
        Readable.from(
          (async function* () {
            for (const source of sources) {
              const response = await getObject(source.bucket, source.name);
              for await (const chunk of response.value as unknown as AsyncIterable<Uint8Array>) yield chunk;
              // The segment's buffers are dead once sent: freed now, not after tens of MB more (release-buffers.ts).
              releaseBuffers();
            }
          })(),
        );
      await callOci(
        'PutObject',
        () =>
          client.putObject({
            namespaceName,
            bucketName: bucket,
            objectName: name,
            putObjectBody: body(),
            contentLength: length,
            contentType,
          }),
        policy,
      );
    },
    async list(bucket, prefix) {
      const namespaceName = await namespaceOf();
      const found: { name: string; modified: number }[] = [];
      let start: string | undefined;
      do {
        const response = await callOci(
          'ListObjects',
          () => client.listObjects({ namespaceName, bucketName: bucket, prefix, fields: 'name,timeModified', ...(start ? { start } : {}) }),
          policy,
        );
        for (const o of response.listObjects.objects)
          found.push({ name: o.name, modified: o.timeModified ? new Date(o.timeModified).getTime() : 0 });
        start = response.listObjects.nextStartWith || undefined;
      } while (start);
      return found;
    },
    async delete(bucket, name) {
      const namespaceName = await namespaceOf();
      try {
        await callOci('DeleteObject', () => client.deleteObject({ namespaceName, bucketName: bucket, objectName: name }), policy);
      } catch (error) {
        if (!notFound(error)) throw error;
      }
    },
  };
}
