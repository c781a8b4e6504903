import type { Problem } from '../../support/errors';

/**
 * A row of an uploaded file, read but not yet validated. `line` is the row's number and its key for
 * resuming: unique and strictly increasing within a file, the same on every read of the same bytes.
 * CSV and NDJSON number rows by the 1-based line the row starts on; a JSON array numbers its items
 * from 1 whatever its layout (one line or many), and `label` says where in the file the item starts.
 */
export interface FileRow {
  readonly line: number;
  /** Where a person finds the row: `line 7`, or `item 3 (line 12)`. */
  readonly label: string;
  readonly input: unknown;
}

/** A row that could not be read as a record: a CSV row of the wrong width, bad JSON, invalid UTF-8, a limit passed. */
export interface UnreadableRow {
  readonly line: number;
  readonly label: string;
  readonly problems: readonly Problem[];
  /**
   * Set when the reader stopped here: the file cannot be read past this point (a broken quote or
   * bracket, a limit on the whole file). Nothing after it was read; rows before it stand.
   */
  readonly endsFile?: true;
}

export type ReadRow = FileRow | UnreadableRow;
export type HiresFormat = 'csv' | 'json' | 'ndjson';

export const isUnreadable = (row: ReadRow): row is UnreadableRow => 'problems' in row;

/** Bounds counted while a file streams, so that no input, however shaped, holds more than these in memory. */
export interface FileLimits {
  /** Bytes of the whole file (the upload limit; checked again as the bytes arrive). */
  readonly maxBytes: number;
  /** Rows, readable or not. */
  readonly maxRows: number;
  /** Unreadable rows before the reader gives up on the file: a file that is mostly broken is refused, not listed. */
  readonly maxUnreadableRows: number;
  /** Fields of one CSV row, keys of one JSON hire. */
  readonly maxFieldsPerRow: number;
  /** Bytes of one CSV field. */
  readonly maxFieldBytes: number;
  /** Bytes of one row: a CSV record, an NDJSON line, a JSON array item. */
  readonly maxRowBytes: number;
  /** Nesting of brackets inside one JSON row (a hire needs 2: the object and its roles). */
  readonly maxDepth: number;
}

/**
 * Generous for a hire (a row is under 2 KB, with about ten fields), small enough that a hostile row
 * costs little. 200,000 rows of the shortest possible hire fill about the 10 MB upload limit.
 */
export const DEFAULT_FILE_LIMITS: FileLimits = Object.freeze({
  maxBytes: 10 * 1024 * 1024,
  maxRows: 200_000,
  maxUnreadableRows: 1000,
  maxFieldsPerRow: 64,
  maxFieldBytes: 8 * 1024,
  maxRowBytes: 64 * 1024,
  maxDepth: 16,
});

/** One problem for a row. */
export const rowProblem = (path: string, message: string): Problem => ({ path, message });

/**
 * Counts rows as a reader yields them and says when a limit of the whole file is passed; the reader
 * then yields the returned row (marked `endsFile`) and stops.
 */
export class RowBudget {
  private rows = 0;
  private unreadable = 0;
  private bytes = 0;

  constructor(readonly limits: FileLimits) {}

  /** Counts bytes as they arrive; a problem once the file is larger than allowed. */
  addBytes(count: number): string | undefined {
    this.bytes += count;
    return this.bytes > this.limits.maxBytes ? `the file is larger than ${this.limits.maxBytes} bytes; the rest is not read` : undefined;
  }

  /** Counts a row about to be yielded; a problem when it is one too many. */
  addRow(unreadable: boolean): string | undefined {
    this.rows += 1;
    if (unreadable) this.unreadable += 1;
    if (this.rows > this.limits.maxRows) return `the file has more than ${this.limits.maxRows} rows; the rest is not read`;
    if (this.unreadable > this.limits.maxUnreadableRows)
      return `more than ${this.limits.maxUnreadableRows} rows could not be read; the rest of the file is not read: fix the file and upload it again`;
    return undefined;
  }
}

/** The row that ends a file early. */
export const endOfFile = (line: number, label: string, message: string): UnreadableRow => ({
  line,
  label,
  problems: [rowProblem('(file)', message)],
  endsFile: true,
});
