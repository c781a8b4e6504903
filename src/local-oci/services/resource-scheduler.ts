import { ApiError, type ApiRequest, notFound, pageOf, type Route, requireString } from '../http';
import { makeOcid } from '../ocid';
import { nextRunAfter, type ScheduledResource, type ScheduleRecord, schedulesOf } from '../schedule-state';
import type { TenancyState } from '../state';

// Resource Scheduler 20240430 as oci-resourcescheduler 2.139.1's ScheduleClient calls it: CreateSchedule
// (answers the Schedule with `opc-work-request-id`), GetSchedule, ListSchedules (ScheduleCollection of
// ScheduleSummary), UpdateSchedule, Activate/DeactivateSchedule, DeleteSchedule (202).
//
// From Oracle's pages (read; not checked against a live tenancy):
// - "Scheduling Functions" (/iaas/Content/Functions/Tasks/functionsschedulingfunctions-about.htm): a
//   function runs on a recurring schedule by being a resource of a resource schedule.
// - `oci resource-scheduler schedule create` (CLI reference): `action` START_RESOURCE or STOP_RESOURCE,
//   `recurrenceType` CRON (UNIX cron) or ICAL (RFC 5545), and "either resources or resourceFilters".
// - "Example Policies" (/iaas/Content/resource-scheduler/references/example_policies.htm): a schedule
//   has no permission on its resources until a policy gives it one, e.g. `Allow any-user to manage
//   <resource_type> in compartment id <ocid> where all{request.principal.type='resourceschedule',
//   request.principal.id='<schedule ocid>'}`, or a dynamic group with `resource.type='resourceschedule'`.
// - oci-resourcescheduler's models: a Resource carries `parameters`, of which a BODY parameter has a
//   `value` and a HEADER parameter a `value` of header names to values.
//
// Assumed (not found in the pages reachable here): that START_RESOURCE on a function is one detached
// invocation through the Functions invoke API, as the schedule's resource principal, whose body is
// the BODY parameter's value (JSON, or the text itself when it is a string) and empty without one;
// that a run missed while the local clock jumped is run once; the smallest interval (none is enforced).
// Only `resources` are served, not `resourceFilters`; recurrences are five-field cron and RRULEs with
// FREQ=MINUTELY, HOURLY or DAILY (schedule-state.ts).

const PREFIX = '/20240430/schedules';

export function resourceSchedulerRoutes(state: TenancyState): Route[] {
  const schedules = schedulesOf(state);
  const find = (request: ApiRequest) => {
    const schedule = schedules.schedules.get(decodeURIComponent(request.params[0] ?? ''));
    if (!schedule) throw notFound(`schedule ${request.params[0]}`);
    return schedule;
  };
  const workRequest = () => ({ 'opc-work-request-id': makeOcid('resourcescheduleworkrequest') });
  const route = (method: Route['method'], suffix: string, operation: string, handle: Route['handle']): Route => ({
    method,
    pattern: new RegExp(`^${PREFIX.replaceAll('/', '\\/')}${suffix}$`),
    service: 'resourcescheduler',
    operation,
    handle,
  });
  const reschedule = (schedule: ScheduleRecord) => {
    schedule.timeNextRun = schedule.lifecycleState === 'ACTIVE' ? nextRunAfter(schedule, state.clock.now()) : undefined;
  };
  return [
    route('POST', '', 'CreateSchedule', (request) => {
      const body = request.json<Record<string, unknown>>();
      const now = state.clock.now();
      const schedule: ScheduleRecord = {
        id: makeOcid('resourceschedule', request.region),
        compartmentId: requireString(body, 'compartmentId'),
        displayName: typeof body.displayName === 'string' ? body.displayName : `schedule${now}`,
        description: typeof body.description === 'string' ? body.description : undefined,
        action: oneOf(body.action, 'action', ['START_RESOURCE', 'STOP_RESOURCE', 'BACKUP_RESOURCE']),
        recurrenceType: oneOf(body.recurrenceType, 'recurrenceType', ['CRON', 'ICAL']) as 'CRON' | 'ICAL',
        recurrenceDetails: requireString(body, 'recurrenceDetails'),
        resources: resourcesOf(body.resources),
        timeStarts: time(body.timeStarts, 'timeStarts'),
        timeEnds: time(body.timeEnds, 'timeEnds'),
        timeCreated: now,
        timeUpdated: now,
        lifecycleState: 'ACTIVE',
        timeLastRun: undefined,
        timeNextRun: undefined,
        lastRunStatus: undefined,
        freeformTags: (body.freeformTags as Record<string, string> | undefined) ?? {},
        definedTags: (body.definedTags as Record<string, Record<string, unknown>> | undefined) ?? {},
      };
      checked(() => reschedule(schedule));
      schedules.schedules.set(schedule.id, schedule);
      return { status: 201, body: view(schedule), headers: { ...workRequest(), etag: String(schedule.timeUpdated) } };
    }),
    route('GET', '\\/([^/]+)', 'GetSchedule', (request) => ({ status: 200, body: view(find(request)) })),
    route('GET', '', 'ListSchedules', (request) => {
      const q = request.query;
      const items = [...schedules.schedules.values()]
        .filter(
          (s) =>
            (q.get('compartmentId') === null || s.compartmentId === q.get('compartmentId')) &&
            (q.get('displayName') === null || s.displayName === q.get('displayName')) &&
            (q.get('scheduleId') === null || s.id === q.get('scheduleId')) &&
            (q.get('lifecycleState') === null || s.lifecycleState === q.get('lifecycleState')) &&
            (q.get('resourceId') === null || s.resources.some((r) => r.id === q.get('resourceId'))),
        )
        .map(view);
      const page = pageOf(items, q);
      return { ...page, body: { items: page.body } };
    }),
    route('PUT', '\\/([^/]+)', 'UpdateSchedule', (request) => {
      const schedule = find(request);
      const body = request.json<Record<string, unknown>>();
      if (typeof body.displayName === 'string') schedule.displayName = body.displayName;
      if (typeof body.description === 'string') schedule.description = body.description;
      if (body.action !== undefined) schedule.action = oneOf(body.action, 'action', ['START_RESOURCE', 'STOP_RESOURCE', 'BACKUP_RESOURCE']);
      if (body.recurrenceType !== undefined)
        schedule.recurrenceType = oneOf(body.recurrenceType, 'recurrenceType', ['CRON', 'ICAL']) as 'CRON' | 'ICAL';
      if (typeof body.recurrenceDetails === 'string') schedule.recurrenceDetails = body.recurrenceDetails;
      if (body.resources !== undefined) schedule.resources = resourcesOf(body.resources);
      schedule.timeUpdated = state.clock.now();
      checked(() => reschedule(schedule));
      return { status: 202, headers: workRequest() };
    }),
    route('POST', '\\/([^/]+)\\/actions\\/activateSchedule', 'ActivateSchedule', (request) => {
      const schedule = find(request);
      schedule.lifecycleState = 'ACTIVE';
      reschedule(schedule);
      return { status: 200, body: view(schedule) };
    }),
    route('POST', '\\/([^/]+)\\/actions\\/deactivateSchedule', 'DeactivateSchedule', (request) => {
      const schedule = find(request);
      schedule.lifecycleState = 'INACTIVE';
      reschedule(schedule);
      return { status: 200, body: view(schedule) };
    }),
    route('DELETE', '\\/([^/]+)', 'DeleteSchedule', (request) => {
      schedules.schedules.delete(find(request).id);
      return { status: 202, headers: workRequest() };
    }),
  ];
}

