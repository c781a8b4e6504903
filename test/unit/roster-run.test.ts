import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config';
import { batchSummary } from '../../src/core/batch-report';
import type { ObjectStore } from '../../src/core/ports';
import type { RunRecord } from '../../src/core/upload-run';
import { APPROVAL_NEEDS_STATE_BUCKET, rosterRunFromRecord, rosterRunOf, stillHeld } from '../../src/triggers/run-roster';
import { demoCatalogJson } from '../helpers';

/** Only what a held run reads: JSON objects by bucket and name. Anything else is a test failure. */
function objectsIn(objects: Record<string, unknown>): { store: ObjectStore; reads: string[] } {
  const reads: string[] = [];
  const unexpected = () => {
    throw new Error('a held run writes nothing and reads only its approval');
  };
  const store: ObjectStore = {
    head: unexpected,
    readBytes: unexpected,
    write: unexpected,
    readVersioned: unexpected,
    writeIf: unexpected,
    compose: unexpected,
    delete: unexpected,
    list: unexpected,
    readJson: async <T>(bucket: string, name: string) => {
      reads.push(`${bucket}/${name}`);
      return objects[`${bucket}/${name}`] as T | undefined;
    },
  };
  return { store, reads };
}

const configWith = (env: Record<string, string>) =>
  parseConfig({ ONS_TOPIC_ID: 'ocid1.onstopic.oc1.iad.x', ROLE_CATALOG: demoCatalogJson(), ...env });

const upload = { bucket: 'hr-uploads', name: 'roster/all.csv' };
const info = { md5: 'rL0Y20zC+Fzt72VPzMSk2A==' };
/** An OCI Events object-create event, as delivered (CloudEvents 0.1). */
const event = (eventTime?: string) =>
  JSON.stringify({
    eventType: 'com.oraclecloud.objectstorage.createobject',
    cloudEventsVersion: '0.1',
    eventID: 'd3b4f1c2-0000-4000-8000-000000000001',
    ...(eventTime ? { eventTime } : {}),
    data: { resourceName: upload.name, additionalDetails: { bucketName: upload.bucket, namespace: 'axaxnpcrorw5' } },
  });

function heldRecord(runId: string, day: string): RunRecord {
  return {
    id: '0123456789abcdef0123456789abcdef01234567',
    namespace: 'axaxnpcrorw5',
    rosterRun: { runId, day },
    key: `roster:${upload.bucket}/${upload.name}#${info.md5}@${day}`,
    source: { bucket: upload.bucket, object: upload.name, md5: info.md5 },
    status: 'held',
    rows: 3,
    chunkRows: 250,
    chunks: 1,
    round: 1,
    startedAt: `${day}T08:00:00.000Z`,
    callId: 'C1',
    counts: { succeeded: 1, failed: 0, rejected: 0, unreadable: 0 },
    roster: {
      runId,
      day,
      phase: 'held',
      counts: { leavers: 2, left: 0, unchanged: 0, failed: 0, held: 2, dryRun: 0, alreadyLeft: 0, notStarted: 0 },
      breaker: { held: true, count: 2, limit: 1, managed: 3, sample: ['E201', 'E203'], reason: 'over the limit of 1' },
    },
  };
}

const reportOf = {
  source: { bucket: upload.bucket, object: upload.name, md5: info.md5 },
  correlation: { callId: 'C2' },
  reportObjects: { json: `${upload.name}.report.json`, csv: `${upload.name}.report.csv` },
};

