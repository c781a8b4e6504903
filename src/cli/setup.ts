// `npm run setup -- <setup.json> [--apply] [--profile NAME] [--config-file PATH]`: makes sure of what the
// function needs around it in a tenancy (dynamic group, policy, topic and subscriptions, buckets,
// Events rule, invoke log, function config). Prints the plan; writes it only with --apply.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { renderPlan } from '../setup/plan';
import { OnboardingError } from '../support/errors';
import { out, userPath } from './print';

const usage = `usage: npm run setup -- <setup.json> [--apply] [--profile NAME] [--config-file PATH]

  Plans what the function needs around it in the tenancy and prints the plan (a dry run).
  --apply              write the plan
  --profile NAME       the OCI config-file profile (default DEFAULT; an administrator of the tenancy)
  --config-file PATH   the OCI config file (default ~/.oci/config)
  --endpoint-template  testing only: send every call to http://host:port/r/{region} (the local OCI)`;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    console.error(`setup: ${(error as Error).message.split('\n')[0]} (npm run setup -- --help)`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(usage);
    return 0;
  }
  const [file] = positionals;
  if (!file || positionals.length > 1) {
    console.error(`setup: ${file ? `unexpected argument ${positionals[1]}` : 'missing the set-up file'} (npm run setup -- --help)`);
    return 2;
  }
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(userPath(file), 'utf8'));
  } catch (error) {
    console.error(`setup: cannot read ${file}: ${(error as Error).message}`);
    return 2;
  }
  // The SDK clients load only once the arguments are known to be good.
  const { runSetup } = await import('../setup/run');
  const outcome = await runSetup({
    input,
    apply: values.apply === true,
    profile: values.profile,
    configFile: values['config-file'] ? userPath(values['config-file']) : undefined,
    endpointTemplate: values['endpoint-template'],
  });
  out(renderPlan(outcome.steps));
  if (outcome.problems.length > 0) {
    console.error(`\nNothing was written. Fix these first:\n${outcome.problems.map((p) => `  - ${p}`).join('\n')}`);
    return 1;
  }
  if (!values.apply) {
    out('\nDry run: nothing was written. Run again with --apply to write it.');
    return 0;
  }
  out(outcome.applied.length ? `\n${outcome.applied.map((line) => `  ${line}`).join('\n')}` : '\nNothing to do.');
  return 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      apply: { type: 'boolean' },
      profile: { type: 'string' },
      'config-file': { type: 'string' },
      'endpoint-template': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof OnboardingError) {
      console.error(`${error.code}: ${error.message}${error.problems.map((p) => `\n  - ${p.path}: ${p.message}`).join('')}`);
    } else console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
