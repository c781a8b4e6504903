import { readCsv } from './files/csv';
import { readJsonArray } from './files/json-array';
import { readNdjson } from './files/ndjson';
import { DEFAULT_FILE_LIMITS, type FileLimits, type HiresFormat, type ReadRow } from './files/rows';

export {
  DEFAULT_FILE_LIMITS,
  type FileLimits,
  type FileRow,
  type HiresFormat,
  isUnreadable,
  type ReadRow,
  type UnreadableRow,
} from './files/rows';

/** Decides the format from the object name, then the content type. */
export function formatOf(name: string, contentType: string | undefined): HiresFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'ndjson';
  if (lower.endsWith('.json')) return 'json';
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('csv')) return 'csv';
  if (type.includes('ndjson') || type.includes('jsonl')) return 'ndjson';
  if (type.includes('json')) return 'json';
  return undefined;
}

/**
 * Reads the rows of an uploaded file from its raw bytes as they stream in, one row at a time: memory
 * stays bounded by the limits whatever the file holds. Every way a row or the file can be wrong comes
 * out as an `UnreadableRow`; only a failure of `bytes` itself (the object store) is thrown.
 */
export function readHires(
  format: HiresFormat,
  bytes: AsyncIterable<Uint8Array>,
  limits: Partial<FileLimits> = {},
): AsyncGenerator<ReadRow> {
  const bounds: FileLimits = { ...DEFAULT_FILE_LIMITS, ...limits };
  if (format === 'csv') return readCsv(bytes, bounds);
  if (format === 'ndjson') return readNdjson(bytes, bounds);
  return readJsonArray(bytes, bounds);
}
