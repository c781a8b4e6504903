import { ErrorCode, type ErrorReport } from '../support/errors';
import type { RowResult } from './batch';
import type { StepResult } from './result';
import type { RosterProgress } from './roster';
import { rowWrites } from './writes';

/**
 * The durable progress of one uploaded file, small at any size: the file is cut into chunks of rows
 * (by their order in the file); each chunk has a record with the ranges of lines already settled and
 * reported, and the rows that failed. Records are written with `if-none-match: *` (create) and
 * `if-match` (update), so two invocations never both own a chunk.
 */
export interface UploadRecord {
  readonly key: string;
  readonly source: { readonly bucket: string; readonly object: string; readonly md5: string };
  /** `held`: a roster run whose leavers wait for an administrator's approval (rows are settled). */
  readonly status: 'running' | 'finalizing' | 'complete' | 'failed' | 'held';
  /** Rows in the file (readable or not), and how they are cut. */
  readonly rows: number;
  readonly chunkRows: number;
  readonly chunks: number;
  /** 1 for the first delivery; a re-delivery after `failed` starts round 2, retrying the failed rows. */
  readonly round: number;
  readonly startedAt: string;
  readonly callId: string;
  /** Who finalizes, until when (epoch ms). */
  readonly finalizer?: { readonly callId: string; readonly until: number };
  readonly finishedAt?: string;
  readonly counts?: UploadCounts;
  /** A roster upload's leaver phase (run-roster.ts). */
  readonly roster?: RosterProgress;
  /** How far finishing joined the report's rows, so that the next finisher resumes there. */
  readonly joined?: JoinProgress;
  /** Why the run ended before every row was done (the file was replaced meanwhile). */
  readonly stopped?: string;
}

/**
 * Finishing joins the report parts, in order, into a few segments (each written once, under a name
 * of its own), then the segments into the report. Every finisher claim (`claim`, counted from 1)
 * names its segments with its number, so a finisher that outlived its lease cannot overwrite a later
 * one's segment; a segment counts only once the record lists it (written with `if-match`).
 */
export interface JoinProgress {
  readonly claim: number;
  /** How many of the report's sources (header, parts, failed rows) are in `segments`. */
  readonly next: number;
  readonly segments: readonly { readonly name: string; readonly size: number }[];
  /** Finishers that met an error joining (a part that cannot be read): after a few, it finishes without the CSV. */
  readonly errors?: number;
  /** A follower continuation was started for this finish (finish-upload.ts): later claims start none, unless taking over. */
  readonly followed?: boolean;
}

export interface UploadCounts {
  readonly succeeded: number;
  readonly failed: number;
  readonly rejected: number;
  readonly unreadable: number;
}

/** A failed row, kept in its chunk's record until it succeeds; visible in every report meanwhile. */
export interface FailedRow {
  readonly line: number;
  readonly employeeId?: string;
  readonly userName?: string;
  /** The user, when some attempt found or created it. */
  readonly userId?: string;
  /** Every IAM write the row's attempts made so far (writes.ts), kept until the row settles. */
  readonly writes?: readonly string[];
  readonly retryable: boolean;
  /** Invocations that tried it in this round. */
  readonly attempts: number;
  readonly error: Pick<ErrorReport, 'code' | 'message'> & { readonly step?: string; readonly target?: string };
}

