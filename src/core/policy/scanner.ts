import { PolicySyntaxError } from './errors';

export type TokenKind = 'word' | 'string' | 'pattern' | 'punct' | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** The text as written (quotes and slashes included). */
  readonly raw: string;
  /** The value: a string without its quotes, a pattern without its slashes, a word as written. */
  readonly value: string;
  /** 1-based column of the first character. */
  readonly column: number;
}

const WORD = /[A-Za-z0-9_.:@$*+-]/;
const CURLY_QUOTES = /[\u2018\u2019\u201C\u201D]/;

/**
 * Splits one statement into tokens. A `/` right after `=`, `!=` or inside a `(…)` value list starts a
 * pattern (`/dev-*\/`); anywhere else it separates an identity domain from a group name.
 */
export function scan(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, raw: string, value: string, start: number) => tokens.push({ kind, raw, value, column: start + 1 });
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    const start = i;
    if (CURLY_QUOTES.test(c)) {
      const close = text.slice(i + 1).search(CURLY_QUOTES);
      const quoted = close < 0 ? undefined : `'${text.slice(i + 1, i + 1 + close)}'`;
      throw new PolicySyntaxError(start + 1, `curly quote "${c}" is not a quote in a policy`, ['a straight quote \' or "'], quoted);
    }
    if (c === "'" || c === '"') {
      const close = text.indexOf(c, i + 1);
      if (close < 0) throw new PolicySyntaxError(start + 1, 'unterminated quoted text', [`a closing ${c}`]);
      push('string', text.slice(i, close + 1), text.slice(i + 1, close), start);
      i = close + 1;
      continue;
    }
    const previous = tokens.at(-1);
    if (
      c === '/' &&
      previous?.kind === 'punct' &&
      ['=', '!=', '(', ','].includes(previous.value) &&
      (previous.value !== ',' || inValueList(tokens))
    ) {
      const close = text.indexOf('/', i + 1);
      if (close < 0) throw new PolicySyntaxError(start + 1, 'unterminated pattern', ['a closing /']);
      push('pattern', text.slice(i, close + 1), text.slice(i + 1, close), start);
      i = close + 1;
      continue;
    }
    if (c === '=' && text[i + 1] === '=') throw new PolicySyntaxError(start + 1, '"==" is not an operator', ['=', '!='], '=');
    if (c === '!' && text[i + 1] === '=') {
      push('punct', '!=', '!=', start);
      i += 2;
      continue;
    }
    if (c === '<' || c === '>')
      throw new PolicySyntaxError(start + 1, `"${c}" is not an operator`, ['=', '!=', 'before', 'after'], c === '<' ? 'before' : 'after');
    if ('{},()/='.includes(c)) {
      push('punct', c, c, start);
      i += 1;
      continue;
    }
    if (WORD.test(c)) {
      let end = i;
      while (end < text.length && WORD.test(text[end] ?? '')) end += 1;
      push('word', text.slice(i, end), text.slice(i, end), start);
      i = end;
      continue;
    }
    throw new PolicySyntaxError(start + 1, `unexpected character "${c}"`, ['a word, a quoted name, or one of { } ( ) , = != /']);
  }
  tokens.push({ kind: 'end', raw: '', value: '', column: text.length + 1 });
  return tokens;
}

/** Whether the tokens so far leave an opening parenthesis unclosed (a value list such as `in ('a', /b*\/)`). */
function inValueList(tokens: readonly Token[]): boolean {
  let depth = 0;
  for (const token of tokens) {
    if (token.kind !== 'punct') continue;
    if (token.value === '(') depth += 1;
    else if (token.value === ')') depth -= 1;
  }
  return depth > 0;
}
