// `npm start`: the whole function on the local OCI — first onboarding, then a replay that must write nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OnboardingResult } from '../core/result';
import { startFunction } from '../local-oci/fn-harness';
import { startLocalStack } from '../local-oci/stack';
import { bundlePath, out, printSteps } from './print';

async function main(): Promise<number> {
  const stack = await startLocalStack();
  const fn = await startFunction({ entry: bundlePath(), env: stack.functionEnv });
  try {
    out(`Local OCI on ${stack.oci.endpoint} (home region ${stack.oci.homeRegion}, function region ${stack.oci.defaultRegion})`);
    out(`Function listening on its Fn socket after ${fn.startupMs.toFixed(0)} ms`);
    const event = readFileSync(join(__dirname, '..', '..', 'examples', 'new-hire.json'), 'utf8');
    out(`\nNew-hire event (examples/new-hire.json):\n${event.trim()}`);

    const runs: { label: string; result: OnboardingResult; writes: number }[] = [];
    for (const label of ['First delivery', 'Replay of the same event']) {
      const mark = stack.oci.requests.mark();
      const response = await fn.invoke(event);
      const result = response.json as OnboardingResult;
      const writes = stack.oci.requests.iamWrites(mark).length;
      const calls = stack.oci.requests.entries(mark).length;
      runs.push({ label, result, writes });
      out(`\n${label}: ${result.status} in ${result.durationMs} ms — ${writes} IAM writes, ${calls} OCI calls`);
      printSteps(result);
    }

    const messages = stack.oci.state.messages(stack.topicId);
    const last = messages.at(-1);
    out(`\nONS topic received ${messages.length} messages. The last one:`);
    out(`  Title: ${last?.title ?? '(none)'}`);
    out((last?.body ?? '').split('\n--- result (JSON) ---')[0]?.replace(/^/gm, '  '));
    out('  (followed by the machine-readable result as JSON)');

    const [first, replay] = runs;
    const ok = first?.result.status === 'succeeded' && replay?.result.status === 'succeeded' && replay.writes === 0;
    out(`\n${ok ? 'OK' : 'NOT OK'}: first delivery wrote ${first?.writes ?? '?'}, replay wrote ${replay?.writes ?? '?'}.`);
    return ok ? 0 : 1;
  } finally {
    await fn.stop();
    await stack.oci.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
