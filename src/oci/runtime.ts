import { IdentityClient } from 'oci-identity';
import type { FunctionConfig } from '../config';
import type { CatalogSource, Continuations, IdentityDirectory, Notifier, ObjectStore, SecretSource, WorkQueue } from '../core/ports';
import { ErrorCode, OnboardingError } from '../support/errors';
import { type CallPolicy, callOci, clockOf, observeRetryAfter } from './call';
import { objectStorageCatalogSource } from './catalog-source';
import { clientConfiguration, createAuth, type OciAuth, placeClient } from './clients';
import { functionContinuations, invokeEndpointOf } from './continuation';
import { domainDirectory } from './domain-directory';
import type { ApiGroup } from './domain-rate-limits';
import { classicIdentityDirectory } from './identity-directory';
import { objectStore } from './object-store';
import { onsNotifier } from './ons-notifier';
import { DomainPacer } from './pacing';
import { signedClientParams } from './request-signer';
import { type BulkLimits, readBulkLimits, type ScimRaw } from './scim-raw';
import { vaultSecretSource } from './vault-secret';
import { workQueue } from './work-queue';

/** The adapters for one invocation, bound to its call id and deadline. */
export interface CallServices {
  readonly directory: IdentityDirectory;
  readonly notifier: Notifier;
  /** The catalog in Object Storage; undefined when it is inline in the config (the handler reads that). */
  readonly catalog: CatalogSource | undefined;
  /** Uploads, reports and markers; the namespace defaults to the tenancy's own. */
  objectsIn(namespace?: string): ObjectStore;
  /** The HMAC secret of HR webhooks (API Gateway); undefined when none is configured. */
  readonly webhookSecret: SecretSource | undefined;
  /**
   * The Vault bootstrap password, for the identity-domain path (the only API that takes a chosen
   * password); undefined when none is configured. The classic path never reads it.
   */
  readonly bootstrapSecret: SecretSource | undefined;
  /** Starts a worker of an upload's run; undefined outside OCI Functions (no `FN_FN_ID`). */
  readonly continuations: Continuations | undefined;
  /** The queue of upload work (QUEUE_ID on QUEUE_ENDPOINT); undefined when not configured. */
  readonly queue: WorkQueue | undefined;
  /**
   * Says this invocation is one of `workers` running at once against the same identity domain (the
   * workers of an upload, each in a container of its own): from now on it keeps to that share of the
   * domain's published windows, so that together they keep to the whole.
   */
  shareDomainWindows(workers: number): void;
}

/** Everything the handler needs from OCI, built once per container and reused while warm. */
export interface OciRuntime {
  readonly tenancyId: string;
  readonly homeRegion: string;
  readonly authKind: OciAuth['kind'];
  forCall(callId: string, policy: CallPolicy): CallServices;
}

/**
 * Authenticates, finds the home region (IAM writes are accepted only there, whatever region the
 * function runs in), and wires the adapters. Caches (catalog, secret) live here, across calls.
 */
