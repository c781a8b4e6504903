// The life of one identity on the local OCI, for `npm start`: a joiner, a mover, a leaver, each replayed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OnboardingResult } from '../core/result';
import type { RunningFunction } from '../local-oci/fn-harness';
import type { LocalStack } from '../local-oci/stack';
import { out, printSteps } from './print';

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const STAGES = [
  ['Joiner', 'new-hire.json'],
  ['Mover', 'mover.json'],
  ['Leaver', 'leaver.json'],
] as const;

/** One run of the demo: what it wrote, and whether its replay wrote nothing. */
export interface StageRun {
  readonly label: string;
  readonly status: string;
  readonly writes: number;
  readonly replayWrites: number;
}

/**
 * Sends each example event to the function, then the same event again, and prints the steps and the IAM
 * writes of both: the first run converges, the replay finds nothing to do.
 */
export async function runLifecycle(stack: LocalStack, fn: RunningFunction): Promise<StageRun[]> {
  const runs: StageRun[] = [];
  for (const [label, file] of STAGES) {
    const event = readFileSync(join(EXAMPLES, file), 'utf8');
    out(`\n${label} (examples/${file}):\n${event.trim()}`);
    const writes: number[] = [];
    let status = '';
    for (const attempt of ['First delivery', 'Replay']) {
      const mark = stack.oci.requests.mark();
      const result = (await fn.invoke(event)).json as OnboardingResult;
      const count = stack.oci.requests.iamWrites(mark).length;
      writes.push(count);
      if (attempt === 'First delivery') status = result.status;
      out(`  ${attempt}: ${result.status} in ${result.durationMs} ms, ${count} IAM writes`);
      printSteps(result);
    }
    runs.push({ label, status, writes: writes[0] ?? -1, replayWrites: writes[1] ?? -1 });
  }
  return runs;
}

/** True when every stage succeeded and every replay wrote nothing. */
export const lifecycleOk = (runs: readonly StageRun[]) =>
  runs.every((r) => r.status === 'succeeded' && r.writes > 0 && r.replayWrites === 0);
