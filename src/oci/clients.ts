import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as common from 'oci-common';
import { ErrorCode, OnboardingError } from '../support/errors';
import { observeRetryAfter } from './call';

/** How the function proves who it is to OCI. */
export interface OciAuth {
  readonly kind: 'resource_principal' | 'config_file';
  readonly provider: common.AuthenticationDetailsProvider;
  readonly tenancyId: string;
  /** The region the function runs in (or the profile's region). */
  readonly region: string;
}

interface AuthConfig {
  readonly OCI_AUTH: 'auto' | 'resource_principal' | 'config_file';
  readonly OCI_CONFIG_FILE?: string | undefined;
  readonly OCI_CONFIG_PROFILE: string;
}

/**
 * Resource principals inside OCI Functions (the `OCI_RESOURCE_PRINCIPAL_*` variables the platform sets);
 * an OCI config-file profile from a laptop; a clear AUTH_UNAVAILABLE error when neither is there.
 */
export async function createAuth(config: AuthConfig, env: Readonly<Record<string, string | undefined>>): Promise<OciAuth> {
  const hasResourcePrincipal = Boolean(env.OCI_RESOURCE_PRINCIPAL_VERSION);
  const configFile = config.OCI_CONFIG_FILE ?? join(homedir(), '.oci', 'config');
  const kind =
    config.OCI_AUTH === 'auto'
      ? hasResourcePrincipal
        ? 'resource_principal'
        : existsSync(configFile)
          ? 'config_file'
          : undefined
      : config.OCI_AUTH;
  if (kind === undefined) {
    throw new OnboardingError(
      ErrorCode.AuthUnavailable,
      `No OCI credentials: neither resource-principal variables (OCI_RESOURCE_PRINCIPAL_VERSION, set by OCI Functions) nor a config file at ${configFile}`,
    );
  }
  try {
    if (kind === 'resource_principal') {
      const provider = common.ResourcePrincipalAuthenticationDetailsProvider.builder();
      const tenancyId = await provider.getStringClaim('res_tenant');
      const region = provider.getRegion()?.regionId ?? env.OCI_RESOURCE_PRINCIPAL_REGION ?? '';
      if (!tenancyId || !region) throw new Error('the resource-principal token names no tenancy or region');
      return { kind, provider, tenancyId, region };
    }
    const provider = new common.ConfigFileAuthenticationDetailsProvider(configFile, config.OCI_CONFIG_PROFILE);
    return {
      kind,
      provider,
      tenancyId: provider.getTenantId(),
      region: provider.getRegion()?.regionId ?? '',
    };
  } catch (error) {
    if (error instanceof OnboardingError) throw error;
    // The SDK's messages name files and variables, never key material.
    throw new OnboardingError(
      ErrorCode.AuthUnavailable,
      `OCI ${kind} authentication failed: ${String((error as Error).message ?? error).slice(0, 300)}`,
      { cause: error },
    );
  }
}

/**
 * Every client gets no SDK retries (its default runs 8 attempts over ~95 s, past any function
 * timeout; call.ts retries within the deadline instead) and no circuit breaker (opossum's open
 * state would outlive the invocation in a warm container and refuse every later call).
 */
export const clientConfiguration: common.ClientConfiguration = {
  retryConfiguration: common.NoRetryConfigurationDetails,
  circuitBreaker: new common.CircuitBreaker({ disableClientCircuitBreaker: true }),
};

interface RegionalClient {
  endpoint: string;
  regionId: string;
}

/** Points a client at a region, or at `OCI_ENDPOINT_TEMPLATE` (the local OCI) when set. */
export function placeClient<T extends RegionalClient>(client: T, region: string, endpointTemplate: string | undefined): T {
  observeRetryAfter(client);
  if (endpointTemplate) client.endpoint = endpointTemplate.replace('{region}', region);
  else client.regionId = region;
  return client;
}
