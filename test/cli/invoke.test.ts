import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_GROUPS, DOMAIN_TYPES } from '@oci-iam-onboarding/local-oci/domain-rate-limits';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Finished, firstLine, run, spawnCommand } from './run';

const EVENT = 'examples/new-hire.json';

// invoke against a running local-oci (found by URL or state file), with an exit code per status.
describe('invoke exit codes, against a running local-oci', () => {
  let local: ReturnType<typeof spawnCommand>;
  let state: { endpoint: string; stateFile: string };
  beforeAll(async () => {
    local = spawnCommand('local-oci', ['--quiet']);
    state = JSON.parse(await firstLine(local)) as typeof state;
  });
  afterAll(async () => {
    local.child.kill('SIGTERM');
    await local.finished;
  });
  const steps = (end: Finished) => (JSON.parse(end.stdout) as { steps: { outcome: string }[] }).steps.map((s) => s.outcome);

  it('0 for a hire, and 0 for its replay, which writes nothing (URL, then state file)', async () => {
    const first = await run('invoke', ['--local-oci', state.endpoint, EVENT]);
    expect(first.code).toBe(0);
    expect(steps(first)).toContain('created');
    const replay = await run('invoke', ['--local-oci', state.stateFile, EVENT]);
    expect(replay.code).toBe(0);
    expect(new Set(steps(replay))).toEqual(new Set(['unchanged']));
  });

  it('3 for a rejected event, 5 for an ignored one and for a duplicate ONS delivery', async () => {
    const [rejected, ignored] = await Promise.all([
      run('invoke', ['--local-oci', state.stateFile, 'test/fixtures/events/new-hire-invalid.json']),
      run('invoke', ['--local-oci', state.stateFile, 'test/fixtures/envelopes/oci-event-deleteobject.json']),
    ]);
    expect([rejected.code, JSON.parse(rejected.stdout).status]).toEqual([3, 'rejected']);
    expect([ignored.code, JSON.parse(ignored.stdout).status]).toEqual([5, 'ignored']);
    const delivery = ['--local-oci', state.endpoint, '--header', 'X-OCI-NS-MessageId:cli-test-1', EVENT];
    expect((await run('invoke', delivery)).code).toBe(0);
    const again = await run('invoke', delivery);
    expect([again.code, JSON.parse(again.stdout).status]).toEqual([5, 'duplicate']);
  });

  it('1 for a failed result (no usable config), 2 for a local OCI that is not there', async () => {
    const [failed, missing] = await Promise.all([
      run('invoke', ['--no-local', EVENT], { env: { ONS_TOPIC_ID: '', OCI_CONFIG_FILE: '/nonexistent' } }),
      run('invoke', ['--local-oci', 'http://127.0.0.1:9', EVENT]),
    ]);
    expect([failed.code, JSON.parse(failed.stdout).status]).toEqual([1, 'failed']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^invoke: no local OCI answers at http:\/\/127\.0\.0\.1:9/);
  });
});

