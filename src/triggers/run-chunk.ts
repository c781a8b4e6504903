import { type BatchRow, onboardRows, type RowResult, RowStatus, type SharedCache } from '../core/batch';
import { failedCsvLine, reportCsvLine } from '../core/batch-report';
import { type FileRow, isUnreadable, type UnreadableRow } from '../core/hires-file';
import type { ObjectStore } from '../core/ports';
import type { StepResult } from '../core/result';
import {
  type ChunkRecord,
  chunkDone,
  type FailedRow,
  failedRow,
  failedSummary,
  LineRanges,
  shouldRetry,
  type UploadRecord,
} from '../core/upload-progress';
import { isWritten } from '../core/writes';
import { ErrorCode, OnboardingError, toErrorReport } from '../support/errors';
import { type Invocation, onboardingContext } from './invocation';
import { batchOptions } from './run-batch';
import { type Claim, chunkName, failedName, leaseFor, partName } from './upload-chunks';

/**
 * A chunk's settled rows go to a report part and its record every CHECKPOINT_ROWS rows and when its
 * owner stops; every CHECKPOINT_MS without one the record is written again only to renew the lease.
 * Parts are never cut by time: at a slow pace that would make thousands of tiny parts for finalize to
 * join. A part holds at least CHECKPOINT_ROWS rows except the last one of each claim.
 */
const CHECKPOINT_ROWS = 250;
const CHECKPOINT_MS = 5000;
/** How many times a broken object stream is opened again within one chunk. */
const MAX_STREAM_RESTARTS = 3;

export interface ChunkContext {
  readonly store: ObjectStore;
  readonly stateBucket: string;
  readonly dir: string;
  readonly plan: UploadRecord;
  readonly inv: Invocation;
  readonly rowsOf: () => AsyncIterable<FileRow | UnreadableRow>;
  readonly shared: SharedCache;
  /** Records a bookkeeping problem, reported beside the outcome. */
  readonly warn: (warning: string) => void;
}

/** The failed rows of a chunk as its last checkpoint left them (every one, from the chunk's failed-rows object). */
async function failedRowsOf(claim: Claim, ctx: ChunkContext): Promise<Map<number, FailedRow>> {
  const { record } = claim;
  const rows =
    record.failedRows > 0 && record.failedVersion > 0
      ? ((await ctx.store.readJson<FailedRow[]>(
          ctx.stateBucket,
          failedName(ctx.dir, record.chunk, record.failedClaim, record.failedVersion, 'json'),
        )) ?? [])
      : [];
  // A new round (a re-delivery after a failed run) gives every failed row its tries again.
  return new Map(rows.map((f) => [f.line, claim.reDelivery ? { ...f, attempts: 0 } : f]));
}

/**
 * Onboards one chunk's rows that are not settled yet. Settled rows go to a report part and the
 * chunk's record every CHECKPOINT_ROWS rows and when the owner stops; every CHECKPOINT_MS without
 * that the record is written only to renew the lease: a process killed meanwhile loses only unrecorded rows, which the next owner redoes
 * (every step looks up first, so nothing is created twice). Failed rows are held for this chunk only
 * (bounded by its size) and written whole to a failed-rows object beside the record, never in it.
 */
