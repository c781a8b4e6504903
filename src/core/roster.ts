import type { RowResult } from './batch';
import type { BreakerDecision } from './breaker';
import type { DirectoryUser } from './ports';

/** What a roster run did beyond its rows: its leavers, and the breaker's decision. */
export interface RosterSummary {
  readonly runId: string;
  /** Managed users absent from the roster, each with its steps. */
  readonly leavers: readonly RowResult[];
  readonly breaker?: BreakerDecision & { readonly approvalObject: string };
  /** Why no leaver was processed at all (an unreadable or empty roster). */
  readonly blocked?: string;
}

/**
 * A full roster is the truth for every user this function manages: whoever is on it is a joiner or a
 * mover (the hire rows say so), and a managed user who is not on it is a leaver.
 */
export interface RosterReading {
  /** Employee ids of every row, valid or not: a row that failed validation still says the person is there. */
  readonly employeeIds: ReadonlySet<string>;
  /** Rows whose employee id could not be read: nobody can tell who is missing, so no one is taken away. */
  readonly rowsWithoutEmployeeId: number;
}

export interface RosterLeaver {
  readonly employeeId: string;
  readonly user: DirectoryUser;
  /** Already disabled and marked as left: a replay of the leaver, which writes nothing (or deletes after retention). */
  readonly alreadyLeft: boolean;
}

export interface RosterDifference {
  readonly leavers: readonly RosterLeaver[];
  /** Set when the leavers cannot be trusted and none is processed. */
  readonly blocked: string | undefined;
  /** How many users the function manages now: what the breaker's share is measured against. */
  readonly managed: number;
}

/** The employee id of a row, whatever else is wrong with it. */
export function employeeIdOf(input: unknown): string | undefined {
  const id = typeof input === 'object' && input !== null ? (input as { employeeId?: unknown }).employeeId : undefined;
  return typeof id === 'string' && id.trim() !== '' ? id.trim() : undefined;
}

/** Reads the employee ids of a roster's rows (the raw inputs, before validation). */
export function readRoster(inputs: Iterable<unknown>): RosterReading {
  const employeeIds = new Set<string>();
  let rowsWithoutEmployeeId = 0;
  for (const input of inputs) {
    const id = employeeIdOf(input);
    if (id === undefined) rowsWithoutEmployeeId += 1;
    else employeeIds.add(id);
  }
  return { employeeIds, rowsWithoutEmployeeId };
}

/**
 * The leavers a roster implies: the managed users whose employee id is not on it. A roster with rows
 * whose employee id cannot be read, or an empty one, implies no leaver at all (an empty or truncated
 * export must never disable everybody).
 */
export function rosterDifference(roster: RosterReading, managed: readonly DirectoryUser[]): RosterDifference {
  const blocked =
    roster.rowsWithoutEmployeeId > 0
      ? `${roster.rowsWithoutEmployeeId} row(s) have no readable employee id, so nobody can be known to be missing`
      : roster.employeeIds.size === 0
        ? 'the roster lists nobody'
        : undefined;
  const leavers = managed
    .filter((user) => user.employeeId !== undefined && !roster.employeeIds.has(user.employeeId))
    .map((user) => ({ employeeId: user.employeeId as string, user, alreadyLeft: !user.enabled && user.leftOn !== undefined }))
    .sort((a, b) => a.employeeId.localeCompare(b.employeeId));
  return { leavers: blocked ? [] : leavers, blocked, managed: managed.length };
}
