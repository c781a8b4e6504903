import type { z } from 'zod';
import type { Problem } from '../support/errors';

/** Flattens every zod issue into `{ path, message }`, so a caller sees all problems at once. */
export function problemsOf(error: z.ZodError): Problem[] {
  return error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.join('.') : '(root)',
    message: issue.message,
  }));
}
