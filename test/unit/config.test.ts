import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config';
import { ValidationError } from '../../src/support/errors';

const valid = { ONS_TOPIC_ID: 'ocid1.onstopic.oc1.iad.x', ROLE_CATALOG: '{}' };

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
