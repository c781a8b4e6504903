import type { OnboardingResult, StepResult } from './result';

/** ONS accepts at most 64 KB per message body. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
const MAX_TITLE_CHARS = 128;
/** ONS counts the title in its 64 KB; a title of MAX_TITLE_CHARS takes at most 4 bytes a character. */
const MAX_BODY_BYTES = MAX_MESSAGE_BYTES - 4 * MAX_TITLE_CHARS;

/** A short subject line, e.g. `Onboarding succeeded: jane.doe (E1001), 5 created, 0 failed`. */
export function notificationTitle(result: OnboardingResult): string {
  const who = result.userName ? `${result.userName}${result.employeeId ? ` (${result.employeeId})` : ''}` : 'unknown hire';
  const title = `Onboarding ${result.status}: ${who}, ${result.counts.created + result.counts.updated + result.counts.added + result.counts.removed} changed, ${result.counts.failed} failed`;
  return title.length > MAX_TITLE_CHARS ? `${title.slice(0, MAX_TITLE_CHARS - 1)}…` : title;
}

function line(step: StepResult): string {
  const detail = [
    step.changes?.length ? `(${step.changes.join(', ')})` : '',
    step.reason ?? '',
    step.error?.opcRequestId ? `[opc-request-id ${step.error.opcRequestId}]` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return `  ${step.outcome.padEnd(9)} ${step.step.padEnd(16)} ${step.target}${detail ? ` — ${detail}` : ''}`;
}

/**
 * The message body: a summary a person reads in an e-mail, then the machine-readable result.
 * Kept under ONS's 64 KB limit by dropping step details (never the counts) when needed.
 */
export function notificationBody(result: OnboardingResult): string {
  const human = [
    `Onboarding of ${result.userName ?? 'an unknown hire'}${result.employeeId ? ` (employee ${result.employeeId})` : ''}: ${result.status}`,
    result.userId ? `OCI user: ${result.userId}` : '',
    '',
    ...result.steps.map(line),
    ...result.errors.map((e) => `  error ${e.code}: ${e.message}${e.opcRequestId ? ` [opc-request-id ${e.opcRequestId}]` : ''}`),
    '',
    `Call id ${result.correlation.callId}${result.correlation.eventId ? `, event id ${result.correlation.eventId}` : ''}.`,
    '',
    '--- result (JSON) ---',
  ]
    .filter((text, i, all) => text !== '' || all[i - 1] !== '')
    .join('\n');
  const full = `${human}\n${JSON.stringify(result)}`;
  if (Buffer.byteLength(full, 'utf8') <= MAX_BODY_BYTES) return full;
  const trimmed = {
    ...result,
    steps: result.steps.filter((s) => s.outcome === 'failed').slice(0, 50),
    stepsOmitted: true,
  };
  return `${human.split('\n')[0]}\n(step list too long for one message; failed steps only)\n--- result (JSON) ---\n${JSON.stringify(trimmed)}`.slice(
    0,
    MAX_MESSAGE_BYTES / 2,
  );
}
