import { describe, expect, it } from 'vitest';
import type { DirectoryUser } from '../../src/core/ports';
import { readRoster, rosterDifference } from '../../src/core/roster';

const user = (employeeId: string, overrides: Partial<DirectoryUser> = {}): DirectoryUser => ({
  id: `id-${employeeId}`,
  ocid: `ocid1.user.oc1..${employeeId.toLowerCase()}`,
  name: `${employeeId.toLowerCase()}@example.com`,
  email: `${employeeId.toLowerCase()}@example.com`,
  description: employeeId,
  employeeId,
  freeformTags: { 'employee-id': employeeId, 'managed-by': 'iam-onboarding-function' },
  hasPassword: undefined,
  enabled: true,
  managed: true,
  leftOn: undefined,
  givenName: undefined,
  familyName: undefined,
  ...overrides,
});

describe('roster reconciliation', () => {
  it('makes every managed user missing from the roster a leaver, and nobody else', () => {
    // Prepare: three rows (one of them invalid, but naming its employee) and four managed users
    const roster = readRoster([
      { employeeId: 'E1', roles: ['developer'] },
      { employeeId: 'E2', email: 'not-an-email' },
      { employeeId: ' E3 ' },
    ]);
    // Act
    const difference = rosterDifference(roster, [user('E1'), user('E2'), user('E3'), user('E4')]);
    // Assess
    expect(difference.blocked).toBeUndefined();
    expect(difference.managed).toBe(4);
    expect(difference.leavers.map((l) => [l.employeeId, l.alreadyLeft])).toEqual([['E4', false]]);
  });

  it('tells a user who already left (disabled and marked) from one who leaves now', () => {
    const difference = rosterDifference(readRoster([{ employeeId: 'E1' }]), [
      user('E2', { enabled: false, leftOn: '2026-11-30' }),
      user('E3', { enabled: false }),
    ]);
    expect(difference.leavers.map((l) => [l.employeeId, l.alreadyLeft])).toEqual([
      ['E2', true],
      ['E3', false],
    ]);
  });

  it('takes nobody away when a row has no readable employee id, or the roster is empty', () => {
    const managed = [user('E1'), user('E2')];
    const unreadable = rosterDifference(readRoster([{ employeeId: 'E1' }, { userName: 'x' }, 'not an object']), managed);
    expect(unreadable).toMatchObject({
      leavers: [],
      blocked: '2 row(s) have no readable employee id, so nobody can be known to be missing',
    });
    expect(rosterDifference(readRoster([]), managed)).toMatchObject({ leavers: [], blocked: 'the roster lists nobody' });
  });
});
