// `npm run setup -- <setup.json> [--apply] [--profile NAME] [--config-file PATH]`: makes sure of what the
// function needs around it in a tenancy (dynamic group, policy, topic and subscriptions, buckets,
// Events rule, invoke log, function config). Prints the plan; writes it only with --apply.

import { dirname, resolve } from 'node:path';
import { renderPlan } from '../setup/plan';
import { OnboardingError } from '../support/errors';
import { CommonExit, defineCommand, readArgumentFile, runCommand, UsageError, userPath } from './args';
import { out } from './print';

const spec = defineCommand({
  name: 'setup',
  usage: 'npm run setup -- <setup.json> [--apply] [--profile NAME] [--config-file PATH]',
  summary: [
    'Plans what the deployed function needs around it in the tenancy (dynamic group, policy, ONS topic and',
    'subscriptions, buckets, Events rule, invoke log, function config) against what is there, and prints the',
    'plan. Writes nothing without --apply; a second --apply has nothing to do. See examples/setup.json.',
  ].join('\n'),
  options: {
    apply: { type: 'boolean', description: 'write the plan' },
    profile: { type: 'string', value: 'NAME', description: 'the OCI config-file profile to sign with (default DEFAULT)' },
    'config-file': { type: 'string', value: 'PATH', description: 'the OCI config file (default ~/.oci/config)' },
    'endpoint-template': { type: 'string', value: 'URL', description: 'testing only: send every call to http://host:port/r/{region}' },
  },
  positionals: { min: 1, max: 1, label: 'the set-up file (setup.json)' },
  notes: ['Exit codes: 0 planned (or applied), 1 a problem stopped it before any write or a call failed, 2 a bad argument.'],
});

runCommand(spec, async ({ values, positionals }) => {
  const file = positionals[0] ?? '';
  let input: unknown;
  try {
    input = JSON.parse(readArgumentFile(file).toString('utf8'));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
  // The catalog file is named relative to the set-up file.
  const catalogFile = (input as { catalogFile?: unknown } | null)?.catalogFile;
  const catalogText =
    typeof catalogFile === 'string' ? readArgumentFile(resolve(dirname(userPath(file)), catalogFile)).toString('utf8') : undefined;
  // The SDK clients load only once the arguments are known to be good.
  const { runSetup } = await import('../setup/run');
  let outcome: Awaited<ReturnType<typeof runSetup>>;
  try {
    outcome = await runSetup({
      input,
      catalogText,
      apply: values.apply === true,
      profile: values.profile,
      configFile: values['config-file'] ? userPath(values['config-file']) : undefined,
      endpointTemplate: values['endpoint-template'],
    });
  } catch (error) {
    if (!(error instanceof OnboardingError)) throw error;
    console.error(`setup: ${error.code}: ${error.message}${error.problems.map((p) => `\n  - ${p.path}: ${p.message}`).join('')}`);
    return CommonExit.Failed;
  }
  out(renderPlan(outcome.steps));
  if (outcome.problems.length > 0) {
    console.error(`\nNothing was written. Fix these first:\n${outcome.problems.map((p) => `  - ${p}`).join('\n')}`);
    return CommonExit.Failed;
  }
  if (!values.apply) {
    out('\nDry run: nothing was written. Run again with --apply to write it.');
    return CommonExit.Ok;
  }
  out(outcome.applied.length ? `\n${outcome.applied.map((line) => `  ${line}`).join('\n')}` : '\nNothing to do.');
  return CommonExit.Ok;
});