// invoke --upload --domain-type: the upload on a fresh local OCI whose identity domain is of that type,
// its published limits enforced, and on stderr what the local OCI answered and throttled per API group.
describe('invoke --upload --domain-type', () => {
  let folder: string;
  let csv: string;
  const ROWS = 30;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'invoke-domain-'));
    csv = join(folder, 'hires.csv');
    const lines = ['employeeId,userName,email,givenName,familyName,roles,compartment'];
    for (let i = 1; i <= ROWS; i += 1)
      lines.push(`D${i},domain${i}@example.com,domain${i}@example.com,Domain,Hire ${i},${i % 2 ? 'developer;auditor' : 'auditor'},dev`);
    writeFileSync(csv, `${lines.join('\n')}\n`);
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('completes every row into a Free domain and counts, per API group, the calls answered and throttled', async () => {
    // Prepare: a CSV of 30 hires (above). Act:
    const end = await run('invoke', ['--upload', csv, '--domain-type', 'free']);
    // Assess: the usual upload line, alone on stdout, and the counts line on stderr.
    expect(end.code).toBe(0);
    expect(end.stdout.trim().split('\n')).toHaveLength(1);
    expect(end.stdout).toMatch(
      new RegExp(`^upload incoming/hires\\.csv: complete, ${ROWS} succeeded, 0 failed, 0 rejected, \\d+ invocations, [\\d.]+ s\\n$`),
    );
    const line = end.stderr.split('\n').find((l) => l.startsWith('local OCI, free domain: '));
    expect(line, end.stderr).toBeDefined();
    const counts = Object.fromEntries(
      [...(line ?? '').matchAll(/([A-Za-z][A-Za-z ]*?) (\d+) answered \/ (\d+) throttled/g)].map((m) => [
        m[1],
        { answered: Number(m[2]), throttled: Number(m[3]) },
      ]),
    );
    expect(Object.keys(counts).sort()).toEqual([...API_GROUPS].sort());
    // Users and groups are looked up in Others and created in Bulk; nothing signs in, so the other groups stay at 0.
    expect(counts.Others?.answered).toBeGreaterThan(0);
    expect(counts.Bulk?.answered).toBeGreaterThan(0);
    for (const group of ['AuthN', 'BasicAuthN', 'Token Mgmt']) expect(counts[group]).toEqual({ answered: 0, throttled: 0 });
    // 30 hires fit well inside Free's windows (150 Others and 200 Bulk calls a minute) when the function paces itself.
    expect((counts.Others?.answered ?? 0) + (counts.Bulk?.answered ?? 0)).toBeLessThan(150);
    expect(end.leftovers).toEqual([]);
  });

  it('exits 2 with the valid types for a bad --domain-type, and for one without --upload or with --classic', async () => {
    const [bad, withoutUpload, classic] = await Promise.all([
      run('invoke', ['--upload', csv, '--domain-type', 'enterprise']),
      run('invoke', ['--domain-type', 'free', EVENT]),
      run('invoke', ['--upload', csv, '--domain-type', 'free', '--classic']),
    ]);
    expect([bad.code, bad.stdout]).toEqual([2, '']);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain(`--domain-type must be one of ${DOMAIN_TYPES.join(', ')}, not "enterprise"`);
    expect([withoutUpload.code, withoutUpload.stderr.trim()]).toEqual([2, 'invoke: --domain-type goes with --upload; see --help']);
    expect([classic.code, classic.stderr.trim()]).toEqual([2, 'invoke: --classic excludes --domain-type; see --help']);
  });
});

// invoke --upload on classic IAM with the rows a real HR export holds: the rows that did not succeed are
// listed after the upload line with their reason, and --report keeps the function's whole per-row report.
describe('invoke --upload, rows that did not succeed', () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'invoke-report-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('lists the first ten with their reason, counts the rest, and writes the whole report with --report', async () => {
    // Prepare: 30 rows, 12 of them with an e-mail that is not one (rejected)
    const csv = join(folder, 'export.csv');
    const lines = ['employeeId,userName,email,givenName,familyName,roles,compartment'];
    for (let i = 1; i <= 30; i += 1)
      lines.push(
        `R${i},report${i}@example.com,${i % 5 < 2 ? `not-an-email-${i}` : `report${i}@example.com`},Report,"Row, ${i}",auditor,dev`,
      );
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const reportPath = join(folder, 'report.csv');
    // Act
    const end = await run('invoke', ['--upload', csv, '--report', reportPath]);
    // Assess: exit 0 (every row that could be done was: a rejected row is the file's, reported), the summary line, ten rows with the reason, the count of the others, the report's path
    expect(end.code, end.stderr).toBe(0);
    const out = end.stdout.trim().split('\n');
    expect(out[0]).toMatch(/^upload incoming\/export\.csv: complete, 18 succeeded, 0 failed, 12 rejected, /);
    expect(out[1]).toBe('rows that failed or were rejected (line,status,employeeId,userName,userId,writes,detail):');
    const listed = out.slice(2, 12);
    expect(listed).toHaveLength(10);
    for (const row of listed) expect(row).toMatch(/^ {2}\d+,rejected,R\d+,report\d+@example\.com,.*email/);
    expect(out[12]).toBe('  … and 2 more');
    expect(out[13]).toBe(`report: ${reportPath} (one line per row)`);
    const report = readFileSync(reportPath, 'utf8').trim().split('\r\n');
    expect(report).toHaveLength(31);
    expect(report.filter((row) => row.split(',')[1] === 'rejected')).toHaveLength(12);
  });

  it('exits 2 for --report without --upload', async () => {
    const alone = await run('invoke', ['--report', join(folder, 'x.csv'), EVENT]);
    expect([alone.code, alone.stderr.trim()]).toEqual([2, 'invoke: --report goes with --upload; see --help']);
  });
});
