import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchSummary } from '../../src/core/batch-report';
import { breakerDecision } from '../../src/core/breaker';
import { isUnreadable, readHires } from '../../src/core/hires-file';
import { parseNewHire } from '../../src/core/new-hire';
import type { DirectoryUser } from '../../src/core/ports';
import { MAX_MESSAGE_BYTES } from '../../src/core/report';
import {
  forEachLeaver,
  LeaverTally,
  leaversToProcess,
  MAX_LISTED_LEAVERS,
  readRoster,
  rosterDay,
  rosterDifference,
  rosterRunId,
} from '../../src/core/roster';

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
  it('makes every managed user missing from the roster a leaver, and nobody else', async () => {
    // Prepare: three rows (one of them invalid, but naming its employee) and four managed users
    const roster = await readRoster([
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

  it('tells a user who already left (disabled and marked) from one who leaves now, and counts only those who have not left', async () => {
    const difference = rosterDifference(await readRoster([{ employeeId: 'E1' }]), [
      user('E2', { enabled: false, leftOn: '2026-11-30' }),
      user('E3', { enabled: false }),
    ]);
    expect(difference.leavers.map((l) => [l.employeeId, l.alreadyLeft])).toEqual([
      ['E2', true],
      ['E3', false],
    ]);
    expect(difference.managed).toBe(1);
  });

  it('takes nobody away when a row has no readable employee id, or the roster is empty', async () => {
    const managed = [user('E1'), user('E2')];
    const unreadable = rosterDifference(await readRoster([{ employeeId: 'E1' }, { userName: 'x' }, undefined]), managed);
    expect(unreadable).toMatchObject({
      leavers: [],
      blocked: '2 row(s) have no readable employee id, so nobody can be known to be missing',
    });
    expect(rosterDifference(await readRoster([]), managed)).toMatchObject({ leavers: [], blocked: 'the roster lists nobody' });
  });

  it('works on the users leaving now, revisits those who left today or are due for deletion, and skips the rest', () => {
    // Prepare
    const leavers = [
      { employeeId: 'E1', user: user('E1'), alreadyLeft: false },
      { employeeId: 'E2', user: user('E2', { enabled: false, leftOn: '2026-12-02' }), alreadyLeft: true },
      { employeeId: 'E3', user: user('E3', { enabled: false, leftOn: '2026-11-01' }), alreadyLeft: true },
      { employeeId: 'E4', user: user('E4', { enabled: false, leftOn: '2026-11-30' }), alreadyLeft: true },
    ];
    // Act
    const never = leaversToProcess(leavers, '2026-12-02', undefined);
    const after30 = leaversToProcess(leavers, '2026-12-02', 30);
    // Assess
    const ids = (r: { leaving: { employeeId: string }[]; revisit: { employeeId: string }[]; alreadyLeft: number }) => [
      r.leaving.map((l) => l.employeeId),
      r.revisit.map((l) => l.employeeId),
      r.alreadyLeft,
    ];
    expect(ids(never)).toEqual([['E1'], ['E2'], 2]);
    expect(ids(after30)).toEqual([['E1'], ['E2', 'E3'], 1]);
  });

  it("names a run by its file and the event's day, so that the same file the next day is another run", () => {
    const source = { bucket: 'hr', object: 'roster/all.csv', md5: 'bWQ1' };
    const now = Date.parse('2026-12-02T10:00:00Z');
    expect(rosterDay('2026-12-01T23:59:59Z', now)).toBe('2026-12-01');
    // A time in the future (beyond a few minutes of skew), or none, is the clock's day.
    expect(rosterDay('2027-01-01T00:00:00Z', now)).toBe('2026-12-02');
    expect(rosterDay(undefined, now)).toBe('2026-12-02');
    expect(rosterDay('yesterday', now)).toBe('2026-12-02');
    expect(rosterRunId(source, '2026-12-01')).toMatch(/^roster-2026-12-01-[0-9a-f]{16}$/);
    expect(rosterRunId(source, '2026-12-01')).toBe(rosterRunId({ ...source }, '2026-12-01'));
    expect(rosterRunId(source, '2026-12-02')).not.toBe(rosterRunId(source, '2026-12-01'));
    expect(rosterRunId({ ...source, md5: 'b3RoZXI=' }, '2026-12-01')).not.toBe(rosterRunId(source, '2026-12-01'));
  });

  it('counts every leaver but lists a bounded number, failures first', () => {
    // Prepare: 200 leavers, the last three failed
    const tally = new LeaverTally(200, 7);
    // Act
    for (let i = 1; i <= 200; i += 1)
      tally.add({
        employeeId: `E${String(i).padStart(3, '0')}`,
        userName: `u${i}`,
        userId: `ocid${i}`,
        status: i > 197 ? 'failed' : 'left',
        steps: [],
      });
    // Assess
    expect(tally.counts).toMatchObject({ leavers: 200, left: 197, failed: 3, alreadyLeft: 7 });
    expect(tally.listed).toHaveLength(MAX_LISTED_LEAVERS);
    expect(tally.listed.slice(0, 3).map((l) => [l.employeeId, l.status])).toEqual([
      ['E198', 'failed'],
      ['E199', 'failed'],
      ['E200', 'failed'],
    ]);
  });

  it('works through leavers a few at a time and stops starting new ones when the deadline says so', async () => {
    // Prepare
    let running = 0;
    let most = 0;
    const done: number[] = [];
    const work = async (n: number) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 2));
      running -= 1;
      done.push(n);
    };
    // Act
    const all = await forEachLeaver([1, 2, 3, 4, 5, 6, 7], work, { concurrency: 3, canStartAnother: () => true });
    let budget = 4;
    const cut = await forEachLeaver([1, 2, 3, 4, 5, 6, 7], async () => undefined, {
      concurrency: 2,
      canStartAnother: () => budget-- > 0,
    });
    // Assess
    expect(all.started).toBe(7);
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
    expect(cut.started).toBe(4);
  });

  it('reads the example roster: every row a valid hire, every employee present', async () => {
    // Prepare
    const bytes = readFileSync(join(__dirname, '..', '..', 'examples', 'roster.csv'));
    async function* once() {
      yield new Uint8Array(bytes);
    }
    // Act
    const rows = [];
    for await (const row of readHires('csv', once())) rows.push(row);
    const reading = await readRoster(rows.map((r) => (isUnreadable(r) ? undefined : r.input)));
    // Assess
    expect(rows.filter(isUnreadable)).toEqual([]);
    for (const row of rows) if (!isUnreadable(row)) expect(() => parseNewHire(row.input)).not.toThrow();
    expect([...reading.employeeIds]).toEqual(['E104233', 'E201', 'E203', 'E204']);
    expect(reading.rowsWithoutEmployeeId).toBe(0);
  });

  it('says in the ONS summary that a run is held, with the count, a sample and exactly what to write, within the message limit', () => {
    // Prepare: 5,000 managed users, 300 of them absent, each listed with a long step
    const ids = Array.from({ length: 300 }, (_, i) => `E${String(i).padStart(4, '0')}`);
    const decision = breakerDecision('roster-2026-12-02-0123456789abcdef', ids, 5000, { maxUsers: 10, maxShare: 0.1 }, undefined);
    const tally = new LeaverTally(300, 0);
    for (const id of ids)
      tally.add({
        employeeId: id,
        userName: `${id}@example.com`,
        userId: 'ocid1.user.oc1..x',
        status: 'held',
        steps: [{ step: 'sign-in', target: `${id}@example.com`, action: 'update', outcome: 'held', reason: 'x'.repeat(2000) }],
      });
    const approvalObject = { bucket: 'onboarding-state', name: '.onboarding/approvals/roster-2026-12-02-0123456789abcdef.json' };
    // Act
    const { title, body } = batchSummary({
      source: { bucket: 'hr', object: 'roster/all.csv', md5: 'x' },
      status: 'held',
      correlation: { callId: 'C1' },
      counts: { succeeded: 4700, failed: 0, rejected: 0, unreadable: 0, notStarted: 0 },
      shared: [],
      failures: [],
      notStarted: [],
      roster: {
        runId: decision.runId,
        day: '2026-12-02',
        counts: tally.counts,
        leavers: tally.listed,
        breaker: { ...decision, approvalObject },
      },
      finishedAt: '2026-12-02T08:00:00.000Z',
    });
    // Assess
    expect(title).toBe('Onboarding roster held: roster/all.csv, 4700 succeeded, 0 not, 300 leavers held for approval');
    expect(body).toContain('Breaker: HELD: 300 of 5000 managed users would be disabled or deleted, over the limit of 10');
    expect(body).toContain(
      'Sample of the users it would disable (employee ids): E0000, E0001, E0002, E0003, E0004, E0005, E0006, E0007, E0008, E0009, … (300 in all).',
    );
    expect(body).toContain(`To approve: write the object ${approvalObject.name} to the bucket onboarding-state containing`);
    expect(body).toContain('{"runId":"roster-2026-12-02-0123456789abcdef","users":300,"approvedBy":"<your name or e-mail>"}');
    expect(body.split('\n').filter((line) => line.startsWith('  held E'))).toHaveLength(MAX_LISTED_LEAVERS);
    expect(Buffer.byteLength(title + body, 'utf8')).toBeLessThan(MAX_MESSAGE_BYTES);
  });
});
