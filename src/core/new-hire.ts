import { z } from 'zod';
import { ErrorCode, type Problem, ValidationError } from '../support/errors';
import { nearest } from './policy/suggest';
import { illFormedText, problemsOf } from './validation';

/** Classic IAM user names: ASCII letters, digits and `. _ - + @`, at most 100 characters. */
export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._+@-]{0,99}$/;
// `\p{Cs}`: a lone surrogate (a JSON "\ud800" escape) is a code point to a `u` pattern, but no character.
const ANY_USER_NAME = /^[^\s\p{Cc}\p{Cs}]{1,100}$/u;
const PERSON_NAME = /^[^\p{Cc}\p{Cs}<>{}$]{1,100}$/u;

const EVENT_ID = z
  .string()
  .regex(/^[\w.:@/-]{1,128}$/, 'must be 1-128 letters, digits or . _ : @ / -')
  .optional();
const EMPLOYEE_ID = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits or . _ -');
/** How far ahead of this function's clock an HR system's clock may run. */
const CLOCK_SKEW_MS = 10 * 60_000;
/**
 * When HR produced the fact: ISO 8601 with an offset (`2026-12-01T09:30:00Z`, `…+01:00`). The newest fact
 * wins: an event older than the last one applied to the identity is answered `stale` and writes nothing.
 * A time in the future is refused (see `futureProblem`): recorded, it would make every real event after it look stale.
 */
export const OCCURRED_AT = z
  .string()
  .datetime({ offset: true, message: 'must be a time in ISO 8601 with an offset, e.g. 2026-12-01T09:30:00Z' })
  .transform((value) => new Date(value).toISOString());

/** An `occurredAt` that is well formed but later than `now` (and the skew allowed): a problem, else undefined. */
function futureProblem(input: unknown, now: number): Problem | undefined {
  const value = typeof input === 'object' && input !== null ? (input as { occurredAt?: unknown }).occurredAt : undefined;
  if (!OCCURRED_AT.safeParse(value).success || !(Date.parse(value as string) > now + CLOCK_SKEW_MS)) return undefined;
  return { path: 'occurredAt', message: 'must not be in the future' };
}

const newHireSchema = z
  .object({
    /** Optional: an event without `type` is a hire (a joiner, or a mover when the employee is known). */
    type: z.literal('hire').optional(),
    eventId: EVENT_ID,
    employeeId: EMPLOYEE_ID,
    // Each directory narrows this further (classic IAM: USER_NAME); an identity domain takes quotes too.
    userName: z.string().regex(ANY_USER_NAME, 'must be 1-100 characters without spaces or control characters'),
    email: z.string().max(254).email(),
    givenName: z.string().trim().regex(PERSON_NAME, 'must be 1-100 characters without control characters or < > { } $'),
    familyName: z.string().trim().regex(PERSON_NAME, 'must be 1-100 characters without control characters or < > { } $'),
    roles: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a role name: lower-case letters, digits, -'))
      .min(1, 'at least one role is required')
      .max(20, 'at most 20 roles')
      .refine((roles) => new Set(roles).size === roles.length, 'roles must not repeat'),
    compartment: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be a compartment name')
      .optional(),
    manager: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be an employee id')
      .optional(),
    startDate: z.string().date('must be a date, YYYY-MM-DD').optional(),
    occurredAt: OCCURRED_AT.optional(),
    dryRun: z.boolean().optional(),
  })
  .strict();

const leaverSchema = z
  .object({
    type: z.literal('leaver'),
    eventId: EVENT_ID,
    employeeId: EMPLOYEE_ID,
    /** The last day of work: sign-in is taken away on or after it. */
    effectiveDate: z.string().date('must be a date, YYYY-MM-DD'),
    reason: z.string().trim().regex(PERSON_NAME, 'must be 1-100 characters without control characters or < > { } $').optional(),
    occurredAt: OCCURRED_AT.optional(),
    dryRun: z.boolean().optional(),
  })
  .strict();

/** A new hire, as validated at the edge. */
export type NewHire = Readonly<z.infer<typeof newHireSchema>>;
/** Someone who left: found by employee id, disabled, stripped of catalog groups and credentials. */
export type Leaver = Readonly<z.infer<typeof leaverSchema>>;
/** An HR event: a hire (joiner or mover, decided by what OCI holds) or a leaver. */
export type HrEvent = { readonly kind: 'hire'; readonly hire: NewHire } | { readonly kind: 'leaver'; readonly leaver: Leaver };

/** Every problem of a zod error; a field that is not known names the known field it most likely meant. */
function problemsWithHints(error: z.ZodError, known: readonly string[]): Problem[] {
  const hints: Problem[] = [];
  for (const issue of error.issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    for (const key of issue.keys) {
      const [likely] = nearest(
        key,
        known.filter((k) => k !== 'type'),
        1,
      );
      hints.push({
        path: '(root)',
        message: `unknown field "${key}"${likely ? `; did you mean "${likely}"?` : `; known fields: ${known.join(', ')}`}`,
      });
    }
  }
  return [...problemsOf(error).filter((_problem, i) => error.issues[i]?.code !== 'unrecognized_keys'), ...hints];
}

/**
 * Parses with `schema`; throws a ValidationError naming every bad field, a string that is not
 * well-formed Unicode among them (whatever the field: none is written to OCI).
 */
function parseEvent<T extends z.ZodRawShape>(schema: z.ZodObject<T, 'strict'>, input: unknown, what: string, now: number) {
  const illFormed = illFormedText(input);
  const parsed = schema.safeParse(input);
  const future = futureProblem(input, now);
  if (parsed.success && illFormed.length === 0 && !future) return Object.freeze(parsed.data);
  const named = new Set(illFormed.map((p) => p.path));
  const others = parsed.success ? [] : problemsWithHints(parsed.error, Object.keys(schema.shape));
  const problems = [...others, ...(future ? [future] : [])].filter((p) => !named.has(p.path));
  throw new ValidationError(ErrorCode.InvalidEvent, `The ${what} event is not valid`, [...illFormed, ...problems]);
}

/**
 * Validates untrusted input as a new-hire event; throws a ValidationError naming every bad field.
 * `now` (epoch ms) is the clock an `occurredAt` must not be ahead of.
 * @example parseNewHire(JSON.parse(body))
 */
export function parseNewHire(input: unknown, now = Date.now()): NewHire {
  return parseEvent(newHireSchema, input, 'new-hire', now);
}

/**
 * Validates untrusted input as an HR event: `"type": "leaver"` is a leaver, anything else a hire.
 * @example parseHrEvent({ type: 'leaver', employeeId: 'E1', effectiveDate: '2026-12-31' })
 */
export function parseHrEvent(input: unknown, now = Date.now()): HrEvent {
  const type = typeof input === 'object' && input !== null ? (input as { type?: unknown }).type : undefined;
  if (type !== 'leaver') return { kind: 'hire', hire: parseNewHire(input, now) };
  return { kind: 'leaver', leaver: parseEvent(leaverSchema, input, 'leaver', now) };
}
