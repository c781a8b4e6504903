// Run by object-store.test.ts in a Node process with a small heap: writes one object of the given
// size through the adapter and the real SDK client to the local OCI whose config file is given.
import * as common from 'oci-common';
import { ObjectStorageClient } from 'oci-objectstorage';
import { clientConfiguration } from '../../src/oci/clients';
import { objectStore } from '../../src/oci/object-store';
import { createLogger } from '../../src/support/logger';

const [configFile, endpoint, namespace, bucket, name, bytes, as] = process.argv.slice(2);
const client = new ObjectStorageClient(
  { authenticationDetailsProvider: new common.ConfigFileAuthenticationDetailsProvider(configFile) },
  clientConfiguration,
);
client.endpoint = endpoint ?? '';
const store = objectStore(client, async () => namespace ?? '', {
  deadline: Date.now() + 60_000,
  maxAttempts: 1,
  log: createLogger({ write: () => {} }),
});
const body = Buffer.alloc(Number(bytes), 'a');
void store
  .write(bucket ?? '', name ?? '', as === 'text' ? body.toString('utf8') : body, 'text/csv; charset=utf-8')
  .then(() => process.stdout.write(`wrote ${body.length}\n`));
