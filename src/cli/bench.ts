// `npm run bench`: the headline figures of the function on the local OCI in a few minutes (cold start,
// first onboarding, peak RSS, warm onboarding, a batch, the local OCI's lookups, uploads on the classic
// path at an emulated IAM rate and into a Free identity domain under Oracle's published windows); the long
// sizes and the other domain types are named options, each with its expected duration.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { DOMAIN_RATE_LIMITS, DOMAIN_TYPES, type DomainType } from '@oci-iam-onboarding/local-oci/domain-rate-limits';
import { FUNCTION_NODE_ARGS, startFunction } from '@oci-iam-onboarding/local-oci/fn-harness';
import type { CallTally } from '@oci-iam-onboarding/local-oci/request-log';
import * as common from 'oci-common';
import { IdentityClient } from 'oci-identity';
import type { BatchResult } from '../core/response';
import type { OnboardingResult } from '../core/result';
import { startLocalStack } from '../local-stack/stack';
import { driveUpload, median, peakRssMb } from '../local-stack/upload-driver';
import { clientConfiguration } from '../oci/clients';
import { CommonExit, defineCommand, runCommand } from './args';
import { lookupFigures } from './bench-lookups';
import { bundlePath, out } from './print';

const COLD_RUNS = 5;
/** The deployed Node flags, unless BENCH_NODE_ARGS names others to compare (e.g. BENCH_NODE_ARGS=' ' for none). */
const nodeArgs = process.env.BENCH_NODE_ARGS === undefined ? FUNCTION_NODE_ARGS : process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean);
const WARM_RUNS = 30;
/** Milliseconds added to every OCI call of the batch figure. */
const LATENCY_MS = 40;

// No eventId: a repeated one is answered `duplicate` before planning, and the replay figures measure the planner.
const hire = (i: number) => ({
  employeeId: `B${String(i).padStart(6, '0')}`,
  userName: `bench.user${i}@example.com`,
  email: `bench.user${i}@example.com`,
  givenName: 'Bench',
  familyName: `User${i}`,
  roles: ['developer', 'auditor'],
  compartment: 'dev',
});

/**
 * The emulated tenancy rate. Oracle publishes no IAM rate for the classic API; for identity domains it
 * publishes, per domain type, 20 to 95 calls a second for the "Others" API group (user and group
 * management), 150 to 5,000 a minute ("API Rate Limits", Identity domains docs). 50 writes a second
 * (Oracle Apps domains: 50 a second) is a realistic tenancy, and this 2-core machine serves it with
 * room to spare (see docs/performance.md); reads are cheaper for IAM and counted apart.
 */
const IAM_WRITES_PER_SECOND = Number(process.env.BENCH_IAM_WRITES_PER_SECOND ?? 50);
const IAM_READS_PER_SECOND = Number(process.env.BENCH_IAM_READS_PER_SECOND ?? 100);
const UPLOAD_DEADLINE_S = Number(process.env.BENCH_DEADLINE_S ?? 60);
/** The share of identity-domain calls answered 429 as if another client shared the domain (fault injection). */
const FOREIGN_THROTTLE = Number(process.env.BENCH_FOREIGN_THROTTLE ?? 0);
/** What a hire cost per row before calls were shared (3.54 IAM calls on main 099c09b): the per-row ideal's basis. */
const PER_ROW_CALLS_PER_HIRE = 3.54;
/** The identity-domain operations a hire makes, for the injected 429s. */
const DOMAIN_OPERATIONS = ['ListUsers', 'GetUser', 'CreateUser', 'PatchUser', 'ListGroups', 'CreateGroup', 'PatchGroup', 'Bulk'];
/** IAM writes a hire of the bench's CSV makes (the user, 1.5 memberships on average): an upload's least time is rows × this ÷ rate. */
const WRITES_PER_HIRE = 2.5;
/** How far above that least time uploads have finished here (1.04× to 1.07× measured): for the expected durations. */
const UPLOAD_OVERHEAD = 1.1;

