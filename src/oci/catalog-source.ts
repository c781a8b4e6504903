import type { ObjectStorageClient } from 'oci-objectstorage';
import type { CatalogSource } from '../core/ports';
import { type CatalogRules, parseRoleCatalogText, type RoleCatalog } from '../core/role-catalog';
import { ErrorCode, OciCallError, OnboardingError } from '../support/errors';
import { type CallPolicy, callOci, clockOf } from './call';

/**
 * A catalog kept in Object Storage: cached for `ttlMs`, then revalidated with `if-none-match`, so an
 * unchanged catalog costs one 304. A catalog that fails validation is never cached.
 */
export function objectStorageCatalogSource(
  client: ObjectStorageClient,
  location: { bucket: string; object: string; namespace?: string | undefined },
  ttlMs: number,
  rules: CatalogRules = {},
): (policy: CallPolicy) => CatalogSource {
  let cached: { catalog: RoleCatalog; etag: string; until: number } | undefined;
  let namespace = location.namespace;
  return (policy) => ({
    async load() {
      if (cached && cached.until > clockOf(policy).now()) return cached.catalog;
      namespace ??= (await callOci('GetNamespace', () => client.getNamespace({}), policy)).value;
      const where = `${location.bucket}/${location.object}`;
      try {
        const response = await callOci(
          'GetObject',
          () =>
            client.getObject({
              namespaceName: namespace ?? '',
              bucketName: location.bucket,
              objectName: location.object,
              ifNoneMatch: cached?.etag,
            }),
          policy,
        );
        const text = await new Response(response.value as ReadableStream).text();
        const catalog = parseRoleCatalogText(text, where, rules);
        cached = { catalog, etag: response.eTag, until: clockOf(policy).now() + ttlMs };
        return catalog;
      } catch (error) {
        if (error instanceof OciCallError && error.status === 304 && cached) {
          cached = { ...cached, until: clockOf(policy).now() + ttlMs };
          return cached.catalog;
        }
        if (error instanceof OciCallError && isRefused(error)) {
          // Not a bad catalog: OCI would not hand it over. A missing object and a missing grant look alike
          // (Object Storage answers both with 404), so the error says both, keeping OCI's code and request id.
          throw new OciCallError({
            operation: error.operation,
            status: error.status,
            ociCode: error.ociCode,
            opcRequestId: error.opcRequestId,
            retryable: false,
            message: `the role catalog ${where} is missing, or the function is not authorized to read it (read objects where target.bucket.name = '${location.bucket}')`,
          });
        }
        if (error instanceof OciCallError) {
          throw new OnboardingError(
            ErrorCode.InvalidRoleCatalog,
            `The role catalog ${where} could not be read: ${error.status ?? ''} ${error.ociCode ?? ''}`,
            { cause: error },
          );
        }
        throw error;
      }
    },
  });
}

/**
 * OCI's answers for a read it will not serve: `404` (`BucketNotFound`, `ObjectNotFound`,
 * `NotAuthorizedOrNotFound`: "Either the bucket … does not exist … or you are not authorized to access
 * it", Object Storage's error reference), `401` and `403`.
 */
function isRefused(error: OciCallError): boolean {
  return error.status === 401 || error.status === 403 || error.status === 404;
}
