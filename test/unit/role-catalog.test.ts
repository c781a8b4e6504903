import { describe, expect, it } from 'vitest';
import { parseNewHire } from '../../src/core/new-hire';
import { checkRoleCatalog, parseRoleCatalog, resolveDesiredState } from '../../src/core/role-catalog';
import { OnboardingError, ValidationError } from '../../src/support/errors';
import { demoCatalogJson, fixtureJson, TENANCY } from '../helpers';

const catalog = () => parseRoleCatalog(JSON.parse(demoCatalogJson()));
const hire = (overrides: Record<string, unknown> = {}) => parseNewHire({ ...fixtureJson('events', 'new-hire.json'), ...overrides });

describe('parseRoleCatalog', () => {
  it('accepts the example catalog and freezes it deeply', () => {
    const parsed = catalog();
    expect(Object.keys(parsed.roles)).toEqual(['developer', 'auditor']);
    expect(Object.isFrozen(parsed.roles.developer?.policy.statements)).toBe(true);
  });

  it('lists every problem of every role at once', () => {
    // Prepare: one role breaks the schema, the other breaks three template rules.
    const input = fixtureJson('catalogs', 'invalid-catalog.json');
    // Act
    let problems: string[] = [];
    try {
      parseRoleCatalog(input);
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).code).toBe('INVALID_ROLE_CATALOG');
      problems = (error as ValidationError).problems.map((p) => `${p.path}: ${p.message}`);
    }
    // Assess
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^roles\.Bad Name: role names are lower-case/),
        expect.stringMatching(/^roles\.Bad Name\.policy\.statements: /),
        expect.stringMatching(/^roles\.admin-ish\.policy\.name: unknown placeholder \$\{team\}/),
        expect.stringMatching(/^roles\.admin-ish\.policy\.statements\.0: tenancy-admin \(column 32\): manage all-resources in tenancy/),
        expect.stringMatching(/^roles\.admin-ish\.policy\.statements\.1: role-own-group \(column 1\)/),
      ]),
    );
  });

  it('refuses two roles, or two compartments of one role, that render the same policy name: OCI names are unique tenancy-wide', () => {
    // Prepare: "ops" and "ops-too" both render "shared"; "dev" renders "dev-policy" for both of its compartments.
    const role = (policyName: string, statements: string[], compartments?: string[]) => ({
      description: 'd',
      group: { name: compartments ? 'g-${compartment}' : 'g', description: 'd' },
      policy: { name: policyName, description: 'd', statements },
      ...(compartments ? { compartments } : {}),
    });
    const input = {
      version: 1,
      roles: {
        ops: role('shared', ['Allow group ${group} to read buckets in tenancy']),
        'ops-too': role('Shared', ['Allow group ${group} to read buckets in tenancy']),
        dev: role('dev-policy', ['Allow group ${group} to read buckets in compartment ${compartment}'], ['a', 'b']),
      },
    };
    // Act
    const problems = checkRoleCatalog(input).problems.map((p) => `${p.path}: ${p.message}`);
    // Assess
    expect(problems).toEqual([
      'roles.ops-too.policy.name: policy name "Shared" is also rendered by role "ops"; OCI policy names are unique in the whole tenancy',
      'roles.dev.policy.name: policy name "dev-policy" (compartment "b") is also rendered by this role\'s compartment "a"; OCI policy names are unique in the whole tenancy: put ${compartment} in the name',
    ]);
  });

  it('enforces the policy name prefix the deployment policy allows the function to write', () => {
    const catalog = JSON.parse(demoCatalogJson());
    const problems = checkRoleCatalog(catalog, { policyNamePrefix: 'onboarding-' }).problems.map((p) => p.path);
    expect(problems).toEqual(['roles.developer.policy.name', 'roles.auditor.policy.name']);
    catalog.roles.developer.policy.name = 'Onboarding-developers-${compartment}';
    catalog.roles.auditor.policy.name = 'onboarding-auditors';
    expect(checkRoleCatalog(catalog, { policyNamePrefix: 'onboarding-' }).problems).toEqual([]);
  });

  it('rejects a catalog of another version or with unknown top-level keys', () => {
    expect(() => parseRoleCatalog({ version: 2, roles: {} })).toThrow(ValidationError);
    expect(() => parseRoleCatalog({ version: 1, roles: {}, extra: true })).toThrow(ValidationError);
  });

  it('rejects a catalog without roles: it onboards nobody, and a policy generated from it would name an empty list', () => {
    let caught: unknown;
    try {
      parseRoleCatalog({ version: 1, roles: {} });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).problems).toEqual([
      expect.objectContaining({ path: 'roles', message: 'at least one role is required' }),
    ]);
  });
});

describe('resolveDesiredState', () => {
  it('derives the user, one group and one policy per role, never per user', () => {
    const desired = resolveDesiredState(hire(), catalog(), TENANCY);
    expect(desired.user).toEqual({
      name: 'ada.lovelace+oci@example.com',
      email: 'ada.lovelace@example.com',
      description: 'Ada Lovelace (employee E104233)',
      givenName: 'Ada',
      familyName: 'Lovelace',
      employeeId: 'E104233',
      freeformTags: {
        'employee-id': 'E104233',
        'managed-by': 'iam-onboarding-function',
        manager: 'E100017',
        'start-date': '2026-12-01',
      },
    });
    expect(desired.groups.map((g) => g.name)).toEqual(['developers-dev', 'auditors']);
    expect(desired.policies.map((p) => [p.name, p.compartmentId])).toEqual([
      ['developers-dev', TENANCY],
      ['auditors', TENANCY],
    ]);
    expect(desired.policies[0]?.statements[0]).toBe('Allow group developers-dev to manage instance-family in compartment dev');
    expect(JSON.stringify(desired)).not.toContain('ada.lovelace@example.com to');
  });

  it('uses the first allowed compartment when the event names none', () => {
    const desired = resolveDesiredState(hire({ compartment: undefined }), catalog(), TENANCY);
    expect(desired.groups[0]?.name).toBe('developers-dev');
  });

  it('refuses a compartment the role does not allow', () => {
    expect(() => resolveDesiredState(hire({ compartment: 'prod' }), catalog(), TENANCY)).toThrow(
      expect.objectContaining({ code: 'COMPARTMENT_NOT_ALLOWED' }),
    );
  });

  it('names unknown roles and the known ones', () => {
    let caught: unknown;
    try {
      resolveDesiredState(hire({ roles: ['developer', 'root'] }), catalog(), TENANCY);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(OnboardingError);
    expect((caught as OnboardingError).code).toBe('UNKNOWN_ROLE');
    expect((caught as OnboardingError).problems).toEqual([
      { path: 'roles.1', message: 'unknown role "root"; known roles: auditor, developer' },
    ]);
  });
});
