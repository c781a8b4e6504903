import { z } from 'zod';
import { definedTagsSchema } from '../core/tags';
import { problemsOf } from '../core/validation';
import { ErrorCode, ValidationError } from '../support/errors';

// What `npm run setup` makes sure of around a deployed function: its input file (validated here,
// every problem at once) and the desired state derived from it and from what `fn deploy` made.

const ocid = (type: string) => z.string().regex(new RegExp(`^ocid1\\.${type}\\.`), `must be an OCID of type ${type}`);
const name = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'use 1-100 letters, digits, dots, dashes or underscores');

const setupSchema = z
  .object({
    /** Where the application and function are, and where the topic, buckets, rule and log group go. */
    compartmentId: ocid('(compartment|tenancy)'),
    application: z.string().min(1).default('iam'),
    function: z.string().min(1).default('iam-onboarding'),
    dynamicGroup: z
      .object({ name: name.default('iam-onboarding-fn'), description: z.string().min(1).default('The IAM onboarding function') })
      .strict()
      .default({}),
    policy: z
      .object({
        name: name.default('iam-onboarding-fn'),
        description: z.string().min(1).default('What the IAM onboarding function may do'),
        /** Statements to use instead of the generated ones (npm run deploy-policy). */
        statements: z.array(z.string().min(1)).min(1).max(50).optional(),
      })
      .strict()
      .default({}),
    topic: z
      .object({
        name: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,256}$/, 'use letters, digits, dashes or underscores')
          .default('iam-onboarding-results'),
        /** Who receives the results by e-mail; each must confirm the subscription from the message OCI sends. */
        emails: z.array(z.string().email()).default([]),
      })
      .strict()
      .default({}),
    uploads: z
      .object({ bucket: name, prefix: z.string().default(''), stateBucket: name.optional() })
      .strict()
      .optional(),
    /** Where the Vault secrets and the catalog bucket are, when the config names them (for the policy). */
    compartments: z
      .object({ secrets: ocid('(compartment|tenancy)').optional(), catalog: ocid('(compartment|tenancy)').optional() })
      .strict()
      .default({}),
    /**
     * The OCI Queue that carries the upload engine's work (with `uploads`): one channel per run, one
     * message per chunk of rows. Each default is chosen for that work (docs/queue-and-schedule.md).
     */
    queue: z
      .object({
        name: name.default('iam-onboarding-work'),
        // A message a worker took and neither deleted nor extended comes back after this. Workers ask
        // for a visibility that covers their own deadline (GetMessages visibilityInSeconds); this is what
        // any other consumer gets: the longest a function invocation runs (300 s).
        visibilityInSeconds: z.number().int().min(1).max(43_200).default(300),
        // A run finishes in minutes; a day leaves room for a sweep after an outage (and is the window
        // the sweep looks back over). Fixed at creation: UpdateQueueDetails has no retention.
        retentionInSeconds: z.number().int().min(10).max(604_800).default(86_400),
        // A chunk that failed three deliveries will fail a fourth: it goes to the dead letter queue and
        // its rows are reported as failed, never retried without end.
        deadLetterQueueDeliveryCount: z.number().int().min(1).max(20).default(3),
        // A run's messages are line ranges of a few hundred bytes: no channel nears the queue's storage,
        // and a lower share would only make one large upload fail while the queue has room.
        channelConsumptionLimit: z.number().int().min(10).max(100).default(100),
      })
      .strict()
      .default({}),
    /**
     * The Resource Scheduler schedule that invokes the function with `{"sweep": true}` (with
     * `uploads`): the safety net that starts a worker where work is visible and nobody works it.
     */
    schedule: z
      .object({
        name: name.default('iam-onboarding-sweep'),
        everyMinutes: z.number().int().min(1).max(60).default(5),
        /** The policy that lets this schedule, and nothing else, invoke the function. */
        policyName: name.default('iam-onboarding-sweep'),
      })
      .strict()
      .default({}),
    logGroup: name.default('iam-onboarding'),
    /**
     * How long a detached invocation (an upload's continuation) may run: the function's
     * detachedModeTimeoutInSeconds, 5 to 3600 ("Changing Default Memory and Timeout Settings"). Not a
     * func.yaml or fn setting; unset, detached invocations get the function's timeout.
     */
    detachedTimeoutSeconds: z.number().int().min(5).max(3600).optional(),
    /**
     * The role catalog file (relative to the set-up file), uploaded to ROLE_CATALOG_BUCKET as
     * ROLE_CATALOG_OBJECT; checked first with the function's own parser, and its policy names pin the
     * policy writes when POLICY_NAME_PREFIX is not set.
     */
    catalogFile: z.string().min(1).optional(),
    /** ONS topics whose messages invoke the function (protocol ORACLE_FUNCTIONS); never the results topic. */
    onsTriggers: z.array(ocid('onstopic')).default([]),
    /**
     * Defined tags for everything set-up creates, and (as DEFINED_TAGS) for every user, group and
     * policy the function creates: a tenancy with required tag defaults refuses creates without them.
     */
    definedTags: definedTagsSchema.optional(),
    /** More function config (ROLE_CATALOG_BUCKET, IDENTITY_DOMAIN_URL, …); set-up adds ONS_TOPIC_ID and the upload keys. */
    functionConfig: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'config keys are letters, digits and _'), z.string()).default({}),
  })
  .strict();

