// Wiring only: the FDK, the logger, the handler and (loaded on first call) the OCI adapters.
import * as fdk from '@fnproject/fdk';
import { createLogger, LogLevel, type LogLevelName } from './src/support/logger';
import { createHandler } from './src/triggers/handler';

const level = process.env.LOG_LEVEL && process.env.LOG_LEVEL in LogLevel ? (process.env.LOG_LEVEL as LogLevelName) : 'info';
const log = createLogger({ level, bindings: { fn: process.env.FN_FN_NAME ?? 'iam-onboarding' } });

// A dead process fails every later call of a warm container: log a stray rejection, never exit on it.
process.on('unhandledRejection', (reason) =>
  log.error('unhandled rejection', { error: reason instanceof Error ? reason : String(reason) }),
);

// The platform stops a container with SIGTERM. Node, as the container's PID 1, has no default action
// for it and would wait out the stop timeout to be killed: end now. A call in flight ends either way,
// and every write is idempotent, so its redelivery finishes it.
process.once('SIGTERM', () => {
  log.info('stopping on SIGTERM');
  process.exit(143);
});

fdk.handle(
  createHandler({
    env: process.env,
    log,
    loadRuntime: async (config, env, policy) => (await import('./src/oci/runtime')).createOciRuntime(config, env, policy),
  }),
  // Bytes, joined by the FDK: decoded once in the handler (string mode decodes chunk by chunk, which
  // splits multi-byte characters at chunk boundaries).
  { inputMode: 'buffer' },
);
