// `npm run invoke -- [options] <event.json | ->`: like `fn invoke`. The bundled function runs under
// the Fn harness against a fresh local OCI, a running one (`--local-oci`), or the OCI config in the
// environment (`--no-local`), and the command exits with a code per result status (exit-status.ts).
// `--upload <file>` follows an upload to its end instead, on classic IAM or, with `--domain-type`, into
// an identity domain of that type under its published API rate limits.

import { DOMAIN_TYPES, type DomainType, isDomainType } from '@oci-iam-onboarding/local-oci/domain-rate-limits';
import type { InvokeResult, RunningFunction } from '@oci-iam-onboarding/local-oci/fn-harness';
import { startFunction } from '@oci-iam-onboarding/local-oci/fn-harness';
import { startLocalStack } from '../local-stack/stack';
import { defineCommand, onShutdown, type ParsedCommandLine, readArgumentFile, runCommand, UsageError } from './args';
import { exitCodeFor, INVOKE_EXIT_CODES } from './exit-status';
import { resolveLocalOci } from './local-oci-state';
import { bundlePath, out } from './print';
import { uploadCommand } from './upload-command';

const spec = defineCommand({
  name: 'invoke',
  usage: [
    'npm run invoke -- [options] <event.json | ->',
    `       npm run invoke -- --upload <file> [--deadline <seconds>] [--domain-type ${DOMAIN_TYPES.join('|')}] [--report <file>]`,
  ].join('\n'),
  summary: [
    'Sends one event (a hire, a batch, an OCI event…) to the bundled function, as the Fn agent does, and prints',
    'the response. By default against a fresh local OCI with an identity domain; --local-oci uses a running one,',
    'so a second call shows a replay (every step unchanged).',
  ].join('\n'),
  options: {
    'local-oci': { type: 'string', value: 'URL|FILE', description: 'a running `npm run local-oci`: its endpoint or its state file' },
    classic: { type: 'boolean', description: 'the fresh local OCI has no identity domain (classic IAM)' },
    'no-local': { type: 'boolean', description: 'no local OCI: the function uses the OCI config in your environment' },
    'content-type': { type: 'string', value: 'TYPE', description: 'the request content type (default application/json)' },
    header: { type: 'string', multiple: true, value: 'NAME:VALUE', description: 'a request header, e.g. X-OCI-NS-MessageId:m-1' },
    logs: { type: 'boolean', description: "print the function's log lines on stderr (also SHOW_LOGS=1)" },
    upload: {
      type: 'string',
      value: 'FILE',
      description: 'upload a file of hires to the onboarding bucket, deliver the Events envelope, follow every continuation',
    },
    deadline: { type: 'string', value: 'SECONDS', description: "each invocation's deadline with --upload (default: func.yaml's timeout)" },
    report: { type: 'string', value: 'FILE', description: "with --upload: write the function's per-row report (CSV) to FILE" },
    'domain-type': {
      type: 'string',
      value: 'TYPE',
      description: `with --upload: into an identity domain of this type, its published API rate limits enforced (${DOMAIN_TYPES.join(', ')})`,
    },
  },
  positionals: { min: 0, max: 1, label: 'the event file (or - for standard input)' },
  notes: [
    [
      'With --upload and no --domain-type the upload goes to classic IAM. With --domain-type the function is told the',
      "type (IDENTITY_DOMAIN_TYPE) and paces itself by the type's windows; after the upload line, stderr says per API",
      'group how many calls the local OCI answered and how many it throttled (429). The upload line is followed by',
      "the first rows that failed or were rejected, with their reason, from the function's per-row report.",
    ].join('\n'),
    INVOKE_EXIT_CODES,
  ],
});

type Args = ParsedCommandLine<typeof spec.options>;

/** Where the function's config comes from, and how to let go of it. */
interface Target {
  readonly env: Record<string, string>;
  /** What the local OCI counted since the call started, when this process runs it. */
  readonly tally?: () => string;
  stop(): Promise<void>;
}

