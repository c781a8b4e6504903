import type { Versioned } from '../core/ports';
import { channelOf } from '../core/run-objects';
import { Status } from '../core/status';
import { chunkMessage, type RunRecord } from '../core/upload-run';
import { toErrorReport } from '../support/errors';
import { workBody } from './engine-body';
import type { RunContext } from './upload-context';

/**
 * Puts a planned run's work on its channel, one message per chunk of the round (all of them, or the
 * round's `redo`), then marks the record `running` with `if-match`. Done again by whoever finds the
 * record still `planning` after its planner's deadline: a chunk put twice is done once (its summary
 * exists, so the second message is deleted unworked).
 */
export async function putWork(ctx: RunContext, planned: Versioned<RunRecord>): Promise<Versioned<RunRecord> | undefined> {
  const record = planned.value;
  const chunks = record.redo ?? Array.from({ length: record.chunks }, (_, c) => c);
  const messages = chunks.map((chunk) => chunkMessage(ctx.runId, record.round, chunk));
  await ctx.queue.put(channelOf(ctx.runId), messages);
  const running: RunRecord = { ...record, status: Status.Running };
  const { planningUntil: _p, ...next } = running;
  const etag = await ctx.writeRecord(next, planned.etag);
  ctx.inv.log.info('run planned', { run: ctx.runId, round: record.round, chunks: chunks.length, rows: record.rows });
  return etag ? { value: next, etag } : undefined;
}

/** Starts `count` workers of the run through the Functions invoke API (detached); a failed start is left to the sweep. */
export async function startWorkers(ctx: RunContext, count: number, why: string): Promise<number> {
  const continuations = ctx.inv.services.continuations;
  if (!continuations) return 0;
  let started = 0;
  for (let i = 0; i < count; i += 1) {
    try {
      await continuations.start(workBody(ctx.runId));
      started += 1;
    } catch (error) {
      const warning = `a worker could not be started (${toErrorReport(error).message}); the schedule's sweep starts one for visible work`;
      ctx.inv.log.warn('bookkeeping', { why, warning });
      if (!ctx.warnings.includes(warning)) ctx.warnings.push(warning);
      break;
    }
  }
  if (started > 0) ctx.inv.log.info('workers started', { why, started });
  return started;
}

/** Puts the work on the queue and starts the other workers (the invocation that planned is one of them). */
export async function planAndStart(ctx: RunContext, planned: Versioned<RunRecord>): Promise<void> {
  const running = await putWork(ctx, planned);
  if (!running) return;
  const chunks = running.value.redo?.length ?? running.value.chunks;
  await startWorkers(ctx, Math.min(ctx.inv.config.UPLOAD_INVOCATIONS, chunks) - 1, 'fan-out');
}
