import { createHash } from 'node:crypto';
import type { BucketSettings } from '../control-plane-state';
import { ApiError, type ApiRequest, type Route, requireString } from '../http';
import type { TenancyState } from '../state';

// Object Storage buckets 20160918 (CreateBucket, GetBucket, UpdateBucket, ListBuckets), shapes from
// oci-objectstorage's models (Bucket, CreateBucketDetails, UpdateBucketDetails, BucketSummary) and
// https://docs.oracle.com/en-us/iaas/api/#/en/objectstorage/20160918/Bucket/. Objects are in object-storage.ts.

/** Bucket names: 1-256 of letters, digits, dashes, underscores and periods (CreateBucketDetails.name). */
const BUCKET_NAME = /^[A-Za-z0-9._-]{1,256}$/;
const PUBLIC_ACCESS = new Set(['NoPublicAccess', 'ObjectRead', 'ObjectReadWithoutList']);

export function bucketRoutes(state: TenancyState): Route[] {
  const settings = state.controlPlane.buckets;
  const namespaceOf = (request: ApiRequest) => {
    const namespace = request.params[0];
    if (namespace !== state.namespace) throw new ApiError(404, 'NamespaceNotFound', `Namespace ${namespace} not found`);
    return namespace;
  };
  /** Settings of a bucket; one seeded straight into `state.buckets` gets the defaults a new bucket has. */
  const settingsOf = (name: string): BucketSettings => {
    if (!state.buckets.has(name))
      throw new ApiError(
        404,
        'BucketNotFound',
        `Either the bucket named '${name}' does not exist in the namespace or you are not authorized to access it`,
      );
    let found = settings.get(name);
    if (!found) {
      found = defaults(name, state.tenancy.id);
      settings.set(name, found);
    }
    return found;
  };
  const view = (s: BucketSettings) => ({
    namespace: state.namespace,
    name: s.name,
    compartmentId: s.compartmentId,
    createdBy: 'local-admin',
    timeCreated: s.timeCreated.toISOString(),
    etag: s.etag,
    publicAccessType: s.publicAccessType,
    storageTier: s.storageTier,
    objectEventsEnabled: s.objectEventsEnabled,
    versioning: s.versioning,
    freeformTags: s.freeformTags,
    definedTags: s.definedTags,
    metadata: {},
  });
  const bump = (s: BucketSettings) => {
    s.etag = createHash('sha256').update(`${s.etag}${Date.now()}${Math.random()}`).digest('hex').slice(0, 32);
  };

  return [
    {
      method: 'POST',
      pattern: /^\/n\/([^/]+)\/b\/?$/,
      service: 'objectstorage',
      operation: 'CreateBucket',
      handle: (request) => {
        namespaceOf(request);
        const body = request.json();
        const name = requireString(body, 'name');
        const compartmentId = requireString(body, 'compartmentId');
        if (!BUCKET_NAME.test(name)) throw new ApiError(400, 'InvalidBucketName', `Invalid bucket name ${name}`);
        // Bucket names are unique in the namespace (Object Storage "Managing Buckets").
        if (state.buckets.has(name)) throw new ApiError(409, 'BucketAlreadyExists', `Bucket ${name} already exists`);
        const publicAccessType = typeof body.publicAccessType === 'string' ? body.publicAccessType : 'NoPublicAccess';
        if (!PUBLIC_ACCESS.has(publicAccessType))
          throw new ApiError(400, 'InvalidParameter', `Unknown publicAccessType ${publicAccessType}`);
        const created: BucketSettings = {
          ...defaults(name, compartmentId),
          publicAccessType: publicAccessType as BucketSettings['publicAccessType'],
          objectEventsEnabled: body.objectEventsEnabled === true,
          versioning: body.versioning === 'Enabled' ? 'Enabled' : 'Disabled',
          freeformTags: (body.freeformTags as Record<string, string>) ?? {},
          definedTags: (body.definedTags as Record<string, Record<string, unknown>>) ?? {},
        };
        state.buckets.set(name, new Map());
        settings.set(name, created);
        return { status: 200, body: view(created), headers: { location: `/n/${state.namespace}/b/${name}` } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/n\/([^/]+)\/b\/?$/,
      service: 'objectstorage',
      operation: 'ListBuckets',
      handle: (request) => {
        namespaceOf(request);
        const compartmentId = request.query.get('compartmentId');
        if (!compartmentId) throw new ApiError(400, 'InvalidParameter', 'compartmentId is required');
        const items = [...state.buckets.keys()]
          .sort()
          .map(settingsOf)
          .filter((s) => s.compartmentId === compartmentId)
          .map((s) => ({
            namespace: state.namespace,
            name: s.name,
            compartmentId: s.compartmentId,
            createdBy: 'local-admin',
            timeCreated: s.timeCreated.toISOString(),
            etag: s.etag,
          }));
        return { status: 200, body: items };
      },
    },
    {
      method: 'GET',
      pattern: /^\/n\/([^/]+)\/b\/([^/]+)$/,
      service: 'objectstorage',
      operation: 'GetBucket',
      handle: (request) => {
        namespaceOf(request);
        const s = settingsOf(request.params[1] ?? '');
        return { status: 200, body: view(s) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/n\/([^/]+)\/b\/([^/]+)$/,
      service: 'objectstorage',
      operation: 'UpdateBucket',
      handle: (request) => {
        namespaceOf(request);
        const s = settingsOf(request.params[1] ?? '');
        const ifMatch = request.header('if-match');
        if (ifMatch !== undefined && ifMatch !== s.etag) throw new ApiError(412, 'IfMatchFailed', 'The If-Match precondition failed');
        const body = request.json();
        if (typeof body.objectEventsEnabled === 'boolean') s.objectEventsEnabled = body.objectEventsEnabled;
        if (typeof body.publicAccessType === 'string') {
          if (!PUBLIC_ACCESS.has(body.publicAccessType))
            throw new ApiError(400, 'InvalidParameter', `Unknown publicAccessType ${body.publicAccessType}`);
          s.publicAccessType = body.publicAccessType as BucketSettings['publicAccessType'];
        }
        if (body.versioning === 'Enabled' || body.versioning === 'Suspended')
          s.versioning = body.versioning === 'Enabled' ? 'Enabled' : 'Disabled';
        if (body.freeformTags !== undefined) s.freeformTags = body.freeformTags as Record<string, string>;
        if (body.definedTags !== undefined) s.definedTags = body.definedTags as Record<string, Record<string, unknown>>;
        bump(s);
        return { status: 200, body: view(s) };
      },
    },
  ];
}

function defaults(name: string, compartmentId: string): BucketSettings {
  return {
    name,
    compartmentId,
    objectEventsEnabled: false,
    publicAccessType: 'NoPublicAccess',
    storageTier: 'Standard',
    versioning: 'Disabled',
    etag: createHash('sha256').update(name).digest('hex').slice(0, 32),
    timeCreated: new Date(),
    freeformTags: {},
    definedTags: {},
  };
}
