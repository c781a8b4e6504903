// `npm run bench`: cold start, first onboarding, peak RSS, and warm onboarding figures on the local OCI.
import { readFileSync } from 'node:fs';
import type { OnboardingResult } from '../core/result';
import { FUNCTION_NODE_ARGS, startFunction } from '../local-oci/fn-harness';
import { startLocalStack } from '../local-oci/stack';
import { bundlePath, out } from './print';

const COLD_RUNS = 5;
/** The deployed Node flags, unless BENCH_NODE_ARGS names others to compare (e.g. BENCH_NODE_ARGS=' ' for none). */
const nodeArgs = process.env.BENCH_NODE_ARGS === undefined ? FUNCTION_NODE_ARGS : process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean);
const WARM_RUNS = 30;

/** Peak resident set of a live process, from /proc (Linux), in MB. */
function peakRssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const hire = (i: number) => ({
  eventId: `bench-${i}`,
  employeeId: `B${String(i).padStart(6, '0')}`,
  userName: `bench.user${i}@example.com`,
  email: `bench.user${i}@example.com`,
  givenName: 'Bench',
  familyName: `User${i}`,
  roles: ['developer', 'auditor'],
  compartment: 'dev',
});

async function main(): Promise<void> {
  const stack = await startLocalStack();
  const cold: { listenMs: number; firstMs: number; peakMb: number }[] = [];
  for (let run = 0; run < COLD_RUNS; run += 1) {
    const fn = await startFunction({ entry: bundlePath(), env: stack.functionEnv, nodeArgs });
    const started = performance.now();
    const response = await fn.invoke(JSON.stringify(hire(1000 + run)));
    const firstMs = performance.now() - started;
    if ((response.json as OnboardingResult).status !== 'succeeded') throw new Error(`cold onboarding failed: ${response.body}`);
    cold.push({ listenMs: fn.startupMs, firstMs, peakMb: peakRssMb(fn.pid) });
    await fn.stop();
  }

  const fn = await startFunction({ entry: bundlePath(), env: stack.functionEnv, nodeArgs });
  await fn.invoke(JSON.stringify(hire(0)));
  const warm: { ms: number; calls: number; writes: number }[] = [];
  const replays: { ms: number; calls: number; writes: number }[] = [];
  for (let i = 1; i <= WARM_RUNS; i += 1) {
    for (const into of [warm, replays]) {
      const mark = stack.oci.requests.mark();
      const started = performance.now();
      const response = await fn.invoke(JSON.stringify(hire(i)));
      const ms = performance.now() - started;
      if ((response.json as OnboardingResult).status !== 'succeeded') throw new Error(`warm onboarding failed: ${response.body}`);
      into.push({ ms, calls: stack.oci.requests.entries(mark).length, writes: stack.oci.requests.iamWrites(mark).length });
    }
  }
  const peakWarm = peakRssMb(fn.pid);
  await fn.stop();
  await stack.oci.stop();

  const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(7);
  out(
    `Benchmark on the local OCI (no added latency), node ${process.version} ${nodeArgs.join(' ')}, ${COLD_RUNS} cold processes, ${WARM_RUNS} warm hires`,
  );
  out('');
  out('Cold process (median of runs)                         figure   target');
  out(`  FDK socket listening after spawn (ms)              ${fmt(median(cold.map((c) => c.listenMs)))}   < 1000`);
  out(`  first onboarding, incl. auth + home region (ms)    ${fmt(median(cold.map((c) => c.firstMs)))}`);
  out(`  peak RSS after first onboarding (MB)               ${fmt(Math.max(...cold.map((c) => c.peakMb)), 1)}   < 128`);
  out('Warm process');
  out(`  new hire, 2 roles: onboarding time (ms, median)    ${fmt(median(warm.map((w) => w.ms)), 1)}`);
  out(`  new hire: OCI calls (reads + writes + publish)     ${fmt(median(warm.map((w) => w.calls)))}`);
  out(`  new hire: IAM writes                               ${fmt(median(warm.map((w) => w.writes)))}`);
  out(`  replay: onboarding time (ms, median)               ${fmt(median(replays.map((w) => w.ms)), 1)}`);
  out(
    `  replay: OCI calls / IAM writes                     ${fmt(median(replays.map((w) => w.calls)))} / ${median(replays.map((w) => w.writes))}`,
  );
  out(`  peak RSS after ${WARM_RUNS * 2 + 1} invocations (MB)                 ${fmt(peakWarm, 1)}   < 128`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