const minutes = (seconds: number) => (seconds < 90 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`);
/** Where an upload goes: classic IAM at the emulated rate, or an identity domain of a type under its published windows. */
type UploadPath = 'classic' | DomainType;
const UPLOAD_PATHS = ['classic', ...DOMAIN_TYPES] as const;
const pathName = (path: UploadPath) => (path === 'classic' ? 'classic IAM' : `${path} identity domain`);
/**
 * Seconds a hire of the bench's CSV costs on a domain, measured on 25c425c (docs/performance.md): on Free the
 * "Others" windows (150 calls a minute) bind, 10,000 hires in 141 s and 100,000 in 1,457 s; every other type
 * allows ten times as many and Bulk's 200 requests a minute bind, 84 s and 891 s on Premium.
 */
const DOMAIN_SECONDS_PER_HIRE = (type: DomainType) => (type === 'free' ? 0.015 : 0.009);
const expectedUploadSeconds = (rows: number, path: UploadPath = 'classic') =>
  path === 'classic' ? (rows * WRITES_PER_HIRE * UPLOAD_OVERHEAD) / IAM_WRITES_PER_SECOND + 10 : rows * DOMAIN_SECONDS_PER_HIRE(path) + 20;
/** The batch and the approach it replaces, measured at 1,000 hires: ~32 s and ~222 s (docs/performance.md). */
const expectedBatchSeconds = (rows: number) => (rows * (32 + 222)) / 1000 + 5;

/** The sizes a run measures: the quick ones unless named options ask for the long ones. */
interface Sizes {
  readonly batchRows: number;
  readonly blog: boolean;
  readonly lookupUsers: number;
  readonly uploadRows: readonly number[];
  readonly uploadPaths: readonly UploadPath[];
  readonly invocations: boolean;
}

/** What a run with no options measures, and each long size's option. */
const QUICK = { batchRows: 200, lookupUsers: 10_000, uploadRows: 1_000, uploadPaths: ['classic', 'free'] } as const;
const LONG = { batchRows: 1_000, lookupUsers: 100_000, uploadPaths: ['classic', 'free', 'premium'] } as const;

const spec = defineCommand({
  name: 'bench',
  usage: 'npm run bench -- [options]',
  summary: [
    'Measures the function on the local OCI. With no options it prints the headline figures in a few minutes:',
    `cold and warm invocations, a batch of ${QUICK.batchRows} hires (and the approach it replaces), the local OCI's`,
    `lookups at 1,000 and ${QUICK.lookupUsers.toLocaleString('en')} users, and an upload of ${QUICK.uploadRows.toLocaleString('en')} hires on the classic path at the`,
    `emulated IAM rate (about ${minutes(expectedUploadSeconds(QUICK.uploadRows))}) and into a Free identity domain under its published windows (about`,
    `${minutes(expectedUploadSeconds(QUICK.uploadRows, 'free'))}). The long sizes are options, each with its expected duration on a 2-core machine;`,
    'the run prints what it will do, and how long, first.',
  ].join('\n'),
  options: {
    'batch-1k': {
      type: 'boolean',
      description: `the batch and the replaced approach at 1,000 hires, 40 ms per call (about ${minutes(expectedBatchSeconds(LONG.batchRows))})`,
    },
    'lookups-100k': { type: 'boolean', description: "the local OCI's lookups with 100,000 users held (about 1 min)" },
    'upload-10k': {
      type: 'boolean',
      description: `uploads of 10,000 hires on each path (classic about ${minutes(expectedUploadSeconds(10_000))}, a Free domain about ${minutes(expectedUploadSeconds(10_000, 'free'))}, a Premium one ${minutes(expectedUploadSeconds(10_000, 'premium'))})`,
    },
    'upload-100k': {
      type: 'boolean',
      description: `uploads of 100,000 hires on each path (classic about ${minutes(expectedUploadSeconds(100_000))}, a Free domain about ${minutes(expectedUploadSeconds(100_000, 'free'))}, a Premium one ${minutes(expectedUploadSeconds(100_000, 'premium'))})`,
    },
    paths: {
      type: 'string',
      description: `where uploads go, comma-separated: ${UPLOAD_PATHS.join(', ')} (${QUICK.uploadPaths.join(',')}; ${LONG.uploadPaths.join(',')} with --long)`,
    },
    long: { type: 'boolean', description: 'every long size above, on the classic path and on Free and Premium domains' },
    'only-uploads': { type: 'boolean', description: 'the uploads alone, nothing else' },
  },
  notes: [
    [
      'environment:',
      `  BENCH_IAM_WRITES_PER_SECOND, BENCH_IAM_READS_PER_SECOND  the emulated rate (${IAM_WRITES_PER_SECOND} and ${IAM_READS_PER_SECOND}); upload times scale with it`,
      `  BENCH_DEADLINE_S        each upload invocation's deadline (${UPLOAD_DEADLINE_S})`,
      '  BENCH_UPLOAD_ROWS       upload sizes, comma-separated, instead of the options (e.g. 2000,5000)',
      '  BENCH_BATCH_ROWS        the batch size instead of the options; BENCH_SKIP_BLOG=1 skips the replaced approach',
      "  BENCH_NODE_ARGS         the function's Node flags instead of the deployed ones (' ' for none)",
      "  BENCH_LOG               a path prefix: every upload invocation's log lines go to <prefix>.<path>-<rows>.log",
    ].join('\n'),
  ],
});

