import { type BatchReport, MAX_LISTED_FAILURES } from '../core/batch-report';
import type { ObjectStore } from '../core/ports';
import type { BatchResult } from '../core/response';
import { replacedReason, totals, type UploadRecord } from '../core/upload-progress';
import { toErrorReport } from '../support/errors';
import type { Invocation } from './invocation';
import { mergeShared } from './run-chunk';
import { ChunkBoard } from './upload-chunks';

/*
 * A run whose file was replaced while it ran: the continuation body naming the run's content, the
 * check that the object still holds it (the same bytes written again), and the end of a run whose
 * content is gone.
 */

/**
 * A continuation's body: the event, naming the content (MD5) the run works on (`continues`), so that a
 * continuation arriving after the file was replaced ends that run instead of starting on the new
 * content. It is only ever compared with the file as it is now: it cannot make a run of the current
 * content stop. (Decoded, bounded, at the edge: envelope.ts.)
 */
export function continuing(event: string, md5: string): string {
  try {
    const body = JSON.parse(event.replace(/^\uFEFF/, '')) as Record<string, unknown>;
    return JSON.stringify({ ...body, continues: { md5 } });
  } catch {
    return event;
  }
}

export const SAME_CONTENT_AGAIN = 'the file was written again with the same content while it was processed; the run goes on';

/** Whether the object holds the run's content still (the same bytes written again give a new ETag, not a new MD5). */
export async function stillSameContent(run: KnownRun, object: { readonly bucket: string; readonly name: string }): Promise<boolean> {
  const now = await run.store.head(object.bucket, object.name).catch(() => undefined);
  return now !== undefined && now.md5 === run.source.md5;
}

/** What a run that stops early needs to end its record. */
export interface KnownRun {
  readonly store: ObjectStore;
  readonly stateBucket: string;
  readonly dir: string;
  readonly plan: UploadRecord;
  readonly source: BatchReport['source'];
  /** Starts a continuation of the run (after an invocation stopped that may have held a chunk). */
  readonly resume: (why: string) => Promise<void>;
}

/**
 * Ends the record of a run whose file was replaced: `failed`, saying why, so that no reader sees it
 * `running` for ever. The one invocation whose conditional write ends it publishes the summary (the
 * counts as the chunks left them); the others, and a run already ended, answer a notice. No report
 * object is written: it is named after the file, whose new content has a run (and report) of its own.
 */
export async function endReplaced(
  run: KnownRun,
  inv: Invocation,
  correlation: BatchReport['correlation'],
): Promise<BatchResult | undefined> {
  try {
    const uploadName = `${run.dir}/upload.json`;
    const current = await run.store.readVersioned<UploadRecord>(run.stateBucket, uploadName);
    if (!current || (current.value.status !== 'running' && current.value.status !== 'finalizing')) return undefined;
    // A finisher at work (live lease, another call) is left alone: it ends the run, or a follower does.
    const finisher = current.value.finalizer;
    if (current.value.status === 'finalizing' && finisher && finisher.until > Date.now() && finisher.callId !== inv.callId)
      return undefined;
    const records = (await new ChunkBoard(run.store, run.stateBucket, run.dir, run.plan, inv).all()).map((r) => r.value);
    const counts = totals(records);
    const finishedAt = new Date().toISOString();
    const notStarted = run.plan.rows - counts.succeeded - counts.rejected - counts.unreadable - counts.failed;
    const reason = replacedReason(notStarted);
    const { finalizer: _f, ...rest } = current.value;
    const ended: UploadRecord = { ...rest, status: 'failed', stopped: reason, finishedAt, counts, callId: inv.callId };
    const written = await run.store.writeIf(run.stateBucket, uploadName, JSON.stringify(ended), 'application/json', {
      ifMatch: current.etag,
    });
    if (!written) return undefined;
    const report: BatchReport = {
      source: run.source,
      status: 'failed',
      stopped: reason,
      correlation,
      counts: { ...counts, notStarted },
      shared: mergeShared(records),
      failures: records.flatMap((r) => r.failures).slice(0, MAX_LISTED_FAILURES),
      notStarted: [],
      invocations: records.reduce((n, r) => n + r.invocations, 0),
      finishedAt,
    };
    return { kind: 'batch', status: 'failed', correlation, report, final: true };
  } catch (error) {
    inv.log.warn('bookkeeping', { warning: `the stopped run's record could not be ended: ${toErrorReport(error).message}` });
    return undefined;
  }
}
