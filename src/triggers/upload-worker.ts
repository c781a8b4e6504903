import { type BatchRow, onboardRows, peopleOf, SharedCache } from '../core/batch';
import { reportCsvLine } from '../core/batch-report';
import { type FileRow, isUnreadable, type UnreadableRow } from '../core/hires-file';
import type { TakenMessage } from '../core/ports';
import type { BatchResult, NoticeResult } from '../core/response';
import { carriedName, channelOf, errorName, partName, summaryName, writesName } from '../core/run-objects';
import { Status } from '../core/status';
import {
  type CarriedWrites,
  type ChunkSummary,
  chunkMessage,
  decodeWorkMessage,
  type EarlierWrites,
  type FailedRow,
  failedRow,
  joinWrites,
  MAX_SAMPLED_FAILURES,
  type RunRecord,
  totals,
  type UploadCounts,
  withEarlierWrites,
} from '../core/upload-run';
import { isWritten, rowWrites } from '../core/writes';
import { ErrorCode, OnboardingError, toErrorReport } from '../support/errors';
import { releaseBuffers } from '../support/release-buffers';
import { workBody } from './engine-body';
import { onboardingContext } from './invocation';
import { batchOptions, stopAtOf } from './run-batch';
import { notice, partialAnswer, type RunContext } from './upload-context';
import { endReplaced, finishRun } from './upload-finish';
import { allPieces, earlierWrites } from './upload-pieces';

/** Seconds a taken message stays hidden beyond the worker's own deadline (the platform ends it there). */
const VISIBILITY_MARGIN_S = 1;
/** Seconds before a chunk whose delivery failed is taken again. */
const RETRY_AFTER_S = 1;
/** Longest wait for a message while another worker holds one (a long poll; the queue answers as soon as one is there). */
const WAIT_S = 5;
/**
 * Tries of one piece that wrote but settled no row, each put back as a new message, before such a try
 * counts as a failed delivery after all. Each of them wrote, and a chunk has a bounded number of writes
 * to make, so the bound only guards against a write that does not stay done.
 */
const MAX_PROGRESS_REDOS = 10;
/** Runs of at most this many chunks answer their counts so far when a worker ends (one read per chunk). */
const SUMMARISED_CHUNKS = 64;
/**
 * Working time a worker needs to take one more message: a tenth of its invocation, between 1 and 5 s.
 * With less, it took a piece only to be cut at its first row; a fixed 5 s left a short invocation none.
 */
const minTakeMs = (inv: { startedAt: number; deadline: number }) => Math.min(5000, Math.max(1000, (inv.deadline - inv.startedAt) / 10));

/**
 * A worker of one run: takes the run's messages from its channel one at a time, each hidden for as
 * long as this invocation may live, does the job (a chunk of rows, or the finish), and deletes the
 * message. Who owns a chunk at any moment is whoever holds its message's receipt: a worker that dies
 * loses nothing, since the message comes back when its visibility ends. When the channel holds no
 * visible and no in-flight message, the run is settled: one worker (a conditional write of the run
 * record, running → finishing) puts the `finish` message. Before it ends, a worker that leaves
 * visible work behind starts one successor.
 */