/** The set-up file, validated. */
export type SetupInput = z.infer<typeof setupSchema>;

/** Parses the set-up file; every problem at once. */
export function parseSetupInput(json: unknown): SetupInput {
  const parsed = setupSchema.safeParse(json);
  if (!parsed.success) throw new ValidationError(ErrorCode.InvalidConfig, 'The set-up file is not valid', problemsOf(parsed.error));
  return parsed.data;
}

/** A value known only once another resource exists: the topic's or the queue's OCID, the queue's messages endpoint. */
export type Ref = { readonly ref: 'topic' | 'queue-id' | 'queue-endpoint' };

/** The body the schedule sends the function: the upload engine's sweep request. */
export const SWEEP_BODY = { sweep: true } as const;
export type ConfigValue = string | Ref;

/** The function as `fn deploy` left it: the set-up writes around it, never creates it. */
export interface DeployedFunction {
  readonly id: string;
  readonly applicationId: string;
  readonly compartmentId: string;
  readonly tenancyId: string;
}

/** Where the set-up found a bucket that already exists, by name: its policy statements and Events rule go there. */
export type BucketPlaces = ReadonlyMap<string, string>;

/** The role catalog set-up uploads, as read from `catalogFile`. */
export interface CatalogUpload {
  readonly bucket: string;
  readonly object: string;
  readonly text: string;
}

export interface DesiredSetup {
  readonly functionId: string;
  readonly definedTags: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined;
  readonly dynamicGroup: { readonly name: string; readonly description: string; readonly matchingRule: string };
  readonly policy: {
    readonly name: string;
    readonly description: string;
    readonly compartmentId: string;
    readonly statements: readonly string[];
    /** Per statement, the lint rules it may break (the generator allows one, with its reason). */
    readonly allow: readonly (readonly string[])[];
  };
  readonly topic: { readonly name: string; readonly compartmentId: string };
  readonly subscriptions: readonly { readonly protocol: 'EMAIL'; readonly endpoint: string }[];
  readonly buckets: readonly { readonly name: string; readonly compartmentId: string; readonly objectEventsEnabled: boolean }[];
  readonly logGroup: { readonly displayName: string; readonly compartmentId: string };
  /** The function's invoke log: OCI Functions logs per application, category `invoke`. */
  readonly invokeLog: { readonly displayName: string; readonly applicationId: string };
  readonly rule:
    | {
        readonly displayName: string;
        readonly compartmentId: string;
        /** The upload bucket whose events it matches. */
        readonly bucket: string;
        readonly condition: string;
        readonly functionId: string;
      }
    | undefined;
  readonly functionConfig: Readonly<Record<string, ConfigValue>>;
  /** The function's detachedModeTimeoutInSeconds, when the set-up file gives one. */
  readonly detachedTimeoutSeconds: number | undefined;
  /** The catalog to upload, when the set-up file names one and the config names its bucket and object. */
  readonly catalog: CatalogUpload | undefined;
  /** Topics whose messages invoke the function. */
  readonly onsTriggers: readonly string[];
  /** The upload engine's queue (with uploads). */
  readonly queue?: DesiredQueue | undefined;
  /** The sweep schedule and the policy that lets it invoke the function (with uploads). */
  readonly schedule?: DesiredSchedule | undefined;
}

