import { createHash } from 'node:crypto';

/**
 * Every object the upload engine writes, and its queue channel, named in one place. A run's objects
 * are in STATE_BUCKET under `.onboarding/runs/`: its record beside a folder of its own; the reports go
 * beside the uploaded file. Records are flat under one prefix, so that the sweep lists them alone.
 */

/** The prefix of every run record (`<id>.json`); a run's other objects are under `<id>/`. */
export const RUNS_PREFIX = '.onboarding/runs/';

/** A run's id: 40 hex digits of its key's hash. */
export const runIdOf = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 40);

/** The queue channel of a run: its work and nothing else. */
export const channelOf = (runId: string) => `run-${runId}`;

/** The run a channel belongs to, or undefined for a channel that is not a run's. */
export const runOfChannel = (channel: string) => /^run-([0-9a-f]{40})$/.exec(channel)?.[1];

export const recordName = (runId: string) => `${RUNS_PREFIX}${runId}.json`;

/** The run whose record this object name is, or undefined. */
export const runOfRecordName = (name: string) => /^\.onboarding\/runs\/([0-9a-f]{40})\.json$/.exec(name)?.[1];

const pad = (n: number) => String(n).padStart(5, '0');

const pad7 = (n: number) => String(n).padStart(7, '0');

/** A piece of a chunk's report lines (CSV, no header), named by the chunk and its first row only: a redo writes the same name. */
export const partName = (runId: string, round: number, chunk: number, from: number) =>
  `${RUNS_PREFIX}${runId}/parts/${pad(round)}-${pad(chunk)}-${pad7(from)}.csv`;

/** A done piece's summary (ChunkSummary), written after its part: that it exists means the piece is done. */
export const summaryName = (runId: string, round: number, chunk: number, from: number) =>
  `${RUNS_PREFIX}${runId}/chunks/${pad(round)}-${pad(chunk)}-${pad7(from)}.json`;

/** The IAM writes each row of a piece made, in this round and the rounds before (by line): a later round's lines name them too. */
export const writesName = (runId: string, round: number, chunk: number, from: number) =>
  `${RUNS_PREFIX}${runId}/writes/${pad(round)}-${pad(chunk)}-${pad7(from)}.json`;

/**
 * The writes of a piece's rows, by line, left by an invocation that ran out of time before the piece's
 * first row settled (the piece is done again from its start): the redo's lines name them.
 */
export const carriedName = (runId: string, round: number, chunk: number, from: number) =>
  `${RUNS_PREFIX}${runId}/carried/${pad(round)}-${pad(chunk)}-${pad7(from)}.json`;

/** Why a chunk's last delivery failed (overwritten by each failed delivery of any of its pieces). */
export const errorName = (runId: string, round: number, chunk: number) => `${RUNS_PREFIX}${runId}/errors/${pad(round)}-${pad(chunk)}.json`;

/** The report's header line, joined before the parts. */
export const headerName = (runId: string) => `${RUNS_PREFIX}${runId}/header.csv`;

/** The reports beside the uploaded file. */
export const reportNames = (object: string) => ({ json: `${object}.report.json`, csv: `${object}.report.csv` });
