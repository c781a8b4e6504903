import type { ObjectStore } from '../core/ports';
import type { JoinProgress, UploadRecord } from '../core/upload-progress';
import type { Logger } from '../support/logger';
import { releaseBuffers } from '../support/release-buffers';

/** What the report is made of, in order: literal text (its header) or an object of the state bucket. */
export type ReportSource = { readonly text: string } | { readonly bucket: string; readonly name: string };

/** Parts read at once: hides the time to first byte of each GET, memory bounded by the parts' size. */
export const READ_AHEAD = 4;
/**
 * A segment is written once it holds this much: memory holds at most one segment and READ_AHEAD parts
 * (and the segment once more, joined for its PUT). With 4 MiB the largest invocation of a 100,000-row
 * upload (about 10 MB of report) peaked at 135 MB RSS (npm run bench); a 10 MB report is ten segments.
 */
const SEGMENT_BYTES = 1024 * 1024;
/** Finishers that meet a join error, in all, before the upload finishes without its CSV report. */
export const MAX_JOIN_ATTEMPTS = 3;
/** Kept back for writing the segment in hand and the record before the deadline, at least (else twice the slowest flush). */
const WRITE_MARGIN_MS = 500;

export type JoinOutcome =
  | {
      readonly kind: 'joined' | 'unfinished';
      readonly record: UploadRecord;
      readonly etag: string;
      readonly slowestReadMs: number;
      /** The slowest flush: a segment's PUT and the record's write. */
      readonly slowestWriteMs: number;
    }
  /** A read or write failed: `record` and `etag` are the latest this finisher wrote, so it can hand on from there. */
  | { readonly kind: 'error'; readonly record: UploadRecord; readonly etag: string; readonly error: unknown }
  | { readonly kind: 'lost' };

export const segmentName = (dir: string, round: number, claim: number, segment: number) =>
  `${dir}/report/${pad(round)}-${pad(claim)}-${pad(segment)}.csv`;
const pad = (n: number) => String(n).padStart(5, '0');

/**
 * Joins the report's sources, from where the record says the last finisher stopped, into segments:
 * READ_AHEAD parts are read at once, written in order. Before each round of reads it checks the time:
 * one more round (as slow as the slowest so far, twice over) and the writes must end before `stopAt`,
 * else it writes what it holds and answers `unfinished`. Each segment is recorded with `if-match` on
 * the upload record: `lost` when another finisher took over meanwhile (nothing of this one counts).
 * An error never escapes: it answers `error` with the record as last written (after a flush the ETag
 * the caller started from is stale, and a release written with it would be refused).
 */
export async function joinReport(args: {
  readonly store: ObjectStore;
  readonly bucket: string;
  readonly dir: string;
  readonly uploadName: string;
  readonly record: UploadRecord & { readonly joined: JoinProgress };
  readonly etag: string;
  readonly sources: readonly ReportSource[];
  readonly stopAt: number;
  readonly log: Logger;
}): Promise<JoinOutcome> {
  const { store, bucket, dir, sources, stopAt } = args;
  let record = args.record;
  let etag = args.etag;
  let joined = record.joined;
  let held: Buffer[] = [];
  let heldBytes = 0;
  let heldSources = 0;
  let slowestReadMs = 0;
  let slowestWriteMs = 0;

  const read = async (source: ReportSource): Promise<Buffer> => {
    if ('text' in source) return Buffer.from(source.text, 'utf8');
    const chunks: Uint8Array[] = [];
    for await (const chunk of store.readBytes(source.bucket, source.name)) chunks.push(chunk);
    return Buffer.concat(chunks);
  };
  /** Writes the segment in hand and records it; false when the record was taken over. */
  const flush = async (): Promise<boolean> => {
    if (heldSources === 0) return true;
    const started = Date.now();
    const name = segmentName(dir, record.round, joined.claim, joined.segments.length + 1);
    await store.write(bucket, name, Buffer.concat(held), 'text/csv; charset=utf-8');
    const next: JoinProgress = { ...joined, next: joined.next + heldSources, segments: [...joined.segments, { name, size: heldBytes }] };
    const nextRecord: UploadRecord & { joined: JoinProgress } = { ...record, joined: next };
    const written = await store.writeIf(bucket, args.uploadName, JSON.stringify(nextRecord), 'application/json', { ifMatch: etag });
    slowestWriteMs = Math.max(slowestWriteMs, Date.now() - started);
    if (!written) return false;
    record = nextRecord;
    etag = written;
    joined = next;
    held = [];
    heldBytes = 0;
    heldSources = 0;
    // The segment and the parts it was joined from are dead: freed now (release-buffers.ts).
    releaseBuffers();
    return true;
  };

  try {
    while (joined.next + heldSources < sources.length) {
      // One more round of reads, then the flush that may follow it, each as slow as the slowest so far (twice over).
      if (Date.now() + 2 * slowestReadMs + Math.max(WRITE_MARGIN_MS, 2 * slowestWriteMs) >= stopAt) {
        if (!(await flush())) return { kind: 'lost' };
        args.log.info('report joining handed on', { joined: joined.next, of: sources.length, segments: joined.segments.length });
        return { kind: 'unfinished', record, etag, slowestReadMs, slowestWriteMs };
      }
      const from = joined.next + heldSources;
      const started = Date.now();
      // Whole parts, read at once and kept in order: a part holds a few hundred rows, a failed-rows object one chunk's.
      const bodies = await Promise.all(sources.slice(from, from + READ_AHEAD).map(read));
      slowestReadMs = Math.max(slowestReadMs, Date.now() - started);
      for (const body of bodies) {
        held.push(body);
        heldBytes += body.length;
        heldSources += 1;
      }
      if (heldBytes >= SEGMENT_BYTES && !(await flush())) return { kind: 'lost' };
    }
    if (!(await flush())) return { kind: 'lost' };
  } catch (error) {
    // What was held and not recorded is read again by whoever resumes from the record.
    return { kind: 'error', record, etag, error };
  }
  return { kind: 'joined', record, etag, slowestReadMs, slowestWriteMs };
}
