import { buildSync } from 'esbuild';

/** Integration tests run the deployable bundle, as OCI Functions would: build it once per test run. */
export default function setup(): void {
  buildSync({
    entryPoints: ['func.ts'],
    bundle: true,
    platform: 'node',
    target: 'node20',
    outfile: 'dist/func.js',
    legalComments: 'none',
    logLevel: 'warning',
  });
}