export async function workRun(ctx: RunContext): Promise<BatchResult | NoticeResult> {
  const { inv, queue } = ctx;
  const channel = channelOf(ctx.runId);
  const stopAt = stopAtOf(inv);
  const shared = new SharedCache(onboardingContext(inv));
  const mine: ChunkSummary[] = [];
  let answer: BatchResult | NoticeResult | undefined;
  let wait = 0;
  try {
    while (!answer && stopAt - inv.clock.now() > minTakeMs(inv)) {
      const message = await queue.take(channel, {
        visibilitySeconds: (inv.deadline - inv.clock.now()) / 1000 + VISIBILITY_MARGIN_S,
        waitSeconds: Math.min(wait, (stopAt - inv.clock.now()) / 1000 - 1),
      });
      if (message) {
        wait = 0;
        answer = await handle(ctx, message, shared, mine);
        continue;
      }
      const stats = await queue.stats(channel);
      if (stats.visible > 0) continue;
      if (stats.inFlight > 0) {
        // Another worker holds a message: wait for it to be deleted (then the run may be settled), or to come back.
        wait = WAIT_S;
        continue;
      }
      const settled = await settle(ctx);
      if (settled === 'ended') break;
      wait = settled === 'finish put' ? 0 : WAIT_S;
    }
  } catch (error) {
    // The messages this worker held come back by themselves; visible work gets a successor now.
    inv.log.error('worker stopped by an error', { run: ctx.runId, error: toErrorReport(error) });
    await successor(ctx, 'error');
    return notice(ctx, Status.Ignored, `the worker stopped: ${toErrorReport(error).message}; its work comes back on the queue`);
  }
  if (answer) return answer;
  await successor(ctx, 'deadline');
  const record = (await ctx.readRecord())?.value;
  if (!record) return notice(ctx, Status.Ignored, 'the run has no record');
  if (record.status === Status.Complete || record.status === Status.Held)
    return notice(ctx, Status.Duplicate, `this run is ${record.status} (call ${record.callId})`);
  if (record.status === Status.Failed)
    return notice(
      ctx,
      Status.Duplicate,
      `this run ended failed (call ${record.callId}, ${record.finishedAt ?? 'time unknown'}); a delivery of the event retries its failed rows`,
    );
  // The run so far, when reading every chunk's summary is cheap; else what this invocation did.
  const settled =
    record.chunks <= SUMMARISED_CHUNKS ? (await allPieces(ctx.store, ctx.stateBucket, record)).flatMap((p) => p.summaries) : mine;
  const counts = totals(settled);
  const done = counts.succeeded + counts.rejected + counts.unreadable + counts.failed;
  const notStarted = record.chunks <= SUMMARISED_CHUNKS ? Math.max(0, record.rows - done) : 0;
  return partialAnswer(ctx, record, { counts: { ...counts, notStarted }, failures: settled.flatMap((s) => s.failures).slice(0, 50) });
}

/**
 * Starts one more worker when the channel has visible work this one leaves behind. A channel found
 * empty is settled first (the last chunk may have been this worker's): its finish message is work.
 */
async function successor(ctx: RunContext, why: string): Promise<void> {
  const continuations = ctx.inv.services.continuations;
  try {
    let stats = await ctx.queue.stats(channelOf(ctx.runId));
    if (stats.visible === 0 && stats.inFlight === 0 && (await settle(ctx)) === 'finish put') stats = { ...stats, visible: 1 };
    if (stats.visible === 0 || !continuations) return;
    await continuations.start(workBody(ctx.runId));
    ctx.inv.log.info('worker started', { why, visible: stats.visible });
  } catch (error) {
    // The schedule's sweep starts a worker for visible work within minutes.
    const warning = `no successor was started (${toErrorReport(error).message}); the schedule's sweep starts one for visible work`;
    ctx.inv.log.warn('bookkeeping', { warning });
    if (!ctx.warnings.includes(warning)) ctx.warnings.push(warning);
  }
}

/**
 * The channel is empty: the run is settled, or was never running. `running`: one invocation wins the
 * conditional write to `finishing` and puts the `finish` message. `finishing`: another put it (or is
 * about to): wait for it. Anything else: nothing to do here.
 */
async function settle(ctx: RunContext): Promise<'finish put' | 'waiting' | 'ended'> {
  const current = await ctx.readRecord();
  if (!current) return 'ended';
  const { value, etag } = current;
  if (value.status === Status.Finishing) return 'waiting';
  if (value.status !== Status.Running) return 'ended';
  const claimed = await ctx.writeRecord({ ...value, status: Status.Finishing, callId: ctx.inv.callId }, etag);
  if (!claimed) return 'waiting';
  await ctx.queue.put(channelOf(ctx.runId), [JSON.stringify({ kind: 'finish', run: ctx.runId, round: value.round })]);
  ctx.inv.log.info('run settled; finish put', { run: ctx.runId });
  return 'finish put';
}

