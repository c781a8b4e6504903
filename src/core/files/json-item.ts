import type { Problem } from '../../support/errors';
import { type FileLimits, rowProblem } from './rows';
import { decodeUtf8 } from './utf8';

export type ParsedItem = { readonly input: Record<string, unknown> } | { readonly problems: readonly Problem[] };

const isSpace = (b: number | undefined) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Deepest nesting of JSON brackets outside strings, found without parsing (so without recursion). */
export function jsonDepth(bytes: Uint8Array): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i += 1) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i += 1;
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (b === 0x7d || b === 0x5d) depth -= 1;
  }
  return deepest;
}

function kindOf(first: number | undefined): string {
  if (first === 0x5b) return 'an array';
  if (first === 0x22) return 'a string';
  if (first === 0x74 || first === 0x66) return 'a boolean';
  if (first === 0x6e) return 'null';
  if (first !== undefined && (first === 0x2d || (first >= 0x30 && first <= 0x39))) return 'a number';
  return 'not JSON';
}

/**
 * One hire's JSON from its bytes (a JSON array item, an NDJSON line): decoded with a fatal UTF-8
 * decoder, parsed, and checked to be an object within the limits. Every way it can be wrong is a
 * problem of the row, never an exception.
 */
export function parseHireBytes(bytes: Uint8Array, limits: FileLimits): ParsedItem {
  let start = 0;
  while (isSpace(bytes[start])) start += 1;
  if (bytes[start] !== 0x7b) {
    const kind = kindOf(bytes[start]);
    return { problems: [rowProblem('(row)', kind === 'not JSON' ? 'is not JSON' : `is ${kind}, not a hire (a JSON object)`)] };
  }
  const depth = jsonDepth(bytes);
  if (depth > limits.maxDepth) return { problems: [rowProblem('(row)', `is nested ${depth} deep; at most ${limits.maxDepth} are read`)] };
  const decoded = decodeUtf8(bytes);
  if ('error' in decoded)
    return {
      problems: [rowProblem('(row)', `is not valid UTF-8: ${decoded.error.reason}, at byte ${decoded.error.index + 1} of the row`)],
    };
  let value: unknown;
  try {
    value = JSON.parse(decoded.text);
  } catch (error) {
    return { problems: [rowProblem('(row)', `is not JSON: ${(error as Error).message}`)] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { problems: [rowProblem('(row)', 'is not a hire (a JSON object)')] };
  const keys = Object.keys(value).length;
  if (keys > limits.maxFieldsPerRow)
    return { problems: [rowProblem('(row)', `has ${keys} fields; at most ${limits.maxFieldsPerRow} are read`)] };
  return { input: value as Record<string, unknown> };
}