export async function runChunk(claim: Claim, ctx: ChunkContext): Promise<'done' | 'stopped' | 'lost'> {
  const { store, stateBucket, dir, plan, inv } = ctx;
  let { record, etag } = claim;
  const ranges = new LineRanges(record.settled);
  const failed = await failedRowsOf(claim, ctx);
  const retry = new Set([...failed.values()].filter((f) => shouldRetry(f, claim.reDelivery)).map((f) => f.line));
  const previous = new Map<number, number | undefined>();
  const counts = { ...record.counts };
  /** Report lines of settled rows not yet written: at most CHECKPOINT_ROWS plus the rows in flight. */
  let buffer: { line: number; text: string }[] = [];
  let failedChanged = claim.reDelivery;
  let lastCheckpoint = Date.now();
  let pending = false;
  let lost = false;
  let seenAll = false;
  let lock: Promise<void> = Promise.resolve();

  /** `lease`: only renew the lease; settled ranges are recorded only together with their lines. */
  const checkpoint = (final: 'done' | 'open' | 'lease' | undefined) => {
    const leaseOnly = final === 'lease';
    const step = lock.then(async () => {
      if (lost) return;
      // One snapshot: the lines in this part are exactly the settled ranges added since the last one.
      const lines = leaseOnly ? [] : buffer.sort((a, b) => a.line - b.line);
      if (!leaseOnly) buffer = [];
      const settledNow = leaseOnly ? record.settled : ranges.ranges;
      const failedNow = failedChanged && !leaseOnly ? [...failed.values()].sort((a, b) => a.line - b.line) : undefined;
      if (!leaseOnly) failedChanged = false;
      const countsNow = leaseOnly ? record.counts : { ...counts };
      // Names unique to this claim: a stale owner writing late cannot overwrite a later owner's objects.
      const claimNo = record.invocations;
      const mine = record.parts.find((p) => p.claim === claimNo);
      const partText = lines.map((l) => l.text).join('');
      const partNo = (mine?.sizes.length ?? 0) + 1;
      const parts =
        lines.length > 0
          ? [
              ...record.parts.filter((p) => p !== mine),
              { claim: claimNo, sizes: [...(mine?.sizes ?? []), Buffer.byteLength(partText, 'utf8')] },
            ].sort((a, b) => a.claim - b.claim)
          : record.parts;
      const failedVersion = failedNow ? (record.failedClaim === claimNo ? record.failedVersion + 1 : 1) : record.failedVersion;
      const failedClaim = failedNow ? claimNo : record.failedClaim;
      try {
        if (lines.length > 0)
          await store.write(stateBucket, partName(dir, record.chunk, claimNo, partNo), partText, 'text/csv; charset=utf-8');
        if (failedNow) {
          await store.write(
            stateBucket,
            failedName(dir, record.chunk, failedClaim, failedVersion, 'json'),
            JSON.stringify(failedNow),
            'application/json',
          );
          await store.write(
            stateBucket,
            failedName(dir, record.chunk, failedClaim, failedVersion, 'csv'),
            failedNow.map(failedCsvLine).join(''),
            'text/csv; charset=utf-8',
          );
        }
      } catch (error) {
        // Bookkeeping only: the rows stay settled in IAM; their lines wait for the next checkpoint.
        buffer = [...lines, ...buffer];
        failedChanged ||= failedNow !== undefined;
        ctx.warn(`a report part could not be written (${toMessage(error)}); kept for the next checkpoint`);
        return;
      }
      const { owner: _owner, ...rest } = record;
      const next: ChunkRecord = {
        ...rest,
        status: final === 'done' ? 'done' : 'open',
        settled: settledNow,
        counts: countsNow,
        ...(failedNow ? failedSummary(failedNow) : {}),
        failedVersion,
        failedClaim,
        parts,
        shared: mergeShared([record, { shared: ctx.shared.steps() }]),
        // Renewed while working; released when the invocation stops or the chunk is done.
        ...(final === 'done' || final === 'open' ? {} : { owner: leaseFor(inv) }),
      };
      let written: string | undefined;
      try {
        written = await store.writeIf(stateBucket, chunkName(dir, record.chunk), JSON.stringify(next), 'application/json', {
          ifMatch: etag,
        });
      } catch (error) {
        // The part is written but not recorded: the next checkpoint (or owner) writes this part again.
        buffer = [...lines, ...buffer];
        failedChanged ||= failedNow !== undefined;
        ctx.warn(`the chunk's progress could not be written (${toMessage(error)}); its rows are redone if this invocation stops first`);
        return;
      }
      if (!written) {
        // Another invocation owns the chunk now (this one outlived its lease): stop at once.
        lost = true;
        inv.log.warn('chunk lost to another invocation', { chunk: record.chunk });
        return;
      }
      record = next;
      etag = written;
      lastCheckpoint = Date.now();
    });
    lock = step
      .catch(() => undefined)
      .finally(() => {
        pending = false;
      });
    return step;
  };
  const due = () => buffer.length >= CHECKPOINT_ROWS;
  // The lease is renewed even while no row settles (every hire throttled, a slow look-up).
  const heartbeat = setInterval(() => {
    if (!pending && Date.now() - lastCheckpoint >= CHECKPOINT_MS) {
      pending = true;
      checkpoint('lease').catch(() => undefined);
    }
  }, CHECKPOINT_MS / 2);

  const onSettled = async (settled: RowResult) => {
    // Earlier attempts of a failed row (other invocations, earlier rounds) wrote too: its line names those writes.
    const row = withEarlierAttempts(settled, failed.get(settled.line));
    const before = previous.get(row.line);
    previous.delete(row.line);
    if (row.status === RowStatus.Failed) {
      failed.set(row.line, failedRow(row, failed.get(row.line)));
      failedChanged = true;
    } else {
      if (failed.delete(row.line)) failedChanged = true;
      if (row.status === RowStatus.Rejected && row.errors[0]?.code === ErrorCode.UnreadableRow) counts.unreadable += 1;
      else if (row.status === RowStatus.Rejected) counts.rejected += 1;
      // A stale row is done too (nothing was left to do); its report line says `stale`.
      else counts.succeeded += 1;
      ranges.add(row.line, before);
      buffer.push({ line: row.line, text: reportCsvLine(row) });
    }
    if (!pending && due()) {
      pending = true;
      await checkpoint(undefined);
    }
  };

  const first = record.chunk * plan.chunkRows;
  const end = first + plan.chunkRows;
  /** The chunk's rows not settled yet, read as they stream; a stream that breaks is read again from where it broke. */
  async function* rows(): AsyncGenerator<BatchRow> {
    let ordinal = -1;
    let before: number | undefined;
    for (let restarts = 0; ; restarts += 1) {
      const resumeAfter = ordinal;
      let index = -1;
      try {
        for await (const row of ctx.rowsOf()) {
          index += 1;
          if (index <= resumeAfter) continue;
          ordinal = index;
          const prior = before;
          before = row.line;
          if (ordinal < first) continue;
          if (ordinal >= end) break;
          if (ranges.has(row.line) || (failed.has(row.line) && !retry.has(row.line))) continue;
          previous.set(row.line, prior);
          if (isUnreadable(row)) {
            await onSettled({
              line: row.line,
              status: RowStatus.Rejected,
              steps: [],
              errors: [{ code: ErrorCode.UnreadableRow, message: 'The row could not be read', problems: row.problems }],
            });
            continue;
          }
          yield row;
        }
        break;
      } catch (error) {
        // The object's stream ended under the reader (seen here: undici's "terminated" while a chunk
        // was read slowly, row by row, for many seconds). The rows are the same bytes: read again,
        // skipping what was read. Errors of the file itself are not retried.
        if (error instanceof OnboardingError || restarts >= MAX_STREAM_RESTARTS) throw error;
        inv.log.warn('upload stream broke; reading it again', { chunk: record.chunk, row: ordinal, error: toErrorReport(error) });
      }
    }
    seenAll = true;
  }

  try {
    const options = batchOptions(inv);
    const run = await onboardRows(rows(), onboardingContext(inv), {
      ...options,
      canStartAnother: (average) => !lost && options.canStartAnother(average),
      onSettled,
      shared: ctx.shared,
    });
    if (lost) return 'lost';
    const done = !run.stopped && chunkDone(failed.values(), seenAll);
    await checkpoint(done ? 'done' : 'open');
    inv.log.info('chunk', { chunk: record.chunk, done, counts, failed: failed.size, stopped: run.stopped });
    if (lost) return 'lost';
    return run.stopped ? 'stopped' : 'done';
  } finally {
    clearInterval(heartbeat);
  }
}

