import { randomUUID } from 'node:crypto';
import type { Context } from '@fnproject/fdk';
import { type FunctionConfig, parseConfig } from '../config';
import type { NewHire } from '../core/new-hire';
import { onboardNewHire } from '../core/onboard';
import type { CatalogSource } from '../core/ports';
import { notificationBody, notificationTitle } from '../core/report';
import { countOutcomes, type OnboardingResult, Status, type StepResult } from '../core/result';
import { parseRoleCatalogText, type RoleCatalog } from '../core/role-catalog';
import type { CallPolicy } from '../oci/call';
import type { CallServices, OciRuntime } from '../oci/runtime';
import { ErrorCode, type ErrorReport, OnboardingError, toErrorReport } from '../support/errors';
import type { Logger } from '../support/logger';
import { decodeDirectEvent } from './decode';

/** Codes that mean "the event is wrong": the result is `rejected`, nothing is written or published. */
const CALLER_ERRORS = new Set<string>([ErrorCode.InvalidEvent, ErrorCode.UnknownRole, ErrorCode.CompartmentNotAllowed]);
/** Without an Fn-Deadline header (never the case on OCI), assume the platform default timeout. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Time kept back after publishing for the FDK to write the response. */
const RESPONSE_RESERVE_MS = 250;

export interface HandlerDependencies {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  /** Builds the OCI adapters; called once per container (again only after a failure). */
  readonly loadRuntime: (
    config: FunctionConfig,
    env: Readonly<Record<string, string | undefined>>,
    policy: CallPolicy,
  ) => Promise<OciRuntime>;
}

/**
 * The Fn handler: decodes the trigger, runs the core, publishes and returns the result. It always
 * returns a value (the FDK dies on undefined) and never throws (the FDK would show the error text).
 */
export function createHandler(deps: HandlerDependencies): (input: unknown, ctx: Context) => Promise<OnboardingResult> {
  let config: FunctionConfig | undefined;
  /** An inline catalog, validated with the config: before any call to OCI. */
  let inlineCatalog: RoleCatalog | undefined;
  let runtime: Promise<OciRuntime> | undefined;

  return async (input, ctx) => {
    const started = Date.now();
    const callId = ctx.callID ?? randomUUID();
    const log = deps.log.child({ callId });
    const deadline = ctx.deadline?.getTime() ?? started + DEFAULT_TIMEOUT_MS;
    let hire: NewHire | undefined;
    let services: CallServices | undefined;
    let current: FunctionConfig | undefined;

    const finish = (
      partial: Pick<OnboardingResult, 'status' | 'steps' | 'errors'> & {
        userId?: string | undefined;
        dryRun?: boolean;
      },
    ): OnboardingResult => ({
      status: partial.status,
      correlation: { callId, ...(hire?.eventId ? { eventId: hire.eventId } : {}) },
      ...(hire ? { employeeId: hire.employeeId, userName: hire.userName } : {}),
      ...(partial.userId ? { userId: partial.userId } : {}),
      dryRun: partial.dryRun ?? false,
      steps: partial.steps,
      counts: countOutcomes(partial.steps),
      errors: partial.errors,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
    });

    let result: OnboardingResult;
    try {
      config ??= parseConfig(deps.env);
      current = config;
      if (current.ROLE_CATALOG) inlineCatalog ??= parseRoleCatalogText(current.ROLE_CATALOG, 'ROLE_CATALOG');
      hire = decodeDirectEvent(input);
      const dryRun = current.DRY_RUN || hire.dryRun === true;
      log.info('event accepted', {
        eventId: hire.eventId,
        employeeId: hire.employeeId,
        roles: hire.roles,
        dryRun,
      });
      const policy: CallPolicy = {
        deadline: deadline - current.PUBLISH_RESERVE_MS,
        maxAttempts: current.OCI_MAX_ATTEMPTS,
        log,
      };
      runtime ??= deps.loadRuntime(current, deps.env, policy);
      const oci = await runtime.catch((error: unknown) => {
        runtime = undefined;
        throw error;
      });
      services = oci.forCall(callId, policy);
      const catalog = inlineCatalog ?? (await (services.catalog as CatalogSource).load());
      const outcome = await onboardNewHire(hire, {
        catalog,
        tenancyId: oci.tenancyId,
        directory: services.directory,
        dryRun,
        log,
        bootstrapPassword: services.bootstrapSecret,
        setPasswordForExistingUsers: current.SET_PASSWORD_FOR_EXISTING_USERS,
      });
      const failed = outcome.steps.some((s: StepResult) => s.outcome === 'failed');
      result = finish({
        status: dryRun ? Status.DryRun : failed ? Status.Failed : Status.Succeeded,
        steps: outcome.steps,
        errors: [],
        userId: outcome.userId,
        dryRun,
      });
    } catch (error) {
      const report = toErrorReport(error);
      const rejected = error instanceof OnboardingError && CALLER_ERRORS.has(error.code);
      if (rejected) log.warn('event rejected', { error: report });
      else log.error('onboarding failed', { error: report, cause: describe(error) });
      result = finish({ status: rejected ? Status.Rejected : Status.Failed, steps: [], errors: [report] });
    }

    if (result.status !== Status.Rejected && result.status !== Status.DryRun && services && current) {
      result = await publish(result, services, {
        deadline: deadline - RESPONSE_RESERVE_MS,
        maxAttempts: current.OCI_MAX_ATTEMPTS,
        log,
      });
    }
    // The durable record: OCI Logging keeps this line whatever happened to the notification.
    log.info('onboarding result', { result });
    return result;
  };
}

async function publish(result: OnboardingResult, services: CallServices, policy: CallPolicy): Promise<OnboardingResult> {
  try {
    const { messageId } = await services.notifier.publish({
      title: notificationTitle(result),
      body: notificationBody(result),
    });
    return { ...result, notification: { published: true, messageId } };
  } catch (error) {
    const report: ErrorReport = { ...toErrorReport(error), code: ErrorCode.PublishFailed };
    policy.log.error('notification not published; the result is in this log and in the response', {
      error: report,
    });
    return { ...result, notification: { published: false, error: report } };
  }
}

/** What the log may say of an unexpected error: its type, message and the top of its stack. */
function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: String(error).slice(0, 200) };
  return { type: error.name, message: error.message, stack: error.stack?.split('\n').slice(0, 6).join('\n') };
}