export interface DesiredQueue {
  readonly displayName: string;
  readonly compartmentId: string;
  readonly visibilityInSeconds: number;
  readonly retentionInSeconds: number;
  readonly deadLetterQueueDeliveryCount: number;
  readonly channelConsumptionLimit: number;
}

export interface DesiredSchedule {
  readonly displayName: string;
  readonly compartmentId: string;
  /** RFC 5545 (recurrenceType ICAL), e.g. `FREQ=MINUTELY;INTERVAL=5`. */
  readonly recurrenceDetails: string;
  readonly functionId: string;
  /** Where the function is: the schedule's policy lets it invoke functions there. */
  readonly functionCompartmentId: string;
  readonly body: typeof SWEEP_BODY;
  readonly policy: { readonly name: string; readonly description: string; readonly compartmentId: string };
}

/**
 * What the sweep schedule may do: invoke functions in the function's compartment, only as this
 * schedule (Resource Scheduler "Example Policies": `any-user … where all{request.principal.type =
 * 'resourceschedule', request.principal.id = '<schedule ocid>'}`). Functions takes only the general
 * variables, so the function is pinned by its compartment, as in the function's own policy.
 */
export function schedulePolicyStatements(scheduleId: string, functionCompartmentId: string): string[] {
  const where = functionCompartmentId.startsWith('ocid1.tenancy.') ? 'tenancy' : `compartment id ${functionCompartmentId}`;
  return [
    `Allow any-user to use fn-invocation in ${where} where all {request.principal.type = 'resourceschedule', request.principal.id = '${scheduleId}', request.operation = 'InvokeFunction'}`,
  ];
}

/**
 * The object events a file of hires arrives by, as an Events rule condition ("Matching Events with
 * Filters": attribute values are lists, `*` a wildcard).
 */
export function uploadCondition(bucket: string, prefix: string): string {
  return JSON.stringify({
    eventType: ['com.oraclecloud.objectstorage.createobject', 'com.oraclecloud.objectstorage.updateobject'],
    data: { additionalDetails: { bucketName: [bucket] }, ...(prefix ? { resourceName: [`${prefix}*`] } : {}) },
  });
}

/** The catalog's bucket and object, from the function config the set-up file gives. */
export function catalogUpload(input: SetupInput, text: string | undefined): CatalogUpload | undefined {
  const bucket = input.functionConfig.ROLE_CATALOG_BUCKET;
  const object = input.functionConfig.ROLE_CATALOG_OBJECT;
  return text !== undefined && bucket && object ? { bucket, object, text } : undefined;
}

/**
 * Everything set-up makes sure of, from the input, the deployed function and the policy statements.
 * A bucket that exists stays where it is (`places`): a new one goes to the set-up's compartment, the
 * catalog's to `compartments.catalog`, and the Events rule to the upload bucket's compartment, since a
 * rule matches only events of its own compartment and those below it ("Overview of Events").
 */
