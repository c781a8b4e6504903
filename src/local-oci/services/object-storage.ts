import { ApiError, type ApiRequest, type ApiResponse, type Route } from '../http';
import type { StoredObject, TenancyState } from '../state';

// Object Storage API: https://docs.oracle.com/en-us/iaas/api/#/en/objectstorage/20160918/

const objectNotFound = (name: string) => new ApiError(404, 'ObjectNotFound', `The object '${name}' does not exist`);

function objectHeaders(object: StoredObject): Record<string, string> {
  return {
    etag: object.etag,
    'content-type': object.contentType,
    'content-length': String(object.body.length),
    'content-md5': object.md5,
    'last-modified': object.timeModified.toUTCString(),
  };
}

/** Applies `if-match` / `if-none-match` as Object Storage does. */
function preconditions(request: ApiRequest, existing: StoredObject | undefined, forRead: boolean): ApiResponse | undefined {
  const ifMatch = request.header('if-match');
  const ifNoneMatch = request.header('if-none-match');
  if (ifMatch !== undefined && (!existing || (ifMatch !== '*' && ifMatch !== existing.etag))) {
    throw new ApiError(412, 'IfMatchFailed', 'The If-Match precondition failed');
  }
  if (ifNoneMatch !== undefined && existing && (ifNoneMatch === '*' || ifNoneMatch === existing.etag)) {
    if (forRead) return { status: 304, headers: { etag: existing.etag } };
    throw new ApiError(412, 'IfNoneMatchFailed', 'The If-None-Match precondition failed');
  }
  return undefined;
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

  return [
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
}