/** Does one message's job; a final answer ends the worker (the run was finished or ended by it). */
async function handle(
  ctx: RunContext,
  message: TakenMessage,
  shared: SharedCache,
  mine: ChunkSummary[],
): Promise<BatchResult | NoticeResult | undefined> {
  const work = decodeWorkMessage(message.content);
  const current = await ctx.readRecord();
  // A stray message, or one of an earlier round or of a run that ended: nothing to do, ever.
  const over =
    !work ||
    work.run !== ctx.runId ||
    !current ||
    work.round !== current.value.round ||
    current.value.status === Status.Complete ||
    current.value.status === Status.Failed ||
    current.value.status === Status.Held;
  if (over) {
    if (!work) ctx.inv.log.warn('a message that is no work of this engine was deleted', { run: ctx.runId });
    await ctx.queue.delete(message.receipt);
    return undefined;
  }
  if (work.kind === 'finish') {
    if (current.value.status !== Status.Finishing) {
      await ctx.queue.delete(message.receipt);
      return undefined;
    }
    return finishRun(ctx, current, message);
  }
  // The run's workers at work now, each in its own container, at most one per piece held or waiting (this
  // one's included): on an identity domain each keeps to its share of the domain's windows. Counted per
  // piece, so that the last pieces of a run go at the whole rate, not at a quarter of it.
  const stats = await ctx.queue.stats(channelOf(ctx.runId));
  ctx.inv.services.shareDomainWindows(Math.min(ctx.inv.config.UPLOAD_INVOCATIONS, Math.max(1, stats.visible + stats.inFlight)));
  try {
    const summary = await runChunk(ctx, current.value, work, message, shared);
    if (summary) mine.push(summary);
    return undefined;
  } catch (error) {
    if (error instanceof OnboardingError && error.code === ErrorCode.SourceChanged) {
      // The file holds other content now: its rows are no longer the ones counted. The run ends.
      const ended = await endReplaced(ctx);
      await ctx.queue.delete(message.receipt).catch(() => undefined);
      return ended ?? notice(ctx, Status.Ignored, error.message);
    }
    // A failed delivery: why, for the report if it is the last one, and the message back soon.
    const reason = toErrorReport(error).message;
    ctx.inv.log.warn('chunk failed', { chunk: work.chunk, deliveries: message.deliveryCount, reason });
    await recordFailure(ctx, current.value.round, work.chunk, message, reason);
    await ctx.queue.release(message.receipt, RETRY_AFTER_S).catch(() => undefined);
    return undefined;
  }
}

async function recordFailure(ctx: RunContext, round: number, chunk: number, message: TakenMessage, reason: string): Promise<void> {
  const body = JSON.stringify({ chunk, round, deliveries: message.deliveryCount, reason, at: new Date().toISOString() });
  await ctx.store.write(ctx.stateBucket, errorName(ctx.runId, round, chunk), body, 'application/json').catch(() => undefined);
}

/**
 * One piece of a chunk (rows `from` to the chunk's end): its rows onboarded as they stream, their
 * report lines written as the piece's part, then its summary (that it exists means the piece is done),
 * then the message deleted. A redo (the message came back after its worker died) finds every step
 * done and writes nothing new to IAM; a piece whose summary exists is not redone at all. When the
 * worker's deadline comes first, the rows settled so far are a done piece whose summary names the
 * next, and a message for the rest of the chunk takes this one's place: nothing settled is lost.
 */
