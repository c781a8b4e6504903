// Serves real requests through the function's image, run as OCI Functions runs it (run-as-oci.sh), with
// the Fn harness and the upload driver the tests use, against the local OCI through the real SDK:
// a hire, its replay (no write), a body that is not JSON, an upload that continues in a detached
// invocation of its own, then the running process (node flags, user, capabilities, memory), the log
// (no warning, no error), and a prompt end on SIGTERM. Runs every check; exits 1 when one failed.
// Run by image-test.sh, after the image is built: node --import tsx scripts/image/serve.ts
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTION_ENV, FUNCTION_NODE_ARGS, type RunningFunction, startFunction } from '@oci-iam-onboarding/local-oci/fn-harness';
import type { BatchResult } from '../../src/core/response';
import type { OnboardingResult } from '../../src/core/result';
import { type LocalStack, startLocalStack } from '../../src/local-stack/stack';
import { driveUpload, peakRssMb, rssMb } from '../../src/local-stack/upload-driver';

const root = join(__dirname, '..', '..');
const say = (line: string) => process.stdout.write(`${line}\n`);

const failed: string[] = [];
function check(what: string, ok: boolean, detail = ''): void {
  if (ok) say(`ok: ${what}`);
  else {
    failed.push(what);
    say(`FAIL: ${what}${detail ? `: ${detail}` : ''}`);
  }
}

/** func.yaml's memory (MB): the limit the container runs under, as OCI Functions gives it. */
function funcYamlMemory(): number {
  return Number(/^memory:\s*(\d+)/m.exec(readFileSync(join(root, 'func.yaml'), 'utf8'))?.[1] ?? 128);
}

const podman = (...args: string[]) => execFileSync('podman', args, { encoding: 'utf8' }).trim();
/** run-as-oci.sh names each container after its socket folder. */
const containerOf = (fn: RunningFunction) => `iam-onboarding-${fn.socketPath.split('/').at(-2)}`;

/** The container's node process, seen from the host: its flags, identity, capabilities and memory. */
function processOf(fn: RunningFunction) {
  const pid = Number(podman('inspect', '--format', '{{.State.Pid}}', containerOf(fn)));
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(status)?.[1]?.trim() ?? '';
  return {
    argv: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean),
    env: Object.fromEntries(
      readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .filter(Boolean)
        .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
    ) as Record<string, string>,
    uid: field('Uid').split(/\s+/)[0],
    capEff: field('CapEff'),
    noNewPrivs: field('NoNewPrivs'),
    rssMb: rssMb(pid),
    peakMb: peakRssMb(pid),
  };
}

const hiresCsv = (count: number) =>
  [
    'employeeId,userName,email,givenName,familyName,roles,compartment',
    ...Array.from(
      { length: count },
      (_, i) => `IMG${i + 1},img${i + 1}@example.com,img${i + 1}@example.com,Image,Hire ${i + 1},auditor,dev`,
    ),
  ].join('\n');