describe('approving a held roster run', () => {
  it('never trusts an approval in the upload bucket when STATE_BUCKET is unset', async () => {
    // Prepare: no STATE_BUCKET; the uploader wrote the approval the message used to describe, in their own bucket
    const inv = { config: configWith({}) };
    const run = rosterRunOf(upload, info, inv, event('2026-12-02T08:00:00Z'), Date.parse('2026-12-02T09:00:00Z'));
    if (!run) throw new Error('a roster upload is a roster run');
    const approval = { runId: run.runId, users: 2, approvedBy: 'hr-uploader@example.com' };
    const { store, reads } = objectsIn({ [`${upload.bucket}/.onboarding/approvals/${run.runId}.json`]: approval });
    // Act
    const result = await stillHeld(run, heldRecord(run.runId, run.day), store, reportOf, { decidesAgain: true });
    // Assess: still held, nothing read from the upload bucket, and the result says approving needs STATE_BUCKET
    expect(run.approval).toBeUndefined();
    expect(reads).toEqual([]);
    expect(result?.status).toBe('held');
    if (result?.kind !== 'batch') throw new Error('a held run answers with its batch report');
    const breaker = result.report.roster?.breaker;
    expect(breaker?.held).toBe(true);
    expect(breaker?.approvalObject).toBeUndefined();
    expect(breaker?.approvalProblem).toBe(APPROVAL_NEEDS_STATE_BUCKET);
    const { body } = batchSummary({ ...result.report, finishedAt: '2026-12-02T09:00:00.000Z' });
    expect(body).toContain('Not approvable: approving needs STATE_BUCKET');
    expect(body).not.toContain('To approve: write the object');
    expect(body).not.toContain(`the bucket ${upload.bucket}`);
  });

  it('releases a held run once the approval is in STATE_BUCKET', async () => {
    // Prepare: the same run with STATE_BUCKET set, the approval written there by an administrator
    const inv = { config: configWith({ STATE_BUCKET: 'onboarding-state' }) };
    const run = rosterRunOf(upload, info, inv, event('2026-12-02T08:00:00Z'), Date.parse('2026-12-02T09:00:00Z'));
    if (!run) throw new Error('a roster upload is a roster run');
    const approval = { runId: run.runId, users: 2, approvedBy: 'it-ops@example.com' };
    const { store, reads } = objectsIn({ [`onboarding-state/.onboarding/approvals/${run.runId}.json`]: approval });
    // Act
    const result = await stillHeld(run, heldRecord(run.runId, run.day), store, reportOf, { decidesAgain: true });
    // Assess: undefined means "not held any more": the leaver phase runs
    expect(run.approval).toEqual({ bucket: 'onboarding-state', name: `.onboarding/approvals/${run.runId}.json` });
    expect(reads).toEqual([`onboarding-state/.onboarding/approvals/${run.runId}.json`]);
    expect(result).toBeUndefined();
  });

  it('keeps a held run held for a continuation of it, approval or not: only a delivery of the event decides again', async () => {
    // Prepare: the approved run of the test above
    const inv = { config: configWith({ STATE_BUCKET: 'onboarding-state' }) };
    const run = rosterRunOf(upload, info, inv, event('2026-12-02T08:00:00Z'), Date.parse('2026-12-02T09:00:00Z'));
    if (!run) throw new Error('a roster upload is a roster run');
    const approval = { runId: run.runId, users: 2, approvedBy: 'it-ops@example.com' };
    const { store } = objectsIn({ [`onboarding-state/.onboarding/approvals/${run.runId}.json`]: approval });
    // Act
    const result = await stillHeld(run, heldRecord(run.runId, run.day), store, reportOf, { decidesAgain: false });
    // Assess: held, answered and not announced again
    expect(result).toMatchObject({ kind: 'batch', status: 'held', final: false });
  });
});

describe('the day of a roster run', () => {
  it('is kept in the run record: every worker of the run gets the same run, whatever the clock says by then', () => {
    // Prepare: invoked by hand (no eventTime) just before midnight; a worker of the run starts just after
    const inv = { config: configWith({ STATE_BUCKET: 'onboarding-state' }) };
    const first = rosterRunOf(upload, info, inv, event(), Date.parse('2026-12-01T23:59:40Z'));
    if (!first) throw new Error('a roster upload is a roster run');
    const record = heldRecord(first.runId, first.day);
    // Act
    const worker = rosterRunFromRecord(record, inv);
    const redelivered = rosterRunOf(upload, info, inv, event(), Date.parse('2026-12-02T00:00:20Z'));
    // Assess: the worker's run is the planner's (id, day, key, approval); a new delivery after midnight is a new run
    expect(first.day).toBe('2026-12-01');
    expect(worker).toEqual(first);
    expect(redelivered?.runId).not.toBe(first.runId);
    expect(rosterRunFromRecord({ ...record, rosterRun: undefined }, inv)).toBeUndefined();
  });
});