export async function createOciRuntime(
  config: FunctionConfig,
  env: Readonly<Record<string, string | undefined>>,
  bootPolicy: CallPolicy,
): Promise<OciRuntime> {
  const auth = await createAuth(config, env);
  const template = config.OCI_ENDPOINT_TEMPLATE;
  const provider = signedClientParams(auth.provider);
  const identityIn = (region: string) => placeClient(new IdentityClient(provider, clientConfiguration), region, template);

  const subscriptions = await callOci(
    'ListRegionSubscriptions',
    () => identityIn(auth.region).listRegionSubscriptions({ tenancyId: auth.tenancyId }),
    bootPolicy,
  );
  const homeRegion = subscriptions.items.find((s) => s.isHomeRegion)?.regionName;
  if (!homeRegion) throw new OnboardingError(ErrorCode.Internal, 'The tenancy reports no home region', { exposed: false });
  // Reads go to the home region too: IAM replicates to other regions with a delay.
  const homeIdentity = identityIn(homeRegion);

  // Service packages other than Identity load on first use, off the cold-start path.
  const lazy = <T>(make: () => T) => {
    let made: T | undefined;
    return () => {
      made ??= make();
      return made;
    };
  };
  const regional = <T extends { endpoint: string; regionId: string }>(make: () => T) =>
    lazy(() => placeClient(make(), auth.region, template));
  const ons = regional(
    () => new (require('oci-ons') as typeof import('oci-ons')).NotificationDataPlaneClient(provider, clientConfiguration),
  );
  const secrets = regional(() => new (require('oci-secrets') as typeof import('oci-secrets')).SecretsClient(provider, clientConfiguration));
  const objects = regional(
    () => new (require('oci-objectstorage') as typeof import('oci-objectstorage')).ObjectStorageClient(provider, clientConfiguration),
  );

  const catalogFor =
    config.ROLE_CATALOG_BUCKET && config.ROLE_CATALOG_OBJECT
      ? objectStorageCatalogSource(
          objects(),
          { bucket: config.ROLE_CATALOG_BUCKET, object: config.ROLE_CATALOG_OBJECT, namespace: config.ROLE_CATALOG_NAMESPACE },
          config.ROLE_CATALOG_TTL_SECONDS * 1000,
          { policyNamePrefix: config.POLICY_NAME_PREFIX },
        )
      : undefined;
  const domainUrl = config.IDENTITY_DOMAIN_URL;
  const domains = lazy(() => {
    const client = new (require('oci-identitydomains') as typeof import('oci-identitydomains')).IdentityDomainsClient(
      provider,
      clientConfiguration,
    );
    client.endpoint = domainUrl ?? '';
    return observeRetryAfter(client);
  });
  // Per container: the domain's windows are counted across the invocations a warm container serves, and
  // its Bulk limits are read once (RFC 7644 section 4: a client reads them rather than assuming them).
  // On the container's clock (every call's policy carries the same one): a test can move it.
  const clock = clockOf(bootPolicy);
  const pacer = new DomainPacer(config.IDENTITY_DOMAIN_TYPE, { now: () => clock.now(), sleep: (ms) => clock.sleep(ms) });
  let bulkLimits: Promise<BulkLimits | undefined> | undefined;
  const bulkLimitsOf = (raw: ScimRaw) => {
    bulkLimits ??= readBulkLimits(raw).catch((error: unknown) => {
      bulkLimits = undefined;
      throw error;
    });
    return bulkLimits;
  };
  const secretRef = config.BOOTSTRAP_SECRET_ID
    ? { secretId: config.BOOTSTRAP_SECRET_ID }
    : config.BOOTSTRAP_SECRET_NAME && config.BOOTSTRAP_VAULT_ID
      ? { secretName: config.BOOTSTRAP_SECRET_NAME, vaultId: config.BOOTSTRAP_VAULT_ID }
      : undefined;
  const secretFor = secretRef ? lazy(() => vaultSecretSource(secrets(), secretRef, config.BOOTSTRAP_SECRET_TTL_SECONDS * 1000)) : undefined;
  const webhookSecretId = config.WEBHOOK_SECRET_ID;
  const webhookFor = webhookSecretId
    ? lazy(() => vaultSecretSource(secrets(), { secretId: webhookSecretId }, config.BOOTSTRAP_SECRET_TTL_SECONDS * 1000))
    : undefined;
  const queueId = config.QUEUE_ID;
  const queueEndpoint = config.QUEUE_ENDPOINT;
  const queueClient =
    queueId && queueEndpoint
      ? lazy(() => {
          const client = observeRetryAfter(
            new (require('oci-queue') as typeof import('oci-queue')).QueueClient(provider, clientConfiguration),
          );
          // The messages endpoint is the queue's own (Queue.messagesEndpoint), not the region's.
          client.endpoint = queueEndpoint.replace(/\/+$/, '');
          return client;
        })
      : undefined;
  let ownNamespace: Promise<string> | undefined;
  // OCI Functions gives every container its function's OCID (FN_FN_ID); continuations invoke it.
  const functionId = env.FN_FN_ID;
  let invokeClient: Promise<import('oci-functions').FunctionsInvokeClient> | undefined;
  const invokeClientFor = (policy: CallPolicy) => {
    invokeClient ??= (async () => {
      const fns = require('oci-functions') as typeof import('oci-functions');
      const client = observeRetryAfter(new fns.FunctionsInvokeClient(provider, clientConfiguration));
      // The invoke endpoint is the function's own (GetFunction), wherever the endpoint template points the
      // management client: one path, here and at OCI.
      const management = placeClient(new fns.FunctionsManagementClient(provider, clientConfiguration), auth.region, template);
      client.endpoint = await invokeEndpointOf(management, functionId ?? '', policy);
      return client;
    })().catch((error: unknown) => {
      invokeClient = undefined;
      throw error;
    });
    return invokeClient;
  };

  return {
    tenancyId: auth.tenancyId,
    homeRegion,
    authKind: auth.kind,
    forCall: (callId, policy) => {
      let share = 1;
      const pacing = {
        turn: (group: ApiGroup) => pacer.turn(group, share, policy.deadline),
        throttled: (group: ApiGroup, retryAfterMs: number | undefined) => pacer.throttled(group, retryAfterMs),
      };
      return {
        shareDomainWindows: (workers: number) => {
          share = 1 / Math.max(1, Math.floor(workers));
        },
        directory: domainUrl
          ? domainDirectory(
              domains(),
              classicIdentityDirectory(homeIdentity, auth.tenancyId, callId, policy),
              {
                domainName: config.IDENTITY_DOMAIN_NAME,
                welcomeEmail: config.DOMAIN_WELCOME_EMAIL,
                callId,
                pacer: pacing,
                ...(config.DOMAIN_BULK ? { bulkLimits: bulkLimitsOf } : {}),
              },
              policy,
            )
          : classicIdentityDirectory(homeIdentity, auth.tenancyId, callId, policy),
        notifier: onsNotifier(ons(), config.ONS_TOPIC_ID, policy),
        catalog: catalogFor?.(policy),
        bootstrapSecret: secretFor?.()(policy),
        webhookSecret: webhookFor?.()(policy),
        continuations: functionId ? functionContinuations(() => invokeClientFor(policy), functionId, policy) : undefined,
        queue: queueClient && queueId ? workQueue(queueClient(), queueId, policy) : undefined,
        objectsIn: (namespace) =>
          objectStore(
            objects(),
            () => {
              if (namespace) return Promise.resolve(namespace);
              // A failed look-up is not kept: the next call tries again.
              ownNamespace ??= callOci('GetNamespace', () => objects().getNamespace({}), policy).then(
                (r) => r.value,
                (error: unknown) => {
                  ownNamespace = undefined;
                  throw error;
                },
              );
              return ownNamespace;
            },
            policy,
          ),
      };
    },
  };
}