async function runChunk(
  ctx: RunContext,
  record: RunRecord,
  work: { chunk: number; from?: number; after?: number },
  message: TakenMessage,
  shared: SharedCache,
): Promise<ChunkSummary | undefined> {
  const { inv, store, stateBucket, runId } = ctx;
  const { chunk } = work;
  const from = work.from ?? chunk * record.chunkRows;
  const summaryAt = summaryName(runId, record.round, chunk, from);
  const done = await store.readJson<ChunkSummary>(stateBucket, summaryAt);
  if (done) {
    // Done, and its worker died before it deleted the message: the rest of a cut piece goes back on
    // the queue if it is not done either (it may have been put already; a piece put twice is done once).
    if (
      done.next !== undefined &&
      message.deliveryCount > 1 &&
      !(await store.readJson(stateBucket, summaryName(runId, record.round, chunk, done.next)))
    )
      await ctx.queue.put(channelOf(runId), [chunkMessage(runId, record.round, chunk, done.next, done.from)]);
    await ctx.queue.delete(message.receipt);
    return undefined;
  }
  const end = Math.min(record.rows, (chunk + 1) * record.chunkRows);
  // The piece before, cut by its deadline, settled some rows of this one already and may carry writes.
  const before =
    work.after === undefined
      ? undefined
      : await store.readJson<ChunkSummary>(stateBucket, summaryName(runId, record.round, chunk, work.after));
  const skip = new Set(before?.skip ?? []);
  const carried = new Map(Object.entries(before?.carry ?? {}).map(([line, w]) => [Number(line), w]));
  // An earlier try of this very piece that settled nothing left what its rows wrote (it includes the above).
  const tried = await store.readJson<CarriedWrites>(stateBucket, carriedName(runId, record.round, chunk, from));
  for (const [line, writes] of Object.entries(tried?.rows ?? {})) carried.set(Number(line), writes);
  /** This round's writes of each settled row (its own, and what earlier tries of the round carried). */
  const roundWrites = new Map<number, EarlierWrites>();
  /** Rows of this piece settled here, by their place in the file. */
  const settledAt = new Set<number>();
  const lines: { line: number; text: string }[] = [];
  const counts: { -readonly [K in keyof UploadCounts]: number } = { succeeded: 0, failed: 0, rejected: 0, unreadable: 0 };
  const failures: FailedRow[] = [];
  /** Each row's place in the file, by its line, for the rows handed to the batch. */
  const places = new Map<number, number>();
  // The piece's rows are read before any is onboarded: a GET held open half read while the rows take
  // their time is cut under it once its connection has been idle long enough (the server has sent the
  // rest), and the whole delivery failed with rows already written. A chunk is small (chunkRowsFor).
  const piece: (FileRow | UnreadableRow)[] = [];
  let index = -1;
  for await (const row of ctx.rowsOf()) {
    index += 1;
    if (index < from || skip.has(index)) continue;
    if (index >= end) break;
    piece.push(row);
  }
  // Reaching a late chunk reads the file up to it (10 MB for the last chunk of 100,000 rows): buffers
  // outside V8's heap that only a collection frees. Without one here, a warm container's peak RSS rose
  // from call to call with the chunks it took, to 185.6 MB in call 25 of a 100,000-row upload.
  releaseBuffers();
  inv.services.directory.expectPeople?.(peopleOf(piece.flatMap((row) => (isUnreadable(row) ? [] : [row.input]))));
  let pulled = from;
  async function* rows(): AsyncGenerator<BatchRow> {
    let index = from - 1;
    for (const row of piece) {
      index += 1;
      while (skip.has(index)) index += 1;
      pulled = index + 1;
      if (isUnreadable(row)) {
        settledAt.add(index);
        counts.unreadable += 1;
        const error = { code: ErrorCode.UnreadableRow, message: 'The row could not be read', problems: row.problems };
        lines.push({ line: row.line, text: reportCsvLine({ line: row.line, status: Status.Rejected, steps: [], errors: [error] }) });
        continue;
      }
      places.set(row.line, index);
      yield row;
    }
  }
  // A later round: each line names the writes its row made in the rounds before too.
  const earlier = record.round > 1 ? await earlierWrites(store, stateBucket, record, chunk) : new Map<number, EarlierWrites>();
  const wrote: Record<string, EarlierWrites> = {};
  /** IAM writes of rows settled by this try (the cut rows' are in `run.cut`), and of groups and policies before it. */
  let wroteHere = 0;
  const sharedWrittenBefore = shared.steps().filter(isWritten).length;
  const run = await onboardRows(rows(), onboardingContext(inv), {
    ...batchOptions(inv),
    shared,
    resumable: true,
    onSettled: (settled) => {
      const place = places.get(settled.line);
      if (place !== undefined) settledAt.add(place);
      const own = rowWrites(settled);
      wroteHere += own.length;
      const round = joinWrites(
        carried.get(settled.line),
        own.length > 0 ? { writes: own, ...(settled.userId ? { userId: settled.userId } : {}) } : undefined,
      );
      if (round) roundWrites.set(settled.line, round);
      const row = withEarlierWrites(settled, joinWrites(earlier.get(settled.line), carried.get(settled.line)));
      const writes = rowWrites(row);
      if (writes.length > 0) wrote[row.line] = { writes, ...(row.userId ? { userId: row.userId } : {}) };
      lines.push({ line: row.line, text: reportCsvLine(row) });
      if (row.status === Status.Failed) {
        counts.failed += 1;
        if (failures.length < MAX_SAMPLED_FAILURES) failures.push(failedRow(row));
      } else if (row.status === Status.Rejected) counts.rejected += 1;
      else counts.succeeded += 1;
    },
  });
  // Cut by the deadline: every row before the first one not started is settled (started rows all end).
  const firstNotStarted = Math.min(...run.notStarted.map((line) => places.get(line) ?? pulled));
  const next = run.stopped ? Math.min(firstNotStarted, pulled) : undefined;
  // Cut: what the next piece must not do again, and the writes of rows it does again.
  const skipNext = next === undefined ? [] : [...settledAt, ...skip].filter((i) => i >= next).sort((a, b) => a - b);
  const carry: Record<string, EarlierWrites> = {};
  for (const line of run.notStarted) {
    const writes = joinWrites(carried.get(line), run.cut.get(line));
    if (writes) carry[line] = writes;
  }
  for (const [line, writes] of carried) if (!(line in carry) && !places.has(line)) carry[line] = writes;
  if (next !== undefined && next <= from) {
    // Nothing settled. What its rows wrote (settled or not) stays for the redo's lines, and the groups and
    // policies it wrote for the redo's summary (the redo finds them there, unchanged).
    const sharedWrites = shared.steps().filter(isWritten);
    const progressed = wroteHere > 0 || run.cut.size > 0 || sharedWrites.length > sharedWrittenBefore;
    const redos = (tried?.redos ?? 0) + (progressed ? 1 : 0);
    const written: CarriedWrites = {
      rows: { ...carry, ...Object.fromEntries(roundWrites) },
      shared: [...(tried?.shared ?? []), ...sharedWrites],
      ...(redos > 0 ? { redos } : {}),
    };
    if (Object.keys(written.rows).length > 0 || written.shared.length > 0)
      await store.write(stateBucket, carriedName(runId, record.round, chunk, from), JSON.stringify(written), 'application/json');
    if (progressed && redos <= MAX_PROGRESS_REDOS) {
      // It moved: its writes are done and the redo plans only what is left (a converge writes nothing
      // twice), so the try is not a failed delivery. A new message takes this one's place, with a
      // delivery count of its own: on a slow or crowded machine a chunk of a few hundred rows on a Free
      // domain can need more tries than the dead-letter queue allows a poison chunk, every one of them
      // writing. A redo put twice (killed before the delete) is done once, by its summary.
      await ctx.queue.put(channelOf(runId), [chunkMessage(runId, record.round, chunk, from, work.after)]);
      await ctx.queue.delete(message.receipt);
      inv.log.info('chunk redo', { chunk, from, redos });
      return undefined;
    }
    // Nothing written either: the message goes back at once and counts as a delivery (a chunk that
    // never moves ends in the DLQ).
    const reason = 'no row of the chunk settled within an invocation';
    await recordFailure(ctx, record.round, chunk, message, reason);
    await ctx.queue.release(message.receipt, 0);
    return undefined;
  }
  const part = lines
    .sort((a, b) => a.line - b.line)
    .map((l) => l.text)
    .join('');
  await store.write(stateBucket, partName(runId, record.round, chunk, from), part, 'text/csv; charset=utf-8');
  const hasWrites = Object.keys(wrote).length > 0;
  if (hasWrites) await store.write(stateBucket, writesName(runId, record.round, chunk, from), JSON.stringify(wrote), 'application/json');
  const summary: ChunkSummary = {
    chunk,
    round: record.round,
    from,
    ...(next !== undefined && next < end ? { next } : {}),
    ...(skipNext.length > 0 ? { skip: skipNext } : {}),
    ...(Object.keys(carry).length > 0 ? { carry } : {}),
    ...(hasWrites ? { wrote: true } : {}),
    counts,
    failures,
    shared: [...(tried?.shared ?? []), ...shared.steps()],
    partBytes: Buffer.byteLength(part, 'utf8'),
  };
  await store.write(stateBucket, summaryAt, JSON.stringify(summary), 'application/json');
  if (summary.next !== undefined) await ctx.queue.put(channelOf(runId), [chunkMessage(runId, record.round, chunk, summary.next, from)]);
  await ctx.queue.delete(message.receipt);
  inv.log.info('chunk', { chunk, from, next: summary.next, counts });
  return summary;
}
