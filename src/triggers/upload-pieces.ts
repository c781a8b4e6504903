import type { ObjectStore } from '../core/ports';
import type { StepResult } from '../core/result';
import { summaryName, writesName } from '../core/run-objects';
import type { ChunkSummary, EarlierWrites, RunRecord } from '../core/upload-run';
import { isWritten } from '../core/writes';

/** The done pieces of one chunk in one round, in row order; `missingFrom`: the first row of the piece not done (none: all done). */
export interface ChunkPieces {
  readonly round: number;
  readonly summaries: readonly ChunkSummary[];
  readonly missingFrom?: number;
}

/** Follows a chunk's pieces from its first row: each summary names the next piece when its worker's deadline cut it. */
async function piecesIn(store: ObjectStore, bucket: string, record: RunRecord, chunk: number, round: number): Promise<ChunkPieces> {
  const summaries: ChunkSummary[] = [];
  let from = chunk * record.chunkRows;
  for (;;) {
    const summary = await store.readJson<ChunkSummary>(bucket, summaryName(record.id, round, chunk, from));
    if (!summary) return { round, summaries, missingFrom: from };
    summaries.push(summary);
    if (summary.next === undefined) return { round, summaries };
    from = summary.next;
  }
}

/** A chunk's pieces as the run stands: of this round for a chunk it works, of the last round that worked it for the others. */
export async function latestPieces(store: ObjectStore, bucket: string, record: RunRecord, chunk: number): Promise<ChunkPieces> {
  if (!record.redo || record.redo.includes(chunk)) return piecesIn(store, bucket, record, chunk, record.round);
  for (let round = record.round - 1; round >= 1; round -= 1) {
    const pieces = await piecesIn(store, bucket, record, chunk, round);
    if (pieces.summaries.length > 0) return pieces;
  }
  return piecesIn(store, bucket, record, chunk, record.round);
}

/** Every chunk's pieces, in chunk order, read a few chunks at once. */
export async function allPieces(store: ObjectStore, bucket: string, record: RunRecord, readAhead = 8): Promise<ChunkPieces[]> {
  const out: ChunkPieces[] = [];
  for (let i = 0; i < record.chunks; i += readAhead) {
    const chunks = Array.from({ length: Math.min(readAhead, record.chunks - i) }, (_, k) => i + k);
    out.push(...(await Promise.all(chunks.map((chunk) => latestPieces(store, bucket, record, chunk)))));
  }
  return out;
}

/** What each row of a chunk wrote in the rounds before this one (the last round that worked it holds them all), by line. */
export async function earlierWrites(
  store: ObjectStore,
  bucket: string,
  record: RunRecord,
  chunk: number,
): Promise<Map<number, EarlierWrites>> {
  const found = new Map<number, EarlierWrites>();
  for (let round = record.round - 1; round >= 1; round -= 1) {
    const pieces = await piecesIn(store, bucket, record, chunk, round);
    if (pieces.summaries.length === 0) continue;
    for (const piece of pieces.summaries) {
      if (!piece.wrote) continue;
      const rows = await store.readJson<Record<string, EarlierWrites>>(bucket, writesName(record.id, round, chunk, piece.from));
      for (const [line, wrote] of Object.entries(rows ?? {})) found.set(Number(line), wrote);
    }
    return found;
  }
  return found;
}

/**
 * The group and policy writes of the rounds before this one, for every chunk: a later round finds them
 * done (unchanged) and says nothing of them, yet they are writes of this upload, and its report names
 * them. (A chunk a round did not work has no summary of that round: one read finds it.)
 */
export async function earlierSharedWrites(store: ObjectStore, bucket: string, record: RunRecord, readAhead = 8): Promise<StepResult[]> {
  const steps: StepResult[] = [];
  for (let round = 1; round < record.round; round += 1)
    for (let i = 0; i < record.chunks; i += readAhead) {
      const chunks = Array.from({ length: Math.min(readAhead, record.chunks - i) }, (_, k) => i + k);
      const pieces = await Promise.all(chunks.map((chunk) => piecesIn(store, bucket, record, chunk, round)));
      for (const piece of pieces) for (const summary of piece.summaries) steps.push(...summary.shared.filter(isWritten));
    }
  return steps;
}
