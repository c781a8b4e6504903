import { readStatement } from '@oci-iam-onboarding/local-oci/authz/policy-language';
import { parseStatement } from '../../src/core/policy/parser';

// The function's policy parser (src/core/policy) and the local OCI's own reader
// (src/local-oci/authz/policy-language.ts) are written apart, so that a parser bug in one cannot hide
// in the other. Each is reduced to one comparable text per statement: what it read, or that it refused.

/** What a reader made of one statement: its meaning as canonical JSON, or `refused`. */
export type Reading = (text: string) => string;

const POSITION_KEYS = new Set(['column', 'resourceColumn', 'withResourceColumn']);

/** JSON with sorted keys and without the column numbers only the function's parser keeps (for messages). */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([k]) => !POSITION_KEYS.has(k))
            .sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

const guarded =
  (read: (text: string) => unknown): Reading =>
  (text) => {
    try {
      return canonical(read(text));
    } catch {
      return 'refused';
    }
  };

export const functionParser: Reading = guarded((text) => parseStatement(text).statement);
export const localOciReader: Reading = guarded(readStatement);

/** Every statement on which the two readings differ, with what each made of it. */
export function disagreements(statements: Iterable<string>, one: Reading, other: Reading): string[] {
  return [...new Set(statements)].flatMap((text) => {
    const a = one(text);
    const b = other(text);
    return a === b ? [] : [`${text}\n  function parser: ${a}\n  local OCI:       ${b}`];
  });
}
