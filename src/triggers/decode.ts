import { type NewHire, parseNewHire } from '../core/new-hire';
import { ErrorCode, ValidationError } from '../support/errors';

/** The largest body accepted (OCI Functions caps an invoke body at 6 MB; one hire is far smaller). */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Decodes a direct invocation (an HR system through the invoke API, or `fn invoke`) into a new hire.
 * The FDK runs in string mode, so bad JSON is reported here rather than arriving as a string.
 */
export function decodeDirectEvent(body: unknown): NewHire {
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : undefined;
  if (text === undefined)
    throw new ValidationError(ErrorCode.InvalidEvent, 'The request body must be text', [{ path: '(body)', message: 'not text' }]);
  if (text.trim() === '')
    throw new ValidationError(ErrorCode.InvalidEvent, 'The request body is empty', [
      { path: '(body)', message: 'a new-hire JSON object is required' },
    ]);
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    throw new ValidationError(ErrorCode.InvalidEvent, 'The request body is too large', [
      { path: '(body)', message: `at most ${MAX_BODY_BYTES} bytes` },
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ValidationError(ErrorCode.InvalidEvent, 'The request body is not JSON', [
      { path: '(body)', message: (error as Error).message },
    ]);
  }
  return parseNewHire(json);
}
