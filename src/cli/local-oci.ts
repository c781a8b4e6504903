// `npm run local-oci -- [--port N] [--domain NAME [--domain-type TYPE] | --classic]`: the local OCI on its own, seeded for
// the function, until interrupted. Other commands find it by its URL or its state file. `--explain`
// prints each call a policy refused, with a statement that would have allowed it.
import { explainDenial } from '@oci-iam-onboarding/local-oci/authz/explain';
import { DOMAIN_TYPES, isDomainType } from '@oci-iam-onboarding/local-oci/domain-rate-limits';
import { startLocalStack } from '../local-stack/stack';
import { defineCommand, integerArg, onShutdown, runCommand, UsageError } from './args';
import { writeStateFile } from './local-oci-state';
import { out } from './print';

const spec = defineCommand({
  name: 'local-oci',
  usage: `npm run local-oci -- [--port N] [--domain NAME] [--domain-type ${DOMAIN_TYPES.join('|')}] [--classic] [--quiet] [--explain]`,
  summary: [
    'Runs the local OCI (Identity, Identity Domains, Vault, ONS, Object Storage) seeded for the function, until',
    'Ctrl-C. Prints one JSON line: endpoints, the state file, and the function config. Then one line per OCI call.',
    'Use it from another terminal: npm run invoke -- --local-oci <endpoint or state file> examples/new-hire.json',
    "The identity domain enforces the published API rate limits of its type (Oracle's API Rate Limits page).",
  ].join('\n'),
  options: {
    port: { type: 'string', value: 'N', description: 'port on 127.0.0.1 (default 0: a free one)' },
    domain: { type: 'string', value: 'NAME', description: 'name of the identity domain (default Employees)' },
    'domain-type': {
      type: 'string',
      value: 'TYPE',
      description: "the identity domain's type, whose published API rate limits it enforces (default free)",
    },
    classic: { type: 'boolean', description: 'a tenancy without identity domains: classic IAM only' },
    quiet: { type: 'boolean', short: 'q', description: 'do not print a line per OCI call' },
    explain: { type: 'boolean', description: 'print each call a policy refused, with a statement that would allow it' },
  },
  notes: ['The credential folder (admin API key, resource-principal token and key) is removed when it stops, however it stops.'],
});

runCommand(spec, async ({ values }) => {
  const port = integerArg('--port', values.port ?? '0', { min: 0, max: 65535 });
  if (values.classic && (values.domain || values['domain-type'])) throw new UsageError('--classic excludes --domain and --domain-type');
  const domainType = values['domain-type'] ?? 'free';
  if (!isDomainType(domainType)) throw new UsageError(`--domain-type must be one of ${DOMAIN_TYPES.join(', ')}`);
  const stack = await startLocalStack({
    port,
    ...(values.classic ? {} : { identityDomain: values.domain ?? 'Employees', domainType, domainLimits: 'published' }),
  }).catch((error: unknown) => {
    if ((error as { code?: string }).code === 'EADDRINUSE')
      throw new UsageError(`port ${port} is in use; choose another, or 0 for a free one`);
    throw error;
  });
  const { oci } = stack;
  onShutdown(() => oci.stop());
  if (values.explain) oci.authz.onDenial((denial) => process.stderr.write(`${explainDenial(denial)}\n`));
  const state = writeStateFile(oci.credentials.files.dir, {
    endpoint: oci.endpoint,
    homeRegion: oci.homeRegion,
    defaultRegion: oci.defaultRegion,
    tenancyId: oci.credentials.tenancyId,
    ...(oci.state.domain ? { identityDomain: oci.state.domain.name, domainType: oci.domainRate.type } : {}),
    configFile: oci.credentials.files.configFile,
    topicId: stack.topicId,
    uploadBucket: stack.uploadBucket,
    stateBucket: stack.stateBucket,
    // Paths to the resource-principal token and key, identifiers, and the catalog: no key material.
    functionEnv: stack.functionEnv,
  });
  oci.publishState(state);
  out(JSON.stringify(state));
  if (!values.quiet) {
    let seen = oci.requests.mark();
    setInterval(() => {
      for (const call of oci.requests.entries(seen))
        process.stderr.write(
          `${call.status} ${call.operation.padEnd(28)} ${call.region} ${call.iamWrite && call.outcome === 'ok' ? 'IAM write' : ''}\n`,
        );
      seen = oci.requests.mark();
    }, 200);
  }
  // Runs until a signal; runCommand then stops the local OCI, which removes its folder.
  return new Promise<number>(() => {});
});