const toMessage = (error: unknown) => toErrorReport(error).message;

/** A row result with what its earlier failed attempts (`earlier`) wrote and found. */
export function withEarlierAttempts(row: RowResult, earlier: FailedRow | undefined): RowResult {
  if (!earlier) return row;
  const userId = row.userId ?? earlier.userId;
  const earlierWrites = [...(earlier.writes ?? []), ...(row.earlierWrites ?? [])];
  return { ...row, ...(userId ? { userId } : {}), ...(earlierWrites.length ? { earlierWrites } : {}) };
}

/**
 * Group and policy steps worth reporting: every write, once (chunk records of one invocation hold the
 * same steps), and a target's failure when nothing wrote or found it unchanged after it.
 */
export function mergeShared(records: readonly { shared: readonly StepResult[] }[]): StepResult[] {
  const writes = new Map<string, StepResult>();
  const failures = new Map<string, StepResult>();
  for (const r of records)
    for (const step of r.shared) {
      const target = `${step.step}:${step.target}`;
      if (isWritten(step)) {
        writes.set(`${target}:${step.outcome}:${step.ocid ?? ''}:${step.changes?.join(',') ?? ''}`, step);
        failures.delete(target);
      } else if (step.outcome === 'unchanged') failures.delete(target);
      else failures.set(target, step);
    }
  return [...writes.values(), ...failures.values()];
}
