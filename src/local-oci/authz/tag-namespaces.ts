import type { ApiRequest } from '../http';

// "To apply, update, or remove defined tags for a resource, a user must be granted permissions on the
// resource and permissions to use the tag namespace" (Oracle's "Details for IAM", tag-namespaces, and
// "Required permissions for working with defined tags"): a call carrying defined tags also needs
// TAG_NAMESPACE_USE on each namespace it names, offered as `target.tag-namespace.name`.

const OCI_TAGS = 'urn:ietf:params:scim:schemas:oracle:idcs:extension:OCITags';

/** The tag namespaces whose defined tags a request sets: classic `definedTags` and SCIM's OCITags extension. */
export function tagNamespacesSetBy(request: ApiRequest): string[] {
  if (request.rawBody.length === 0) return [];
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    return [];
  }
  if (typeof body !== 'object' || body === null) return [];
  const record = body as Record<string, unknown>;
  const names = new Set<string>();
  // Classic APIs: `definedTags: { namespace: { key: value } }`.
  if (isObject(record.definedTags)) for (const name of Object.keys(record.definedTags)) names.add(name);
  // SCIM create or replace: `{ "urn:…:OCITags": { definedTags: [{ namespace, key, value }] } }`.
  if (isObject(record[OCI_TAGS])) addScimTags(names, (record[OCI_TAGS] as Record<string, unknown>).definedTags);
  // SCIM PatchOp: an operation on `urn:…:OCITags:definedTags`, or on the extension with definedTags in its value.
  if (Array.isArray(record.Operations)) {
    for (const operation of record.Operations as { path?: unknown; value?: unknown }[]) {
      if (operation?.path === `${OCI_TAGS}:definedTags`) addScimTags(names, operation.value);
      else if (operation?.path === OCI_TAGS && isObject(operation.value)) addScimTags(names, operation.value.definedTags);
    }
  }
  return [...names];
}

function addScimTags(names: Set<string>, tags: unknown): void {
  if (!Array.isArray(tags)) return;
  for (const tag of tags) if (isObject(tag) && typeof tag.namespace === 'string') names.add(tag.namespace);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
