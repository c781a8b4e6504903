import { describe, expect, it } from 'vitest';
import { lintFile } from '../../src/cli/lint-policy';
import { parseConfig } from '../../src/config';
import { parseNewHire } from '../../src/core/new-hire';
import { planShared } from '../../src/core/plan';
import { checkRoleCatalog, parseRoleCatalog, resolveDesiredState } from '../../src/core/role-catalog';
import { mergeDefinedTags, retagged, tagDrift } from '../../src/core/tags';
import { demoCatalogJson, fixtureJson, TENANCY } from '../helpers';

// Defined and freeform tags of the role catalog: validated as OCI names them, laid over DEFINED_TAGS,
// and compared with what a group or policy carries so that a replay writes nothing.

const role = (extra: Record<string, unknown> = {}, group = 'ops') => ({
  description: 'Operators',
  group: { name: group, description: 'Operators' },
  policy: { name: `${group}-policy`, description: 'd', statements: ['Allow group ${group} to read buckets in tenancy'] },
  ...extra,
});
const hire = (roles: string[]) => parseNewHire({ ...fixtureJson('events', 'new-hire.json'), roles, compartment: undefined });

describe('tags in the role catalog', () => {
  it('accepts defined and freeform tags per role and lays them over DEFINED_TAGS on the group and policy, not on the user', () => {
    // Prepare: DEFINED_TAGS sets the cost center and the owner; the role overrides the cost center (written in another case).
    const catalog = parseRoleCatalog({
      version: 1,
      roles: { ops: role({ definedTags: { Operations: { costcenter: 'ops-7' } }, freeformTags: { team: 'platform' } }) },
    });
    const base = { Operations: { CostCenter: 'hr-42', Owner: 'hr' } };
    // Act
    const desired = resolveDesiredState(hire(['ops']), catalog, TENANCY, (n) => n, base);
    // Assess
    const expected = { definedTags: { Operations: { Owner: 'hr', costcenter: 'ops-7' } }, freeformTags: { team: 'platform' } };
    expect(desired.groups[0]?.tags).toEqual(expected);
    expect(desired.policies[0]?.tags).toEqual(expected);
    expect(desired.user.definedTags).toEqual(base);
    expect(desired.user.freeformTags).not.toHaveProperty('team');
  });

  it('refuses tag names OCI refuses and over-long values, at the JSON line and column of each', () => {
    // Prepare
    const text = JSON.stringify(
      {
        version: 1,
        roles: {
          ops: role({ definedTags: { 'Cost.Center': { owner: 'x' }, Operations: { 'cost center': 'x', Owner: 'v'.repeat(257) } } }),
        },
      },
      null,
      2,
    );
    // Act
    const results = lintFile(text).map((r) => `${r.line}:${r.column} ${r.message}`);
    // Assess
    expect(results).toEqual([
      '18:24 roles.ops.definedTags.Cost.Center: a tag namespace name cannot contain spaces or periods',
      '22:26 roles.ops.definedTags.Operations.cost center: a tag key cannot contain spaces or periods',
      '23:20 roles.ops.definedTags.Operations.Owner: a tag value is at most 256 characters',
    ]);
  });

  it('refuses two roles that share a group but tag it differently', () => {
    // Act
    const { problems } = checkRoleCatalog({
      version: 1,
      roles: {
        ops: role({ definedTags: { Operations: { CostCenter: '1' } } }),
        'ops-read': { ...role({ definedTags: { Operations: { CostCenter: '2' } } }), policy: { ...role().policy, name: 'ops-read' } },
      },
    });
    // Assess
    expect(problems).toEqual([
      {
        path: 'roles.ops-read.definedTags',
        message: 'group "ops" is also rendered by role "ops" with other tags; roles sharing a group must tag it alike',
      },
    ]);
  });
});

describe('tag drift of groups and policies', () => {
  const catalog = parseRoleCatalog({ version: 1, roles: { ops: role({ definedTags: { Operations: { CostCenter: '42' } } }) } });
  const desired = resolveDesiredState(hire(['ops']), catalog, TENANCY);
  const policy = desired.policies[0];
  const observed = (definedTags: Record<string, Record<string, unknown>>) => ({
    groups: new Map([['ops', { id: 'g1', ocid: 'g1', name: 'ops', definedTags, freeformTags: {} }]]),
    policies: new Map([
      [
        `${TENANCY}/ops-policy`,
        {
          id: 'p1',
          name: 'ops-policy',
          compartmentId: TENANCY,
          description: 'd',
          statements: policy?.statements ?? [],
          definedTags,
          freeformTags: {},
        },
      ],
    ]),
  });

  it('plans nothing when the tags are there, whatever else a tag default or OCI added, and names case aside', () => {
    // Act
    const steps = planShared(desired, observed({ operations: { costcenter: '42' }, 'Oracle-Tags': { CreatedBy: 'fn' } }));
    // Assess
    expect(steps.map((s) => `${s.step}:${s.action}`)).toEqual(['group:none', 'policy:none']);
  });

  it('plans an update of a changed tag and writes it over the tags the resource has', () => {
    // Prepare
    const found = { 'Oracle-Tags': { CreatedBy: 'fn' }, Operations: { CostCenter: '41' } };
    // Act
    const steps = planShared(desired, observed(found));
    const group = desired.groups[0];
    // Assess
    expect(steps.map((s) => `${s.step}:${s.action}:${s.changes?.join()}`)).toEqual([
      'group:update:definedTags',
      'policy:update:definedTags',
    ]);
    expect(group && retagged(group.tags, { definedTags: found, freeformTags: { team: 'x' } })).toEqual({
      definedTags: { 'Oracle-Tags': { CreatedBy: 'fn' }, Operations: { CostCenter: '42' } },
      freeformTags: { team: 'x' },
    });
  });

  it('sees no drift where the directory did not read the tags, and a missing freeform tag as drift', () => {
    const tags = { definedTags: { A: { b: 'c' } }, freeformTags: { team: 'x' } };
    expect(tagDrift(tags, {})).toEqual([]);
    expect(tagDrift(tags, { definedTags: { a: { B: 'c' } }, freeformTags: {} })).toEqual(['freeformTags']);
    expect(mergeDefinedTags({ A: { b: '1' } }, { a: { B: '2', c: '3' } })).toEqual({ A: { B: '2', c: '3' } });
  });
});

describe('DEFINED_TAGS', () => {
  it('is checked by the same rules as the catalog tags, every problem named', () => {
    // Prepare
    const env = { ONS_TOPIC_ID: 'ocid1.onstopic.oc1.iad.x', ROLE_CATALOG: demoCatalogJson() };
    // Act
    const attempt = () => parseConfig({ ...env, DEFINED_TAGS: JSON.stringify({ 'Oracle.Tags': { CreatedBy: 'x' }, Ops: {} }) });
    // Assess
    expect(attempt).toThrow(
      expect.objectContaining({
        problems: [
          { path: 'DEFINED_TAGS.Oracle.Tags', message: 'a tag namespace name cannot contain spaces or periods' },
          { path: 'DEFINED_TAGS', message: 'a namespace needs at least one key' },
        ],
      }),
    );
    expect(parseConfig({ ...env, DEFINED_TAGS: '{"Ops":{"CostCenter":"42"}}' }).DEFINED_TAGS).toEqual({ Ops: { CostCenter: '42' } });
  });
});
