import { z } from 'zod';
import { parseRoleCatalogText, type RoleCatalog } from './core/role-catalog';
import { definedTagsSchema } from './core/tags';
import { problemsOf } from './core/validation';
import { DOMAIN_TYPES } from './oci/domain-rate-limits';
import { ErrorCode, type Problem, ValidationError } from './support/errors';

const ocid = (type: string) => z.string().regex(new RegExp(`^ocid1\\.${type}\\.`), `must be an OCID of type ${type}`);
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Every key the function reads from its Fn config (environment). See README "Configuration". */
const configSchema = z
  .object({
    ONS_TOPIC_ID: ocid('onstopic'),
    ROLE_CATALOG: z.string().optional(),
    ROLE_CATALOG_BUCKET: z.string().min(1).optional(),
    ROLE_CATALOG_OBJECT: z.string().min(1).optional(),
    ROLE_CATALOG_NAMESPACE: z.string().min(1).optional(),
    ROLE_CATALOG_TTL_SECONDS: positiveInt(300),
    /** When set, every policy the catalog names must start with it; the deployment policy lets the function write no other. */
    POLICY_NAME_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, '1-64 of letters, digits, . _ - (the start of every policy name the function may write)')
      .optional(),
    BOOTSTRAP_SECRET_ID: ocid('vaultsecret').optional(),
    BOOTSTRAP_SECRET_NAME: z.string().min(1).optional(),
    BOOTSTRAP_VAULT_ID: ocid('vault').optional(),
    BOOTSTRAP_SECRET_TTL_SECONDS: positiveInt(300),
    IDENTITY_DOMAIN_URL: z.string().url('must be the domain URL, https://idcs-….identity.oraclecloud.com').optional(),
    IDENTITY_DOMAIN_NAME: z.string().min(1).default('Default'),
    DOMAIN_WELCOME_EMAIL: bool.default('false'),
    /** The identity domain's type: which of Oracle's published API rate limits the function paces itself by. */
    IDENTITY_DOMAIN_TYPE: z.enum(DOMAIN_TYPES).default('free'),
    /** SCIM Bulk for the creates and membership adds of a batch (`false`: single calls only). */
    DOMAIN_BULK: bool.default('true'),
    /** Rows in flight on the identity-domain path: their look-ups and writes share calls, so many at once. */
    DOMAIN_BATCH_CONCURRENCY: positiveInt(300),
    SET_PASSWORD_FOR_EXISTING_USERS: bool.default('false'),
    ONBOARDING_BUCKET: z.string().min(1).optional(),
    ONBOARDING_PREFIX: z.string().default(''),
    STATE_BUCKET: z.string().min(1).optional(),
    BATCH_CONCURRENCY: positiveInt(8),
    MAX_UPLOAD_BYTES: positiveInt(10 * 1024 * 1024),
    UPLOAD_INVOCATIONS: positiveInt(4),
    UPLOAD_CHUNK_ROWS: positiveInt(500),
    /** The OCI Queue that holds the work of upload runs, and its messages endpoint (`Queue.messagesEndpoint`). */
    QUEUE_ID: ocid('queue').optional(),
    QUEUE_ENDPOINT: z
      .string()
      .url("must be the queue's messages endpoint, https://cell-….queue.messaging.<region>.oci.oraclecloud.com")
      .optional(),
    WEBHOOK_SECRET_ID: ocid('vaultsecret').optional(),
    WEBHOOK_SIGNATURE_HEADER: z.string().min(1).default('X-Hr-Signature'),
    WEBHOOK_TIMESTAMP_HEADER: z.string().min(1).default('X-Hr-Timestamp'),
    WEBHOOK_DELIVERY_HEADER: z.string().min(1).default('X-Hr-Delivery-Id'),
    WEBHOOK_TOLERANCE_SECONDS: positiveInt(300),
    /** Defined tags for every user, group and policy the function creates: `{"Namespace": {"key": "value"}}`. */
    DEFINED_TAGS: z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be JSON: {"Namespace": {"key": "value"}}' });
          return z.NEVER;
        }
      })
      .pipe(definedTagsSchema)
      .optional(),
    DRY_RUN: bool.default('false'),
    LEAVER_RETENTION_DAYS: z.coerce.number().int().nonnegative().optional(),
    ROSTER_PREFIX: z.string().min(1).default('roster/'),
    BREAKER_MAX_USERS: z.coerce.number().int().nonnegative().default(10),
    BREAKER_MAX_SHARE: z.coerce.number().min(0).max(1).default(0.1),
    OCI_AUTH: z.enum(['auto', 'resource_principal', 'config_file']).default('auto'),
    OCI_CONFIG_FILE: z.string().optional(),
    OCI_CONFIG_PROFILE: z.string().default('DEFAULT'),
    OCI_ENDPOINT_TEMPLATE: z
      .string()
      .regex(/^https?:\/\/[^\s]+\{region\}/, 'must be a URL containing {region}, e.g. http://127.0.0.1:9000/r/{region}')
      .optional(),
    OCI_MAX_ATTEMPTS: positiveInt(5),
    PUBLISH_RESERVE_MS: positiveInt(3000),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  })
  .superRefine((c, ctx) => {
    const inline = c.ROLE_CATALOG !== undefined;
    const stored = c.ROLE_CATALOG_BUCKET !== undefined || c.ROLE_CATALOG_OBJECT !== undefined;
    if (inline === stored) {
      ctx.addIssue({
        code: 'custom',
        path: ['ROLE_CATALOG'],
        message: 'set either ROLE_CATALOG (JSON) or ROLE_CATALOG_BUCKET and ROLE_CATALOG_OBJECT',
      });
    } else if (stored && (!c.ROLE_CATALOG_BUCKET || !c.ROLE_CATALOG_OBJECT)) {
      ctx.addIssue({
        code: 'custom',
        path: ['ROLE_CATALOG_OBJECT'],
        message: 'ROLE_CATALOG_BUCKET and ROLE_CATALOG_OBJECT go together',
      });
    }
    if (!!c.QUEUE_ID !== !!c.QUEUE_ENDPOINT) {
      ctx.addIssue({ code: 'custom', path: ['QUEUE_ID'], message: 'QUEUE_ID and QUEUE_ENDPOINT go together' });
    }
    if (c.IDENTITY_DOMAIN_URL && !c.BOOTSTRAP_SECRET_ID && !c.BOOTSTRAP_SECRET_NAME) {
      ctx.addIssue({
        code: 'custom',
        path: ['BOOTSTRAP_SECRET_ID'],
        message:
          'an identity domain needs the bootstrap password: set BOOTSTRAP_SECRET_ID, or BOOTSTRAP_SECRET_NAME and BOOTSTRAP_VAULT_ID',
      });
    }
    if (c.BOOTSTRAP_SECRET_ID && (c.BOOTSTRAP_SECRET_NAME || c.BOOTSTRAP_VAULT_ID)) {
      ctx.addIssue({
        code: 'custom',
        path: ['BOOTSTRAP_SECRET_ID'],
        message: 'name the secret by BOOTSTRAP_SECRET_ID or by BOOTSTRAP_SECRET_NAME and BOOTSTRAP_VAULT_ID, not both',
      });
    } else if (!!c.BOOTSTRAP_SECRET_NAME !== !!c.BOOTSTRAP_VAULT_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['BOOTSTRAP_SECRET_NAME'],
        message: 'BOOTSTRAP_SECRET_NAME and BOOTSTRAP_VAULT_ID go together',
      });
    }
  });

