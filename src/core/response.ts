import type { BatchReport } from './batch-report';
import type { OnboardingResult } from './result';
import type { BatchAnswerStatus, NoticeStatus } from './status';

// What the function answers an invocation: one event's result, a batch's, or a notice. Each has a `kind`.

/** The result of a batch (a JSON array, or an uploaded file): its report, and the notification. */
export interface BatchResult {
  readonly kind: 'batch';
  /**
   * The report's status (status.ts), or `dry-run`. An upload whose work goes on elsewhere (`final: false`)
   * says its run record's word: `planning`, `running` or `finishing`.
   */
  readonly status: BatchAnswerStatus;
  readonly correlation: { readonly callId: string; readonly eventId?: string };
  readonly report: BatchReport;
  /**
   * False for an invocation that did part of an upload while others go on: only the invocation
   * that finishes the upload publishes its summary.
   */
  readonly final?: boolean;
  readonly notification?: OnboardingResult['notification'];
}

/** A delivery acknowledged without work: an event about something else, or a message already handled. */
export interface NoticeResult {
  readonly kind: 'notice';
  readonly status: NoticeStatus;
  readonly correlation: { readonly callId: string; readonly eventId?: string };
  readonly reason: string;
}

/** Everything the handler may answer. */
export type HandlerResult = OnboardingResult | BatchResult | NoticeResult;
