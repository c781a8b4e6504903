// `npm run deployer-policy -- [setup.json] [--group NAME] [--domain NAME] [--in NAME=OCID]… [--format text|json]`:
// the IAM policy a person needs to run `npm run setup` with that set-up file, each statement with why it is there.
import { dirname, resolve } from 'node:path';
import { deployerPolicy } from '../deploy/deployer-policy';
import { parseSetupInput } from '../setup/desired';
import { OnboardingError } from '../support/errors';
import { CommonExit, defineCommand, readArgumentFile, runCommand, UsageError, userPath } from './args';
import { out } from './print';

const DEFAULT_INPUT = resolve(__dirname, '..', '..', 'examples', 'setup.json');
const FORMATS = ['text', 'json'] as const;

const spec = defineCommand({
  name: 'deployer-policy',
  usage: 'npm run deployer-policy -- [setup.json] [--group NAME] [--domain NAME] [--in NAME=OCID]… [--format text|json]',
  summary: [
    'Prints the policy for the group of the people who run "npm run setup" with this set-up file (default',
    'examples/setup.json): exactly the calls set-up makes, narrowed to the names the file gives. Attach it to',
    'the tenancy (it grants on dynamic groups and policies, which live there). The catalogFile it names is read',
    'beside it, as set-up reads it.',
  ].join('\n'),
  options: {
    group: { type: 'string', value: 'NAME', description: "the deployers' group (default iam-onboarding-deployers)" },
    domain: { type: 'string', value: 'NAME', description: "the group's identity domain, when not Default" },
    in: {
      type: 'string',
      value: 'NAME=OCID',
      multiple: true,
      description: 'a bucket (by name) or trigger topic (by OCID) that exists already, and the OCID of the compartment it is in',
    },
    format: { type: 'string', value: 'text|json', description: 'text: statements with "# reason" lines; json: [{statement, reason}]' },
  },
  positionals: { min: 0, max: 1, label: 'the set-up file (setup.json)' },
  notes: ['Exit codes: 0 printed, 1 the set-up file is not valid, 2 a bad argument.'],
});

runCommand(spec, async ({ values, positionals }) => {
  const format = values.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  const file = positionals[0] ? userPath(positionals[0]) : DEFAULT_INPUT;
  let json: unknown;
  try {
    json = JSON.parse(readArgumentFile(file).toString('utf8'));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const places = new Map<string, string>();
  for (const pair of values.in ?? []) {
    const at = pair.indexOf('=');
    const compartment = pair.slice(at + 1);
    if (at < 1 || !/^ocid1\.(compartment|tenancy)\./.test(compartment))
      throw new UsageError(`--in takes NAME=OCID, the OCID a compartment's or the tenancy's: ${pair}`);
    places.set(pair.slice(0, at), compartment);
  }
  // The catalog file is named relative to the set-up file, as `npm run setup` reads it.
  const catalogFile = (json as { catalogFile?: unknown } | null)?.catalogFile;
  const catalogText = typeof catalogFile === 'string' ? readArgumentFile(resolve(dirname(file), catalogFile)).toString('utf8') : undefined;
  let statements: ReturnType<typeof deployerPolicy>;
  try {
    const group = { name: values.group ?? 'iam-onboarding-deployers', ...(values.domain ? { domain: values.domain } : {}) };
    statements = deployerPolicy(parseSetupInput(json), group, { catalogText, places });
  } catch (error) {
    if (!(error instanceof OnboardingError)) throw error;
    console.error(`deployer-policy: ${error.message}${error.problems.map((p) => `\n  - ${p.path}: ${p.message}`).join('')}`);
    return CommonExit.Failed;
  }
  out(format === 'json' ? JSON.stringify(statements, null, 2) : statements.flatMap((s) => [`# ${s.reason}`, s.statement]).join('\n'));
  return CommonExit.Ok;
});