export interface ChunkRecord {
  readonly chunk: number;
  readonly round: number;
  readonly status: 'open' | 'done';
  /**
   * Who works the chunk, until when (epoch ms). A lease is short (LEASE_MS) and renewed by every
   * checkpoint, so the chunk of an invocation that died is free again within LEASE_MS.
   */
  readonly owner?: { readonly callId: string; readonly until: number };
  /** Lines settled (succeeded, rejected, unreadable) and written to the chunk's report parts, as [first, last] ranges. */
  readonly settled: readonly (readonly [number, number])[];
  readonly counts: Omit<UploadCounts, 'failed'>;
  /** Rows failed now; every one of them is in the chunk's failed-rows object (`failedVersion`), never here. */
  readonly failedRows: number;
  /** Whether some failed row may still be retried by a continuation of this round. */
  readonly retryPending: boolean;
  /** The first few failed rows (at most MAX_SAMPLED_FAILURES), for the summary. */
  readonly failures: readonly FailedRow[];
  /**
   * Which failed-rows object is current (`failed/<chunk>-<claim>-<n>.json` and `.csv`, `failedClaim`
   * naming the claim that wrote it); 0 when none was written.
   */
  readonly failedVersion: number;
  readonly failedClaim: number;
  /**
   * Report parts written so far, by claim (`rows/<chunk>-<claim>-<n>.csv`, n from 1) with each part's
   * size in bytes. Names carry the claim number (`invocations` when claimed), so an owner that outlived
   * its lease can only write names no later owner uses, and lists nothing: its record write fails.
   * One entry per claim that wrote parts.
   */
  readonly parts: readonly ReportParts[];
  /** Group and policy steps that changed something or failed, for the summary (bounded by the catalog). */
  readonly shared: readonly StepResult[];
  readonly invocations: number;
}

/** The report parts one claim of a chunk wrote: their count is the length of `sizes`. */
export interface ReportParts {
  readonly claim: number;
  readonly sizes: readonly number[];
}

/** The key of an upload's run (not a roster's): the object and its content, so the same bytes are one run. */
export const uploadKey = (bucket: string, object: string, md5: string) => `upload:${bucket}/${object}#${md5}`;

/** The error of a pinned read that finds the file replaced (caught: the run ends with `replacedReason`). */
export const SOURCE_CHANGED_MESSAGE = 'the file changed while it was processed: upload it again';

/** Why a run ended before its rows were done: its file was replaced (shown to people, kept short). */
export const replacedReason = (notProcessed: number) =>
  `the file was replaced while it was processed; ${notProcessed} row${notProcessed === 1 ? '' : 's'} of the earlier content were not processed; the new content is processed by its own run`;

/** How long a chunk's lease lasts unless renewed: a dead owner's chunk is free again after this. */
export const LEASE_MS = 20_000;
/** Failed rows a chunk record lists for the summary; the rest are in its failed-rows object only. */
export const MAX_SAMPLED_FAILURES = 10;

/** How many tries a row failing for passing reasons gets from continuations, before it waits for a re-delivery. */
export const MAX_ROW_ATTEMPTS = 3;
/** At most this many chunks: each invocation looking for work reads every chunk record. */
export const MAX_CHUNKS = 64;

/** Chunk size for a file of `rows` rows: at least `minimum`, few enough chunks to list cheaply. */
export function chunkRowsFor(rows: number, minimum: number): number {
  return Math.max(minimum, Math.ceil(rows / MAX_CHUNKS));
}

export function emptyChunk(chunk: number, round: number): ChunkRecord {
  return {
    chunk,
    round,
    status: 'open',
    settled: [],
    counts: { succeeded: 0, rejected: 0, unreadable: 0 },
    failedRows: 0,
    retryPending: false,
    failures: [],
    failedVersion: 0,
    failedClaim: 0,
    parts: [],
    shared: [],
    invocations: 0,
  };
}

