import type { Denial } from './authorizer';

/**
 * Describes a denied call for an administrator writing a policy: what was needed, which statements
 * came close and why they did not apply, and a statement that would have allowed the call.
 * @example oci.authz.onDenial((denial) => console.log(explainDenial(denial)))
 */
export function explainDenial(denial: Denial): string {
  const needed = denial.missing.map((anyOf) => anyOf.join(' or ')).join(' and ');
  const lines = [
    denial.reason === 'unmapped'
      ? `denied ${denial.service}:${denial.operation} by ${denial.caller}: the local OCI does not know which permissions it needs`
      : `denied ${denial.service}:${denial.operation} by ${denial.caller}: needs ${needed} in ${denial.compartmentId}`,
  ];
  const variables = Object.entries(denial.variables).map(([name, value]) => `${name} = '${value}'`);
  if (variables.length > 0) lines.push(`  target: ${variables.join(', ')}`);
  for (const miss of denial.nearMisses) lines.push(`  not enough: ${miss.policyName}: "${miss.statement}": ${miss.reason}`);
  lines.push(`  would allow: ${denial.suggestion}`);
  return lines.join('\n');
}
