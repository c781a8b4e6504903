// `npm run local-oci -- [--port N]`: the local OCI on its own, until interrupted.
import { startLocalStack } from '../local-oci/stack';
import { out } from './print';

async function main(argv: string[]): Promise<void> {
  const portArg = argv.indexOf('--port');
  const port = portArg >= 0 ? Number(argv[portArg + 1]) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port takes a port number (0 picks a free one)');
  const stack = await startLocalStack({ port });
  const { oci } = stack;
  out(
    JSON.stringify({
      endpoint: oci.endpoint,
      endpointTemplate: oci.endpointTemplate,
      homeRegion: oci.homeRegion,
      defaultRegion: oci.defaultRegion,
      tenancyId: oci.credentials.tenancyId,
      configFile: oci.credentials.files.configFile,
      resourcePrincipalEnv: oci.credentials.resourcePrincipalEnv,
      functionEnv: { ...stack.functionEnv, ROLE_CATALOG: '(examples/role-catalog.json)' },
    }),
  );
  const stop = () => {
    oci.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
