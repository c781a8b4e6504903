/** A statement that does not parse: where, what was expected, and a likely fix. */
export class PolicySyntaxError extends Error {
  constructor(
    /** 1-based column in the statement. */
    readonly column: number,
    readonly reason: string,
    readonly expected: readonly string[],
    readonly suggestion?: string,
  ) {
    super(
      `${reason}${expected.length > 0 ? `; expected ${expected.join(' or ')}` : ''}${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
    );
    this.name = 'PolicySyntaxError';
  }
}
