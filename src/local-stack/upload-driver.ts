import { randomUUID } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { FunctionDiedError, type RunningFunction, startFunction } from '@oci-iam-onboarding/local-oci/fn-harness';
import type { FunctionCall } from '@oci-iam-onboarding/local-oci/services/functions-invoke';
import type { BatchResult, NoticeResult } from '../core/response';
import { runOfRecordName } from '../core/run-objects';
import type { RunRecord } from '../core/upload-run';
import { SWEEP_BODY } from '../triggers/engine-body';
import type { LocalStack } from './stack';

/** What one upload came to, across every invocation it took. */
export interface UploadRun {
  /** The last invocation's answer: the one that finished the upload, or the last one seen. */
  readonly final: BatchResult | NoticeResult | undefined;
  readonly status: string;
  readonly counts: { succeeded: number; failed: number; rejected: number; unreadable: number };
  readonly invocations: number;
  readonly seconds: number;
  /** The largest peak RSS of any function container (MB). */
  readonly peakRssMb: number;
  /** The call during which the largest peak was reached: what it answered, and the container's peak before it. */
  readonly peakCall: PeakCall | undefined;
  /** Each container's resident set after its first call and after its last (MB), medians: growth from call to call. */
  readonly rssAfterFirstCallMb: number;
  readonly rssAfterLastCallMb: number;
  /** Calls a container ran, at most. */
  readonly mostCallsPerContainer: number;
  /** Every answer, in the order they came. */
  readonly answers: readonly (BatchResult | NoticeResult)[];
  readonly errors: readonly string[];
  /** The containers' log lines at level error (a failed invocation says why there), the first 20. */
  readonly functionErrors: readonly string[];
  /** The function's log lines about finishing the upload (the last 20): what to read when it did not end. */
  readonly finishingLog: readonly string[];
  /** CPU seconds (user + system) the function containers used, all of them together. */
  readonly functionCpuSeconds: number;
  /** Seconds during which no invocation was running (between one ending and the next starting). */
  readonly idleSeconds: number;
  /** Average number of invocations running at once over the whole upload. */
  readonly meanConcurrency: number;
}

/** One call's share of memory: the container's peak RSS before and after it (MB), and its answer. */
export interface PeakCall {
  readonly container: number;
  /** 1 for a container's first call. */
  readonly callOfContainer: number;
  readonly beforeMb: number;
  readonly afterMb: number;
  readonly answer: string;
}

export interface UploadDriverOptions {
  readonly stack: LocalStack;
  /** The object name, e.g. `incoming/hires.csv`, and its content. */
  readonly name: string;
  readonly content: Buffer | string;
  readonly contentType?: string;
  /** Each invocation's deadline (the function's timeout), ms. */
  readonly deadlineMs: number;
  /** Containers the platform may run at once (each takes one call at a time). */
  readonly maxContainers?: number;
  /** Extra function config. */
  readonly env?: Record<string, string>;
  readonly entry: string;
  /** Waits for this long without any call in flight before deciding the upload is over (ms). */
  readonly settleMs?: number;
  /** Gives up after this long (ms). */
  readonly timeoutMs?: number;
  /**
   * Kills (SIGKILL) a container, once, when this first answers (looked at every 50 ms): with `true`
   * the one that has been running its call the longest, with a call id the one running that call. A
   * process that dies holding a chunk or finishing, as an out-of-memory kill or a host failure ends it.
   */
  readonly killWhen?: () => boolean | 'all' | { readonly callId: string };
  /**
   * Plays the Resource Scheduler schedule: every `everyMs` while a call or none is in flight, a direct
   * invoke with the sweep body, until the run's record is over (complete, failed or held). Without it
   * the drive ends when no call has been in flight for `settleMs`.
   */
  readonly sweepEveryMs?: number;
  /** Writes every container's log lines (stdout and stderr, in time order) to this file when the drive ends. */
  readonly logFile?: string;
  /**
   * Starts a container with the function's config, handing each line it writes to `onLine`. By default a
   * process of `entry` under the Fn harness, as Fn runs one. A test whose subject needs no process (no
   * kill, no memory or CPU figure) may start the function in its own process instead: no bundle to load
   * for each container. Such a container has no pid: `killWhen` and the RSS and CPU figures need processes.
   */
  readonly startContainer?: (env: Record<string, string>, onLine: (line: string) => void) => Promise<Container>;
}

