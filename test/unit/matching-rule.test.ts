import { MatchingRuleError, parseMatchingRule, ruleMatches } from '@oci-iam-onboarding/local-oci/authz/matching-rule';
import { describe, expect, it } from 'vitest';

const fn = {
  type: 'fnfunc',
  id: 'ocid1.fnfunc.oc1.eu-frankfurt-1.aaaa',
  compartmentId: 'ocid1.compartment.oc1..fns',
  definedTags: { Operations: { CostCenter: '42' } },
};
const instance = { type: 'instance', id: 'ocid1.instance.oc1..vm', compartmentId: 'ocid1.compartment.oc1..fns' };

describe('dynamic-group matching rules', () => {
  it.each([
    ["ALL {resource.type = 'fnfunc', resource.compartment.id = 'ocid1.compartment.oc1..fns'}", true, false],
    ["all{resource.type='fnfunc',resource.compartment.id='ocid1.compartment.oc1..other'}", false, false],
    ["ANY {instance.compartment.id = 'ocid1.compartment.oc1..fns'}", false, true],
    ["instance.id = 'ocid1.instance.oc1..vm'", false, true],
    ["resource.id = 'ocid1.fnfunc.oc1.eu-frankfurt-1.aaaa'", true, false],
    ["ALL {resource.compartment.id = 'ocid1.compartment.oc1..fns', resource.type != 'fnfunc'}", false, true],
    ["tag.Operations.CostCenter.value = '42'", true, false],
    ['ANY {tag.Operations.CostCenter.value}', true, false],
    ["ANY {ALL {resource.type = 'fnfunc', tag.Operations.CostCenter.value = '7'}, instance.id = 'ocid1.instance.oc1..vm'}", false, true],
  ])('%s matches the function: %s, the instance: %s', (rule, forFunction, forInstance) => {
    // Prepare
    const parsed = parseMatchingRule(rule);
    // Act / Assess
    expect([ruleMatches(parsed, fn), ruleMatches(parsed, instance)]).toEqual([forFunction, forInstance]);
  });

  it.each([
    "resource.type = 'fnfunc' extra",
    "ALL resource.type = 'fnfunc'",
    "ALL {resource.type = 'fnfunc',}",
    'resource.type = "fnfunc"',
    'resource.type',
    "request.user.id = 'x'",
    '',
  ])('refuses %j', (rule) => {
    expect(() => parseMatchingRule(rule)).toThrow(MatchingRuleError);
  });
});
