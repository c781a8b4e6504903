import type { LocalOci } from '@oci-iam-onboarding/local-oci/server';
import * as common from 'oci-common';
import { IdentityClient } from 'oci-identity';
import { IdentityDomainsClient } from 'oci-identitydomains';
import { ObjectStorageClient } from 'oci-objectstorage';
import { NotificationControlPlaneClient, NotificationDataPlaneClient } from 'oci-ons';
import { SecretsClient } from 'oci-secrets';
import { clientConfiguration } from '../../src/oci/clients';

/** Real SDK clients pointed at the local OCI, authenticated with its config-file profile. */
export function sdkClients(
  oci: LocalOci,
  region = oci.homeRegion,
  provider: common.AuthenticationDetailsProvider = configFileProvider(oci),
) {
  const params = { authenticationDetailsProvider: provider };
  const identity = new IdentityClient(params, clientConfiguration);
  identity.endpoint = oci.endpointFor(region);
  const secrets = new SecretsClient(params, clientConfiguration);
  secrets.endpoint = oci.endpoint;
  const ons = new NotificationDataPlaneClient(params, clientConfiguration);
  ons.endpoint = oci.endpoint;
  const topics = new NotificationControlPlaneClient(params, clientConfiguration);
  topics.endpoint = oci.endpoint;
  const objects = new ObjectStorageClient(params, clientConfiguration);
  objects.endpoint = oci.endpoint;
  return { identity, secrets, ons, topics, objects, tenancyId: oci.credentials.tenancyId };
}

/** The Identity Domains (SCIM) client an administrator uses, with the local OCI's admin key. */
export function scimClient(oci: LocalOci): IdentityDomainsClient {
  const scim = new IdentityDomainsClient({ authenticationDetailsProvider: configFileProvider(oci) }, clientConfiguration);
  scim.endpoint = oci.domainUrl ?? '';
  return scim;
}

export function configFileProvider(oci: LocalOci): common.AuthenticationDetailsProvider {
  return new common.ConfigFileAuthenticationDetailsProvider(oci.credentials.files.configFile);
}

/** What a rejected SDK call threw, for asserting on status and code. */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ statusCode: number; serviceCode: string; message: string; opcRequestId: string | null }> {
  try {
    await promise;
  } catch (error) {
    return error as { statusCode: number; serviceCode: string; message: string; opcRequestId: string | null };
  }
  throw new Error('expected the call to fail');
}
