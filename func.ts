// Wiring only: the FDK, the process's signals, and the handler as src/triggers/wiring.ts builds it.
import * as fdk from '@fnproject/fdk';
import { wireFunction } from './src/triggers/wiring';

const { log, handler } = wireFunction(process.env);

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
  handler,
  // Bytes, joined by the FDK: decoded once in the handler (string mode decodes chunk by chunk, which
  // splits multi-byte characters at chunk boundaries).
  { inputMode: 'buffer' },
);
