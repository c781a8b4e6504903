import { describe, expect, it } from 'vitest';
import { checkStatement, RULES } from '../../src/core/policy/lint';
import { normaliseStatement, renderNormal } from '../../src/core/policy/normal-form';
import { parseStatement } from '../../src/core/policy/parser';
import { readFixture } from '../helpers';

interface Entry {
  readonly statement: string;
  readonly source: string;
  readonly class: 'valid' | 'dangerous' | 'broken';
  readonly rule?: keyof typeof RULES;
  readonly column?: number;
}

const corpus = (JSON.parse(readFixture('policies', 'outside-corpus.json')) as { statements: Entry[] }).statements;
const ofClass = (c: Entry['class']) => corpus.filter((e) => e.class === c);

describe('the linter on policies written by others (Oracle documentation and landing zones)', () => {
  it('has a corpus of at least 300 statements, each with its source, in every class', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    expect(corpus.every((e) => /^https:\/\/(docs\.oracle\.com|github\.com)\//.test(e.source))).toBe(true);
    expect(ofClass('dangerous').length).toBeGreaterThanOrEqual(20);
    expect(ofClass('broken').length).toBeGreaterThanOrEqual(20);
  });

  it('reports no error and no warning on any valid statement', () => {
    // Act
    const noisy = ofClass('valid').flatMap((e) =>
      checkStatement(e.statement).map((f) => `${f.rule}@${f.column}: ${e.statement} (${e.source})`),
    );
    // Assess: every false finding listed at once
    expect(noisy).toEqual([]);
  });

  it('reports every dangerous or broken statement with the expected rule at the expected column', () => {
    const missed = [...ofClass('dangerous'), ...ofClass('broken')].flatMap((e) => {
      const findings = checkStatement(e.statement);
      const match = findings.find((f) => f.rule === e.rule && f.column === e.column);
      return match ? [] : [`${e.rule}@${e.column}: ${e.statement} got ${JSON.stringify(findings)}`];
    });
    expect(missed).toEqual([]);
  });

  it('gives every valid statement a normal form that parses back to itself', () => {
    const unstable = ofClass('valid').flatMap((e) => {
      const normal = normaliseStatement(e.statement);
      return renderNormal(parseStatement(normal).statement) === normal ? [] : [`${e.statement} -> ${normal}`];
    });
    expect(unstable).toEqual([]);
  });

  it('counts a dangerous statement as an error, so lint-policy fails on it', () => {
    for (const e of ofClass('dangerous')) expect(RULES[e.rule as keyof typeof RULES].severity).toBe('error');
  });
});
