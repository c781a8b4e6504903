import type { Scenario } from './scenario';

/** Every account of the employee, as OCI holds it. */
export function accounts(scenario: Scenario, employeeId: string) {
  const { state } = scenario.stack.oci;
  if (state.domain) {
    const { domain } = state;
    return [...domain.users.values()]
      .filter((u) => u.externalId === employeeId)
      .map((u) => ({
        id: u.id,
        name: u.userName,
        enabled: u.active,
        email: u.emails[0]?.value,
        groups: [...domain.groups.values()]
          .filter((g) => g.members.has(u.id))
          .map((g) => g.displayName)
          .sort(),
      }));
  }
  return [...state.users.values()]
    .filter((u) => u.freeformTags['employee-id'] === employeeId)
    .map((u) => ({
      id: u.id,
      name: u.name,
      enabled: Object.values(u.capabilities).some(Boolean),
      email: u.email,
      groups: [...state.memberships.values()]
        .filter((m) => m.userId === u.id)
        .map((m) => state.groups.get(m.groupId)?.name)
        .sort(),
    }));
}