function sizesOf(values: {
  readonly 'batch-1k'?: boolean;
  readonly 'lookups-100k'?: boolean;
  readonly paths?: string;
  readonly 'upload-10k'?: boolean;
  readonly 'upload-100k'?: boolean;
  readonly long?: boolean;
  readonly 'only-uploads'?: boolean;
}): Sizes {
  const all = values.long === true;
  const uploads = [...(all || values['upload-10k'] ? [10_000] : []), ...(all || values['upload-100k'] ? [100_000] : [])];
  const paths = values.paths?.split(',').map((p) => p.trim());
  const unknown = paths?.filter((p) => !(UPLOAD_PATHS as readonly string[]).includes(p)) ?? [];
  if (unknown.length > 0) throw new Error(`--paths: ${unknown.join(', ')} is not one of ${UPLOAD_PATHS.join(', ')}`);
  const fromEnv = process.env.BENCH_UPLOAD_ROWS?.split(',')
    .map(Number)
    .filter((n) => n > 0);
  return {
    batchRows: Number(process.env.BENCH_BATCH_ROWS ?? (all || values['batch-1k'] ? LONG.batchRows : QUICK.batchRows)),
    blog: process.env.BENCH_SKIP_BLOG !== '1',
    lookupUsers: all || values['lookups-100k'] ? LONG.lookupUsers : QUICK.lookupUsers,
    uploadRows: fromEnv ?? (uploads.length > 0 ? uploads : [QUICK.uploadRows]),
    uploadPaths: (paths as UploadPath[] | undefined) ?? (all ? LONG.uploadPaths : QUICK.uploadPaths),
    invocations: values['only-uploads'] !== true && process.env.BENCH_ONLY_UPLOADS !== '1',
  };
}

/** The plan of a run, with the expected duration of each part, printed before it starts. */
function plan(sizes: Sizes): string[] {
  const parts: [string, number][] = [];
  if (sizes.invocations) {
    parts.push([`cold and warm invocations (${COLD_RUNS} cold processes, ${WARM_RUNS} warm hires)`, 30]);
    parts.push([
      `batch of ${sizes.batchRows} hires${sizes.blog ? ' and the replaced approach' : ''}`,
      sizes.blog ? expectedBatchSeconds(sizes.batchRows) : (sizes.batchRows * 32) / 1000 + 5,
    ]);
    parts.push([`local OCI lookups at 1,000 and ${sizes.lookupUsers.toLocaleString('en')} users`, sizes.lookupUsers >= 100_000 ? 60 : 10]);
  }
  for (const rows of sizes.uploadRows)
    for (const path of sizes.uploadPaths)
      parts.push([`upload of ${rows.toLocaleString('en')} hires, ${pathName(path)}`, expectedUploadSeconds(rows, path)]);
  const total = parts.reduce((sum, [, seconds]) => sum + seconds, 0);
  return [
    `npm run bench: expected about ${minutes(total)} on a 2-core machine (longer under load); --help lists the long sizes`,
    ...parts.map(([what, seconds]) => `  ${what.padEnd(62)} ~${minutes(seconds)}`),
    '',
  ];
}

