import { randomUUID } from 'node:crypto';
import { setTimeout as wait } from 'node:timers/promises';
import { FunctionDiedError, type InvokeOptions, type InvokeResult, type RunningFunction } from '@oci-iam-onboarding/local-oci/fn-harness';
import { type Clock, systemClock } from '../src/support/clock';
import { wireFunction } from '../src/triggers/wiring';
import { FnContext, fdkHeaders } from './fn-context';

/** What a test drives, in a process of its own (the Fn harness) or in this one. */
export type FunctionUnderTest = Pick<RunningFunction, 'invoke' | 'stdout' | 'stderr' | 'exit' | 'stop'>;

/** The FDK's answer to a handler that threw (fdk 0.0.76): HTTP 502 and this message, the error's text as detail. */
const EXCEPTION_MESSAGE = 'Exception in function, consult logs for details';

/**
 * Variables the function reads from the process rather than from its config: the OCI SDK's resource
 * principal reads `process.env` itself, and the config-file fallback looks in `$HOME/.oci`.
 */
const PROCESS_LEVEL = [
  'HOME',
  'OCI_RESOURCE_PRINCIPAL_VERSION',
  'OCI_RESOURCE_PRINCIPAL_RPST',
  'OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM',
  'OCI_RESOURCE_PRINCIPAL_REGION',
] as const;

/** In-process functions started and not yet stopped, and the process-level variables from before the first. */
let running = 0;
let saved: Record<string, string | undefined> = {};

/** The config the Fn agent gives every function beside the app's and the function's own. */
const AGENT_ENV = { FN_FORMAT: 'http-stream', FN_APP_NAME: 'local-app', FN_FN_NAME: 'iam-onboarding', FN_MEMORY: '256' };

/**
 * Runs the function's own handler (wired as func.ts wires it) in this process, against whatever OCI its
 * config points at, through the real SDK clients: an Fn invocation without a process or a socket. Each
 * call gets a context built as the FDK builds one, and its answer is turned into the response the FDK
 * would send (JSON with status 200, `Fn-Http-Status` for API Gateway, 502 for a thrown error, and a dead
 * function for a handler that returns nothing). `clock` is the time the handler reads and the deadline
 * is set in; it defaults to the system's.
 *
 * Process-level variables (`HOME`, the resource principal's) are set in this process while the function
 * runs and restored by `stop()`: run one such function at a time in a test file, or several of one stack.
 * @example const fn = startInProcess({ env: stack.functionEnv }); const answer = await fn.invoke(JSON.stringify(hire));
 */
export function startInProcess(options: {
  env: Record<string, string>;
  clock?: Clock;
  /** Each line the function writes, as it comes, instead of keeping them in `stdout`. */
  onLine?: (line: string) => void;
}): FunctionUnderTest {
  const env: Record<string, string> = { ...AGENT_ENV, ...options.env };
  const clock = options.clock ?? systemClock;
  // The variables as they were before the first of the functions running now: the last one stopped puts them back.
  if (running === 0) saved = Object.fromEntries(PROCESS_LEVEL.map((key) => [key, process.env[key]]));
  running += 1;
  for (const key of PROCESS_LEVEL) {
    if (env[key] === undefined) delete process.env[key];
    else process.env[key] = env[key];
  }
  const stdout: string[] = [];
  const stderr: string[] = [];
  const onLine = options.onLine ?? ((line: string) => void stdout.push(line));
  const { handler } = wireFunction(env, { write: (line) => onLine(line.trimEnd()), clock });
  let died: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let stopped = false;

  const invoke = async (body: string | Buffer, invokeOptions: InvokeOptions = {}): Promise<InvokeResult> => {
    // A body in pieces is the FDK's transport, which only a process under the Fn harness has.
    if (invokeOptions.chunkBytes)
      throw new Error('chunkBytes needs the FDK socket: start the function with startScenario or startFunction');
    if (invokeOptions.delayMs) await wait(invokeOptions.delayMs);
    if (died) throw new FunctionDiedError(`function is dead (code ${died.code})`);
    if (stopped) throw new FunctionDiedError('function was stopped');
    const callId = invokeOptions.callId ?? randomUUID().replace(/-/g, '').toUpperCase();
    const payload = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    const ctx = new FnContext(
      env,
      fdkHeaders({
        Host: 'localhost',
        'Fn-Call-Id': callId,
        'Fn-Deadline': new Date(clock.now() + (invokeOptions.deadlineMs ?? 30_000)).toISOString(),
        'Content-Type': invokeOptions.contentType ?? 'application/json',
        'Content-Length': String(payload.length),
        Connection: 'close',
        ...invokeOptions.headers,
      }),
    );
    ctx.responseContentType = 'application/json';
    let result: unknown;
    try {
      // `inputMode: 'buffer'`, as func.ts asks: the whole body, joined.
      result = await handler(payload, ctx);
    } catch (error) {
      const text = JSON.stringify({ message: EXCEPTION_MESSAGE, detail: String(error) });
      stderr.push(`Error in function: ${String(error)}`);
      return { status: 502, headers: { 'content-type': 'application/json' }, body: text, callId, json: JSON.parse(text) };
    }
    if (result === undefined || result === null) {
      // The FDK's sendResult throws on nothing to send, and the process dies of it.
      died = { code: 1, signal: null };
      throw new FunctionDiedError('function process died during the call: the handler returned nothing');
    }
    const headers: Record<string, string> = {};
    for (const [name, values] of Object.entries(ctx.responseHeaders)) headers[name.toLowerCase()] = values.join(', ');
    const text = JSON.stringify(result);
    return { status: 200, headers, body: text, callId, json: JSON.parse(text) };
  };

  return {
    invoke,
    stdout,
    stderr,
    exit: () => died,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      running -= 1;
      if (running > 0) return;
      for (const key of PROCESS_LEVEL) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    },
  };
}

/**
 * Containers for `driveUpload` that run the function in this process (`startInProcess`), for the uploads
 * whose subject needs no process: no kill, no memory or CPU figure.
 */
export const inProcessContainers = (env: Record<string, string>, onLine: (line: string) => void) =>
  Promise.resolve(startInProcess({ env, onLine }));

/**
 * In-process containers, unless the function is to run on another Node (`FN_NODE`, CI's Node 22 pass):
 * then processes, so that the files of that pass still run the function on that Node.
 */
export const inProcessUnlessFnNode = () => (process.env.FN_NODE ? {} : { startContainer: inProcessContainers });
