import { classicDirectory } from '@oci-iam-onboarding/local-oci/classic-directory';
import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPLOYEE_TAG, MANAGED_BY, MANAGED_BY_TAG } from '../../src/core/role-catalog';
import { classicIdentityDirectory } from '../../src/oci/identity-directory';
import { createLogger } from '../../src/support/logger';
import { FakeClock } from '../fake-clock';
import { sdkClients } from '../local-oci/sdk';

const USERS = 2500;

describe('the classic directory finds people with one listing a chunk, keeping only the chunk', () => {
  let oci: LocalOci;
  let sdk: ReturnType<typeof sdkClients>;
  beforeAll(async () => {
    oci = await startLocalOci();
    sdk = sdkClients(oci);
    // A tenancy of 2,500 users: three pages of ListUsers. Each has an employee id; E7 was hired twice
    // (an old account under another name), and one user has no employee id at all.
    const records = classicDirectory(oci.state);
    for (let i = 1; i <= USERS; i += 1)
      records.createUser({ name: `person.${i}@example.com`, description: 'd', freeformTags: { [EMPLOYEE_TAG]: `E${i}` } });
    records.createUser({ name: 'old.seven@example.com', description: 'd', freeformTags: { [EMPLOYEE_TAG]: 'E7' } });
    records.createUser({ name: 'hand.made@example.com', description: 'd', freeformTags: {} });
  });
  afterAll(() => oci.stop());
  const directory = (clock?: FakeClock) =>
    classicIdentityDirectory(sdk.identity, sdk.tenancyId, 'call-classic', {
      deadline: (clock?.now() ?? Date.now()) + 30_000,
      maxAttempts: 3,
      log: createLogger({ level: 'error', write: () => undefined }),
      ...(clock ? { clock } : {}),
    });
  const listUsers = (from: number) => oci.requests.entries(from).filter((e) => e.operation === 'ListUsers').length;
  /** A directory that has read its listing for a first chunk (E1), and the request log's mark after it. */
  const afterFirstChunk = async () => {
    const classic = directory();
    classic.expectPeople?.([{ employeeId: 'E1', userName: 'person.1@example.com' }]);
    await classic.findPerson('E1', 'person.1@example.com');
    return { classic, mark: oci.requests.mark() };
  };
  const names = (found: { byEmployeeId: readonly { name: string }[]; byName: { name: string } | undefined }) => ({
    byEmployeeId: found.byEmployeeId.map((u) => u.name).sort(),
    byName: found.byName?.name,
  });

  it('reads the tenancy once for the people it was told to expect, however many look up at once', async () => {
    // Prepare
    const classic = directory();
    const people = [
      { employeeId: 'E7', userName: 'seven.again@example.com' },
      { employeeId: 'E12', userName: 'person.12@example.com' },
      { employeeId: 'E2400', userName: 'PERSON.2400@example.com' },
      { employeeId: 'E9999', userName: 'hand.made@example.com' },
      { employeeId: 'E10000', userName: 'nobody@example.com' },
    ];
    const mark = oci.requests.mark();
    // Act
    classic.expectPeople?.(people);
    const found = await Promise.all(people.map((p) => classic.findPerson(p.employeeId, p.userName)));
    // Assess: three pages, read once; a rehire's old account by employee id, names without regard to case.
    expect(listUsers(mark)).toBe(3);
    expect(found.map(names)).toEqual([
      { byEmployeeId: ['old.seven@example.com', 'person.7@example.com'], byName: undefined },
      { byEmployeeId: ['person.12@example.com'], byName: 'person.12@example.com' },
      { byEmployeeId: ['person.2400@example.com'], byName: 'person.2400@example.com' },
      { byEmployeeId: [], byName: 'hand.made@example.com' },
      { byEmployeeId: [], byName: undefined },
    ]);
  });

  it('answers a look-up of someone it was not told to expect all the same, with one more listing', async () => {
    // Prepare: a chunk expected and looked up
    const { classic, mark } = await afterFirstChunk();
    // Act: a leaver nobody announced, then the first person again
    const stranger = await classic.findPerson('E2000', undefined);
    const again = await classic.findPerson('E1', 'person.1@example.com');
    // Assess: the stranger's account is found (the listing is read again, with them); the first still answers from it.
    expect(names(stranger)).toEqual({ byEmployeeId: ['person.2000@example.com'], byName: undefined });
    expect(names(again)).toEqual({ byEmployeeId: ['person.1@example.com'], byName: 'person.1@example.com' });
    expect(listUsers(mark)).toBe(3);
  });

  it('reads again for the next chunk, and keeps only its people', async () => {
    // Prepare
    const { classic, mark } = await afterFirstChunk();
    // Act
    classic.expectPeople?.([{ employeeId: 'E2', userName: 'person.2@example.com' }]);
    const next = await classic.findPerson('E2', 'person.2@example.com');
    const earlier = await classic.findPerson('E1', 'person.1@example.com');
    // Assess: one listing for the new chunk, one more for the person of the chunk before (no longer kept).
    expect(names(next)).toEqual({ byEmployeeId: ['person.2@example.com'], byName: 'person.2@example.com' });
    expect(names(earlier)).toEqual({ byEmployeeId: ['person.1@example.com'], byName: 'person.1@example.com' });
    expect(listUsers(mark)).toBe(6);
  });

  it('answers the next chunk from the listing it has when none of its people has an account', async () => {
    // Prepare: a chunk looked up, then a chunk of new hires (no employee id nor name in the tenancy)
    const { classic, mark } = await afterFirstChunk();
    const hires = Array.from({ length: 50 }, (_, i) => ({ employeeId: `N${i}`, userName: `new.hire.${i}@example.com` }));
    // Act
    classic.expectPeople?.(hires);
    const found = await Promise.all(hires.map((p) => classic.findPerson(p.employeeId, p.userName)));
    const created = await classic.createUser(
      {
        name: 'new.hire.0@example.com',
        description: 'd',
        email: 'new.hire.0@example.com',
        givenName: 'New',
        familyName: 'Hire',
        employeeId: 'N0',
        freeformTags: { [EMPLOYEE_TAG]: 'N0' },
      },
      undefined,
    );
    const afterCreate = await classic.findPerson('N0', 'new.hire.0@example.com');
    // Then a chunk with one person who has an account (under a new name: E5's rehire) among new hires
    classic.expectPeople?.([
      { employeeId: 'N99', userName: 'new.hire.99@example.com' },
      { employeeId: 'E5', userName: 'e5.again@example.com' },
    ]);
    const rehire = await classic.findPerson('E5', 'e5.again@example.com');
    // Assess: no listing for the new hires, the one made since found from what this directory wrote, and
    // one listing for the chunk with a known person, which finds their old account by employee id.
    expect(found.every((f) => f.byEmployeeId.length === 0 && f.byName === undefined)).toBe(true);
    expect(names(afterCreate)).toEqual({ byEmployeeId: ['new.hire.0@example.com'], byName: 'new.hire.0@example.com' });
    expect(afterCreate.byEmployeeId[0]?.id).toBe(created.record.id);
    expect(names(rehire)).toEqual({ byEmployeeId: ['person.5@example.com'], byName: undefined });
    expect(listUsers(mark)).toBe(3);
  });

  it('lists again for a new employee id whose user name someone already has, and finds that account by name', async () => {
    // Prepare: a listing read for another chunk
    const { classic, mark } = await afterFirstChunk();
    // Act: a chunk whose employee id is new but whose user name is E8's
    classic.expectPeople?.([{ employeeId: 'N8', userName: 'person.8@example.com' }]);
    const found = await classic.findPerson('N8', 'person.8@example.com');
    // Assess: the name was in the listing, so it is read again with this person kept, and the account found
    expect(listUsers(mark)).toBe(3);
    expect(names(found)).toEqual({ byEmployeeId: [], byName: 'person.8@example.com' });
  });

  it('reads the tenancy again once its listing is a minute old, on the clock of its call policy', async () => {
    // Prepare: a listing read at the clock's start
    const clock = new FakeClock(Date.now());
    const classic = directory(clock);
    classic.expectPeople?.([{ employeeId: 'E3', userName: 'person.3@example.com' }]);
    await classic.findPerson('E3', 'person.3@example.com');
    const mark = oci.requests.mark();
    // Act: a look-up at 60 s (the listing still stands), then one a second later
    clock.advance(60_000);
    await classic.findPerson('E3', 'person.3@example.com');
    const atMinute = listUsers(mark);
    clock.advance(1000);
    const later = await classic.findPerson('E3', 'person.3@example.com');
    // Assess
    expect(atMinute).toBe(0);
    expect(listUsers(mark)).toBe(3);
    expect(names(later)).toEqual({ byEmployeeId: ['person.3@example.com'], byName: 'person.3@example.com' });
  });

  it('lists the managed users page by page: only those carrying the mark, from every page', async () => {
    // Prepare: two users marked as this function's, on the first page and on the last
    const records = classicDirectory(oci.state);
    const marked = { [EMPLOYEE_TAG]: 'M1', [MANAGED_BY_TAG]: MANAGED_BY };
    records.createUser({ name: 'managed.first@example.com', description: 'd', freeformTags: marked });
    const { id } = records.userByName('person.3@example.com') ?? { id: '' };
    records.updateUser(id, { freeformTags: { ...marked, [EMPLOYEE_TAG]: 'E3' } });
    // Act
    const managed = await directory().listManagedUsers();
    // Assess
    expect(managed.map((u) => u.name).sort()).toEqual(['managed.first@example.com', 'person.3@example.com']);
  });
});