runCommand(spec, async ({ values }) => {
  const sizes = sizesOf(values);
  for (const line of plan(sizes)) out(line);
  if (sizes.invocations) {
    await invocationFigures(sizes);
    await localOciFigures(sizes.lookupUsers);
  }
  for (const rows of sizes.uploadRows) for (const path of sizes.uploadPaths) await uploadFigure(rows, path);
  return CommonExit.Ok;
});

/** The local OCI must not slow down as it fills, or a large upload measures the emulator, not the rate. */
async function localOciFigures(largeUsers: number): Promise<void> {
  const figures = await lookupFigures(largeUsers);
  const large = `${largeUsers.toLocaleString('en')} users`;
  out(`Local OCI: each call a hire makes, in its handlers (ms)  1,000 users  ${large}`);
  for (const { label, small, large: big } of figures) {
    out(`  ${label.padEnd(56)} ${small.toFixed(3).padStart(8)}  ${big.toFixed(3).padStart(8)}`);
  }
  const worst = Math.max(...figures.map((f) => f.large));
  out(
    `  slowest call at ${large} (ms)${' '.repeat(Math.max(1, 40 - large.length))}${worst.toFixed(3).padStart(8)}   target < 2 (no scan of every user)`,
  );
}

async function invocationFigures(sizes: Sizes): Promise<void> {
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

  out(`Batch: ${sizes.batchRows} hires from a CSV upload, ${LATENCY_MS} ms added to every OCI call`);
  const batch = await batchFigure(sizes.batchRows);
  out(`  whole batch through the function (s)               ${fmt(batch.ms / 1000, 1)}   (${batch.succeeded} succeeded)`);
  out(`  IAM calls per hire (groups/policies once)          ${fmt(batch.callsPerHire, 2)}`);
  out(`  peak RSS during the batch (MB)                     ${fmt(batch.peakMb, 1)}   < 256 (func.yaml memory)`);
  if (!sizes.blog) return;
  const blogMs = await blogFigure(sizes.batchRows);
  out(`  blog approach, 5 sequential calls per hire (s)     ${fmt(blogMs / 1000, 1)}   (a policy per hire: ${sizes.batchRows} policies)`);
  out(`  speed-up                                           ${fmt(blogMs / batch.ms, 1)}x`);
}

/**
 * An upload through the real function, on a pool of containers, with the tenancy's IAM rate
 * emulated: the time it takes against the least the rate allows (IAM calls ÷ rate).
 */
