// A part of `npm run bench`: times, in the local OCI's handlers (no HTTP, no signatures), the calls one
// hire makes, with a directory of 1,000 and of 10,000 (or, with --lookups-100k, 100,000) users (memberships spread over 50 groups):
// classic IAM without domains, the classic API over the Default domain, and SCIM. A large upload's
// pace must be set by the emulated IAM rate, not by the local OCI slowing down as it fills.
import { callRoute, type Route } from '@oci-iam-onboarding/local-oci/http';
import { identityRoutes } from '@oci-iam-onboarding/local-oci/services/identity';
import { identityDomainRoutes } from '@oci-iam-onboarding/local-oci/services/identity-domains';
import type { DomainState } from '@oci-iam-onboarding/local-oci/state';
import { TenancyState } from '@oci-iam-onboarding/local-oci/state';

const GROUPS = 50;
const timing = { activationDelayMs: 0, groupVisibilityDelayMs: 0, consistencyDelayMs: 0 };

/** The HTTP method of each operation timed here (the others are GETs). */
const METHODS: Record<string, Route['method']> = { CreateUser: 'POST', AddUserToGroup: 'POST', PatchGroup: 'PATCH' };

function caller(routes: Route[]) {
  return (operation: string, params: string[], query: Record<string, string>, body?: unknown) =>
    callRoute(routes, METHODS[operation] ?? 'GET', operation, { params, query, body });
}

type Timing = readonly [label: string, ms: number];

async function timed(label: string, repeat: number, run: (i: number) => unknown): Promise<Timing> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < repeat; i++) await run(i);
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / repeat;
  return [label, ms];
}

function seedDomain(domain: DomainState, users: number): { groupIds: string[]; groupOcids: string[] } {
  const groupIds: string[] = [];
  const groupOcids: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    const id = `g${g}x`.padEnd(32, '0');
    domain.groups.set(id, { id, ocid: `ocid1.group.oc1..g${g}`, displayName: `group-${g}`, members: new Set(), created: new Date(0) });
    groupIds.push(id);
    groupOcids.push(`ocid1.group.oc1..g${g}`);
  }
  for (let u = 0; u < users; u++) {
    const id = `u${u}x`.padEnd(32, '0');
    domain.users.set(id, {
      id,
      ocid: `ocid1.user.oc1..u${u}`,
      userName: `user${u}@example.com`,
      externalId: `E${u}`,
      name: {},
      emails: [{ value: `user${u}@example.com`, type: 'work', primary: true }],
      active: true,
      notified: false,
      created: new Date(0),
      activeAt: 0,
    });
    domain.groups.get(groupIds[u % GROUPS] ?? '')?.members.add(id);
  }
  return { groupIds, groupOcids };
}

async function classic(users: number): Promise<Timing[]> {
  const state = new TenancyState({ tenancyId: 'ocid1.tenancy.oc1..t', homeRegion: 'us-ashburn-1', otherRegions: [], timing });
  for (let g = 0; g < GROUPS; g++) {
    const id = `ocid1.group.oc1..g${g}`;
    state.groups.set(id, { id, name: `group-${g}`, description: '', freeformTags: {}, timeCreated: new Date(0), activeAt: 0 });
  }
  for (let u = 0; u < users; u++) {
    const id = `ocid1.user.oc1..u${u}`;
    state.users.set(id, {
      id,
      name: `user${u}@example.com`,
      description: '',
      freeformTags: {},
      capabilities: {},
      timeCreated: new Date(0),
      activeAt: 0,
    });
    const m = `ocid1.groupmembership.oc1..m${u}`;
    state.memberships.set(m, { id: m, userId: id, groupId: `ocid1.group.oc1..g${u % GROUPS}`, timeCreated: new Date(0), activeAt: 0 });
  }
  return hireCalls(state, 'classic IAM');
}

