// `npm run deploy-policy -- [--input deployment.json] [--catalog catalog.json] [--format text|json|oci-cli]`:
// the function's IAM policy, generated from its config, each statement with why it is there.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseConfig } from '../config';
import { parseRoleCatalogText } from '../core/role-catalog';
import { problemsOf } from '../core/validation';
import { type DeploymentPolicy, deploymentPolicy } from '../deploy/deployment-policy';
import { ErrorCode, ValidationError } from '../support/errors';
import { out, userPath } from './print';

const DEFAULT_INPUT = resolve(__dirname, '..', '..', 'examples', 'deployment.json');
const FORMATS = ['text', 'json', 'oci-cli'] as const;
/** The policy's name, as `npm run setup` names it by default. */
const DEFAULT_POLICY_NAME = 'iam-onboarding-fn';

/** The deployment's names and OCIDs, and the function config (the keys `fn config` sets). */
const inputSchema = z
  .object({
    config: z.record(z.string(), z.string()),
    /** A role catalog file, relative to the input file, used as ROLE_CATALOG when the config has none. */
    catalogFile: z.string().optional(),
    tenancyId: z
      .string()
      .regex(/^ocid1\.tenancy\./, 'must be the tenancy OCID')
      .optional(),
    dynamicGroup: z.object({ name: z.string().min(1), domain: z.string().min(1).optional() }).strict(),
    functionId: z.string().regex(/^ocid1\.fnfunc\./, 'must be the function OCID (ocid1.fnfunc.…)'),
    compartments: z
      .object({
        function: z.string().min(1),
        topic: z.string().min(1),
        secrets: z.string().min(1).optional(),
        catalog: z.string().min(1).optional(),
        uploads: z.string().min(1).optional(),
        state: z.string().min(1).optional(),
      })
      .strict(),
  })
  .strict();

const USAGE = `usage: npm run deploy-policy -- [--input <deployment.json>] [--catalog <catalog.json>] [--format text|json|oci-cli] [--policy-name <name>]

Prints the least-privilege IAM policy for the function, from its config (the keys "fn config" sets)
and the deployment's names: dynamic group, function OCID, compartments of the topic, secrets and buckets.
--input     the deployment (default: examples/deployment.json, the demo)
--catalog   the role catalog, when the config reads it from Object Storage (its policy names pin the policy writes)
--format    text: statements with "# reason" lines, for review and "npm run lint-policy"
            json: [{"statement", "reason", "allow"}]
            oci-cli: the "oci iam dynamic-group create" (the group the statements grant) and "oci iam policy create" commands
--policy-name  the policy's name with --format oci-cli (default ${DEFAULT_POLICY_NAME}, as npm run setup)`;

/** The names the printed commands create: the dynamic group the statements grant, and the policy. */
interface Names {
  readonly dynamicGroup: { readonly name: string; readonly domain?: string | undefined };
  readonly policy: string;
}

function render(policy: DeploymentPolicy, format: (typeof FORMATS)[number], names: Names, tenancyId: string | undefined): string {
  if (format === 'json') return JSON.stringify(policy.statements, null, 2);
  if (format === 'oci-cli') {
    const shell = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
    const compartment = tenancyId ?? '<tenancy OCID>';
    const { name, domain } = names.dynamicGroup;
    // `oci iam dynamic-group` writes to the Default domain only; the statements name a group of another domain as domain/name.
    const group =
      domain && domain.toLowerCase() !== 'default'
        ? `# Create the dynamic group ${shell(name)} in identity domain ${shell(domain)} (Console: Identity & Security > Domains > ${domain} > Dynamic groups), matching rule: ${policy.matchingRule}`
        : `oci iam dynamic-group create --compartment-id ${compartment} --name ${shell(name)} --description ${shell('The IAM onboarding function')} --matching-rule ${shell(policy.matchingRule)}`;
    return [
      group,
      `oci iam policy create --compartment-id ${compartment} --name ${shell(names.policy)} --description ${shell('What the IAM onboarding function may do')} --statements ${shell(JSON.stringify(policy.statements.map((s) => s.statement)))}`,
    ].join('\n');
  }
  return [
    `# Dynamic group matching rule: ${policy.matchingRule}`,
    ...policy.statements.flatMap((s) => [s.allow ? `# lint-allow ${s.allow.join(', ')}: ${s.reason}` : `# ${s.reason}`, s.statement]),
  ].join('\n');
}

/** Runs the command; returns the exit code. */
export function main(argv: string[]): number {
  let values: { help?: boolean; input?: string; catalog?: string; format?: string; 'policy-name'?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        help: { type: 'boolean', short: 'h' },
        input: { type: 'string' },
        catalog: { type: 'string' },
        format: { type: 'string', default: 'text' },
        'policy-name': { type: 'string', default: DEFAULT_POLICY_NAME },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`deploy-policy: ${(error as Error).message}; see --help`);
    return 2;
  }
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const format = FORMATS.find((f) => f === values.format);
  if (!format) {
    console.error(`deploy-policy: --format is one of ${FORMATS.join(', ')}, not "${values.format}"; see --help`);
    return 2;
  }
  const inputPath = values.input ? userPath(values.input) : DEFAULT_INPUT;
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(`cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
  };
  try {
    const parsed = inputSchema.safeParse(JSON.parse(read(inputPath, 'the input')));
    if (!parsed.success) throw new ValidationError(ErrorCode.InvalidConfig, `${inputPath} is not a deployment`, problemsOf(parsed.error));
    const input = parsed.data;
    const env = { ...input.config };
    if (!env.ROLE_CATALOG && !env.ROLE_CATALOG_BUCKET && input.catalogFile)
      env.ROLE_CATALOG = read(resolve(dirname(inputPath), input.catalogFile), 'the catalog');
    const config = parseConfig(env);
    const catalogText = values.catalog ? read(userPath(values.catalog), 'the catalog') : config.ROLE_CATALOG;
    const catalog = catalogText
      ? parseRoleCatalogText(catalogText, values.catalog ?? 'ROLE_CATALOG', { policyNamePrefix: config.POLICY_NAME_PREFIX })
      : undefined;
    const policy = deploymentPolicy({
      config,
      dynamicGroup: input.dynamicGroup,
      functionId: input.functionId,
      compartments: input.compartments,
      ...(catalog ? { catalog } : {}),
    });
    out(
      render(policy, format, { dynamicGroup: input.dynamicGroup, policy: values['policy-name'] ?? DEFAULT_POLICY_NAME }, input.tenancyId),
    );
    return 0;
  } catch (error) {
    if (error instanceof ValidationError) {
      console.error(`deploy-policy: ${error.message}`);
      for (const p of error.problems) console.error(`  ${p.path}: ${p.message}`);
    } else
      console.error(
        `deploy-policy: ${error instanceof SyntaxError ? `the input is not JSON: ${error.message}` : (error as Error).message}`,
      );
    return 2;
  }
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