async function uploadFigure(rows: number, path: UploadPath): Promise<void> {
  const domainType = path === 'classic' ? undefined : path;
  const stack = await startLocalStack({
    iamRate: { writesPerSecond: IAM_WRITES_PER_SECOND, readsPerSecond: IAM_READS_PER_SECOND, burstSeconds: 1 },
    // Counts, not entries: 300,000 requests with their bodies held the local OCI's heap at hundreds of MB,
    // and its garbage collection slowed the last third of a 100,000-row run.
    requestLog: 'tally',
    ...(domainType ? { identityDomain: 'Employees', domainType, domainLimits: 'published' as const } : {}),
    ...(FOREIGN_THROTTLE > 0 ? { faults: [{ operations: DOMAIN_OPERATIONS, status: 429 as const, rate: FOREIGN_THROTTLE }] } : {}),
  });
  const cpuBefore = process.cpuUsage();
  const loadBefore = loadavg()[0] ?? 0;
  const begun = performance.now();
  // A line a minute, so that a long run shows its pace even if it is stopped before the end.
  const progress = setInterval(() => {
    const done =
      stack.oci.state.domain?.users.size ?? callsOf(stack.oci.requests.tally(), (c) => c.operation === 'CreateUser' && c.outcome === 'ok');
    const seconds = (performance.now() - begun) / 1000;
    out(`  … ${seconds.toFixed(0)} s: ${done} users created (${(done / seconds).toFixed(1)} a second), load ${loadavg()[0]?.toFixed(1)}`);
  }, 60_000);
  const run = await driveUpload({
    stack,
    name: `incoming/bench-${rows}.csv`,
    content: hiresCsv(rows),
    deadlineMs: UPLOAD_DEADLINE_S * 1000,
    entry: bundlePath(),
    maxContainers: 8,
    env: { OCI_MAX_ATTEMPTS: '8', ...(domainType ? { IDENTITY_DOMAIN_TYPE: domainType } : {}) },
    timeoutMs: 6 * 60 * 60_000,
    // BENCH_LOG=<file>: every invocation's log lines, to read where a run spent its time or stopped.
    ...(process.env.BENCH_LOG ? { logFile: `${process.env.BENCH_LOG}.${domainType ?? 'classic'}-${rows}.log` } : {}),
  }).finally(() => clearInterval(progress));
  const used = process.cpuUsage(cpuBefore);
  // This process is the local OCI (and the driver, which does little): its CPU is what serving OCI cost.
  const ociCpuSeconds = (used.user + used.system) / 1e6;
  const tally = stack.oci.requests.tally();
  const iamCalls = callsOf(tally, (c) => c.service === 'identity' && c.outcome === 'ok');
  const storage = callsOf(tally, (c) => c.service === 'objectstorage');
  const writes = callsOf(tally, (c) => c.service === 'identity' && c.outcome === 'ok' && c.iamWrite);
  const reads = iamCalls - writes;
  const domainCalls = callsOf(tally, (c) => c.service === 'identitydomains' && c.outcome === 'ok');
  // On a domain: the least each API group's windows allow for the calls made in it (a minute's allowance
  // per minute, or the second's, whichever binds), the slowest group setting it.
  const windowIdeal = (calls: number, group: 'Others' | 'Bulk') => {
    if (!domainType || calls === 0) return 0;
    const limit = DOMAIN_RATE_LIMITS[group][domainType];
    return Math.max((calls / limit.perMinute) * 60, calls / limit.perSecond);
  };
  const bulkCalls = callsOf(tally, (c) => c.service === 'identitydomains' && c.outcome === 'ok' && c.operation === 'Bulk');
  const ideal = domainType
    ? Math.max(windowIdeal(domainCalls - bulkCalls, 'Others'), windowIdeal(bulkCalls, 'Bulk'), writes / IAM_WRITES_PER_SECOND)
    : Math.max(writes / IAM_WRITES_PER_SECOND, reads / IAM_READS_PER_SECOND);
  const perRowIdeal = windowIdeal(PER_ROW_CALLS_PER_HIRE * rows, 'Others');
  const created = domainType
    ? (stack.oci.state.domain?.users.size ?? 0)
    : callsOf(tally, (c) => c.operation === 'CreateUser' && c.outcome === 'ok');
  const users = domainType
    ? new Set([...(stack.oci.state.domain?.users.values() ?? [])].map((u) => u.userName.toLowerCase())).size
    : new Set([...stack.oci.state.users.values()].map((u) => u.name)).size;
  const cpuTotal = run.functionCpuSeconds + ociCpuSeconds;
  // What the machine could do at best: every CPU second spent, spread over every core.
  const cpuFloor = cpuTotal / availableParallelism();
  const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(7);
  out(
    domainType
      ? `Upload of ${rows} hires into a ${domainType} identity domain (CSV, published windows enforced${FOREIGN_THROTTLE > 0 ? `, ${FOREIGN_THROTTLE * 100} % of domain calls throttled by another client` : ''}, ${UPLOAD_DEADLINE_S} s per invocation)`
      : `Upload of ${rows} hires (CSV, ${IAM_WRITES_PER_SECOND} IAM writes/s and ${IAM_READS_PER_SECOND} reads/s emulated, ${UPLOAD_DEADLINE_S} s per invocation)`,
  );
  out(
    `  status                                             ${run.status.padStart(7)}   (${run.counts.succeeded} succeeded, ${run.counts.failed} failed)`,
  );
  out(`  total time (s)                                     ${fmt(run.seconds, 1)}`);
  out(
    `  machine load (1-min average, before / after)       ${fmt(loadBefore, 1)} / ${loadavg()[0]?.toFixed(1)}   (other work on the machine slows the run)`,
  );
  out(
    `  ideal: IAM calls ÷ rate (s)                        ${fmt(ideal, 1)}   ratio ${(run.seconds / ideal).toFixed(2)} (target ≤ ${domainType ? '1.3' : '1.2'})`,
  );
  out(
    `  CPU-bound floor: CPU s ÷ ${availableParallelism()} cores (s)                ${fmt(cpuFloor, 1)}   ${cpuFloor > ideal ? 'the machine, not the emulated rate, is the bottleneck' : 'below the ideal: the rate is the bottleneck'}`,
  );
  out(
    `  CPU per IAM call: function / local OCI (ms)        ${fmt((run.functionCpuSeconds * 1000) / iamCalls, 2)} / ${((ociCpuSeconds * 1000) / iamCalls).toFixed(2)}`,
  );
  out(`  invocations                                        ${fmt(run.invocations)}`);
  out(`  invocations at once (mean) / idle between them (s) ${fmt(run.meanConcurrency, 2)} / ${run.idleSeconds.toFixed(1)}`);
  out(`  Object Storage calls per chunk row                 ${fmt(storage / rows, 3)}`);
  out(`  peak RSS of the largest invocation (MB)            ${fmt(run.peakRssMb, 1)}   < 128`);
  if (run.peakCall)
    out(
      `    reached in call ${run.peakCall.callOfContainer} of container ${run.peakCall.container} (its peak before: ${run.peakCall.beforeMb.toFixed(1)} MB), which answered ${run.peakCall.answer}`,
    );
  out(
    `  RSS after a container's first / last call (MB)     ${fmt(run.rssAfterFirstCallMb, 1)} / ${run.rssAfterLastCallMb.toFixed(1)}   (medians; up to ${run.mostCallsPerContainer} calls a container)`,
  );
  out(`  IAM calls per hire (reads + writes)                ${fmt((iamCalls + domainCalls) / rows, 2)}`);
  if (domainType) {
    out(`  identity-domain calls per hire / Bulk requests     ${fmt(domainCalls / rows, 3)} / ${bulkCalls}`);
    out(
      `  the per-row path's ideal (${PER_ROW_CALLS_PER_HIRE} calls a hire) (s)     ${fmt(perRowIdeal, 1)}   (${(perRowIdeal / 3600).toFixed(2)} h)`,
    );
    const byOperation = new Map<string, number>();
    for (const row of tally)
      if (row.service === 'identitydomains' && row.outcome === 'ok')
        byOperation.set(row.operation, (byOperation.get(row.operation) ?? 0) + row.calls);
    out(`  identity-domain calls by operation                 ${[...byOperation].map(([op, n]) => `${op} ${n}`).join(', ')}`);
    const groups = stack.oci.domainRate.counts;
    out(
      `  domain calls answered / throttled: Others, Bulk    ${groups.Others.answered} / ${groups.Others.throttled}, ${groups.Bulk.answered} / ${groups.Bulk.throttled}`,
    );
  }
  out(
    `  throttled IAM calls (429)                          ${fmt(stack.oci.iamRate.throttled.writes + stack.oci.iamRate.throttled.reads)}`,
  );
  out(`  duplicate users                                    ${fmt(created - users)}   0`);
  const failed = run.final?.kind === 'batch' ? run.final.report.failures : [];
  for (const f of failed.slice(0, 5))
    out(`  failed row: line ${f.line} ${f.userName ?? f.employeeId ?? ''}: ${f.error.code} ${f.error.message.slice(0, 300)}`);
  if (run.functionErrors.length > 0)
    out(`  invocations that failed: ${run.functionErrors.length}, e.g. ${run.functionErrors[0]?.slice(0, 300)}`);
  if (run.errors.length > 0) out(`  invocations with no answer: ${run.errors.length}, e.g. ${run.errors[0]?.slice(0, 800)}`);
  if (run.status !== 'complete') {
    // Not complete: what the last invocations answered and said about finishing, to see where it stopped.
    for (const answer of run.answers.slice(-6))
      out(`  answer: ${answer.kind} ${answer.status}${'reason' in answer ? ` (${answer.reason})` : ''}`);
    for (const line of run.finishingLog) out(`  log: ${line.slice(0, 400)}`);
  }
  await stack.oci.stop();
}

