// `npm run bench:bundle`: the bundle's size and cold start, minified and not, measured the same way
// (the Fn harness, a fresh process per run, a first onboarding against the local OCI), alternating
// the two so that a busy machine weighs on both alike. Prints figures; asserts nothing.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFunction } from '@oci-iam-onboarding/local-oci/fn-harness';
import { startLocalStack } from '../src/local-stack/stack';
import { buildBundle } from './build';

const runs = Number(process.env.BENCH_BUNDLE_RUNS ?? 15);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-bench-'));
  const variants = [
    { name: 'plain', file: join(dir, 'plain', 'func.js'), minify: false },
    { name: 'minified', file: join(dir, 'minified', 'func.js'), minify: true },
  ];
  for (const v of variants) await buildBundle({ outfile: v.file, minify: v.minify, keepNames: v.minify });
  const stack = await startLocalStack();
  const event = readFileSync(join(__dirname, '..', 'examples', 'new-hire.json'), 'utf8');
  const figures = new Map(variants.map((v) => [v.name, { listen: [] as number[], first: [] as number[] }]));
  try {
    for (let i = 0; i < runs; i += 1) {
      for (const v of variants) {
        const fn = await startFunction({ entry: v.file, env: stack.functionEnv });
        const started = performance.now();
        const response = await fn.invoke(event);
        const first = performance.now() - started;
        await fn.stop();
        if ((response.json as { status?: string } | undefined)?.status !== 'succeeded')
          throw new Error(`${v.name}: ${response.body.slice(0, 300)}`);
        figures.get(v.name)?.listen.push(fn.startupMs);
        figures.get(v.name)?.first.push(first);
      }
    }
  } finally {
    await stack.oci.stop();
  }
  process.stdout.write(
    `bundle cold start, median of ${runs} fresh processes each (the first onboarding is a replay after the first run)\n`,
  );
  for (const v of variants) {
    const f = figures.get(v.name);
    const mb = (statSync(v.file).size / 1e6).toFixed(2);
    process.stdout.write(
      `  ${v.name.padEnd(9)} ${mb} MB   socket listening ${median(f?.listen ?? []).toFixed(0)} ms   first invocation ${median(f?.first ?? []).toFixed(0)} ms\n`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
