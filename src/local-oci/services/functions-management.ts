import type { ApplicationRecord, FunctionRecord } from '../control-plane-state';
import { ApiError, type ApiRequest, notFound, pageOf, type Route } from '../http';
import { makeOcid } from '../ocid';
import type { TenancyState } from '../state';

// Functions management API 20181201 (applications, functions, their config), shapes from
// oci-functions's models (Application, Function, UpdateFunctionDetails) and
// https://docs.oracle.com/en-us/iaas/api/#/en/functions/20181201/. Applications and functions are
// made by `fn create app` / `fn deploy`; tests seed them with `seedFunctionApp`.

/** All config keys and values of one function or application: 4 KB of UTF-8 (Function.config). */
const CONFIG_LIMIT_BYTES = 4096;
const CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkConfig(config: unknown): Record<string, string> {
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new ApiError(400, 'InvalidParameter', 'config must be an object');
  const entries = Object.entries(config);
  for (const [key, value] of entries) {
    if (!CONFIG_KEY.test(key)) throw new ApiError(400, 'InvalidParameter', `Invalid config key ${key}`);
    if (typeof value !== 'string') throw new ApiError(400, 'InvalidParameter', `config ${key} must be a string`);
  }
  const bytes = entries.reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v as string), 0);
  if (bytes > CONFIG_LIMIT_BYTES)
    throw new ApiError(400, 'InvalidParameter', `config is ${bytes} bytes; the limit is ${CONFIG_LIMIT_BYTES}`);
  return config as Record<string, string>;
}

const applicationView = (a: ApplicationRecord) => ({
  id: a.id,
  compartmentId: a.compartmentId,
  displayName: a.displayName,
  lifecycleState: 'ACTIVE',
  subnetIds: a.subnetIds,
  config: a.config,
  shape: 'GENERIC_X86',
  timeCreated: a.timeCreated.toISOString(),
  timeUpdated: a.timeCreated.toISOString(),
});

/**
 * Where the function is invoked: at OCI its own `https://….functions.oci.oraclecloud.com` endpoint
 * (`Function.invokeEndpoint`); here this local OCI in the region the caller addressed.
 */
const invokeEndpointFor = (request: ApiRequest) => `http://${request.header('host') ?? '127.0.0.1'}/r/${request.region}`;

const functionView = (f: FunctionRecord, withConfig: boolean, invokeEndpoint = 'local') => ({
  id: f.id,
  applicationId: f.applicationId,
  compartmentId: f.compartmentId,
  displayName: f.displayName,
  lifecycleState: 'ACTIVE',
  image: f.image,
  memoryInMBs: f.memoryInMBs,
  timeoutInSeconds: f.timeoutInSeconds,
  ...(f.detachedModeTimeoutInSeconds !== undefined ? { detachedModeTimeoutInSeconds: f.detachedModeTimeoutInSeconds } : {}),
  shape: 'GENERIC_X86',
  invokeEndpoint,
  timeCreated: f.timeCreated.toISOString(),
  timeUpdated: f.timeUpdated.toISOString(),
  // FunctionSummary has no config; GetFunction's Function has it.
  ...(withConfig ? { config: f.config } : {}),
});

/** Seeds an application and its function, as `fn create app` and `fn deploy` would have made them. */
export function seedFunctionApp(
  state: TenancyState,
  options: { compartmentId: string; functionId: string; applicationName?: string; functionName?: string; region?: string },
): { application: ApplicationRecord; fn: FunctionRecord } {
  const now = new Date();
  const application: ApplicationRecord = {
    id: makeOcid('fnapp', options.region),
    compartmentId: options.compartmentId,
    displayName: options.applicationName ?? 'iam',
    subnetIds: [makeOcid('subnet', options.region)],
    config: {},
    timeCreated: now,
  };
  const fn: FunctionRecord = {
    id: options.functionId,
    applicationId: application.id,
    compartmentId: options.compartmentId,
    displayName: options.functionName ?? 'iam-onboarding',
    image: 'local.ocir.io/tenancy/iam/iam-onboarding:0.1.0',
    memoryInMBs: 256,
    timeoutInSeconds: 120,
    config: {},
    timeCreated: now,
    timeUpdated: now,
  };
  state.controlPlane.applications.set(application.id, application);
  state.controlPlane.functions.set(fn.id, fn);
  return { application, fn };
}