/** The requests of a tally that `which` picks. */
const callsOf = (tally: readonly CallTally[], which: (row: CallTally) => boolean) =>
  tally.filter(which).reduce((sum, row) => sum + row.calls, 0);

/** A CSV of new hires, half with one role and half with two, across two compartments. */
function hiresCsv(count: number): string {
  const lines = ['employeeId,userName,email,givenName,familyName,roles,compartment'];
  for (let i = 1; i <= count; i += 1)
    lines.push(
      `B${i},batch${i}@example.com,batch${i}@example.com,Batch,Hire ${i},${i % 2 ? 'developer;auditor' : 'auditor'},${i % 3 ? 'dev' : 'test'}`,
    );
  return `${lines.join('\n')}\n`;
}

/** The whole batch through the function: an OCI Events upload event for the CSV. */
async function batchFigure(rows: number): Promise<{ ms: number; callsPerHire: number; peakMb: number; succeeded: number }> {
  const stack = await startLocalStack({ faults: [{ latencyMs: LATENCY_MS }] });
  stack.oci.state.putObject(stack.uploadBucket, 'incoming/bench.csv', hiresCsv(rows), 'text/csv');
  const event = JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'test', 'fixtures', 'envelopes', 'oci-event-createobject.json'), 'utf8'),
  );
  event.eventID = randomUUID();
  event.data.resourceName = 'incoming/bench.csv';
  event.data.additionalDetails.namespace = stack.oci.state.namespace;
  event.data.additionalDetails.bucketName = stack.uploadBucket;
  const fn = await startFunction({ entry: bundlePath(), env: { ...stack.functionEnv, OCI_MAX_ATTEMPTS: '8' }, nodeArgs });
  const started = performance.now();
  const response = await fn.invoke(JSON.stringify(event), { deadlineMs: 300_000 });
  const ms = performance.now() - started;
  const result = response.json as BatchResult;
  if (result.kind !== 'batch' || result.report.status !== 'complete')
    throw new Error(`batch did not complete: ${response.body.slice(0, 500)}`);
  const peakMb = peakRssMb(fn.pid);
  const calls = stack.oci.requests.entries().filter((e) => e.service !== 'objectstorage' && e.service !== 'notifications').length;
  await fn.stop();
  await stack.oci.stop();
  return { ms, callsPerHire: calls / rows, peakMb, succeeded: result.report.counts.succeeded };
}