async function targetFor({ values }: Args): Promise<Target> {
  const chosen = [values['local-oci'] !== undefined, values['no-local'] === true, values.classic === true].filter(Boolean).length;
  if (chosen > 1) throw new UsageError('choose one of --local-oci, --no-local and --classic');
  if (values['local-oci'] !== undefined) {
    const state = await resolveLocalOci(values['local-oci']);
    process.stderr.write(`invoke: using the local OCI at ${state.endpoint}\n`);
    return { env: state.functionEnv, stop: async () => {} };
  }
  if (values['no-local']) {
    const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
    return { env, stop: async () => {} };
  }
  const stack = await startLocalStack(values.classic ? {} : { identityDomain: 'Employees' });
  onShutdown(() => stack.oci.stop());
  const { requests } = stack.oci;
  return {
    env: stack.functionEnv,
    tally: () => `invoke: the local OCI answered ${requests.entries().length} calls, ${requests.iamWrites().length} of them IAM writes`,
    stop: () => stack.oci.stop(),
  };
}

function headersOf(values: Args['values']): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const header of values.header ?? []) {
    const colon = header.indexOf(':');
    if (colon < 1) throw new UsageError(`--header takes NAME:VALUE, not "${header}"`);
    headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * One way of calling the function, prepared from the arguments (files read, values checked) before
 * anything starts. A new mode, such as an upload, is another function returning a Mode.
 */
type Mode = (fn: RunningFunction) => Promise<InvokeResult>;

/** The event file (or standard input) as the request body. */
function sendEvent({ values, positionals }: Args): Mode {
  const [file] = positionals;
  if (file === undefined) throw new UsageError('missing the event file (or - for standard input)');
  const body = readArgumentFile(file);
  const options = { contentType: values['content-type'] ?? 'application/json', headers: headersOf(values) };
  return (fn) => fn.invoke(body, options);
}

function modeFor(args: Args): Mode {
  return sendEvent(args);
}

/** `--domain-type`, checked: one of the types whose published limits the local OCI knows, and only with --upload. */
function domainTypeOf({ values }: Args): DomainType | undefined {
  const type = values['domain-type'];
  if (type === undefined) return undefined;
  if (values.upload === undefined) throw new UsageError('--domain-type goes with --upload');
  if (values.classic) throw new UsageError('--classic excludes --domain-type');
  if (!isDomainType(type)) throw new UsageError(`--domain-type must be one of ${DOMAIN_TYPES.join(', ')}, not "${type}"`);
  return type;
}

runCommand(spec, async (args) => {
  const { upload, deadline, report } = args.values;
  if (report !== undefined && upload === undefined) throw new UsageError('--report goes with --upload');
  const domainType = domainTypeOf(args);
  if (upload !== undefined) {
    const seconds = deadline === undefined ? undefined : Number(deadline);
    if (seconds !== undefined && !(seconds > 0)) throw new UsageError(`--deadline takes a number of seconds, not "${deadline}"`);
    return uploadCommand(upload, {
      ...(seconds === undefined ? {} : { deadlineSeconds: seconds }),
      ...(domainType ? { domainType } : {}),
      ...(report === undefined ? {} : { reportPath: report }),
    });
  }
  const mode = modeFor(args);
  const target = await targetFor(args);
  try {
    const fn = await startFunction({ entry: bundlePath(), env: target.env });
    onShutdown(() => fn.stop());
    try {
      const response = await mode(fn);
      out(response.json === undefined ? response.body : JSON.stringify(response.json, null, 2));
      if (args.values.logs || process.env.SHOW_LOGS === '1') for (const line of [...fn.stdout, ...fn.stderr]) console.error(line);
      if (target.tally) console.error(target.tally());
      return exitCodeFor(response.status, response.json);
    } finally {
      await fn.stop();
    }
  } finally {
    await target.stop();
  }
});
