import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config';
import { ValidationError } from '../../src/support/errors';
import { demoCatalogJson, readFixture } from '../helpers';

const valid = { ONS_TOPIC_ID: 'ocid1.onstopic.oc1.iad.x', ROLE_CATALOG: demoCatalogJson() };

/** The problems of the INVALID_CONFIG error `parseConfig` throws for `env`. */
function problemsFor(env: Record<string, string>): { path: string; message: string }[] {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('INVALID_CONFIG');
    return [...(error as ValidationError).problems];
  }
  throw new Error('parseConfig accepted the config');
}

describe('parseConfig', () => {
  it('applies defaults and freezes the result', () => {
    const config = parseConfig(valid);
    expect(config).toMatchObject({
      DRY_RUN: false,
      OCI_AUTH: 'auto',
      OCI_MAX_ATTEMPTS: 5,
      ROLE_CATALOG_TTL_SECONDS: 300,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.keys(config.inlineCatalog?.roles ?? {})).toEqual(expect.arrayContaining(['developer', 'auditor']));
  });

  it('reports the keys and every inline catalog finding in one error', () => {
    // Prepare: no topic, a bad flag, and a catalog with schema, placeholder and least-privilege problems.
    const env = { ROLE_CATALOG: readFixture('catalogs', 'invalid-catalog.json'), DRY_RUN: 'maybe' };

    // Act
    const problems = problemsFor(env);

    // Assess: the config keys and the catalog findings arrive together.
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['ONS_TOPIC_ID', 'DRY_RUN']));
    const catalogProblems = paths.filter((path) => path.startsWith('ROLE_CATALOG.'));
    expect(catalogProblems.length).toBeGreaterThanOrEqual(4);
    expect(problems.map((p) => p.message).join('\n')).toMatch(/manage all-resources in tenancy/);
  });

  it('reports an inline catalog that is not JSON under ROLE_CATALOG', () => {
    const problems = problemsFor({ ...valid, ROLE_CATALOG: '{"version": 1,' });
    expect(problems).toEqual([{ path: 'ROLE_CATALOG', message: expect.any(String) }]);
  });

  it('reports every problem at once', () => {
    let problems: string[] = [];
    try {
      parseConfig({
        ONS_TOPIC_ID: 'nope',
        BOOTSTRAP_SECRET_NAME: 'only-name',
        DRY_RUN: 'yes',
        OCI_ENDPOINT_TEMPLATE: 'http://x',
      });
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      problems = (error as ValidationError).problems.map((p) => p.path);
    }
    expect(problems).toEqual(expect.arrayContaining(['ONS_TOPIC_ID', 'DRY_RUN', 'OCI_ENDPOINT_TEMPLATE']));
  });

  it('checks the pairs that go together', () => {
    expect(() => parseConfig({ ...valid, BOOTSTRAP_SECRET_NAME: 'n' })).toThrow(ValidationError);
    expect(() => parseConfig({ ...valid, ROLE_CATALOG_BUCKET: 'b', ROLE_CATALOG_OBJECT: 'o' })).toThrow(ValidationError);
    expect(() => parseConfig({ ONS_TOPIC_ID: valid.ONS_TOPIC_ID, ROLE_CATALOG_BUCKET: 'b' })).toThrow(ValidationError);
    expect(parseConfig({ ONS_TOPIC_ID: valid.ONS_TOPIC_ID, ROLE_CATALOG_BUCKET: 'b', ROLE_CATALOG_OBJECT: 'o' }).ROLE_CATALOG_OBJECT).toBe(
      'o',
    );
  });
});