/**
 * The approach this project replaces, on the same local OCI and latency: per hire, five sequential
 * calls (create the user, find or create the group, add the membership, create a policy for this
 * person, reset the console password), one policy per hire.
 */
async function blogFigure(rows: number): Promise<number> {
  const stack = await startLocalStack({ faults: [{ latencyMs: LATENCY_MS }] });
  const client = new IdentityClient(
    { authenticationDetailsProvider: new common.ConfigFileAuthenticationDetailsProvider(stack.oci.credentials.files.configFile) },
    clientConfiguration,
  );
  client.endpoint = stack.oci.endpointFor(stack.oci.homeRegion);
  const tenancy = stack.oci.credentials.tenancyId;
  let groupId: string | undefined;
  const started = performance.now();
  for (let i = 1; i <= rows; i += 1) {
    const user = (
      await client.createUser({ createUserDetails: { compartmentId: tenancy, name: `blog${i}@example.com`, description: `hire ${i}` } })
    ).user;
    const found = (await client.listGroups({ compartmentId: tenancy, name: 'blog-developers' })).items[0];
    groupId =
      found?.id ??
      groupId ??
      (await client.createGroup({ createGroupDetails: { compartmentId: tenancy, name: 'blog-developers', description: 'd' } })).group.id;
    await client.addUserToGroup({ addUserToGroupDetails: { userId: user.id, groupId } });
    await client.createPolicy({
      createPolicyDetails: {
        compartmentId: tenancy,
        name: `blog-policy-${i}`,
        description: 'd',
        statements: ['Allow group blog-developers to read buckets in compartment dev'],
      },
    });
    await client.createOrResetUIPassword({ userId: user.id });
  }
  const ms = performance.now() - started;
  await stack.oci.stop();
  return ms;
}