export type FunctionConfig = Readonly<
  z.infer<typeof configSchema> & {
    /** ROLE_CATALOG parsed and validated with the rest of the config, before any call to OCI. */
    inlineCatalog: RoleCatalog | undefined;
  }
>;

/** Validates an inline catalog; its problems are reported under `ROLE_CATALOG.<path>` with the config's. */
function inlineCatalogOf(text: unknown, policyNamePrefix: string | undefined, problems: Problem[]): RoleCatalog | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return parseRoleCatalogText(text, 'ROLE_CATALOG', { policyNamePrefix });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    for (const problem of error.problems)
      problems.push({ path: problem.path === '(root)' ? 'ROLE_CATALOG' : `ROLE_CATALOG.${problem.path}`, message: problem.message });
    return undefined;
  }
}

/**
 * Parses the function's config once; throws one INVALID_CONFIG error listing every problem: the
 * keys and, when the catalog is inline, every finding in it.
 * @example const config = parseConfig(process.env);
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): FunctionConfig {
  const relevant = Object.fromEntries(
    Object.keys(configSchema.innerType().shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const parsed = configSchema.safeParse(relevant);
  const problems = parsed.success ? [] : problemsOf(parsed.error);
  const inlineCatalog = inlineCatalogOf(
    relevant.ROLE_CATALOG,
    typeof relevant.POLICY_NAME_PREFIX === 'string' ? relevant.POLICY_NAME_PREFIX : undefined,
    problems,
  );
  if (!parsed.success || problems.length > 0)
    throw new ValidationError(ErrorCode.InvalidConfig, 'The function configuration is not valid', problems);
  return Object.freeze({ ...parsed.data, inlineCatalog });
}
