import { z } from 'zod';
import { ErrorCode, type ErrorReport } from '../support/errors';
import type { RowResult } from './batch';
import type { StepResult } from './result';
import type { RosterProgress } from './roster';
import type { RunStatus } from './status';
import { isWritten, rowWrites } from './writes';

/**
 * One upload's run on OCI Queue, as data: the run record (written once by the delivery that plans the
 * run, then changed only with `if-match`), the messages its work is made of, and what a done chunk
 * leaves behind. Object names are in run-objects.ts; the engine itself in src/triggers/upload-*.ts.
 */

/** Where a batch came from, for its reports and its summary. */
export interface BatchSource {
  readonly bucket: string;
  readonly object: string;
  readonly md5: string;
}

export interface UploadCounts {
  readonly succeeded: number;
  readonly failed: number;
  readonly rejected: number;
  readonly unreadable: number;
}

/** The record of one run: small at any file size. */
export interface RunRecord {
  /** 40 hex digits of the run key's hash: names the run's objects and its queue channel. */
  readonly id: string;
  readonly key: string;
  readonly namespace: string;
  readonly source: BatchSource;
  readonly contentType?: string;
  /**
   * `planning`: the record exists and the chunk messages are being put; `running`: workers take chunks;
   * `finishing`: every chunk is settled and one `finish` message is on the channel; `held`, `complete`
   * and `failed` end a round (a delivery of the event after `failed` starts the next). See status.ts.
   */
  readonly status: RunStatus;
  /** Rows in the file (readable or not), and how they are cut into chunks (by their order in the file). */
  readonly rows: number;
  readonly chunkRows: number;
  readonly chunks: number;
  /** 1 for the first delivery; a delivery after `failed` starts the next, retrying the chunks with failed rows. */
  readonly round: number;
  /** Rounds after the first: the chunks put again (those with failed rows); the others stand as done. */
  readonly redo?: readonly number[];
  readonly startedAt: string;
  /** The invocation that last changed the run's status. */
  readonly callId: string;
  /** While `planning`: the planner's deadline (epoch ms); a delivery after it plans again. */
  readonly planningUntil?: number;
  /** A roster run: its id and day. */
  readonly rosterRun?: { readonly runId: string; readonly day: string };
  /** A roster run's leaver phase as last decided (held: the breaker's decision). */
  readonly roster?: RosterProgress;
  readonly finishedAt?: string;
  readonly counts?: UploadCounts;
  /** Why the run ended before every row was done (the file was replaced meanwhile). */
  readonly stopped?: string;
}

/**
 * The work of a run: one message per chunk of rows (chunk `n` holds rows `n × chunkRows` onwards,
 * counted from 0 in file order), and its one `finish`. A chunk cut short by a worker's deadline leaves
 * a done piece and a message for the rest of it, starting at row `from`.
 */
const ChunkMessageSchema = z
  .object({
    kind: z.literal('chunk'),
    run: z.string().regex(/^[0-9a-f]{40}$/),
    round: z.number().int().positive(),
    chunk: z.number().int().nonnegative(),
    from: z.number().int().nonnegative().optional(),
    /** The piece before this one (its `from`): its summary says which rows of this piece it settled already. */
    after: z.number().int().nonnegative().optional(),
  })
  .strict();
const FinishMessageSchema = z
  .object({ kind: z.literal('finish'), run: z.string().regex(/^[0-9a-f]{40}$/), round: z.number().int().positive() })
  .strict();
const WorkMessageSchema = z.discriminatedUnion('kind', [ChunkMessageSchema, FinishMessageSchema]);
export type WorkMessage = z.infer<typeof WorkMessageSchema>;

