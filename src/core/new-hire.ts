import { z } from 'zod';
import { ErrorCode, ValidationError } from '../support/errors';
import { problemsOf } from './validation';

/** Classic IAM user names: ASCII letters, digits and `. _ - + @`, at most 100 characters. */
export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._+@-]{0,99}$/;
const ANY_USER_NAME = /^[^\s\p{Cc}]{1,100}$/u;
const PERSON_NAME = /^[^\p{Cc}<>{}$]{1,100}$/u;

const newHireSchema = z
  .object({
    eventId: z
      .string()
      .regex(/^[\w.:@/-]{1,128}$/, 'must be 1-128 letters, digits or . _ : @ / -')
      .optional(),
    employeeId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits or . _ -'),
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
    dryRun: z.boolean().optional(),
  })
  .strict();

/** A new hire, as validated at the edge. */
export type NewHire = Readonly<z.infer<typeof newHireSchema>>;

/**
 * Validates untrusted input as a new-hire event; throws a ValidationError naming every bad field.
 * @example parseNewHire(JSON.parse(body))
 */
export function parseNewHire(input: unknown): NewHire {
  const parsed = newHireSchema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(ErrorCode.InvalidEvent, 'The new-hire event is not valid', problemsOf(parsed.error));
  }
  return Object.freeze(parsed.data);
}
