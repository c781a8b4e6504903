import { buildBundle } from '../scripts/build';

/**
 * Integration tests run the deployable bundle, as OCI Functions would: built once per test run by
 * the same function as `npm run build` and the Dockerfile, notices file included.
 */
export default async function setup(): Promise<void> {
  await buildBundle();
}
