import { makeOcid } from './ocid';
import type { LocalClock, TenancyState } from './state';

// The schedules of the local OCI's Resource Scheduler and when each runs next, on the tenancy's
// LocalClock (so a test moves time on instead of waiting minutes). What a run does (invoking a
// function as the schedule's resource principal) is the server's; the API is in
// services/resource-scheduler.ts, with its sources.

/** A schedule's settings, as CreateScheduleDetails names them (oci-resourcescheduler 2.139.1). */
export interface ScheduleRecord {
  readonly id: string;
  readonly compartmentId: string;
  displayName: string;
  description: string | undefined;
  action: string;
  recurrenceType: 'CRON' | 'ICAL';
  recurrenceDetails: string;
  /** `{id, parameters: [{parameterType: 'BODY', value}|{parameterType: 'HEADER', value: {…}}]}` */
  resources: readonly ScheduledResource[];
  readonly timeStarts: number | undefined;
  readonly timeEnds: number | undefined;
  readonly timeCreated: number;
  timeUpdated: number;
  lifecycleState: 'ACTIVE' | 'INACTIVE';
  timeLastRun: number | undefined;
  timeNextRun: number | undefined;
  lastRunStatus: 'SUCCEEDED' | 'FAILED' | undefined;
  readonly freeformTags: Record<string, string>;
  readonly definedTags: Record<string, Record<string, unknown>>;
}

export interface ScheduledResource {
  readonly id: string;
  readonly metadata?: Record<string, string>;
  readonly parameters?: readonly { readonly parameterType: string; readonly value?: unknown }[];
}

/** What one run of a schedule did to one of its resources. */
export interface ScheduleRun {
  readonly scheduleId: string;
  readonly resourceId: string;
  /** Local clock time of the run. */
  readonly at: number;
  /** `invoked`: the function was called (detached); `refused`: no policy let the schedule call it; `failed`: the call failed. */
  readonly outcome: 'invoked' | 'refused' | 'failed';
  readonly status: number;
}

/** Minutes a cron field may name, per field: minute, hour, day of month, month, day of week. */
const CRON_FIELDS = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12 },
  { min: 0, max: 6 },
] as const;

/** The values one cron field allows: `*`, `*\/n`, `a`, `a-b`, `a-b/n` and lists of them; undefined when not read. */
function cronField(text: string, range: { min: number; max: number }): Set<number> | undefined {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) return undefined;
    const from = match[1] === '*' ? range.min : Number(match[2]);
    const to = match[1] === '*' ? range.max : match[3] !== undefined ? Number(match[3]) : match[4] ? range.max : from;
    const step = match[4] ? Number(match[4]) : 1;
    if (from < range.min || to > range.max || from > to || step < 1) return undefined;
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** Reads a recurrence; throws with the reason when the local OCI cannot. */
export function nextRunAfter(
  schedule: Pick<ScheduleRecord, 'recurrenceType' | 'recurrenceDetails' | 'timeStarts' | 'timeCreated'>,
  after: number,
): number {
  if (schedule.recurrenceType === 'CRON') {
    const fields = schedule.recurrenceDetails.trim().split(/\s+/);
    const sets = fields.length === 5 ? fields.map((f, i) => cronField(f, CRON_FIELDS[i] as { min: number; max: number })) : [];
    if (sets.length !== 5 || sets.some((s) => s === undefined)) {
      throw new Error('recurrenceDetails is not a five-field UNIX cron expression the local OCI reads');
    }
    const [minutes, hours, days, months, weekdays] = sets as Set<number>[];
    // The next whole minute after `after` that every field allows (UTC), within 400 days.
    let at = Math.floor(after / 60_000) * 60_000 + 60_000;
    for (let i = 0; i < 400 * 24 * 60; i += 1, at += 60_000) {
      const d = new Date(at);
      if (
        minutes?.has(d.getUTCMinutes()) &&
        hours?.has(d.getUTCHours()) &&
        days?.has(d.getUTCDate()) &&
        months?.has(d.getUTCMonth() + 1) &&
        weekdays?.has(d.getUTCDay())
      )
        return at;
    }
    throw new Error('recurrenceDetails never runs');
  }
  // RFC 5545 RRULE, as far as a recurring job needs: FREQ=MINUTELY|HOURLY|DAILY with an INTERVAL.
  const rule = Object.fromEntries(
    schedule.recurrenceDetails
      .replace(/^RRULE:/i, '')
      .split(';')
      .map((part) => part.split('=').map((s) => s.trim().toUpperCase()) as [string, string]),
  );
  const unit = ({ MINUTELY: 60_000, HOURLY: 3_600_000, DAILY: 86_400_000 } as Record<string, number>)[rule.FREQ ?? ''];
  const interval = Number(rule.INTERVAL ?? '1');
  if (!unit || !Number.isInteger(interval) || interval < 1) {
    throw new Error('recurrenceDetails is not an RRULE with FREQ=MINUTELY, HOURLY or DAILY and an INTERVAL the local OCI reads');
  }
  const period = unit * interval;
  const origin = schedule.timeStarts ?? schedule.timeCreated;
  if (after < origin) return origin;
  return origin + (Math.floor((after - origin) / period) + 1) * period;
}

