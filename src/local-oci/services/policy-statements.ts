import { classicDirectory } from '../classic-directory';
import { ApiError } from '../http';
import { foldName } from '../indexed-map';
import { sameName, type TenancyState } from '../state';

// How CreatePolicy and UpdatePolicy (Identity API 20160918) check and store policy statements.

/**
 * OCI stores statements with its own spacing; collapsing runs of white space is the part of that
 * rewrite this emulator imitates, so callers must compare statements in a normal form.
 */
function storedStatement(statement: string): string {
  return statement.trim().replace(/\s+/g, ' ');
}

/** Checks that the groups and compartments a statement names exist, as CreatePolicy does. */
function checkStatement(state: TenancyState, statement: string, policyCompartmentId: string): void {
  const invalid = (why: string) => new ApiError(400, 'InvalidParameter', `Invalid policy statement "${statement}": ${why}`);
  if (!/^\s*(allow|deny|define|endorse|admit)\s/i.test(statement)) throw invalid('must start with Allow, Deny, Define, Endorse or Admit');
  const subject = /^\s*(?:allow|deny)\s+group\s+(.+?)\s+to\s/i.exec(statement)?.[1];
  if (subject !== undefined) {
    for (const raw of subject.split(',')) {
      const name = raw.trim().replace(/^'(.*)'$/, '$1');
      if (name.includes('/')) {
        // A group of an identity domain, written Domain/Group.
        const [domainName = '', groupName = ''] = name.split('/').map((part) => part.trim().replace(/^'(.*)'$/, '$1'));
        const domain = [state.domain, state.defaultDomain].find((d) => d !== undefined && sameName(d.name, domainName));
        const known = domain?.groups.findOne('displayName', foldName(groupName)) !== undefined;
        if (!known) throw invalid(`group ${name} does not exist`);
        continue;
      }
      if (/^id\s/i.test(name)) {
        if (!classicDirectory(state).group(name.slice(3).trim())) throw invalid(`group ${name} does not exist`);
        continue;
      }
      // A group named without a domain is the Default domain's, the classic API's own.
      const group = classicDirectory(state).groupByName(name);
      if (!group) throw invalid(`group ${name} does not exist`);
      if (state.clock.now() - group.timeCreated.getTime() < state.timing.groupVisibilityDelayMs) {
        // Eventual consistency: a group created moments ago is not yet visible to the policy engine.
        throw invalid(`group ${name} does not exist`);
      }
    }
  }
  const location = /\sin\s+(tenancy|compartment\s+id\s+\S+|compartment\s+\S+)(?:\s+where\s|\s*$)/i.exec(statement)?.[1];
  if (location === undefined) throw invalid('no location (in tenancy | in compartment …)');
  const compartmentId = /^compartment\s+id\s+(\S+)$/i.exec(location)?.[1];
  if (compartmentId !== undefined && !state.compartments.has(compartmentId) && compartmentId !== state.tenancy.id) {
    throw invalid(`compartment ${compartmentId} does not exist`);
  }
  const compartmentPath = /^compartment\s+(?!id\s)(\S+)$/i.exec(location)?.[1];
  if (compartmentPath !== undefined && !state.resolveCompartmentPath(compartmentPath, policyCompartmentId)) {
    throw invalid(`compartment ${compartmentPath} does not exist`);
  }
}

/** Checks a policy's statements as CreatePolicy does and returns them as OCI stores them. */
export function checkStatements(state: TenancyState, value: unknown, compartmentId: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((s) => typeof s !== 'string')) {
    throw new ApiError(400, 'InvalidParameter', 'statements must be a non-empty list of strings');
  }
  const statements = (value as string[]).map(storedStatement);
  for (const statement of statements) checkStatement(state, statement, compartmentId);
  return statements;
}
