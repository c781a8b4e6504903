import { describe, expect, it } from 'vitest';
import { normaliseStatement, sameStatements } from '../../src/core/policy/normal-form';

describe('normaliseStatement', () => {
  it.each([
    ['Allow group A to read buckets in tenancy', 'allow   GROUP a   to READ buckets IN tenancy'],
    ['Allow group B, A to read buckets in compartment dev', 'allow group a,b to read buckets in compartment dev'],
    [
      "Allow group X to manage object-family in compartment dev where target.bucket.name = 'Logs'",
      "ALLOW group x to manage object-family in compartment dev where target.bucket.name = 'Logs'",
    ],
  ])('%s equals %s', (a, b) => {
    expect(normaliseStatement(a)).toBe(normaliseStatement(b));
  });

  it('ignores the case of condition values, as OCI matches conditions (Advanced Policy Features)', () => {
    expect(normaliseStatement("Allow group X to read buckets in tenancy where target.bucket.name='Logs'")).toBe(
      normaliseStatement("Allow group X to read buckets in tenancy where target.bucket.name = 'logs'"),
    );
  });

  it('keeps what differs in meaning apart', () => {
    const base = "Allow group X to read buckets in tenancy where target.bucket.name = 'logs'";
    for (const other of [
      "Allow group X to read buckets in tenancy where target.bucket.name != 'logs'",
      "Deny group X to read buckets in tenancy where target.bucket.name = 'logs'",
      "Allow group X to read objects in tenancy where target.bucket.name = 'logs'",
      "Allow group X to read buckets in compartment logs where target.bucket.name = 'logs'",
      "Allow group 'My Domain'/X to read buckets in tenancy where target.bucket.name = 'logs'",
    ]) {
      expect(normaliseStatement(other)).not.toBe(normaliseStatement(base));
    }
  });
});

describe('sameStatements', () => {
  it('ignores order and duplicates but not content', () => {
    expect(
      sameStatements(
        ['Allow group a to read buckets in tenancy', 'Allow group a to inspect users in tenancy'],
        ['allow group a to inspect users in tenancy', 'ALLOW group A to read buckets in tenancy'],
      ),
    ).toBe(true);
    expect(sameStatements(['Allow group a to read buckets in tenancy'], ['Allow group a to manage buckets in tenancy'])).toBe(false);
    expect(sameStatements(['Allow group a to read buckets in tenancy'], [])).toBe(false);
  });
});