/** A message's content, decoded; undefined for anything else (a stray message on the channel is deleted, never acted on). */
export function decodeWorkMessage(content: string): WorkMessage | undefined {
  try {
    const parsed = WorkMessageSchema.safeParse(JSON.parse(content));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A failed row, as the report and the summary list it. */
export interface FailedRow {
  readonly line: number;
  readonly employeeId?: string;
  readonly userName?: string;
  /** The user, when the attempt found or created it. */
  readonly userId?: string;
  /** Every IAM write the row made (writes.ts). */
  readonly writes?: readonly string[];
  readonly retryable: boolean;
  readonly error: Pick<ErrorReport, 'code' | 'message'> & { readonly step?: string; readonly target?: string };
}

/**
 * What a done piece of a chunk (rows `from` to the chunk's end, or to `next`) leaves beside its report
 * part: written after the part, so that it exists means the piece is done.
 */
export interface ChunkSummary {
  readonly chunk: number;
  readonly round: number;
  /** The piece's first row (counted from 0 in file order). */
  readonly from: number;
  /** The piece was cut by its worker's deadline: the rest of the chunk is the piece starting at this row. */
  readonly next?: number;
  /**
   * Rows at or after `next` (counted from 0 in file order) that this piece settled, because rows in
   * flight end in any order: the next piece skips them.
   */
  readonly skip?: readonly number[];
  /** Rows at or after `next` that wrote before the deadline cut them, by line: the next piece's lines name those writes. */
  readonly carry?: Readonly<Record<string, EarlierWrites>>;
  readonly counts: UploadCounts;
  /** The first few failed rows (every one is a line of the part). */
  readonly failures: readonly FailedRow[];
  /** Group and policy steps that changed something or failed. */
  readonly shared: readonly StepResult[];
  /** Bytes of the chunk's report part (the report joins parts without looking each one up). */
  readonly partBytes: number;
  /** Its rows' IAM writes are in the piece's writes object (run-objects.ts `writesName`). */
  readonly wrote?: boolean;
  /** The chunk went to the dead-letter queue: its rows are failed with this reason. */
  readonly deadLettered?: string;
}

/** What a try of a piece that settled no row wrote (run-objects.ts `carriedName`): its redo's lines and summary name it. */
export interface CarriedWrites {
  readonly rows: Readonly<Record<string, EarlierWrites>>;
  readonly shared: readonly StepResult[];
  /** Tries of the piece that wrote something but settled no row, each put back as a new message. */
  readonly redos?: number;
}

/** A chunk message's content. */
export const chunkMessage = (run: string, round: number, chunk: number, from?: number, after?: number) =>
  JSON.stringify({ kind: 'chunk', run, round, chunk, ...(from !== undefined ? { from } : {}), ...(after !== undefined ? { after } : {}) });

/** Two accounts of a row's writes, the older first. */
export function joinWrites(older: EarlierWrites | undefined, newer: EarlierWrites | undefined): EarlierWrites | undefined {
  if (!older) return newer;
  if (!newer) return older;
  const userId = newer.userId ?? older.userId;
  return { writes: [...older.writes, ...newer.writes], ...(userId ? { userId } : {}) };
}

/** The IAM writes of a row in earlier rounds, and the user they found or made. */
export interface EarlierWrites {
  readonly writes: readonly string[];
  readonly userId?: string;
}

/** A row result with what its attempts in earlier rounds wrote: its report line names every write of the run. */
export function withEarlierWrites(row: RowResult, earlier: EarlierWrites | undefined): RowResult {
  if (!earlier || earlier.writes.length === 0) return row;
  const userId = row.userId ?? earlier.userId;
  return { ...row, ...(userId ? { userId } : {}), earlierWrites: [...earlier.writes, ...(row.earlierWrites ?? [])] };
}

/** Failed rows a chunk summary lists. */
export const MAX_SAMPLED_FAILURES = 10;
/** At most this many chunks: the finisher reads every summary. */
export const MAX_CHUNKS = 400;

/** The key of an upload's run (not a roster's): the object and its content, so the same bytes are one run. */
export const uploadKey = (bucket: string, object: string, md5: string) => `upload:${bucket}/${object}#${md5}`;

/** The error of a pinned read that finds the file replaced (caught: the run ends with `replacedReason`). */
export const SOURCE_CHANGED_MESSAGE = 'the file changed while it was processed: upload it again';

/** Why a run ended before its rows were done: its file was replaced (shown to people, kept short). */
export const replacedReason = (notProcessed: number) =>
  `the file was replaced while it was processed; ${notProcessed} row${notProcessed === 1 ? '' : 's'} of the earlier content were not processed; the new content is processed by its own run`;

/** Chunk size for a file of `rows` rows: `configured` rows, or more when that would make more than MAX_CHUNKS. */
export function chunkRowsFor(rows: number, configured: number): number {
  return Math.max(configured, Math.ceil(rows / MAX_CHUNKS));
}

/** The failed-row entry for a row result. */
export function failedRow(row: RowResult): FailedRow {
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
    error: {
      code: error?.code ?? ErrorCode.Internal,
      message: (error?.message ?? step?.reason ?? 'failed').slice(0, 300),
      ...(step ? { step: step.step, target: step.target } : {}),
    },
  };
}

/** The totals of a run from its chunk summaries. */
export function totals(summaries: readonly Pick<ChunkSummary, 'counts'>[]): UploadCounts {
  return summaries.reduce(
    (sum, s) => ({
      succeeded: sum.succeeded + s.counts.succeeded,
      rejected: sum.rejected + s.counts.rejected,
      unreadable: sum.unreadable + s.counts.unreadable,
      failed: sum.failed + s.counts.failed,
    }),
    { succeeded: 0, rejected: 0, unreadable: 0, failed: 0 },
  );
}

/**
 * Group and policy steps worth reporting: every write, once (chunks of one invocation hold the same
 * steps), and a target's failure when nothing wrote or found it unchanged after it.
 */
export function mergeShared(summaries: readonly { shared: readonly StepResult[] }[]): StepResult[] {
  const writes = new Map<string, StepResult>();
  const failures = new Map<string, StepResult>();
  for (const s of summaries)
    for (const step of s.shared) {
      const target = `${step.step}:${step.target}`;
      if (isWritten(step)) {
        writes.set(`${target}:${step.outcome}:${step.ocid ?? ''}:${step.changes?.join(',') ?? ''}`, step);
        failures.delete(target);
      } else if (step.outcome === 'unchanged') failures.delete(target);
      else failures.set(target, step);
    }
  return [...writes.values(), ...failures.values()];
}
