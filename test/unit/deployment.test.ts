import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUNCTION_ENV, FUNCTION_NODE_ARGS, startFunction } from '@oci-iam-onboarding/local-oci/fn-harness';
import type { Metafile } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledPackages } from '../../scripts/build';

const root = join(__dirname, '..', '..');
const entryScript = join(root, 'scripts', 'fn-entry.sh');
const MB = 1024 * 1024;

/** Runs the container's entry script as the Dockerfile does, with a probe instead of func.js. */
function heapUnder(env: Record<string, string>): { execArgv: string[]; heapLimitMb: number; gc: string; arenas?: string } {
  const probe =
    "console.log(JSON.stringify({ execArgv: process.execArgv.filter((a) => a.startsWith('--')), gc: typeof gc, heapLimit: require('v8').getHeapStatistics().heap_size_limit, arenas: process.env.MALLOC_ARENA_MAX }))";
  const out = execFileSync('sh', [entryScript, '-e', probe], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  const parsed = JSON.parse(out) as { execArgv: string[]; heapLimit: number; gc: string; arenas?: string };
  return { execArgv: parsed.execArgv, heapLimitMb: parsed.heapLimit / MB, gc: parsed.gc, arenas: parsed.arenas };
}

describe('the container entry point', () => {
  const cgroups = mkdtempSync(join(tmpdir(), 'cgroup-'));
  afterAll(() => rmSync(cgroups, { recursive: true, force: true }));

  it('is the entry script, running the bundle', () => {
    // Prepare
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    // Act
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    // Assess
    expect(JSON.parse(entrypoint ?? '[]')).toEqual(['/bin/sh', 'fn-entry.sh', 'func.js']);
    expect(dockerfile).toMatch(/^COPY --from=build .*\/function\/scripts\/fn-entry\.sh \.\/$/m);
    expect(dockerfile).toMatch(/THIRD-PARTY-NOTICES\.txt/);
  });

  it("runs as uid 1000, with files readable by it whatever the checkout's modes", () => {
    // Prepare
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    // Assess: the modes are set in the build stage, and the runtime stage copies only from there
    // (npm run image-test builds from a umask-077 copy and reads the files as uid 1000).
    expect(runtimeStage).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toMatch(/chmod 0444 dist\/func\.js dist\/THIRD-PARTY-NOTICES\.txt && chmod 0555 scripts\/fn-entry\.sh/);
    expect(runtimeStage.match(/^COPY .*$/gm)?.every((line) => line.startsWith('COPY --from=build '))).toBe(true);
  });

  it.each([
    [128, 64],
    [256, 128],
    [512, 384],
    [1024, 896],
    [3072, 2944],
  ])('gives a %i MB function an old generation of %i MB, read back from V8', (memory, oldSpace) => {
    // Act
    const { execArgv, heapLimitMb, gc } = heapUnder({ FN_MEMORY: String(memory) });
    // Assess: the heap limit is the old generation plus the small young generation; gc() is there to call.
    expect(execArgv).toEqual(['--max-semi-space-size=2', '--expose-gc', `--max-old-space-size=${oldSpace}`]);
    expect(gc).toBe('function');
    expect(heapLimitMb).toBeGreaterThanOrEqual(oldSpace);
    expect(heapLimitMb).toBeLessThan(oldSpace + 16);
  });

  it('runs the function with the flags and the environment the tests use when the function has 256 MB', () => {
    // Act
    const { execArgv, arenas } = heapUnder({ FN_MEMORY: '256' });
    // Assess
    expect(execArgv).toEqual([...FUNCTION_NODE_ARGS]);
    expect({ MALLOC_ARENA_MAX: arenas }).toEqual(FUNCTION_ENV);
  });

  it("keeps one malloc arena unless the function's configuration says otherwise", () => {
    // Act
    const given = heapUnder({ FN_MEMORY: '256', MALLOC_ARENA_MAX: '2' });
    // Assess
    expect(heapUnder({ FN_MEMORY: '512' }).arenas).toBe('1');
    expect(given.arenas).toBe('2');
  });

  it('falls back to the cgroup v2 limit, then v1, and to no cap when unlimited', () => {
    // Prepare
    const v2 = join(cgroups, 'v2');
    const v1 = join(cgroups, 'v1');
    const unlimited = join(cgroups, 'unlimited');
    mkdirSync(v2);
    mkdirSync(join(v1, 'memory'), { recursive: true });
    mkdirSync(unlimited);
    writeFileSync(join(v2, 'memory.max'), `${512 * MB}\n`);
    writeFileSync(join(v1, 'memory', 'memory.limit_in_bytes'), `${1024 * MB}\n`);
    writeFileSync(join(unlimited, 'memory.max'), 'max\n');
    // Act
    const fromV2 = heapUnder({ FN_CGROUP_DIR: v2 });
    const fromV1 = heapUnder({ FN_CGROUP_DIR: v1 });
    const none = heapUnder({ FN_CGROUP_DIR: unlimited });
    // Assess
    expect(fromV2.execArgv).toContain('--max-old-space-size=384');
    expect(fromV1.execArgv).toContain('--max-old-space-size=896');
    expect(none.execArgv).toEqual(['--max-semi-space-size=2', '--expose-gc']);
  });
});

describe('the function process', () => {
  it('ends promptly, with exit code 143, on SIGTERM', async () => {
    // Prepare
    const fn = await startFunction({ entry: join(root, 'dist', 'func.js'), startTimeoutMs: 30_000 });
    const started = performance.now();
    // Act
    process.kill(fn.pid ?? 0, 'SIGTERM');
    while (!fn.exit() && performance.now() - started < 5000) await new Promise((resolve) => setTimeout(resolve, 10));
    const took = performance.now() - started;
    await fn.stop();
    // Assess: exited by itself (a code, not the signal's default action), well before a 2 s stop timeout.
    expect(fn.exit()).toEqual({ code: 143, signal: null });
    expect(took).toBeLessThan(1500);
    expect(fn.stdout.some((line) => line.includes('stopping on SIGTERM'))).toBe(true);
  });
});

describe('func.yaml', () => {
  it('declares memory and timeout within what OCI Functions offers', () => {
    const yaml = readFileSync(join(root, 'func.yaml'), 'utf8');
    expect(yaml).toMatch(/^schema_version: 20180708$/m);
    expect([128, 256, 512, 1024, 2048, 3072]).toContain(Number(/^memory: (\d+)$/m.exec(yaml)?.[1]));
    expect(Number(/^timeout: (\d+)$/m.exec(yaml)?.[1])).toBeLessThanOrEqual(300);
  });
});

describe('the bundle (built by the global setup, as npm run build builds it)', () => {
  const metafile = JSON.parse(readFileSync(join(root, 'dist', 'func.js.meta.json'), 'utf8')) as Metafile;
  const packages = bundledPackages(metafile);

  it('loads no deprecated Node module: node-fetch is the built-in fetch, so tr46 never requires punycode (DEP0040)', () => {
    // Prepare
    const bundle = readFileSync(join(root, 'dist', 'func.js'), 'utf8');
    // Assess
    expect(bundle).not.toMatch(/require\(["'](node:)?punycode["']\)/);
    expect(packages.map((p) => p.name)).not.toEqual(expect.arrayContaining(['node-fetch']));
    expect(packages.map((p) => p.name)).not.toContain('tr46');
  });

  it('never contains the oci-sdk umbrella package', () => {
    const oci = packages.map((p) => p.name).filter((name) => name.startsWith('oci-'));
    expect(oci.sort()).toEqual([
      'oci-common',
      'oci-functions',
      'oci-identity',
      'oci-identitydomains',
      'oci-objectstorage',
      'oci-ons',
      'oci-queue',
      'oci-secrets',
    ]);
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies['oci-sdk']).toBeUndefined();
  });

  it('ships the licence and notice files of every third-party package it contains beside it', () => {
    // Prepare
    const notices = readFileSync(join(root, 'dist', 'THIRD-PARTY-NOTICES.txt'), 'utf8');
    // Assess
    expect(packages.length).toBeGreaterThan(10);
    for (const p of packages) {
      expect(notices).toContain(`${p.name}@${p.version}`);
      for (const t of p.texts) expect(notices).toContain(t.text);
    }
    // Packages that ship licence files are covered by their own text, e.g. the FDK's and the SDK's.
    expect(packages.find((p) => p.name === '@fnproject/fdk')?.texts.map((t) => t.file)).toContain('LICENSE');
    expect(packages.find((p) => p.name === 'oci-common')?.texts.map((t) => t.file)).toEqual(
      expect.arrayContaining(['LICENSE.txt', 'THIRD_PARTY_LICENSES.txt']),
    );
  });
});