export function desiredSetup(
  input: SetupInput,
  fn: DeployedFunction,
  statements: readonly { readonly statement: string; readonly allow?: readonly string[] | undefined }[],
  options: { readonly places?: BucketPlaces; readonly catalogText?: string | undefined } = {},
): DesiredSetup {
  const uploads = input.uploads;
  const place = (bucket: string, fallback = input.compartmentId) => options.places?.get(bucket) ?? fallback;
  const catalog = catalogUpload(input, options.catalogText);
  const wanted = [
    ...(uploads ? [{ name: uploads.bucket, compartmentId: place(uploads.bucket), objectEventsEnabled: true }] : []),
    ...(uploads?.stateBucket ? [{ name: uploads.stateBucket, compartmentId: place(uploads.stateBucket), objectEventsEnabled: false }] : []),
    ...(catalog
      ? [{ name: catalog.bucket, compartmentId: place(catalog.bucket, input.compartments.catalog), objectEventsEnabled: false }]
      : []),
  ];
  // One entry per bucket: the first says whether it needs object events.
  const buckets = wanted.filter((b, i) => wanted.findIndex((w) => w.name === b.name) === i);
  return {
    functionId: fn.id,
    definedTags: input.definedTags,
    dynamicGroup: {
      name: input.dynamicGroup.name,
      description: input.dynamicGroup.description,
      // This one function, not every function of the compartment.
      matchingRule: `ALL {resource.type = 'fnfunc', resource.id = '${fn.id}'}`,
    },
    // Statements about the tenancy are attached to the root compartment.
    policy: {
      name: input.policy.name,
      description: input.policy.description,
      compartmentId: fn.tenancyId,
      statements: statements.map((s) => s.statement),
      allow: statements.map((s) => s.allow ?? []),
    },
    topic: { name: input.topic.name, compartmentId: input.compartmentId },
    subscriptions: [...new Set(input.topic.emails)].map((endpoint) => ({ protocol: 'EMAIL' as const, endpoint })),
    buckets,
    logGroup: { displayName: input.logGroup, compartmentId: input.compartmentId },
    invokeLog: { displayName: `${input.application}-invoke`, applicationId: fn.applicationId },
    rule: uploads
      ? {
          displayName: `${input.function}-uploads`,
          compartmentId: place(uploads.bucket),
          bucket: uploads.bucket,
          condition: uploadCondition(uploads.bucket, uploads.prefix),
          functionId: fn.id,
        }
      : undefined,
    functionConfig: {
      ...input.functionConfig,
      ...(input.definedTags ? { DEFINED_TAGS: JSON.stringify(input.definedTags) } : {}),
      ONS_TOPIC_ID: { ref: 'topic' },
      ...(uploads
        ? {
            QUEUE_ID: { ref: 'queue-id' },
            QUEUE_ENDPOINT: { ref: 'queue-endpoint' },
            ONBOARDING_BUCKET: uploads.bucket,
            ...(uploads.prefix ? { ONBOARDING_PREFIX: uploads.prefix } : {}),
            ...(uploads.stateBucket ? { STATE_BUCKET: uploads.stateBucket } : {}),
          }
        : {}),
    },
    detachedTimeoutSeconds: input.detachedTimeoutSeconds,
    catalog,
    onsTriggers: [...new Set(input.onsTriggers)],
    queue: uploads
      ? {
          displayName: input.queue.name,
          compartmentId: input.compartmentId,
          visibilityInSeconds: input.queue.visibilityInSeconds,
          retentionInSeconds: input.queue.retentionInSeconds,
          deadLetterQueueDeliveryCount: input.queue.deadLetterQueueDeliveryCount,
          channelConsumptionLimit: input.queue.channelConsumptionLimit,
        }
      : undefined,
    schedule: uploads
      ? {
          displayName: input.schedule.name,
          compartmentId: input.compartmentId,
          recurrenceDetails: `FREQ=MINUTELY;INTERVAL=${input.schedule.everyMinutes}`,
          functionId: fn.id,
          functionCompartmentId: fn.compartmentId,
          body: SWEEP_BODY,
          policy: {
            name: input.schedule.policyName,
            description: 'Lets the sweep schedule invoke the IAM onboarding function',
            compartmentId: fn.tenancyId,
          },
        }
      : undefined,
  };
}