async function hireCalls(state: TenancyState, label: string): Promise<Timing[]> {
  const call = caller(identityRoutes(state));
  const t = state.tenancy.id;
  const out: Timing[] = [];
  const time = (what: string, repeat: number, run: (i: number) => unknown) => timed(`${label}: ${what}`, repeat, run);
  out.push(await time('ListUsers name= (none)', 20, (i) => call('ListUsers', [], { compartmentId: t, name: `new${i}@example.com` })));
  out.push(await time('ListGroups name=', 20, (i) => call('ListGroups', [], { compartmentId: t, name: `group-${i % GROUPS}` })));
  out.push(
    await time('ListUserGroupMemberships userId=', 20, (i) =>
      call('ListUserGroupMemberships', [], { compartmentId: t, userId: `ocid1.user.oc1..u${i}` }),
    ),
  );
  const created: string[] = [];
  out.push(
    await time('CreateUser', 20, async (i) => {
      const r = await call(
        'CreateUser',
        [],
        {},
        { compartmentId: t, name: `new${i}@example.com`, description: 'x', email: `new${i}@example.com` },
      );
      created.push((r.body as { id: string }).id);
    }),
  );
  out.push(
    await time('AddUserToGroup', 20, (i) =>
      call('AddUserToGroup', [], {}, { userId: created[i], groupId: `ocid1.group.oc1..g${i % GROUPS}` }),
    ),
  );
  out.push(await time('GetUser', 20, (i) => call('GetUser', [created[i] ?? ''], {})));
  return out;
}

async function domainCalls(users: number): Promise<Timing[]> {
  const state = new TenancyState({
    tenancyId: 'ocid1.tenancy.oc1..t',
    homeRegion: 'us-ashburn-1',
    otherRegions: [],
    timing,
    domainName: 'Default',
  });
  const domain = state.domain as DomainState;
  const { groupIds } = seedDomain(domain, users);
  const out = await hireCalls(state, 'classic API, Default domain');
  const call = caller(identityDomainRoutes(domain));
  const scim: Timing[] = [];
  const time = (what: string, repeat: number, run: (i: number) => unknown) => timed(`SCIM: ${what}`, repeat, run);
  const attributes = 'userName,externalId,ocid,emails,active,urn:ietf:params:scim:schemas:oracle:idcs:extension:OCITags';
  scim.push(
    await time('ListUsers userName eq', 20, (i) =>
      call('ListUsers', [], { filter: `userName eq "new-${i}@example.com"`, attributes, count: '2' }),
    ),
  );
  scim.push(await time('ListUsers externalId eq', 20, (i) => call('ListUsers', [], { filter: `externalId eq "E${i * 7}"`, attributes })));
  scim.push(
    await time('ListGroups displayName eq', 20, (i) =>
      call('ListGroups', [], { filter: `displayName eq "group-${i % GROUPS}"`, count: '2' }),
    ),
  );
  const created: string[] = [];
  scim.push(
    await time('CreateUser', 20, async (i) => {
      const r = await call(
        'CreateUser',
        [],
        {},
        { userName: `scim${i}@example.com`, emails: [{ value: `scim${i}@example.com`, type: 'work', primary: true }] },
      );
      created.push((r.body as { id: string }).id);
    }),
  );
  scim.push(
    await time('PatchGroup add member', 20, (i) =>
      call(
        'PatchGroup',
        [groupIds[i % GROUPS] ?? ''],
        {},
        { Operations: [{ op: 'add', path: 'members', value: [{ value: created[i] }] }] },
      ),
    ),
  );
  scim.push(await time('GetUser groups', 20, (i) => call('GetUser', [created[i] ?? ''], { attributes: 'groups' })));
  return [...out, ...scim];
}

/**
 * The lookup figures: each call one hire makes, in ms, with 1,000 and with `largeUsers` users held. Seeding
 * goes straight into the state's Maps (which keep their indexes), so it takes seconds, not an upload.
 */
export async function lookupFigures(largeUsers: number): Promise<{ label: string; small: number; large: number }[]> {
  const [small, large] = [[] as Timing[], [] as Timing[]];
  for (const [users, into] of [
    [1_000, small],
    [largeUsers, large],
  ] as const) {
    into.push(...(await classic(users)), ...(await domainCalls(users)));
  }
  return small.map(([label, ms], i) => ({ label, small: ms, large: large[i]?.[1] ?? Number.NaN }));
}