export function functionsManagementRoutes(state: TenancyState): Route[] {
  const { applications, functions } = state.controlPlane;
  const functionOf = (id: string | undefined) => {
    const found = functions.get(id ?? '');
    if (!found) throw notFound(`function ${id}`);
    return found;
  };
  return [
    {
      method: 'GET',
      pattern: /^\/20181201\/applications$/,
      service: 'functions',
      operation: 'ListApplications',
      handle: ({ query }) => {
        const compartmentId = query.get('compartmentId');
        if (!compartmentId) throw new ApiError(400, 'InvalidParameter', 'compartmentId is required');
        const displayName = query.get('displayName');
        const items = [...applications.values()]
          .filter((a) => a.compartmentId === compartmentId && (displayName === null || a.displayName === displayName))
          .map(applicationView);
        return pageOf(items, query);
      },
    },
    {
      method: 'GET',
      pattern: /^\/20181201\/applications\/([^/]+)$/,
      service: 'functions',
      operation: 'GetApplication',
      handle: ({ params }) => {
        const found = applications.get(params[0] ?? '');
        if (!found) throw notFound(`application ${params[0]}`);
        return { status: 200, body: applicationView(found) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/20181201\/functions$/,
      service: 'functions',
      operation: 'ListFunctions',
      handle: ({ query }) => {
        const applicationId = query.get('applicationId');
        if (!applicationId) throw new ApiError(400, 'InvalidParameter', 'applicationId is required');
        const displayName = query.get('displayName');
        const items = [...functions.values()]
          .filter((f) => f.applicationId === applicationId && (displayName === null || f.displayName === displayName))
          .map((f) => functionView(f, false));
        return pageOf(items, query);
      },
    },
    {
      method: 'GET',
      pattern: /^\/20181201\/functions\/([^/]+)$/,
      service: 'functions',
      operation: 'GetFunction',
      handle: (request) => ({ status: 200, body: functionView(functionOf(request.params[0]), true, invokeEndpointFor(request)) }),
    },
    {
      method: 'PUT',
      pattern: /^\/20181201\/functions\/([^/]+)$/,
      service: 'functions',
      operation: 'UpdateFunction',
      handle: (request) => {
        const fn = functionOf(request.params[0]);
        const body = request.json();
        // The config given replaces the function's whole config (UpdateFunctionDetails.config).
        if (body.config !== undefined) fn.config = { ...checkConfig(body.config) };
        if (typeof body.memoryInMBs === 'number') fn.memoryInMBs = body.memoryInMBs;
        if (typeof body.timeoutInSeconds === 'number') {
          if (body.timeoutInSeconds < 5 || body.timeoutInSeconds > 300)
            throw new ApiError(400, 'InvalidParameter', 'timeoutInSeconds must be 5-300');
          fn.timeoutInSeconds = body.timeoutInSeconds;
        }
        // Function.detachedModeTimeoutInSeconds, 5 to 3600 seconds (Functions release note "Support for
        // longer running functions in Detached mode"; "Updating a Function": Detached invocation timeout).
        if (body.detachedModeTimeoutInSeconds !== undefined) {
          const detached = body.detachedModeTimeoutInSeconds;
          if (typeof detached !== 'number' || !Number.isInteger(detached) || detached < 5 || detached > 3600)
            throw new ApiError(400, 'InvalidParameter', 'detachedModeTimeoutInSeconds must be 5-3600');
          fn.detachedModeTimeoutInSeconds = detached;
        }
        fn.timeUpdated = new Date();
        return { status: 200, body: functionView(fn, true) };
      },
    },
  ];
}
