import type { z } from 'zod';
import type { Problem } from '../support/errors';

/** Flattens every zod issue into `{ path, message }`, so a caller sees all problems at once. */
export function problemsOf(error: z.ZodError): Problem[] {
  return error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.join('.') : '(root)',
    message: issue.message,
  }));
}

/** A surrogate code unit that is not half of a pair (in `u` mode a pair is one code point, never `Cs`). */
const LONE_SURROGATE = /\p{Cs}/u;
/** How deep the look goes: every event and row is a flat object whose deepest values are strings in an array. */
const MAX_DEPTH = 4;

/**
 * Every string of untrusted input (values and field names) that is not well-formed Unicode: a lone
 * surrogate, such as a JSON `"\ud800"` escape, is no character. Patterns with the `u` flag accept it as
 * a code point, so it would otherwise reach OCI as a name, a description or a tag.
 * @example illFormedText({ givenName: 'Ad\ud800' }) // [{ path: 'givenName', message: … }]
 */
export function illFormedText(input: unknown): Problem[] {
  const problems: Problem[] = [];
  const visit = (value: unknown, path: readonly string[]) => {
    const where = path.length > 0 ? path.join('.') : '(root)';
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value))
        problems.push({ path: where, message: 'holds a lone surrogate (an unpaired \\ud800-\\udfff): not well-formed Unicode' });
      return;
    }
    if (typeof value !== 'object' || value === null || path.length >= MAX_DEPTH) return;
    for (const [key, child] of Object.entries(value)) {
      if (LONE_SURROGATE.test(key)) problems.push({ path: where, message: 'a field name holds a lone surrogate: not well-formed Unicode' });
      else visit(child, [...path, key]);
    }
  };
  visit(input, []);
  return problems;
}