/** The Schedule model (and ScheduleSummary, its subset). */
function view(s: ScheduleRecord) {
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    id: s.id,
    compartmentId: s.compartmentId,
    displayName: s.displayName,
    ...(s.description !== undefined ? { description: s.description } : {}),
    action: s.action,
    recurrenceType: s.recurrenceType,
    recurrenceDetails: s.recurrenceDetails,
    resources: s.resources,
    timeStarts: iso(s.timeStarts),
    timeEnds: iso(s.timeEnds),
    timeCreated: iso(s.timeCreated),
    timeUpdated: iso(s.timeUpdated),
    timeLastRun: iso(s.timeLastRun),
    timeNextRun: iso(s.timeNextRun),
    lastRunStatus: s.lastRunStatus,
    lifecycleState: s.lifecycleState,
    freeformTags: s.freeformTags,
    definedTags: s.definedTags,
    systemTags: {},
  };
}

function checked(act: () => void): void {
  try {
    act();
  } catch (error) {
    throw new ApiError(400, 'InvalidParameter', (error as Error).message);
  }
}

function oneOf(value: unknown, field: string, allowed: readonly string[]): string {
  if (typeof value !== 'string' || !allowed.includes(value))
    throw new ApiError(400, 'InvalidParameter', `${field} must be one of ${allowed.join(', ')}`);
  return value;
}

function time(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new ApiError(400, 'InvalidParameter', `${field} must be an RFC 3339 time`);
  return ms;
}

function resourcesOf(value: unknown): ScheduledResource[] {
  // The CLI reference: "You must provide either resources or resourceFilters"; filters are not served here.
  if (!Array.isArray(value) || value.length === 0) {
    throw new ApiError(400, 'InvalidParameter', 'resources is required (the local OCI does not serve resourceFilters)');
  }
  return value.map((entry, index) => {
    const e = (entry ?? {}) as ScheduledResource;
    if (typeof e.id !== 'string' || e.id === '') throw new ApiError(400, 'InvalidParameter', `resources[${index}].id is required`);
    for (const p of e.parameters ?? []) {
      if (!['BODY', 'HEADER', 'PATH', 'QUERY'].includes(p.parameterType)) {
        throw new ApiError(400, 'InvalidParameter', `resources[${index}].parameters: parameterType ${p.parameterType} is unknown`);
      }
    }
    return e;
  });
}
