import { userCandidates } from '@oci-iam-onboarding/local-oci/scim-lookup';
import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import type { DomainState } from '@oci-iam-onboarding/local-oci/state';
import type { IdentityDomainsClient, models } from 'oci-identitydomains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, scimClient } from './sdk';

// What an HR-driven client needs of SCIM users besides versions: a person found by employee id or user
// name in one filter, renamed in place when HR gives a new user name, and replaced whole by PUT.

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const replace = (path: string, value: unknown): models.Operations => ({ op: 'replace' as models.Operations.Op, path, value });
const patchOp = (...operations: models.Operations[]): models.PatchOp => ({ schemas: [PATCH], operations });
const weak = (version: string | undefined) => `W/"${version}"`;

describe('local OCI: SCIM renames, replaces and or-filters', () => {
  let oci: LocalOci;
  let scim: IdentityDomainsClient;
  beforeAll(async () => {
    oci = await startLocalOci({ identityDomain: 'Employees' });
    scim = scimClient(oci);
  });
  afterAll(() => oci.stop());

  const newUser = async (userName: string, externalId?: string) =>
    scim.createUser({
      user: {
        schemas: [USER],
        userName,
        ...(externalId ? { externalId } : {}),
        description: 'as hired',
        emails: [{ value: userName, type: 'work' as models.UserEmails.Type, primary: true }],
      },
    });

  it('renames a user by PATCH, keeps userName unique without regard to case (409), and finds it by the new name only', async () => {
    // Prepare: two users.
    const { user } = await newUser('old.name@example.com', 'E-RENAME');
    await newUser('Taken.Name@example.com');
    const named = async (userName: string) =>
      (await scim.listUsers({ filter: encodeURIComponent(`userName eq "${userName}"`) })).users.resources?.map((u) => u.id) ?? [];

    // Act: a rename to a taken name in other case, then to a free one.
    const taken = await failure(
      scim.patchUser({
        userId: user.id ?? '',
        patchOp: patchOp(replace('description', 'half-way'), replace('userName', 'taken.name@EXAMPLE.com')),
      }),
    );
    const renamed = await scim.patchUser({
      userId: user.id ?? '',
      ifMatch: weak(user.meta?.version),
      patchOp: patchOp(replace('userName', 'new.name@example.com')),
    });

    // Assess: the taken name was refused; the rename is a new version, found by the new name and the employee id only.
    expect(taken.statusCode).toBe(409);
    expect(renamed.user.description).toBe('as hired');
    expect(renamed.user.userName).toBe('new.name@example.com');
    expect(renamed.user.meta?.version).not.toBe(user.meta?.version);
    expect(await named('new.name@example.com')).toEqual([user.id]);
    expect(await named('old.name@example.com')).toEqual([]);
    expect(
      (await scim.listUsers({ filter: encodeURIComponent('externalId eq "E-RENAME"') })).users.resources?.map((u) => u.userName),
    ).toEqual(['new.name@example.com']);
    // A change of case of one's own name is no conflict.
    const recased = await scim.patchUser({ userId: user.id ?? '', patchOp: patchOp(replace('userName', 'New.Name@example.com')) });
    expect(recased.user.userName).toBe('New.Name@example.com');
  });

  it('answers a filter joining two conditions with or as a scan does', async () => {
    // Prepare: one person by employee id, another by user name, a third that matches neither.
    await newUser('or.first@example.com', 'E-OR-1');
    await newUser('or.second@example.com', 'E-OR-2');
    await newUser('or.third@example.com', 'E-OR-3');
    const names = async (filter: string) =>
      (await scim.listUsers({ filter: encodeURIComponent(filter) })).users.resources?.map((u) => u.userName) ?? [];

    // Act / Assess: each indexed `or` against the same terms in parentheses, which no index takes (a scan).
    for (const filter of [
      'externalId eq "E-OR-1" or userName eq "or.second@example.com"',
      'userName eq "OR.SECOND@example.com" or externalId eq "E-OR-1"',
      'externalId eq "E-OR-2" or userName eq "or.second@example.com"',
      'externalId eq "e-or-1" or userName eq "nobody@example.com"',
      'externalId eq "E-OR-3" OR userName eq "or.first@example.com" or externalId eq "none"',
    ]) {
      const scanned = filter
        .split(/ or /i)
        .map((term) => `(${term})`)
        .join(' or ');
      expect(await names(filter), filter).toEqual(await names(scanned));
    }
    expect(await names('externalId eq "E-OR-1" or userName eq "or.second@example.com"')).toEqual([
      'or.first@example.com',
      'or.second@example.com',
    ]);
    expect(await names('externalId eq "E-OR-2" or userName eq "or.second@example.com"')).toEqual(['or.second@example.com']);
    expect(await names('externalId eq "e-or-1" or userName eq "nobody@example.com"')).toEqual([]);
    // The indexes answered: the candidates are the people named, not every user of the domain.
    const domain = oci.state.domain as DomainState;
    expect(userCandidates(domain, 'externalId eq "E-OR-1" or userName eq "or.second@example.com"').map((u) => u.userName)).toEqual([
      'or.first@example.com',
      'or.second@example.com',
    ]);
    expect(domain.users.size).toBeGreaterThan(2);
  });

  it('replaces a user whole by PUT: a new userName, omitted attributes cleared, a new version', async () => {
    // Prepare: a user with a description, and another whose name is taken.
    const { user, etag } = await newUser('put.before@example.com', 'E-PUT');
    await newUser('put.taken@example.com');
    const body = (userName: string): models.User => ({
      schemas: [USER],
      userName,
      externalId: 'E-PUT',
      emails: [{ value: userName, type: 'work' as models.UserEmails.Type, primary: true }],
    });

    // Act: a PUT to a taken name, then one with the current ETag to a free name.
    const taken = await failure(scim.putUser({ userId: user.id ?? '', user: body('PUT.TAKEN@example.com') }));
    const put = await scim.putUser({ userId: user.id ?? '', ifMatch: etag, user: body('put.after@example.com') });

    // Assess: the taken name was refused; the PUT kept the id and OCID and cleared the description.
    expect(taken.statusCode).toBe(409);
    expect(put.user).toMatchObject({ id: user.id, ocid: user.ocid, userName: 'put.after@example.com', externalId: 'E-PUT', active: true });
    expect(put.user.description).toBeUndefined();
    expect(put.etag).toBe(weak(put.user.meta?.version));
    expect(put.user.meta?.version).not.toBe(user.meta?.version);
  });

  it('returns meta (with version) only when asked for, once attributes are named (meta is returned by default)', async () => {
    // Prepare: a user.
    const { user } = await newUser('attributes.meta@example.com');

    // Act: reads naming attributes without and with meta.version.
    const without = await scim.getUser({ userId: user.id ?? '', attributes: 'userName' });
    const withVersion = await scim.getUser({ userId: user.id ?? '', attributes: 'userName,meta.version' });

    // Assess
    expect(without.user.meta).toBeUndefined();
    expect(withVersion.user.meta?.version).toBe(user.meta?.version);
  });
});