function mergeAdjacent(ranges: [number, number][]): [number, number][] {
  const merged: [number, number][] = [];
  for (const range of ranges) {
    const last = merged.at(-1);
    if (last && range[0] <= last[1] + 1) last[1] = Math.max(last[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}

export function hasLine(ranges: readonly (readonly [number, number])[], line: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = ranges[mid] as readonly [number, number];
    if (line < a) hi = mid - 1;
    else if (line > b) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * Ranges of lines, kept small: rows are settled in file order within a chunk (give or take the
 * concurrency), so consecutive rows are joined with the row before them in the file.
 */
export class LineRanges {
  #ranges: [number, number][];
  constructor(ranges: readonly (readonly [number, number])[] = []) {
    this.#ranges = ranges.map(([a, b]) => [a, b]);
  }
  add(line: number, previousLine: number | undefined): void {
    if (previousLine !== undefined) {
      // The row before, if settled, extends to this one: join across the lines a quoted field spans.
      const i = this.#ranges.findIndex(([, b]) => b === previousLine);
      if (i >= 0) {
        const range = this.#ranges[i] as [number, number];
        range[1] = line;
        const after = this.#ranges[i + 1];
        if (after && after[0] <= line + 1) {
          range[1] = Math.max(range[1], after[1]);
          this.#ranges.splice(i + 1, 1);
        }
        return;
      }
    }
    this.#ranges.push([line, line]);
    this.#ranges.sort((x, y) => x[0] - y[0]);
    this.#ranges = mergeAdjacent(this.#ranges);
  }
  has(line: number): boolean {
    return hasLine(this.#ranges, line);
  }
  get ranges(): [number, number][] {
    return this.#ranges.map(([a, b]) => [a, b]);
  }
}

/** The failed-row entry for a row result (with its earlier attempts' writes folded in: run-chunk.ts). */
export function failedRow(row: RowResult, earlier: FailedRow | undefined): FailedRow {
  const step = row.steps.find((s) => s.outcome === 'failed') ?? row.steps.find((s) => s.outcome === 'skipped');
  const error = step?.error ?? row.errors[0];
  const writes = rowWrites(row);
  return {
    line: row.line,
    ...(row.employeeId ? { employeeId: row.employeeId } : {}),
    ...(row.userName ? { userName: row.userName } : {}),
    ...(row.userId ? { userId: row.userId } : {}),
    ...(writes.length ? { writes } : {}),
    retryable: row.retryable === true,
    attempts: (earlier?.attempts ?? 0) + 1,
    error: {
      code: error?.code ?? ErrorCode.Internal,
      message: (error?.message ?? step?.reason ?? 'failed').slice(0, 300),
      ...(step ? { step: step.step, target: step.target } : {}),
    },
  };
}

/** Whether a failed row should be tried again by this invocation. */
export function shouldRetry(row: FailedRow, reDelivery: boolean): boolean {
  return reDelivery || (row.retryable && row.attempts < MAX_ROW_ATTEMPTS);
}

/** A chunk another invocation may take: open, and not owned by a live invocation. */
export function claimable(record: ChunkRecord, now: number): boolean {
  if (record.status === 'done') return false;
  return !record.owner || record.owner.until <= now;
}

/** A chunk is done when every row is settled, or failed for good (not retryable, or out of attempts). */
export function chunkDone(failed: Iterable<FailedRow>, allRowsSeen: boolean): boolean {
  if (!allRowsSeen) return false;
  for (const row of failed) if (shouldRetry(row, false)) return false;
  return true;
}

/** What a chunk record says of its failed rows, from all of them (held by the chunk's owner only). */
export function failedSummary(failed: Iterable<FailedRow>): Pick<ChunkRecord, 'failedRows' | 'retryPending' | 'failures'> {
  let failedRows = 0;
  let retryPending = false;
  const failures: FailedRow[] = [];
  for (const row of failed) {
    failedRows += 1;
    retryPending ||= shouldRetry(row, false);
    if (failures.length < MAX_SAMPLED_FAILURES) failures.push(row);
  }
  return { failedRows, retryPending, failures };
}

/** The totals of an upload from its chunk records. */
export function totals(records: readonly ChunkRecord[]): UploadCounts {
  return records.reduce(
    (sum, r) => ({
      succeeded: sum.succeeded + r.counts.succeeded,
      rejected: sum.rejected + r.counts.rejected,
      unreadable: sum.unreadable + r.counts.unreadable,
      failed: sum.failed + r.failedRows,
    }),
    { succeeded: 0, rejected: 0, unreadable: 0, failed: 0 },
  );
}
