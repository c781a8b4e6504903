import { describe, expect, it } from 'vitest';
import type { JoinProgress, UploadRecord } from '../../src/core/upload-progress';
import { createLogger } from '../../src/support/logger';
import { joinReport, type ReportSource } from '../../src/triggers/join-report';
import { memoryStore } from './memory-store';

const dir = '.onboarding/uploads/j';
const uploadName = `${dir}/upload.json`;
const log = createLogger({ write: () => {} });

/** A finisher's claimed record, as finalize writes it before joining. */
function claimedRecord(joined: JoinProgress): UploadRecord & { joined: JoinProgress } {
  return {
    key: 'upload:b/o.csv#md5',
    source: { bucket: 'b', object: 'o.csv', md5: 'md5' },
    status: 'finalizing',
    rows: 6,
    chunkRows: 1,
    chunks: 6,
    round: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    callId: 'first',
    finalizer: { callId: 'f', until: Date.now() + 60_000 },
    joined,
  };
}

/** The header and six parts of one row each, stored; the claimed record written. */
function prepare(joined: JoinProgress = { claim: 1, next: 0, segments: [] }) {
  const memory = memoryStore();
  const sources: ReportSource[] = [{ text: 'line,status\r\n' }];
  for (let i = 1; i <= 6; i += 1) {
    const name = `${dir}/rows/${i}.csv`;
    memory.put(name, `${i + 1},succeeded\r\n`);
    sources.push({ bucket: 'state', name });
  }
  const record = claimedRecord(joined);
  const etag = memory.put(uploadName, JSON.stringify(record));
  return { ...memory, sources, record, etag };
}

const segmentsText = (objects: Map<string, { body: string }>, record: UploadRecord) =>
  (record.joined?.segments ?? []).map((s) => objects.get(s.name)?.body ?? '(missing)').join('');

describe('joining an upload report', () => {
  it('joins every source once, in order, and records the segment with if-match', async () => {
    // Prepare
    const { store, objects, sources, record, etag } = prepare();
    // Act
    const outcome = await joinReport({ store, bucket: 'state', dir, uploadName, record, etag, sources, stopAt: Date.now() + 60_000, log });
    // Assess: the stored record lists the segment; its text is the header and every row in order.
    if (outcome.kind !== 'joined') throw new Error(`expected joined, got ${outcome.kind}`);
    const stored = JSON.parse(objects.get(uploadName)?.body ?? '{}') as UploadRecord;
    expect(outcome.etag).toBe(objects.get(uploadName)?.etag);
    expect(stored.joined?.next).toBe(7);
    expect(segmentsText(objects, stored)).toBe(
      'line,status\r\n2,succeeded\r\n3,succeeded\r\n4,succeeded\r\n5,succeeded\r\n6,succeeded\r\n7,succeeded\r\n',
    );
  });

  it('resumes where the record says a finisher stopped, under its own claim number', async () => {
    // Prepare: an earlier claim joined the header and two parts into a segment of its own.
    const first = `${dir}/report/00001-00001-00001.csv`;
    const { store, objects, sources, record, etag, put } = prepare({ claim: 2, next: 3, segments: [{ name: first, size: 0 }] });
    put(first, 'line,status\r\n2,succeeded\r\n3,succeeded\r\n');
    // Act
    const outcome = await joinReport({ store, bucket: 'state', dir, uploadName, record, etag, sources, stopAt: Date.now() + 60_000, log });
    // Assess: only the sources after `next` are read again, into a segment named by claim 2.
    if (outcome.kind !== 'joined') throw new Error(`expected joined, got ${outcome.kind}`);
    const segments = outcome.record.joined?.segments ?? [];
    expect(segments.map((s) => s.name.split('/').at(-1))).toEqual(['00001-00001-00001.csv', '00001-00002-00002.csv']);
    expect(objects.get(segments[1]?.name ?? '')?.body).toBe('4,succeeded\r\n5,succeeded\r\n6,succeeded\r\n7,succeeded\r\n');
  });

  it('answers lost when another finisher took the record over: nothing of this one is recorded', async () => {
    // Prepare: after this finisher read the record, another one claimed it (a new ETag).
    const { store, objects, sources, record, etag, put } = prepare();
    const taken = claimedRecord({ claim: 2, next: 0, segments: [] });
    put(uploadName, JSON.stringify(taken));
    // Act
    const outcome = await joinReport({ store, bucket: 'state', dir, uploadName, record, etag, sources, stopAt: Date.now() + 60_000, log });
    // Assess
    expect(outcome).toEqual({ kind: 'lost' });
    expect(JSON.parse(objects.get(uploadName)?.body ?? '{}')).toEqual(taken);
  });

  it('hands on before the deadline with what it joined recorded', async () => {
    // Prepare: no time left for even one round of reads.
    const { store, sources, record, etag } = prepare();
    // Act
    const outcome = await joinReport({ store, bucket: 'state', dir, uploadName, record, etag, sources, stopAt: Date.now() + 100, log });
    // Assess: unfinished, with the record as stored (nothing joined yet, nothing lost).
    if (outcome.kind !== 'unfinished') throw new Error(`expected unfinished, got ${outcome.kind}`);
    expect(outcome.etag).toBe(etag);
    expect(outcome.record.joined?.next).toBe(0);
  });

  it('answers an error after a flush with the record and ETag it last wrote, never the stale ones', async () => {
    // Prepare: segments are flushed at the deadline check, so a first call joins a segment and hands on;
    // then the next part cannot be read.
    const { store, objects, sources, record, etag, failRead } = prepare();
    const first = await joinReport({
      store,
      bucket: 'state',
      dir,
      uploadName,
      record,
      etag,
      sources: sources.slice(0, 3),
      stopAt: Date.now() + 60_000,
      log,
    });
    if (first.kind !== 'joined') throw new Error(`expected joined, got ${first.kind}`);
    failRead.add(`${dir}/rows/3.csv`);
    // Act: the same finisher goes on with the whole list from the record it holds.
    const outcome = await joinReport({
      store,
      bucket: 'state',
      dir,
      uploadName,
      record: { ...first.record, joined: first.record.joined ?? record.joined },
      etag: first.etag,
      sources,
      stopAt: Date.now() + 60_000,
      log,
    });
    // Assess: an outcome, not a throw, whose ETag is the stored one (a release written with it holds).
    if (outcome.kind !== 'error') throw new Error(`expected error, got ${outcome.kind}`);
    expect(String(outcome.error)).toContain('rows/3.csv cannot be read');
    expect(outcome.etag).toBe(objects.get(uploadName)?.etag);
    expect(outcome.etag).not.toBe(etag);
    expect(outcome.record.joined?.next).toBe(3);
  });
});
