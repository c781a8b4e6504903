import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FunctionGrant, seedFunctionGrant } from '@oci-iam-onboarding/local-oci/authz/seed';
import { makeOcid } from '@oci-iam-onboarding/local-oci/ocid';
import { queuesOf } from '@oci-iam-onboarding/local-oci/queue-state';
import { type LocalOci, type LocalOciOptions, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { seedFunctionApp } from '@oci-iam-onboarding/local-oci/services/functions-management';
import { type FunctionConfig, parseConfig } from '../config';
import { deploymentPolicy } from '../deploy/deployment-policy';

/** A local OCI seeded for the function: compartments, a Vault secret, an ONS topic, a role catalog. */
export interface LocalStack {
  readonly oci: LocalOci;
  readonly topicId: string;
  readonly secretId: string;
  /** The bucket uploads of hires go to, and the one markers are kept in. */
  readonly uploadBucket: string;
  readonly stateBucket: string;
  /** The queue upload runs put their work on (QUEUE_ID), in the function's compartment. */
  readonly queueId: string;
  /** The HMAC secret HR webhooks are signed with. */
  readonly webhookSecret: string;
  /** The function's config as Fn would give it, resource-principal variables included. */
  readonly functionEnv: Record<string, string>;
  /** The function's dynamic group and policy, as seeded; `grantFunction` replaces them. */
  readonly functionGrant: FunctionGrant;
  /** Replaces the function's policy statements (e.g. to prove that each one is needed). */
  grantFunction(statements: readonly string[]): void;
  /**
   * Grants what the deployment command generates for the function's config with `extraEnv` laid over
   * it (e.g. `DEFINED_TAGS`, which needs `use tag-namespaces`), for tests that start the function so.
   */
  grantFor(extraEnv: Record<string, string>): void;
}

export const DEMO_CATALOG_PATH = join(__dirname, '..', '..', 'examples', 'role-catalog.json');

const FUNCTION_DYNAMIC_GROUP = 'iam-onboarding-fn';

/** The function's OCID, as its resource-principal token names it (`res_id`). */
function functionIdOf(rpstPath: string): string {
  const payload = readFileSync(rpstPath, 'utf8').split('.')[1] ?? '';
  return String((JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { res_id?: unknown }).res_id ?? '');
}

/**
 * The statements the deployment command generates for this function's config, so that the local
 * OCI runs the function under exactly the policy an administrator is given. Undefined when the
 * config does not parse (the function then calls nothing).
 */
function generatedStatements(oci: LocalOci, env: Record<string, string>, compartments: { function: string; topic: string }) {
  let config: FunctionConfig;
  try {
    config = parseConfig(env);
  } catch {
    return undefined;
  }
  const policy = deploymentPolicy({
    config,
    dynamicGroup: { name: FUNCTION_DYNAMIC_GROUP },
    functionId: functionIdOf(oci.credentials.files.rpst),
    compartments: { ...compartments, secrets: 'tenancy', catalog: 'tenancy', uploads: 'tenancy', state: 'tenancy' },
    ...(config.inlineCatalog ? { catalog: config.inlineCatalog } : {}),
  });
  return { matchingRule: policy.matchingRule, statements: policy.statements.map((s) => s.statement) };
}

/**
 * Starts a local OCI and seeds what the function needs.
 * @example const { oci, functionEnv } = await startLocalStack({ bootstrapPassword: 'S3cret!' });
 */
export async function startLocalStack(
  options: LocalOciOptions & {
    bootstrapPassword?: string;
    catalog?: string;
    extraEnv?: Record<string, string>;
    webhookSecret?: string;
  } = {},
): Promise<LocalStack> {
  const oci = await startLocalOci(options);
  oci.state.addCompartment('dev');
  oci.state.addCompartment('test');
  const topic = oci.state.addTopic('onboarding-results');
  const secret = oci.state.addSecret({
    name: 'iam-bootstrap-password',
    vaultId: 'ocid1.vault.oc1..localvault',
    content: options.bootstrapPassword ?? 'Local-Bootstrap-Password-1!',
  });
  const uploadBucket = 'hr-uploads';
  const stateBucket = 'onboarding-state';
  oci.state.buckets.set(uploadBucket, new Map());
  oci.state.buckets.set(stateBucket, new Map());
  const webhookSecret = options.webhookSecret ?? 'local-webhook-secret-0123456789';
  const webhook = oci.state.addSecret({ name: 'hr-webhook-hmac', vaultId: 'ocid1.vault.oc1..localvault', content: webhookSecret });
  const functionsCompartment = [...oci.state.compartments.values()].find((c) => c.name === 'functions')?.id ?? oci.state.tenancy.id;
  // The upload queue as `npm run setup` makes it: a dead-letter queue after 3 deliveries.
  const region = oci.credentials.resourcePrincipalEnv.OCI_RESOURCE_PRINCIPAL_REGION ?? oci.defaultRegion;
  const queueId = makeOcid('queue', region);
  queuesOf(oci.state).addQueue({
    id: queueId,
    compartmentId: functionsCompartment,
    displayName: 'iam-onboarding-uploads',
    retentionInSeconds: 24 * 60 * 60,
    visibilityInSeconds: 30,
    timeoutInSeconds: 30,
    deadLetterQueueDeliveryCount: 3,
    channelConsumptionLimit: 100,
    freeformTags: {},
    definedTags: {},
    timeCreated: new Date(oci.state.clock.now()),
  });
  const functionEnv = {
    ...oci.credentials.resourcePrincipalEnv,
    QUEUE_ID: queueId,
    QUEUE_ENDPOINT: oci.endpointFor(region),
    OCI_ENDPOINT_TEMPLATE: oci.endpointTemplate,
    ONS_TOPIC_ID: topic.id,
    BOOTSTRAP_SECRET_ID: secret.id,
    ONBOARDING_BUCKET: uploadBucket,
    STATE_BUCKET: stateBucket,
    WEBHOOK_SECRET_ID: webhook.id,
    ROLE_CATALOG: options.catalog ?? JSON.stringify(JSON.parse(readFileSync(DEMO_CATALOG_PATH, 'utf8'))),
    ...(oci.domainUrl && oci.state.domain ? { IDENTITY_DOMAIN_URL: oci.domainUrl, IDENTITY_DOMAIN_NAME: oci.state.domain.name } : {}),
    ...options.extraEnv,
  };
  oci.state.resourceCompartments.set(functionIdOf(oci.credentials.files.rpst), functionsCompartment);
  // The function as `fn deploy` made it, so that GetFunction tells it its own invoke endpoint.
  seedFunctionApp(oci.state, { compartmentId: functionsCompartment, functionId: oci.functionId, region: oci.homeRegion });
  const generated = generatedStatements(oci, functionEnv, { function: functionsCompartment, topic: topic.compartmentId });
  const seed = (statements: readonly string[]): FunctionGrant => {
    const grant = {
      dynamicGroupName: FUNCTION_DYNAMIC_GROUP,
      policyName: `${FUNCTION_DYNAMIC_GROUP}-policy`,
      statements,
      ...(generated ? { matchingRule: generated.matchingRule } : {}),
    };
    seedFunctionGrant(oci.state, functionsCompartment, grant);
    return grant;
  };
  const functionGrant = seed(generated?.statements ?? []);
  return {
    oci,
    topicId: topic.id,
    secretId: secret.id,
    uploadBucket,
    stateBucket,
    queueId,
    webhookSecret,
    functionEnv,
    functionGrant,
    grantFunction: (statements) => {
      seed(statements);
    },
    grantFor: (extraEnv) => {
      const statements = generatedStatements(
        oci,
        { ...functionEnv, ...extraEnv },
        { function: functionsCompartment, topic: topic.compartmentId },
      );
      if (!statements) throw new Error('the function config with these variables does not parse: no policy can be generated for it');
      seed(statements.statements);
    },
  };
}
