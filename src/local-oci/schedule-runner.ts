import type { ApiRequest, ApiResponse, Route } from './http';
import type { RequestLog } from './request-log';
import type { ScheduledResource, ScheduleRecord, ScheduleRun, ScheduleState } from './schedule-state';
import type { Principal } from './signature';

// What a due schedule does: for each of its function resources, one detached call of the Functions
// invoke API (POST /20181201/functions/{id}/actions/invoke), made as the schedule's resource principal
// (`request.principal.type` 'resourceschedule', `request.principal.id` the schedule's OCID) through
// the same route, authorization and handler a signed request takes, so that only a policy such as
// Resource Scheduler's "Example Policies" lets it through. Sources and assumptions:
// services/resource-scheduler.ts.

export interface ScheduleRunnerDeps {
  readonly schedules: ScheduleState;
  readonly tenancyId: string;
  readonly region: string;
  readonly routes: readonly Route[];
  /** Builds the request the server would have built from an HTTP call. */
  request(route: Route, call: { path: string; headers: Record<string, string>; body: Buffer; principal: Principal }): ApiRequest;
  authorize(route: Route, request: ApiRequest, principal: Principal): boolean;
  execute(route: Route, request: ApiRequest): Promise<ApiResponse>;
  readonly requests: RequestLog;
}

/** The body a schedule sends: its resource's BODY parameter (text as is, anything else as JSON), or none. */
export function scheduledBody(resource: ScheduledResource): Buffer {
  const body = resource.parameters?.find((p) => p.parameterType === 'BODY');
  if (body === undefined || body.value === undefined) return Buffer.alloc(0);
  return Buffer.from(typeof body.value === 'string' ? body.value : JSON.stringify(body.value), 'utf8');
}

function scheduledHeaders(resource: ScheduledResource): Record<string, string> {
  const header = resource.parameters?.find((p) => p.parameterType === 'HEADER');
  const value = header?.value;
  return value && typeof value === 'object'
    ? Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), String(v)]))
    : {};
}

/** Runs every schedule that is due on the local clock; answers what each run did. */
export async function runDueSchedules(deps: ScheduleRunnerDeps): Promise<ScheduleRun[]> {
  const runs: ScheduleRun[] = [];
  for (const schedule of deps.schedules.due()) {
    const outcomes = await Promise.all(
      schedule.resources
        .filter((r) => schedule.action === 'START_RESOURCE' && r.id.startsWith('ocid1.fnfunc.'))
        .map((r) => invoke(deps, schedule, r)),
    );
    schedule.lastRunStatus = outcomes.every((run) => run.outcome === 'invoked') ? 'SUCCEEDED' : 'FAILED';
    for (const run of outcomes) deps.schedules.record(run);
    runs.push(...outcomes);
  }
  return runs;
}

async function invoke(deps: ScheduleRunnerDeps, schedule: ScheduleRecord, resource: ScheduledResource): Promise<ScheduleRun> {
  const path = `/20181201/functions/${encodeURIComponent(resource.id)}/actions/invoke`;
  const route = deps.routes.find((r) => r.method === 'POST' && r.pattern.test(path));
  const at = deps.schedules.clock.now();
  const principal: Principal = {
    kind: 'resource',
    tenancyId: deps.tenancyId,
    id: schedule.id,
    resourceType: 'resourceschedule',
    compartmentId: schedule.compartmentId,
  };
  const body = scheduledBody(resource);
  const headers = { ...scheduledHeaders(resource), 'content-type': 'application/json', 'fn-invoke-type': 'detached' };
  const log = (status: number, outcome: 'ok' | 'denied' | 'error') =>
    deps.requests.add({
      service: 'functions',
      operation: 'InvokeFunction',
      method: 'POST',
      path,
      region: deps.region,
      status,
      outcome,
      iamWrite: false,
      at: Date.now(),
      body: body.toString('utf8'),
    });
  const run = (outcome: ScheduleRun['outcome'], status: number): ScheduleRun => ({
    scheduleId: schedule.id,
    resourceId: resource.id,
    at,
    outcome,
    status,
  });
  if (!route) return run('failed', 404);
  const request = deps.request(route, { path, headers, body, principal });
  if (!deps.authorize(route, request, principal)) {
    log(404, 'denied');
    return run('refused', 404);
  }
  try {
    const response = await deps.execute(route, request);
    log(response.status, response.status < 400 ? 'ok' : 'error');
    return run(response.status < 400 ? 'invoked' : 'failed', response.status);
  } catch (error) {
    const status = (error as { status?: number }).status ?? 500;
    log(status, 'error');
    return run('failed', status);
  }
}
