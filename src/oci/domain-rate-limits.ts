/**
 * The windows the function paces its identity-domain calls by: Oracle's published API rate limits for
 * the two API groups it calls, "Others" (users, groups, credentials) and "Bulk".
 *
 * Source: Oracle Cloud Infrastructure documentation, Identity domains, "API Rate Limits"
 * (https://docs.oracle.com/en-us/iaas/Content/Identity/sku/api-rate-limiting.htm), table "Rate Limits
 * for all Identity Domain Types". The page does not say whether a window is fixed or sliding: the pacer
 * keeps to sliding windows, the strictest reading, and follows Retry-After where a 429 sends one.
 * The local OCI enforces the whole page from its own copy (src/local-oci/domain-rate-limits.ts); a test
 * holds these rows equal to it.
 */
export const DOMAIN_TYPES = ['free', 'oracle-apps', 'oracle-apps-premium', 'premium', 'external-user'] as const;
export type DomainType = (typeof DOMAIN_TYPES)[number];

/** The API groups the function's identity-domain calls fall in. */
export type ApiGroup = 'Others' | 'Bulk';

/** Calls allowed in each window. */
export interface GroupLimit {
  readonly perSecond: number;
  readonly perMinute: number;
}

export const DOMAIN_RATE_LIMITS: Readonly<Record<ApiGroup, Readonly<Record<DomainType, GroupLimit>>>> = {
  Others: {
    free: { perSecond: 20, perMinute: 150 },
    'oracle-apps': { perSecond: 50, perMinute: 1500 },
    'oracle-apps-premium': { perSecond: 55, perMinute: 1750 },
    premium: { perSecond: 90, perMinute: 5000 },
    'external-user': { perSecond: 80, perMinute: 4000 },
  },
  // The same on every domain type; one POST /admin/v1/Bulk is one call, whatever it holds.
  Bulk: {
    free: { perSecond: 5, perMinute: 200 },
    'oracle-apps': { perSecond: 5, perMinute: 200 },
    'oracle-apps-premium': { perSecond: 5, perMinute: 200 },
    premium: { perSecond: 5, perMinute: 200 },
    'external-user': { perSecond: 5, perMinute: 200 },
  },
};
