// What `invoke` exits with, per result status, so that a script can tell the outcomes apart
// without parsing the response. Documented in the README's command table.
import { CommonExit } from './args';

/** Exit codes of `invoke` (0, 1 and 2 mean what they mean for every command). */
export const InvokeExit = {
  ...CommonExit,
  /** The event, or at least one row of a batch, was refused: nothing was written for it. */
  Rejected: 3,
  /**
   * The batch stopped at its deadline (sending it again does the rest), an upload's work goes on in other
   * invocations, or a roster's leavers wait for approval.
   */
  Partial: 4,
  /** Acknowledged without work: an event about something else, or one already handled. */
  NothingDone: 5,
} as const;

/**
 * The exit code for a function response: 0 only when everything asked for was done (or planned, for
 * a dry run). `httpStatus` is the FDK's answer; anything but 200 is a failure of the function itself.
 * @example exitCodeFor(200, { status: 'succeeded' }) // 0
 */
export function exitCodeFor(httpStatus: number, response: unknown): number {
  if (httpStatus !== 200 || typeof response !== 'object' || response === null) return InvokeExit.Failed;
  const { status, kind, report } = response as { status?: unknown; kind?: unknown; report?: { counts?: Record<string, number> } };
  switch (status) {
    case 'succeeded':
    case 'dry-run':
    case 'scheduled':
      return InvokeExit.Ok;
    case 'complete': {
      // A batch is complete when every row was tried; rows refused for bad data still make it short of success.
      const counts = kind === 'batch' ? (report?.counts ?? {}) : {};
      return (counts.rejected ?? 0) + (counts.unreadable ?? 0) > 0 ? InvokeExit.Rejected : InvokeExit.Ok;
    }
    case 'rejected':
      return InvokeExit.Rejected;
    case 'partial':
    case 'planning':
    case 'running':
    case 'finishing':
    case 'held':
      return InvokeExit.Partial;
    case 'ignored':
    case 'duplicate':
    case 'stale':
      return InvokeExit.NothingDone;
    default:
      return InvokeExit.Failed;
  }
}

/** The exit-code table for `--help` and the README. */
export const INVOKE_EXIT_CODES = [
  'exit codes:',
  '  0  succeeded; a batch complete with every row succeeded; dry-run; scheduled (a leaver whose day is to come)',
  '  1  failed (OCI or the function failed, or a batch row failed), or no result came back',
  '  2  bad argument or unreadable file: nothing was sent',
  '  3  rejected: the event, or a row of a complete batch, was refused (nothing written for it)',
  '  4  partial: the batch stopped at the deadline; send it again to do the rest; planning, running, finishing: an upload goes on in other invocations; held: a roster waits for approval',
  '  5  ignored, duplicate or stale (older than the last HR fact applied): nothing done by this call',
].join('\n');
