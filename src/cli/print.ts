import { join } from 'node:path';
import type { OnboardingResult } from '../core/result';

export const out = (text = '') => process.stdout.write(`${text}\n`);

/** One line per step, as a person reads it. */
export function printSteps(result: OnboardingResult): void {
  for (const step of result.steps) {
    const note = step.reason ? `  (${step.reason.length > 90 ? `${step.reason.slice(0, 89)}…` : step.reason})` : '';
    out(`    ${step.outcome.padEnd(9)} ${step.step.padEnd(16)} ${step.target}${note}`);
  }
  for (const error of result.errors) out(`    error ${error.code}: ${error.message}`);
}

/** The bundle `npm run build` writes: what OCI Functions runs. */
export const bundlePath = () => join(__dirname, '..', '..', 'dist', 'func.js');

export { userPath } from './args';