/** What the driver needs of a container: a process under the Fn harness, or a function run in this process. */
export type Container = Pick<RunningFunction, 'invoke' | 'stderr' | 'exit' | 'stop'> & { readonly pid?: number | undefined };

/** Peak resident set of a live process, from /proc (Linux), in MB. */
export const peakRssMb = (pid: number | undefined): number => statusMb(pid, 'VmHWM');

/** Resident set of a live process now, from /proc (Linux), in MB. */
export const rssMb = (pid: number | undefined): number => statusMb(pid, 'VmRSS');

function statusMb(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) a live process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number | undefined): number {
  try {
    // Fields 14 and 15 of /proc/<pid>/stat, after the command name in parentheses; in clock ticks (100 a second).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The run records in the stack's state bucket, as stored. */
export function uploadRecords(stack: LocalStack): RunRecord[] {
  return [...(stack.oci.state.buckets.get(stack.stateBucket)?.entries() ?? [])]
    .filter(([name]) => runOfRecordName(name) !== undefined)
    .map(([, object]) => JSON.parse(object.body.toString('utf8')) as RunRecord);
}

const OVER = new Set(['complete', 'failed', 'held']);

/** The OCI Events envelope for an object written to the stack's upload bucket. */
export function objectCreatedEvent(stack: LocalStack, name: string): Record<string, unknown> {
  return {
    eventType: 'com.oraclecloud.objectstorage.createobject',
    cloudEventsVersion: '0.1',
    eventTypeVersion: '2.0',
    source: 'ObjectStorage',
    eventTime: new Date().toISOString(),
    contentType: 'application/json',
    eventID: randomUUID(),
    data: {
      compartmentId: 'ocid1.compartment.oc1..local',
      resourceName: name,
      resourceId: `/n/${stack.oci.state.namespace}/b/${stack.uploadBucket}/o/${name}`,
      availabilityDomain: 'AD1',
      additionalDetails: { namespace: stack.oci.state.namespace, bucketName: stack.uploadBucket, eTag: randomUUID() },
    },
  };
}

/**
 * Plays the platform for one upload: puts the file into the onboarding bucket, delivers the Events
 * envelope to a function container, and runs every call the function makes to the Functions invoke
 * API (its continuations) on a container of a pool, one call per container at a time as Fn does,
 * until no call is in flight. Counts invocations and the largest container's peak RSS.
 */
export async function driveUpload(options: UploadDriverOptions): Promise<UploadRun> {
  const { stack } = options;
  const started = performance.now();
  stack.oci.state.putObject(stack.uploadBucket, options.name, options.content, options.contentType ?? 'text/csv');
  const env = { ...stack.functionEnv, FN_FN_ID: stack.oci.functionId, ...options.env };
  const idle: Container[] = [];
  /** Containers running a call, in the order their calls started, with the call's id. */
  const busy = new Map<Container, string>();
  let killed = false;
  const all: Container[] = [];
  const answers: (BatchResult | NoticeResult)[] = [];
  const errors: string[] = [];
  const functionErrors: string[] = [];
  const finishingLog: string[] = [];
  let peak = 0;
  let peakCall: PeakCall | undefined;
  /** Per container: calls run, resident set after its first call and after its latest. */
  const memory = new Map<Container, { calls: number; first: number; last: number }>();
  let cpu = 0;
  let inFlight = 0;
  let idleMs = 0;
  let runningMs = 0;
  let changedAt = performance.now();
  /** Keeps the time-weighted counts of invocations running, before `inFlight` changes. */
  const tally = () => {
    const now = performance.now();
    if (inFlight === 0) idleMs += now - changedAt;
    runningMs += inFlight * (now - changedAt);
    changedAt = now;
  };
  let invocations = 0;
  const waiting: (() => void)[] = [];
  let containersStarted = 0;
  const numbers = new Map<Container, number>();
  /** Lines not yet appended to `logFile`. */
  let unwritten: string[] = [];
  /**
   * Each line any container writes, read as it comes and let go: the driver keeps what it reports (the
   * first errors, the latest finishing lines) and what the log file has still to take, never a whole
   * run's output (a 100,000-row upload writes about 350,000 lines).
   */
  const seeLine = (line: string, container: number) => {
    if (options.logFile) unwritten.push(`${timeOf(line)} c${container} ${line}`);
    if (functionErrors.length < 20 && line.includes('"level":"error"')) functionErrors.push(line);
    if (/finish|joining|"why":"/.test(line)) {
      finishingLog.push(line);
      if (finishingLog.length > 200) finishingLog.splice(0, finishingLog.length - 100);
    }
  };

  const container = async (): Promise<Container> => {
    const ready = idle.pop();
    if (ready && !ready.exit()) return ready;
    if (all.filter((f) => !f.exit()).length >= (options.maxContainers ?? 8)) {
      await new Promise<void>((resolve) => waiting.push(resolve));
      return container();
    }
    // A loaded machine can take longer than the platform's 5 s to start a process: the driver waits.
    containersStarted += 1;
    const number = containersStarted;
    const onLine = (line: string) => seeLine(line, number);
    const fn = options.startContainer
      ? await options.startContainer(env, onLine)
      : await startFunction({ entry: options.entry, env, startTimeoutMs: 30_000, onLine });
    all.push(fn);
    numbers.set(fn, number);
    return fn;
  };
  const release = (fn: Container) => {
    peak = Math.max(peak, peakRssMb(fn.pid));
    if (!fn.exit()) idle.push(fn);
    waiting.shift()?.();
  };
  const call = async (body: Buffer | string): Promise<void> => {
    tally();
    inFlight += 1;
    invocations += 1;
    let fn: Container | undefined;
    let answer = 'no answer';
    let before = 0;
    try {
      fn = await container();
      const callId = randomUUID().replace(/-/g, '').toUpperCase();
      busy.set(fn, callId);
      before = peakRssMb(fn.pid);
      const response = await fn.invoke(body, { deadlineMs: options.deadlineMs, callId });
      const json = response.json as BatchResult | NoticeResult;
      answers.push(json);
      answer = describe(json);
    } catch (error) {
      // A process that died says why on stderr (V8's fatal errors, an uncaught exception): keep its last lines.
      const last = error instanceof FunctionDiedError && fn ? fn.stderr.slice(-4).join(' | ').slice(-600) : '';
      errors.push(error instanceof FunctionDiedError ? `${error.message}${last ? `: ${last}` : ''}` : String(error));
    } finally {
      if (fn) {
        busy.delete(fn);
        const after = peakRssMb(fn.pid);
        const seen = memory.get(fn) ?? { calls: 0, first: 0, last: 0 };
        const now = rssMb(fn.pid);
        memory.set(fn, { calls: seen.calls + 1, first: seen.calls === 0 ? now : seen.first, last: now });
        // A peak first seen at a call's start was reached after the container's previous answer (work it went on with).
        if (after > (peakCall?.afterMb ?? 0))
          peakCall = {
            container: numbers.get(fn) ?? 0,
            callOfContainer: seen.calls + 1,
            beforeMb: before,
            afterMb: after,
            answer: after > before ? answer : 'nothing new: the peak came after its previous answer',
          };
        release(fn);
      }
      tally();
      inFlight -= 1;
    }
  };

  /**
   * Every container's new lines, in time order, appended to `logFile` every 10 s, to read a run that
   * stalls. Appended, not rewritten: sorting and writing the whole log every 10 s grew with the run
   * and, past 30 minutes of a 100,000-row upload, took the local OCI's core from it.
   */
  if (options.logFile) writeFileSync(options.logFile, '');
  const writeLog = () => {
    if (!options.logFile || unwritten.length === 0) return;
    const lines = unwritten.sort();
    unwritten = [];
    appendFileSync(options.logFile, `${lines.join('\n')}\n`);
  };
  const logging = setInterval(writeLog, options.logFile ? 10_000 : 2 ** 30);
  const previous = stack.oci.functions.invoker;
  stack.oci.functions.invoker = async (invocation: FunctionCall) => {
    if (invocation.detached) {
      void call(invocation.body);
      return { status: 202, body: '' };
    }
    return { status: 400, body: '{"code":"InvalidParameter","message":"only detached calls are driven"}' };
  };
  try {
    // Not awaited: the first invocation is watched (and may be killed) like every other one.
    void call(JSON.stringify(objectCreatedEvent(stack, options.name)));
    const settleMs = options.settleMs ?? 300;
    const giveUp = Date.now() + (options.timeoutMs ?? 30 * 60_000);
    let quietSince = Date.now();
    let lastSweep = Date.now();
    while (Date.now() < giveUp) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const kill = killed ? false : options.killWhen?.();
      if (kill) {
        const [oldest] = busy.keys();
        const victims =
          kill === 'all' ? [...busy.keys()] : [kill === true ? oldest : [...busy].find(([, callId]) => callId === kill.callId)?.[0]];
        for (const victim of victims)
          if (victim?.pid) {
            killed = true;
            process.kill(victim.pid, 'SIGKILL');
          }
      }
      if (options.sweepEveryMs !== undefined) {
        const record = uploadRecords(stack).find((r) => r.source.object === options.name);
        if (record && OVER.has(record.status) && inFlight === 0) break;
        if (Date.now() - lastSweep >= options.sweepEveryMs) {
          lastSweep = Date.now();
          void call(SWEEP_BODY);
        }
        continue;
      }
      if (inFlight > 0) quietSince = Date.now();
      else if (Date.now() - quietSince >= settleMs) break;
    }
    tally();
    // The quiet spell that ended the drive is not idle time of the upload.
    idleMs = Math.max(0, idleMs - (Date.now() - quietSince));
  } finally {
    stack.oci.functions.invoker = previous;
    for (const fn of all) {
      peak = Math.max(peak, peakRssMb(fn.pid));
      cpu += cpuSeconds(fn.pid);
    }
    await Promise.all(all.map((fn) => fn.stop()));
    clearInterval(logging);
    writeLog();
  }
  const final = answers.find((a): a is BatchResult => a?.kind === 'batch' && a.final !== false) ?? answers.at(-1);
  const report = final?.kind === 'batch' ? final.report : undefined;
  return {
    final,
    status: report ? report.status : (final?.status ?? 'no answer'),
    counts: report
      ? {
          succeeded: report.counts.succeeded,
          failed: report.counts.failed,
          rejected: report.counts.rejected,
          unreadable: report.counts.unreadable,
        }
      : { succeeded: 0, failed: 0, rejected: 0, unreadable: 0 },
    invocations,
    seconds: (performance.now() - started) / 1000,
    functionErrors: functionErrors.slice(0, 20),
    finishingLog: finishingLog.sort((a, b) => timeOf(a).localeCompare(timeOf(b))).slice(-20),
    functionCpuSeconds: cpu,
    idleSeconds: idleMs / 1000,
    meanConcurrency: runningMs / Math.max(1, performance.now() - started),
    peakRssMb: peak,
    peakCall,
    rssAfterFirstCallMb: median([...memory.values()].map((m) => m.first)),
    rssAfterLastCallMb: median([...memory.values()].map((m) => m.last)),
    mostCallsPerContainer: Math.max(0, ...[...memory.values()].map((m) => m.calls)),
    answers,
    errors,
  };
}

/** What an answer was, in a few words: its status, and a batch's counts or a notice's reason. */
function describe(answer: BatchResult | NoticeResult | undefined): string {
  if (!answer) return 'no body';
  if (answer.kind === 'batch')
    return `batch ${answer.status}${answer.final === false ? ' (continuing)' : ''}, ${answer.report.counts.succeeded} succeeded`;
  return `${answer.kind} ${answer.status}${'reason' in answer ? `: ${answer.reason}` : ''}`;
}

/** The middle value (the upper one of an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The time field of a JSON log line, for ordering lines of several containers. */
function timeOf(line: string): string {
  return /"time":"([^"]+)"/.exec(line)?.[1] ?? '';
}
