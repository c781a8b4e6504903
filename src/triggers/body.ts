import { decodeUtf8 } from '../core/files/utf8';
import { ErrorCode, ValidationError } from '../support/errors';

/** The OCI Functions invoke limit: the platform refuses a larger body before the function sees it. */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;

/**
 * The request body as bytes. The FDK runs in `buffer` mode: it joins the body's chunks as bytes, where
 * `string` mode appended each chunk as text, so a character split between two chunks became two U+FFFD.
 */
export function bodyBytes(input: unknown): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  return new Uint8Array(0);
}

/** Line and column (1-based, in characters) of a byte offset, for a person looking at the body. */
function whereIs(bytes: Uint8Array, index: number): string {
  const before = Buffer.from(bytes.buffer, bytes.byteOffset, index);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < before.length; i += 1) {
    if (before[i] === 0x0a) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${before.subarray(lineStart).toString('utf8').length + 1}`;
}

/**
 * The body as text: bounded first (nothing larger than the invoke limit is decoded), then decoded once
 * with a fatal UTF-8 decoder. Invalid UTF-8 is refused with its byte offset (`INVALID_EVENT`), never
 * turned into U+FFFD and written to IAM. A UTF-8 byte order mark is dropped.
 */
export function decodeBody(bytes: Uint8Array): string {
  if (bytes.length > MAX_BODY_BYTES)
    throw new ValidationError(ErrorCode.InvalidEvent, 'The request body is too large', [
      { path: '(body)', message: `is ${bytes.length} bytes; at most ${MAX_BODY_BYTES} (the OCI Functions invoke limit)` },
    ]);
  const decoded = decodeUtf8(bytes);
  if ('error' in decoded) {
    const { index, reason } = decoded.error;
    throw new ValidationError(ErrorCode.InvalidEvent, 'The request body is not valid UTF-8', [
      { path: '(body)', message: `${reason}, at byte offset ${index} (${whereIs(bytes, index)})` },
    ]);
  }
  return decoded.text.startsWith('\uFEFF') ? decoded.text.slice(1) : decoded.text;
}
