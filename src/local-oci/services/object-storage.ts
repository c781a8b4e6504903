import { createHash, randomUUID } from 'node:crypto';
import { ApiError, type ApiRequest, type ApiResponse, type Route } from '../http';
import type { StoredObject, TenancyState } from '../state';

// Object Storage API: https://docs.oracle.com/en-us/iaas/api/#/en/objectstorage/20160918/

const objectNotFound = (name: string) => new ApiError(404, 'ObjectNotFound', `The object '${name}' does not exist`);

function objectHeaders(object: StoredObject): Record<string, string> {
  return {
    etag: object.etag,
    'content-type': object.contentType,
    'content-length': String(object.body.length),
    // An object committed from parts has no MD5 of its whole content: HEAD and GET send
    // `opc-multipart-md5` instead (GetObject/HeadObject response headers in the API reference).
    ...(object.multipartMd5 ? { 'opc-multipart-md5': object.multipartMd5 } : { 'content-md5': object.md5 }),
    'last-modified': object.timeModified.toUTCString(),
  };
}

/**
 * Applies `if-match` / `if-none-match` as Object Storage does (PutObject, GetObject, HeadObject,
 * DeleteObject and CommitMultipartUpload in the API reference): `if-match` names the ETag the object
 * must have; `if-none-match: *` on a write means "only if no object has this name"; a write whose
 * condition fails answers `412 PreconditionFailed` and changes nothing, a read answers `304`.
 */
function preconditions(request: ApiRequest, existing: StoredObject | undefined, forRead: boolean): ApiResponse | undefined {
  const ifMatch = request.header('if-match');
  const ifNoneMatch = request.header('if-none-match');
  if (!forRead && ifNoneMatch !== undefined && ifNoneMatch !== '*') {
    // PutObject: "The only valid value is '*', which indicates that the request should fail if the resource already exists."
    throw new ApiError(400, 'InvalidParameter', "if-none-match on a write takes only '*'");
  }
  if (ifMatch !== undefined && (!existing || (ifMatch !== '*' && ifMatch !== existing.etag))) {
    throw new ApiError(412, 'PreconditionFailed', 'The If-Match precondition failed');
  }
  if (ifNoneMatch !== undefined && existing && (ifNoneMatch === '*' || ifNoneMatch === existing.etag)) {
    if (forRead) return { status: 304, headers: { etag: existing.etag } };
    throw new ApiError(412, 'PreconditionFailed', 'The If-None-Match precondition failed');
  }
  return undefined;
}

interface MultipartUpload {
  readonly bucket: string;
  readonly object: string;
  readonly contentType: string;
  readonly parts: Map<number, { body: Buffer; etag: string; md5: Buffer }>;
  readonly timeCreated: Date;
}

