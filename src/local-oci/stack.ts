import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FunctionGrant, seedFunctionGrant } from './authz/seed';
import { type LocalOci, type LocalOciOptions, startLocalOci } from './server';

/** A local OCI seeded for the function: compartments, a Vault secret, an ONS topic, a role catalog. */
export interface LocalStack {
  readonly oci: LocalOci;
  readonly topicId: string;
  readonly secretId: string;
  /** The bucket uploads of hires go to, and the one markers are kept in. */
  readonly uploadBucket: string;
  readonly stateBucket: string;
  /** The HMAC secret HR webhooks are signed with. */
  readonly webhookSecret: string;
  /** The function's config as Fn would give it, resource-principal variables included. */
  readonly functionEnv: Record<string, string>;
  /** The function's dynamic group and policy, as seeded; `grantFunction` replaces them. */
  readonly functionGrant: FunctionGrant;
  /** Replaces the function's policy statements (e.g. to prove that each one is needed). */
  grantFunction(statements: readonly string[]): void;
}

const FUNCTION_DYNAMIC_GROUP = 'iam-onboarding-fn';

/**
 * The statements the function runs under here, equivalent to the deployment policy: each is
 * needed by some path of the function and none grants more than that path needs.
 */
export function functionStatements(target: {
  dynamicGroup: string;
  topicCompartmentId: string;
  secretIds: readonly string[];
  buckets: readonly string[];
  domainName?: string | undefined;
}): string[] {
  const dg = `dynamic-group ${target.dynamicGroup}`;
  const anyOf = (variable: string, values: readonly string[]) =>
    values.length === 1 ? `${variable} = '${values[0]}'` : `any {${values.map((v) => `${variable} = '${v}'`).join(', ')}}`;
  const classic = [
    `Allow ${dg} to inspect users in tenancy`,
    `Allow ${dg} to inspect groups in tenancy`,
    `Allow ${dg} to manage users in tenancy where any {request.permission = 'USER_CREATE', request.permission = 'USER_UPDATE'}`,
    `Allow ${dg} to manage groups in tenancy where all {target.group.name != 'Administrators', any {request.permission = 'GROUP_CREATE', request.permission = 'GROUP_UPDATE'}}`,
  ];
  const domain = target.domainName
    ? [
        `Allow ${dg} to inspect users in tenancy where target.resource.domain.name = '${target.domainName}'`,
        `Allow ${dg} to inspect groups in tenancy where target.resource.domain.name = '${target.domainName}'`,
        `Allow ${dg} to manage users in tenancy where all {target.resource.domain.name = '${target.domainName}', any {request.permission = 'USER_CREATE', request.permission = 'USER_UPDATE', request.permission = 'USER_UIPASS_SET'}}`,
        `Allow ${dg} to manage groups in tenancy where all {target.resource.domain.name = '${target.domainName}', target.group.name != 'Administrators', any {request.permission = 'GROUP_CREATE', request.permission = 'GROUP_UPDATE'}}`,
      ]
    : classic;
  return [
    `Allow ${dg} to inspect tenancies in tenancy`,
    ...domain,
    `Allow ${dg} to manage policies in tenancy where any {request.permission = 'POLICY_READ', request.permission = 'POLICY_CREATE', request.permission = 'POLICY_UPDATE'}`,
    `Allow ${dg} to use ons-topics in compartment id ${target.topicCompartmentId} where request.permission = 'ONS_TOPIC_PUBLISH'`,
    `Allow ${dg} to read secret-bundles in tenancy where ${anyOf('target.secret.id', target.secretIds)}`,
    `Allow ${dg} to manage objects in tenancy where ${anyOf('target.bucket.name', target.buckets)}`,
  ];
}

export const DEMO_CATALOG_PATH = join(__dirname, '..', '..', 'examples', 'role-catalog.json');

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
  const functionEnv = {
    ...oci.credentials.resourcePrincipalEnv,
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
  const functionsCompartment = [...oci.state.compartments.values()].find((c) => c.name === 'functions');
  const seed = (statements: readonly string[]): FunctionGrant => {
    const grant = { dynamicGroupName: FUNCTION_DYNAMIC_GROUP, policyName: `${FUNCTION_DYNAMIC_GROUP}-policy`, statements };
    seedFunctionGrant(oci.state, functionsCompartment?.id ?? oci.state.tenancy.id, grant);
    return grant;
  };
  const functionGrant = seed(
    functionStatements({
      dynamicGroup: FUNCTION_DYNAMIC_GROUP,
      topicCompartmentId: topic.compartmentId,
      secretIds: [secret.id, webhook.id],
      buckets: [uploadBucket, stateBucket],
      domainName: oci.state.domain?.name,
    }),
  );
  return {
    oci,
    topicId: topic.id,
    secretId: secret.id,
    uploadBucket,
    stateBucket,
    webhookSecret,
    functionEnv,
    functionGrant,
    grantFunction: (statements) => {
      seed(statements);
    },
  };
}
