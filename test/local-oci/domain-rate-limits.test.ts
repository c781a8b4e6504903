import { API_GROUPS, DOMAIN_RATE_LIMITS, DOMAIN_TYPES } from '@oci-iam-onboarding/local-oci/domain-rate-limits';
import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { afterEach, describe, expect, it } from 'vitest';
import { DOMAIN_TYPES as PACED_TYPES, DOMAIN_RATE_LIMITS as PACING_LIMITS } from '../../src/oci/domain-rate-limits';
import { failure, scimClient } from './sdk';
import { signedScim } from './signed-scim';

/**
 * Oracle's "API Rate Limits" page for identity domains (Content/Identity/sku/api-rate-limiting.htm),
 * table "Rate Limits for all Identity Domain Types", as read: group, per, Free, Oracle Apps, Oracle
 * Apps Premium, Premium, External User.
 */
const PAGE = `
AuthN | second | 10 | 50 | 80 | 95 | 90
AuthN | minute | 150 | 1000 | 2100 | 4500 | 3100
BasicAuthN | second | 10 | 100 | 160 | 95 | 90
BasicAuthN | minute | 150 | 3000 | 4000 | 4500 | 3100
Token Mgmt | second | 10 | 40 | 50 | 65 | 60
Token Mgmt | minute | 150 | 1000 | 1700 | 3400 | 2300
Others | second | 20 | 50 | 55 | 90 | 80
Others | minute | 150 | 1500 | 1750 | 5000 | 4000
Bulk | second | 5 | 5 | 5 | 5 | 5
Bulk | minute | 200 | 200 | 200 | 200 | 200`;

describe("an identity domain's published API rate limits", () => {
  let oci: LocalOci | undefined;
  afterEach(async () => {
    await oci?.stop();
    oci = undefined;
  });

  it("matches Oracle's table row by row", () => {
    // Prepare
    const rows = PAGE.trim()
      .split('\n')
      .map((line) => line.split('|').map((cell) => cell.trim()));
    // Act
    const table = API_GROUPS.flatMap((group) =>
      (['second', 'minute'] as const).map((per) => [
        group,
        per,
        ...DOMAIN_TYPES.map((type) => String(DOMAIN_RATE_LIMITS[group][type][per === 'second' ? 'perSecond' : 'perMinute'])),
      ]),
    );
    // Assess
    expect(table).toEqual(rows);
  });

  it('paces the function by the same rows the local OCI enforces (each keeps its own copy of the page)', () => {
    // Prepare
    const groups = Object.keys(PACING_LIMITS) as (keyof typeof PACING_LIMITS)[];
    // Act
    const enforced = Object.fromEntries(groups.map((group) => [group, DOMAIN_RATE_LIMITS[group]]));
    // Assess
    expect(groups).toEqual(['Others', 'Bulk']);
    expect(PACED_TYPES).toEqual(DOMAIN_TYPES);
    expect(PACING_LIMITS).toEqual(enforced);
  });

  it('answers the 151st call of a minute on a Free domain with 429 and a Retry-After that, waited out, lets the next through', async () => {
    // Prepare: a Free domain (the default type) with its limits on, on a stopped clock; 20 calls a second, 150 in a minute.
    oci = await startLocalOci({ identityDomain: 'Employees', domainLimits: 'published' });
    oci.state.clock.freeze();
    const scim = scimClient(oci);
    for (let second = 0; second < 8; second += 1) {
      const calls = Math.min(20, 150 - second * 20);
      for (let i = 0; i < calls; i += 1) await scim.listUsers({});
      oci.state.clock.advance(1000);
    }
    // Act: 8 s after the first call, the 151st.
    const throttled = await signedScim(oci, 'GET', '/admin/v1/Users');
    const bySdk = await failure(scim.listUsers({}));
    const retryAfter = Number(throttled.headers.get('retry-after'));
    oci.state.clock.advance((retryAfter - 1) * 1000);
    const tooEarly = await signedScim(oci, 'GET', '/admin/v1/Users');
    oci.state.clock.advance(1000);
    const afterwards = await scim.listUsers({});
    // Assess: the first calls leave the minute 60 s after they came, 52 s after the 151st.
    expect([throttled.status, retryAfter, bySdk.statusCode]).toEqual([429, 52, 429]);
    expect(tooEarly.status).toBe(429);
    expect(afterwards.users.totalResults).toBe(0);
    expect(oci.domainRate.counts.Others).toEqual({ answered: 151, throttled: 3 });
  });

  it('answers the 21st call of a second on a Free domain with 429 and Retry-After 1; a second later the next goes through', async () => {
    // Prepare
    oci = await startLocalOci({ identityDomain: 'Employees', domainLimits: 'published' });
    oci.state.clock.freeze();
    const scim = scimClient(oci);
    for (let i = 0; i < 20; i += 1) await scim.listGroups({});
    // Act
    const throttled = await signedScim(oci, 'GET', '/admin/v1/Groups');
    oci.state.clock.advance(999);
    const tooEarly = await signedScim(oci, 'GET', '/admin/v1/Groups');
    oci.state.clock.advance(1);
    const afterwards = await signedScim(oci, 'GET', '/admin/v1/Groups');
    // Assess
    expect([throttled.status, throttled.headers.get('retry-after'), tooEarly.status, afterwards.status]).toEqual([429, '1', 429, 200]);
  });

  it('is of the Free type by default and, unless asked to enforce its limits, only counts its calls', async () => {
    // Prepare
    oci = await startLocalOci({ identityDomain: 'Employees' });
    oci.state.clock.freeze();
    const scim = scimClient(oci);
    // Act
    for (let i = 0; i < 25; i += 1) await scim.listUsers({});
    // Assess
    expect(oci.domainRate.type).toBe('free');
    expect(oci.domainRate.counts.Others).toEqual({ answered: 25, throttled: 0 });
  });

  it("enforces a Premium domain's 90 a second, and counts Bulk apart from Others (5 a second)", async () => {
    // Prepare
    oci = await startLocalOci({ identityDomain: 'Employees', domainType: 'premium', domainLimits: 'published' });
    oci.state.clock.freeze();
    const scim = scimClient(oci);
    const config = () => signedScim(oci as LocalOci, 'GET', '/admin/v1/ServiceProviderConfigs');
    const bulk = () =>
      signedScim(oci as LocalOci, 'POST', '/admin/v1/Bulk', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [{ method: 'DELETE', path: '/Users/none' }],
      });
    // Act
    for (let i = 0; i < 90; i += 1) await config();
    const ninetyFirst = await failure(scim.listUsers({}));
    const bulks = [];
    for (let i = 0; i < 6; i += 1) bulks.push((await bulk()).status);
    // Assess
    expect(ninetyFirst.statusCode).toBe(429);
    expect(bulks).toEqual([200, 200, 200, 200, 200, 429]);
    expect(oci.domainRate.counts.Bulk).toEqual({ answered: 5, throttled: 1 });
  });
});