export function objectStorageRoutes(state: TenancyState): Route[] {
  const bucketOf = (request: ApiRequest) => {
    const [namespace, bucket] = request.params;
    if (namespace !== state.namespace) throw new ApiError(404, 'NamespaceNotFound', `Namespace ${namespace} not found`);
    const objects = state.buckets.get(bucket ?? '');
    if (!objects) throw new ApiError(404, 'BucketNotFound', `Bucket ${bucket} does not exist`);
    return objects;
  };
  const objectName = (request: ApiRequest) => decodeURIComponent(request.params[2] ?? '');
  /** GetObject and HeadObject: the same checks and headers, with or without the body. */
  const readObject = (request: ApiRequest, withBody: boolean): ApiResponse => {
    const name = objectName(request);
    const object = bucketOf(request).get(name);
    const early = preconditions(request, object, true);
    if (early) return early;
    if (!object) throw objectNotFound(name);
    return { status: 200, headers: objectHeaders(object), ...(withBody ? { body: object.body } : {}) };
  };
  const OBJECT = /^\/n\/([^/]+)\/b\/([^/]+)\/o\/(.+)$/;
  const UPLOAD = /^\/n\/([^/]+)\/b\/([^/]+)\/u\/(.+)$/;
  const uploads = new Map<string, MultipartUpload>();
  /** The upload a part, commit or abort names: its `uploadId` for this bucket and object. */
  const uploadOf = (request: ApiRequest): MultipartUpload & { id: string } => {
    bucketOf(request);
    const id = request.query.get('uploadId') ?? '';
    const upload = uploads.get(id);
    if (!upload || upload.bucket !== request.params[1] || upload.object !== objectName(request)) {
      throw new ApiError(404, 'NoSuchUpload', `The upload ${id} does not exist`);
    }
    return { ...upload, id };
  };

  return [
    ...multipartRoutes(),
    {
      method: 'GET',
      pattern: /^\/n\/?$/,
      service: 'objectstorage',
      operation: 'GetNamespace',
      handle: () => ({ status: 200, body: state.namespace }),
    },
    {
      method: 'PUT',
      pattern: OBJECT,
      service: 'objectstorage',
      operation: 'PutObject',
      excludeBody: true,
      handle: (request) => {
        const objects = bucketOf(request);
        const name = objectName(request);
        preconditions(request, objects.get(name), false);
        const stored = state.putObject(
          request.params[1] ?? '',
          name,
          request.rawBody,
          request.header('content-type') ?? 'application/octet-stream',
        );
        return {
          status: 200,
          headers: {
            etag: stored.etag,
            'opc-content-md5': stored.md5,
            'last-modified': stored.timeModified.toUTCString(),
          },
        };
      },
    },
    { method: 'GET', pattern: OBJECT, service: 'objectstorage', operation: 'GetObject', handle: (request) => readObject(request, true) },
    { method: 'HEAD', pattern: OBJECT, service: 'objectstorage', operation: 'HeadObject', handle: (request) => readObject(request, false) },
    {
      method: 'DELETE',
      pattern: OBJECT,
      service: 'objectstorage',
      operation: 'DeleteObject',
      handle: (request) => {
        const objects = bucketOf(request);
        const name = objectName(request);
        const object = objects.get(name);
        preconditions(request, object, false);
        if (!object) throw objectNotFound(name);
        objects.delete(name);
        return { status: 204, headers: { 'last-modified': new Date().toUTCString() } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/n\/([^/]+)\/b\/([^/]+)\/o$/,
      service: 'objectstorage',
      operation: 'ListObjects',
      handle: (request) => {
        const objects = bucketOf(request);
        const prefix = request.query.get('prefix') ?? '';
        const start = request.query.get('start') ?? '';
        const limit = Math.min(Number(request.query.get('limit') ?? 1000) || 1000, 1000);
        const names = [...objects.keys()].filter((n) => n.startsWith(prefix) && n >= start).sort();
        const page = names.slice(0, limit);
        const fields = (request.query.get('fields') ?? 'name').split(',');
        return {
          status: 200,
          body: {
            objects: page.map((name) => {
              const o = objects.get(name) as StoredObject;
              return {
                name,
                ...(fields.includes('size') ? { size: o.body.length } : {}),
                ...(fields.includes('etag') ? { etag: o.etag } : {}),
                ...(fields.includes('md5') ? { md5: o.md5 } : {}),
                ...(fields.includes('timeModified') ? { timeModified: o.timeModified.toISOString() } : {}),
              };
            }),
            ...(names.length > limit ? { nextStartWith: names[limit] } : {}),
          },
        };
      },
    },
  ];

  /**
   * Multipart uploads (CreateMultipartUpload, UploadPart, CommitMultipartUpload, AbortMultipartUpload):
   * parts are numbered 1-10,000 and joined in ascending order of the numbers committed; the object's
   * `opc-multipart-md5` is the base64 MD5 of the parts' binary MD5s joined, then `-<number of parts>`
   * ("Using Multipart Uploads" and the CommitMultipartUpload reference). Older versions of that page
   * give a 10 MiB minimum for every part but the last; current ones do not, so it is not enforced.
   */
  function multipartRoutes(): Route[] {
    return [
      {
        method: 'POST',
        pattern: /^\/n\/([^/]+)\/b\/([^/]+)\/u$/,
        service: 'objectstorage',
        operation: 'CreateMultipartUpload',
        handle: (request) => {
          bucketOf(request);
          const details = request.json<{ object?: unknown; contentType?: unknown }>();
          if (typeof details.object !== 'string' || details.object === '')
            throw new ApiError(400, 'InvalidParameter', 'object is required');
          const id = randomUUID();
          const timeCreated = new Date();
          uploads.set(id, {
            bucket: request.params[1] ?? '',
            object: details.object,
            contentType: typeof details.contentType === 'string' ? details.contentType : 'application/octet-stream',
            parts: new Map(),
            timeCreated,
          });
          return {
            status: 200,
            body: {
              namespace: state.namespace,
              bucket: request.params[1],
              object: details.object,
              uploadId: id,
              timeCreated: timeCreated.toISOString(),
            },
          };
        },
      },
      {
        method: 'PUT',
        pattern: UPLOAD,
        service: 'objectstorage',
        operation: 'UploadPart',
        excludeBody: true,
        handle: (request) => {
          const upload = uploadOf(request);
          const partNum = Number(request.query.get('uploadPartNum'));
          if (!Number.isInteger(partNum) || partNum < 1 || partNum > 10_000) {
            throw new ApiError(400, 'InvalidParameter', 'uploadPartNum must be an integer from 1 to 10000');
          }
          const md5 = createHash('md5').update(request.rawBody).digest();
          const etag = randomUUID();
          upload.parts.set(partNum, { body: Buffer.from(request.rawBody), etag, md5 });
          return { status: 200, headers: { etag, 'opc-content-md5': md5.toString('base64') } };
        },
      },
      {
        method: 'POST',
        pattern: UPLOAD,
        service: 'objectstorage',
        operation: 'CommitMultipartUpload',
        handle: (request) => {
          const upload = uploadOf(request);
          const objects = bucketOf(request);
          preconditions(request, objects.get(upload.object), false);
          const details = request.json<{ partsToCommit?: { partNum?: unknown; etag?: unknown }[] }>();
          const wanted = [...(details.partsToCommit ?? [])].sort((a, b) => Number(a.partNum) - Number(b.partNum));
          if (wanted.length === 0) throw new ApiError(400, 'InvalidParameter', 'partsToCommit is required');
          const parts = wanted.map(({ partNum, etag }) => {
            const part = upload.parts.get(Number(partNum));
            if (!part || part.etag !== etag)
              throw new ApiError(400, 'InvalidParameter', `part ${String(partNum)} was not uploaded with that etag`);
            return part;
          });
          const stored = state.putObject(upload.bucket, upload.object, Buffer.concat(parts.map((p) => p.body)), upload.contentType);
          stored.multipartMd5 = `${createHash('md5')
            .update(Buffer.concat(parts.map((p) => p.md5)))
            .digest('base64')}-${parts.length}`;
          uploads.delete(upload.id);
          return {
            status: 200,
            headers: { etag: stored.etag, 'opc-multipart-md5': stored.multipartMd5, 'last-modified': stored.timeModified.toUTCString() },
          };
        },
      },
      {
        method: 'DELETE',
        pattern: UPLOAD,
        service: 'objectstorage',
        operation: 'AbortMultipartUpload',
        handle: (request) => {
          uploads.delete(uploadOf(request).id);
          return { status: 204 };
        },
      },
    ];
  }
}