/** The schedules of one local tenancy and what their runs did. */
export class ScheduleState {
  readonly schedules = new Map<string, ScheduleRecord>();
  /** Every run, oldest first (the last 1,000). */
  readonly runs: ScheduleRun[] = [];
  /** While true the server's timer runs nothing: a test runs due schedules itself (`LocalOci.runSchedules`). */
  timerPaused = false;

  constructor(readonly clock: LocalClock) {}

  /** Schedules whose next run is due now; each is moved on to its following run (a run missed while time jumped is run once). */
  due(): ScheduleRecord[] {
    const now = this.clock.now();
    const due = [...this.schedules.values()].filter(
      (s) =>
        s.lifecycleState === 'ACTIVE' &&
        s.timeNextRun !== undefined &&
        s.timeNextRun <= now &&
        (s.timeEnds === undefined || s.timeNextRun <= s.timeEnds),
    );
    for (const schedule of due) {
      schedule.timeLastRun = now;
      const next = nextRunAfter(schedule, now);
      schedule.timeNextRun = schedule.timeEnds !== undefined && next > schedule.timeEnds ? undefined : next;
    }
    return due;
  }

  /**
   * Seeds an active schedule that invokes one function with a body every `everyMinutes` (as set-up's
   * sweep schedule does), for a test or a stack that wants the schedule without the API.
   * @example oci.schedules.addFunctionSchedule({ compartmentId, functionId, body: { sweep: true }, everyMinutes: 5 })
   */
  addFunctionSchedule(options: {
    readonly compartmentId: string;
    readonly functionId: string;
    readonly body: unknown;
    readonly everyMinutes: number;
    readonly displayName?: string;
  }): ScheduleRecord {
    const now = this.clock.now();
    const schedule: ScheduleRecord = {
      id: makeOcid('resourceschedule'),
      compartmentId: options.compartmentId,
      displayName: options.displayName ?? 'sweep',
      description: undefined,
      action: 'START_RESOURCE',
      recurrenceType: 'ICAL',
      recurrenceDetails: `FREQ=MINUTELY;INTERVAL=${options.everyMinutes}`,
      resources: [{ id: options.functionId, parameters: [{ parameterType: 'BODY', value: options.body }] }],
      timeStarts: undefined,
      timeEnds: undefined,
      timeCreated: now,
      timeUpdated: now,
      lifecycleState: 'ACTIVE',
      timeLastRun: undefined,
      timeNextRun: undefined,
      lastRunStatus: undefined,
      freeformTags: {},
      definedTags: {},
    };
    schedule.timeNextRun = nextRunAfter(schedule, now);
    this.schedules.set(schedule.id, schedule);
    return schedule;
  }

  record(run: ScheduleRun): void {
    this.runs.push(run);
    if (this.runs.length > 1000) this.runs.shift();
  }
}

const byTenancy = new WeakMap<TenancyState, ScheduleState>();

/** The schedules of a local tenancy (made on first use). */
export function schedulesOf(state: TenancyState): ScheduleState {
  let found = byTenancy.get(state);
  if (!found) {
    found = new ScheduleState(state.clock);
    byTenancy.set(state, found);
  }
  return found;
}