async function serve(stack: LocalStack, memoryMb: number): Promise<void> {
  // What configures podman goes to run-as-oci.sh through the function's environment; it keeps it out of the container.
  const podmanEnv = Object.fromEntries(
    ['IMAGE', 'IMAGE_WORK', 'STORAGE_DRIVER'].flatMap((k) => (process.env[k] ? [[k, process.env[k] as string]] : [])),
  );
  const env = { ...stack.functionEnv, ...podmanEnv, FN_MEMORY: String(memoryMb) };
  const fn = await startFunction({ entry: 'func.js', env, startTimeoutMs: 60_000 });
  try {
    say(`socket after ${Math.round(fn.startupMs)} ms from podman run (container creation included)`);
    const hire = readFileSync(join(root, 'examples', 'new-hire.json'), 'utf8');
    const { requests } = stack.oci;

    let mark = requests.mark();
    const first = await fn.invoke(hire, { deadlineMs: 120_000 });
    const hired = first.json as OnboardingResult;
    const writes = requests.iamWrites(mark).length;
    check(
      'a new hire: HTTP 200, status succeeded, IAM writes made',
      first.status === 200 && hired?.status === 'succeeded' && writes > 0,
      `${first.status} ${first.body.slice(0, 300)}`,
    );
    say(`  ${writes} IAM writes`);

    mark = requests.mark();
    const again = await fn.invoke(hire, { deadlineMs: 120_000 });
    const replay = again.json as OnboardingResult;
    const replayWrites = requests.iamWrites(mark).length;
    check(
      'the same hire again: succeeded, every step unchanged, 0 IAM writes',
      again.status === 200 && replay?.status === 'succeeded' && replayWrites === 0 && replay.steps.every((s) => s.outcome === 'unchanged'),
      `${replayWrites} writes; ${again.body.slice(0, 300)}`,
    );

    const bad = await fn.invoke('{"employeeId": ', { deadlineMs: 30_000 });
    const refused = bad.json as OnboardingResult;
    check(
      'a body that is not JSON: rejected with INVALID_EVENT',
      refused?.status === 'rejected' && refused.errors[0]?.code === 'INVALID_EVENT',
      bad.body.slice(0, 300),
    );

    const seen = processOf(fn);
    say(`  process: ${seen.argv.join(' ')}; uid ${seen.uid}; RSS ${seen.rssMb.toFixed(1)} MB, peak ${seen.peakMb.toFixed(1)} MB`);
    check(
      `node runs with the flags the tests use (${FUNCTION_NODE_ARGS.join(' ')}) at ${memoryMb} MB`,
      JSON.stringify(seen.argv) === JSON.stringify(['node', ...FUNCTION_NODE_ARGS, 'func.js']),
      seen.argv.join(' '),
    );
    check(
      `and with the environment the tests use (${Object.entries(FUNCTION_ENV)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')})`,
      Object.entries(FUNCTION_ENV).every(([name, value]) => seen.env[name] === value),
      Object.keys(FUNCTION_ENV)
        .map((name) => `${name}=${seen.env[name] ?? '(unset)'}`)
        .join(' '),
    );
    check('as uid 1000, no capability, no new privileges', seen.uid === '1000' && /^0+$/.test(seen.capEff) && seen.noNewPrivs === '1');
    check(`peak RSS within the function's ${memoryMb} MB`, seen.peakMb > 0 && seen.peakMb < memoryMb, `${seen.peakMb} MB`);

    const started = performance.now();
    await fn.stop();
    const stopMs = performance.now() - started;
    const exit = fn.exit();
    say(`  stop: ${Math.round(stopMs)} ms, exit ${JSON.stringify(exit)}`);
    // The harness sends SIGKILL after 2 s: a signal here means SIGTERM did not end the function.
    check('SIGTERM ends the function promptly (under 2 s, with an exit code)', exit?.signal === null && stopMs < 2000);
    const log = [...fn.stdout, ...fn.stderr];
    check(
      'no warning in the function log (DEP0040 punycode or any other)',
      !log.some((l) => /Warning|DEP0\d+/.test(l)),
      log.find((l) => /Warning|DEP0/.test(l)),
    );
    check(
      'no error in the function log',
      !log.some((l) => l.includes('"level":"error"')),
      log.find((l) => l.includes('"level":"error"')),
    );
  } finally {
    await fn.stop();
  }

  // Two chunks and UPLOAD_INVOCATIONS=2: the first invocation starts the other through the Functions
  // invoke API (GetFunction, then a detached InvokeFunction), which the driver runs in a second container.
  const rows = 12;
  const run = await driveUpload({
    stack,
    name: 'incoming/image-test.csv',
    content: hiresCsv(rows),
    deadlineMs: 60_000,
    entry: 'func.js',
    env: { ...podmanEnv, FN_MEMORY: String(memoryMb), UPLOAD_CHUNK_ROWS: '6', UPLOAD_INVOCATIONS: '2', PUBLISH_RESERVE_MS: '1000' },
    maxContainers: 2,
    timeoutMs: 180_000,
  });
  const invokes = stack.oci.requests.counts().InvokeFunction?.ok ?? 0;
  say(
    `  upload: ${run.status}, ${run.counts.succeeded} succeeded, ${run.invocations} invocations, ${invokes} detached invokes, ${run.seconds.toFixed(1)} s`,
  );
  check(
    `an upload of ${rows} rows in two chunks: complete, every row once, continued through a detached self-invocation`,
    run.errors.length === 0 && run.status === 'complete' && run.counts.succeeded === rows && run.invocations >= 2 && invokes >= 1,
    `${JSON.stringify(run.errors)} ${JSON.stringify((run.final as BatchResult | undefined)?.report?.counts)} ${run.functionErrors.join(' | ')}`,
  );
  check("no error in the upload containers' logs", run.functionErrors.length === 0, run.functionErrors[0]);
}

async function main(): Promise<number> {
  process.env.FN_NODE = join(__dirname, 'run-as-oci.sh');
  const memoryMb = funcYamlMemory();
  const stack = await startLocalStack({ identityDomain: 'Employees' });
  try {
    await serve(stack, memoryMb);
    if (failed.length > 0) return 1;
    say('ok: the image serves as OCI Functions runs it');
    return 0;
  } catch (error) {
    say(`FAIL: ${String((error as Error)?.stack ?? error)}`);
    return 1;
  } finally {
    await stack.oci.stop();
  }
}

void main().then((code) => {
  process.exitCode = code;
});
