/**
 * Oracle's published API rate limits for identity domains, by domain type and API group.
 *
 * Source: Oracle Cloud Infrastructure documentation, Identity domains, "API Rate Limits"
 * (https://docs.oracle.com/en-us/iaas/Content/Identity/sku/api-rate-limiting.htm), table "Rate Limits
 * for all Identity Domain Types". The page says: "If you reach the API limit for the identity domain
 * type, then IAM returns a 429 error code" and "API limits apply to the total of all APIs within a
 * group". It does not say whether a window is fixed or sliding, nor what Retry-After is sent: the local
 * OCI counts sliding windows (the strictest reading) and says when the oldest counted call leaves, and
 * the function paces itself by the same windows. The local OCI keeps its own copy of the page, as it keeps
 * its own policy reader: it judges the function and shares none of its code. A test holds the function's
 * pacing table (src/oci/domain-rate-limits.ts) equal to this one.
 * The "Import and export" group (4 to 10 jobs a day) is not listed: the local OCI serves no such job.
 */
export const DOMAIN_TYPES = ['free', 'oracle-apps', 'oracle-apps-premium', 'premium', 'external-user'] as const;
export type DomainType = (typeof DOMAIN_TYPES)[number];

/** The API groups of the page's table whose calls the local OCI serves or could serve. */
export const API_GROUPS = ['AuthN', 'BasicAuthN', 'Token Mgmt', 'Others', 'Bulk'] as const;
export type ApiGroup = (typeof API_GROUPS)[number];

/** Calls allowed in each window. */
export interface GroupLimit {
  readonly perSecond: number;
  readonly perMinute: number;
}

/** The page's table, row by row: each group's per-second and per-minute figures for each domain type. */
export const DOMAIN_RATE_LIMITS: Readonly<Record<ApiGroup, Readonly<Record<DomainType, GroupLimit>>>> = {
  AuthN: {
    free: { perSecond: 10, perMinute: 150 },
    'oracle-apps': { perSecond: 50, perMinute: 1000 },
    'oracle-apps-premium': { perSecond: 80, perMinute: 2100 },
    premium: { perSecond: 95, perMinute: 4500 },
    'external-user': { perSecond: 90, perMinute: 3100 },
  },
  BasicAuthN: {
    free: { perSecond: 10, perMinute: 150 },
    'oracle-apps': { perSecond: 100, perMinute: 3000 },
    'oracle-apps-premium': { perSecond: 160, perMinute: 4000 },
    premium: { perSecond: 95, perMinute: 4500 },
    'external-user': { perSecond: 90, perMinute: 3100 },
  },
  'Token Mgmt': {
    free: { perSecond: 10, perMinute: 150 },
    'oracle-apps': { perSecond: 40, perMinute: 1000 },
    'oracle-apps-premium': { perSecond: 50, perMinute: 1700 },
    premium: { perSecond: 65, perMinute: 3400 },
    'external-user': { perSecond: 60, perMinute: 2300 },
  },
  // User and group management (the SCIM /admin/v1 resources) fall in "Others".
  Others: {
    free: { perSecond: 20, perMinute: 150 },
    'oracle-apps': { perSecond: 50, perMinute: 1500 },
    'oracle-apps-premium': { perSecond: 55, perMinute: 1750 },
    premium: { perSecond: 90, perMinute: 5000 },
    'external-user': { perSecond: 80, perMinute: 4000 },
  },
  // The same on every domain type. One POST /admin/v1/Bulk is one call, whatever it holds: the page
  // counts calls to the APIs of a group and says nothing of the operations inside a request.
  Bulk: {
    free: { perSecond: 5, perMinute: 200 },
    'oracle-apps': { perSecond: 5, perMinute: 200 },
    'oracle-apps-premium': { perSecond: 5, perMinute: 200 },
    premium: { perSecond: 5, perMinute: 200 },
    'external-user': { perSecond: 5, perMinute: 200 },
  },
};

export function isDomainType(value: string): value is DomainType {
  return (DOMAIN_TYPES as readonly string[]).includes(value);
}

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
