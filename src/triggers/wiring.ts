import type { Context } from '@fnproject/fdk';
import type { HandlerResult } from '../core/response';
import type { Clock } from '../support/clock';
import { createLogger, type Logger, LogLevel, type LogLevelName } from '../support/logger';
import { createHandler } from './handler';

/** The function as deployed: its logger and its handler, from the environment Fn gives it. */
export interface WiredFunction {
  readonly log: Logger;
  readonly handler: (input: unknown, ctx: Context) => Promise<HandlerResult>;
}

/**
 * Wires the handler as func.ts does (the logger from `LOG_LEVEL`, the OCI adapters loaded on the first
 * call), so that a test can drive the very same handler in its own process.
 */
export function wireFunction(
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly write?: (line: string) => void; readonly clock?: Clock } = {},
): WiredFunction {
  const level = env.LOG_LEVEL && env.LOG_LEVEL in LogLevel ? (env.LOG_LEVEL as LogLevelName) : 'info';
  const log = createLogger({
    level,
    bindings: { fn: env.FN_FN_NAME ?? 'iam-onboarding' },
    ...(options.write ? { write: options.write } : {}),
  });
  const handler = createHandler({
    env,
    log,
    loadRuntime: async (config, runtimeEnv, policy) => (await import('../oci/runtime')).createOciRuntime(config, runtimeEnv, policy),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { log, handler };
}
