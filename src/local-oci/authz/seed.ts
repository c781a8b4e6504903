import { makeOcid } from '../ocid';
import type { TenancyState } from '../state';

/** The dynamic group and policy that let a function do its work in the local OCI. */
export interface FunctionGrant {
  readonly dynamicGroupName: string;
  readonly policyName: string;
  readonly statements: readonly string[];
  /** The dynamic group's rule; by default every function of the functions compartment. */
  readonly matchingRule?: string;
}

/**
 * Creates (or replaces) the function's dynamic group, matching every function of its compartment
 * as Oracle documents for OCI Functions, and the policy holding `statements` in the root
 * compartment. Writes the state directly, as an administrator's set-up would have.
 * @example seedFunctionGrant(oci.state, functionsCompartmentId, { dynamicGroupName: 'fn', policyName: 'fn-policy', statements })
 */
export function seedFunctionGrant(state: TenancyState, functionsCompartmentId: string, grant: FunctionGrant): void {
  const lifecycle = { timeCreated: new Date(), activeAt: Date.now() };
  const existingGroup = [...state.dynamicGroups.values()].find((g) => g.name === grant.dynamicGroupName);
  const groupId = existingGroup?.id ?? makeOcid('dynamicgroup');
  state.dynamicGroups.set(groupId, {
    id: groupId,
    name: grant.dynamicGroupName,
    description: 'The onboarding function',
    matchingRule: grant.matchingRule ?? `ALL {resource.type = 'fnfunc', resource.compartment.id = '${functionsCompartmentId}'}`,
    freeformTags: {},
    ...lifecycle,
  });
  const existingPolicy = [...state.policies.values()].find((p) => p.name === grant.policyName);
  const policyId = existingPolicy?.id ?? makeOcid('policy');
  state.policies.set(policyId, {
    id: policyId,
    compartmentId: state.tenancy.id,
    name: grant.policyName,
    description: 'What the onboarding function may do',
    statements: [...grant.statements],
    freeformTags: {},
    ...lifecycle,
  });
}
