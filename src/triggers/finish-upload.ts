import { setTimeout as sleep } from 'node:timers/promises';
import { type BatchReport, REPORT_CSV_HEADER } from '../core/batch-report';
import type { FileRow, UnreadableRow } from '../core/hires-file';
import type { ObjectStore } from '../core/ports';
import type { BatchResult, NoticeResult } from '../core/response';
import type { StepResult } from '../core/result';
import { rosterProgress } from '../core/roster';
import type { ChunkRecord, FailedRow, JoinProgress, UploadCounts, UploadRecord } from '../core/upload-progress';
import { toErrorReport } from '../support/errors';
import type { Invocation } from './invocation';
import { joinReport, MAX_JOIN_ATTEMPTS, READ_AHEAD, type ReportSource } from './join-report';
import { type RosterRun, rosterHandOff, rosterPhase } from './run-roster';
import { failedName, partName, type Versioned } from './upload-chunks';

/** How often a finisher waiting for another one's lease looks at the record again. */
const FOLLOW_POLL_MS = 500;
/** Sources to join (header, parts, failed rows) above which a finish is long enough to start a follower: ten rounds of reads. */
const FOLLOWED_ABOVE_SOURCES = 10 * READ_AHEAD;
/** Working time an invocation following a live lease needs left, to claim when that lease ends. */
const FOLLOW_MARGIN_MS = 2000;
/** Working time needed to claim a free record: the join resumes from the record, so a little is progress. */
const CLAIM_MARGIN_MS = 500;

/**
 * The last chunk is settled: one invocation (a conditional write claims the record) joins the report
 * parts into segments (join-report.ts), hands on near its deadline or after an error, runs a roster's
 * leaver phase, writes the reports and marks the record finished; only then is the summary published.
 */
