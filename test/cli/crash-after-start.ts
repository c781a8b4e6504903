// A process that starts a local OCI and then crashes with an uncaught error: its credential folder
// must still be removed. Used by test/cli/local-oci.test.ts.
import { startLocalOci } from '@oci-iam-onboarding/local-oci/server';

startLocalOci().then((oci) => {
  process.stdout.write(`${oci.credentials.files.dir}\n`);
  setTimeout(() => {
    throw new Error('crash on purpose');
  }, 50);
});
