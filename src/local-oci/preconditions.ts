import { createHash } from 'node:crypto';
import { ApiError, type ApiRequest, scimError } from './http';

// Conditional writes: a write that names the version of the resource it read (`if-match`) is refused
// with 412 and changes nothing when the resource has changed since. Without the header a write is
// unconditional.
//
// What the SDK carries (read in the 2.139.1 clients and models): oci-identity sends `ifMatch` as the
// `if-match` header on UpdateUser, UpdateUserCapabilities, UpdateUserState, DeleteUser, UpdateGroup,
// DeleteGroup, UpdatePolicy, DeletePolicy and RemoveUserFromGroup, and exposes `etag` on the responses
// of the single-resource Get, Create and Update calls (and AddUserToGroup, GetUserGroupMembership); its
// list items have none. oci-identitydomains sends `ifMatch` on Patch, Put and Delete of users and
// groups and exposes `etag` only on the Create, Patch and Put responses: GetUser, GetGroup and the
// lists have no `etag` field, so a reader takes `meta.version` from the model (Meta.version, "returned:
// default": absent when `attributes` names others and not `meta`).

/**
 * The classic API's check (Identity 20160918): "set the if-match parameter to the value of the etag from
 * a previous GET or POST response for that resource. The resource will be updated or deleted only if the
 * etag you provide matches the resource's current etag value" (UpdateUserRequest.ifMatch and the other
 * Update…/Delete… requests of oci-identity). A mismatch answers `412 NoEtagMatch` ("API Errors",
 * Content/API/References/apierrors.htm; Oracle's own oci-python-sdk integration test of UpdatePolicy,
 * tests/integ/test_identity.py, expects that code for a wrong etag). `*` matches any current version
 * (RFC 9110 section 13.1.1).
 */
export function requireEtag(request: ApiRequest, etag: string): void {
  const ifMatch = request.header('if-match');
  if (ifMatch === undefined || ifMatch.trim() === '*' || ifMatch === etag) return;
  throw new ApiError(412, 'NoEtagMatch', 'The ETag in if-match does not match the current ETag of the resource');
}

/** The ETag header of a SCIM resource: its `meta.version` as a weak entity tag (RFC 7644 section 3.14). */
export const scimEtag = (version: string) => `W/"${version}"`;

/**
 * The Identity Domains check (RFC 7644 section 3.14, "Versioning Resources"; the oci-identitydomains
 * Patch/Put/Delete requests' `ifMatch`, "Used to make the request conditional on an ETag"): `If-Match`
 * holds one or more entity tags, weak (`W/"v"`) or strong (`"v"`), or `*`; when none is the resource's
 * version the write answers 412 with a SCIM error and changes nothing. A bare version without quotes is
 * not an entity tag (RFC 9110 section 8.8.3) and matches nothing.
 */
export function requireScimVersion(request: ApiRequest, version: string): void {
  const ifMatch = request.header('if-match');
  if (ifMatch === undefined) return;
  const tags = ifMatch.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
  if (tags.some((tag) => tag === '*' || tag === `"${version}"`)) return;
  throw scimError(412, 'Failed to update: the resource has changed since the version given in If-Match');
}

/** The ETag of a classic membership: it never changes, so it is derived from the membership's OCID. */
export const membershipEtag = (id: string) => createHash('sha256').update(id).digest('hex').slice(0, 32);
