import { readStatement } from '@oci-iam-onboarding/local-oci/authz/policy-language';
import { describe, expect, it } from 'vitest';
import { readFixture } from '../helpers';
import { canonical, disagreements, functionParser, localOciReader, type Reading } from './policy-readers';

// The policy corpus (test/fixtures/policies: Oracle's documented forms, statements from Oracle's pages
// and landing zones, broken and dangerous ones) read by both readers. The policy table's statements
// are compared in policy-table.test.ts.

const corpus = [
  ...readFixture('policies', 'oracle-docs-valid.txt')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#')),
  ...(JSON.parse(readFixture('policies', 'outside-corpus.json')) as { statements: { statement: string }[] }).statements.map(
    (e) => e.statement,
  ),
  ...(JSON.parse(readFixture('policies', 'broken-and-dangerous.json')) as { statement: string }[]).map((e) => e.statement),
];

describe("the local OCI's policy reader and the function's parser", () => {
  it('read every statement of the corpus alike: the same meaning, or both refuse it', () => {
    // Prepare
    const refused = corpus.filter((text) => localOciReader(text) === 'refused');
    // Act
    const differ = disagreements(corpus, functionParser, localOciReader);
    // Assess: the corpus holds both readable and unreadable statements, and no statement is read two ways
    expect(corpus.length).toBeGreaterThan(1000);
    expect(refused.length).toBeGreaterThanOrEqual(20);
    expect(refused.length).toBeLessThan(corpus.length / 2);
    expect(differ).toEqual([]);
  });

  it('would catch a disagreement: a reader that takes != for = is reported on the corpus', () => {
    // Prepare: a planted bug, the kind one reader could have and the other not
    const planted: Reading = (text) => {
      try {
        return canonical(readStatement(text)).replaceAll('"operator":"!="', '"operator":"="');
      } catch {
        return 'refused';
      }
    };
    // Act
    const differ = disagreements(corpus, functionParser, planted);
    // Assess: every statement with != is reported, and only those
    expect(differ.length).toBeGreaterThan(0);
    expect(differ.every((report) => report.split('\n')[0]?.includes('!='))).toBe(true);
  });

  it('would catch a disagreement on what is refused: a reader that accepts == is reported', () => {
    // Prepare
    const planted: Reading = (text) => localOciReader(text.replaceAll('==', '='));
    // Act
    const differ = disagreements(corpus, functionParser, planted);
    // Assess
    expect(differ.some((report) => report.includes('=='))).toBe(true);
  });
});
