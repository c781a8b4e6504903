// The published table is the function's as well (it paces itself by it): it lives in src/oci.
import type { ApiGroup } from '../oci/domain-rate-limits';

export * from '../oci/domain-rate-limits';

/**
 * The API group of an Identity Domains operation the local OCI serves: `Bulk` for SCIM Bulk, `Others`
 * for every /admin/v1 resource (users, groups, credentials, password changer, ServiceProviderConfigs).
 * Assumed from the groups' names: the page lists each group's paths, but only its Authentication list
 * (sign-in, federation, MFA and some authenticator /admin/v1 paths) could be read here. The local OCI
 * serves no sign-in (`/sso`, `/oauth2`) endpoint, so no call falls in AuthN or Token Mgmt.
 */
export function apiGroupOf(operation: string): ApiGroup {
  return operation === 'Bulk' ? 'Bulk' : 'Others';
}
