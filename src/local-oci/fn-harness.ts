import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface InvokeOptions {
  readonly contentType?: string;
  readonly callId?: string;
  /** Milliseconds from now; sent as `Fn-Deadline`. Default 30 s, the OCI Functions default timeout. */
  readonly deadlineMs?: number;
  /** Extra headers, e.g. ONS `X-OCI-NS-MessageId` or API Gateway `Fn-Intent`, `Fn-Http-H-*`. */
  readonly headers?: Record<string, string>;
  /** Sends the body in pieces of this many bytes, a moment apart, so the function reads it in as many chunks. */
  readonly chunkBytes?: number;
  /**
   * Holds the delivery back this many milliseconds: OCI Events, Notifications and HR webhooks deliver late
   * and out of order, so two deliveries started together arrive in whichever order their delays give.
   */
  readonly delayMs?: number;
}

export interface InvokeResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly callId: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
}

/** A function process run as the Fn agent runs it (http-stream over a unix socket). */
export interface RunningFunction {
  invoke(body: string | Buffer, options?: InvokeOptions): Promise<InvokeResult>;
  /** Everything the process wrote to stdout and stderr, line by line (with `onLine`: no stdout, stderr's last lines). */
  readonly stdout: readonly string[];
  readonly stderr: readonly string[];
  /** Milliseconds from spawn to the socket appearing. */
  readonly startupMs: number;
  readonly pid: number | undefined;
  /** The `FN_LISTENER` socket; gone after `stop()`. */
  readonly socketPath: string;
  /** The exit, once the process has died; undefined while it runs. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  stop(): Promise<void>;
}

/**
 * The Node flags the deployed container runs with (Dockerfile ENTRYPOINT). A small young generation
 * keeps a warm function's RSS flat near 100 MB; `--expose-gc` lets finishing free the network buffers
 * it streamed (src/support/release-buffers.ts); capping the old generation at 128 MB makes V8 collect
 * before a 256 MB function runs out (Node and the bundle take about 90 MB outside the heap).
 */
export const FUNCTION_NODE_ARGS: readonly string[] = ['--max-semi-space-size=2', '--expose-gc', '--max-old-space-size=128'];

/**
 * The environment the deployed entry script gives Node (scripts/fn-entry.sh): one glibc malloc arena,
 * with which a warm function's memory outside V8's heap stays flat from call to call.
 */
export const FUNCTION_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1' };

/** The process died; the harness says so instead of hanging. */
export class FunctionDiedError extends Error {}

/**
 * Starts `node <entry>` with `FN_FORMAT=http-stream` and `FN_LISTENER=unix:<tmp>/lsnr.sock`,
 * the given config as environment, and waits until the FDK's socket exists (the platform allows 5 s).
 * @example const fn = await startFunction({ entry: 'dist/func.js', env: { ...oci.credentials.resourcePrincipalEnv } });
 */
export async function startFunction(options: {
  entry: string;
  env?: Record<string, string>;
  cwd?: string;
  startTimeoutMs?: number;
  /** Defaults to FUNCTION_NODE_ARGS, as deployed. */
  nodeArgs?: readonly string[];
  /**
   * Each line the process writes, as it comes, instead of keeping its stdout: a process that runs for
   * an hour (a long upload's worker) would otherwise hold every log line it wrote. Its last stderr lines
   * are kept either way, for `FunctionDiedError` to say why it died.
   */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}): Promise<RunningFunction> {
  const dir = mkdtempSync(join(tmpdir(), 'fn-'));
  const socketPath = join(dir, 'lsnr.sock');
  const started = performance.now();
  // FN_NODE runs the function on another Node binary (OCI Functions runs Node 22), the tests staying here.
  const node = process.env.FN_NODE || process.execPath;
  const child: ChildProcess = spawn(node, [...(options.nodeArgs ?? FUNCTION_NODE_ARGS), options.entry], {
    cwd: options.cwd ?? process.cwd(),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      FN_FORMAT: 'http-stream',
      FN_LISTENER: `unix:${socketPath}`,
      FN_APP_NAME: 'local-app',
      FN_FN_NAME: 'iam-onboarding',
      FN_MEMORY: '256',
      ...FUNCTION_ENV,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const onLine = options.onLine;
  if (onLine) {
    collectLines(child.stdout, (line) => onLine(line, 'stdout'));
    collectLines(child.stderr, (line) => {
      onLine(line, 'stderr');
      stderr.push(line);
      if (stderr.length > 2 * KEPT_STDERR_LINES) stderr.splice(0, stderr.length - KEPT_STDERR_LINES);
    });
  } else {
    collectLines(child.stdout, (line) => stdout.push(line));
    collectLines(child.stderr, (line) => stderr.push(line));
  }
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );

  const deadline = Date.now() + (options.startTimeoutMs ?? 5000);
  while (!existsSync(socketPath)) {
    if (exited) {
      rmSync(dir, { recursive: true, force: true });
      throw new FunctionDiedError(`function exited before listening (code ${exited.code}): ${stderr.join('\n').slice(-2000)}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new FunctionDiedError('function did not listen on its socket in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const startupMs = performance.now() - started;

  const invoke = async (body: string | Buffer, invokeOptions: InvokeOptions = {}): Promise<InvokeResult> => {
    if (invokeOptions.delayMs) await new Promise((resolve) => setTimeout(resolve, invokeOptions.delayMs));
    return deliver(body, invokeOptions);
  };
  const deliver = (body: string | Buffer, invokeOptions: InvokeOptions): Promise<InvokeResult> => {
    if (exited) return Promise.reject(new FunctionDiedError(`function process is dead (code ${exited.code}, signal ${exited.signal})`));
    const callId = invokeOptions.callId ?? randomUUID().replace(/-/g, '').toUpperCase();
    const payload = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    return new Promise<InvokeResult>((resolve, reject) => {
      const req = request(
        {
          socketPath,
          method: 'POST',
          path: '/call',
          headers: {
            'Fn-Call-Id': callId,
            'Fn-Deadline': new Date(Date.now() + (invokeOptions.deadlineMs ?? 30_000)).toISOString(),
            'Content-Type': invokeOptions.contentType ?? 'application/json',
            'Content-Length': String(payload.length),
            ...invokeOptions.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, callId, json });
          });
          res.on('error', reject);
        },
      );
      req.on('error', (error) => {
        // Give the exit event a moment to land so a crash is reported as one.
        setTimeout(
          () =>
            reject(
              exited
                ? new FunctionDiedError(`function process died during the call (code ${exited.code}, signal ${exited.signal})`)
                : error,
            ),
          50,
        );
      });
      const step = invokeOptions.chunkBytes;
      if (!step) req.end(payload);
      else
        void (async () => {
          for (let at = 0; at < payload.length; at += step) {
            req.write(payload.subarray(at, at + step));
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
          req.end();
        })();
    });
  };

  return {
    invoke,
    stdout,
    stderr,
    startupMs,
    pid: child.pid,
    socketPath,
    exit: () => exited,
    stop: async () => {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exitPromise;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The stderr lines a process given `onLine` keeps (at least), for the message of its death. */
const KEPT_STDERR_LINES = 50;

function collectLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  let partial = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.length > 0) onLine(line);
  });
  stream?.on('end', () => {
    if (partial) onLine(partial);
  });
}