export async function finalize(args: {
  store: ObjectStore;
  stateBucket: string;
  dir: string;
  upload: { value: UploadRecord; etag: string };
  records: readonly Versioned<ChunkRecord>[];
  inv: Invocation;
  source: BatchReport['source'];
  correlation: BatchReport['correlation'];
  reportObjects: { json: string; csv: string };
  warnings: string[];
  counts: UploadCounts;
  failures: readonly FailedRow[];
  sharedSteps: readonly StepResult[];
  roster: RosterRun | undefined;
  /** The ETag of the held record whose approval this delivery found (run-upload.ts), if it found one. */
  approvedHold: string | undefined;
  rowsOf: () => AsyncIterable<FileRow | UnreadableRow>;
  startContinuation: (why: string) => Promise<void>;
}): Promise<BatchResult | NoticeResult> {
  const { store, stateBucket, dir, inv, source, correlation, reportObjects, warnings, counts } = args;
  const uploadName = `${dir}/upload.json`;
  const finishBy = inv.deadline - inv.config.PUBLISH_RESERVE_MS;
  // The report's rows, joined in order (resumable): the header, every chunk's parts, every chunk's failed rows.
  const sources: ReportSource[] = [
    { text: REPORT_CSV_HEADER },
    ...args.records.flatMap(({ value }) =>
      value.parts.flatMap(({ claim, sizes }) =>
        sizes.map((_, i) => ({ bucket: stateBucket, name: partName(dir, value.chunk, claim, i + 1) })),
      ),
    ),
    // Each chunk's failed rows are an object of their own, joined like the settled rows: never all in memory.
    ...args.records
      .filter(({ value }) => value.failedRows > 0)
      .map(({ value }) => ({ bucket: stateBucket, name: failedName(dir, value.chunk, value.failedClaim, value.failedVersion, 'csv') })),
  ];
  let current = await store.readVersioned<UploadRecord>(stateBucket, uploadName);
  // Another finisher's lease is live: it may be killed, and then nobody else would follow it. This one
  // follows it: it looks at the record every FOLLOW_POLL_MS (a finisher that ends or hands on frees it
  // at once) and claims when the lease is free; when its own working time runs out first, a
  // continuation follows in its place. One that loses the race to claim follows the winner the same way.
  let claimed: UploadRecord & { joined: JoinProgress };
  let claimEtag: string | undefined;
  // Only a delivery that found the run held and its approval there (run-upload.ts checks) may claim a
  // held record, and only as it read it: one held by another invocation meanwhile (a finisher this one
  // followed, say) stands as decided, and was published once.
  const { approvedHold } = args;
  for (;;) {
    if (!current || current.value.status === 'complete' || current.value.status === 'failed')
      return { kind: 'notice', status: 'duplicate', correlation, reason: 'another invocation finished this upload' };
    if (current.value.status === 'held' && (approvedHold === undefined || current.etag !== approvedHold))
      return { kind: 'notice', status: 'duplicate', correlation, reason: 'another invocation held this roster run for approval' };
    // A delivery after a failed run began a new round meanwhile: this one's records are of the last.
    if (current.value.round !== args.upload.value.round)
      return { kind: 'notice', status: 'duplicate', correlation, reason: `round ${current.value.round} of this upload began meanwhile` };
    const holder = current.value.status === 'finalizing' ? current.value.finalizer : undefined;
    const live = holder !== undefined && holder.until > Date.now() && holder.callId !== inv.callId;
    if (Date.now() + (live ? FOLLOW_MARGIN_MS : CLAIM_MARGIN_MS) >= finishBy) {
      // An approved hold is taken up before the run is handed on, since a continuation never takes an
      // approval up: the record goes back to running, and the next finisher checks the approval itself.
      if (current.value.status === 'held') {
        const reopened = JSON.stringify({ ...current.value, status: 'running' });
        const taken = await store
          .writeIf(stateBucket, uploadName, reopened, 'application/json', { ifMatch: current.etag })
          .catch(() => undefined);
        if (!taken) {
          const reason = 'this invocation had no time left to take the approval up; deliver the event again';
          return { kind: 'notice', status: 'duplicate', correlation, reason };
        }
      }
      await args.startContinuation('follow');
      const who = live ? `call ${holder.callId} is finishing this upload` : 'this invocation has no time left to finish it';
      return { kind: 'notice', status: 'duplicate', correlation, reason: `${who}; a continuation follows it` };
    }
    if (live) {
      await sleep(Math.max(1, Math.min(FOLLOW_POLL_MS, holder.until - Date.now(), finishBy - FOLLOW_MARGIN_MS - Date.now())));
      current = await store.readVersioned<UploadRecord>(stateBucket, uploadName);
      continue;
    }
    // Each finisher claim has a number of its own, naming the report segments it writes.
    const before: JoinProgress = current.value.joined ?? { claim: 0, next: 0, segments: [] };
    // A lease left behind (not released) is a finisher that died: this one takes over.
    const tookOver = holder !== undefined;
    // A follower is started by a take-over, and once for a finish found long: more than
    // FOLLOWED_ABOVE_SOURCES to join, one that already needed a second claim (handed on), or a roster's,
    // whose leaver phase (every absent employee, each a few IAM writes) is not known until it is planned.
    const long = before.claim > 0 || sources.length > FOLLOWED_ABOVE_SOURCES || args.roster !== undefined;
    // An approved run's leaver phase is a finish of its own: followed again, whatever the hold's was.
    const follow = tookOver || (long && (!before.followed || current.value.status === 'held'));
    claimed = {
      ...current.value,
      status: 'finalizing',
      finalizer: { callId: inv.callId, until: inv.deadline },
      joined: { ...before, claim: before.claim + 1, ...(follow || before.followed ? { followed: true } : {}) },
    };
    claimEtag = await store.writeIf(stateBucket, uploadName, JSON.stringify(claimed), 'application/json', { ifMatch: current.etag });
    if (claimEtag) {
      // The follower waits on this claim's lease: if this process is killed, it takes over when the lease
      // ends. A finisher that hands on releases its lease and starts the next one, so one follower stays
      // while finishing goes on. A short finish of a plain upload (well under a second, one claim)
      // starts none: a re-delivery of the event resumes one killed.
      if (follow) await args.startContinuation('follow');
      break;
    }
    current = await store.readVersioned<UploadRecord>(stateBucket, uploadName);
  }

  // What every row came to: the same in the final report and in a hand-off of the roster phase.
  const settled = {
    source,
    correlation,
    counts: { ...counts, notStarted: 0 },
    shared: args.sharedSteps,
    failures: args.failures,
    notStarted: [],
    reportObjects,
  };
  const warn = (warning: string) => {
    inv.log.warn('bookkeeping', { warning });
    warnings.push(warning);
  };
  const running = (): BatchResult => {
    const report: BatchReport = {
      ...settled,
      status: 'running',
      finishedAt: new Date().toISOString(),
      ...(warnings.length ? { warnings } : {}),
    };
    return { kind: 'batch', status: 'partial', correlation, report, final: false };
  };
  /**
   * Gives the finisher's lease up, so that the next invocation resumes at once where the record says.
   * A refused write (412) is not success: the record changed since `recordEtag`. If it is still this
   * claim's (a write of ours whose answer was lost), it is released from what it is now; else another
   * finisher holds it, and a continuation that finds its lease live follows it.
   */
  const release = async (record: UploadRecord, recordEtag: string): Promise<void> => {
    const unclaimed = (value: UploadRecord) => {
      const { finalizer: _f, ...rest } = value;
      return JSON.stringify(rest);
    };
    try {
      if (await store.writeIf(stateBucket, uploadName, unclaimed(record), 'application/json', { ifMatch: recordEtag })) return;
      const now = await store.readVersioned<UploadRecord>(stateBucket, uploadName);
      const ours = now?.value.finalizer?.callId === inv.callId && now.value.joined?.claim === record.joined?.claim;
      if (now?.etag && ours && now.value.status === 'finalizing') {
        if (await store.writeIf(stateBucket, uploadName, unclaimed(now.value), 'application/json', { ifMatch: now.etag })) return;
      }
      warn(`finishing could not release its claim (the upload record changed meanwhile); the next finisher takes over when it ends`);
    } catch (error) {
      warn(`finishing could not record where it stopped (${toErrorReport(error).message})`);
    }
  };
  /** Near the deadline or after an error: the lease is given up and the next invocation resumes where the record says. */
  const handOn = async (record: UploadRecord, recordEtag: string, why: string) => {
    await release(record, recordEtag);
    inv.log.info('finishing handed on', { why });
    await args.startContinuation('finishing');
    return running();
  };
  const joining = await joinReport({
    store,
    bucket: stateBucket,
    dir,
    uploadName,
    record: claimed,
    etag: claimEtag,
    sources,
    stopAt: finishBy,
    log: inv.log,
  });
  if (joining.kind === 'lost')
    return { kind: 'notice', status: 'duplicate', correlation, reason: 'another invocation is finishing this upload' };
  if (joining.kind === 'unfinished') return handOn(joining.record, joining.etag, 'deadline');
  // A join error is tried again by the next finisher, at most MAX_JOIN_ATTEMPTS times in all (a part
  // that cannot be read, 404 or denied, fails every time): then the upload finishes without its CSV
  // report, with a warning, and its outcome stands.
  let withCsv = true;
  if (joining.kind === 'error') {
    const joined = joining.record.joined ?? claimed.joined;
    const attempts = (joined.errors ?? 0) + 1;
    warn(`the report could not be joined (attempt ${attempts} of ${MAX_JOIN_ATTEMPTS}): ${toErrorReport(joining.error).message}`);
    if (attempts < MAX_JOIN_ATTEMPTS) return handOn({ ...joining.record, joined: { ...joined, errors: attempts } }, joining.etag, 'error');
    warn(`the CSV report was not written: joining it failed ${attempts} times`);
    withCsv = false;
  }
  const finalizing = joining.record;
  const etag = joining.etag;
  const segments = finalizing.joined?.segments ?? [];
  // The segments are few (1 MiB each, at least): joining them is one PUT streaming a few GETs, started only when
  // it fits the time left (each GET as slow as the slowest round of reads); else the next invocation does it.
  // The writes after it (the JSON report, the record) are timed like the slowest flush of the join.
  const slowestReadMs = joining.kind === 'joined' ? joining.slowestReadMs : 0;
  const slowestWriteMs = joining.kind === 'joined' ? joining.slowestWriteMs : 0;
  const composeMs = 2 * slowestReadMs * Math.ceil(segments.length / READ_AHEAD) + 4 * slowestWriteMs + 500;
  if (withCsv && Date.now() + composeMs >= finishBy) return handOn(finalizing, etag, 'deadline');
  // --- Roster hook (run-roster.ts): the leaver phase, once, now that every row is settled.
  const rostered = args.roster ? await rosterPhase({ run: args.roster, inv, store, rowsOf: args.rowsOf }) : undefined;
  if (rostered?.kind === 'unfinished') {
    return rosterHandOff({
      outcome: rostered,
      store,
      bucket: stateBucket,
      name: uploadName,
      record: finalizing,
      etag,
      startContinuation: args.startContinuation,
      report: { ...settled, finishedAt: new Date().toISOString(), ...(warnings.length ? { warnings } : {}) },
      warn: (warning) => warnings.push(warning),
    });
  }
  const leaversFailed = (rostered?.summary.counts.failed ?? 0) > 0;
  const status: BatchReport['status'] = counts.failed > 0 || leaversFailed ? 'failed' : rostered?.kind === 'held' ? 'held' : 'complete';
  // --- end of roster hook
  const report: BatchReport = {
    ...settled,
    status,
    invocations: args.records.reduce((n, r) => n + r.value.invocations, 0),
    ...(rostered ? { roster: rostered.summary } : {}),
    finishedAt: new Date().toISOString(),
  };
  const taken = { kind: 'notice', status: 'duplicate', correlation, reason: 'another invocation is finishing this upload' } as const;
  // Still ours? A finisher that outlived its claim must not write the reports another one writes.
  const still = await store.readVersioned<UploadRecord>(stateBucket, uploadName).catch(() => undefined);
  if (still && still.etag !== etag) return taken;
  // Bookkeeping: the reports. If they cannot be written the outcome stands, with a warning.
  try {
    if (withCsv)
      await store.compose(
        source.bucket,
        reportObjects.csv,
        segments.map(({ name, size }) => ({ bucket: stateBucket, name, size })),
        'text/csv; charset=utf-8',
      );
    await store.write(source.bucket, reportObjects.json, JSON.stringify(report, null, 2), 'application/json');
  } catch (error) {
    warnings.push(`the report could not be written: ${toErrorReport(error).message}`);
  }
  const done: UploadRecord = {
    ...finalizing,
    status: status === 'complete' || status === 'held' ? status : 'failed',
    finishedAt: report.finishedAt,
    counts,
    callId: inv.callId,
    ...(rostered ? { roster: rosterProgress(rostered.summary, rostered.kind === 'held' ? 'held' : 'done') } : {}),
  };
  const { finalizer: _f, ...record } = done;
  const marked = await store
    .writeIf(stateBucket, uploadName, JSON.stringify(record), 'application/json', { ifMatch: etag })
    .catch((error: unknown) => {
      warnings.push(`the upload's progress could not be marked finished: ${toErrorReport(error).message}`);
      return 'unknown' as const;
    });
  // Refused: another finisher took the record over meanwhile; its summary is the one published.
  if (marked === undefined) return taken;
  const final = { ...report, ...(warnings.length ? { warnings } : {}) };
  const answer = final.status === 'complete' || final.status === 'held' ? final.status : 'failed';
  return { kind: 'batch', status: answer, correlation, report: final, final: true };
}
