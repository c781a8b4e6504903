import { describe, expect, it } from 'vitest';
import { type ChunkRecord, emptyChunk, type JoinProgress, type UploadRecord } from '../../src/core/upload-progress';
import { createLogger } from '../../src/support/logger';
import { finalize } from '../../src/triggers/finish-upload';
import type { Invocation } from '../../src/triggers/invocation';
import { partName } from '../../src/triggers/upload-chunks';
import { memoryStore } from './memory-store';

const dir = '.onboarding/uploads/f';
const uploadName = `${dir}/upload.json`;
const MIB = 1024 * 1024;

/** What finishing reads of its invocation: who it is, its deadline, its reserve, its logger. */
const invocation = (callId: string, timeoutMs = 60_000) =>
  ({
    callId,
    deadline: Date.now() + timeoutMs,
    config: { PUBLISH_RESERVE_MS: 300 },
    log: createLogger({ write: () => {} }),
  }) as unknown as Invocation;

/**
 * A settled upload of five chunks (or `chunks`), each with one report part of `partBytes` bytes; the
 * store's `failRead` names parts whose reads fail.
 */
function settledUpload(options: {
  partBytes: number;
  chunks?: number;
  joined?: JoinProgress;
  hooks?: Parameters<typeof memoryStore>[0];
  holder?: { callId: string; until: number };
  /** The record's status as the delivery read it (`held`: a roster run it found held and approved). */
  status?: UploadRecord['status'];
}) {
  const memory = memoryStore(options.hooks);
  const chunks = options.chunks ?? 5;
  const records = Array.from({ length: chunks }, (_, chunk) => {
    const record: ChunkRecord = {
      ...emptyChunk(chunk, 1),
      status: 'done',
      settled: [[chunk + 2, chunk + 2]],
      counts: { succeeded: 1, rejected: 0, unreadable: 0 },
      parts: [{ claim: 1, sizes: [options.partBytes] }],
      invocations: 1,
    };
    memory.put(partName(dir, chunk, 1, 1), `${`${chunk + 2},succeeded,`.padEnd(options.partBytes - 2, 'x')}\r\n`);
    return { value: record, etag: undefined };
  });
  const upload: UploadRecord = {
    key: 'upload:b/o.csv#md5',
    source: { bucket: 'b', object: 'o.csv', md5: 'md5' },
    status: 'running',
    rows: chunks,
    chunkRows: 1,
    chunks,
    round: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    callId: 'first',
    ...(options.joined ? { joined: options.joined } : {}),
    ...(options.holder ? { status: 'finalizing', finalizer: options.holder } : {}),
    ...(options.status ? { status: options.status } : {}),
  };
  const etag = memory.put(uploadName, JSON.stringify(upload));
  const started: string[] = [];
  const finish = (callId = 'finisher', timeoutMs = 60_000) =>
    finalize({
      store: memory.store,
      stateBucket: 'state',
      dir,
      upload: { value: upload, etag },
      records,
      inv: invocation(callId, timeoutMs),
      source: upload.source,
      correlation: { callId },
      reportObjects: { json: 'o.csv.report.json', csv: 'o.csv.report.csv' },
      warnings: [],
      counts: { succeeded: chunks, failed: 0, rejected: 0, unreadable: 0 },
      failures: [],
      sharedSteps: [],
      roster: undefined,
      approvedHold: upload.status === 'held' ? etag : undefined,
      rowsOf: async function* () {},
      startContinuation: async (why) => {
        started.push(why);
      },
    });
  const stored = () => JSON.parse(memory.objects.get(uploadName)?.body ?? '{}') as UploadRecord;
  return { ...memory, finish, started, stored };
}

