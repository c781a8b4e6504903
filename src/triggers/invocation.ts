import type { FunctionConfig } from '../config';
import type { BatchThrottle } from '../core/batch';
import type { RoleCatalog } from '../core/role-catalog';
import type { CallServices } from '../oci/runtime';
import type { Clock } from '../support/clock';
import type { Logger } from '../support/logger';

/** Everything one invocation works with, decided once at its start. */
export interface Invocation {
  readonly callId: string;
  readonly log: Logger;
  /** Epoch ms when the call started (as the handler first saw it) and when the platform ends it. */
  readonly startedAt: number;
  readonly deadline: number;
  /** The time everything in the invocation reads: `startedAt` and `deadline` are in it. */
  readonly clock: Clock;
  readonly config: FunctionConfig;
  readonly services: CallServices;
  readonly catalog: RoleCatalog;
  readonly tenancyId: string;
  readonly dryRun: boolean;
  readonly throttle: BatchThrottle;
  /** Today (UTC, `YYYY-MM-DD`) when the trigger decides it (a roster run's day); the clock's otherwise. */
  readonly today?: string;
  /** When a row without its own `occurredAt` was true: a roster's rows speak as of the start of its day. */
  readonly factAt?: string;
}

/** The onboarding context of the core, for this invocation. */
export function onboardingContext(inv: Invocation) {
  return {
    catalog: inv.catalog,
    tenancyId: inv.tenancyId,
    directory: inv.services.directory,
    dryRun: inv.dryRun,
    log: inv.log,
    bootstrapPassword: inv.services.bootstrapSecret,
    setPasswordForExistingUsers: inv.config.SET_PASSWORD_FOR_EXISTING_USERS,
    retentionDays: inv.config.LEAVER_RETENTION_DAYS,
    today: inv.today,
    clock: inv.clock,
    factAt: inv.factAt,
    definedTags: inv.config.DEFINED_TAGS,
  };
}