describe('finishing an upload', () => {
  it('after an error that follows a recorded segment, releases its claim and starts a continuation', async () => {
    // Prepare: the header and three parts of 1.5 MiB, read at once, make a segment (recorded: a new
    // ETag); the fifth part, read in the next round, cannot be read.
    const upload = settledUpload({ partBytes: 1.5 * MIB });
    upload.failRead.add(partName(dir, 4, 1, 1));
    // Act
    const result = await upload.finish();
    // Assess: a running answer, the lease given up (a continuation may resume at once), where it stopped recorded.
    expect(result).toMatchObject({ kind: 'batch', status: 'partial', final: false });
    const record = upload.stored();
    expect(record.status).toBe('finalizing');
    expect(record.finalizer).toBeUndefined();
    expect(record.joined).toMatchObject({ claim: 1, next: 4, errors: 1 });
    expect(record.joined?.segments).toHaveLength(1);
    expect(upload.started).toEqual(['finishing']);
    expect(JSON.stringify(result)).toContain('the report could not be joined (attempt 1 of 3)');
  });

  it('finishes without the CSV report, with a warning, once joining has failed three times', async () => {
    // Prepare: two finishers already met the error.
    const upload = settledUpload({ partBytes: 64, joined: { claim: 2, next: 0, segments: [], errors: 2 } });
    upload.failRead.add(partName(dir, 2, 1, 1));
    // Act
    const result = await upload.finish();
    // Assess: the outcome stands; the JSON report is written, the CSV is not; no continuation but the
    // follower this third claim starts (the earlier two started none).
    expect(result).toMatchObject({ kind: 'batch', status: 'complete', final: true });
    expect(JSON.stringify(result)).toContain('the CSV report was not written: joining it failed 3 times');
    expect(upload.stored().status).toBe('complete');
    expect(upload.objects.has('o.csv.report.json')).toBe(true);
    expect(upload.objects.has('o.csv.report.csv')).toBe(false);
    expect(upload.started).toEqual(['follow']);
  });

  it('a finisher whose claim is taken over writes no report and publishes nothing', async () => {
    for (const when of ['joined', 'composed'] as const) {
      // Prepare: another finisher claims the record right after this one joined the parts, or after it
      // composed the CSV report.
      let taken = false;
      const upload = settledUpload({
        partBytes: 64,
        hooks: {
          afterWrite: (name, body) => {
            const joinedAll = name === uploadName && (JSON.parse(body) as UploadRecord).joined?.next === 6;
            if (taken || !(when === 'joined' ? joinedAll : name === 'o.csv.report.csv')) return;
            taken = true;
            const current = upload.stored();
            upload.put(uploadName, JSON.stringify({ ...current, finalizer: { callId: 'other', until: Date.now() + 60_000 } }));
          },
        },
      });
      // Act
      const result = await upload.finish();
      // Assess: the duplicate notice (the handler publishes nothing for it); no JSON report of this finisher.
      expect(taken).toBe(true);
      expect(result).toMatchObject({ kind: 'notice', status: 'duplicate' });
      expect(upload.objects.has('o.csv.report.json')).toBe(when === 'composed');
      expect(upload.stored().finalizer?.callId).toBe('other');
    }
  });

  it('follows a finisher that died: waits its lease out, then takes over and finishes', async () => {
    // Prepare: a finisher (killed, say) holds the record for 300 ms more.
    const upload = settledUpload({ partBytes: 64, holder: { callId: 'killed', until: Date.now() + 300 } });
    // Act
    const result = await upload.finish();
    // Assess: this one finished the upload, having started a follower of its own when it took over.
    expect(result).toMatchObject({ kind: 'batch', status: 'complete', final: true });
    expect(upload.stored()).toMatchObject({ status: 'complete', joined: { claim: 1, next: 6 } });
    expect(upload.started).toEqual(['follow']);
  });

  it('follows the finisher that won the race to claim the record, and takes over when that one dies', async () => {
    // Prepare: between this finisher's read of the record and its claim, another claims it for 300 ms
    // (and then is killed: it never writes again).
    const upload = settledUpload({ partBytes: 64 });
    const writeIf = upload.store.writeIf.bind(upload.store);
    let raced = false;
    upload.store.writeIf = async (bucket, name, body, contentType, condition) => {
      if (!raced && name === uploadName) {
        raced = true;
        const winner = { callId: 'winner', until: Date.now() + 300 };
        upload.put(
          uploadName,
          JSON.stringify({ ...upload.stored(), status: 'finalizing', finalizer: winner, joined: { claim: 1, next: 0, segments: [] } }),
        );
      }
      return writeIf(bucket, name, body, contentType, condition);
    };
    // Act
    const result = await upload.finish();
    // Assess: the race happened, and this one finished the upload under the next claim, with a follower
    // started when it took over from the dead winner.
    expect(raced).toBe(true);
    expect(result).toMatchObject({ kind: 'batch', status: 'complete', final: true });
    expect(upload.stored()).toMatchObject({ status: 'complete', joined: { claim: 2, next: 6 } });
    expect(upload.started).toEqual(['follow']);
  });

  it('follows a finisher whose lease outlasts its own working time until that runs out, then starts a continuation', async () => {
    // Prepare: the lease ends after this invocation's deadline (3 s: 2.7 s of working time, 2 s of it kept for after the lease).
    const upload = settledUpload({ partBytes: 64, holder: { callId: 'other', until: Date.now() + 120_000 } });
    const started = Date.now();
    // Act
    const result = await upload.finish('follower', 3000);
    // Assess: it watched the record until its own working time ran out, then a continuation took its place; the record is untouched.
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(result).toMatchObject({ kind: 'notice', status: 'duplicate' });
    expect(upload.stored().finalizer?.callId).toBe('other');
    expect(upload.started).toEqual(['follow']);
  });

  it('a follower whose finisher completes ends without a continuation', async () => {
    // Prepare: a live finisher, which marks the upload complete 300 ms later.
    const upload = settledUpload({ partBytes: 64, holder: { callId: 'other', until: Date.now() + 60_000 } });
    setTimeout(() => upload.put(uploadName, JSON.stringify({ ...upload.stored(), status: 'complete', finalizer: undefined })), 300);
    // Act
    const result = await upload.finish('follower');
    // Assess
    expect(result).toMatchObject({ kind: 'notice', status: 'duplicate', reason: 'another invocation finished this upload' });
    expect(upload.started).toEqual([]);
  });

  it('a follower whose finisher holds a roster run for approval ends: the decision is not taken again', async () => {
    // Prepare: a live finisher, which holds the run and gives its lease up 300 ms later.
    const upload = settledUpload({ partBytes: 64, holder: { callId: 'other', until: Date.now() + 60_000 } });
    setTimeout(() => upload.put(uploadName, JSON.stringify({ ...upload.stored(), status: 'held', finalizer: undefined })), 300);
    // Act
    const result = await upload.finish('follower');
    // Assess: no claim, no report, no continuation; the record is as the finisher left it
    expect(result).toMatchObject({ kind: 'notice', status: 'duplicate', reason: 'another invocation held this roster run for approval' });
    expect(upload.stored()).toMatchObject({ status: 'held' });
    expect(upload.stored().joined).toBeUndefined();
    expect(upload.started).toEqual([]);
  });

  it('a delivery that found a held run approved claims it as it read it, and starts a follower again', async () => {
    // Prepare: a run held (its hold's finish was followed), which the delivery found approved
    const upload = settledUpload({ partBytes: 64, status: 'held', joined: { claim: 1, next: 6, segments: [], followed: true } });
    // Act
    const result = await upload.finish();
    // Assess: claimed and finished, with a follower for this finish
    expect(result).toMatchObject({ kind: 'batch', status: 'complete', final: true });
    expect(upload.stored()).toMatchObject({ status: 'complete', joined: { claim: 2, followed: true } });
    expect(upload.started).toEqual(['follow']);
  });

  it('a delivery that found a held run approved, with no time left to finish, takes the approval up before it hands on', async () => {
    // Prepare: a held run found approved; 0.7 s left, less the 0.3 s publish reserve: not enough to claim
    const upload = settledUpload({ partBytes: 64, status: 'held', joined: { claim: 1, next: 6, segments: [], followed: true } });
    // Act
    const result = await upload.finish('late', 700);
    // Assess: the record is running again, for a continuation to finish, which the held check would stop
    expect(result).toMatchObject({ kind: 'notice', status: 'duplicate', reason: expect.stringMatching(/a continuation follows it$/) });
    expect(upload.stored()).toMatchObject({ status: 'running' });
    expect(upload.started).toEqual(['follow']);
  });

  it('claims no held record it did not check, nor one of a round begun meanwhile', async () => {
    for (const [found, change, reason] of [
      [undefined, { status: 'held' }, 'another invocation held this roster run for approval'],
      ['held', { status: 'held', finishedAt: 'held again' }, 'another invocation held this roster run for approval'],
      [undefined, { round: 2 }, 'round 2 of this upload began meanwhile'],
    ] as const) {
      // Prepare: the delivery read the record running (or held, and found it approved); before it
      // finishes, another invocation changed it (held it, or held it again)
      const upload = settledUpload({ partBytes: 64, ...(found ? { status: found } : {}) });
      upload.put(uploadName, JSON.stringify({ ...upload.stored(), ...change }));
      // Act
      const result = await upload.finish();
      // Assess: no claim, no continuation
      expect(result).toMatchObject({ kind: 'notice', status: 'duplicate', reason });
      expect(upload.stored().joined).toBeUndefined();
      expect(upload.started).toEqual([]);
    }
  });

  it('the first claim of a long finish starts a follower; a short one starts none', async () => {
    for (const [chunks, followers] of [
      [60, ['follow']],
      [5, []],
    ] as const) {
      // Prepare: 60 parts to join (more than ten rounds of reads), or 5.
      const upload = settledUpload({ partBytes: 64, chunks });
      // Act
      const result = await upload.finish();
      // Assess: finished either way; a follower only for the long one.
      expect(result).toMatchObject({ kind: 'batch', status: 'complete', final: true });
      expect(upload.stored()).toMatchObject({ status: 'complete', joined: { claim: 1, next: chunks + 1 } });
      expect(upload.started).toEqual(followers);
    }
  });

  it('a short finish that was handed on starts a follower at its next claim, once', async () => {
    // Prepare: a first claim of this short finish handed on (released) without a follower.
    const upload = settledUpload({ partBytes: 64, joined: { claim: 1, next: 0, segments: [] } });
    // Act
    const result = await upload.finish();
    // Assess: finished under the second claim, with a follower started and recorded.
    expect(result).toMatchObject({ kind: 'batch', status: 'complete', final: true });
    expect(upload.stored()).toMatchObject({ status: 'complete', joined: { claim: 2, next: 6, followed: true } });
    expect(upload.started).toEqual(['follow']);
  });
});
